"""A page of complaints: read from a filing number on (forwards or back),
filtered, its matches counted up to a cap; the same pages whichever way
they are reached; and the planner's statistics after a large catch-up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ledger.domain.timeutil import stamp
from projections import catchup
from projections.catchup import memory_store
from projections.queries import COUNT_CAP, complaints_page
from projections.store import ViewSQL
from tests.conftest import Plaint

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def a_ledger_of(count: int) -> ViewSQL:
    """Views of `count` complaints: projects P0-P2 in turn, every other one
    closed, every fifth one's ack deadline past and unmet."""
    store = memory_store()
    with store.datastore.transaction(commit=True) as cursor:
        for n in range(1, count + 1):
            cursor.execute(
                "INSERT INTO plaint_view_complaints (id, ref, number, project, "
                "channel, severity, status, owner, received_at) "
                "VALUES (?, ?, ?, ?, 'web', 'mild', ?, 'bob', ?)",
                (f"id{n}", f"C-{n}", n, f"P{n % 3}",
                 "closed" if n % 2 else "received", stamp(NOW)),
            )  # fmt: skip
            due = NOW - timedelta(hours=1) if n % 5 == 0 else NOW + timedelta(days=1)
            cursor.execute(
                "INSERT INTO plaint_view_deadlines (complaint_id, name, due) "
                "VALUES (?, 'ack', ?)",
                (f"id{n}", stamp(due)),
            )
    return store


def numbers(page: dict[str, object]) -> list[int]:
    return [int(str(c["ref"])[2:]) for c in page["complaints"]]  # type: ignore[attr-defined]


def test_pages_follow_the_filing_order_forwards_and_back() -> None:
    store = a_ledger_of(COUNT_CAP + 120)
    first = complaints_page(store, NOW, size=50)
    assert numbers(first) == list(range(1, 51))
    assert (first["previous"], first["next"]) == (None, 50)
    assert (first["total"], first["more"]) == (COUNT_CAP, True)
    second = complaints_page(store, NOW, after=50, size=50)
    assert numbers(second) == list(range(51, 101))
    assert (second["previous"], second["next"]) == (51, 100)
    back = complaints_page(store, NOW, before=51, size=50)
    assert back == first
    last = complaints_page(store, NOW, after=COUNT_CAP + 100, size=50)
    assert numbers(last) == list(range(COUNT_CAP + 101, COUNT_CAP + 121))
    assert last["next"] is None


def test_a_filtered_page_reads_on_to_the_next_match() -> None:
    store = a_ledger_of(300)
    p1 = complaints_page(store, NOW, size=10, project="P1", status="received")
    wanted = [n for n in range(1, 301) if n % 3 == 1 and n % 2 == 0]
    assert numbers(p1) == wanted[:10]
    assert (p1["total"], p1["more"]) == (len(wanted), False)
    after = complaints_page(store, NOW, size=10, after=p1["next"], project="P1",
                            status="received")  # type: ignore[arg-type]  # fmt: skip
    assert numbers(after) == wanted[10:20]
    assert after["previous"] == wanted[10]


def test_the_overdue_filter_keeps_open_complaints_past_a_deadline() -> None:
    store = a_ledger_of(100)
    late = complaints_page(store, NOW, size=50, overdue_only=True)
    assert numbers(late) == [n for n in range(1, 101) if n % 10 == 0]
    assert all(c["overdue"] == ["ack"] for c in late["complaints"])  # type: ignore[attr-defined]


def test_a_large_catch_up_leaves_the_planner_statistics_of_the_views(
    sqlite_plaint: Plaint, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(3):
        sqlite_plaint.ok("file", "--project", "P", "--channel", "web",
                         "--severity", "mild", "--summary", f"s{n}")  # fmt: skip
    monkeypatch.setattr(catchup, "ANALYZE_AFTER", 5)
    ledger = sqlite_plaint.open("ann")
    try:
        store = catchup.open_store(ledger)
        assert catchup.catch_up(ledger, store) >= 5
        analyzed = store.query("SELECT tbl, stat FROM sqlite_stat1")
    finally:
        ledger.close()
    tables = {row["tbl"] for row in analyzed}
    assert {"plaint_view_complaints", "plaint_view_deadlines"} <= tables
