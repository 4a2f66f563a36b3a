"""The lessons-learned report of one project: what went wrong and what went right."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ledger.domain.timeutil import iso
from ledger.domain.vocabulary import DEADLINE_NAMES, Channel
from projections.reports import customers
from projections.reports.clock import clock, count_working_time, ladders
from projections.reports.common import (
    SEVERITIES,
    Record,
    axis_max,
    breach_counts,
    escalation_steps,
    mean,
    rate,
    readable,
    records,
    ticks,
    timing,
    week_start,
    weeks_between,
)
from projections.store import ViewSQL

if TYPE_CHECKING:
    from ledger.application import ComplaintLedger

LISTED = 50  # complaints listed by name in each list; the rest are counted
CHANNELS = tuple(c.value for c in Channel)


def lessons(
    ledger: ComplaintLedger,
    store: ViewSQL,
    project: str,
    now: datetime,
    as_of: datetime | None = None,
) -> dict[str, Any]:
    """Everything the lessons report shows about `project`, as plain data."""
    group = records(store, project)
    count_working_time(ledger, store, group)
    steps = escalation_steps(store, project)
    return {
        "project": project,
        "totals": _totals(group),
        "volume": _volume(group),
        "channels": _channels(group),
        "timing": [timing(group, name, now) for name in DEADLINE_NAMES],
        "breaches": {
            "by_channel": _breaches_by(group, now, "channel", CHANNELS),
            "by_severity": _breaches_by(group, now, "severity", SEVERITIES),
        },
        "routes": _routes(group, steps),
        "themes": _themes(group),
        "satisfaction": _satisfaction(group),
        "clock": clock(store, project, as_of or now),
        "ladders": ladders(ledger),
        "repeat": customers.repeat_contacts(
            group, customers.pseudonyms(ledger, group), now
        ),
        "praise": customers.praise(group, CHANNELS),
        "positive": _listed(ledger, group, "positive", as_of),
        "severe": _listed(ledger, group, "severe", as_of),
    }


def _totals(group: list[Record]) -> dict[str, Any]:
    scores = [r.score for r in group if r.score is not None]
    return {
        "complaints": len(group),
        "open": sum(r.open for r in group),
        "escalated": sum(r.level > 0 for r in group),
        "surveyed": len(scores),
        "mean_score": mean(scores),
        "first": iso(min((r.received for r in group), default=None)),
        "last": iso(max((r.received for r in group), default=None)),
        **{
            severity: sum(r.severity == severity for r in group)
            for severity in SEVERITIES
        },
    }


def _volume(group: list[Record]) -> dict[str, Any]:
    """Complaints received each week, stacked by severity."""
    if not group:
        return {"labels": [], "series": [], "max": 1, "ticks": [0, 1], "label_every": 1}
    weeks = weeks_between(
        min(r.received for r in group), max(r.received for r in group)
    )
    index = {week: i for i, week in enumerate(weeks)}
    counts = {severity: [0] * len(weeks) for severity in SEVERITIES}
    for record in group:
        counts[record.severity][index[week_start(record.received)]] += 1
    totals = [sum(c[i] for c in counts.values()) for i in range(len(weeks))]
    marks = ticks(totals)
    return {
        "labels": [week.strftime("%d %b") for week in weeks],
        "series": [{"name": s, "values": counts[s]} for s in SEVERITIES],
        "max": marks[-1],
        "ticks": marks,
        "label_every": max(1, len(weeks) // 10),
    }


def _channels(group: list[Record]) -> dict[str, Any]:
    rows: list[dict[str, Any]] = []
    for channel in CHANNELS:
        mine = [r for r in group if r.channel == channel]
        if mine:
            by = Counter(r.severity for r in mine)
            rows.append(
                {"label": channel, "value": len(mine),
                 "parts": [{"name": s, "value": by[s]} for s in SEVERITIES]}
            )  # fmt: skip
    rows.sort(key=lambda row: -row["value"])
    return {"rows": rows, "max": max([1, *(r["value"] for r in rows)])}


def _breaches_by(
    group: list[Record], now: datetime, attribute: str, values: tuple[str, ...]
) -> dict[str, Any]:
    rows = []
    for value in values:
        mine = [r for r in group if getattr(r, attribute) == value]
        counts = breach_counts(mine, now)
        if counts["judged"]:
            rows.append({"label": value, **counts, "value": counts["rate"] * 100})
    return {"rows": rows, "max": 100}


def _routes(
    group: list[Record], steps: dict[str, list[dict[str, Any]]]
) -> dict[str, Any]:
    """Escalation routes: the commonest paths and the longest ones."""
    paths: Counter[tuple[str, ...]] = Counter()
    routes: list[dict[str, Any]] = []
    for record in group:
        route = steps.get(record.ref, [])
        if not route:
            continue
        path = (route[0]["from_member"], *(step["to_member"] for step in route))
        paths[path] += 1
        routes.append(
            {
                "ref": record.ref,
                "severity": record.severity,
                "levels": len(route),
                "path": list(path),
                "triggers": [
                    step["deadline"] + " breached" if step["trigger"] == "sweep"
                    else "manual"
                    for step in route
                ],
            }
        )  # fmt: skip
    triggers = Counter(step["trigger"] for route in steps.values() for step in route)
    common = sorted(paths.items(), key=lambda item: (-item[1], item[0]))[:8]
    longest = sorted(routes, key=lambda r: -r["levels"])[:8]
    return {
        "escalated": len(routes),
        "steps": sum(triggers.values()),
        "manual": triggers["manual"],
        "sweep": triggers["sweep"],
        "common": [
            {"path": list(p), "count": n, "label": " → ".join(p), "value": n}
            for p, n in common
        ],
        "common_max": max([n for _, n in common], default=1),
        "longest": longest,
    }


def _themes(group: list[Record]) -> dict[str, Any]:
    """Where complaints recur: counts by channel and severity (no tags yet)."""
    counts = Counter((r.channel, r.severity) for r in group if r.severity != "positive")
    channels = [c for c in CHANNELS if any(counts[(c, s)] for s in SEVERITIES)]
    severities = [s for s in SEVERITIES if s != "positive"]
    total = sum(counts.values())
    top = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:5]
    return {
        "channels": channels,
        "severities": severities,
        "cells": [[counts[(c, s)] for s in severities] for c in channels],
        "max": max(counts.values(), default=1),
        "top": [
            {"channel": c, "severity": s, "count": n, "share": rate(n, total)}
            for (c, s), n in top
        ],
    }


def _satisfaction(group: list[Record]) -> dict[str, Any]:
    """Survey scores, and service recovery (see customers.recovery)."""
    scored = [r.score for r in group if r.score is not None]
    distribution = Counter(scored)
    recovered = customers.recovery(group)
    return {
        "count": len(scored),
        "mean": mean(scored),
        "recovery_gap": recovered["gap"],
        "distribution": {
            "labels": [f"{score} of 5" for score in range(1, 6)],
            "series": [
                {"name": "accent", "values": [distribution[s] for s in range(1, 6)]}
            ],
            "max": axis_max(distribution.values()),
            "ticks": ticks(distribution.values()),
            "label_every": 1,
        },
        "recovery": recovered["rows"],
    }


def _listed(
    ledger: ComplaintLedger,
    group: list[Record],
    severity: str,
    as_of: datetime | None,
) -> dict[str, Any]:
    """The most recent complaints of a severity, with their text where allowed."""
    mine = [r for r in group if r.severity == severity]
    rows = []
    for record in sorted(mine, key=lambda r: -r.number)[:LISTED]:
        text = readable(ledger, record.ref, "report lessons", as_of)
        rows.append(
            {
                "ref": record.ref,
                "received_at": iso(record.received),
                "channel": record.channel,
                "status": record.status,
                "owner": record.owner,
                "escalations": record.level,
                "score": record.score,
                "text": None
                if text is None
                else {
                    "summary": text["summary"],
                    "resolution": text["resolution"],
                    "comment": (text["survey"] or {}).get("comment"),
                },
            }
        )
    return {"count": len(mine), "rows": rows, "more": max(0, len(mine) - LISTED)}
