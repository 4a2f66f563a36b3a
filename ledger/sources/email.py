"""Emails as intakes: .eml files and mbox mailboxes, read with the standard library.

A message becomes an intake on channel `email`, about the project given with
`--project`, with the severity given with `--severity` (`mild` when none is):

- From: the customer is the display name, or the address when there is none;
  the contact is the address. A message without From is anonymous.
- Subject: the summary; without one, the first line of the body, or
  "(no subject)" when there is no body either.
- Body: the detail is the text/plain body, or the HTML body turned into text
  when there is no plain one. Attachments are not stored; each adds a line such
  as "[attachment: report.pdf, 12,345 bytes]" to the end of the detail.
- Date: received_at; without a usable one, the mbox "From " line's date, the
  newest Received header's, or the import's time, and the source says which
  (ledger.sources.email_time).
- Message-ID: the external id, which makes importing the message again a no-op,
  and the source, as "Message-ID <...>", so the original can be found in a mailbox.

Real mail is often malformed, and the customer controls its bytes: text in an
unknown or wrong charset is read as UTF-8 if it is valid UTF-8, and as
Windows-1252 otherwise; a header or MIME structure the standard library cannot
parse is read as it is; text over the intake's limits is cut. A message is
rejected only when it is empty or has no subject, sender or text.

An mbox is split at "From " lines that follow a blank line (or start the
file) and, when its first line carries a date as mbox writers put it, that
carry one too; ">From " lines are unescaped as in mboxrd.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import datetime
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from functools import partial
from pathlib import Path
from typing import TypeVar, overload

from ledger.domain.intake import Intake
from ledger.domain.vocabulary import MAX_NAME, MAX_SUMMARY, MAX_TEXT, Channel
from ledger.errors import InvalidInput
from ledger.sources.email_time import NOTES, raw_headers, time_received
from ledger.sources.html import html_to_text

T = TypeVar("T")
NO_SUBJECT = "(no subject)"

_PARSER = BytesParser(EmailMessage, policy=policy.default)
_DATED = re.compile(
    rb"From \S+ +(Mon|Tue|Wed|Thu|Fri|Sat|Sun) +"
    rb"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +\d{1,2} +\d{1,2}:\d\d"
)
_QUOTED_FROM = re.compile(rb"^>(>*From )")
_BLANK_LINE = re.compile(rb"\r?\n\r?\n")


def eml_files(directory: Path) -> list[Path]:
    """The .eml files in a directory, by name; refused when there are none."""
    try:
        files = sorted(
            path
            for path in directory.iterdir()
            if path.suffix.lower() == ".eml" and path.is_file()
        )
    except OSError as error:
        raise InvalidInput(f"cannot read {directory}: {error.strerror}") from None
    if not files:
        raise InvalidInput(f"there are no .eml files in {directory}")
    return files


def eml_messages(files: list[Path]) -> Iterator[tuple[str, bytes]]:
    """Each file's name and bytes, one message per file."""
    for path in files:
        try:
            raw = path.read_bytes()
        except OSError as error:
            raise InvalidInput(f"cannot read {path}: {error.strerror}") from None
        yield path.name, raw


def mbox_messages(path: Path) -> Iterator[tuple[str, bytes]]:
    """Each message of an mbox as ("message N", its bytes from its "From "
    line on), read as a stream."""
    try:
        file = path.open("rb")
    except OSError as error:
        raise InvalidInput(f"cannot read {path}: {error.strerror}") from None
    with file:
        lines: list[bytes] = []
        number, dated, after_blank = 0, False, True
        for line in file:
            if line.startswith(b"From ") and after_blank:
                if number == 0:
                    dated = _DATED.match(line) is not None
                # An unescaped "From " in a body seldom also carries a date.
                if number == 0 or not dated or _DATED.match(line):
                    if number:
                        yield f"message {number}", b"".join(lines)
                    # Kept: the parser reads it as the envelope, whose
                    # date is the time received when the message has none.
                    number, lines, after_blank = number + 1, [line], False
                    continue
            if number == 0 and line.strip():
                raise InvalidInput(
                    f"{path} is not an mbox: it does not start with a 'From ' line"
                )
            lines.append(_QUOTED_FROM.sub(rb"\1", line))
            after_blank = not line.strip()
        if number:
            yield f"message {number}", b"".join(lines)


def email_intake(
    raw: bytes, project: str, severity: str, now: datetime | None = None
) -> Intake:
    """The intake one message makes, or InvalidInput when nothing of it can
    be read; `now` (the clock by default) bounds the dates believed."""
    return message_intake(parse_email(raw), raw, project, severity, now)


def parse_email(raw: bytes) -> EmailMessage:
    """The message parsed, once, or InvalidInput when it is empty or the
    standard library cannot parse it at all."""
    if not raw or raw.isspace():
        raise InvalidInput("the message is empty")
    try:
        return _PARSER.parsebytes(raw)
    except Exception as error:
        # The standard library's parser still raises on some hostile input, and
        # one unreadable message must not stop an import.
        raise InvalidInput(
            f"the message cannot be read ({type(error).__name__})"
        ) from None


def message_intake(
    message: EmailMessage,
    raw: bytes,
    project: str,
    severity: str,
    now: datetime | None = None,
) -> Intake:
    """The intake of a message `parse_email` parsed from `raw`."""
    return _intake(message, raw, project, severity, now)


