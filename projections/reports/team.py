"""The team report, for coaching: how each member's complaints were handled.

A member handles the complaints they own now, that is, where each complaint's
route ended. A breached deadline counts against whoever owned the complaint
when it fell due, so a complaint escalated because of a breach does not
count that breach against the member it was escalated to. Times count
working time where a calendar applies, and the deadlines judged are the
stored ones (computed in working time), as in the lessons report. The views keep
escalations but not reassignments, so a complaint reassigned by hand counts
as its owner's from the start.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ledger.domain.vocabulary import DEADLINE_NAMES
from projections.reports.clock import clock, count_working_time
from projections.reports.common import (
    Record,
    escalation_steps,
    mean,
    median,
    rate,
    records,
)
from projections.store import ViewSQL
from projections.views import MEMBERS

if TYPE_CHECKING:
    from ledger.application import ComplaintLedger

Steps = dict[str, list[dict[str, Any]]]


def team(
    ledger: ComplaintLedger,
    store: ViewSQL,
    now: datetime,
    project: str | None = None,
) -> dict[str, Any]:
    """Each member's handling of complaints (of one project, or all): times
    in working time on each complaint's stored calendar where one applies
    (the version its deadlines were computed on), as the lessons report."""
    group = records(store, project)
    count_working_time(ledger, store, group)
    steps = escalation_steps(store, project)
    every = [s for route in steps.values() for s in route]
    received = Counter(s["to_member"] for s in every)
    by_sweep = Counter(s["to_member"] for s in every if s["trigger"] == "sweep")
    passed = Counter(s["from_member"] for s in every)
    judged, breached = _deadlines_by_owner(group, steps, now)
    roles = {
        r["name"]: r["role"]
        for r in store.query(f"SELECT name, role FROM {store.table_name(MEMBERS)}")  # noqa: S608
    }
    names = sorted({*roles, *(r.owner for r in group), *received, *passed, *judged})
    rows = []
    for name in names:
        mine = [r for r in group if r.owner == name]
        if not (mine or received[name] or passed[name] or judged[name]):
            continue
        rows.append(
            {
                "member": name,
                "role": roles.get(name, "former member"),
                **_handling(mine),
                "deadlines": judged[name],
                "breaches": breached[name],
                "breach_rate": rate(breached[name], judged[name]),
                "escalations_received": received[name],
                "received_by_sweep": by_sweep[name],
                "escalations_passed_on": passed[name],
            }
        )
    return {
        "project": project,
        "members": rows,
        "complaints": len(group),
        "clock": clock(store, project, now),
        **_charts(rows),
    }


def owner_at(record: Record, route: list[dict[str, Any]], moment: datetime) -> str:
    """Who owned the complaint at `moment`, as far as its escalations tell."""
    if not route:
        return record.owner
    owner = route[0]["from_member"]
    for step in route:
        if step["at"] is not None and step["at"] <= moment:
            owner = step["to_member"]
    return str(owner)


def _deadlines_by_owner(
    group: list[Record], steps: Steps, now: datetime
) -> tuple[Counter[str], Counter[str]]:
    """Deadlines judged, and breached, by the owner when each fell due."""
    judged: Counter[str] = Counter()
    breached: Counter[str] = Counter()
    for record in group:
        for name in DEADLINE_NAMES:
            outcome = record.outcome(name, now)
            due = record.deadlines[name].due
            if outcome in ("met", "late", "missed") and due is not None:
                owner = owner_at(record, steps.get(record.ref, []), due)
                judged[owner] += 1
                breached[owner] += outcome != "met"
    return judged, breached


def _charts(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The rows the charts draw, one per member who has something to show."""
    handled = [
        {"label": r["member"], "value": r["handled"],
         "parts": [{"name": "accent", "value": r["settled"]},
                   {"name": "moderate", "value": r["open"]}]}
        for r in rows if r["handled"]
    ]  # fmt: skip
    escalations = [
        {"label": r["member"], "value": r["escalations_received"],
         "parts": [{"name": "accent",
                    "value": r["escalations_received"] - r["received_by_sweep"]},
                   {"name": "severe", "value": r["received_by_sweep"]}]}
        for r in rows if r["escalations_received"]
    ]  # fmt: skip
    resolve = [
        {"label": r["member"], "value": r["median"]["resolve"]}
        for r in rows
        if r["median"]["resolve"] is not None
    ]
    return {
        "handled_chart": handled,
        "handled_max": max([1, *(r["value"] for r in handled)]),
        "satisfaction_chart": [
            {"label": r["member"], "value": r["satisfaction"]}
            for r in rows
            if r["satisfaction"] is not None
        ],
        "resolve_chart": resolve,
        "resolve_max": max([1, *(r["value"] for r in resolve)]),
        "escalation_chart": escalations,
        "escalation_max": max([1, *(r["value"] for r in escalations)]),
    }


def _handling(mine: list[Record]) -> dict[str, Any]:
    scores = [r.score for r in mine if r.score is not None and r.settled is not None]
    return {
        "handled": len(mine),
        "open": sum(r.open for r in mine),
        "settled": sum(not r.open for r in mine),
        "severe": sum(r.severity == "severe" for r in mine),
        "median": {
            name: median([t for r in mine if (t := r.taken(name)) is not None])
            for name in DEADLINE_NAMES
        },
        "surveys": len(scores),
        "satisfaction": mean(scores),
    }
