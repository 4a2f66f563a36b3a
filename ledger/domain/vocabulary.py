"""The words of the domain: severities, channels, roles, statuses, and limits."""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from ledger.errors import InvalidInput

E = TypeVar("E", bound=StrEnum)


class Severity(StrEnum):
    """How the customer felt, from praise to severe discomfort, in this order."""

    POSITIVE = "positive"
    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"


class Channel(StrEnum):
    """Where a complaint came from."""

    EMAIL = "email"
    PHONE = "phone"
    WEB = "web"
    CHAT = "chat"
    MEETING = "meeting"
    SURVEY = "survey"
    SOCIAL = "social"
    INTERNAL = "internal"
    OTHER = "other"


class Role(StrEnum):
    """What a team member may do."""

    AGENT = "agent"
    LEAD = "lead"
    MANAGER = "manager"
    AUDITOR = "auditor"
    COMPLIANCE = "compliance"
    ADMIN = "admin"


class Status(StrEnum):
    """Where a complaint stands in its lifecycle."""

    RECEIVED = "received"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    RESPONDED = "responded"
    RESOLVED = "resolved"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"
    WAITING = "waiting"  # on the customer: the deadlines' clock is stopped


OPEN_STATUSES = frozenset(
    {Status.RECEIVED, Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.RESPONDED}
)

# Who may do what. Auditors and compliance reviewers read; they never act.
WORKERS = (Role.AGENT, Role.LEAD, Role.MANAGER, Role.ADMIN)
ROUTERS = (Role.LEAD, Role.MANAGER, Role.ADMIN)
ADMINS = (Role.ADMIN,)

# The actions on one complaint, in the order a page offers them, and the
# roles each needs: the use cases check these, and a page offers an action
# only to those (ledger/domain/actions.py).
ACTION_ROLES: dict[str, tuple[Role, ...]] = {
    "ack": WORKERS,
    "triage": ROUTERS,
    "assign": ROUTERS,
    "escalate": ROUTERS,
    "note": WORKERS,
    "respond": WORKERS,
    "resolve": WORKERS,
    "reopen": WORKERS,
    "close": WORKERS,
    "withdraw": WORKERS,
    "wait": WORKERS,
    "resume": WORKERS,
    "survey": WORKERS,
    "confidential": ROUTERS,
    "grant": ROUTERS,
    "revoke": ROUTERS,
}


class ReadAction(StrEnum):
    """What the read side does, worded as a refusal names it."""

    LIST = "list complaints"
    SEE_VIEWS = "see the views"
    REBUILD_VIEWS = "rebuild the views"
    FOLLOW = "follow the log"
    REPORT = "generate reports"
    ACCESS_REPORT = "generate the access report"


# Who may do each: anyone in the team, but the views are rebuilt by an admin
# and who read what is reviewed by compliance, auditors and admins.
READ_ROLES: dict[ReadAction, tuple[Role, ...]] = {
    **dict.fromkeys(ReadAction, tuple(Role)),
    ReadAction.REBUILD_VIEWS: ADMINS,
    ReadAction.ACCESS_REPORT: (Role.COMPLIANCE, Role.AUDITOR, Role.ADMIN),
}

WILDCARD = "*"
IMPORT_FORMATS = ("csv", "jsonl", "eml", "mbox")
DEADLINE_NAMES = ("ack", "respond", "resolve")
# The roles in the order of the escalation ladder: escalating never hands a
# complaint down this order. An admin administers the ledger and stands on
# a ladder only where it names them (or `role:admin`).
ROLE_RANK: dict[str, int] = {Role.AGENT: 1, Role.LEAD: 2, Role.MANAGER: 3}

# Limits on free text, in characters, so that one event stays a sensible size.
MAX_SUMMARY = 500
MAX_TEXT = 100_000
MAX_NAME = 200


def one_of(kind: type[E], value: str, what: str) -> E:
    """`value` as a member of `kind`; refused, naming the choices, when it is
    none of them (the CLI's options check this before a use case is called;
    the service's requests reach the use case unchecked)."""
    try:
        return kind(value)
    except ValueError:
        choices = ", ".join(member.value for member in kind)
        raise InvalidInput(f"'{value}' is not a {what}: use one of {choices}") from None
