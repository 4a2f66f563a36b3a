"""The early-warning report: which projects are turning red, and why.

Each project gets five signals. A signal is red or amber when it crosses the
thresholds below, the project takes its worst signal's colour, and the
signals that are not green are its reasons. `RULES` is shown in the report,
so the page always says which rules made it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from ledger.domain.timeutil import iso
from projections.reports import customers
from projections.reports.common import (
    Record,
    axis_max,
    mean,
    projects,
    rate,
    records,
)
from projections.store import ViewSQL

if TYPE_CHECKING:
    from ledger.application import ComplaintLedger

OPEN_SEVERE = (1, 3)  # open severe complaints: amber from, red from
OVERDUE = (2, 5)  # open complaints with a deadline past due and unmet
ESCALATION = (0.2, 0.35)  # share of the last 28 days' complaints escalated
GROWTH = ((1.5, 3), (2.0, 5))  # last 14 days vs the 14 before: ratio and rise
FALL = (0.5, 1.0)  # drop in mean survey score, last 28 days vs before
MIN_SAMPLE = {"escalation": 5, "surveys": 3}
TREND_WEEKS = 12
LEVELS = ("red", "amber", "green", "no data")

RULES = [
    {"signal": "Open severe complaints",
     "amber": f"{OPEN_SEVERE[0]} or more", "red": f"{OPEN_SEVERE[1]} or more"},
    {"signal": "Overdue complaints (open, a deadline past due and unmet)",
     "amber": f"{OVERDUE[0]} or more", "red": f"{OVERDUE[1]} or more"},
    {"signal": "Escalation rate: complaints received in the last 28 days that "
               f"were escalated (at least {MIN_SAMPLE['escalation']} complaints)",
     "amber": f"{ESCALATION[0]:.0%} or more", "red": f"{ESCALATION[1]:.0%} or more"},
    {"signal": "Complaint rate: complaints (not praise) received in the last "
               "14 days against the 14 days before",
     "amber": f"{GROWTH[0][0]} times and {GROWTH[0][1]} more",
     "red": f"{GROWTH[1][0]} times and {GROWTH[1][1]} more"},
    {"signal": "Falling satisfaction: mean survey score of complaints resolved "
               "in the last 28 days against those resolved before (at least "
               f"{MIN_SAMPLE['surveys']} surveys in each)",
     "amber": f"down {FALL[0]} or more", "red": f"down {FALL[1]} or more"},
]  # fmt: skip


def warnings(ledger: ComplaintLedger, store: ViewSQL, now: datetime) -> dict[str, Any]:
    """Every project's status and reasons, worst first, with the rules, and
    each project's customers: repeat contacts and praise."""
    everything = records(store)
    who = customers.pseudonyms(ledger, everything)
    rows = []
    for project in projects(store):
        group = [r for r in everything if r.project == project]
        rows.append(_project(project, group, now))
        rows[-1]["customers"] = _customers(group, who, now)
    rows.sort(key=lambda row: (LEVELS.index(row["status"]), row["project"]))
    return {
        "now": iso(now),
        "rules": RULES,
        "counts": {
            level: sum(r["status"] == level for r in rows) for level in LEVELS[:3]
        },
        "projects": rows,
        "trend_from": iso(now - timedelta(weeks=TREND_WEEKS)),
        "repeat_window": customers.WINDOW.days,
        "trend_max": axis_max(v for r in rows for v in r["trend"]),
    }


def _customers(
    group: list[Record], who: dict[str, str | None], now: datetime
) -> dict[str, Any]:
    """A project's repeat contacts (shown, not a signal) and praise."""
    repeat = customers.repeat_contacts(group, who, now)
    fed_back = customers.praise(group, ())
    return {
        "repeats": repeat["repeats"],
        "complaints": repeat["complaints"],
        "rate": repeat["rate"],
        "recent_rate": repeat["recent_rate"],
        "earlier_rate": repeat["earlier_rate"],
        "trend": repeat["trend"],
        "praise": fed_back["praise"],
        "praise_share": fed_back["share"],
    }


def _level(value: float | None, thresholds: tuple[float, float]) -> str:
    if value is None:
        return "no data"
    amber, red = thresholds
    return "red" if value >= red else "amber" if value >= amber else "green"


