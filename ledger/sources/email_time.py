"""When an email was received, from the best evidence the message carries.

In order: its Date header; the date of its mbox "From " line; the date after
the last `;` of its newest Received header that has one; else the time of the
import. A date counts only when it reads as one and is sane: from 1970 on and
not after this machine's clock (give or take a few minutes), as every time
plaint takes (ledger/domain/timeutil.py). The customer
writes the Date header, so a date in year 9999 moves on to the next source
rather than rejecting the message. A date without a time zone is UTC.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from typing import NamedTuple

from ledger.domain.timeutil import EARLIEST, FUTURE_SLACK

# Longer header values are no date: they are not parsed at all.
LONGEST_DATE = 200

_MONTHS = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
# "From sender Sun Mar  1 14:30:00 2026", as mbox writers put it (asctime),
# also with the seconds left out, or a zone before or an offset after the year.
_MBOX_DATE = re.compile(
    rf"\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) +({_MONTHS}) +(\d{{1,2}}) +"
    r"(\d{1,2}):(\d\d)(?::(\d\d))?(?: +[A-Za-z]{1,5})? +(\d{4})(?: +([+-]\d{4}))?\b"
)


class Received(NamedTuple):
    """The time a message was received (None: the import's own time) and
    where that came from: "date", "mbox", "received" or "import"."""

    at: datetime | None
    source: str


# How the complaint's source detail says where the time came from; nothing
# for the Date header, the usual source.
NOTES = {
    "mbox": "received_at from the mbox From line",
    "received": "received_at from the Received header",
    "import": "received_at from the import (the message has no usable date)",
}


def time_received(message: EmailMessage, now: datetime | None = None) -> Received:
    """The best time received the message gives, and where it came from."""
    latest = (now or datetime.now(UTC)) + FUTURE_SLACK
    for source, found in _candidates(message):
        if found is not None and EARLIEST <= found <= latest:
            return Received(found.astimezone(UTC), source)
    return Received(None, "import")


def _candidates(message: EmailMessage) -> Iterator[tuple[str, datetime | None]]:
    yield "date", _header_date(_raw(message, "Date"))
    yield "mbox", _mbox_date(message.get_unixfrom() or "")
    for value in raw_headers(message, "Received"):
        _, semicolon, date = value.rpartition(";")
        if semicolon:
            yield "received", _header_date(date)


def _header_date(text: str | None) -> datetime | None:
    """An RFC 5322 date, or None when the text is not one."""
    if text is None or not text.strip() or len(text) > LONGEST_DATE:
        return None
    try:
        found = parsedate_to_datetime(" ".join(text.split()))
    except (ValueError, TypeError, IndexError, OverflowError):
        return None
    return _aware(found)


def _mbox_date(line: str) -> datetime | None:
    match = _MBOX_DATE.search(line[:LONGEST_DATE])
    if match is None:
        return None
    month, day, hour, minute, second, year, offset = match.groups()
    try:
        found = datetime(
            int(year), _MONTHS.split("|").index(month) + 1, int(day),
            int(hour), int(minute), int(second or 0),
        )  # fmt: skip
        if offset:
            return _header_date(f"{found:%d %b %Y %H:%M:%S} {offset}")
    except ValueError:
        return None
    return _aware(found)


def _aware(found: datetime) -> datetime | None:
    """A time with its zone (UTC when it has none); None when it lies so far
    out that converting it could overflow."""
    if not EARLIEST.year <= found.year <= 9998:
        return None
    return found if found.tzinfo is not None else found.replace(tzinfo=UTC)


def _raw(message: EmailMessage, name: str) -> str | None:
    return next(raw_headers(message, name), None)


def raw_headers(message: EmailMessage, name: str) -> Iterator[str]:
    """A header's values as written, newest first, not parsed by the header
    registry (which raises on some hostile input)."""
    wanted = name.lower()
    for key, value in message.raw_items():
        if key.lower() == wanted and isinstance(value, str):
            yield value
