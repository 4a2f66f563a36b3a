"""A request with an Idempotency-Key is done once, however often it is sent."""

from __future__ import annotations

import pytest

from ledger.cases.requests import Replayed
from ledger.domain.intake import Intake
from ledger.errors import ConcurrencyConflict, InvalidInput
from tests.conftest import Plaint, events

INTAKE = Intake(project="P", channel="web", severity="mild", summary="s")


def test_a_repeated_request_returns_what_the_first_saved_and_records_nothing(
    plaint: Plaint,
) -> None:
    ledger = plaint.open()
    first = ledger.once("k-1", b"body", lambda: ledger.file(INTAKE))
    before = events(plaint)
    again = ledger.once("k-1", b"body", lambda: ledger.file(INTAKE))
    ledger.close()
    assert isinstance(first, dict)
    assert again == Replayed([ledger.complaint_id(first["ref"])])
    assert events(plaint) == before


def test_the_same_key_with_another_body_is_refused(plaint: Plaint) -> None:
    ledger = plaint.open()
    ledger.once("k-1", b"body", lambda: ledger.file(INTAKE))
    before = events(plaint)
    with pytest.raises(ConcurrencyConflict) as refused:
        ledger.once("k-1", b"other", lambda: ledger.file(INTAKE))
    ledger.close()
    assert str(refused.value) == (
        "the Idempotency-Key k-1 was used before for another request; "
        "use a new key for a new request"
    )
    assert events(plaint) == before


def test_a_key_is_the_members_own(plaint: Plaint) -> None:
    ann, bob = plaint.open(), plaint.open(actor="bob")
    ann.once("k-1", b"body", lambda: ann.file(INTAKE))
    filed = bob.once("k-1", b"body", lambda: bob.file(INTAKE))
    ann.close()
    bob.close()
    assert isinstance(filed, dict)
    assert filed["ref"] == "C-2"


def test_a_filing_that_lost_its_number_to_another_filer_still_records_its_key(
    plaint: Plaint,
) -> None:
    ours, theirs = plaint.open(), plaint.open()
    ours.file(INTAKE)
    theirs.file(INTAKE)
    filed = ours.once("k-1", b"body", lambda: ours.file(INTAKE))
    again = ours.once("k-1", b"body", lambda: ours.file(INTAKE))
    ours.close()
    theirs.close()
    assert isinstance(filed, dict)
    assert filed["ref"] == "C-3"
    assert again == Replayed([ours.complaint_id("C-3")])


@pytest.mark.parametrize("key", ["", "x" * 201, "a\nb"])
def test_a_key_that_cannot_name_a_request_is_refused(plaint: Plaint, key: str) -> None:
    ledger = plaint.open()
    before = events(plaint)
    with pytest.raises(InvalidInput) as refused:
        ledger.once(key, b"body", lambda: ledger.file(INTAKE))
    ledger.close()
    assert str(refused.value) == "an Idempotency-Key is 1 to 200 printable characters"
    assert events(plaint) == before
