"""What callers get back: plain dicts made from complaints and their events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from eventsourcing.domain import DomainEventProtocol

from ledger.domain.complaint import Complaint
from ledger.domain.grantees import meaning
from ledger.domain.timeutil import iso

_BOOKKEEPING = {"originator_id", "originator_version", "originator_topic", "timestamp"}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso(value)
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
        "escalations": _plain(complaint.escalations),
        "resolution": complaint.resolution,
        "survey": complaint.survey,
        "erased": complaint.erased,
        "version": complaint.version,
    }


def event_row(event: DomainEventProtocol[Any]) -> dict[str, Any]:
    """One event as `history --json` prints it."""
    state = vars(event)
    details = {
        k: _plain(v) for k, v in state.items() if k not in _BOOKKEEPING and k != "actor"
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
        "kind": kind,
        "details": details,
    }
