"""Random tampering of a real ledger file: `verify` catches every one.

Each case copies a ledger whose whole log is covered by a signed checkpoint,
changes it the way an intruder with the database file could, and runs
`verify` against the exported head. A tampering counts as caught when verify
says not ok naming an event the tampering touched (or, for removed events,
one after them), or refuses with an integrity failure naming the record it
touched; it must never pass, and nothing may raise anything else.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Callable

import pytest

from ledger.crypto.envelope import SealCheck
from ledger.errors import IntegrityFailure, LedgerError
from tests.conftest import Plaint

CASES = 150  # of each kind
Tamper = Callable[[sqlite3.Connection, random.Random], None]


def rows(db: sqlite3.Connection) -> list[int]:
    return [r for (r,) in db.execute("SELECT rowid FROM stored_events ORDER BY rowid")]


def flip_state(db: sqlite3.Connection, rng: random.Random) -> None:
    rowid = rng.choice(rows(db))
    (state,) = db.execute(
        "SELECT state FROM stored_events WHERE rowid = ?", (rowid,)
    ).fetchone()
    at = rng.randrange(len(state) * 8)
    flipped = bytearray(state)
    flipped[at // 8] ^= 1 << (at % 8)
    db.execute(
        "UPDATE stored_events SET state = ? WHERE rowid = ?", (bytes(flipped), rowid)
    )


def flip_topic(db: sqlite3.Connection, rng: random.Random) -> None:
    rowid = rng.choice(rows(db))
    (topic,) = db.execute(
        "SELECT topic FROM stored_events WHERE rowid = ?", (rowid,)
    ).fetchone()
    at = rng.randrange(len(topic))
    changed = (
        topic[:at] + chr(ord(topic[at]) ^ (1 << rng.randrange(7))) + topic[at + 1 :]
    )
    db.execute("UPDATE stored_events SET topic = ? WHERE rowid = ?", (changed, rowid))


def change_originator(db: sqlite3.Connection, rng: random.Random) -> None:
    rowid = rng.choice(rows(db))
    (oid,) = db.execute(
        "SELECT originator_id FROM stored_events WHERE rowid = ?", (rowid,)
    ).fetchone()
    at = rng.randrange(len(oid))
    digit = rng.choice([d for d in "0123456789abcdef" if d != oid[at]])
    changed = oid[:at] + digit + oid[at + 1 :]
    db.execute(
        "UPDATE OR IGNORE stored_events SET originator_id = ? WHERE rowid = ?",
        (changed, rowid),
    )


def change_version(db: sqlite3.Connection, rng: random.Random) -> None:
    rowid = rng.choice(rows(db))
    delta = rng.choice([-2, -1, 1, 2, 7])
    try:
        db.execute(
            "UPDATE stored_events SET originator_version = originator_version + ? "
            "WHERE rowid = ?",
            (delta, rowid),
        )
    except sqlite3.IntegrityError:  # that version is taken: swap the two instead
        swap_columns(db, rng, "originator_version")


def delete_row(db: sqlite3.Connection, rng: random.Random) -> None:
    db.execute("DELETE FROM stored_events WHERE rowid = ?", (rng.choice(rows(db)),))


def duplicate_row(db: sqlite3.Connection, rng: random.Random) -> None:
    rowid = rng.choice(rows(db))
    db.execute(
        "INSERT INTO stored_events (originator_id, originator_version, topic, state) "
        "SELECT originator_id, originator_version + 1000, topic, state "
        "FROM stored_events WHERE rowid = ?", (rowid,))  # fmt: skip


def reorder_rows(db: sqlite3.Connection, rng: random.Random) -> None:
    a, b = rng.sample(rows(db), 2)
    top = max(rows(db)) + 1
    db.execute("UPDATE stored_events SET rowid = ? WHERE rowid = ?", (top, a))
    db.execute("UPDATE stored_events SET rowid = ? WHERE rowid = ?", (a, b))
    db.execute("UPDATE stored_events SET rowid = ? WHERE rowid = ?", (b, top))


def swap_columns(db: sqlite3.Connection, rng: random.Random, column: str) -> None:
    while True:
        a, b = rng.sample(rows(db), 2)
        if column == "originator_version":  # within one record, or it would clash
            same = "SELECT rowid FROM stored_events WHERE originator_id = ("
            same += "SELECT originator_id FROM stored_events WHERE rowid = ?)"
            b = rng.choice([r for (r,) in db.execute(same, (a,))])
        select = f"SELECT {column} FROM stored_events WHERE rowid = ?"
        [(x,), (y,)] = [db.execute(select, (r,)).fetchone() for r in (a, b)]
        if x != y:
            break
    update = f"UPDATE stored_events SET {column} = ? WHERE rowid = ?"
    db.execute(update, (-987654, a))  # out of the way of a unique version
    db.execute(update, (x, b))
    db.execute(update, (y, a))


def swap_states(db: sqlite3.Connection, rng: random.Random) -> None:
    swap_columns(db, rng, "state")


def truncate(db: sqlite3.Connection, rng: random.Random) -> None:
    keep = rng.randrange(1, len(rows(db)))
    db.execute("DELETE FROM stored_events WHERE rowid > ?", (rows(db)[keep - 1],))


def forge_checkpoint(db: sqlite3.Connection, rng: random.Random) -> None:
    size, note = rng.choice(
        db.execute("SELECT size, note FROM plaint_checkpoints").fetchall()
    )
    at = rng.randrange(len(note))
    if note[at] == "\n":
        at -= 1
    forged = note[:at] + ("A" if note[at] != "A" else "B") + note[at + 1 :]
    db.execute("UPDATE plaint_checkpoints SET note = ? WHERE size = ?", (forged, size))


def change_checkpoint_root(db: sqlite3.Connection, rng: random.Random) -> None:
    size, root = rng.choice(
        db.execute("SELECT size, root FROM plaint_checkpoints").fetchall()
    )
    changed = bytearray(root)
    changed[rng.randrange(32)] ^= 1 << rng.randrange(8)
    db.execute(
        "UPDATE plaint_checkpoints SET root = ? WHERE size = ?", (bytes(changed), size)
    )


def flip_sealed(db: sqlite3.Connection, rng: random.Random) -> None:
    """Flip a bit of a state, its text section's key id included (a text key
    that is not found reads as erased only when the complaint was erased)."""
    rowid = rng.choice(rows(db))
    (state,) = db.execute(
        "SELECT state FROM stored_events WHERE rowid = ?", (rowid,)
    ).fetchone()
    flipped = bytearray(state)
    flipped[rng.randrange(len(state))] ^= 1 << rng.randrange(8)
    db.execute(
        "UPDATE stored_events SET state = ? WHERE rowid = ?", (bytes(flipped), rowid)
    )


def flip_text_key(db: sqlite3.Connection, rng: random.Random) -> None:
    """Flip a bit of a text section's key id: that key is then not found."""
    with_text = [
        (rowid, state, text)
        for rowid, state in db.execute("SELECT rowid, state FROM stored_events")
        if len(state) > (text := 33 + int.from_bytes(state[29:33], "big"))
    ]
    rowid, state, text = rng.choice(with_text)
    flipped = bytearray(state)
    flipped[text + rng.randrange(16)] ^= 1 << rng.randrange(8)
    db.execute(
        "UPDATE stored_events SET state = ? WHERE rowid = ?", (bytes(flipped), rowid)
    )


