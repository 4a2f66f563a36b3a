"""The route report of one complaint, for auditors: every event in order, the
state after it, its deadlines at that point, whether a signed and a witnessed
checkpoint cover it, and the complaint as it stood at each escalation.

The ledger replays the complaint one event at a time and decides whether
the text is shown (taking it out when not, and recording the export of a
confidential complaint when so); this lays the steps out for the page.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from ledger.domain.ladder import rung_of
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
    ("answer", "Responded and resolved", {"responded", "replied", "resolved",
                                          "reopened", "closed", "withdrawn"}),
    ("other", "Notes and surveys", set()),
)  # fmt: skip
HIDDEN_DETAILS = {"number", "deadlines"}
STATE_FIELDS = ("status", "owner", "severity", "level", "rung")


def route(ledger: ComplaintLedger, ref: str) -> dict[str, Any]:
    """Every event of the complaint with the state after it, as plain data."""
    return laid_out(ledger, *ledger.route(ref, "report route"))


def laid_out(
    ledger: ComplaintLedger, show_text: bool, steps: list[RouteStep]
) -> dict[str, Any]:
    """The route report's data from a complaint's route steps (the report's,
    and the staff page of the complaint's timeline and escalation steps);
    the ledger gives the ladder, the team and the log's coverage."""
    covered = ledger.log_coverage(steps[0].complaint["ref"])
    replayed = _records(steps)
    records = [(record, step.complaint) for record, step in replayed]
    first = steps[0].complaint
    # The ladder of the complaint's channel and severity as the policy has
    # it now; the rung of an escalation is the one it recorded, if any.
    ladder = ledger.ladder(first["channel"], steps[-1].complaint["severity"])
    members = {m["name"]: m["role"] for m in ledger.members()}
    events = []
    for record, step in replayed:
        row, view = step.event, step.complaint
        state = {**{k: view[k] for k in STATE_FIELDS[:3]}, "level": record.level}
        last = view["escalations"][-1] if view["escalations"] else {}
        rung = last.get("rung") if step.kind == "Escalated" else None
        state["rung"] = rung or rung_of(ladder, members, view["owner"])
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
                "signed": row["seq"] <= covered["signed"],
                "witnessed": row["seq"] <= covered["witnessed"],
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
        "ladder": ladder,
        "calendar": final["calendar"],
        "waits": _waits(events, parse_time(final["received_at"])),
    }


def _waits(events: list[dict[str, Any]], received: datetime) -> dict[str, Any]:
    """The waits on the customer: each from when to when (None while it
    lasts), the working seconds the clock stood still, and the totals."""
    waits: list[dict[str, Any]] = []
    for event in events:
        details = {d["name"]: d["value"] for d in event["details"]}
        if event["kind"] == "waited":
            waits.append({"since": event["at"], "until": None, "paused": None})
        elif event["kind"] == "resumed" and waits:
            waits[-1].update(until=event["at"], paused=details.get("paused", 0))
    waited = sum(
        (parse_time(w["until"]) - parse_time(w["since"])).total_seconds()
        for w in waits
        if w["until"]
    )
    return {
        "steps": waits,
        "waited": int(waited),
        "paused": sum(w["paused"] or 0 for w in waits),
        "received": iso(received),
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
                "rung": event["state"]["rung"],
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
