"""A message that arrived by mail (LMTP or IMAP), read for the ledger: the
intake `plaint import` would file from it, and the complaint it claims to
answer.

The sender controls every byte of a message, headers included, so what a
message says about itself is weighed, never trusted:

- The complaint it answers is a claim (a Message-ID of plaint's form in
  In-Reply-To or References, else a `[C-7]` subject tag). A complaint's
  numbers are sequential and a subject is free text, so the claim alone
  would let anyone write into any complaint.
- A cited Message-ID counts only when plaint sent that very message for
  that complaint (its `MailSent` event names it): one merely well-formed,
  of plaint's domain, proves nothing, and the message is weighed as if it
  cited none (its subject tag, if any, may still name the complaint).
- `joins` is the threading rule: the reply joins the complaint it names only
  when its From address is the complaint's customer contact. Everything else
  (a stranger, a complaint without a mail contact, an erased one) is filed
  as a new complaint, exactly as `import` files an .eml; staff see the tag
  in its subject and can link the two by hand. A From header can be forged
  too, so the reply is recorded with the proof `mail`, not as verified: the
  organisation's mail server is where SPF, DKIM and DMARC are enforced.
- A message without a Message-ID is claimed by a digest of its bytes (trace
  headers left out), so that a mail server delivering it again, or a mailbox
  read again, files it once; `import` claims such a message by its content
  and time, which mail without a Date would not keep.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from datetime import datetime
from email.message import Message

from ledger.domain.intake import Intake
from ledger.errors import InvalidInput
from ledger.mail.messageid import cited_message, subject_reference
from ledger.sources.email import message_intake, parse_email

# The largest message taken in, LMTP or IMAP: larger ones are refused (LMTP
# 552) or left in the mailbox, marked.
MAX_MESSAGE_BYTES = 25 * 2**20
# The largest header section taken in: real mail has a few dozen lines, a
# long thread a few hundred References; more is refused as unreadable.
MAX_HEADER_LINES = 1000
MAX_HEADER_BYTES = 256 * 2**10
# Headers a mail server adds on the way in, left out of a message's digest.
TRACE_HEADERS = frozenset(
    {b"received", b"return-path", b"delivered-to", b"x-original-to"}
)
AUTOMATIC_PRECEDENCE = frozenset({"bulk", "junk", "list", "auto_reply"})
# How a reply named its complaint.
BY_MESSAGE_ID = "message-id"
BY_SUBJECT = "subject"

_HEADER_END = re.compile(rb"\r?\n\r?\n")
_FIELD = re.compile(rb"^([!-9;-~]+)[ \t]*:")


@dataclass(frozen=True)
class Inbound:
    """One message, as the mail use case weighs it."""

    intake: Intake
    # The newest Message-ID of plaint's form it cites, with its complaint's
    # reference (`("C-7", "<C-7.<hex>@domain>")`): a claim still to check.
    cited: tuple[str, str] | None
    # The complaint a `[C-7]` tag in its subject names.
    tagged: str | None
    subject: str | None
    # Sent by a machine, not a person (an out-of-office answer, say).
    automatic: bool = False


def read_inbound(
    raw: bytes, project: str, severity: str, domain: str, now: datetime
) -> Inbound:
    """The message as an intake on `project`, and the complaint it claims to
    answer (a Message-ID of plaint's form from `domain`, a subject tag).
    InvalidInput when nothing of it can be read, as `import` rejects it."""
    check_headers(raw)
    message = parse_email(raw)
    intake = message_intake(message, raw, project, severity, now)
    if intake.external_id is None:
        intake = replace(intake, external_id=content_id(raw))
    references, subject, automatic = _threading(message)
    cited = cited_message(references, domain) if domain else None
    tagged = subject_reference(subject or "")
    # The summary is the subject, cut to fit, when there is one.
    return Inbound(
        intake, cited, tagged, intake.summary if subject else None, automatic
    )


def check_headers(raw: bytes) -> None:
    """InvalidInput when the header section is over MAX_HEADER_BYTES bytes
    or MAX_HEADER_LINES lines (counted without parsing: it is the parse
    such a section would slow down)."""
    found = _HEADER_END.search(raw, 0, MAX_HEADER_BYTES + 4)
    end = len(raw) if found is None else found.start()
    if end > MAX_HEADER_BYTES:
        raise InvalidInput(
            f"the message's headers are over {MAX_HEADER_BYTES // 1024} KiB"
        )
    if raw.count(b"\n", 0, end) + 1 > MAX_HEADER_LINES:
        raise InvalidInput(f"the message has over {MAX_HEADER_LINES:,} header lines")


def joins(contact: str | None, sender: str | None) -> bool:
    """The threading rule: whether a reply from `sender` joins the complaint
    whose customer contact is `contact` (the module's docstring says why)."""
    if not contact or not sender:
        return False
    return _address(contact) == _address(sender)


def _address(text: str) -> str:
    # Domains are case-insensitive; local parts in practice too, and a
    # customer writing `Jane@` once and `jane@` the next is the same customer.
    return text.strip().strip("<>").lower()


def content_id(raw: bytes) -> str:
    """The id of a message without a Message-ID: a digest of its bytes, the
    headers a mail server adds on the way in left out."""
    found = _HEADER_END.search(raw)
    head, body = (
        (raw, b"") if found is None else (raw[: found.start()], raw[found.end() :])
    )
    kept, dropping = [], False
    for line in head.splitlines(keepends=True):
        if line[:1] in (b" ", b"\t"):
            if not dropping:
                kept.append(line)
            continue
        name = _FIELD.match(line)
        dropping = bool(name and name.group(1).lower() in TRACE_HEADERS)
        if not dropping:
            kept.append(line)
    digest = hashlib.sha256(b"".join(kept) + b"\n\n" + body).hexdigest()
    return f"sha256:{digest}"


def _threading(message: Message) -> tuple[list[str], str | None, bool]:
    """The In-Reply-To and References values, the Subject, and whether a
    machine sent it, as well as the standard library reads them from hostile
    input (nothing when it cannot)."""
    try:
        values = [
            str(value)
            for name in ("References", "In-Reply-To")
            for value in message.get_all(name, [])
        ]
        subject = message.get("Subject")
        return values, None if subject is None else str(subject), _automatic(message)
    except Exception:
        return [], None, False


def _automatic(message: Message) -> bool:
    """Whether a machine answered (RFC 3834's Auto-Submitted, and the older
    headers out-of-office answers still use)."""
    submitted = str(message.get("Auto-Submitted", "no")).strip().lower()
    precedence = str(message.get("Precedence", "")).strip().lower()
    return (
        submitted != "no"
        or precedence in AUTOMATIC_PRECEDENCE
        or any(name in message for name in ("X-Autoreply", "X-Autorespond"))
    )