def strip_text(db: sqlite3.Connection, rng: random.Random) -> None:
    """Drop a complaint event's text section, keeping its metadata."""
    rowid = rng.choice(
        [
            r
            for (r,) in db.execute(
                "SELECT rowid FROM stored_events WHERE topic LIKE '%Complaint.Filed'"
            )
        ]
    )
    (state,) = db.execute(
        "SELECT state FROM stored_events WHERE rowid = ?", (rowid,)
    ).fetchone()
    meta_end = 33 + int.from_bytes(state[29:33], "big")
    db.execute(
        "UPDATE stored_events SET state = ? WHERE rowid = ?", (state[:meta_end], rowid)
    )  # fmt: skip


def cut_state(db: sqlite3.Connection, rng: random.Random) -> None:
    rowid = rng.choice(rows(db))
    (state,) = db.execute(
        "SELECT state FROM stored_events WHERE rowid = ?", (rowid,)
    ).fetchone()
    db.execute(
        "UPDATE stored_events SET state = ? WHERE rowid = ?",
        (state[: rng.randrange(len(state))], rowid),
    )


TAMPERINGS: dict[str, Tamper] = {
    "flip a bit of a state": flip_state,
    "flip a bit of a topic": flip_topic,
    "change an originator id": change_originator,
    "change a version": change_version,
    "delete a row": delete_row,
    "insert a copied row": duplicate_row,
    "reorder two rows": reorder_rows,
    "swap two states": swap_states,
    "truncate the log": truncate,
    "forge a checkpoint's note": forge_checkpoint,
    "change a checkpoint's root": change_checkpoint_root,
}


# What verify must catch in events no checkpoint covers yet, by opening each
# (a removed or reordered unsigned event leaves nothing to compare with).
UNSIGNED_TAMPERINGS: dict[str, Tamper] = {
    "flip a bit of a state": flip_sealed,
    "flip a bit of a text key id": flip_text_key,
    "flip a bit of a topic": flip_topic,
    "change an originator id": change_originator,
    "change a version": change_version,
    "insert a copied row": duplicate_row,
    "swap two states": swap_states,
    "strip a text section": strip_text,
    "cut a state short": cut_state,
}