def _project(project: str, group: list[Record], now: datetime) -> dict[str, Any]:
    signals = [
        _open_severe(group),
        _overdue(group, now),
        _escalation(group, now),
        _growth(group, now),
        _satisfaction(group, now),
    ]
    status = min(
        (s["level"] for s in signals if s["level"] in LEVELS[:3]),
        key=LEVELS.index,
        default="green",
    )
    reasons = sorted(
        (s for s in signals if s["level"] in ("red", "amber")),
        key=lambda s: LEVELS.index(s["level"]),
    )
    return {
        "project": project,
        "status": status,
        "reasons": reasons,
        "others": [s for s in signals if s not in reasons],
        "complaints": len(group),
        "open": sum(r.open for r in group),
        "trend": _trend(group, now),
    }


def _open_severe(group: list[Record]) -> dict[str, Any]:
    count = sum(r.open and r.severity == "severe" for r in group)
    return {
        "signal": "open severe",
        "value": count,
        "level": _level(count, OPEN_SEVERE),
        "text": f"{count} severe complaint{'s' * (count != 1)} open",
    }


def _overdue(group: list[Record], now: datetime) -> dict[str, Any]:
    late = [r for r in group if r.open and any(
        r.outcome(name, now) == "missed" for name in r.deadlines
    )]  # fmt: skip
    return {
        "signal": "overdue",
        "value": len(late),
        "level": _level(len(late), OVERDUE),
        "text": f"{len(late)} open complaint{'s' * (len(late) != 1)} overdue",
    }


def _complaints_between(
    group: list[Record], start: datetime, end: datetime
) -> list[Record]:
    return [r for r in group if start < r.received <= end and r.severity != "positive"]


def _escalation(group: list[Record], now: datetime) -> dict[str, Any]:
    recent = _complaints_between(group, now - timedelta(days=28), now)
    escalated = sum(r.level > 0 for r in recent)
    share = rate(escalated, len(recent))
    enough = len(recent) >= MIN_SAMPLE["escalation"]
    return {
        "signal": "escalation rate",
        "value": share,
        "level": _level(share if enough else None, ESCALATION),
        "text": f"{escalated} of {len(recent)} complaints in the last 28 days "
        "escalated" + (f" ({share:.0%})" if share is not None else ""),
    }


def _growth(group: list[Record], now: datetime) -> dict[str, Any]:
    recent = len(_complaints_between(group, now - timedelta(days=14), now))
    before = len(
        _complaints_between(group, now - timedelta(days=28), now - timedelta(days=14))
    )
    ratio = round(recent / max(before, 1), 2)
    level = "green"
    for name, (times, rise) in zip(("amber", "red"), GROWTH, strict=True):
        if ratio >= times and recent - before >= rise:
            level = name
    return {
        "signal": "complaint rate",
        "value": ratio,
        "level": level,
        "text": f"{recent} complaints in the last 14 days, {before} in the 14 before",
    }


def _satisfaction(group: list[Record], now: datetime) -> dict[str, Any]:
    cut = now - timedelta(days=28)
    recent: list[int] = []
    before: list[int] = []
    for record in group:
        settled = record.settled
        if record.score is not None and settled is not None:
            (recent if settled > cut else before).append(record.score)
    enough = min(len(recent), len(before)) >= MIN_SAMPLE["surveys"]
    now_mean, then_mean = mean(recent), mean(before)
    drop = (
        round(then_mean - now_mean, 2)
        if enough and now_mean is not None and then_mean is not None
        else None
    )
    text = (
        f"mean score {now_mean:.1f} in the last 28 days, {then_mean:.1f} before"
        if now_mean is not None and then_mean is not None
        else f"{len(recent)} surveys in the last 28 days, {len(before)} before"
    )
    return {
        "signal": "satisfaction",
        "value": drop,
        "level": _level(drop, FALL),
        "text": text,
    }


def _trend(group: list[Record], now: datetime) -> list[int]:
    """Complaints (not praise) received in each of the last seven-day spans up
    to `now`, oldest first (whole spans, so the last point is not a part week)."""
    counts = [0] * TREND_WEEKS
    for record in group:
        if record.severity == "positive" or record.received > now:
            continue
        ago = (now - record.received) // timedelta(weeks=1)
        if ago < TREND_WEEKS:
            counts[TREND_WEEKS - 1 - ago] += 1
    return counts
