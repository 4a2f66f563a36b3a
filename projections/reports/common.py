"""What every report shares: complaints read from the views as records, the
statistics over them, the report header, and a complaint's text as the
ledger lets a report show it.

Views hold metadata only, so every text a report shows comes from the ledger
through `readable`; the ledger decides who may see it.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from ledger.domain.timeutil import iso, parse_time
from ledger.domain.vocabulary import DEADLINE_NAMES, OPEN_STATUSES, Severity, Status
from ledger.domain.workclock import between
from projections.store import ViewSQL
from projections.views import COMPLAINTS, DEADLINES, ESCALATIONS

if TYPE_CHECKING:
    from ledger.application import ComplaintLedger

SEVERITIES = tuple(s.value for s in Severity)
DEADLINE_LABELS = {"ack": "Acknowledge", "respond": "Respond", "resolve": "Resolve"}
TEXT_FIELDS = ("summary", "detail", "customer", "source", "resolution", "survey")


@dataclass
class Deadline:
    """One deadline of one complaint: when it was due and when it was met."""

    due: datetime | None
    met: datetime | None


@dataclass
class Record:
    """One complaint as the reports count it (metadata only, from the views)."""

    ref: str
    number: int
    project: str
    channel: str
    severity: str
    status: str
    owner: str
    received: datetime
    level: int
    score: int | None
    deadlines: dict[str, Deadline] = field(default_factory=dict)
    # The definition of the calendar its deadlines count working time on,
    # where a report looked it up (projections/reports/clock.py).
    clock: Mapping[str, Any] | None = None

    @property
    def open(self) -> bool:
        """Whether it is still being worked on (or waits on the customer)."""
        return self.status in OPEN_STATUSES or self.waiting

    @property
    def waiting(self) -> bool:
        """Whether it waits on the customer, its deadlines' clock stopped."""
        return self.status == Status.WAITING

    @property
    def settled(self) -> datetime | None:
        """When it was resolved, closed or withdrawn (the resolve deadline is
        met by whichever came first)."""
        found = self.deadlines.get("resolve")
        return None if self.open or found is None else found.met

    def outcome(self, name: str, now: datetime) -> str:
        """`met`, `late`, `missed`, `pending`, `skipped` or `none` for a deadline."""
        deadline = self.deadlines.get(name)
        if deadline is None or deadline.due is None:
            return "none"
        if deadline.met is not None:
            return "met" if deadline.met <= deadline.due else "late"
        if self.waiting:
            return "pending"  # judged once the clock runs again
        end = now if self.open else (self.settled or now)
        if end > deadline.due:
            return "missed"
        return "pending" if self.open else "skipped"

    def breached(self, name: str, now: datetime) -> bool:
        """Whether the deadline was met late or passed unmet."""
        return self.outcome(name, now) in ("late", "missed")

    def taken(self, name: str) -> int | None:
        """Seconds from receipt to meeting the deadline, if it was met
        (working seconds on its calendar, where one is known)."""
        deadline = self.deadlines.get(name)
        if deadline is None or deadline.met is None:
            return None
        return self._seconds(deadline.met)

    def allowed(self, name: str) -> int | None:
        """Seconds the policy allowed for the deadline, if it had one
        (working seconds on its calendar, where one is known)."""
        deadline = self.deadlines.get(name)
        if deadline is None or deadline.due is None:
            return None
        return self._seconds(deadline.due)

    def _seconds(self, until: datetime) -> int:
        if self.clock is None:
            return int((until - self.received).total_seconds())
        return between(self.received, until, self.clock)


def _time(text: str | None) -> datetime | None:
    return None if text is None else parse_time(text)


def records(store: ViewSQL, project: str | None = None) -> list[Record]:
    """The complaints (of one project, or all), in filing order, with deadlines."""
    p = store.param
    rows = store.query(
        "SELECT c.ref, c.number, c.project, c.channel, c.severity, c.status, "  # noqa: S608 - names are constants
        "c.owner, c.received_at, c.escalation_level, c.survey_score, d.name, "
        f"d.due, d.met_at FROM {store.table_name(COMPLAINTS)} c "
        f"LEFT JOIN {store.table_name(DEADLINES)} d ON d.complaint_id = c.id "
        + ("" if project is None else f"WHERE c.project = {p} ")
        + "ORDER BY c.number, d.name",
        [] if project is None else [project],
    )
    found: dict[str, Record] = {}
    for row in rows:
        record = found.get(row["ref"])
        if record is None:
            record = found[row["ref"]] = Record(
                ref=row["ref"],
                number=row["number"],
                project=row["project"],
                channel=row["channel"],
                severity=row["severity"],
                status=row["status"],
                owner=row["owner"],
                received=parse_time(row["received_at"]),
                level=row["escalation_level"] or 0,
                score=row["survey_score"],
            )
        if row["name"] is not None:
            record.deadlines[row["name"]] = Deadline(
                _time(row["due"]), _time(row["met_at"])
            )
    return list(found.values())


