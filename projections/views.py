"""The views, as functions of events: each event becomes a few row changes.

Views hold metadata only (ids, ref, project, channel, severity, status, owner,
times, deadlines, escalation steps, survey score); complaint text and personal
data stay inside the encrypted events. Every change is written without reading
the view first (a conditional update where the new value depends on the old),
so replaying the same events always gives the same rows. What a change is,
and a table, is in projections/changes.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ledger.domain import kinds
from ledger.domain.identity import CLAIMED
from ledger.domain.kinds import kind_of
from ledger.domain.lifecycle import (
    BEFORE_WORK,
    IN_WORK,
    MEETS,
    STARTS_WORK,
    STATUS_AFTER,
)
from ledger.domain.reference import reference
from ledger.domain.timeutil import stamp
from ledger.domain.vocabulary import DEADLINE_NAMES
from projections.changes import Change, Delete, Table, Update, Upsert

COMPLAINTS = Table(
    "plaint_view_complaints",
    (
        ("id", "TEXT"), ("ref", "TEXT"), ("number", "INTEGER"), ("project", "TEXT"),
        ("channel", "TEXT"), ("severity", "TEXT"), ("status", "TEXT"),
        ("owner", "TEXT"), ("confidential", "INTEGER"), ("received_at", "TEXT"),
        ("filed_at", "TEXT"), ("updated_at", "TEXT"), ("version", "INTEGER"),
        ("escalation_level", "INTEGER"), ("survey_score", "INTEGER"),
        ("erased", "INTEGER"),
    ),
    key=("id",),
    # Each filter's index ends in the filing order, so that a page of
    # complaints (projections/queries.py) reads its rows in order and stops.
    indexes=(("number",), ("project", "status", "number"),
             ("owner", "status", "number")),
)  # fmt: skip
DEADLINES = Table(
    "plaint_view_deadlines",
    (("complaint_id", "TEXT"), ("name", "TEXT"), ("due", "TEXT"), ("met_at", "TEXT")),
    key=("complaint_id", "name"),
    indexes=(("due",),),
)
ESCALATIONS = Table(
    "plaint_view_escalations",
    (
        ("complaint_id", "TEXT"), ("level", "INTEGER"), ("at", "TEXT"),
        ("by_member", "TEXT"), ("from_member", "TEXT"), ("to_member", "TEXT"),
        ("trigger", "TEXT"), ("deadline", "TEXT"),
    ),
    key=("complaint_id", "level"),
)  # fmt: skip
CLOCKS = Table(
    "plaint_view_clocks",
    (("complaint_id", "TEXT"), ("calendar", "TEXT"), ("version", "INTEGER")),
    key=("complaint_id",),
)
WAITS = Table(
    "plaint_view_waits",
    (
        ("complaint_id", "TEXT"), ("since", "TEXT"), ("until", "TEXT"),
        ("paused", "INTEGER"), ("by_member", "TEXT"),
    ),
    key=("complaint_id", "since"),
)  # fmt: skip
MEMBERS = Table(
    "plaint_view_members",
    (("name", "TEXT"), ("role", "TEXT"), ("since", "TEXT")),
    key=("name",),
)
POLICY = Table(
    "plaint_view_policy",
    (
        ("channel", "TEXT"), ("severity", "TEXT"), ("owner", "TEXT"),
        ("escalate_to", "TEXT"), ("ack", "INTEGER"), ("respond", "INTEGER"),
        ("resolve", "INTEGER"),
    ),
    key=("channel", "severity"),
)  # fmt: skip

GRANTS = Table(
    "plaint_view_grants",
    (
        ("complaint_id", "TEXT"), ("grantee", "TEXT"), ("granted_at", "TEXT"),
        ("granted_by", "TEXT"), ("revoked_at", "TEXT"), ("revoked_by", "TEXT"),
    ),
    key=("complaint_id", "grantee"),
)  # fmt: skip
# Named anew when `proof` was added (the views have no migrations): a ledger
# with the old table builds this one from the log; the old one stays unread.
ACCESS = Table(
    "plaint_view_accesses",
    (
        ("id", "TEXT"), ("complaint_id", "TEXT"), ("ref", "TEXT"), ("at", "TEXT"),
        ("member", "TEXT"), ("action", "TEXT"), ("purpose", "TEXT"),
        ("host_user", "TEXT"), ("proof", "TEXT"),
    ),
    key=("id",),
    indexes=(("at",), ("complaint_id",)),
)  # fmt: skip
# The outbox: each message queued to a customer and how it ended (its
# recipient and text stay in the sealed MailQueued event).
OUTBOX = Table(
    "plaint_view_outbox",
    (
        ("message", "TEXT"), ("complaint_id", "TEXT"), ("purpose", "TEXT"),
        ("queued_at", "TEXT"), ("not_before", "TEXT"),
        ("state", "TEXT"), ("ended_at", "TEXT"), ("attempts", "INTEGER"),
    ),
    key=("message",),
    indexes=(("state", "not_before"),),
)  # fmt: skip
MAIL_ENDS = {
    kinds.MAIL_SENT: "sent",
    kinds.MAIL_FAILED: "failed",
    kinds.MAIL_CANCELLED: "cancelled",
}


def complaints(event: Any) -> list[Change]:
    """The complaint's current state."""
    kind = kind_of(event)
    key = {"id": event.originator_id.hex}
    touched = {
        "updated_at": stamp(event.timestamp),
        "version": event.originator_version,
    }
    if kind == kinds.FILED:
        return [Upsert(COMPLAINTS, {
            **key, "ref": reference(event.number), "number": event.number,
            "project": event.project, "channel": event.channel,
            "severity": event.severity, "status": str(STATUS_AFTER[kinds.FILED]),
            "owner": event.owner, "confidential": 0,
            "received_at": stamp(event.received_at),
            "filed_at": touched["updated_at"], **touched,
            "escalation_level": 0, "survey_score": None, "erased": 0,
        })]  # fmt: skip
    changes: list[Change] = [Update(COMPLAINTS, key, touched)]
    if kind in STATUS_AFTER:
        changes.append(Update(COMPLAINTS, key, {"status": str(STATUS_AFTER[kind])}))
    if kind == kinds.TRIAGED:
        changes.append(Update(COMPLAINTS, key, {"severity": event.severity}))
    if kind == kinds.RESUMED:
        changes.append(Update(COMPLAINTS, key, {"status": event.status}))
    if kind == kinds.ASSIGNED:
        changes.append(Update(COMPLAINTS, key, {"owner": event.owner}))
    if kind == kinds.ESCALATED:
        values = {"owner": event.to, "escalation_level": event.level}
        changes.append(Update(COMPLAINTS, key, values))
    if kind in STARTS_WORK:
        changes.append(
            Update(
                COMPLAINTS,
                key,
                {"status": str(IN_WORK)},
                when={"status": str(BEFORE_WORK)},
            )
        )
    if kind == kinds.SURVEYED:
        changes.append(Update(COMPLAINTS, key, {"survey_score": event.score}))
    if kind == kinds.MADE_CONFIDENTIAL:
        changes.append(Update(COMPLAINTS, key, {"confidential": 1}))
    if kind == kinds.ERASED:
        changes.append(Update(COMPLAINTS, key, {"erased": 1}))
    return changes


