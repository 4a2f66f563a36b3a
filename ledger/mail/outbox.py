"""Use cases of the outbox: claiming a queued message to send it, and
recording how the attempt went.

Every message to a customer is first a `MailQueued` event on its complaint
(ledger/mail/notices.py), sealed under the complaint's data key like its
text. A sender (the server's mail loop, or `plaint outbox send`) finds the
pending ones in the views, claims each in the ledger's database (so of
several servers one sends it), renders and sends it, and records `MailSent`;
a failed attempt is retried with a doubling pause, up to an hour, and given
up (`MailFailed`) after three days or at once when the server refuses it
for good. A sender that dies mid-send leaves its claim to expire: the
message is then sent again, so it goes out at least once, and a retry
carries the same Message-ID.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any
from uuid import UUID

from eventsourcing.persistence import RecordConflictError

from ledger.cases.customers import STATUS, SURVEY, CustomerCases
from ledger.domain.complaint import Complaint
from ledger.domain.identity import MAILER
from ledger.domain.lifecycle import SETTLED
from ledger.domain.vocabulary import WORKERS, ReadAction
from ledger.errors import ConcurrencyConflict, InvalidInput

# How long a claim holds a message (a send takes at most a minute or two).
LEASE = timedelta(minutes=5)
FIRST_PAUSE, LONGEST_PAUSE = 30, 3600
GIVE_UP_AFTER = timedelta(days=3)
# Where the first pause can be set, in whole seconds (1 to LONGEST_PAUSE).
RETRY_BASE = "PLAINT_OUTBOX_RETRY_BASE"


def pause(attempts: int, first: int = FIRST_PAUSE) -> int:
    """Seconds before the next attempt after `attempts` failed: `first`
    (30 s), doubling, at most an hour."""
    return int(min(first * 2 ** min(attempts - 1, 20), LONGEST_PAUSE))


def retry_base(environ: Mapping[str, str]) -> int:
    """The first pause, PLAINT_OUTBOX_RETRY_BASE (default 30 s); InvalidInput
    when it is not a whole number of seconds from 1 to 3600."""
    given = environ.get(RETRY_BASE, "").strip()
    if not given:
        return FIRST_PAUSE
    if not given.isdigit() or not 1 <= int(given) <= LONGEST_PAUSE:
        raise InvalidInput(
            f"{RETRY_BASE} must be whole seconds from 1 to {LONGEST_PAUSE}, "
            f"not {given!r}"
        )
    return int(given)


@dataclass(frozen=True)
class Draft:
    """A claimed message, with what its templates need."""

    message: UUID
    complaint_id: UUID
    ref: str
    project: str
    purpose: str
    recipient: str
    # The team's text (a response, a resolution); never what the customer
    # typed (a name, a summary): mail from the organisation must not carry
    # it to whatever address was typed beside it.
    text: str | None
    received_at: datetime
    ack_due: datetime | None
    link: str  # a fresh status or survey link's secret
    link_purpose: str
    attempts: int
    not_before: datetime


class OutboxCases(CustomerCases):
    """Claiming, sending and giving up outbox messages."""

    def _may_send(self) -> None:
        if self.identity.proof != MAILER:
            self.require_role(WORKERS, "send the outbox")

    def claim_mail(self, message: str, complaint_id: str) -> Draft | None:
        """Claim a pending message whose attempt is due; None when another
        sender holds it, it is not due, or it needs sending no more (sent,
        or cancelled now: its complaint erased, or a survey no longer
        wanted)."""
        self._may_send()
        now = self.clock()
        if not self.links.claim(message, now.timestamp(), (now + LEASE).timestamp()):
            return None
        complaint, _events = self._with_events(complaint_id)
        mail = complaint.mails.get(UUID(message))
        if mail is None or mail["state"] != "pending":
            self.links.done(message)
            return None
        why = _cancelled(complaint, mail["purpose"])
        if why is not None:
            self._end(complaint_id, message, "cancelled", why, 0)
            return None
        kept = self.links.sending([message]).get(message)
        purpose = SURVEY if mail["purpose"] == SURVEY else STATUS
        return Draft(
            message=UUID(message), complaint_id=complaint.id, ref=complaint.ref,
            project=complaint.project, purpose=mail["purpose"],
            recipient=mail["recipient"], text=mail["text"],
            received_at=complaint.received_at,
            ack_due=complaint.deadlines.get("ack"),
            link=self.new_link(complaint.id, purpose), link_purpose=purpose,
            attempts=0 if kept is None else kept.attempts,
            not_before=mail["not_before"],
        )  # fmt: skip

    def mail_sent(self, draft: Draft, message_id: str) -> None:
        """Record that the message went out with `message_id`."""
        self._may_send()
        self._end(
            draft.complaint_id.hex, draft.message.hex, "sent", message_id,
            draft.attempts + 1,
        )  # fmt: skip

    def mail_failed(
        self, draft: Draft, error: str, summary: str, *, permanent: bool
    ) -> str:
        """Record a failed attempt: retried after a pause (`summary`, which
        names no one, is kept for `plaint outbox`), or given up with the full
        `error` (sealed) when the server refused it for good or it has
        failed for three days. Says which."""
        self._may_send()
        attempts, now = draft.attempts + 1, self.clock()
        if permanent or now - draft.not_before > GIVE_UP_AFTER:
            reason = (
                error if permanent else f"gave up after {attempts} attempts: {error}"
            )
            self._end(draft.complaint_id.hex, draft.message.hex, "failed", reason,
                      attempts)  # fmt: skip
            return "failed"
        next_at = now.timestamp() + pause(attempts, retry_base(self.environ))
        self.links.failed(draft.message.hex, attempts, next_at, summary)
        return "retry"

    def mail_attempts(self, messages: list[str]) -> dict[str, dict[str, Any]]:
        """The failed attempts of pending messages so far: how many, the
        next one's time (seconds since the epoch) and the last error's kind
        (anyone who may list complaints)."""
        self.authorise_read(ReadAction.LIST)
        return {
            m: {"attempts": s.attempts, "next_at": s.next_at, "error": s.error}
            for m, s in self.links.sending(messages).items()
        }

    def _end(
        self, complaint_id: str, message: str, outcome: str, detail: str, attempts: int
    ) -> None:
        for _attempt in self._attempts():
            complaint, _events = self._with_events(complaint_id)
            if complaint.mails[UUID(message)]["state"] != "pending":
                break
            if complaint.erased and outcome == "failed":
                # Its key is gone: a reason sealed now would need a new one.
                outcome, detail = "cancelled", "the complaint was erased"
            complaint.mail_done(
                UUID(message), outcome, detail, attempts, self.actor, self.clock()
            )
            try:
                self._storage(partial(self.save, complaint))
            except RecordConflictError:
                continue
            break
        else:
            raise ConcurrencyConflict(
                f"the outbox could not record message {message}; it will be tried again"
            )
        self.links.done(message)


def _cancelled(complaint: Complaint, purpose: str) -> str | None:
    """Why a pending message is no longer to be sent, or None."""
    if complaint.erased:
        return "the complaint was erased"
    if purpose == SURVEY and complaint.status not in SETTLED:
        return f"{complaint.ref} is {complaint.status} again"
    if purpose == SURVEY and complaint.survey is not None:
        return "the survey was already answered"
    return None