def escalation_steps(
    store: ViewSQL, project: str | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Every complaint's escalation steps, by ref, in level order (with `at`
    as a time, for comparing)."""
    p = store.param
    rows = store.query(
        "SELECT c.ref, e.level, e.at, e.by_member, e.from_member, e.to_member, "  # noqa: S608
        f"e.trigger, e.deadline FROM {store.table_name(ESCALATIONS)} e "
        f"JOIN {store.table_name(COMPLAINTS)} c ON c.id = e.complaint_id "
        + ("" if project is None else f"WHERE c.project = {p} ")
        + "ORDER BY c.number, e.level",
        [] if project is None else [project],
    )
    steps: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        steps.setdefault(row.pop("ref"), []).append({**row, "at": _time(row["at"])})
    return steps


def projects(store: ViewSQL) -> list[str]:
    """Every project named by a complaint, sorted."""
    rows = store.query(
        f"SELECT DISTINCT project FROM {store.table_name(COMPLAINTS)} ORDER BY project"  # noqa: S608
    )
    return [r["project"] for r in rows]


def most_escalated(store: ViewSQL, limit: int = 3) -> list[str]:
    """The refs of the complaints with the longest escalation routes."""
    rows = store.query(
        f"SELECT ref FROM {store.table_name(COMPLAINTS)} "  # noqa: S608
        "WHERE escalation_level > 0 ORDER BY escalation_level DESC, number"
    )
    return [r["ref"] for r in rows[:limit]]


# Statistics. Percentiles are nearest-rank, so they are values that occurred.


def median(values: Sequence[int]) -> int | None:
    """The median, rounded to a whole number, or None without values."""
    return round(statistics.median(values)) if values else None


def percentile(values: Sequence[int], share: float) -> int | None:
    """The nearest-rank percentile (`share` 0.9 for p90), or None without values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def mean(values: Sequence[int | float]) -> float | None:
    """The mean to two decimals, or None without values."""
    return round(statistics.fmean(values), 2) if values else None


def rate(part: int, whole: int) -> float | None:
    """`part` of `whole` as a fraction to three decimals, or None of nothing."""
    return round(part / whole, 3) if whole else None


def ticks(values: Iterable[int | float]) -> list[int]:
    """Round, evenly spaced axis marks from 0 past the largest of `values`:
    at most five steps of 1, 2 or 5 times a power of ten."""
    top = max([1, *values])
    power = 1
    while True:
        for step in (power, 2 * power, 5 * power):
            if math.ceil(top / step) <= 5:
                return [step * i for i in range(math.ceil(top / step) + 1)]
        power *= 10


def axis_max(values: Iterable[int | float]) -> int:
    """A round upper bound for a chart axis holding `values`."""
    return ticks(values)[-1]


def week_start(moment: datetime) -> datetime:
    """Monday 00:00 UTC of the week holding `moment`."""
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=day.weekday())


def weeks_between(first: datetime, last: datetime) -> list[datetime]:
    """The Monday of every week from `first`'s to `last`'s."""
    found, week = [], week_start(first)
    while week <= last:
        found.append(week)
        week += timedelta(weeks=1)
    return found


def timing(group: Sequence[Record], name: str, now: datetime) -> dict[str, Any]:
    """How fast a group met one deadline: median and p90 against the target."""
    taken = [t for r in group if (t := r.taken(name)) is not None]
    allowed = [a for r in group if (a := r.allowed(name)) is not None]
    outcomes = [r.outcome(name, now) for r in group]
    judged = [o for o in outcomes if o in ("met", "late", "missed")]
    breached = sum(o in ("late", "missed") for o in judged)
    return {
        "deadline": name,
        "label": DEADLINE_LABELS[name],
        "count": len(taken),
        "median": median(taken),
        "p90": percentile(taken, 0.9),
        "target": median(allowed),
        "judged": len(judged),
        "breached": breached,
        "breach_rate": rate(breached, len(judged)),
    }


def breach_counts(group: Sequence[Record], now: datetime) -> dict[str, Any]:
    """Deadlines judged and breached across a group, all deadline kinds together."""
    judged = breached = 0
    for record in group:
        for name in DEADLINE_NAMES:
            outcome = record.outcome(name, now)
            judged += outcome in ("met", "late", "missed")
            breached += outcome in ("late", "missed")
    return {"judged": judged, "breached": breached, "rate": rate(breached, judged)}


# Text, as the ledger lets a report show it.


def readable(
    ledger: ComplaintLedger, ref: str, purpose: str, as_of: datetime | None = None
) -> dict[str, Any] | None:
    """A complaint's text fields for a report, read through the ledger (which
    decides whether the reader may see them, and records the export of a
    confidential one), or None when the report shows metadata only."""
    view = ledger.readable(ref, purpose, as_of)
    return None if view is None else {name: view[name] for name in TEXT_FIELDS}


def header(
    ledger: ComplaintLedger,
    report: str,
    title: str,
    parameters: dict[str, Any],
    covering: int,
    now: datetime,
    as_of: datetime | None = None,
) -> dict[str, Any]:
    """Where the report comes from: ledger, time, author, and events covered."""
    return {
        "report": report,
        "title": title,
        "ledger": ledger.location.display,
        "ledger_id": str(ledger.ledger_id),
        "generated_at": iso(now),
        "generated_by": ledger.actor,
        "as_of": iso(as_of),
        "parameters": parameters,
        "events": {"first": 1 if covering else 0, "last": covering},
    }
