"""Checkpoints, verify and proofs through the CLI, checked by an outsider.

The independent verifier below is written from RFC 9162 (section 2.1.3.2,
verifying an inclusion proof) and the C2SP signed-note and tlog-checkpoint
specs, with hashlib and `cryptography` only: it shares no code with plaint.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import sqlite3
import uuid

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from tests.conftest import Plaint


def rfc9162_root_from_inclusion(
    index: int, size: int, leaf: bytes, proof: list[bytes]
) -> bytes | None:
    """RFC 9162 2.1.3.2: the root an inclusion proof leads to, or None."""
    if index >= size:
        return None
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return None
        if fn % 2 == 1 or fn == sn:
            r = hashlib.sha256(b"\x01" + p + r).digest()
            if fn % 2 == 0:
                while fn % 2 == 0 and fn != 0:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = hashlib.sha256(b"\x01" + r + p).digest()
        fn, sn = fn >> 1, sn >> 1
    return r if sn == 0 else None


def signed_note_body(note: str, vkey: str) -> str | None:
    """C2SP signed-note: the body if a signature by `vkey` verifies, else None."""
    name, key_hash, encoded = vkey.split("+", 2)
    key = base64.b64decode(encoded)
    assert key[0] == 1  # the Ed25519 algorithm byte
    body, _, signatures = note.rpartition("\n\n")
    body += "\n"
    for line in signatures.splitlines():
        parts = line.split(" ")
        if len(parts) != 3 or parts[0] != "\u2014" or parts[1] != name:
            continue
        try:
            raw = base64.b64decode(parts[2], validate=True)
        except binascii.Error:
            continue
        # Only the canonical encoding: others differ in bits base64 ignores.
        if base64.b64encode(raw).decode() != parts[2] or raw[:4].hex() != key_hash:
            continue
        try:
            Ed25519PublicKey.from_public_bytes(key[1:]).verify(raw[4:], body.encode())
        except InvalidSignature:
            return None
        return body
    return None


def some_history(plaint: Plaint) -> None:
    for n in range(5):
        plaint.ok("file", "--project", "P", "--channel", "web", "--severity", "mild",
                  "--summary", f"s{n}")  # fmt: skip
    plaint.ok("ack", "C-2")
    plaint.ok("note", "C-2", "a note")


def test_a_fresh_ledger_verifies_with_and_without_checkpoints(plaint: Plaint) -> None:
    some_history(plaint)
    verdict = json.loads(plaint.ok("verify", "--json"))
    assert len(verdict.pop("root")) == 64
    assert verdict == {
        "ok": True,
        "events": 12,
        "checkpoints": 0,
        "first_bad": None,
        "trusted_key": "file",
        "uncovered": 12,
        "witnessed": None,
    }
    plaint.ok("checkpoint")
    plaint.ok("note", "C-2", "after the checkpoint")
    assert plaint.ok("verify") == "OK: 13 events, 1 checkpoints.\n"


def test_an_outsider_checks_proofs_and_the_exported_note(plaint: Plaint) -> None:
    some_history(plaint)
    signed = json.loads(plaint.ok("checkpoint", "--json"))
    note = plaint.ok("checkpoint", "export")
    assert note == signed["note"]
    vkey = json.loads(plaint.ok("info", "--json"))["verifier_key"]
    body = signed_note_body(note, vkey)
    assert body is not None
    origin, size, root = body.splitlines()
    assert origin.startswith("plaint/")
    assert int(size) == signed["size"] == 12
    assert base64.b64decode(root).hex() == signed["root"]

    proved = json.loads(plaint.ok("proof", "C-2", "--json"))
    assert proved["checkpoint"]["note"] == note
    assert [e["index"] for e in proved["events"]] == [6, 10, 11]
    for event in proved["events"]:
        leaf, path = (
            bytes.fromhex(event["leaf_hash"]),
            [bytes.fromhex(p) for p in event["proof"]],
        )
        assert rfc9162_root_from_inclusion(event["index"], int(size), leaf, path) == (
            base64.b64decode(root)
        )
        bent = [bytes([path[0][0] ^ 1]) + path[0][1:], *path[1:]]
        assert rfc9162_root_from_inclusion(event["index"], int(size), leaf, bent) != (
            base64.b64decode(root)
        )

    for at in range(len(note)):
        changed = note[:at] + ("x" if note[at] != "x" else "y") + note[at + 1 :]
        assert signed_note_body(changed, vkey) is None, at


def readme_leaf(originator_hex: str, version: int, topic: str, state: bytes) -> bytes:
    """A stored event's leaf, built as the README's "Tamper evidence" says."""
    return b"".join((
        b"plaint-leaf-v1\x00", bytes.fromhex(originator_hex),
        version.to_bytes(8, "big", signed=True),
        len(topic.encode()).to_bytes(4, "big"), topic.encode(), state,
    ))  # fmt: skip


def rfc9162_tree_hash(leaf_hashes: list[bytes]) -> bytes:
    """RFC 9162 2.1.1: the Merkle tree hash of these leaf hashes."""
    if not leaf_hashes:
        return hashlib.sha256(b"").digest()
    if len(leaf_hashes) == 1:
        return leaf_hashes[0]
    split = 1 << ((len(leaf_hashes) - 1).bit_length() - 1)
    return hashlib.sha256(
        b"\x01"
        + rfc9162_tree_hash(leaf_hashes[:split])
        + rfc9162_tree_hash(leaf_hashes[split:])
    ).digest()


def test_an_outsider_rebuilds_the_signed_root_from_the_stored_rows_alone(
    sqlite_plaint: Plaint,
) -> None:
    run = sqlite_plaint
    some_history(run)
    run.ok("erase", "C-1", "--reason", "request 3")  # the leaves need no key
    run.ok("checkpoint")
    note = run.ok("checkpoint", "export")
    vkey = json.loads(run.ok("info", "--json"))["verifier_key"]
    name, key_hash, encoded = vkey.split("+", 2)
    assert (
        hashlib.sha256(name.encode() + b"\n" + base64.b64decode(encoded))
        .digest()[:4]
        .hex()
        == key_hash
    )
    body = signed_note_body(note, vkey)
    assert body is not None
    origin, size, root = body.splitlines()

    db = sqlite3.connect(run.home / "ledger.sqlite")
    rows = db.execute(
        "SELECT originator_id, originator_version, topic, state FROM stored_events "
        "ORDER BY rowid"
    ).fetchall()
    (ledger_id,) = db.execute("SELECT ledger_id FROM plaint_ledger").fetchone()
    db.close()
    leaves = [hashlib.sha256(b"\x00" + readme_leaf(*row)).digest() for row in rows]
    assert origin == f"plaint/{uuid.UUID(ledger_id)}"
    assert int(size) == len(rows) == 11
    assert rfc9162_tree_hash(leaves) == base64.b64decode(root, validate=True)

    proved = json.loads(run.ok("proof", "C-2", "--json"))
    assert proved["checkpoint"]["root"] == base64.b64decode(root).hex()
    assert len(proved["events"]) == 3
    for event in proved["events"]:
        assert event["leaf_hash"] == leaves[event["index"]].hex()
        path = [bytes.fromhex(p) for p in event["proof"]]
        assert rfc9162_root_from_inclusion(
            event["index"], len(leaves), leaves[event["index"]], path
        ) == base64.b64decode(root)


def test_verify_against_an_exported_head_catches_a_truncated_log(
    sqlite_plaint: Plaint,
) -> None:
    run = sqlite_plaint
    some_history(run)
    database = run.home / "ledger.sqlite"
    older = database.read_bytes()
    run.ok("note", "C-1", "later")
    run.ok("checkpoint")
    head = run.home / "head.txt"
    run.ok("checkpoint", "export", "-o", str(head))
    assert json.loads(run.ok("verify", "--against", str(head), "--json"))["ok"]
    database.write_bytes(older)
    result = run("verify", "--against", str(head))
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "Error: the log failed verification: a checkpoint covers 11 events but the "
        "log holds 10: events were removed from its end"
    )


def test_verify_names_the_first_altered_event_and_its_complaint(
    sqlite_plaint: Plaint,
) -> None:
    run = sqlite_plaint
    some_history(run)
    run.ok("checkpoint")
    run.ok("note", "C-3", "after the checkpoint")
    db = sqlite3.connect(run.home / "ledger.sqlite")
    for topic, version in (("%Noted", 3), ("%Noted", 2)):
        (rowid, state) = db.execute(
            "SELECT rowid, state FROM stored_events WHERE topic LIKE ? "
            "AND originator_version = ?", (topic, version),
        ).fetchone()  # fmt: skip
        altered = state[:-1] + bytes([state[-1] ^ 1])
        db.execute(
            "UPDATE stored_events SET state = ? WHERE rowid = ?", (altered, rowid)
        )
    db.commit()
    db.close()
    result = run("verify", "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["first_bad"] == {
        "seq": 10, "ref": "C-2", "reason": "it was altered or moved (Noted, version 3)",
    }  # fmt: skip
    assert run("verify").stderr.strip() == (
        "Error: event 10 (C-2) failed verification: it was altered or moved "
        "(Noted, version 3)"
    )


def test_incremental_verify_checks_only_what_came_after_the_last_checkpoint(
    sqlite_plaint: Plaint,
) -> None:
    run = sqlite_plaint
    some_history(run)
    run.ok("checkpoint")
    run.ok("note", "C-3", "after the checkpoint")
    run.ok("ack", "C-3")
    verdict = json.loads(run.ok("verify", "--incremental", "--json"))
    assert (verdict["ok"], verdict["events"]) == (True, 12)
    assert verdict["root"] == json.loads(run.ok("verify", "--json"))["root"]

    db = sqlite3.connect(run.home / "ledger.sqlite")
    (state,) = db.execute("SELECT state FROM stored_events WHERE rowid = 12").fetchone()
    db.execute("UPDATE stored_events SET state = ? WHERE rowid = 12",
               (state[:-1] + bytes([state[-1] ^ 1]),))  # fmt: skip
    db.execute("UPDATE stored_events SET originator_version = 9 WHERE rowid = 11")
    db.commit()
    db.close()
    result = run("verify", "--incremental", "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["first_bad"]["seq"] == 11


def test_incremental_verify_accepts_an_export_of_the_latest_checkpoint(
    sqlite_plaint: Plaint,
) -> None:
    run = sqlite_plaint
    some_history(run)
    run.ok("checkpoint")
    exported = run.home / "head.note"
    run.ok("checkpoint", "export", "-o", str(exported))
    verdict = json.loads(
        run.ok("verify", "--incremental", "--against", str(exported), "--json")
    )
    assert (verdict["ok"], verdict["events"]) == (True, 10)
    run.ok("note", "C-3", "after the export")
    assert json.loads(
        run.ok("verify", "--incremental", "--against", str(exported), "--json")
    )["ok"]


def test_incremental_verify_refuses_a_checkpoint_whose_kept_state_was_altered(
    sqlite_plaint: Plaint,
) -> None:
    run = sqlite_plaint
    some_history(run)
    run.ok("checkpoint")
    db = sqlite3.connect(run.home / "ledger.sqlite")
    (frontier,) = db.execute("SELECT frontier FROM plaint_checkpoints").fetchone()
    db.execute("UPDATE plaint_checkpoints SET frontier = ?",
               (bytes([frontier[0] ^ 1]) + frontier[1:],))  # fmt: skip
    db.commit()
    db.close()
    result = run("verify", "--incremental")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "Error: the log failed verification: the kept state of the checkpoint of "
        "10 events does not hash to its signed root; run a full `plaint verify`"
    )


def test_verify_gives_the_same_verdict_read_in_small_batches(
    plaint: Plaint, monkeypatch: pytest.MonkeyPatch
) -> None:
    some_history(plaint)
    plaint.ok("checkpoint")
    plaint.ok("note", "C-2", "after the checkpoint")
    plaint.ok("ack", "C-3")
    whole = json.loads(plaint.ok("verify", "--json"))
    monkeypatch.setattr("ledger.storage.log.VERIFY_BATCH", 2)
    assert json.loads(plaint.ok("verify", "--json")) == whole
    resumed = json.loads(plaint.ok("verify", "--incremental", "--json"))
    assert (resumed["events"], resumed["root"]) == (14, whole["root"])
