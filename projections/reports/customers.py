"""The customer's view of the numbers, for the lessons and warnings reports:
repeat contacts (customers who had to come back about the same project
within 30 days, and whether that falls over time), service recovery
(satisfaction after a severe or escalated complaint against the rest), and
praise beside complaints.

Who a customer is comes from the ledger as pseudonyms made for one report
(`customer_pseudonyms`: keyed hashes of the normalised contact, under a key
dropped after the call), so no contact is read into a report, stored in a
view or printed; an erased complaint has none and drops out.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from projections.reports.common import Record, mean, rate

if TYPE_CHECKING:
    from ledger.application import ComplaintLedger

WINDOW = timedelta(days=30)  # a complaint within this of the last is a repeat
MONTHS = 12  # months shown in the trend
TREND_MONTHS = 3  # the last 3 months against the 3 before decide the trend
STEADY = 0.05  # a change in the repeat rate smaller than this is steady


def pseudonyms(ledger: ComplaintLedger, group: list[Record]) -> dict[str, str | None]:
    """The customer of each complaint (not praise) in `group`, as pseudonyms."""
    return ledger.customer_pseudonyms(
        [r.ref for r in group if r.severity != "positive"]
    )


def repeats(group: list[Record], who: dict[str, str | None]) -> list[Record]:
    """The complaints whose customer had complained about the same project
    in the WINDOW before (praise is not a complaint; an erased or unknown
    customer is no one's repeat)."""
    last: dict[tuple[str, str], datetime] = {}
    found = []
    for record in sorted(group, key=lambda r: (r.received, r.number)):
        customer = who.get(record.ref)
        if record.severity == "positive" or customer is None:
            continue
        earlier = last.get((record.project, customer))
        if earlier is not None and record.received - earlier <= WINDOW:
            found.append(record)
        last[(record.project, customer)] = record.received
    return found


def repeat_contacts(
    group: list[Record], who: dict[str, str | None], now: datetime
) -> dict[str, Any]:
    """How many complaints were a customer coming back within 30 days, by
    month, and whether the rate falls (the last 3 months against the 3
    before)."""
    known = [r for r in group if r.severity != "positive" and who.get(r.ref)]
    again = repeats(group, who)
    customers = {who[r.ref] for r in again}
    by_month: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for record in known:
        by_month[record.received.strftime("%Y-%m")][0] += 1
    for record in again:
        by_month[record.received.strftime("%Y-%m")][1] += 1
    # From the month of the first complaint: none before the project began.
    first = min((r.received.strftime("%Y-%m") for r in known), default="")
    months = [month for month in _months(now) if month >= first]
    rows: list[dict[str, Any]] = [
        {"month": month, "complaints": by_month[month][0],
         "repeats": by_month[month][1],
         "rate": rate(by_month[month][1], by_month[month][0])}
        for month in months
    ]  # fmt: skip
    recent = _share(rows[-TREND_MONTHS:])
    before = _share(rows[-2 * TREND_MONTHS : -TREND_MONTHS])
    return {
        "window_days": WINDOW.days,
        "complaints": len(known),
        "unknown": sum(
            r.severity != "positive" and not who.get(r.ref) for r in group
        ),
        "repeats": len(again),
        "customers": len(customers),
        "rate": rate(len(again), len(known)),
        "months": rows,
        "recent_rate": recent,
        "earlier_rate": before,
        "trend": _direction(recent, before),
        "chart": [
            {"label": _month_label(row["month"]),
             "value": 100 * row["rate"] if row["rate"] is not None else 0}
            for row in rows
        ],
    }  # fmt: skip


def _months(now: datetime) -> list[str]:
    """The last MONTHS calendar months up to `now`'s, oldest first."""
    year, month = now.year, now.month
    found = []
    for _ in range(MONTHS):
        found.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return found[::-1]


def _month_label(month: str) -> str:
    return datetime.strptime(month, "%Y-%m").strftime("%b %Y")


def _share(rows: list[dict[str, Any]]) -> float | None:
    return rate(sum(r["repeats"] for r in rows), sum(r["complaints"] for r in rows))


def _direction(recent: float | None, before: float | None) -> str:
    """`falling`, `rising`, `steady`, or `no data`."""
    if recent is None or before is None:
        return "no data"
    if recent <= before - STEADY:
        return "falling"
    return "rising" if recent >= before + STEADY else "steady"


def recovery(group: list[Record]) -> dict[str, Any]:
    """Service recovery: the mean survey score of complaints that were severe
    or escalated, against every other complaint surveyed (praise aside)."""
    hard = [r.score for r in group if r.score is not None and r.severity != "positive"
            and (r.severity == "severe" or r.level > 0)]  # fmt: skip
    rest = [r.score for r in group if r.score is not None and r.severity != "positive"
            and not (r.severity == "severe" or r.level > 0)]  # fmt: skip
    after, others = mean(hard), mean(rest)
    gap = None if after is None or others is None else round(after - others, 2)
    return {
        "gap": gap,
        "rows": [
            {"label": label, "count": len(scores), "mean": mean(scores),
             "value": mean(scores)}
            for label, scores in (("severe or escalated", hard),
                                  ("all other complaints", rest))
            if scores
        ],
    }  # fmt: skip


def praise(group: list[Record], channels: tuple[str, ...]) -> dict[str, Any]:
    """Praise beside complaints: how many of each, by channel, and the share
    of all feedback that was praise."""
    kinds = Counter(
        (r.channel, "praise" if r.severity == "positive" else "complaints")
        for r in group
    )
    rows = [
        {"channel": channel, "praise": kinds[(channel, "praise")],
         "complaints": kinds[(channel, "complaints")],
         "share": rate(kinds[(channel, "praise")],
                       kinds[(channel, "praise")] + kinds[(channel, "complaints")])}
        for channel in channels
        if kinds[(channel, "praise")] or kinds[(channel, "complaints")]
    ]  # fmt: skip
    total = sum(r.severity == "positive" for r in group)
    return {
        "praise": total,
        "complaints": len(group) - total,
        "share": rate(total, len(group)),
        "by_channel": rows,
    }
