"""Reading the views: listings and the overdue list, as plain dicts."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from ledger.domain.timeutil import iso, parse_time, span, stamp
from ledger.domain.vocabulary import (
    DEADLINE_NAMES,
    OPEN_STATUSES,
    ReadAction,
    Severity,
    Status,
    one_of,
)
from ledger.errors import InvalidInput
from projections.store import ViewSQL
from projections.views import COMPLAINTS, DEADLINES, WAITS

if TYPE_CHECKING:
    from ledger.application import ComplaintLedger

FILTERS = ("project", "status", "severity", "owner")
PAGE_SIZE = 50
# How far a page of complaints counts the complaints that match: past it,
# "more than" (a count of every match would grow with the ledger; counting
# to 1,000 matches of a filter no index covers took 16 ms at 100,000
# complaints, to 500 2.6 ms, on SQLite; 500 still cost PostgreSQL 1.45x).
COUNT_CAP = 200
# The most complaints a queue shows: the ones due soonest (the rest are
# counted, and listed on /complaints?owner=…).
QUEUE_SIZE = 200
LISTED = "c.ref, c.project, c.channel, c.severity, c.status, c.owner, c.received_at"


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
    _checked(ledger, filters)
    return complaints(store, now, overdue_only=overdue_only, **filters)


def _checked(ledger: ComplaintLedger, filters: dict[str, str | None]) -> None:
    ledger.authorise_read(ReadAction.LIST)
    if filters.get("status") is not None:
        one_of(Status, str(filters["status"]), "status")
    if filters.get("severity") is not None:
        one_of(Severity, str(filters["severity"]), "severity")


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


def listing_page(
    ledger: ComplaintLedger,
    store: ViewSQL,
    now: datetime,
    *,
    after: int | None = None,
    before: int | None = None,
    size: int = PAGE_SIZE,
    overdue_only: bool = False,
    **filters: str | None,
) -> dict[str, Any]:
    """`listing` one page at a time, as a page of complaints lists it:
    checked as `listing` is, then `complaints_page`."""
    _checked(ledger, filters)
    for name, number in (("after", after), ("before", before)):
        if number is not None and number < 0:
            raise InvalidInput(f"'{number}' is not a complaint number for '{name}'")
    return complaints_page(
        store, now, after=after, before=before, size=size,
        overdue_only=overdue_only, **filters,
    )  # fmt: skip


def complaints_page(
    store: ViewSQL,
    now: datetime,
    *,
    after: int | None = None,
    before: int | None = None,
    size: int = PAGE_SIZE,
    overdue_only: bool = False,
    **filters: str | None,
) -> dict[str, Any]:
    """The `size` complaints in filing order that match the filters and come
    after filing number `after` (or, going back, just before `before`), read
    along the filing order's index from that number on (no OFFSET), so that
    any page costs about the same at any size of ledger; whether there are
    more on either side (`previous`, `next`: the numbers to page from); and
    how many match, counted up to COUNT_CAP (`total`, `more`)."""
    p, table = store.param, store.table_name(COMPLAINTS)
    where, params = [], []
    for column in FILTERS:
        if filters.get(column) is not None:
            where.append(f"c.{column} = {p}")
            params.append(filters[column])
    if overdue_only:
        statuses = sorted(OPEN_STATUSES)
        # EXISTS, not IN (...): looked up by key, a row at a time, while the
        # filing order is read, so a page stops as soon as it is full.
        where.append(
            f"c.status IN ({', '.join(p for _ in statuses)}) AND EXISTS "  # noqa: S608
            f"(SELECT 1 FROM {store.table_name(DEADLINES)} d "
            f"WHERE d.complaint_id = c.id AND d.met_at IS NULL AND d.due < {p})"
        )
        params.extend([*statuses, stamp(now)])

    def rows_where(
        extra: str, order: str, limit: int, *more: Any
    ) -> list[dict[str, Any]]:
        clause = " AND ".join([*where, extra]) if extra else " AND ".join(where)
        return store.query(
            f"SELECT c.id, c.number, {LISTED} FROM {table} c "  # noqa: S608
            + (f"WHERE {clause} " if clause else "")
            + f"ORDER BY c.number {order} LIMIT {p}",
            [*params, *more, limit],
        )

    going_back = before is not None and after is None
    if going_back:
        rows = rows_where(f"c.number < {p}", "DESC", size + 1, before)
        earlier, rows = len(rows) > size, rows[:size][::-1]
        later = bool(rows) and bool(
            rows_where(f"c.number > {p}", "ASC", 1, rows[-1]["number"])
        )
    else:
        start = after or 0
        rows = rows_where(f"c.number > {p}", "ASC", size + 1, start)
        later, rows = len(rows) > size, rows[:size]
        earlier = bool(rows) and bool(
            rows_where(f"c.number < {p}", "DESC", 1, rows[0]["number"])
        )
    clause = f"WHERE {' AND '.join(where)} " if where else ""
    [counted] = store.query(
        f"SELECT COUNT(*) AS n FROM (SELECT 1 FROM {table} c {clause}"  # noqa: S608
        f"LIMIT {p}) q",
        [*params, COUNT_CAP + 1],
    )
    total = int(counted["n"])
    unmet = _unmet(store, [row["id"] for row in rows])
    for row in rows:
        late = [d for d in unmet.get(row.pop("id"), []) if d["due"] < stamp(now)]
        row["received_at"] = _time(row["received_at"])
        row["overdue"] = (
            [d["name"] for d in late] if row["status"] in OPEN_STATUSES else []
        )
    return {
        "complaints": [{k: v for k, v in row.items() if k != "number"} for row in rows],
        "total": min(total, COUNT_CAP),
        "more": total > COUNT_CAP,
        "previous": rows[0]["number"] if earlier else None,
        "next": rows[-1]["number"] if later else None,
    }


def queue(ledger: ComplaintLedger, store: ViewSQL, now: datetime) -> dict[str, Any]:
    """The actor's queue: the open complaints they own, the deadline due
    soonest first (so the overdue ones come first), each with that deadline,
    how long is left or how late it is; the ones waiting on the customer,
    apart; and how many they own by status."""
    ledger.authorise_read(ReadAction.LIST)
    p, table = store.param, store.table_name(COMPLAINTS)
    member = ledger.actor
    counts = store.query(
        f"SELECT status, COUNT(*) AS n FROM {table} WHERE owner = {p} "  # noqa: S608
        "GROUP BY status",
        [member],
    )
    statuses = sorted(OPEN_STATUSES)
    rows = store.query(
        f"SELECT * FROM (SELECT c.id, c.number, {LISTED}, "  # noqa: S608
        f"(SELECT MIN(d.due) FROM {store.table_name(DEADLINES)} d "
        "WHERE d.complaint_id = c.id AND d.met_at IS NULL) AS next_due "
        f"FROM {table} c WHERE c.owner = {p} "
        f"AND c.status IN ({', '.join(p for _ in statuses)})) q "
        "ORDER BY CASE WHEN q.next_due IS NULL THEN 1 ELSE 0 END, q.next_due, "
        f"q.number LIMIT {p}",
        [member, *statuses, QUEUE_SIZE],
    )
    unmet = _unmet(store, [row["id"] for row in rows])
    for row in rows:
        row.pop("number")
        due = unmet.get(row.pop("id"), [])
        row.pop("next_due")
        row["received_at"] = _time(row["received_at"])
        row["next"] = None if not due else _deadline(due[0], now)
        row["overdue"] = [d["name"] for d in due if d["due"] < stamp(now)]
    by_status = {str(s): 0 for s in Status}
    by_status.update({r["status"]: int(r["n"]) for r in counts})
    return {
        "member": member,
        "complaints": rows,
        "open": sum(by_status[s] for s in statuses),
        "by_status": by_status,
        "waiting": _waiting(store, member, now),
    }


def _waiting(store: ViewSQL, member: str, now: datetime) -> list[dict[str, Any]]:
    """The complaints `member` owns that wait on the customer, the longest
    waiting first, each with since when (their deadlines' clock is stopped,
    so no deadline is counted down)."""
    p, table = store.param, store.table_name(COMPLAINTS)
    rows = store.query(
        f"SELECT c.number, {LISTED}, "  # noqa: S608
        f"(SELECT MAX(w.since) FROM {store.table_name(WAITS)} w "
        "WHERE w.complaint_id = c.id AND w.until IS NULL) AS since "
        f"FROM {table} c WHERE c.owner = {p} AND c.status = {p} "
        f"ORDER BY c.number LIMIT {p}",
        [member, str(Status.WAITING), QUEUE_SIZE],
    )
    rows.sort(key=lambda row: (row["since"] is None, row["since"] or ""))
    for row in rows:
        row.pop("number")
        row["received_at"] = _time(row["received_at"])
        since = None if row["since"] is None else parse_time(row["since"])
        row["since"] = iso(since)
        row["waited"] = None if since is None else span((now - since).total_seconds())
    return rows


def _deadline(unmet: dict[str, Any], now: datetime) -> dict[str, Any]:
    due = parse_time(unmet["due"])
    seconds = (due - now).total_seconds()
    return {
        "name": unmet["name"],
        "due": iso(due),
        "overdue": seconds < 0,
        "span": span(seconds),
    }


def _unmet(store: ViewSQL, ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """The unmet deadlines of these complaints, by complaint id, each list
    the soonest due first."""
    if not ids:
        return {}
    p = store.param
    rows = store.query(
        "SELECT complaint_id, name, due "  # noqa: S608
        f"FROM {store.table_name(DEADLINES)} WHERE met_at IS NULL "
        f"AND due IS NOT NULL AND complaint_id IN ({', '.join(p for _ in ids)})",
        ids,
    )
    found: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        found.setdefault(row["complaint_id"], []).append(row)
    for due in found.values():
        due.sort(key=lambda d: (d["due"], DEADLINE_NAMES.index(d["name"])))
    return found


def metadata(store: ViewSQL, ref: str) -> dict[str, Any] | None:
    """What the views hold of one complaint (no text): what a member who may
    not read a confidential complaint is shown of it."""
    p = store.param
    rows = store.query(
        f"SELECT {LISTED}, c.confidential FROM {store.table_name(COMPLAINTS)} c "  # noqa: S608
        f"WHERE c.ref = {p}",
        [ref.upper()],
    )
    if not rows:
        return None
    row = rows[0]
    row["received_at"] = _time(row["received_at"])
    row["confidential"] = bool(row["confidential"])
    return row


def known_projects(store: ViewSQL) -> frozenset[str]:
    """Every project the ledger holds a complaint about."""
    rows = store.query(f"SELECT DISTINCT project FROM {store.table_name(COMPLAINTS)}")  # noqa: S608
    return frozenset(row["project"] for row in rows)
