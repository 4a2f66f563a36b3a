"""What callers get back: plain dicts made from complaints and their events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol

from ledger.domain.complaint import TEXT_FIELDS, Complaint
from ledger.domain.grantees import meaning
from ledger.domain.identity import CLAIMED
from ledger.domain.timeutil import iso

_BOOKKEEPING = {"originator_id", "originator_version", "originator_topic", "timestamp"}
# Who acted and how they proved it: the row's own fields, not the event's details.
_IDENTITY = {"actor", "proof", "address"}
# Details added to existing kinds of event since (a calendar, deadlines
# computed anew, a ladder's rung): shown only when they say something, so
# that the history of a ledger without calendars or ladders reads as before.
_SINCE = {"calendar", "deadlines", "rung"}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, UUID):
        return str(value)  # an outbox message's id
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def complaint_view(complaint: Complaint) -> dict[str, Any]:
    """The complaint as `show --json` prints it."""
    return {
        "ref": complaint.ref,
        "id": str(complaint.id),
        "project": complaint.project,
        "channel": complaint.channel,
        "source": complaint.source,
        "severity": complaint.severity,
        "status": str(complaint.status),
        "owner": complaint.owner,
        "confidential": complaint.confidential,
        "allowed": [
            dict(zip(("kind", "name"), meaning(entry), strict=True))
            for entry in sorted(complaint.allowed)
        ],
        "summary": complaint.summary,
        "detail": complaint.detail,
        "customer": complaint.customer,
        "contact": complaint.contact,
        "external_id": complaint.external_id,
        "received_at": iso(complaint.received_at),
        "deadlines": _plain(complaint.deadlines),
        # The calendar the deadlines count on (name, version), None around
        # the clock; since when it waits on the customer, if it does.
        "calendar": complaint.calendar,
        "waiting_since": iso(complaint.waiting["since"]) if complaint.waiting else None,
        "escalations": _plain(complaint.escalations),
        "resolution": complaint.resolution,
        "survey": complaint.survey,
        # The customer's replies by mail, oldest first.
        "replies": _plain(complaint.replies),
        "erased": complaint.erased,
        "version": complaint.version,
    }


FILED_FIELDS = ("ref", "id", "owner", "deadlines")


def filed(view: dict[str, Any]) -> dict[str, Any]:
    """What filing a complaint (a `complaint_view` of it) tells its caller,
    as `file --json` prints it."""
    return {k: view[k] for k in FILED_FIELDS}


OUTCOME_FIELDS = ("ref", "id", "status", "severity", "owner", "confidential", "allowed")


def outcome(view: dict[str, Any]) -> dict[str, Any]:
    """What an action on a complaint (a `complaint_view` after it) tells its
    caller, as the CLI's one line does: where the complaint now stands, none
    of its text, which the actor may not be allowed to read; the escalation
    level and, after a grant or revoke, whom it concerned."""
    shown = {k: view[k] for k in OUTCOME_FIELDS}
    shown["level"] = view["escalations"][-1]["level"] if view["escalations"] else 0
    if "grantee" in view:
        shown["grantee"] = view["grantee"]
    return shown


def event_row(event: DomainEventProtocol[Any]) -> dict[str, Any]:
    """One event as `history --json` prints it."""
    state = vars(event)
    details = {
        k: _plain(v)
        for k, v in state.items()
        if k not in _BOOKKEEPING
        and k not in _IDENTITY
        and not (k in _SINCE and v is None)
    }
    kind = type(event).__name__.lower()
    if kind == "triaged":
        # Triage is the assessment step: keeping the severity is an outcome too.
        same = details["severity"] == details["previous"]
        details["assessment"] = "confirmed" if same else "changed"
    return {
        "seq": event.originator_version,
        "at": iso(state["timestamp"]),
        "actor": state.get("actor"),
        # Events saved under an identity the service verified say how
        # (`password`, `oidc`, `token:<id>`) and from which address.
        "proof": state.get("proof") or CLAIMED,
        "address": state.get("address"),
        "kind": kind,
        "details": details,
    }


@dataclass(frozen=True)
class RouteStep:
    """One event of a complaint's route and the complaint just after it."""

    kind: str  # the event's class name: `Filed`, `Escalated`
    number: int  # the complaint's
    event: dict[str, Any]  # as `history` gives it
    complaint: dict[str, Any]  # as `show` gives it
    text_details: frozenset[str]  # the event's details that hold text


def route_step(event: DomainEventProtocol[Any], complaint: Complaint) -> RouteStep:
    """The event and the complaint after it, text and all."""
    row = event_row(event)
    text = frozenset(
        k for k, v in row["details"].items() if k in TEXT_FIELDS and v is not None
    )
    return RouteStep(
        type(event).__name__, complaint.number, row, complaint_view(complaint), text
    )


def without_text(step: RouteStep) -> RouteStep:
    """The step with every text of the event and the complaint taken out (as
    None), for a reader who may not see them; which details held text stays."""
    view: dict[str, Any] = {
        k: None if k in TEXT_FIELDS else v for k, v in step.complaint.items()
    }
    survey, escalations = step.complaint["survey"], step.complaint["escalations"]
    if survey is not None:
        view["survey"] = {**survey, "comment": None}
    view["escalations"] = [{**e, "reason": None} for e in escalations]
    view["replies"] = [
        {**r, "from": None, "subject": None, "message": None}
        for r in step.complaint["replies"]
    ]
    details = {
        k: None if k in step.text_details else v
        for k, v in step.event["details"].items()
    }
    event = {**step.event, "details": details, "address": None}
    return RouteStep(step.kind, step.number, event, view, step.text_details)
