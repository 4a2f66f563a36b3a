"""Reading the log in batches (PostgreSQL: one server-side cursor), and
saving import batches of a thousand complaints, on both backends."""

from __future__ import annotations

import pytest

from benchmarks.builders import records
from tests.conftest import Plaint

RECORDS = 3000


def import_into(plaint: Plaint, count: int) -> Plaint:
    ledger = plaint.open()
    done = ledger.import_records(lambda: records(0, count))
    ledger.close()
    assert done == {"imported": count, "skipped": 0, "rejected": []}
    return plaint


@pytest.fixture
def imported(plaint: Plaint) -> Plaint:
    """The plaint ledger with 300 imported complaints (600 events)."""
    return import_into(plaint, 300)


def test_import_batches_of_a_thousand_complaints_save_with_their_keys(
    plaint: Plaint,
) -> None:
    ledger = import_into(plaint, RECORDS).open()
    again = ledger.import_records(lambda: records(0, RECORDS))
    assert again == {"imported": 0, "skipped": RECORDS, "rejected": []}
    assert ledger.complaint_count() == RECORDS
    assert ledger.verify()["ok"]
    ledger.close()


@pytest.mark.parametrize("size", [1, 7, 256, 1000])
def test_the_log_read_in_batches_gives_every_row_once_in_order(
    imported: Plaint, size: int
) -> None:
    ledger = imported.open()
    whole = ledger.log_reader.rows(0, 10**6)
    batches = list(ledger.log_reader.batches(0, size))
    after = list(ledger.log_reader.batches(whole[100][0], size))
    ledger.close()
    assert [row for batch in batches for row in batch] == whole
    assert all(0 < len(batch) <= size for batch in batches)
    assert [row for batch in after for row in batch] == whole[101:]
    assert all(
        type(i) is int and type(o) is bytes and len(o) == 16 and type(v) is int
        and type(t) is str and type(s) is bytes
        for i, o, v, t, s in whole[:3] + batches[-1]
    )  # fmt: skip


def test_a_batch_read_left_unfinished_gives_its_connection_back(
    imported: Plaint,
) -> None:
    ledger = imported.open()
    for _ in range(12):  # more than the pool's connections
        batches = ledger.log_reader.batches(0, 10)
        assert len(next(batches)) == 10
        batches.close()
    assert ledger.verify()["ok"]
    ledger.close()