def deadlines(event: Any) -> list[Change]:
    """Each deadline of each complaint: when it is due, and when it was met."""
    kind = kind_of(event)
    complaint_id = event.originator_id.hex
    if kind == kinds.FILED:
        # A row for every deadline, due or not, so its met-at time is known.
        return [
            Upsert(DEADLINES, {
                "complaint_id": complaint_id, "name": name,
                "due": stamp(event.deadlines.get(name)), "met_at": None,
            })
            for name in DEADLINE_NAMES
        ]  # fmt: skip
    # Deadlines computed anew (by a triage that changed the severity, since
    # the Triaged events that carry them) or moved on by a wait.
    moved = getattr(event, "deadlines", None) if kind in _MOVES else None
    if moved is not None:
        return [
            Update(DEADLINES, {"complaint_id": complaint_id, "name": name},
                   {"due": stamp(due)})
            for name, due in moved.items()
        ]  # fmt: skip
    if kind not in MEETS:
        return []
    key = {"complaint_id": complaint_id, "name": MEETS[kind]}
    met = {"met_at": stamp(event.timestamp)}
    return [Update(DEADLINES, key, met, when={"met_at": None})]


_MOVES = (kinds.TRIAGED, kinds.RESUMED)


def clocks(event: Any) -> list[Change]:
    """The calendar each complaint's deadlines count on, where one does."""
    kind = kind_of(event)
    if kind not in (kinds.FILED, *_MOVES):
        return []
    calendar = getattr(event, "calendar", None)
    if kind == kinds.TRIAGED and getattr(event, "deadlines", None) is None:
        return []
    key = {"complaint_id": event.originator_id.hex}
    if calendar is None:
        return [] if kind == kinds.FILED else [Delete(CLOCKS, key)]
    row = {**key, "calendar": calendar["name"], "version": calendar["version"]}
    return [Upsert(CLOCKS, row)]


def waits(event: Any) -> list[Change]:
    """Each wait on the customer: from when, until when, and the working
    seconds the clock stood still (the reason stays in the event)."""
    kind = kind_of(event)
    complaint_id = event.originator_id.hex
    if kind == kinds.WAITED:
        return [
            Upsert(WAITS, {
                "complaint_id": complaint_id, "since": stamp(event.timestamp),
                "until": None, "paused": None, "by_member": event.actor,
            })
        ]  # fmt: skip
    if kind == kinds.RESUMED:
        key = {"complaint_id": complaint_id, "since": stamp(event.since)}
        ended = {"until": stamp(event.timestamp), "paused": event.paused}
        return [Update(WAITS, key, ended)]
    return []


