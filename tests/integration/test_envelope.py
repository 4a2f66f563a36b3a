"""Complaint events are sealed in two sections: metadata and text."""

from __future__ import annotations

import sqlite3

from ledger.crypto.envelope import key_ids_of
from ledger.domain.intake import Intake
from tests.conftest import Plaint


def test_a_complaint_event_uses_the_ledger_key_and_its_own_key(
    sqlite_plaint: Plaint,
) -> None:
    sqlite_plaint.ok("file", "--project", "P", "--channel", "web", "--severity",
                     "mild", "--summary", "s", "--customer", "Jo")  # fmt: skip
    sqlite_plaint.ok("ack", "C-1")
    db = sqlite3.connect(sqlite_plaint.home / "ledger.sqlite")
    states = [s for (s,) in db.execute(
        "SELECT state FROM stored_events WHERE topic LIKE 'ledger.complaint:%' "
        "ORDER BY rowid"
    )]  # fmt: skip
    db.close()
    filed, acknowledged = (key_ids_of(s) for s in states)
    assert len(filed) == 2
    assert len(acknowledged) == 1
    assert acknowledged < filed


def test_without_the_complaint_key_the_text_is_gone_and_the_metadata_stays(
    sqlite_plaint: Plaint,
) -> None:
    ledger = sqlite_plaint.open()
    ledger.file(Intake(project="P", channel="web", severity="severe",
                       summary="secret", customer="Jo"))  # fmt: skip
    ledger.note("C-1", "called")
    complaint_key = ledger.complaint_id("C-1").hex
    ledger.close()
    db = sqlite3.connect(sqlite_plaint.home / "ledger.sqlite")
    db.execute("DELETE FROM plaint_keys WHERE scope = ?", (complaint_key,))
    db.commit()
    db.close()

    ledger = sqlite_plaint.open()
    shown = ledger.show("C-1")
    history = ledger.history("C-1")
    ledger.close()
    assert (shown["summary"], shown["customer"], shown["detail"]) == (None, None, None)
    assert (shown["severity"], shown["project"], shown["owner"]) == (
        "severe",
        "P",
        "ann",
    )
    assert history[1]["details"] == {"text": None}
