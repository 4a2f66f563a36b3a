"""The route report of one complaint, for auditors: every event in order, the
state after it, its deadlines at that point, and the complaint as it stood at
each escalation.

The ledger replays the complaint one event at a time and decides whether
the text is shown (taking it out when not, and recording the export of a
confidential complaint when so); this lays the steps out for the page.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from ledger.domain.lifecycle import MEETS
from ledger.domain.timeutil import iso, parse_time
from ledger.domain.vocabulary import DEADLINE_NAMES
from projections.reports.common import Deadline, Record

if TYPE_CHECKING:
    from ledger.application import ComplaintLedger
    from ledger.domain.plain import RouteStep

LANES: tuple[tuple[str, str, set[str]], ...] = (
    ("intake", "Received and acknowledged", {"filed", "acknowledged", "triaged"}),
    ("route", "Assigned and escalated", {"assigned", "escalated"}),
    ("answer", "Responded and resolved", {"responded", "resolved", "reopened",
                                          "closed", "withdrawn"}),
    ("other", "Notes and surveys", set()),
)  # fmt: skip
HIDDEN_DETAILS = {"number", "deadlines"}
STATE_FIELDS = ("status", "owner", "severity", "level")


def route(ledger: ComplaintLedger, ref: str) -> dict[str, Any]:
    """Every event of the complaint with the state after it, as plain data."""
    return laid_out(*ledger.route(ref, "report route"))


def laid_out(show_text: bool, steps: list[RouteStep]) -> dict[str, Any]:
    """The route report's data from a complaint's route steps (the report's,
    and the staff page of the complaint's timeline and escalation steps)."""
    replayed = _records(steps)
    records = [(record, step.complaint) for record, step in replayed]
    events = []
    for record, step in replayed:
        row, view = step.event, step.complaint
        state = {**{k: view[k] for k in STATE_FIELDS[:3]}, "level": record.level}
        events.append(
            {
                "seq": row["seq"],
                "at": row["at"],
                "actor": row["actor"],
                "kind": row["kind"],
                "details": _details(row["details"], step.text_details, show_text),
                "state": state,
                "changed": [],
                "deadlines": _deadlines(record, parse_time(row["at"])),
            }
        )
    for before, after in pairwise(events):
        after["changed"] = [
            k for k in STATE_FIELDS if before["state"][k] != after["state"][k]
        ]
    final = records[-1][1]
    return {
        "ref": final["ref"],
        "complaint": _complaint(final, show_text),
        "events": events,
        "escalations": _escalations(events, records, show_text),
        "timeline": _timeline(events, final),
        "text_shown": show_text,
    }


def _records(steps: list[RouteStep]) -> list[tuple[Record, RouteStep]]:
    """Each step with the complaint after it as a record, for deadline outcomes."""
    met: dict[str, datetime] = {}
    found = []
    for step in steps:
        view = step.complaint
        name = MEETS.get(step.kind)
        if name is not None and name not in met:
            met[name] = parse_time(step.event["at"])
        record = Record(
            ref=view["ref"],
            number=step.number,
            project=view["project"],
            channel=view["channel"],
            severity=view["severity"],
            status=view["status"],
            owner=view["owner"],
            received=parse_time(view["received_at"]),
            level=len(view["escalations"]),
            score=(view["survey"] or {}).get("score"),
            deadlines={
                n: Deadline(_time(view["deadlines"].get(n)), met.get(n))
                for n in DEADLINE_NAMES
            },
        )
        found.append((record, step))
    return found


def _time(text: str | None) -> datetime | None:
    return None if text is None else parse_time(text)


def _details(
    details: dict[str, Any], text_details: frozenset[str], show_text: bool
) -> list[dict[str, Any]]:
    rows = []
    for name, value in details.items():
        text = name in text_details
        if name in HIDDEN_DETAILS or (value is None and not text):
            continue
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        rows.append(
            {
                "name": name.replace("_", " "),
                "value": value,
                "time": name.endswith("_at"),
                "text": text,
                "withheld": text and not show_text,
            }
        )
    return rows


def _deadlines(record: Record, at: datetime) -> list[dict[str, Any]]:
    return [
        {
            "name": name,
            "due": iso(record.deadlines[name].due),
            "met_at": iso(record.deadlines[name].met),
            "outcome": record.outcome(name, at),
        }
        for name in DEADLINE_NAMES
        if record.deadlines[name].due is not None
    ]


def _complaint(view: dict[str, Any], show_text: bool) -> dict[str, Any]:
    text = {
        name: view[name] if show_text else None
        for name in ("summary", "detail", "customer", "source", "resolution")
    }
    survey = view["survey"]
    return {
        **{k: view[k] for k in ("ref", "project", "channel", "severity", "status",
                                "owner", "received_at", "deadlines")},
        **text,
        "score": survey["score"] if survey else None,
        "comment": survey["comment"] if survey and show_text else None,
        "escalations": len(view["escalations"]),
    }  # fmt: skip


def _escalations(
    events: list[dict[str, Any]],
    records: list[tuple[Record, dict[str, Any]]],
    show_text: bool,
) -> list[dict[str, Any]]:
    """Each escalation, with the complaint as it stood just before it."""
    found = []
    for index, event in enumerate(events):
        if event["kind"] != "escalated" or index == 0:
            continue
        record, view = records[index]
        before = events[index - 1]
        step = view["escalations"][-1]
        at = parse_time(event["at"])
        found.append(
            {
                "seq": event["seq"],
                "at": event["at"],
                "by": step["by"],
                "from": step["from"],
                "to": step["to"],
                "level": step["level"],
                "trigger": step["trigger"],
                "deadline": step["deadline"],
                "reason": step["reason"] if show_text else None,
                "age": int((at - record.received).total_seconds()),
                "events_before": index,
                "state": before["state"],
                "deadlines": _deadlines(records[index - 1][0], at),
                "summary": view["summary"] if show_text else None,
            }
        )
    return found


def _timeline(events: list[dict[str, Any]], view: dict[str, Any]) -> dict[str, Any]:
    """Where each event and deadline falls on one time axis, as fractions."""
    start = parse_time(view["received_at"])
    times = [parse_time(e["at"]) for e in events]
    dues = {n: parse_time(d) for n, d in view["deadlines"].items() if d is not None}
    end = max([*times, *dues.values(), start])
    span = (end - start).total_seconds() or 1.0

    def place(moment: datetime) -> float:
        return round(max(0.0, (moment - start).total_seconds()) / span, 4)

    lane_of = {kind: i for i, (_, _, kinds) in enumerate(LANES) for kind in kinds}
    outcomes = (
        {d["name"]: d["outcome"] for d in events[-1]["deadlines"]} if events else {}
    )
    return {
        "start": iso(start),
        "end": iso(end),
        "lanes": [label for _, label, _ in LANES],
        "points": [
            {"x": place(t), "lane": lane_of.get(e["kind"], len(LANES) - 1),
             "kind": e["kind"], "seq": e["seq"], "at": e["at"]}
            for e, t in zip(events, times, strict=True)
        ],
        "deadlines": _marks(dues, outcomes, place),
    }  # fmt: skip


def _marks(
    dues: dict[str, datetime],
    outcomes: dict[str, str],
    place: Callable[[datetime], float],
) -> list[dict[str, Any]]:
    """The deadlines on the axis; a label close to the one before it goes on
    the other row, so that the two stay readable."""
    marks, last, row = [], -1.0, 0
    for name, due in sorted(dues.items(), key=lambda item: item[1]):
        x = place(due)
        row = 1 - row if x - last < 0.18 else 0
        last = x
        marks.append(
            {"name": name, "x": x, "due": iso(due), "row": row,
             "outcome": outcomes.get(name, "pending")}
        )  # fmt: skip
    return marks