@pytest.fixture
def signed_ledger(sqlite_plaint: Plaint) -> tuple[Plaint, bytes, str]:
    run = sqlite_plaint
    run.ok("team", "add", "lee", "--role", "lead")
    for n in range(6):
        run.ok("file", "--project", "P", "--channel", "web", "--severity", "mild",
               "--summary", f"s{n}", "--customer", "Jo")  # fmt: skip
        if n == 2:
            run.ok("checkpoint")
    run.ok("ack", "C-1")
    run.ok("escalate", "C-1", "--to", "lee", "--reason", "r")
    run.ok("confidential", "C-2", "--allow", "lee")
    run.ok("show", "C-2", actor="lee")
    run.ok("checkpoint")
    head = run.ok("checkpoint", "export")
    database = run.home / "ledger.sqlite"
    return run, database.read_bytes(), head


@pytest.mark.parametrize("kind", TAMPERINGS)
def test_verify_catches_every_random_tampering(
    signed_ledger: tuple[Plaint, bytes, str], kind: str
) -> None:
    run, original, head = signed_ledger
    assert missed(run, original, head, TAMPERINGS[kind], random.Random(kind)) == []


@pytest.fixture
def unsigned_ledger(sqlite_plaint: Plaint) -> tuple[Plaint, bytes]:
    run = sqlite_plaint
    for n in range(6):
        run.ok("file", "--project", "P", "--channel", "web", "--severity", "mild",
               "--summary", f"s{n}", "--customer", "Jo")  # fmt: skip
    run.ok("ack", "C-1")
    run.ok("note", "C-2", "a note")
    return run, (run.home / "ledger.sqlite").read_bytes()


@pytest.mark.parametrize("kind", UNSIGNED_TAMPERINGS)
def test_verify_opens_unsigned_events_and_catches_every_tampering(
    unsigned_ledger: tuple[Plaint, bytes], kind: str
) -> None:
    run, original = unsigned_ledger
    tamper = UNSIGNED_TAMPERINGS[kind]
    assert missed(run, original, None, tamper, random.Random(kind)) == []


def missed(
    run: Plaint, original: bytes, head: str | None, tamper: Tamper, rng: random.Random
) -> list[str]:
    """The cases, each a fresh copy of `original` tampered with, that verify
    (against `head`, if given) does not catch, or catches naming an event
    the tampering did not touch."""
    database = run.home / "ledger.sqlite"
    team = team_id(run)
    cases = []
    for case in range(CASES):
        database.write_bytes(original)
        db = sqlite3.connect(database)
        before = snapshot(db)
        tamper(db, rng)
        db.commit()
        after = snapshot(db)
        db.close()
        wrong = misnamed(outcome_of(run, head), before, after, team)
        if wrong:
            cases.append(f"case {case}: {wrong}")
    return cases


Rows = dict[int, tuple[str, int, str, bytes]]
Snapshot = tuple[Rows, list[tuple[object, ...]]]


def snapshot(db: sqlite3.Connection) -> Snapshot:
    """The log's rows by rowid, and the checkpoints."""
    events = {
        rowid: (originator, version, topic, state)
        for rowid, originator, version, topic, state in db.execute(
            "SELECT rowid, originator_id, originator_version, topic, state "
            "FROM stored_events"
        )
    }
    heads = db.execute("SELECT * FROM plaint_checkpoints ORDER BY size").fetchall()
    return events, heads


def outcome_of(run: Plaint, head: str | None) -> dict[str, object] | LedgerError:
    """Verify's verdict, or the ledger error it raised."""
    try:
        ledger = run.open()
    except LedgerError as error:
        return error
    try:
        return ledger.verify(head)
    except LedgerError as error:
        return error
    finally:
        ledger.close()


def team_id(run: Plaint) -> str:
    ledger = run.open()
    try:
        return ledger._singleton("team").hex
    finally:
        ledger.close()


