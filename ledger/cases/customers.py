"""Use cases of the customer's side: the web form, the status page and the
survey link (`plaint serve`'s customer pages are their adapter).

A customer has no account. Filing through the form is anonymous: it is
recorded as done by `(customer)`, proved by nothing but having come
through the form (`web-form`) from the client's address, and the name and
address they typed are their own word. After that, the customer holds
links, each a 256-bit secret for one complaint and one purpose, stored as
its keyed digest and expiring (ledger/storage/mailstate.py); what they do
with one is recorded under the `customer-link` proof.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Collection, Mapping
from datetime import timedelta
from functools import cached_property, partial
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.application import project_aggregate
from eventsourcing.persistence import RecordConflictError

from ledger.cases.complaints import ComplaintCases
from ledger.cases.requests import RequestCases, client_of
from ledger.crypto.credentials import digest, new_secret, same
from ledger.domain import kinds
from ledger.domain.complaint import Complaint
from ledger.domain.identity import CUSTOMER
from ledger.domain.intake import Intake, optional_text, require_text
from ledger.domain.kinds import kind_of
from ledger.domain.timeutil import iso
from ledger.domain.vocabulary import MAX_NAME, MAX_SUMMARY, MAX_TEXT, Channel, Severity
from ledger.errors import (
    ConcurrencyConflict,
    IntegrityFailure,
    InvalidInput,
    LinkGone,
    RuleViolation,
    UnknownReference,
)
from ledger.mail.notices import ACK, tell
from ledger.storage.mailstate import Link, MailState

# How it affects them, as the form asks, and the severity it starts with
# (triage can change it).
AFFECTS = {
    "praise": Severity.POSITIVE,
    "annoying": Severity.MILD,
    "hinders": Severity.MODERATE,
    "blocks": Severity.SEVERE,
}
STATUS, SURVEY = "status", "survey"
# A status link works for 90 days; every message to the customer carries a
# fresh one. A survey link works for 30 days from its invitation, once.
LINK_LIFETIME = {STATUS: timedelta(days=90), SURVEY: timedelta(days=30)}
# Filings per client in an hour (an IPv4 address, an IPv6 /64), and per
# project (PLAINT_FORM_PROJECT_LIMIT, so that a flood from many addresses
# is bounded too), shared by every server.
FORM_LIMIT, FORM_WINDOW = 5, timedelta(hours=1)
FORM_PROJECT_LIMIT, PROJECT_LIMIT_SETTING = 60, "PLAINT_FORM_PROJECT_LIMIT"
# A link's status page is recorded as read at most once in this long (a
# page reloaded in a loop must not grow the log without end); requests
# through links, known or not, are limited per client.
VIEW_EVERY = timedelta(minutes=10)
LINK_LIMIT, LINK_WINDOW = 60, timedelta(minutes=10)
SUMMARY_WORDS = 120
_ADDRESS = re.compile(
    r"[^@\s<>(),;:\"\[\]\\]+@[^@\s<>(),;:\"\[\]\\]+\.[^@\s<>(),;:\"\[\]\\]+"
)
UNKNOWN_LINK = (
    "this link is not known: check that it was copied whole, or use the link "
    "in the latest email about your complaint"
)


def form_project_limit(environ: Mapping[str, str]) -> int:
    """Filings through one project's form in an hour: PLAINT_FORM_PROJECT_LIMIT,
    a whole number from 1, else 60."""
    value = environ.get(PROJECT_LIMIT_SETTING, "").strip()
    if not value:
        return FORM_PROJECT_LIMIT
    if not value.isdigit() or int(value) < 1:
        raise InvalidInput(
            f"{PROJECT_LIMIT_SETTING} must be a whole number of filings an "
            f"hour from 1, not '{value}'"
        )
    return int(value)


def mail_address(value: str) -> str:
    """A contact email address, checked: one `@`, a dot in the domain, no
    spaces, at most 200 characters."""
    text = require_text(value, "email address", MAX_NAME)
    if not _ADDRESS.fullmatch(text):
        raise InvalidInput(f"'{text}' is not an email address like name@example.org")
    return text


def summary_of(what: str) -> str:
    """The summary of what the customer wrote: its first line, cut short."""
    first = next(line.strip() for line in what.splitlines() if line.strip())
    limit = min(SUMMARY_WORDS, MAX_SUMMARY)
    return first if len(first) <= limit else first[: limit - 1].rstrip() + "…"


class CustomerCases(ComplaintCases, RequestCases):
    """The web form, the status page and the survey."""

    @cached_property
    def links(self) -> MailState:
        """Customer links and the outbox's sending state."""
        return MailState(self.state)

    def file_from_web(
        self,
        project: str,
        what: str,
        affects: str,
        name: str,
        email: str,
        *,
        accepting: Collection[str],
        trap: str = "",
        once: str | None = None,
    ) -> dict[str, Any]:
        """File what a customer sent through the form of `project` (one of
        `accepting`), as `file` does with the same limits; thank them by mail
        (queued in the same save); their status link, shown once. A filled
        `trap` (the honeypot field people never see), a form sent again
        (its value `once` used before), more than five valid filings
        from one client (an IPv4 address, an IPv6 /64) in an hour, and more
        than `form_project_limit` through the project's form in an hour,
        are refused and record nothing."""
        if trap.strip():
            raise InvalidInput("the form could not be accepted; nothing was recorded")
        if project not in accepting:
            raise UnknownReference(f"there is no complaint form for '{project}'")
        if affects not in AFFECTS:
            raise InvalidInput("say how it affects you: choose one of the options")
        detail = require_text(what, "description of what happened", MAX_TEXT)
        intake = Intake(
            project=project,
            channel=Channel.WEB,
            severity=AFFECTS[affects],
            summary=summary_of(detail),
            detail=detail,
            customer=optional_text(name, "name"),
            contact=mail_address(email),
            source=f"web form /p/{project}/new",
        )
        if once is not None:
            # The form's own random value, used once on every server: a
            # double click or a resent page files nothing twice.
            now = self.clock().timestamp()
            if not self.state.use_nonce(
                digest(f"web-form\x00{once}"), now + 86400, now
            ):
                raise RuleViolation(
                    "this form was already sent: your complaint is recorded, and "
                    "its reference is in the email we sent you"
                )
        # Counted once the form is valid, so a customer correcting a typo
        # is not held back; refused sends record nothing anyway.
        where = client_of(self.identity.address)
        self.throttle(f"web-form:{where}", FORM_LIMIT, FORM_WINDOW)
        limit = form_project_limit(self.environ)
        self.throttle(f"web-form project:{project}", limit, FORM_WINDOW)
        team, policy = self.team_and_policy()

        def thank(complaint: Complaint, filing: Any) -> None:
            tell(complaint, ACK, None, self.actor, filing.now, recipient=intake.contact)

        view = self._file_numbered(intake, team, policy, thank)
        link = self.new_link(UUID(view["id"]), STATUS)
        return {"ref": view["ref"], "received_at": view["received_at"], "link": link}

    @cached_property
    def _link_key(self) -> bytes:
        return self.keyring.ledger_secret(b"plaint customer links v1")

    def _digest(self, secret: str) -> str:
        """A link secret's keyed digest, as kept."""
        text = secret.encode("utf-8", "surrogatepass")
        return hmac.new(self._link_key, text, hashlib.sha256).hexdigest()

    def _seal(self, digest: str, complaint: str, purpose: str, expires: int) -> str:
        """The seal binding a kept link to its complaint, purpose and expiry."""
        fields = f"{digest}\x00{complaint}\x00{purpose}\x00{expires}".encode()
        return hmac.new(self._link_key, fields, hashlib.sha256).hexdigest()

    def new_link(self, complaint_id: UUID, purpose: str) -> str:
        """A fresh link secret to one complaint's status page or survey (the
        secret is returned once; its keyed digest is kept)."""
        secret, now = new_secret(), self.clock()
        expires = int((now + LINK_LIFETIME[purpose]).timestamp())
        found = self._digest(secret)
        seal = self._seal(found, complaint_id.hex, purpose, expires)
        link = Link(complaint_id.hex, purpose, expires, seal)
        self.links.add_link(found, link, now.timestamp())
        return secret

    def _link(self, secret: str, purpose: str) -> Link:
        where = client_of(self.identity.address)
        self.throttle(f"customer link:{where}", LINK_LIMIT, LINK_WINDOW)
        found = self.links.link(self._digest(secret))
        if found is None or found.purpose != purpose:
            raise UnknownReference(UNKNOWN_LINK)
        seal = self._seal(self._digest(secret), found.complaint, purpose, found.expires)
        if not same(seal, found.seal):
            raise IntegrityFailure(
                "a customer link's row was altered in the ledger's database: "
                "it no longer matches its seal"
            )
        if found.expires <= self.clock().timestamp():
            raise LinkGone(
                "this link has expired; the latest email about your complaint "
                "has a fresh one, or write to us quoting its reference"
            )
        if found.used is not None:
            raise LinkGone("this survey was already answered: thank you")
        return found

    def _with_events(self, complaint_id: str) -> tuple[Complaint, list[Any]]:
        events = list(self.events.get(UUID(complaint_id)))
        complaint = self._translated(partial(project_aggregate, None, events), "")
        if not isinstance(complaint, Complaint):
            raise UnknownReference(UNKNOWN_LINK)
        return complaint, events

    def customer_status(self, secret: str) -> dict[str, Any]:
        """The status page of a link: the reference, state, when received,
        and the replies sent to the customer, nothing else. The view is
        recorded (as an access by the link's holder), at most once per
        link in VIEW_EVERY; more than LINK_LIMIT requests through links from
        one client in LINK_WINDOW are `Throttled`."""
        link = self._link(secret, STATUS)
        complaint, events = self._with_events(link.complaint)
        from ledger.domain.audit import Access  # when used: see that module

        now = self.clock()
        view = f"status view:{self._digest(secret)}"
        seen, _started = self.state.hit(
            view, now.timestamp(), VIEW_EVERY.total_seconds()
        )
        if seen == 1:
            self._save(
                Access(
                    id=uuid4(), complaint_id=complaint.id, ref=complaint.ref,
                    action="read", purpose="status page", host_user="",
                    actor=CUSTOMER, timestamp=now,
                )
            )  # fmt: skip
        replies = [
            {"at": iso(e.timestamp), "message": e.message}
            for e in events
            if kind_of(e) == kinds.RESPONDED
        ]
        return {
            "ref": complaint.ref, "project": complaint.project,
            "status": str(complaint.status), "received_at": iso(complaint.received_at),
            "replies": replies, "erased": complaint.erased,
        }  # fmt: skip

    def survey_form(self, secret: str) -> dict[str, Any]:
        """What the survey page of a link shows: whose survey it is."""
        link = self._link(secret, SURVEY)
        complaint, _events = self._with_events(link.complaint)
        return {"ref": complaint.ref, "project": complaint.project}

    def answer_survey(self, secret: str, score: str, comment: str) -> dict[str, Any]:
        """Record the customer's survey through its link, once: the score
        (1 to 5) and an optional comment, as `survey` records it, by the
        customer."""
        link = self._link(secret, SURVEY)
        try:
            number = int(score)
        except ValueError:
            raise InvalidInput("choose a score from 1 to 5") from None
        if not 1 <= number <= 5:
            raise InvalidInput("choose a score from 1 to 5")
        said = optional_text(comment, "comment", MAX_TEXT)
        if not self.links.use_link(self._digest(secret), self.clock().timestamp()):
            raise LinkGone("this survey was already answered: thank you")
        try:
            return self._surveyed(link.complaint, number, said)
        except BaseException:
            self.links.unuse_link(self._digest(secret))
            raise

    def _surveyed(
        self, complaint_id: str, score: int, comment: str | None
    ) -> dict[str, Any]:
        for _attempt in self._attempts():
            complaint, _events = self._with_events(complaint_id)
            if complaint.survey is not None:
                raise RuleViolation("this survey was already answered: thank you")
            complaint.record_survey(score, comment, self.actor, self.clock())
            try:
                self._storage(partial(self.save, complaint))
            except RecordConflictError:
                continue
            return {"ref": complaint.ref, "score": score}
        raise ConcurrencyConflict("the survey could not be recorded; send it again")
