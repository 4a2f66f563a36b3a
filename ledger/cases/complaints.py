"""Use cases of a complaint's lifecycle: filing, acting on it, the sweep."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from functools import partial
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import (
    RecordConflictError,
)

from ledger.bulk.drafting import Filing
from ledger.cases.common import MAX_ATTEMPTS, CaseBase
from ledger.domain.complaint import Complaint
from ledger.domain.grantees import allow_list
from ledger.domain.intake import Intake, require_text
from ledger.domain.ladder import Step, climb, describe, rung_of
from ledger.domain.plain import complaint_view, filed
from ledger.domain.policy import Policy
from ledger.domain.reference import reference
from ledger.domain.team import Team
from ledger.domain.vocabulary import (
    ACTION_ROLES,
    OPEN_STATUSES,
    ROUTERS,
    WORKERS,
    Role,
    Severity,
    one_of,
)
from ledger.errors import ConcurrencyConflict, RuleViolation, UnknownReference
from ledger.mail.notices import RESPONDED, tell, tell_resolved


class ComplaintCases(CaseBase):
    """Filing complaints and every action on them."""

    _claim_secret: bytes | None = None

    # Filing.

    def file(
        self, intake: Intake, *, allow: Sequence[str] | None = None
    ) -> dict[str, Any]:
        """Record a new complaint; the policy gives its owner and deadlines. One
        with an external id already filed, or received in the future, is
        refused. With `allow` it is confidential from the start, to those
        named and its owner, as `make_confidential` makes it (lead+), in the
        same transaction."""
        intake.check_received(self.clock())
        team, policy = self.team_and_policy()
        team.authorise(self.actor, WORKERS, "file complaints")
        entries = None
        if allow is not None:
            team.authorise(self.actor, ROUTERS, "make complaints confidential")
            entries = allow_list(allow, team.members)

        def confidential(complaint: Complaint, filing: Filing) -> None:
            if entries is not None:
                complaint.make_confidential(entries, None, self.actor, filing.now)

        return filed(self._file_numbered(intake, team, policy, confidential))

    def _file_numbered(
        self,
        intake: Intake,
        team: Team,
        policy: Policy,
        then: Callable[[Complaint, Filing], None],
    ) -> dict[str, Any]:
        """File the complaint under the next number (`then` adds to it before
        it is saved), trying the next when another filer took it; its view."""
        claim = self._claim_id(intake) if intake.external_id else None
        for attempt in self._attempts():
            filing = self._filing(team, policy, [intake])
            try:
                with self.tables.numbering():
                    number = self._next_number(guess=attempt == 0)
                    complaint = filing.complaint(intake, number)
                    then(complaint, filing)
                    aggregates: list[Aggregate] = [complaint]
                    if claim is not None:
                        aggregates.append(filing.claim(claim, number))
                    self._storage(partial(self.save, *aggregates))
            except RecordConflictError:
                # The claim was taken before, or another filer took the number.
                self._collided()
                if claim is not None and (taken := self._claimed(claim)):
                    raise RuleViolation(
                        f"external id {intake.external_id} was already filed as "
                        f"{reference(taken)}"
                    ) from None
                continue
            self._used_up_to = complaint.number
            return complaint_view(complaint)
        raise ConcurrencyConflict(
            f"could not take a reference after {MAX_ATTEMPTS} tries while others "
            "were filing; nothing was recorded, try again"
        )

    def _filing(self, team: Team, policy: Policy, intakes: Iterable[Intake]) -> Filing:
        """What complaints filed now from `intakes` are drafted with."""
        kinds = {(intake.channel, intake.severity) for intake in intakes}
        rules = {kind: policy.resolve(*kind) for kind in kinds}
        if self.actor not in team.members:
            # Filed by a customer (the web form): the policy's owner, else an
            # admin, never the customer.
            admins = sorted(m for m, role in team.members.items() if role == Role.ADMIN)
            for rule in rules.values():
                if rule.get("owner") not in team.members and admins:
                    rule["owner"] = admins[0]
        return Filing(
            ledger_id=self.ledger_id,
            actor=self.actor,
            now=self.clock(),
            members=frozenset(team.members),
            rules=rules,
            calendars=policy.calendars,
        )

    # Claims are imported where used: defining an aggregate's event classes is
    # start-up time, and most complaints filed at the terminal claim nothing.

    def _claim_id(self, intake: Intake) -> UUID:
        from ledger.domain.claims import claim_id

        if self._claim_secret is None:
            self._claim_secret = self.keyring.ledger_secret(b"plaint intake claims")
        return claim_id(self._claim_secret, intake)

    def _claimed(self, claim: UUID) -> int | None:
        """The number of the complaint that holds this claim, if any."""
        from ledger.domain.claims import IntakeClaim

        try:
            return self._get(IntakeClaim, claim, "claim").number
        except UnknownReference:
            return None

    # The lifecycle.

    def actions(self, ref: str) -> list[str]:
        """The actions the actor may take on the complaint now, by their role
        and its state (any member may ask; nothing is recorded)."""
        from ledger.domain.actions import allowed

        complaint = self.complaint(ref, tuple(Role), "read complaints")
        team = self._kept(Team, "team", checked=True)
        return allowed(complaint, team.role_of(self.actor))

    def acknowledge(self, ref: str) -> dict[str, Any]:
        """Confirm receipt to the customer (agent+)."""
        return self._act(
            ref, ACTION_ROLES["ack"], "acknowledge complaints", Complaint.acknowledge
        )

    def triage(self, ref: str, severity: str) -> dict[str, Any]:
        """Re-assess the severity (lead+); a new one brings its rule's
        deadlines, computed now and stored with the event."""
        chosen = one_of(Severity, severity, "severity")
        policy = self.policy()

        def triage(complaint: Complaint, actor: str, at: datetime) -> None:
            rule = policy.resolve(complaint.channel, chosen)
            complaint.triage(chosen, actor, at, policy.schedule(rule))

        return self._act(ref, ACTION_ROLES["triage"], "triage complaints", triage)

    def assign(self, ref: str, owner: str) -> dict[str, Any]:
        """Make another member the owner (lead+)."""
        return self._act(
            ref,
            ACTION_ROLES["assign"],
            "assign complaints",
            Complaint.assign,
            self._owner(owner),
        )

    def escalate(self, ref: str, to: str | None, reason: str) -> dict[str, Any]:
        """Escalate, with a reason (lead+): to the member named, or without
        one a rung up the escalation ladder of the complaint's channel and
        severity."""
        if to is not None:
            self._owner(to)
        reason = require_text(reason, "reason")
        team, policy = self.team_and_policy()

        def escalate(complaint: Complaint, actor: str, at: datetime) -> None:
            ladder = policy.ladder(complaint.channel, complaint.severity)
            if to is not None:
                rung = rung_of(ladder, team.members, to) if to in team.members else 0
                complaint.escalate(to, reason, actor, at, rung=rung or None)
                return
            step = _next_rung(complaint, team, ladder)
            complaint.escalate(step.member, reason, actor, at, rung=step.rung)

        return self._act(ref, ACTION_ROLES["escalate"], "escalate complaints", escalate)

    def wait(self, ref: str, reason: str) -> dict[str, Any]:
        """Stop the deadlines' clock while waiting on the customer (agent+)."""
        return self._act(
            ref,
            ACTION_ROLES["wait"],
            "put complaints to wait",
            Complaint.wait,
            require_text(reason, "reason"),
        )

    def resume(self, ref: str) -> dict[str, Any]:
        """Start the deadlines' clock again, the unmet deadlines moved by the
        working time spent waiting (agent+). The customer's reply by mail
        resumes it too, inside the reply's own save (ledger/cases/mail.py)."""
        policy = self.policy()

        def resume(complaint: Complaint, actor: str, at: datetime) -> None:
            complaint.resume(*policy.current(complaint.calendar), actor, at)

        return self._act(ref, ACTION_ROLES["resume"], "resume complaints", resume)

    def note(self, ref: str, text: str) -> dict[str, Any]:
        """Add an internal note (agent+)."""
        return self._act(
            ref,
            ACTION_ROLES["note"],
            "note complaints",
            Complaint.note,
            require_text(text, "note"),
        )

    def respond(self, ref: str, message: str) -> dict[str, Any]:
        """Record the answer sent to the customer (agent+); a customer who
        asked to be told gets it by mail (ledger/mail/notices.py)."""

        def responding(
            complaint: Complaint, message: str, actor: str, at: datetime
        ) -> None:
            complaint.respond(message, actor, at)
            tell(complaint, RESPONDED, message, actor, at)

        return self._act(
            ref,
            ACTION_ROLES["respond"],
            "respond to complaints",
            responding,
            require_text(message, "message"),
        )

    def resolve(self, ref: str, resolution: str) -> dict[str, Any]:
        """Record the resolution (agent+); a customer who asked to be told
        gets it by mail, and the survey invitation after the policy's delay."""

        def resolving(
            complaint: Complaint, resolution: str, actor: str, at: datetime
        ) -> None:
            complaint.resolve(resolution, actor, at)
            rule = self.policy().resolve(complaint.channel, complaint.severity)
            tell_resolved(complaint, resolution, rule.get("survey"), actor, at)

        return self._act(
            ref,
            ACTION_ROLES["resolve"],
            "resolve complaints",
            resolving,
            require_text(resolution, "resolution"),
        )

    def reopen(self, ref: str, reason: str) -> dict[str, Any]:
        """Take a resolved complaint back into work (agent+)."""
        return self._act(
            ref,
            ACTION_ROLES["reopen"],
            "reopen complaints",
            Complaint.reopen,
            require_text(reason, "reason"),
        )

    def close_complaint(self, ref: str) -> dict[str, Any]:
        """End the lifecycle of a resolved complaint (agent+)."""
        return self._act(
            ref, ACTION_ROLES["close"], "close complaints", Complaint.close
        )

    def withdraw(self, ref: str, reason: str) -> dict[str, Any]:
        """Record the customer's withdrawal (agent+)."""
        return self._act(
            ref,
            ACTION_ROLES["withdraw"],
            "withdraw complaints",
            Complaint.withdraw,
            require_text(reason, "reason"),
        )

    def survey(self, ref: str, score: int, comment: str | None) -> dict[str, Any]:
        """Record the customer's satisfaction, 1 to 5 (agent+)."""
        if comment is not None:
            comment = require_text(comment, "comment")
        return self._act(
            ref,
            ACTION_ROLES["survey"],
            "record surveys",
            Complaint.record_survey,
            score,
            comment,
        )

    def sweep(
        self, breaches: Sequence[Mapping[str, Any]], *, dry_run: bool = False
    ) -> list[dict[str, Any]]:
        """Escalate the breached deadlines of each complaint one rung up the
        escalation ladder of its channel and severity, all of them in one
        step, and each deadline once (lead+); at the top of the ladder a
        breach is reported, not escalated. Safe to repeat and to run twice at
        once: a deadline already escalated is skipped."""
        team, policy = self.team_and_policy()
        team.authorise(self.actor, ROUTERS, "sweep overdue complaints")
        by_ref: dict[str, list[Mapping[str, Any]]] = {}
        for breach in breaches:
            by_ref.setdefault(breach["ref"], []).append(breach)
        done = []
        for ref, found in by_ref.items():
            done += self._sweep_complaint(team, policy, ref, found, dry_run)
        return done

    def _sweep_complaint(
        self,
        team: Team,
        policy: Policy,
        ref: str,
        breaches: list[Mapping[str, Any]],
        dry_run: bool,
    ) -> list[dict[str, Any]]:
        """One complaint's breaches, escalated in one save (retried when the
        complaint changed meanwhile, perhaps by another sweep)."""
        for _attempt in self._attempts():
            complaint = self.complaint(ref)
            ladder = policy.ladder(complaint.channel, complaint.severity)
            fresh = [
                b for b in breaches if b["deadline"] not in complaint.breaches_escalated
            ]
            why = _sweep_skip(complaint, ladder) if fresh else None
            step = None
            if fresh and why is None:
                step = climb(ladder, team.members, complaint.owner)
            if fresh and step is None and why is None:
                why = (
                    f"at the top of its escalation ladder ({describe(ladder)}): "
                    "reported, not escalated"
                )
            if step is not None:
                names = ",".join(b["deadline"] for b in fresh)
                dues = ", ".join(f"{b['deadline']}-by {b['due']}" for b in fresh)
                complaint.escalate(
                    step.member,
                    f"deadline breached: {dues}",
                    self.actor,
                    self.clock(),
                    breached=names,
                    rung=step.rung,
                )
            done = []
            for breach in breaches:
                name, due = breach["deadline"], breach["due"]
                row = {"ref": complaint.ref, "deadline": name, "due": due}
                if breach not in fresh:
                    skip: str | None = "already escalated for this deadline"
                else:
                    skip = why
                if skip is not None or step is None:
                    outcome, to, rung = "skipped", None, None
                else:
                    outcome = "would escalate" if dry_run else "escalated"
                    to, rung = step.member, step.rung
                done.append(
                    {**row, "to": to, "rung": rung, "outcome": outcome, "why": skip}
                )
            if dry_run or step is None:
                return done
            try:
                self._storage(partial(self.save, complaint))
            except RecordConflictError:
                continue
            return done
        raise ConcurrencyConflict(
            f"{ref} kept changing while the sweep tried to escalate it; run the "
            "sweep again"
        )


def _sweep_skip(complaint: Complaint, ladder: list[str]) -> str | None:
    """Why the sweep leaves a complaint's new breaches alone, or None to
    climb its ladder."""
    if complaint.status not in OPEN_STATUSES:
        return f"it is {complaint.status}"
    if not ladder:
        return (
            f"no escalation ladder for {complaint.channel}/{complaint.severity}: "
            "set one with `plaint policy set --route` or `--escalate-to`"
        )
    return None


def _next_rung(complaint: Complaint, team: Team, ladder: list[str]) -> Step:
    """The rung a complaint escalated without a member named climbs to."""
    if not ladder:
        raise RuleViolation(
            f"{complaint.ref} has no escalation ladder for "
            f"{complaint.channel}/{complaint.severity}: name a member with --to, "
            "or set a ladder with `plaint policy set --route`"
        )
    step = climb(ladder, team.members, complaint.owner)
    if step is None:
        raise RuleViolation(
            f"{complaint.ref} stands at the top of its escalation ladder "
            f"({describe(ladder)}): name a member with --to"
        )
    return step
