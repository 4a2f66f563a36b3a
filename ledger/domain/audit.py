"""Records of reading: who read, exported or was refused a confidential
complaint, who generated which report, and who signed in and out.

Each record is an aggregate of its own, created by one event, so that
recording a read never contends with anything else written to the ledger.
The use cases import this module where they record, not at the top: defining
aggregates' event classes is much of a command's start-up time, and filing
does not need these.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.domain import kinds
from ledger.domain.topics import keep_topics


class ReportRun(Aggregate):
    """One report, generated once, by one member."""

    @event(kinds.GENERATED)
    def __init__(
        self,
        id: UUID,
        report: str,
        parameters: dict[str, Any],
        covering: int,
        actor: str,
        timestamp: datetime,
    ) -> None:
        self.report = report
        self.parameters = dict(parameters)
        self.covering = covering


class Access(Aggregate):
    """One read, export or refused attempt on a confidential complaint."""

    @event(kinds.RECORDED)
    def __init__(
        self,
        id: UUID,
        complaint_id: UUID,
        ref: str,
        action: str,
        purpose: str,
        host_user: str,
        actor: str,
        timestamp: datetime,
    ) -> None:
        self.complaint_id = complaint_id
        self.action = action


class KeyRotation(Aggregate):
    """One rotation of the master key: which key replaced which (key ids, which
    name keys without revealing them)."""

    @event(kinds.ROTATED)
    def __init__(
        self,
        id: UUID,
        old_master: str,
        new_master: str,
        data_keys: int,
        actor: str,
        timestamp: datetime,
    ) -> None:
        self.new_master = new_master


class SignIn(Aggregate):
    """One attempt to sign in to `plaint serve`: the member (or the name
    tried), how (`password`, `oidc`), from where, and whether it worked."""

    @event(kinds.ATTEMPTED)
    def __init__(
        self,
        id: UUID,
        member: str,
        outcome: str,
        proof: str,
        address: str | None,
        reason: str | None,
        actor: str,
        timestamp: datetime,
    ) -> None:
        self.member = member
        self.outcome = outcome


class SignOut(Aggregate):
    """One member signing out, ending a session."""

    @event(kinds.SIGNED_OUT)
    def __init__(
        self,
        id: UUID,
        member: str,
        proof: str,
        address: str | None,
        actor: str,
        timestamp: datetime,
    ) -> None:
        self.member = member


keep_topics("ledger.audit", ReportRun, Access, KeyRotation, SignIn, SignOut)
