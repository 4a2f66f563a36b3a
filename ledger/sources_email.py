"""Emails as intakes: .eml files and mbox mailboxes, read with the standard library.

A message becomes an intake on channel `email`, about the project given with
`--project`, with the severity given with `--severity` (`mild` when none is):

- From: the customer is the display name, or the address when there is none;
  the contact is the address. A message without From is anonymous.
- Subject: the summary. A message without one is rejected: "no Subject header".
- Body: the detail is the text/plain body, or the HTML body turned into text
  when there is no plain one. Attachments are not stored; each adds a line such
  as "[attachment: report.pdf, 12,345 bytes]" to the end of the detail.
- Date: received_at; a date without a time zone is UTC. A message without a
  Date, or with one that is not a date, is rejected.
- Message-ID: the external id, which makes importing the message again a no-op,
  and the source, as "Message-ID <...>", so the original can be found in a mailbox.

Text in an unknown or wrong charset is read as UTF-8 if it is valid UTF-8, and
as Windows-1252 otherwise, rather than refused. An mbox is split at "From "
lines that follow a blank line (or start the file) and, when its first line
carries a date as mbox writers put it, that carry one too; ">From " lines are
unescaped as in mboxrd.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from html.parser import HTMLParser
from pathlib import Path

from ledger.errors import InvalidInput
from ledger.intake import Intake
from ledger.vocabulary import Channel

_PARSER = BytesParser(EmailMessage, policy=policy.default)
_DATED = re.compile(
    rb"From \S+ +(Mon|Tue|Wed|Thu|Fri|Sat|Sun) +"
    rb"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +\d{1,2} +\d{1,2}:\d\d"
)
_QUOTED_FROM = re.compile(rb"^>(>*From )")


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
    """Each message of an mbox as ("message N", its bytes), read as a stream."""
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
                    number, lines, after_blank = number + 1, [], False
                    continue
            if number == 0 and line.strip():
                raise InvalidInput(
                    f"{path} is not an mbox: it does not start with a 'From ' line"
                )
            lines.append(_QUOTED_FROM.sub(rb"\1", line))
            after_blank = not line.strip()
        if number:
            yield f"message {number}", b"".join(lines)


def email_intake(raw: bytes, project: str, severity: str) -> Intake:
    """The intake one message makes, or InvalidInput saying why it cannot make one."""
    try:
        return _intake(_PARSER.parsebytes(raw), project, severity)
    except InvalidInput:
        raise
    except Exception as error:
        # The standard library's parser still raises on some hostile input, and
        # one unreadable message must not stop an import.
        raise InvalidInput(
            f"the message cannot be read ({type(error).__name__})"
        ) from None


def _intake(message: EmailMessage, project: str, severity: str) -> Intake:
    summary = _header(message, "Subject")
    if summary is None:
        raise InvalidInput("no Subject header")
    date = message.get("Date")
    if date is None or not str(date).strip():
        raise InvalidInput("no Date header")
    if date.datetime is None:
        raise InvalidInput(f"the Date header '{_clean(str(date))}' is not a date")
    received_at = date.datetime
    if received_at.tzinfo is None:
        received_at = received_at.replace(tzinfo=UTC)
    customer, contact = _sender(message)
    message_id = _header(message, "Message-ID")
    return Intake(
        project=project,
        channel=Channel.EMAIL.value,
        severity=severity,
        summary=summary,
        detail=_detail(message),
        customer=customer,
        contact=contact,
        source=f"Message-ID {message_id}" if message_id else None,
        received_at=received_at.astimezone(UTC),
        external_id=message_id,
    )


def _header(message: EmailMessage, name: str) -> str | None:
    value = message.get(name)
    return None if value is None else (_clean(str(value)) or None)


def _sender(message: EmailMessage) -> tuple[str | None, str | None]:
    sender = message.get("From")
    if sender is None:
        return None, None
    if not sender.addresses:
        return _clean(str(sender)) or None, None
    address = sender.addresses[0]
    contact = _clean(address.addr_spec) or None
    return _clean(address.display_name) or contact, contact


def _detail(message: EmailMessage) -> str | None:
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
    return "\n\n".join(part for part in (text.strip(), notes) if part) or None


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
    name = part.get_filename()
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


_HIDDEN = frozenset({"script", "style", "title", "template"})
_PARAGRAPHS = frozenset(
    {"blockquote", "dl", "h1", "h2", "h3", "h4", "h5", "h6", "ol", "p", "pre", "ul"}
)
_LINES = frozenset(
    {"address", "article", "aside", "br", "dd", "div", "dt", "footer", "header"}
    | {"hr", "li", "main", "nav", "section", "table", "tr"}
)


class _TextMaker(HTMLParser):
    """Collects the visible text of an HTML document, a line per block."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self.hidden += 1
        self._break(tag)
        if tag == "li":
            self.chunks.append("- ")
        elif tag in ("td", "th"):
            self.chunks.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        self._break(tag)

    def handle_data(self, data: str) -> None:
        text = re.sub(r"\s+", " ", data)
        if not self.hidden and not (text == " " and self._at_break()):
            self.chunks.append(text)

    def _break(self, tag: str) -> None:
        gap = "\n\n" if tag in _PARAGRAPHS else "\n" if tag in _LINES else ""
        if gap and self.chunks and self._at_break():
            self.chunks[-1] = max(self.chunks[-1], gap)
        elif gap:
            self.chunks.append(gap)

    def _at_break(self) -> bool:
        return not self.chunks or self.chunks[-1] in ("\n", "\n\n")


def html_to_text(html: str) -> str:
    """Readable text from HTML: tags and scripts gone, blocks on their own lines."""
    maker = _TextMaker()
    maker.feed(html)
    maker.close()
    lines = (" ".join(line.split()) for line in "".join(maker.chunks).split("\n"))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
