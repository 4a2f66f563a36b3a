"""A keyed request whose answer was lost is answered from what it saved."""

from __future__ import annotations

import json
from uuid import UUID

import pytest

from ledger.application import ComplaintLedger
from ledger.domain.intake import Intake
from tests.conftest import Plaint, events

INTAKE = Intake(project="P", channel="web", severity="mild", summary="s")


def filing(ledger: ComplaintLedger) -> tuple[int, bytes]:
    return 201, json.dumps(ledger.file(INTAKE)).encode()


def replayed(saved: list[UUID]) -> tuple[int, bytes]:
    return 200, json.dumps([str(each) for each in saved]).encode()


def test_a_request_that_saved_but_lost_its_answer_is_not_done_again(
    plaint: Plaint,
) -> None:
    ledger = plaint.open()

    def saved_then_lost() -> tuple[int, bytes]:
        filing(ledger)
        raise ConnectionError("the answer never left")

    with pytest.raises(ConnectionError):
        ledger.idempotent("k-1", "d", saved_then_lost, replayed)
    before = events(plaint)
    again = ledger.idempotent("k-1", "d", lambda: filing(ledger), replayed)
    ledger.close()
    assert again == (200, json.dumps([str(ledger.complaint_id("C-1"))]).encode())
    assert events(plaint) == before


def test_a_filing_that_lost_its_number_to_another_filer_still_records_its_key(
    plaint: Plaint,
) -> None:
    ours, theirs = plaint.open(), plaint.open()
    ours.file(INTAKE)
    theirs.file(INTAKE)

    def saved_then_lost() -> tuple[int, bytes]:
        filing(ours)
        raise ConnectionError("the answer never left")

    with pytest.raises(ConnectionError):
        ours.idempotent("k-1", "d", saved_then_lost, replayed)
    again = ours.idempotent("k-1", "d", lambda: filing(ours), replayed)
    ours.close()
    theirs.close()
    assert again == (200, json.dumps([str(ours.complaint_id("C-3"))]).encode())
