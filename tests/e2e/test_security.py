"""No plaintext at rest; a moved ciphertext is caught and named."""

from __future__ import annotations

import sqlite3

from tests.conftest import Plaint

CANARIES = {
    "summary": "CANARY-SUMMARY-7f3a",
    "detail": "CANARY-DETAIL-91bc",
    "customer": "CANARY-CUSTOMER-Jane",
    "contact": "canary-contact@example.org",
    "source": "CANARY-SOURCE-form",
    "external-id": "CANARY-EXTERNAL-77",
}


def test_no_text_field_appears_in_plaintext_in_the_database_files(
    sqlite_plaint: Plaint,
) -> None:
    run = sqlite_plaint
    args = []
    for name, value in CANARIES.items():
        args += [f"--{name}", value]
    # Holding a connection open keeps the write-ahead log on disk to be scanned.
    holder = sqlite3.connect(run.home / "ledger.sqlite")
    holder.execute("SELECT COUNT(*) FROM stored_events").fetchone()
    run.ok("team", "add", "lee", "--role", "lead")
    run.ok("file", "--project", "P", "--channel", "web", "--severity", "mild", *args)
    run.ok("ack", "C-1")
    run.ok("note", "C-1", "CANARY-NOTE-aa")
    run.ok("escalate", "C-1", "--to", "lee", "--reason", "CANARY-ESCALATE-cc")
    run.ok("respond", "C-1", "--message", "CANARY-MESSAGE-bb")
    run.ok("resolve", "C-1", "--resolution", "CANARY-RESOLUTION-dd")
    run.ok("reopen", "C-1", "--reason", "CANARY-REOPEN-ee")
    run.ok("resolve", "C-1", "--resolution", "CANARY-RESOLUTION-ff")
    run.ok("survey", "C-1", "--score", "5", "--comment", "CANARY-COMMENT-gg")
    run.ok("file", "--project", "P", "--channel", "web", "--severity", "mild",
           "--summary", "CANARY-SUMMARY-2", "--detail", "-",
           stdin="CANARY-STDIN-hh")  # fmt: skip
    run.ok("withdraw", "C-2", "--reason", "CANARY-WITHDRAW-ii")
    run.ok("list")
    run.ok("projections", "rebuild")
    files = list(run.home.glob("ledger.sqlite*"))
    assert {f.name for f in files} >= {"ledger.sqlite", "ledger.sqlite-wal"}
    everything = b"".join(f.read_bytes() for f in files)
    holder.close()
    assert b"plaint_view_complaints" in everything
    planted = [*CANARIES.values(), "CANARY-NOTE-aa", "CANARY-ESCALATE-cc",
               "CANARY-MESSAGE-bb", "CANARY-RESOLUTION-dd", "CANARY-REOPEN-ee",
               "CANARY-RESOLUTION-ff", "CANARY-COMMENT-gg", "CANARY-SUMMARY-2",
               "CANARY-STDIN-hh", "CANARY-WITHDRAW-ii"]  # fmt: skip
    for value in planted:
        assert value.encode() not in everything, value
        assert value.encode("utf-16-le") not in everything, value


def test_swapping_the_encrypted_state_of_two_events_is_detected_and_named(
    sqlite_plaint: Plaint,
) -> None:
    sqlite_plaint.ok("file", "--project", "P", "--channel", "web", "--severity",
                     "mild", "--summary", "s")  # fmt: skip
    sqlite_plaint.ok("ack", "C-1")
    sqlite_plaint.ok("note", "C-1", "first")
    sqlite_plaint.ok("note", "C-1", "second")
    db = sqlite3.connect(sqlite_plaint.home / "ledger.sqlite")
    rows = db.execute(
        "SELECT rowid, state FROM stored_events WHERE topic LIKE '%Noted'"
    ).fetchall()
    (a, state_a), (b, state_b) = rows
    db.execute("UPDATE stored_events SET state = ? WHERE rowid = ?", (state_b, a))
    db.execute("UPDATE stored_events SET state = ? WHERE rowid = ?", (state_a, b))
    db.commit()
    db.close()
    result = sqlite_plaint("show", "C-1")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "Error: event 3 (Noted) of C-1 failed its integrity check: it was altered "
        "or moved; the ledger was tampered with"
    )


def test_the_key_files_are_readable_by_their_owner_only(sqlite_plaint: Plaint) -> None:
    keys = list((sqlite_plaint.home / "config" / "plaint" / "keys").iterdir())
    assert len(keys) == 2
    assert all(k.stat().st_mode & 0o777 == 0o600 for k in keys)
    assert (sqlite_plaint.home / "ledger.sqlite").stat().st_mode & 0o777 == 0o600
