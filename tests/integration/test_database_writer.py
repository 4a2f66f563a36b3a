"""An intruder who can write the database but holds no key: every change they
make is caught by `verify`, on SQLite and PostgreSQL alike, or `verify` says
exactly what it could not check.

Each case changes the tables with plain SQL, as such an intruder would, and
runs the real CLI.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from click.testing import Result
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.evidence.logcheck import leaf_hashes
from ledger.evidence.merkle import TreeBuilder
from ledger.evidence.note import checkpoint_body, sign_note, verifier_key
from tests.conftest import Plaint


class Database:
    """The ledger's tables through a plain connection: SQL with `?` marks and
    SQLite's table names, originator ids as UUIDs, on either backend."""

    def __init__(self, location: str) -> None:
        self.postgres = location.startswith("postgresql://")
        if self.postgres:
            import psycopg

            url, _, schema = location.partition("?schema=")
            self.connection: Any = psycopg.connect(url, autocommit=True)
            self.connection.execute(f'SET search_path TO "{schema}"')
            self.position = "notification_id"
        else:
            self.connection = sqlite3.connect(location, isolation_level=None)
            self.position = "rowid"

    def run(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        if self.postgres:
            sql = sql.replace("?", "%s").replace("stored_events", "plaint_events")
        params = tuple(
            (p if self.postgres else p.hex) if isinstance(p, UUID) else p
            for p in params
        )
        cursor = self.connection.execute(sql, params)
        return list(cursor.fetchall()) if cursor.description else []

    def originator(self, stored: Any) -> UUID:
        return stored if isinstance(stored, UUID) else UUID(stored)

    def log(self) -> list[tuple[int, bytes, int, str, bytes]]:
        rows = self.run(
            f"SELECT {self.position}, originator_id, originator_version, topic, "
            f"state FROM stored_events ORDER BY {self.position}"
        )
        return [(p, self.originator(o).bytes, v, t, bytes(s)) for p, o, v, t, s in rows]

    def close(self) -> None:
        self.connection.close()


@pytest.fixture
def db(plaint: Plaint) -> Iterator[Database]:
    database = Database(plaint.ledger)
    yield database
    database.close()


def file_complaints(plaint: Plaint, first: int, last: int) -> None:
    for n in range(first, last + 1):
        plaint.ok("file", "--project", "P", "--channel", "web", "--severity",
                  "mild", "--summary", f"complaint {n}", "--customer", "J")  # fmt: skip


def complaint_id(plaint: Plaint, ref: str) -> UUID:
    return UUID(json.loads(plaint.ok("show", ref, "--json"))["id"])


def verify(plaint: Plaint, *args: str) -> tuple[Result, dict[str, Any]]:
    result = plaint("verify", "--json", *args)
    return result, json.loads(result.stdout)


def event_count(db: Database) -> int:
    return int(db.run("SELECT COUNT(*) FROM stored_events")[0][0])


@pytest.fixture
def fourteen(plaint: Plaint, tmp_path: Path) -> Path:
    """C-1…C-10 under a checkpoint exported elsewhere, then C-11…C-14."""
    file_complaints(plaint, 1, 10)
    plaint.ok("checkpoint")
    head = tmp_path / "head.txt"
    plaint.ok("checkpoint", "export", "-o", str(head))
    file_complaints(plaint, 11, 14)
    return head


def test_a_complaint_deleted_after_the_last_checkpoint_is_named(
    plaint: Plaint, db: Database, fourteen: Path
) -> None:
    db.run("DELETE FROM stored_events WHERE originator_id = ?",
           complaint_id(plaint, "C-13"))  # fmt: skip
    for args in ((), ("--against", str(fourteen))):
        result, verdict = verify(plaint, *args)
        assert result.exit_code == 1
        assert verdict["ok"] is False
        assert verdict["first_bad"]["ref"] == "C-14"
        assert verdict["first_bad"]["reason"] == (
            "it files C-14 where C-13 was due: C-13 is missing from the log; "
            "complaints were removed"
        )
        assert result.stderr.startswith(f"Error: event {verdict['first_bad']['seq']} ")


def test_the_next_filing_never_reuses_a_deleted_complaints_number(
    plaint: Plaint, db: Database, fourteen: Path
) -> None:
    db.run("DELETE FROM stored_events WHERE originator_id = ?",
           complaint_id(plaint, "C-13"))  # fmt: skip
    filed = plaint.ok("file", "--project", "P", "--channel", "web", "--severity",
                      "mild", "--summary", "after the deletion", "--json")  # fmt: skip
    assert json.loads(filed)["ref"] == "C-15"
    assert plaint("show", "C-13").exit_code == 2
    result, verdict = verify(plaint)
    assert result.exit_code == 1
    assert "C-13 is missing" in verdict["first_bad"]["reason"]


def test_a_complaint_deleted_with_every_checkpoint_is_still_caught(
    plaint: Plaint, db: Database, fourteen: Path
) -> None:
    db.run("DELETE FROM plaint_checkpoints")
    db.run("DELETE FROM stored_events WHERE originator_id = ?",
           complaint_id(plaint, "C-4"))  # fmt: skip
    result, verdict = verify(plaint)
    assert result.exit_code == 1
    assert (verdict["checkpoints"], verdict["first_bad"]["ref"]) == (0, "C-5")


def test_the_newest_complaint_removed_with_newer_checkpoints_is_named_as_uncovered(
    plaint: Plaint, db: Database, fourteen: Path
) -> None:
    """What no local check can catch: verify passes, and says which events
    are unprotected and what would protect them."""
    before = event_count(db)
    db.run("DELETE FROM stored_events WHERE originator_id = ?",
           complaint_id(plaint, "C-14"))  # fmt: skip
    result, verdict = verify(plaint)
    assert result.exit_code == 0
    assert verdict["ok"] is True
    assert verdict["trusted_key"] == "file"
    signed = int(fourteen.read_text().splitlines()[1])
    assert verdict["uncovered"] == event_count(db) - signed == before - signed - 1 == 3
    assert result.stderr == (
        f"Warning: the last {verdict['uncovered']} events are covered by no "
        "checkpoint the trusted key signed: had they been removed together with "
        "newer checkpoints, nothing here could tell; `plaint checkpoint`, export "
        "it and keep it elsewhere, then verify --against it\n"
    )
    _, against = verify(plaint, "--against", str(fourteen))
    assert against["uncovered"] == verdict["uncovered"]


def test_more_unsigned_events_than_write_commands_leave_fail_where_they_sign(
    plaint: Plaint, db: Database, tmp_path: Path
) -> None:
    records = tmp_path / "many.jsonl"
    records.write_text("".join(
        json.dumps({"project": "P", "channel": "web", "severity": "mild",
                    "summary": f"s{n}", "external_id": f"x{n}",
                    "received_at": "2026-11-01T09:00:00Z"}) + "\n"
        for n in range(600)
    ))  # fmt: skip
    plaint.ok("import", str(records))
    assert plaint("verify").exit_code == 0
    db.run("DELETE FROM plaint_checkpoints")
    result, verdict = verify(plaint)
    assert result.exit_code == 1
    assert verdict["uncovered"] == event_count(db)
    assert verdict["first_bad"]["reason"].startswith(
        f"the last {event_count(db)} events are covered by no checkpoint the "
        "trusted key signed, though write commands here sign one once 1000 events "
        "are unsigned: checkpoints were removed"
    )


def forge_checkpoint(db: Database, plaint: Plaint) -> str:
    """Sign the log as it is with the intruder's own key, put that key in
    the ledger's identity row and the checkpoint in its table; the key."""
    rows = db.log()
    tree = TreeBuilder()
    tree.extend(leaf_hashes(rows))
    origin = json.loads(plaint.ok("info", "--json"))["verifier_key"].split("+")[0]
    key = Ed25519PrivateKey.generate()
    forged = verifier_key(origin, key.public_key())
    note = sign_note(checkpoint_body(origin, tree.size, tree.root()), origin, key)
    db.run("UPDATE plaint_ledger SET verifier_key = ?", forged)
    db.run("DELETE FROM plaint_checkpoints")
    db.run(
        "INSERT INTO plaint_checkpoints (size, position, root, frontier, note, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?)",
        tree.size, rows[-1][0], tree.root(), b"".join(tree.hashes), note,
        datetime.now(UTC).isoformat(),
    )  # fmt: skip
    return forged


@pytest.fixture
def replaced_key(plaint: Plaint, db: Database) -> str:
    """A ledger whose last event was deleted and whose verifier key and
    checkpoints were replaced, on a machine without the signing key; the
    verifier key `plaint info` printed when the ledger was new."""
    original = json.loads(plaint.ok("info", "--json"))["verifier_key"]
    file_complaints(plaint, 1, 3)
    plaint.ok("note", "C-2", "the note to remove")
    plaint.ok("checkpoint")
    position = db.log()[-1][0]
    db.run(f"DELETE FROM stored_events WHERE {db.position} = ?", position)
    forge_checkpoint(db, plaint)
    keys = plaint.home / "config" / "plaint" / "keys"
    for signing in keys.glob("*.signing.key"):
        signing.rename(plaint.home / "elsewhere.signing.key")
    return original


def test_a_replaced_verifier_key_passes_only_with_a_warning_that_says_so(
    plaint: Plaint, replaced_key: str
) -> None:
    result, verdict = verify(plaint)
    assert (result.exit_code, verdict["ok"], verdict["trusted_key"]) == (
        0,
        True,
        "ledger",
    )
    assert result.stderr.startswith(
        "Warning: the checkpoints were checked against the verifier key stored in "
        "the ledger, which whoever can write the database can replace; give the key "
        "`plaint info` printed when the ledger was new (--verifier-key or "
        "PLAINT_VERIFIER_KEY)\n"
    )


def test_a_replaced_verifier_key_fails_against_the_key_given(
    plaint: Plaint, replaced_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    result, verdict = verify(plaint, "--verifier-key", replaced_key)
    assert result.exit_code == 1
    assert verdict["trusted_key"] == "flag"
    assert verdict["first_bad"] == {"seq": None, "ref": None, "reason": (
        "the verifier key recorded in the ledger is not the one --verifier-key "
        f"names ({replaced_key}): the ledger's copy was replaced, or the key given "
        "is another ledger's"
    )}  # fmt: skip
    monkeypatch.setenv("PLAINT_VERIFIER_KEY", replaced_key)
    assert verify(plaint)[1] == verdict


def test_a_replaced_verifier_key_fails_where_the_signing_key_is(
    plaint: Plaint, replaced_key: str
) -> None:
    keys = plaint.home / "config" / "plaint" / "keys"
    ledger_id = json.loads(plaint.ok("info", "--json"))["key_file"]
    (plaint.home / "elsewhere.signing.key").rename(
        keys / (Path(ledger_id).stem + ".signing.key")
    )
    result, verdict = verify(plaint)
    assert (result.exit_code, verdict["trusted_key"]) == (1, "file")
    assert verdict["first_bad"]["reason"].startswith(
        "the verifier key recorded in the ledger is not the one the signing key names"
    )


def test_an_exported_head_signed_by_another_key_is_a_failed_verification(
    plaint: Plaint, tmp_path: Path
) -> None:
    file_complaints(plaint, 1, 2)
    origin = json.loads(plaint.ok("info", "--json"))["verifier_key"].split("+")[0]
    stranger = Ed25519PrivateKey.generate()
    tree = TreeBuilder()
    tree.extend([b"\x00" * 32])
    note = tmp_path / "head.txt"
    note.write_text(
        sign_note(checkpoint_body(origin, 1, tree.root()), origin, stranger)
    )
    result, verdict = verify(plaint, "--against", str(note))
    assert result.exit_code == 1
    assert verdict["first_bad"]["reason"].startswith(
        "the exported checkpoint is not the trusted one: the note is not signed by "
        "the key "
    )
    assert result.stderr.startswith("Error: the log failed verification: ")


def test_a_malformed_verifier_key_is_a_usage_error(plaint: Plaint) -> None:
    result = plaint("verify", "--verifier-key", "not-a-key")
    assert result.exit_code == 2
    assert result.stderr.strip().endswith(
        "Error: --verifier-key: malformed verifier key 'not-a-key'"
    )


def key_row(db: Database, complaint: UUID) -> tuple[str, bytes]:
    [(key_id, wrapped)] = db.run(
        "SELECT key_id, wrapped FROM plaint_keys WHERE scope = ?", complaint.hex
    )
    return key_id, bytes(wrapped)


@pytest.mark.parametrize("signed", [True, False], ids=["signed", "unsigned"])
def test_a_deleted_data_key_is_an_unrecorded_erasure(
    plaint: Plaint, db: Database, signed: bool
) -> None:
    file_complaints(plaint, 1, 4)
    if signed:
        plaint.ok("checkpoint")
    db.run("DELETE FROM plaint_keys WHERE scope = ?", complaint_id(plaint, "C-3").hex)
    result, verdict = verify(plaint)
    assert result.exit_code == 1
    assert verdict["first_bad"]["ref"] == "C-3"
    assert verdict["first_bad"]["reason"] == (
        "C-3's data key is gone from the key table, yet C-3 was never erased: its "
        "text was destroyed without a record"
    )


@pytest.mark.parametrize("column", ["wrapped", "scope"])
def test_two_complaints_swapped_data_keys_are_caught(
    plaint: Plaint, db: Database, column: str
) -> None:
    file_complaints(plaint, 1, 4)
    plaint.ok("checkpoint")
    one, two = complaint_id(plaint, "C-2"), complaint_id(plaint, "C-3")
    (key_one, _), (key_two, _) = key_row(db, one), key_row(db, two)
    [(a,)] = db.run(f"SELECT {column} FROM plaint_keys WHERE key_id = ?", key_one)
    [(b,)] = db.run(f"SELECT {column} FROM plaint_keys WHERE key_id = ?", key_two)
    db.run(f"UPDATE plaint_keys SET {column} = ? WHERE key_id = ?", b, key_one)
    db.run(f"UPDATE plaint_keys SET {column} = ? WHERE key_id = ?", a, key_two)
    result, verdict = verify(plaint)
    assert result.exit_code == 1
    assert verdict["first_bad"]["ref"] == "C-2"
    assert verdict["first_bad"]["reason"].endswith(
        "failed its integrity check: the key table was altered"
    )


def test_an_erased_complaint_without_its_key_verifies(
    plaint: Plaint, db: Database
) -> None:
    file_complaints(plaint, 1, 3)
    plaint.ok("erase", "C-2", "--reason", "asked to")
    plaint.ok("checkpoint")
    assert verify(plaint)[0].exit_code == 0


CLASSIC = {
    "flip a bit of a state": (
        "UPDATE stored_events SET state = ? WHERE {position} = ?"
    ),
    "delete an event in the middle": "DELETE FROM stored_events WHERE {position} = ?",
}


@pytest.mark.parametrize("kind", CLASSIC)
@pytest.mark.parametrize("signed", [True, False], ids=["signed", "unsigned"])
def test_the_changes_verify_always_caught_are_caught_on_both_backends(
    plaint: Plaint, db: Database, kind: str, signed: bool
) -> None:
    file_complaints(plaint, 1, 3)
    plaint.ok("ack", "C-2")
    plaint.ok("note", "C-2", "a note")
    if signed:
        plaint.ok("checkpoint")
    position, *_, state = db.log()[-2]
    sql = CLASSIC[kind].format(position=db.position)
    if kind.startswith("flip"):
        db.run(sql, bytes([state[0]]) + state[1:-1] + bytes([state[-1] ^ 1]), position)
    else:
        db.run(sql, position)
    result, verdict = verify(plaint)
    assert (result.exit_code, verdict["ok"]) == (1, False)
    assert verdict["first_bad"]["ref"] == "C-2"


@pytest.mark.parametrize(
    "deleted", [[33], [31, 32]], ids=["after a full window", "near a window's top"]
)
def test_a_deleted_number_is_never_taken_again_wherever_it_lies(
    plaint: Plaint, db: Database, tmp_path: Path, deleted: list[int]
) -> None:
    """The next number is searched in windows of 32 (ledger/cases/common.py):
    a gap just past a full window, or near the top of one, is not the end."""
    records = tmp_path / "forty.jsonl"
    records.write_text("".join(
        json.dumps({"project": "P", "channel": "web", "severity": "mild",
                    "summary": f"s{n}", "external_id": f"x{n}",
                    "received_at": "2026-11-01T09:00:00Z"}) + "\n"
        for n in range(40)
    ))  # fmt: skip
    plaint.ok("import", str(records))
    for number in deleted:
        db.run("DELETE FROM stored_events WHERE originator_id = ?",
               complaint_id(plaint, f"C-{number}"))  # fmt: skip
    filed = plaint.ok("file", "--project", "P", "--channel", "web", "--severity",
                      "mild", "--summary", "after the deletion", "--json")  # fmt: skip
    assert json.loads(filed)["ref"] == "C-41"


def test_incremental_verify_counts_the_filings_its_checkpoint_covers(
    plaint: Plaint, db: Database, fourteen: Path
) -> None:
    """Resumed after C-1…C-10, the next filing due is C-11's."""
    assert verify(plaint, "--incremental")[1]["ok"] is True
    db.run("DELETE FROM stored_events WHERE originator_id = ?",
           complaint_id(plaint, "C-13"))  # fmt: skip
    result, verdict = verify(plaint, "--incremental")
    assert result.exit_code == 1
    assert verdict["first_bad"]["reason"] == (
        "it files C-14 where C-13 was due: C-13 is missing from the log; "
        "complaints were removed"
    )


def test_an_erased_complaints_data_key_put_back_from_a_copy_is_caught(
    plaint: Plaint, db: Database
) -> None:
    file_complaints(plaint, 1, 3)
    scope = complaint_id(plaint, "C-2").hex
    [copy] = db.run("SELECT * FROM plaint_keys WHERE scope = ?", scope)
    plaint.ok("erase", "C-2", "--reason", "asked to")
    plaint.ok("checkpoint")
    marks = ", ".join("?" * len(copy))
    db.run(f"INSERT INTO plaint_keys VALUES ({marks})", *copy)
    result, verdict = verify(plaint)
    assert result.exit_code == 1
    assert verdict["first_bad"]["ref"] == "C-2"
    assert verdict["first_bad"]["reason"] == (
        "the complaint was erased, but its data key is still in the key table: "
        "its text can still be read"
    )
