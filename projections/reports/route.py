"""The route report of one complaint, for auditors: every event in order, the
state after it, its deadlines at that point, and the complaint as it stood at
each escalation.

Whether the text is shown is the ledger's decision (`readable`, which also
records the export of a confidential complaint); the events and the state
after each come from replaying the complaint one event at a time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from ledger.domain.complaint import TEXT_FIELDS, Complaint
from ledger.domain.kinds import kind_of
from ledger.domain.lifecycle import MEETS
from ledger.domain.plain import complaint_view, event_row
from ledger.domain.timeutil import iso, parse_time
from ledger.domain.vocabulary import DEADLINE_NAMES
from projections.reports.common import Deadline, Record, readable

if TYPE_CHECKING:
    from ledger.application import ComplaintLedger

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
    show_text = readable(ledger, ref, "report route") is not None
    replayed = _replay(ledger, ref)
    records = [(record, view) for record, view, _ in replayed]
    events = []
    for record, view, row in replayed:
        state = {**{k: view[k] for k in STATE_FIELDS[:3]}, "level": record.level}
        events.append(
            {
                "seq": row["seq"],
                "at": row["at"],
                "actor": row["actor"],
                "kind": row["kind"],
                "details": _details(row["details"], show_text),
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


def _replay(
    ledger: ComplaintLedger, ref: str
) -> list[tuple[Record, dict[str, Any], dict[str, Any]]]:
    """The complaint after each of its events: as a record (for deadline
    outcomes), as `show` would give it, and the event as `history` would."""
    complaint = ledger.complaint(ref)
    met: dict[str, datetime] = {}
    found = []
    aggregate: Complaint | None = None
    event: Any
    for event in ledger.events.get(complaint.id):
        aggregate = event.mutate(aggregate)
        assert aggregate is not None
        name = MEETS.get(kind_of(event))
        if name is not None and name not in met:
            met[name] = event.timestamp
        record = Record(
            ref=aggregate.ref,
            number=aggregate.number,
            project=aggregate.project,
            channel=aggregate.channel,
            severity=aggregate.severity,
            status=str(aggregate.status),
            owner=aggregate.owner,
            received=aggregate.received_at,
            level=len(aggregate.escalations),
            score=(aggregate.survey or {}).get("score"),
            deadlines={
                n: Deadline(aggregate.deadlines.get(n), met.get(n))
                for n in DEADLINE_NAMES
            },
        )
        found.append((record, complaint_view(aggregate), event_row(event)))
    return found


def _details(details: dict[str, Any], show_text: bool) -> list[dict[str, Any]]:
    rows = []
    for name, value in details.items():
        if name in HIDDEN_DETAILS or value is None:
            continue
        text = name in TEXT_FIELDS
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        rows.append(
            {
                "name": name.replace("_", " "),
                "value": None if text and not show_text else value,
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
