"""A keyed request whose answer was lost is answered from what it saved."""

from __future__ import annotations

import json
import threading
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


def test_identical_requests_at_once_on_two_ledger_objects_file_once(
    plaint: Plaint,
) -> None:
    ours, theirs = plaint.open(), plaint.open()
    answers: list[tuple[int, bytes]] = []

    def send(ledger: ComplaintLedger) -> None:
        answers.append(ledger.idempotent("k-1", "d", lambda: filing(ledger), replayed))

    others = threading.Thread(target=send, args=(theirs,))
    others.start()
    send(ours)
    others.join()
    one = str(ours.complaint_id("C-1"))
    ours.close()
    theirs.close()
    assert [c["ref"] for c in json.loads(plaint.ok("list", "--json"))] == ["C-1"]
    named = [
        json.loads(body)["id"] if status == 201 else json.loads(body)[0]
        for status, body in answers
    ]
    assert named == [one, one]


def test_a_kept_answer_is_answered_again_without_running_the_request(
    plaint: Plaint,
) -> None:
    ledger = plaint.open()
    first = ledger.idempotent("k-1", "d", lambda: filing(ledger), replayed)

    def never() -> tuple[int, bytes]:
        raise AssertionError("the request ran again")

    def no_replay(saved: list[UUID]) -> tuple[int, bytes]:
        raise AssertionError("the answer was not kept")

    again = ledger.idempotent("k-1", "d", never, no_replay)
    ledger.close()
    assert again == first


def test_keeping_an_answer_leaves_sqlite_connections_syncing_fully(
    sqlite_plaint: Plaint,
) -> None:
    # SQLite only: PostgreSQL's asynchronous commit is set for one transaction.
    ledger = sqlite_plaint.open()
    datastore = ledger.state.datastore

    def synchronous() -> int:
        with datastore.get_connection(commit=True) as connection:
            cursor = connection.cursor()
            cursor.execute("PRAGMA synchronous")
            return int(cursor.fetchone()[0])

    before = synchronous()
    ledger.idempotent("k-1", "d", lambda: filing(ledger), replayed)
    after = synchronous()
    ledger.close()
    assert (before, after) == (2, 2)
