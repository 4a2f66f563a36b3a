"""Reading the views: listings and the overdue list, as plain dicts."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from ledger.domain.timeutil import iso, parse_time, stamp
from ledger.domain.vocabulary import (
    DEADLINE_NAMES,
    OPEN_STATUSES,
    ReadAction,
    Severity,
    Status,
    one_of,
)
from projections.store import ViewSQL
from projections.views import COMPLAINTS, DEADLINES

if TYPE_CHECKING:
    from ledger.application import ComplaintLedger

FILTERS = ("project", "status", "severity", "owner")


def listing(
    ledger: ComplaintLedger,
    store: ViewSQL,
    now: datetime,
    *,
    overdue_only: bool = False,
    **filters: str | None,
) -> list[dict[str, Any]]:
    """`list` and `overdue` for either adapter: the actor's right to list
    checked, the filters' values checked, then `complaints`."""
    ledger.authorise_read(ReadAction.LIST)
    if filters.get("status") is not None:
        one_of(Status, str(filters["status"]), "status")
    if filters.get("severity") is not None:
        one_of(Severity, str(filters["severity"]), "severity")
    return complaints(store, now, overdue_only=overdue_only, **filters)


def _time(value: str | None) -> str | None:
    return None if value is None else iso(parse_time(value))


def complaints(
    store: ViewSQL, now: datetime, *, overdue_only: bool = False, **filters: str | None
) -> list[dict[str, Any]]:
    """Complaints matching the filters, in filing order, each with the names of
    its deadlines that are past due and unmet at `now` while it is open."""
    p = store.param
    where, params = [], []
    for column in FILTERS:
        if filters.get(column) is not None:
            where.append(f"c.{column} = {p}")
            params.append(filters[column])
    breached: dict[str, list[str]] = {}
    for breach in breaches(store, now):
        breached.setdefault(breach["id"], []).append(breach["deadline"])
    rows = store.query(
        "SELECT c.id, c.ref, c.project, c.channel, c.severity, c.status, c.owner, "  # noqa: S608
        f"c.received_at FROM {store.table_name(COMPLAINTS)} c "
        + (f"WHERE {' AND '.join(where)} " if where else "")
        + "ORDER BY c.number",
        params,
    )
    listed = []
    for row in rows:
        late = sorted(breached.get(row.pop("id"), []), key=DEADLINE_NAMES.index)
        if overdue_only and not late:
            continue
        row["received_at"] = _time(row["received_at"])
        row["overdue"] = late
        listed.append(row)
    return listed


def breaches(store: ViewSQL, now: datetime) -> list[dict[str, Any]]:
    """Every past-due, unmet deadline of an open complaint, oldest due first:
    complaint id, ref, deadline name and due time."""
    p = store.param
    statuses = sorted(OPEN_STATUSES)
    rows = store.query(
        "SELECT c.id, c.ref, d.name, d.due "  # noqa: S608
        f"FROM {store.table_name(DEADLINES)} d "
        f"JOIN {store.table_name(COMPLAINTS)} c ON c.id = d.complaint_id "
        f"WHERE d.met_at IS NULL AND d.due < {p} "
        f"AND c.status IN ({', '.join(p for _ in statuses)}) "
        "ORDER BY d.due, c.number",
        [stamp(now), *statuses],
    )
    return [
        {"id": r["id"], "ref": r["ref"], "deadline": r["name"], "due": _time(r["due"])}
        for r in rows
    ]
