"""The Complaint aggregate: one piece of customer feedback and its whole lifecycle.

Public methods check the rules first and raise `RuleViolation` with a reason, so
a refused action records nothing; the private `@event` methods only change
state, so replaying old events never re-runs today's rules.

The module stays whole past ~300 lines because each `@event` method defines an
event class whose qualified name (`Complaint.Filed`) is part of its stored
topic, so the events cannot leave the class, and splitting the class into
mixins would bring back the tower of bases that issue 16 took down.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.domain import kinds
from ledger.domain.grantees import member_entry
from ledger.domain.lifecycle import MEETS, STATUS_AFTER, STATUSES_FOR, status_after
from ledger.domain.reference import reference
from ledger.domain.topics import keep_topics
from ledger.domain.vocabulary import Status
from ledger.domain.workclock import add, between
from ledger.errors import RuleViolation

# The fields of complaint events that hold text or personal data. They are
# sealed under the complaint's own data key, apart from the metadata views count.
TEXT_FIELDS = frozenset(
    {
        "summary", "detail", "customer", "contact", "source", "external_id",
        "text", "message", "resolution", "reason", "comment", "subject", "recipient",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Schedule:
    """A policy rule's deadlines for a complaint: the duration of each (in
    working seconds), the calendar they count on (name and version, None
    around the clock) and its definition."""

    durations: Mapping[str, int | None]
    calendar: dict[str, Any] | None
    definition: Mapping[str, Any] | None


class Complaint(Aggregate):
    """One complaint (or praise), from filing to closing."""

    @event(kinds.FILED)
    def __init__(
        self,
        id: UUID,
        number: int,
        project: str,
        channel: str,
        source: str | None,
        severity: str,
        summary: str,
        detail: str | None,
        customer: str | None,
        contact: str | None,
        received_at: datetime,
        external_id: str | None,
        owner: str,
        deadlines: dict[str, datetime | None],
        actor: str,
        timestamp: datetime,
        calendar: dict[str, Any] | None = None,
    ) -> None:
        self.number = number
        self.project = project
        self.channel = channel
        self.source = source
        self.severity = severity
        self.summary = summary
        self.detail = detail
        self.customer = customer
        self.contact = contact
        self.received_at = received_at
        self.external_id = external_id
        self.owner = owner
        self.deadlines = dict(deadlines)
        self.status = STATUS_AFTER[kinds.FILED]
        self.confidential = False
        self.allowed: set[str] = set()
        self.erased = False
        self.escalations: list[dict[str, Any]] = []
        self.survey: dict[str, Any] | None = None
        self.resolution: str | None = None
        # The business-hours calendar its deadlines count on (name and
        # version of its definition), None around the clock; the deadlines
        # met; the wait on the customer under way; the working seconds
        # the clock stood still in all the waits that ended.
        self.calendar = calendar
        self.met: set[str] = set()
        self.waiting: dict[str, Any] | None = None
        self.paused = 0
        self.replies: list[dict[str, Any]] = []

    @property
    def ref(self) -> str:
        """The human reference, `C-7`."""
        return reference(self.number)

    # The rules. Each public method checks, then records exactly one event.

    def acknowledge(self, actor: str, at: datetime) -> None:
        """Confirm to the customer that the complaint was received."""
        self._require(STATUSES_FOR["ack"], "acknowledged")
        self._acknowledged(actor=actor, timestamp=at)

    def triage(
        self,
        severity: str,
        actor: str,
        at: datetime,
        schedule: Schedule | None = None,
    ) -> None:
        """Assess the severity: a new one, or the one it has confirmed (an
        assessment too, so it is recorded the same way). A new severity
        brings the `schedule` of its policy rule: the unmet deadlines are
        computed anew from receipt, on its calendar, plus the working time
        the clock stood still, and stored in the event."""
        self._require(STATUSES_FOR["triage"], "triaged")
        deadlines = calendar = None
        if schedule is not None and severity != self.severity:
            deadlines = {
                name: add(
                    self.received_at,
                    None if seconds is None else seconds + self.paused,
                    schedule.definition,
                )
                for name, seconds in schedule.durations.items()
                if name not in self.met
            }
            calendar = schedule.calendar
            same = all(self.deadlines.get(n) == due for n, due in deadlines.items())
            if same and calendar == self.calendar:
                deadlines = calendar = None  # nothing to store: the same
        self._triaged(
            severity=severity,
            previous=self.severity,
            deadlines=deadlines,
            calendar=calendar,
            actor=actor,
            timestamp=at,
        )

    def assign(self, owner: str, actor: str, at: datetime) -> None:
        """Make `owner` responsible."""
        self._require(STATUSES_FOR["assign"], "assigned")
        if owner == self.owner:
            raise RuleViolation(f"{self.ref} is already owned by {owner}")
        self._assigned(owner=owner, previous=self.owner, actor=actor, timestamp=at)

    def escalate(
        self,
        to: str,
        reason: str,
        actor: str,
        at: datetime,
        breached: str | None = None,
        rung: int | None = None,
    ) -> None:
        """Hand the complaint one step up the route, with a reason; `breached`
        names the deadlines (`ack` or `ack,respond`) when the sweep
        escalates, which it does only once per deadline; `rung` is the rung
        of the escalation ladder it climbs to (1 the lowest), if it does."""
        self._refuse_text_when_erased()
        self._require(STATUSES_FOR["escalate"], "escalated")
        if to == self.owner:
            raise RuleViolation(f"{self.ref} is already owned by {to}")
        if breached is not None:
            again = set(breached.split(",")) & self.breaches_escalated
            if again:
                raise RuleViolation(
                    f"{self.ref} was already escalated for its "
                    f"{', '.join(sorted(again))} deadline"
                )
        self._escalated(
            to=to,
            previous=self.owner,
            level=len(self.escalations) + 1,
            reason=reason,
            trigger="manual" if breached is None else "sweep",
            deadline=breached,
            rung=rung,
            actor=actor,
            timestamp=at,
        )

    @property
    def breaches_escalated(self) -> set[str]:
        """The deadlines whose breach the sweep has already escalated."""
        return {
            name
            for e in self.escalations
            if e["deadline"]
            for name in e["deadline"].split(",")
        }

    def wait(self, reason: str, actor: str, at: datetime) -> None:
        """Stop the deadlines' clock while waiting on the customer."""
        self._refuse_text_when_erased()
        self._require(STATUSES_FOR["wait"], "put to wait on the customer")
        self._waited(reason=reason, previous=self.status, actor=actor, timestamp=at)

    def resume(
        self,
        calendar: dict[str, Any] | None,
        definition: Mapping[str, Any] | None,
        actor: str,
        at: datetime,
    ) -> None:
        """Start the clock again: each unmet deadline moves by the working
        time that passed while waiting, on the complaint's calendar as it is
        defined now (`calendar`, its name and current version, and that
        `definition`; around the clock without one: `Policy.current`)."""
        self._require(STATUSES_FOR["resume"], "resumed")
        assert self.waiting is not None
        since = self.waiting["since"]
        paused = between(since, at, definition) if at > since else 0
        deadlines = {
            name: add(due, paused, definition)
            for name, due in self.deadlines.items()
            if due is not None and name not in self.met
        }
        self._resumed(
            status=self.waiting["previous"],
            since=since,
            paused=paused,
            waited=max(0, int((at - since).total_seconds())),
            deadlines=deadlines,
            calendar=calendar,
            actor=actor,
            timestamp=at,
        )

    def note(self, text: str, actor: str, at: datetime) -> None:
        """Add an internal note; allowed at any point of the lifecycle."""
        self._refuse_text_when_erased()
        self._noted(text=text, actor=actor, timestamp=at)

    def respond(self, message: str, actor: str, at: datetime) -> None:
        """Record the answer sent to the customer."""
        self._refuse_text_when_erased()
        self._require(STATUSES_FOR["respond"], "responded to")
        self._responded(message=message, actor=actor, timestamp=at)

    def resolve(self, resolution: str, actor: str, at: datetime) -> None:
        """Record how the complaint was resolved."""
        self._refuse_text_when_erased()
        self._require(STATUSES_FOR["resolve"], "resolved")
        self._resolved(resolution=resolution, actor=actor, timestamp=at)

    def reopen(self, reason: str, actor: str, at: datetime) -> None:
        """Take a resolved complaint back into work."""
        self._refuse_text_when_erased()
        self._require(STATUSES_FOR["reopen"], "reopened")
        self._reopened(reason=reason, actor=actor, timestamp=at)

    def close(self, actor: str, at: datetime) -> None:
        """End the lifecycle of a resolved complaint."""
        self._require(STATUSES_FOR["close"], "closed")
        self._closed(actor=actor, timestamp=at)

    def withdraw(self, reason: str, actor: str, at: datetime) -> None:
        """Record that the customer withdrew the complaint."""
        self._refuse_text_when_erased()
        self._require(STATUSES_FOR["withdraw"], "withdrawn")
        self._withdrawn(reason=reason, actor=actor, timestamp=at)

    def record_survey(
        self, score: int, comment: str | None, actor: str, at: datetime
    ) -> None:
        """Record the customer's satisfaction after resolution."""
        if comment is not None:
            self._refuse_text_when_erased()
        self._require(STATUSES_FOR["survey"], "surveyed")
        if not 1 <= score <= 5:
            raise RuleViolation(f"a survey score is 1 to 5, not {score}")
        self._surveyed(score=score, comment=comment, actor=actor, timestamp=at)

    def record_reply(
        self,
        subject: str | None,
        message: str,
        sender: tuple[str | None, str | None],
        external_id: str,
        received_at: datetime,
        matched_by: str,
        automatic: bool,
        actor: str,
        at: datetime,
    ) -> None:
        """Record the customer's reply (by mail): in any status, since a
        customer may write after the complaint was closed too, but never on
        an erased complaint. Its effects on the status are the use case's
        (ledger/cases/mail.py), each an event of its own."""
        self._refuse_text_when_erased()
        customer, contact = sender
        self._replied(
            subject=subject,
            message=message,
            customer=customer,
            contact=contact,
            external_id=external_id,
            received_at=received_at,
            matched_by=matched_by,
            automatic=automatic,
            actor=actor,
            timestamp=at,
        )

    def make_confidential(
        self, allow: list[str], reason: str | None, actor: str, at: datetime
    ) -> None:
        """Restrict reading the content to the named members and roles."""
        if self.confidential:
            raise RuleViolation(
                f"{self.ref} is already confidential; use `plaint grant` or "
                "`plaint revoke` to change who may read it"
            )
        self._made_confidential(
            allow=sorted(set(allow)), reason=reason, actor=actor, timestamp=at
        )

    def grant(self, member: str, reason: str | None, actor: str, at: datetime) -> None:
        """Let one more member (or role) read a confidential complaint."""
        if not self.confidential:
            raise RuleViolation(
                f"{self.ref} is not confidential: everyone in the team may read it"
            )
        if member in self.allowed:
            raise RuleViolation(f"{member} may already read {self.ref}")
        self._granted(member=member, reason=reason, actor=actor, timestamp=at)

    def revoke(self, member: str, reason: str | None, actor: str, at: datetime) -> None:
        """Stop a member (or role) reading a confidential complaint."""
        if member not in self.allowed:
            raise RuleViolation(f"{member} has no grant on {self.ref} to revoke")
        self._revoked(member=member, reason=reason, actor=actor, timestamp=at)

    def erase(self, grounds: str, actor: str, at: datetime) -> None:
        """Record that the complaint's text and personal data are destroyed
        (its data key is deleted in the same transaction)."""
        if self.erased:
            raise RuleViolation(f"{self.ref} is already erased")
        self._erased(grounds=grounds, actor=actor, timestamp=at)

    # Mail to the customer (ledger/mail/): queued first, as an event sealed
    # like the complaint's text, then sent (or given up on) by the outbox.

    @property
    def mail_to(self) -> str | None:
        """The address the customer asked to be told at: that of the first
        message queued to them, None when they are told nothing."""
        mails = self.mails
        return next(iter(mails.values()))["recipient"] if mails else None

    @property
    def mails(self) -> dict[UUID, dict[str, Any]]:
        """The messages queued to the customer, by id, oldest first, each with
        its `state`: `pending`, `sent`, `failed` or `cancelled`."""
        found: dict[UUID, dict[str, Any]] = self.__dict__.get("_mails", {})
        return found

    def sent_mail(self, message_id: str) -> bool:
        """Whether `message_id` is that of a message plaint sent this
        complaint's customer (a `MailSent` event names it), compared without
        regard to case: what a reply citing it must show to join by it."""
        wanted = message_id.strip().lower()
        return any(
            str(mail.get("message_id", "")).strip().lower() == wanted
            for mail in self.mails.values()
            if mail["state"] == "sent"
        )

    def queue_mail(
        self,
        mail: UUID,
        purpose: str,
        recipient: str,
        text: str | None,
        not_before: datetime,
        actor: str,
        at: datetime,
    ) -> None:
        """Queue a message to the customer (sent by the outbox from `not_before`)."""
        self._refuse_text_when_erased()
        if mail in self.mails:
            raise RuleViolation(f"message {mail} of {self.ref} is already queued")
        self._mail_queued(
            mail=mail, purpose=purpose, recipient=recipient, text=text,
            not_before=not_before, actor=actor, timestamp=at,
        )  # fmt: skip

    def mail_done(
        self,
        mail: UUID,
        outcome: str,
        detail: str,
        attempts: int,
        actor: str,
        at: datetime,
    ) -> None:
        """Record how a pending message ended: `sent` (its Message-ID in
        `detail`), `failed` (the reason) or `cancelled` (why)."""
        found = self.mails.get(mail)
        if found is None:
            raise RuleViolation(f"{self.ref} has no message {mail}")
        if found["state"] != "pending":
            raise RuleViolation(f"message {mail} of {self.ref} is {found['state']}")
        if outcome == "sent":
            self._mail_sent(mail=mail, message_id=detail, attempts=attempts,
                            actor=actor, timestamp=at)  # fmt: skip
        elif outcome == "failed":
            self._mail_failed(mail=mail, reason=detail, attempts=attempts,
                              actor=actor, timestamp=at)  # fmt: skip
        elif outcome == "cancelled":
            self._mail_cancelled(mail=mail, why=detail, actor=actor, timestamp=at)
        else:
            raise RuleViolation(
                f"a message ends sent, failed or cancelled, not {outcome}"
            )

    def _refuse_text_when_erased(self) -> None:
        if self.erased:
            raise RuleViolation(
                f"{self.ref} was erased: no text or personal data can be added to it"
            )

    def may_read(self, member: str, role: str) -> bool:
        """Whether `member`, holding `role`, may read the content: anyone when
        it is not confidential; else the named members and roles, and the
        owner, who must be able to work on it. An entry means one member or
        one role (see ledger/domain/grantees.py), so a member named like a role
        never reads through the role's entry, nor the role through theirs."""
        if not self.confidential:
            return True
        return member == self.owner or bool({member_entry(member), role} & self.allowed)

    def _require(self, allowed: Iterable[Status], done: str) -> None:
        allowed = set(allowed)
        if self.status in allowed:
            return
        hint = ""
        if self.status == Status.RECEIVED and Status.ACKNOWLEDGED in allowed:
            hint = f"; acknowledge it first with `plaint ack {self.ref}`"
        wanted = " or ".join(s.replace("_", " ") for s in Status if s in allowed)
        raise RuleViolation(
            f"{self.ref} is {self.status.replace('_', ' ')}; only a complaint that "
            f"is {wanted} can be {done}{hint}"
        )

    def _move(self, kind: str) -> None:
        # By the lifecycle's tables, which the views read too.
        self.status = status_after(kind, self.status)
        if kind in MEETS:
            self.met.add(MEETS[kind])

    # The events. They only change state.

    @event(kinds.ACKNOWLEDGED)
    def _acknowledged(self, actor: str, timestamp: datetime) -> None:
        self._move(kinds.ACKNOWLEDGED)

    @event(kinds.TRIAGED)
    def _triaged(
        self,
        severity: str,
        previous: str,
        actor: str,
        timestamp: datetime,
        deadlines: dict[str, datetime | None] | None = None,
        calendar: dict[str, Any] | None = None,
    ) -> None:
        self.severity = severity
        if deadlines is not None:
            self.deadlines.update(deadlines)
            self.calendar = calendar
        self._move(kinds.TRIAGED)

    @event(kinds.ASSIGNED)
    def _assigned(
        self, owner: str, previous: str, actor: str, timestamp: datetime
    ) -> None:
        self.owner = owner
        self._move(kinds.ASSIGNED)

    @event(kinds.ESCALATED)
    def _escalated(
        self,
        to: str,
        previous: str,
        level: int,
        reason: str,
        trigger: str,
        deadline: str | None,
        actor: str,
        timestamp: datetime,
        rung: int | None = None,
    ) -> None:
        self.escalations.append(
            {
                "at": timestamp,
                "by": actor,
                "from": previous,
                "to": to,
                "level": level,
                "reason": reason,
                "trigger": trigger,
                "deadline": deadline,
                "rung": rung,
            }
        )
        self.owner = to
        self._move(kinds.ESCALATED)

    @event(kinds.WAITED)
    def _waited(
        self, reason: str, previous: str, actor: str, timestamp: datetime
    ) -> None:
        self.waiting = {"since": timestamp, "previous": previous}
        self._move(kinds.WAITED)

    @event(kinds.RESUMED)
    def _resumed(
        self,
        status: str,
        since: datetime,
        paused: int,
        waited: int,
        deadlines: dict[str, datetime | None],
        calendar: dict[str, Any] | None,
        actor: str,
        timestamp: datetime,
    ) -> None:
        self.status = Status(status)
        self.deadlines.update(deadlines)
        self.calendar = calendar
        self.waiting = None
        self.paused += paused

    @event(kinds.NOTED)
    def _noted(self, text: str, actor: str, timestamp: datetime) -> None:
        pass

    @event(kinds.RESPONDED)
    def _responded(self, message: str, actor: str, timestamp: datetime) -> None:
        self._move(kinds.RESPONDED)

    @event(kinds.RESOLVED)
    def _resolved(self, resolution: str, actor: str, timestamp: datetime) -> None:
        self._move(kinds.RESOLVED)
        self.resolution = resolution

    @event(kinds.REOPENED)
    def _reopened(self, reason: str, actor: str, timestamp: datetime) -> None:
        self._move(kinds.REOPENED)

    @event(kinds.CLOSED)
    def _closed(self, actor: str, timestamp: datetime) -> None:
        self._move(kinds.CLOSED)

    @event(kinds.WITHDRAWN)
    def _withdrawn(self, reason: str, actor: str, timestamp: datetime) -> None:
        self._move(kinds.WITHDRAWN)

    @event(kinds.MADE_CONFIDENTIAL)
    def _made_confidential(
        self, allow: list[str], reason: str | None, actor: str, timestamp: datetime
    ) -> None:
        self.confidential = True
        self.allowed = set(allow)

    @event(kinds.GRANTED)
    def _granted(
        self, member: str, reason: str | None, actor: str, timestamp: datetime
    ) -> None:
        self.allowed.add(member)

    @event(kinds.REVOKED)
    def _revoked(
        self, member: str, reason: str | None, actor: str, timestamp: datetime
    ) -> None:
        self.allowed.discard(member)

    @event(kinds.ERASED)
    def _erased(self, grounds: str, actor: str, timestamp: datetime) -> None:
        self.erased = True

    @event(kinds.SURVEYED)
    def _surveyed(
        self, score: int, comment: str | None, actor: str, timestamp: datetime
    ) -> None:
        self.survey = {"score": score, "comment": comment}

    @event(kinds.REPLIED)
    def _replied(
        self,
        subject: str | None,
        message: str,
        customer: str | None,
        contact: str | None,
        external_id: str,
        received_at: datetime,
        matched_by: str,
        automatic: bool,
        actor: str,
        timestamp: datetime,
    ) -> None:
        self.replies.append(
            {"at": timestamp, "from": contact, "subject": subject, "message": message}
        )

    @event(kinds.MAIL_QUEUED)
    def _mail_queued(
        self,
        mail: UUID,
        purpose: str,
        recipient: str,
        text: str | None,
        not_before: datetime,
        actor: str,
        timestamp: datetime,
    ) -> None:
        mails = self.__dict__.setdefault("_mails", {})
        mails[mail] = {"purpose": purpose, "recipient": recipient, "text": text,
                       "not_before": not_before, "state": "pending"}  # fmt: skip

    @event(kinds.MAIL_SENT)
    def _mail_sent(
        self, mail: UUID, message_id: str, attempts: int, actor: str,
        timestamp: datetime,
    ) -> None:  # fmt: skip
        self.mails[mail]["state"] = "sent"
        self.mails[mail]["message_id"] = message_id

    @event(kinds.MAIL_FAILED)
    def _mail_failed(
        self, mail: UUID, reason: str, attempts: int, actor: str,
        timestamp: datetime,
    ) -> None:  # fmt: skip
        self.mails[mail]["state"] = "failed"

    @event(kinds.MAIL_CANCELLED)
    def _mail_cancelled(
        self, mail: UUID, why: str, actor: str, timestamp: datetime
    ) -> None:
        self.mails[mail]["state"] = "cancelled"


keep_topics("ledger.complaint", Complaint)
