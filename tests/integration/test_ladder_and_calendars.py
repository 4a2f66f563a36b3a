"""Deadlines on a business-hours calendar, stored when computed; waiting on
the customer; and the sweep climbing the escalation ladder (SQLite and
PostgreSQL)."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ledger.domain.timeutil import ManualClock
from projections import queries
from projections.catchup import catch_up, open_store
from projections.views import WAITS
from tests.conftest import FILE, Plaint
from tests.integration.test_mail_in import JANE, message, receive
from tests.integration.test_projections import dump

MONDAY_10 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # 10:00 in Berlin


def on_the_clock(plaint: Plaint, at: datetime) -> ManualClock:
    clock = ManualClock(at)
    plaint.clock = clock
    return clock


def show(plaint: Plaint, ref: str) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(plaint.ok("show", ref, "--json"))
    return found


def sweep(plaint: Plaint) -> list[dict[str, Any]]:
    done: list[dict[str, Any]] = json.loads(plaint.ok("sweep", "--json", actor="lee"))
    return done


def office(plaint: Plaint, hours: str = "mon-fri 09:00-17:30") -> None:
    plaint.ok("calendar", "set", "office", "--tz", "Europe/Berlin", "--hours", hours)


def test_deadlines_stay_as_filed_when_the_calendar_changes_and_the_views_rebuild(
    plaint: Plaint,
) -> None:
    on_the_clock(plaint, MONDAY_10)
    office(plaint)
    plaint.ok("policy", "set", "--channel", "*", "--severity", "*", "--ack", "8h",
              "--calendar", "office")  # fmt: skip
    plaint.ok(*FILE, "--summary", "before")
    filed = show(plaint, "C-1")
    # Eight working hours from Monday 10:00: Monday's 7.5, then 09:30 Tuesday.
    assert filed["deadlines"]["ack"] == "2026-03-03T08:30:00Z"
    assert filed["calendar"] == {"name": "office", "version": 1}
    plaint.ok("list")
    ledger = plaint.open()
    before = dump(open_store(ledger))
    office(plaint, "mon-fri 08:00-12:00")
    plaint.ok(*FILE, "--summary", "after")
    assert show(plaint, "C-2")["deadlines"]["ack"] == "2026-03-04T09:00:00Z"
    plaint.ok("projections", "rebuild")
    plaint.ok("list")
    after = dump(open_store(ledger))
    ledger.close()
    assert show(plaint, "C-1")["deadlines"] == filed["deadlines"]
    c1 = before["plaint_view_complaints"][0][0]
    for table, rows in before.items():
        mine = [row for row in after[table] if c1 in row]
        assert mine == [row for row in rows if c1 in row], table
    assert (c1, "office", 1) in after["plaint_view_clocks"]


def test_waiting_stops_the_clock_and_resume_moves_the_unmet_deadlines_by_working_time(
    plaint: Plaint,
) -> None:
    clock = on_the_clock(plaint, MONDAY_10)
    office(plaint)
    plaint.ok("policy", "set", "--channel", "*", "--severity", "*", "--ack", "1h",
              "--respond", "8h", "--calendar", "office")  # fmt: skip
    plaint.ok(*FILE, "--summary", "s")
    plaint.ok("ack", "C-1")
    respond = show(plaint, "C-1")["deadlines"]["respond"]
    assert respond == "2026-03-03T08:30:00Z"
    clock.now = MONDAY_10 + timedelta(hours=1)
    plaint.ok("wait", "C-1", "--reason", "asked for the invoice number")
    assert show(plaint, "C-1")["status"] == "waiting"
    clock.now = MONDAY_10 + timedelta(days=2)  # past the deadline, but waiting
    assert json.loads(plaint.ok("overdue", "--json")) == []
    # The reports count it open, its deadlines pending while the clock stands.
    [project] = json.loads(plaint.ok("report", "warnings", "--json"))["projects"]
    signals = {s["signal"]: s["value"] for s in project["reasons"] + project["others"]}
    assert (project["open"], signals["overdue"]) == (1, 0)
    plaint.ok("resume", "C-1")
    # Waited Monday 11:00 to Wednesday 10:00: 6.5 + 8.5 + 1 = 16 working hours.
    resumed = show(plaint, "C-1")
    assert resumed["status"] == "acknowledged"
    assert resumed["deadlines"]["respond"] == "2026-03-04T16:00:00Z"  # Tue 09:30 + 16h
    assert resumed["deadlines"]["ack"] == show(plaint, "C-1")["deadlines"]["ack"]
    history = json.loads(plaint.ok("history", "C-1", "--json"))
    assert history[-1]["details"]["paused"] == 16 * 3600
    ledger = plaint.open()
    store = open_store(ledger)
    catch_up(ledger, store)
    [wait] = store.query(f"SELECT * FROM {store.table_name(WAITS)}")
    ledger.close()
    assert wait["paused"] == 16 * 3600


def ladder(plaint: Plaint) -> ManualClock:
    clock = on_the_clock(plaint, MONDAY_10)
    plaint.ok("team", "add", "max", "--role", "manager")
    plaint.ok("team", "add", "kim", "--role", "manager")
    plaint.ok("policy", "set", "--channel", "*", "--severity", "*", "--owner", "bob",
              "--ack", "1h", "--respond", "2h", "--resolve", "3h",
              "--route", "lee,max,role:admin")  # fmt: skip
    return clock


def test_the_sweep_climbs_one_rung_a_run_for_all_breaches_and_reports_the_top(
    plaint: Plaint,
) -> None:
    clock = ladder(plaint)
    plaint.ok(*FILE, "--summary", "s")
    clock.now = MONDAY_10 + timedelta(minutes=150)  # ack and respond breached
    first = sweep(plaint)
    assert [(r["deadline"], r["outcome"], r["to"], r["rung"]) for r in first] == [
        ("ack", "escalated", "lee", 1), ("respond", "escalated", "lee", 1),
    ]  # fmt: skip
    assert {r["outcome"] for r in sweep(plaint)} == {"skipped"}
    assert len(show(plaint, "C-1")["escalations"]) == 1
    clock.now = MONDAY_10 + timedelta(hours=4)  # resolve breached too
    assert [r["to"] for r in sweep(plaint) if r["outcome"] == "escalated"] == ["max"]
    plaint.ok("escalate", "C-1", "--reason", "needs the director")
    assert show(plaint, "C-1")["owner"] == "ann"
    refused = plaint("escalate", "C-1", "--reason", "again")
    assert refused.exit_code == 1
    assert refused.stderr.strip() == (
        "Error: C-1 stands at the top of its escalation ladder "
        "(lee → max → role:admin): name a member with --to"
    )


def test_the_sweep_never_hands_a_complaint_down_the_ladder(plaint: Plaint) -> None:
    clock = ladder(plaint)
    plaint.ok("policy", "set", "--channel", "phone", "--severity", "*",
              "--escalate-to", "lee")  # fmt: skip
    plaint.ok("file", "--project", "P", "--channel", "phone", "--severity", "mild",
              "--summary", "a manager's")  # fmt: skip
    plaint.ok("assign", "C-1", "kim", actor="lee")
    clock.now = MONDAY_10 + timedelta(hours=2)
    [row] = [r for r in sweep(plaint) if r["deadline"] == "ack"]
    assert row["outcome"] == "skipped"
    assert row["why"] == (
        "at the top of its escalation ladder (lee): reported, not escalated"
    )
    assert show(plaint, "C-1")["owner"] == "kim"


def test_two_sweeps_at_once_escalate_once(plaint: Plaint) -> None:
    clock = ladder(plaint)
    plaint.ok(*FILE, "--summary", "s")
    clock.now = MONDAY_10 + timedelta(minutes=90)  # ack breached
    ledgers = [plaint.open("lee", clock) for _ in range(2)]
    store = open_store(ledgers[0])
    catch_up(ledgers[0], store)
    breaches = queries.breaches(store, clock.now)
    start = threading.Barrier(2)
    done: list[list[dict[str, Any]]] = []

    def run(index: int) -> None:
        start.wait()
        done.append(ledgers[index].sweep(breaches))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for ledger in ledgers:
        ledger.close()
    outcomes = sorted(r["outcome"] for rows in done for r in rows)
    assert outcomes == ["escalated", "skipped"]
    assert [e["to"] for e in show(plaint, "C-1")["escalations"]] == ["lee"]


def test_a_triage_to_another_severity_stores_its_rule_s_deadlines_on_its_calendar(
    plaint: Plaint,
) -> None:
    on_the_clock(plaint, MONDAY_10)
    office(plaint)
    plaint.ok("policy", "set", "--channel", "*", "--severity", "*", "--ack", "1d")
    plaint.ok("policy", "set", "--channel", "*", "--severity", "severe",
              "--ack", "2h", "--calendar", "office")  # fmt: skip
    plaint.ok(*FILE, "--summary", "s")
    assert show(plaint, "C-1")["deadlines"]["ack"] == "2026-03-03T09:00:00Z"
    plaint.ok("triage", "C-1", "--severity", "severe", actor="lee")
    triaged = show(plaint, "C-1")
    assert triaged["deadlines"]["ack"] == "2026-03-02T11:00:00Z"
    assert triaged["calendar"] == {"name": "office", "version": 1}
    assert json.loads(plaint.ok("overdue", "--json")) == []
    route = json.loads(plaint.ok("report", "route", "C-1", "--json"))
    assert route["calendar"] == {"name": "office", "version": 1}


def test_the_route_report_shows_the_ladder_and_the_rung_after_each_step(
    plaint: Plaint,
) -> None:
    clock = ladder(plaint)
    plaint.ok(*FILE, "--summary", "s")
    clock.now = MONDAY_10 + timedelta(minutes=90)
    sweep(plaint)
    plaint.ok("escalate", "C-1", "--reason", "r", actor="lee")
    route = json.loads(plaint.ok("report", "route", "C-1", "--json"))
    assert route["ladder"] == ["lee", "max", "role:admin"]
    steps = [
        (e["kind"], e["state"]["owner"], e["state"]["rung"]) for e in route["events"]
    ]
    assert steps == [
        ("filed", "bob", 0), ("escalated", "lee", 1), ("escalated", "max", 2),
    ]  # fmt: skip
    assert [e["rung"] for e in route["escalations"]] == [1, 2]


def test_the_lessons_report_counts_working_time_where_a_calendar_applies(
    plaint: Plaint,
) -> None:
    friday_5pm = datetime(2026, 3, 6, 16, 0, tzinfo=UTC)  # 17:00 in Berlin
    clock = on_the_clock(plaint, friday_5pm)
    office(plaint)
    plaint.ok("policy", "set", "--channel", "*", "--severity", "*", "--ack", "1h",
              "--calendar", "office")  # fmt: skip
    plaint.ok(*FILE, "--summary", "s")
    clock.now = datetime(2026, 3, 9, 8, 30, tzinfo=UTC)  # Monday 09:30
    plaint.ok("ack", "C-1")
    report = json.loads(plaint.ok("report", "lessons", "--project", "P", "--json"))
    [ack] = [row for row in report["timing"] if row["deadline"] == "ack"]
    # Half an hour on Friday, half an hour on Monday: on time, not 2.7 days.
    assert (ack["median"], ack["target"], ack["breached"]) == (3600, 3600, 0)
    assert report["clock"]["calendars"] == [
        {"name": "office", "version": 1, "complaints": 1}
    ]


def test_the_team_report_counts_working_time_on_the_stored_calendar_version(
    plaint: Plaint, tmp_path: Path
) -> None:
    friday_5pm = datetime(2026, 3, 6, 16, 0, tzinfo=UTC)  # 17:00 in Berlin
    clock = on_the_clock(plaint, friday_5pm)
    office(plaint)
    plaint.ok("policy", "set", "--channel", "*", "--severity", "*",
              "--respond", "1h", "--calendar", "office")  # fmt: skip
    plaint.ok(*FILE, "--summary", "s")
    clock.now = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)  # Monday 10:00
    plaint.ok("ack", "C-1")
    plaint.ok("respond", "C-1", "--message", "done")
    # Redefined afterwards: around the clock would make it 65 hours.
    office(plaint, hours="mon-sun 00:00-24:00")
    report = json.loads(plaint.ok("report", "team", "--json"))
    [ann] = [row for row in report["members"] if row["member"] == "ann"]
    # Half an hour on Friday and an hour on Monday, not 65 hours.
    assert ann["median"]["respond"] == 5400
    assert (ann["deadlines"], ann["breaches"], ann["breach_rate"]) == (1, 1, 1.0)
    assert report["clock"]["calendars"] == [
        {"name": "office", "version": 1, "complaints": 1}
    ]
    plaint.ok("report", "team", "-o", str(tmp_path / "team.html"))
    html = (tmp_path / "team.html").read_text()
    assert "working time on calendar office (version 1) for 1 complaint." in html


def test_the_customer_s_reply_by_mail_resumes_the_clock_and_an_autoreply_does_not(
    plaint: Plaint,
) -> None:
    receive(plaint, message())
    plaint.ok("ack", "C-1")
    plaint.ok("wait", "C-1", "--reason", "asked for the invoice number")
    away = message("Re: [C-1] Out of office", f"Jane <{JANE}>", "Back Monday.",
                   "<away@example.com>", Auto_Submitted="auto-replied")  # fmt: skip
    receive(plaint, away)
    assert show(plaint, "C-1")["status"] == "waiting"
    reply = message("Re: [C-1] Invoice portal", f"Jane <{JANE}>", "INV-7",
                    "<reply@example.com>")  # fmt: skip
    assert receive(plaint, reply)["outcome"] == "replied"
    assert show(plaint, "C-1")["status"] == "acknowledged"
    last = json.loads(plaint.ok("history", "C-1", "--json"))[-2:]
    assert [(e["kind"], e["actor"]) for e in last] == [
        ("replied", "(customer)"), ("resumed", "(customer)"),
    ]  # fmt: skip
