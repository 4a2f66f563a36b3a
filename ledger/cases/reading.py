"""Use cases of reading: confidentiality, show, history, reports, info."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime
from itertools import takewhile
from typing import Any, cast
from uuid import uuid4

from eventsourcing.application import (
    project_aggregate,
)

from ledger.cases.common import CaseBase
from ledger.crypto.keyfiles import (
    key_source,
    signing_key_file,
)
from ledger.domain.complaint import Complaint
from ledger.domain.contact import normalised_contact
from ledger.domain.grantees import allow_list, describe, entry_for
from ledger.domain.intake import require_text
from ledger.domain.plain import (
    RouteStep,
    complaint_view,
    event_row,
    route_step,
    without_text,
)
from ledger.domain.team import Team
from ledger.domain.timeutil import iso
from ledger.domain.vocabulary import ACTION_ROLES, ReadAction, Role
from ledger.errors import (
    InvalidInput,
    PermissionDenied,
)


class ReadingCases(CaseBase):
    """Reading complaints, under access control, and recording who read what."""

    # Confidentiality.

    def make_confidential(
        self, ref: str, allow: list[str], reason: str | None
    ) -> dict[str, Any]:
        """Restrict who may read a complaint to named members and roles (lead+)."""
        entries = allow_list(allow, self.team().members)
        return self._act(
            ref,
            ACTION_ROLES["confidential"],
            "make complaints confidential",
            Complaint.make_confidential,
            entries,
            _reason(reason),
        )

    def grant(self, ref: str, member: str, reason: str | None) -> dict[str, Any]:
        """Let a member or role read a confidential complaint (lead+)."""
        entry = entry_for(member, self.team().members)
        done = self._act(
            ref,
            ACTION_ROLES["grant"],
            "grant access",
            Complaint.grant,
            entry,
            _reason(reason),
        )
        return {**done, "grantee": describe(entry)}

    def revoke(self, ref: str, member: str, reason: str | None) -> dict[str, Any]:
        """Stop a member or role reading a confidential complaint (lead+); a
        member who left the team may be named too."""
        entry = entry_for(member, self.team().members, current=False)
        done = self._act(
            ref,
            ACTION_ROLES["revoke"],
            "revoke access",
            Complaint.revoke,
            entry,
            _reason(reason),
        )
        return {**done, "grantee": describe(entry)}

    def _read(self, ref: str, purpose: str, *, export: bool) -> Complaint:
        """Load a complaint to read its content: a confidential one only when
        the actor may, and every read, export and refusal is recorded."""
        team, complaint = self._reader(ref)
        if not self._record_access(team, complaint, purpose, export=export):
            raise PermissionDenied(
                f"{complaint.ref} is confidential and {self.actor} may not read it; "
                f"a lead can grant access with `plaint grant {complaint.ref} "
                f"{self.actor}` (this attempt was recorded)"
            )
        return complaint

    def readable(
        self, ref: str, purpose: str, as_of: datetime | None = None
    ) -> dict[str, Any] | None:
        """The complaint with its content for a report (as it stood at `as_of`,
        if given), recorded as an export; or None when it is confidential and
        the actor may not read it, and the report shows its metadata only (no
        attempt to read, nothing recorded)."""
        complaint = self._text_for_report(ref, purpose)
        if complaint is None:
            return None
        if as_of is not None:
            complaint = self._as_of(complaint, as_of)
        return complaint_view(complaint)

    def route(self, ref: str, purpose: str) -> tuple[bool, list[RouteStep]]:
        """Every event of the complaint with the complaint just after it, and
        whether the actor may see the text: when not, every text is taken out
        (nothing recorded); when so, the export of a confidential one is."""
        complaint = self._text_for_report(ref, purpose)
        shown = complaint is not None
        if complaint is None:
            complaint = self.complaint(ref)
        steps = self._steps(complaint)
        return shown, steps if shown else [without_text(step) for step in steps]

    def _steps(self, complaint: Complaint) -> list[RouteStep]:
        """Every event of the complaint with the complaint just after it."""
        steps = []
        replayed: Complaint | None = None
        event: Any
        for event in self.events.get(complaint.id):
            replayed = cast(Complaint, event.mutate(replayed))
            steps.append(route_step(event, replayed))
        return steps

    def _text_for_report(self, ref: str, purpose: str) -> Complaint | None:
        """The complaint, its export recorded, when the actor may read it; the
        one place a report's reading of text is decided."""
        team, complaint = self._reader(ref)
        if not complaint.may_read(self.actor, team.role_of(self.actor)):
            return None
        self._record_access(team, complaint, purpose, export=True)
        return complaint

    def _reader(self, ref: str) -> tuple[Team, Complaint]:
        complaint = self.complaint(ref, tuple(Role), "read complaints")
        return self._kept(Team, "team", checked=True), complaint

    def _record_access(
        self, team: Team, complaint: Complaint, purpose: str, *, export: bool
    ) -> bool:
        """Whether the actor may read the content; for a confidential complaint
        the read, export or refusal is recorded first."""
        if not complaint.confidential:
            return True
        allowed = complaint.may_read(self.actor, team.role_of(self.actor))
        action = ("export" if export else "read") if allowed else "refused"
        from ledger.domain.audit import Access  # when used: see ledger/domain/audit.py
        from ledger.host import os_user

        access = Access(
            id=uuid4(),
            complaint_id=complaint.id,
            ref=complaint.ref,
            action=action,
            purpose=purpose,
            host_user=os_user(self.environ),
            actor=self.actor,
            timestamp=self.clock(),
        )
        self._save(access)
        return allowed

    # Reading.

    def show(
        self,
        ref: str,
        as_of: datetime | None = None,
        *,
        purpose: str = "show",
        export: bool = False,
    ) -> dict[str, Any]:
        """The complaint now, or as it stood at `as_of`."""
        complaint = self._read(ref, purpose, export=export)
        if as_of is not None:
            complaint = self._as_of(complaint, as_of)
        return complaint_view(complaint)

    def show_with_route(
        self, ref: str, *, purpose: str = "show"
    ) -> tuple[dict[str, Any], list[RouteStep]]:
        """`show` and the complaint's route (every event with the complaint
        just after it) together, for a page that shows both: the complaint
        read (checked and recorded) once."""
        complaint = self._read(ref, purpose, export=False)
        return complaint_view(complaint), self._steps(complaint)

    def _as_of(self, complaint: Complaint, as_of: datetime) -> Complaint:
        """Replay the complaint's events up to `as_of` (already read once, so
        they are known to exist and to open)."""
        events = self.events.get(complaint.id)
        earlier = project_aggregate(
            None,
            takewhile(lambda e: cast(Complaint.Event, e).timestamp <= as_of, events),
        )
        if earlier is None:
            raise InvalidInput(f"{complaint.ref} was not yet filed at {iso(as_of)}")
        assert isinstance(earlier, Complaint)
        return earlier

    def history(
        self, ref: str, *, purpose: str = "history", export: bool = False
    ) -> list[dict[str, Any]]:
        """Every event of the complaint, in order."""
        complaint = self._read(ref, purpose, export=export)
        return [event_row(e) for e in self.events.get(complaint.id)]

    def customer_pseudonyms(self, refs: list[str]) -> dict[str, str | None]:
        """For counting repeat contacts without showing who: each complaint's
        customer (its normalised contact, or name) as a keyed hash, under a
        key made for this call and dropped after it, so the pseudonyms match
        within one report and mean nothing outside it; None for a complaint
        erased, without either, or confidential and not readable by the
        actor. No content leaves the ledger, so nothing is recorded; the
        actor must be one who may generate reports."""
        self.authorise_read(ReadAction.REPORT)
        key = secrets.token_bytes(32)
        team = self.team()
        role = team.role_of(self.actor)
        found: dict[str, str | None] = {}
        for ref in refs:
            complaint = self.complaint(ref)
            who = normalised_contact(complaint.contact, complaint.customer)
            if (
                complaint.erased
                or who is None
                or not complaint.may_read(self.actor, role)
            ):
                found[ref] = None
            else:
                found[ref] = hmac.new(key, who.encode(), hashlib.sha256).hexdigest()
        return found

    def record_report(
        self, report: str, parameters: dict[str, Any], covering: int
    ) -> dict[str, Any]:
        """Record that the actor generated `report` over the log's first
        `covering` notifications (any member may generate reports)."""
        self.authorise_read(ReadAction.REPORT)
        from ledger.domain.audit import (
            ReportRun,  # when used: see ledger/domain/audit.py
        )

        run = ReportRun(
            id=uuid4(),
            report=report,
            parameters=parameters,
            covering=covering,
            actor=self.actor,
            timestamp=self.clock(),
        )
        self._save(run)
        return {"id": str(run.id), "report": report, "covering": covering}

    def info(self) -> dict[str, Any]:
        """The ledger's location, keys and size."""
        self.team().authorise(self.actor, tuple(Role), "see the ledger")
        assert self.meta is not None
        latest = self.latest_checkpoint()
        return {
            "ledger": self.location.display,
            "backend": self.location.backend,
            "ledger_id": str(self.ledger_id),
            "key_file": key_source(self.ledger_id, self.environ),
            "signing_key_file": str(signing_key_file(self.ledger_id, self.environ)),
            "events": self.events_after(0),
            "complaints": self.complaint_count(),
            "projection_lag": None,
            "last_checkpoint": latest,
            "verifier_key": self.meta.verifier_key,
        }


def _reason(reason: str | None) -> str | None:
    return None if reason is None else require_text(reason, "reason")
