"""Events saved under a verified identity record how it was proved and from where."""

from __future__ import annotations

import sqlite3
from typing import Any

from ledger.domain.identity import PASSWORD, Identity
from ledger.domain.intake import Intake
from tests.conftest import Plaint


def _events(plaint: Plaint) -> list[Any]:
    ledger = plaint.open()
    events = list(ledger.repository.event_store.get(ledger.complaint_id("C-1")))
    ledger.close()
    return events


def test_an_event_saved_while_acting_records_the_proof_and_the_address(
    sqlite_plaint: Plaint,
) -> None:
    ledger = sqlite_plaint.open()
    ledger.file(Intake(project="P", channel="web", severity="mild", summary="s"))
    with ledger.acting(Identity("bob", PASSWORD, "192.0.2.7")):
        assert ledger.actor == "bob"
        ledger.note("C-1", "called")
    assert ledger.actor == "ann"
    ledger.acknowledge("C-1")
    ledger.close()

    filed, noted, acknowledged = _events(sqlite_plaint)
    assert (noted.actor, noted.proof, noted.address) == ("bob", PASSWORD, "192.0.2.7")
    assert "proof" not in vars(filed)
    assert "proof" not in vars(acknowledged)


def test_the_address_is_sealed_with_the_complaint_text_and_erased_with_it(
    sqlite_plaint: Plaint,
) -> None:
    ledger = sqlite_plaint.open()
    ledger.file(Intake(project="P", channel="web", severity="mild", summary="s"))
    with ledger.acting(Identity("ann", PASSWORD, "192.0.2.7")):
        ledger.note("C-1", "called")
    scope = ledger.complaint_id("C-1").hex
    ledger.close()
    db = sqlite3.connect(sqlite_plaint.home / "ledger.sqlite")
    (state,) = db.execute(
        "SELECT state FROM stored_events ORDER BY rowid DESC LIMIT 1"
    ).fetchone()
    assert b"192.0.2.7" not in state
    db.execute("DELETE FROM plaint_keys WHERE scope = ?", (scope,))
    db.commit()
    db.close()

    noted = _events(sqlite_plaint)[1]
    assert (noted.proof, noted.address, noted.text) == (PASSWORD, None, None)
