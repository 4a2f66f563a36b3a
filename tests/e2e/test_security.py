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
}


def test_no_text_field_appears_in_plaintext_in_the_database_files(
    sqlite_plaint: Plaint,
) -> None:
    args = []
    for name, value in CANARIES.items():
        args += [f"--{name}", value]
    sqlite_plaint.ok("file", "--project", "P", "--channel", "web", "--severity",
                     "mild", *args)  # fmt: skip
    sqlite_plaint.ok("ack", "C-1")
    sqlite_plaint.ok("note", "C-1", "CANARY-NOTE-aa")
    sqlite_plaint.ok("respond", "C-1", "--message", "CANARY-MESSAGE-bb")
    files = list(sqlite_plaint.home.glob("ledger.sqlite*"))
    assert files
    everything = b"".join(f.read_bytes() for f in files)
    for value in [*CANARIES.values(), "CANARY-NOTE-aa", "CANARY-MESSAGE-bb"]:
        assert value.encode() not in everything
        assert value.encode("utf-16-le") not in everything


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
