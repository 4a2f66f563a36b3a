"""Views are functions of the log: rebuilt, interrupted or not, they are the same."""

from __future__ import annotations

from typing import Any

import pytest

from ledger.domain.timeutil import parse_time
from projections.catchup import catch_up, memory_store, open_store
from projections.store import ViewSQL
from projections.views import VIEWS, View
from tests.conftest import Plaint

CANARIES = ("CANARY-SUM", "CANARY-DETAIL", "CANARY-Jane", "canary@example.org",
            "CANARY-SRC", "CANARY-NOTE", "CANARY-REASON", "CANARY-FIX",
            "CANARY-COMMENT", "CANARY-EXT")  # fmt: skip


def a_busy_day(plaint: Plaint) -> None:
    plaint.ok("team", "add", "kim", "--role", "manager")
    plaint.ok("policy", "set", "--channel", "*", "--severity", "*", "--owner", "bob",
              "--ack", "1d", "--respond", "2d", "--resolve", "1w",
              "--escalate-to", "kim")  # fmt: skip
    for n, channel in enumerate(("email", "phone", "web", "chat", "meeting")):
        plaint.ok("file", "--project", f"P{n % 2}", "--channel", channel,
                  "--severity", "severe", "--summary", f"CANARY-SUM {n}",
                  "--detail", "CANARY-DETAIL", "--customer", "CANARY-Jane",
                  "--contact", "canary@example.org", "--source", "CANARY-SRC",
                  "--external-id", f"CANARY-EXT-{n}",
                  "--received-at", f"2026-03-0{n + 1}T09:00", actor="bob")  # fmt: skip
    plaint.ok("ack", "C-1", actor="bob")
    plaint.ok("note", "C-1", "CANARY-NOTE", actor="bob")
    plaint.ok(
        "escalate", "C-1", "--to", "lee", "--reason", "CANARY-REASON", actor="lee"
    )
    plaint.ok("triage", "C-2", "--severity", "mild", actor="lee")
    plaint.ok("assign", "C-3", "lee", actor="lee")
    plaint.ok("ack", "C-4", actor="bob")
    plaint.ok("respond", "C-4", "--message", "CANARY-NOTE", actor="bob")
    plaint.ok("resolve", "C-4", "--resolution", "CANARY-FIX", actor="bob")
    plaint.ok(
        "survey", "C-4", "--score", "2", "--comment", "CANARY-COMMENT", actor="bob"
    )
    plaint.ok("withdraw", "C-5", "--reason", "CANARY-REASON", actor="bob")
    plaint.ok("team", "role", "aud", "compliance")
    plaint.ok("sweep", actor="lee")


def dump(store: ViewSQL, views: tuple[View, ...] = VIEWS) -> dict[str, list[Any]]:
    tables = {}
    for table in (t for v in views for t in v.tables):
        rows = store.query(
            f"SELECT * FROM {store.table_name(table)} ORDER BY {', '.join(table.key)}"
        )
        tables[table.name] = [tuple(r.values()) for r in rows]
    return tables


def test_rebuilding_the_views_gives_identical_tables(plaint: Plaint) -> None:
    a_busy_day(plaint)
    plaint.ok("list")
    ledger = plaint.open()
    before = dump(open_store(ledger))
    plaint.ok("projections", "rebuild")
    plaint.ok("projections", "rebuild")
    after = dump(open_store(ledger))
    fresh = memory_store()
    catch_up(ledger, fresh)
    ledger.close()
    assert before == after == dump(fresh)
    assert len(before["plaint_view_complaints"]) == 5
    assert len(before["plaint_view_deadlines"]) == 15
    assert len(before["plaint_view_escalations"]) == 4


def test_a_batch_written_with_each_row_coalesced_equals_one_event_at_a_time(
    plaint: Plaint,
) -> None:
    a_busy_day(plaint)
    plaint.ok("ack", "C-2", actor="bob")  # work starts: a conditional update
    plaint.ok("respond", "C-2", "--message", "CANARY-NOTE", actor="bob")
    ledger = plaint.open()
    coalesced, one_by_one = memory_store(), memory_store()
    catch_up(ledger, coalesced)
    # A batch of one event holds no upsert for a later event's changes.
    catch_up(ledger, one_by_one, batch_size=1)
    ledger.close()
    assert dump(coalesced) == dump(one_by_one)
    met = [r for r in dump(coalesced)["plaint_view_deadlines"] if r[3] is not None]
    assert len(met) >= 4


class Crash(Exception):
    pass


def crashing_after(count: int) -> tuple[View, ...]:
    seen = 0

    def crash_or(view: View) -> View:
        def process_event(event: Any) -> Any:
            nonlocal seen
            seen += 1
            if seen > count:
                raise Crash
            return view.process_event(event)

        return View(view.name, view.tables, view.aggregate, process_event)

    return tuple(crash_or(v) for v in VIEWS)


@pytest.mark.parametrize("crash_after", [1, 7, 20])
def test_a_catch_up_killed_midway_and_rerun_gives_the_same_views(
    plaint: Plaint, crash_after: int
) -> None:
    a_busy_day(plaint)
    ledger = plaint.open()
    expected = memory_store()
    catch_up(ledger, expected)
    store = open_store(ledger)
    store.reset(VIEWS)
    with pytest.raises(Crash):
        catch_up(ledger, store, views=crashing_after(crash_after), batch_size=4)
    assert dump(store) != dump(expected)
    catch_up(ledger, store, batch_size=4)
    assert dump(store) == dump(expected)
    ledger.close()


def test_the_views_hold_none_of_the_text(plaint: Plaint) -> None:
    a_busy_day(plaint)
    ledger = plaint.open()
    store = open_store(ledger)
    catch_up(ledger, store)
    text = repr(dump(store))
    ledger.close()
    assert "C-1" in text
    for canary in CANARIES:
        assert canary not in text


def test_views_as_of_a_past_time_leave_later_events_out(plaint: Plaint) -> None:
    a_busy_day(plaint)
    ledger = plaint.open()
    history = ledger.history("C-4")
    store = memory_store()
    catch_up(ledger, store, until=parse_time(history[1]["at"]))
    ledger.close()
    [row] = store.query(
        "SELECT status, survey_score FROM plaint_view_complaints WHERE ref = 'C-4'"
    )
    assert row == {"status": "acknowledged", "survey_score": None}
