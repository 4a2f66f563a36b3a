"""Use case of mail as it arrives (`plaint serve --lmtp/--imap`, `plaint mail
fetch`): the customer's reply on its complaint, or a new complaint filed as
`plaint import` files an .eml. The rule of which is which, and why, is in
ledger/mail/inbound.py.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.persistence import RecordConflictError

from ledger.cases.importing import ImportCases
from ledger.domain.complaint import Complaint
from ledger.domain.identity import CUSTOMER, MAIL, Identity
from ledger.domain.intake import require_text
from ledger.domain.policy import REOPEN_ON_REPLY, Policy
from ledger.domain.reference import reference
from ledger.domain.vocabulary import MAX_NAME, WORKERS, Severity, Status, one_of
from ledger.errors import ConcurrencyConflict, UnknownReference

if TYPE_CHECKING:
    from ledger.mail.inbound import Inbound

NO_TEXT = "(the reply has no text)"
REOPEN_REASON = "the customer replied by mail"
FILED, REPLIED, DUPLICATE = "filed", "replied", "duplicate"


class MailCases(ImportCases):
    """Mail from customers, each message recorded once."""

    def check_mail_intake(self, project: str, severity: str) -> None:
        """Refuse what would refuse every message, before any arrives: an
        actor who may not file complaints, a project or severity that is no
        such thing (nothing is recorded)."""
        self.require_role(WORKERS, "take in mail")
        require_text(project, "project", MAX_NAME)
        one_of(Severity, severity, "severity")

    def receive_mail(
        self,
        raw: bytes,
        *,
        project: str,
        severity: str = Severity.MILD.value,
        domain: str = "",
    ) -> dict[str, Any]:
        """Record one message (agent+, the member the mail service acts as):
        the customer's reply on the complaint it answers when the threading
        rule lets it join, else a new complaint on `project`, as `import`
        files it. A message recorded before (by its Message-ID, or its digest
        when it has none) records nothing: a mail server delivering again,
        or a mailbox read again after a crash, changes nothing. `domain` is
        the one plaint sends mail from, whose Message-IDs a reply may cite.
        InvalidInput when nothing of the message can be read (`import`
        rejects it too); ledger failures raise, and the caller tries later.

        Returns the outcome (`filed`, `replied` or `duplicate`) and the
        complaint's reference."""
        from ledger.mail.inbound import read_inbound

        self.require_role(WORKERS, "take in mail")
        return self.record_mail(
            read_inbound(raw, project, severity, domain, self.clock())
        )

    def record_mail(self, mail: Inbound) -> dict[str, Any]:
        """Record one message `read_inbound` read (agent+), as `receive_mail`
        does: a server reads it first, outside its ledger's lock, since
        reading is the slow part. The claim by Message-ID, checked here and
        again in the save that records it, keeps it recorded once."""
        self.require_role(WORKERS, "take in mail")
        claim = self._claim_id(mail.intake)
        if (taken := self._claimed(claim)) is not None:
            return {"outcome": DUPLICATE, "ref": reference(taken)}
        if (mail.cited or mail.tagged) and (done := self._reply(mail, claim)):
            return done
        from ledger.sources.records import Record

        self.import_records(lambda: [Record("message", intake=mail.intake)])
        number = self._claimed(claim)
        if number is None:
            raise ConcurrencyConflict("the message was not recorded; try again")
        return {"outcome": FILED, "ref": reference(number)}

    def _reply(self, mail: Inbound, claim: UUID) -> dict[str, Any] | None:
        """Record the reply on its complaint with its claim, in one save; None
        when the threading rule sends it to be filed instead."""
        from ledger.domain.claims import IntakeClaim
        from ledger.mail.inbound import joins

        intake = mail.intake
        for _attempt in self._attempts():
            named = self._named(mail)
            if named is None:
                return None
            complaint, matched_by = named
            if complaint.erased or not joins(complaint.contact, intake.contact):
                return None
            at = self.clock()
            with self.acting(Identity(CUSTOMER, MAIL)):
                complaint.record_reply(
                    subject=mail.subject,
                    message=intake.detail or NO_TEXT,
                    sender=(intake.customer, intake.contact),
                    external_id=intake.external_id or "",
                    received_at=intake.received_at or at,
                    matched_by=matched_by,
                    automatic=mail.automatic,
                    actor=CUSTOMER,
                    at=at,
                )
                reopened = self._reply_effects(
                    complaint, self.policy(), mail.automatic, at
                )
                held = IntakeClaim(
                    id=claim, number=complaint.number, actor=CUSTOMER, timestamp=at
                )
                try:
                    self._storage(partial(self.save, complaint, held))
                except RecordConflictError:
                    if (taken := self._claimed(claim)) is not None:
                        return {"outcome": DUPLICATE, "ref": reference(taken)}
                    continue  # the complaint changed meanwhile: weigh it again
            return {"outcome": REPLIED, "ref": complaint.ref, "reopened": reopened}
        named_ref = mail.cited[0] if mail.cited else mail.tagged
        raise ConcurrencyConflict(
            f"{named_ref} kept changing while a reply was recorded; try again"
        )

    def _named(self, mail: Inbound) -> tuple[Complaint, str] | None:
        """The complaint the message answers and how it named it, or None.
        A cited Message-ID names its complaint only when plaint sent that
        message for it (ledger/mail/inbound.py says why); else the subject's
        `[C-7]` tag, if any, names it."""
        from ledger.mail.inbound import BY_MESSAGE_ID, BY_SUBJECT

        if mail.cited is not None:
            ref, message_id = mail.cited
            cited = self._complaint_or_none(ref)
            if cited is not None and cited.sent_mail(message_id):
                return cited, BY_MESSAGE_ID
        if mail.tagged is not None:
            tagged = self._complaint_or_none(mail.tagged)
            if tagged is not None:
                return tagged, BY_SUBJECT
        return None

    def _complaint_or_none(self, ref: str) -> Complaint | None:
        try:
            return self.complaint(ref)
        except UnknownReference:
            return None

    @staticmethod
    def _reply_effects(
        complaint: Complaint, policy: Policy, automatic: bool, at: datetime
    ) -> bool:
        """What the reply does to the complaint beyond being recorded, the one
        place that decides it (as the customer, in the reply's save): per the
        policy, a resolved complaint is reopened; an answer a machine sent
        (out of office) changes nothing. Returns whether it was reopened."""
        if automatic:
            return False
        if complaint.status == Status.WAITING:
            # The answer the team waited for: the deadlines' clock runs again.
            complaint.resume(*policy.current(complaint.calendar), CUSTOMER, at)
            return False
        rule = policy.resolve(complaint.channel, complaint.severity)
        if complaint.status == Status.RESOLVED and rule.get(
            "reopen_on_reply", REOPEN_ON_REPLY
        ):
            complaint.reopen(REOPEN_REASON, CUSTOMER, at)
            return True
        return False