def _intake(
    message: EmailMessage,
    raw: bytes,
    project: str,
    severity: str,
    now: datetime | None,
) -> Intake:
    subject = _header(message, "Subject")
    customer, contact = _guarded(
        partial(_sender, message), partial(_raw_sender, message)
    )
    body, notes = _guarded(partial(_detail, message), partial(_raw_body, raw))
    if not (subject or customer or body or notes):
        raise InvalidInput(
            "nothing in the message can be read: no subject, sender or text"
        )
    received = time_received(message, now)
    message_id = _header(message, "Message-ID")
    note = NOTES.get(received.source)
    named = message_id and _fit(
        f"Message-ID {message_id}", MAX_NAME - (len(note) + 2 if note else 0)
    )
    source = "; ".join(part for part in (named, note) if part)
    return Intake(
        project=project,
        channel=Channel.EMAIL.value,
        severity=severity,
        summary=_fit(subject or _first_line(body) or NO_SUBJECT, MAX_SUMMARY),
        detail=_fit("\n\n".join(part for part in (body, notes) if part), MAX_TEXT),
        customer=_fit(customer, MAX_NAME),
        contact=_fit(contact, MAX_NAME),
        source=source or None,
        received_at=received.at,
        external_id=_fit(message_id, MAX_NAME),
    )


def _guarded(read: Callable[[], T], fallback: Callable[[], T]) -> T:
    """What `read` finds, or what `fallback` does when the standard library's
    parser raises on hostile input (it still does on some)."""
    try:
        return read()
    except Exception:
        return fallback()


def _header(message: EmailMessage, name: str) -> str | None:
    def decoded() -> str | None:
        value = message.get(name)
        return None if value is None else str(value)

    text = _guarded(decoded, lambda: next(raw_headers(message, name), None))
    return None if text is None else (_clean(text) or None)


def _sender(message: EmailMessage) -> tuple[str | None, str | None]:
    sender = message.get("From")
    if sender is None:
        return None, None
    if not sender.addresses:
        return _clean(str(sender)) or None, None
    address = sender.addresses[0]
    contact = _clean(address.addr_spec) or None
    return _clean(address.display_name) or contact, contact


def _raw_sender(message: EmailMessage) -> tuple[str | None, str | None]:
    text = _clean(next(raw_headers(message, "From"), ""))
    return text or None, None


def _raw_body(raw: bytes) -> tuple[str | None, str | None]:
    """The body as it is, when its MIME structure cannot be read."""
    body = _BLANK_LINE.split(raw, maxsplit=1)[-1]
    return _decode(body, None).strip() or None, None


def _first_line(text: str | None) -> str | None:
    """The first line of the body that says something, for a summary."""
    for line in (text or "").splitlines():
        if cleaned := " ".join(line.split()):
            return cleaned
    return None


@overload
def _fit(text: str, limit: int) -> str: ...


@overload
def _fit(text: str | None, limit: int) -> str | None: ...


def _fit(text: str | None, limit: int) -> str | None:
    """Text cut to `limit` characters (marked with an ellipsis), so that a long
    Subject or body is kept in part rather than refused."""
    if text is None or len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "\u2026"


def _detail(message: EmailMessage) -> tuple[str | None, str | None]:
    """The body as text, and a line for each attachment."""
    body = message.get_body(preferencelist=("plain", "html"))
    # A multipart without a usable boundary is parsed as one piece of text.
    if (
        body is None
        and not message.is_multipart()
        and not message.is_attachment()
        and message.get_content_maintype() in ("text", "multipart")
    ):
        body = message
    text = ""
    if body is not None:
        text = _decode(body.get_payload(decode=True), body.get_content_charset())
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        if body.get_content_subtype() == "html":
            text = html_to_text(text)
    notes = "\n".join(_attachments(message, body))
    return text.strip() or None, notes or None


def _attachments(part: Message, body: Message | None) -> Iterator[str]:
    """A line for each part that is neither the body nor another form of it."""
    if part is body:
        return
    children = part.get_payload() if part.is_multipart() else []
    inner = [child for child in children if isinstance(child, Message)]
    if part.get_content_maintype() == "multipart":
        for child in inner:
            yield from _attachments(child, body)
        return
    name = _guarded(part.get_filename, lambda: None)
    if (
        name is None
        and part.get_content_maintype() == "text"
        and part.get_content_disposition() != "attachment"
    ):
        return
    payload = part.get_payload(decode=True)
    size = len(payload) if isinstance(payload, bytes) else 0
    # An attached message has no payload of its own to measure, only its parts.
    size += sum(len(child.as_bytes()) for child in inner)
    described = _clean(name) if name else part.get_content_type()
    yield f"[attachment: {described}, {size:,} byte{'' if size == 1 else 's'}]"


def _decode(data: object, charset: str | None) -> str:
    """Text in its declared charset, else UTF-8, else Windows-1252."""
    if not isinstance(data, bytes):
        return ""
    for encoding in (charset or "us-ascii", "utf-8"):
        try:
            return data.decode(encoding)
        except (LookupError, ValueError):
            continue
    return data.decode("cp1252", errors="replace")


def _clean(text: str) -> str:
    """Header text with stray 8-bit bytes decoded and its whitespace collapsed."""
    try:
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        raw = text.encode("utf-8", "replace")
    return " ".join(_decode(raw, "utf-8").split())