def misnamed(
    outcome: dict[str, object] | LedgerError,
    before: Snapshot,
    after: Snapshot,
    team: str,
) -> str | None:
    """Why the outcome is not a verdict against the tampering naming an
    event it touched (or, for removed events, one after them in their own
    record or at the checkpoint that no longer matches); None when it is."""
    (old, old_heads), (new, new_heads) = before, after
    changed = {r for r in new if old.get(r) != new[r]}
    removed = set(old) - set(new)
    records = {old[r][0] for r in changed | removed if r in old}
    records |= {new[r][0] for r in changed}
    if isinstance(outcome, LedgerError):
        # verify replays the team before it reads the log (to check the role)
        named = "of team" in str(outcome) or "events of team" in str(outcome)
        if isinstance(outcome, IntegrityFailure) and named and team in records:
            return None
        return f"raised {outcome!r}"
    if outcome["ok"]:
        return "passed as OK"
    bad = outcome["first_bad"]
    assert isinstance(bad, dict)
    seq, reason = bad["seq"], str(bad["reason"])
    touched = changed | removed
    if not touched:
        return None if old_heads != new_heads and "checkpoint" in reason else reason
    if seq in changed or (seq is None and removed):
        return None
    later = seq is not None and seq > min(touched)
    in_record = seq in new and new[seq][0] in records
    # Whole rows moved still open: the first event out of its place in its
    # record or in the filing order is named, or the range that no longer
    # hashes to its root.
    out_of_place = "was due" in reason
    unhashed = "no longer hash to the signed checkpoint" in reason
    if later and (in_record or (removed and seq > min(removed)) or out_of_place
                  or unhashed):  # fmt: skip
        return None
    return f"named event {seq} ({reason}); touched {sorted(touched)}"


def test_the_untouched_copy_verifies(signed_ledger: tuple[Plaint, bytes, str]) -> None:
    run, _, head = signed_ledger
    outcome = outcome_of(run, head)
    assert isinstance(outcome, dict)
    assert outcome["ok"] is True


def test_every_untouched_event_opens_without_falling_back(
    unsigned_ledger: tuple[Plaint, bytes],
) -> None:
    run, _ = unsigned_ledger
    ledger = run.open()
    try:
        rows = ledger.tables.log_rows(0, 100)
        opens = SealCheck(ledger.keyring)
        assert len(rows) == 11
        assert all(opens(*row[1:]) for row in rows)
    finally:
        ledger.close()


@pytest.mark.parametrize("kind", TAMPERINGS)
def test_the_verdict_does_not_depend_on_how_the_log_is_batched(
    signed_ledger: tuple[Plaint, bytes, str],
    kind: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run, original, head = signed_ledger
    database = run.home / "ledger.sqlite"
    rng = random.Random(kind + " batched")
    for _ in range(CASES // 10):
        database.write_bytes(original)
        db = sqlite3.connect(database)
        TAMPERINGS[kind](db, rng)
        db.commit()
        db.close()
        verdicts = []
        for size in (1, 2, 5, 256):
            monkeypatch.setattr("ledger.storage.log.VERIFY_BATCH", size)
            verdicts.append(verdict(run, head))
        assert verdicts[1:] == verdicts[:-1]


def verdict(run: Plaint, head: str) -> object:
    try:
        ledger = run.open()
    except LedgerError as error:
        return str(error)
    try:
        return ledger.verify(head)
    except LedgerError as error:
        return str(error)
    finally:
        ledger.close()


def flip_last_bit(db: sqlite3.Connection, rowid: int) -> None:
    (state,) = db.execute(
        "SELECT state FROM stored_events WHERE rowid = ?", (rowid,)
    ).fetchone()
    flipped = state[:-1] + bytes([state[-1] ^ 1])
    db.execute("UPDATE stored_events SET state = ? WHERE rowid = ?", (flipped, rowid))


@pytest.mark.parametrize("region", ["signed", "unsigned"])
def test_of_several_bad_events_the_first_is_named(
    sqlite_plaint: Plaint, region: str
) -> None:
    """Within the events a checkpoint covers (found by searching its range
    once its root fails) and within those none covers (each opened), the
    event named is the first bad one in log order, whichever the search
    meets first."""
    run = sqlite_plaint
    for n in range(8):
        run.ok("file", "--project", "P", "--channel", "web", "--severity", "mild",
               "--summary", f"s{n}")  # fmt: skip
        if n == 3:
            run.ok("checkpoint")
    db = sqlite3.connect(run.home / "ledger.sqlite")
    (signed,) = db.execute("SELECT position FROM plaint_checkpoints").fetchone()
    every = rows(db)
    region_rows = [r for r in every if (r <= signed) == (region == "signed")]
    planted = region_rows[-4::2] if region == "signed" else region_rows[1::2]
    assert len(planted) >= 2
    for rowid in planted:
        flip_last_bit(db, rowid)
    db.commit()
    db.close()
    ledger = run.open()
    try:
        verdict = ledger.verify()
    finally:
        ledger.close()
    assert verdict["ok"] is False
    assert verdict["first_bad"]["seq"] == planted[0]
    assert (
        verdict["first_bad"]["reason"] == "it was altered or moved (Filed, version 1)"
    )