def escalations(event: Any) -> list[Change]:
    """Every step of every escalation route."""
    if kind_of(event) != kinds.ESCALATED:
        return []
    return [
        Upsert(ESCALATIONS, {
            "complaint_id": event.originator_id.hex, "level": event.level,
            "at": stamp(event.timestamp), "by_member": event.actor,
            "from_member": event.previous, "to_member": event.to,
            "trigger": event.trigger, "deadline": event.deadline,
        })
    ]  # fmt: skip


def grants(event: Any) -> list[Change]:
    """Who may read each confidential complaint, since when, and until when."""
    kind = kind_of(event)
    if kind not in (kinds.MADE_CONFIDENTIAL, kinds.GRANTED, kinds.REVOKED):
        return []
    complaint_id = event.originator_id.hex
    if kind == kinds.REVOKED:
        key = {"complaint_id": complaint_id, "grantee": event.member}
        revoked = {"revoked_at": stamp(event.timestamp), "revoked_by": event.actor}
        return [Update(GRANTS, key, revoked)]
    granted = {"granted_at": stamp(event.timestamp), "granted_by": event.actor,
               "revoked_at": None, "revoked_by": None}  # fmt: skip
    grantees = event.allow if kind == kinds.MADE_CONFIDENTIAL else [event.member]
    return [
        Upsert(GRANTS, {"complaint_id": complaint_id, "grantee": name, **granted})
        for name in grantees
    ]


def access(event: Any) -> list[Change]:
    """Every read, export and refused attempt on a confidential complaint."""
    if kind_of(event) != kinds.RECORDED:
        return []
    return [
        Upsert(ACCESS, {
            "id": event.originator_id.hex, "complaint_id": event.complaint_id.hex,
            "ref": event.ref, "at": stamp(event.timestamp), "member": event.actor,
            "action": event.action, "purpose": event.purpose,
            "host_user": event.host_user,
            "proof": getattr(event, "proof", None) or CLAIMED,
        })
    ]  # fmt: skip


def outbox(event: Any) -> list[Change]:
    """Every message queued to a customer: pending, sent, failed or cancelled."""
    kind = kind_of(event)
    if kind == kinds.MAIL_QUEUED:
        return [
            Upsert(OUTBOX, {
                "message": event.mail.hex, "complaint_id": event.originator_id.hex,
                "purpose": event.purpose,
                "queued_at": stamp(event.timestamp),
                "not_before": stamp(event.not_before), "state": "pending",
                "ended_at": None, "attempts": 0,
            })
        ]  # fmt: skip
    if kind not in MAIL_ENDS:
        return []
    ended = {"state": MAIL_ENDS[kind], "ended_at": stamp(event.timestamp),
             "attempts": getattr(event, "attempts", 0)}  # fmt: skip
    return [Update(OUTBOX, {"message": event.mail.hex}, ended)]


def team(event: Any) -> list[Change]:
    """The members and their roles."""
    kind = kind_of(event)
    since = stamp(event.timestamp)
    if kind == kinds.FOUNDED:
        return [Upsert(MEMBERS, {"name": event.admin, "role": "admin", "since": since})]
    if kind in (kinds.MEMBER_ADDED, kinds.ROLE_CHANGED):
        row = {"name": event.name, "role": event.role, "since": since}
        return [Upsert(MEMBERS, row)]
    if kind == kinds.MEMBER_REMOVED:
        return [Delete(MEMBERS, {"name": event.name})]
    return []


def policy(event: Any) -> list[Change]:
    """The policy's rules."""
    if kind_of(event) != kinds.RULE_SET:
        return []
    rule = event.rule
    return [
        Upsert(POLICY, {
            "channel": event.channel, "severity": event.severity,
            "owner": rule.get("owner"), "escalate_to": rule.get("escalate_to"),
            "ack": rule.get("ack"), "respond": rule.get("respond"),
            "resolve": rule.get("resolve"),
        })
    ]  # fmt: skip


@dataclass(frozen=True)
class View:
    """A named view: its tables, the events it reads, and its fold."""

    name: str
    tables: tuple[Table, ...]
    aggregate: str
    process_event: Callable[[Any], list[Change]]


VIEWS = (
    View("complaints", (COMPLAINTS,), "Complaint", complaints),
    View("deadlines", (DEADLINES,), "Complaint", deadlines),
    View("escalations", (ESCALATIONS,), "Complaint", escalations),
    View("clocks", (CLOCKS,), "Complaint", clocks),
    View("waits", (WAITS,), "Complaint", waits),
    View("grants", (GRANTS,), "Complaint", grants),
    View("accesses", (ACCESS,), "Access", access),
    View("outbox", (OUTBOX,), "Complaint", outbox),
    View("team", (MEMBERS,), "Team", team),
    View("policy", (POLICY,), "Policy", policy),
)
