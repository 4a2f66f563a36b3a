"""What the reports say of the deadlines' clock: the calendars the deadlines
count working time on (and how many complaints each), the time spent
waiting on the customer (apart from the time worked, which the deadlines
count), and the escalation ladders of the policy."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ledger.domain.timeutil import parse_time
from projections.views import CLOCKS, COMPLAINTS, WAITS

if TYPE_CHECKING:
    from ledger.application import ComplaintLedger
    from projections.reports.common import Record
    from projections.store import ViewSQL


def clock(store: ViewSQL, project: str | None, now: datetime) -> dict[str, Any]:
    """The calendars and the waits of a project's complaints (or all)."""
    p = store.param
    where = "" if project is None else f"WHERE c.project = {p} "
    given = [] if project is None else [project]
    complaints, clocks, waits = (
        store.table_name(COMPLAINTS), store.table_name(CLOCKS), store.table_name(WAITS)
    )  # fmt: skip
    counted = store.query(
        f"SELECT k.calendar, k.version, COUNT(*) AS n FROM {complaints} c "  # noqa: S608 - names are constants
        f"JOIN {clocks} k ON k.complaint_id = c.id {where}"
        "GROUP BY k.calendar, k.version ORDER BY k.calendar, k.version",
        given,
    )
    total = store.query(f"SELECT COUNT(*) AS n FROM {complaints} c {where}", given)  # noqa: S608
    rows = store.query(
        f"SELECT w.complaint_id, w.since, w.until, w.paused FROM {complaints} c "  # noqa: S608
        f"JOIN {waits} w ON w.complaint_id = c.id {where}",
        given,
    )
    waited = sum(
        (
            (parse_time(r["until"]) if r["until"] else now) - parse_time(r["since"])
        ).total_seconds()
        for r in rows
    )
    calendars = [
        {"name": r["calendar"], "version": r["version"], "complaints": r["n"]}
        for r in counted
    ]
    return {
        "calendars": calendars,
        "around_the_clock": total[0]["n"] - sum(c["complaints"] for c in calendars),
        "waits": len(rows),
        "waited_complaints": len({r["complaint_id"] for r in rows}),
        "waited": int(waited),
        "paused": sum(r["paused"] or 0 for r in rows),
        "waiting_now": sum(r["until"] is None for r in rows),
    }


def count_working_time(
    ledger: ComplaintLedger, store: ViewSQL, group: Sequence[Record]
) -> None:
    """Give each record the definition of the calendar (at the version its
    deadlines were computed on) where one applies, so that its times taken
    and allowed count working time."""
    rows = store.query(
        f"SELECT c.ref, k.calendar, k.version FROM {store.table_name(COMPLAINTS)} c "  # noqa: S608 - names are constants
        f"JOIN {store.table_name(CLOCKS)} k ON k.complaint_id = c.id"
    )
    if not rows:
        return
    versions = ledger.calendar_versions()
    by_ref = {r["ref"]: (r["calendar"], r["version"]) for r in rows}
    for record in group:
        name, version = by_ref.get(record.ref, ("", 0))
        record.clock = versions.get(name, {}).get(version)


def ladders(ledger: ComplaintLedger) -> list[dict[str, Any]]:
    """The escalation ladder of each policy rule that sets one."""
    found = []
    for rule in ledger.policy_rules():
        ladder = rule.get("route") or (
            [rule["escalate_to"]] if rule.get("escalate_to") else []
        )
        if ladder:
            found.append(
                {"rule": f"{rule['channel']}/{rule['severity']}", "ladder": ladder}
            )
    return found
