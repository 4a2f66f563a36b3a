"""Durations, times and the clock: UTC inside the ledger, read from what people type."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ledger.errors import InvalidInput

Clock = Callable[[], datetime]

_UNITS = {"m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"^([1-9][0-9]{0,5})([mhdw])$")
# Deadlines are at most ten years after a time received before 2200, so that
# every time the ledger computes stays far inside what datetime can hold.
MAX_DURATION = 520 * _UNITS["w"]
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
TIME_RANGE = "plaint takes times from 1970 up to the end of 2199 (UTC)"
# How far ahead of this machine's clock a time received may be: others' clocks
# run a little fast.
FUTURE_SLACK = timedelta(minutes=5)


def system_clock() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def parse_duration(text: str) -> int:
    """Seconds in a duration written as `30m`, `4h`, `2d` or `1w`."""
    match = _DURATION.match(text.strip())
    if not match:
        raise InvalidInput(
            f"'{text}' is not a duration: write a whole number and a unit, "
            "m, h, d or w (for example 30m, 4h, 2d, 1w)"
        )
    seconds = int(match.group(1)) * _UNITS[match.group(2)]
    if seconds > MAX_DURATION:
        raise InvalidInput(f"'{text}' is too long: the longest duration is 520w")
    return seconds


def format_duration(seconds: int) -> str:
    """The shortest exact way to write a duration, as `parse_duration` reads it."""
    for unit in ("w", "d", "h", "m"):
        if seconds % _UNITS[unit] == 0:
            return f"{seconds // _UNITS[unit]}{unit}"
    return f"{seconds}s"


def parse_time(text: str) -> datetime:
    """An ISO 8601 time as timezone-aware UTC; a time without a zone is UTC.
    Refused outside EARLIEST..LATEST."""
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(
            f"'{text}' is not a time: use ISO 8601, for example "
            "2026-03-01 or 2026-03-01T14:30 or 2026-03-01T14:30+01:00"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    if not EARLIEST <= parsed < LATEST:  # before astimezone, which can overflow
        raise InvalidInput(f"'{text}' is out of range: {TIME_RANGE}")
    return parsed.astimezone(UTC)


def check_range(moment: datetime, what: str) -> datetime:
    """`moment` when it lies within EARLIEST..LATEST; refused otherwise."""
    if not EARLIEST <= moment < LATEST:
        raise InvalidInput(f"{what} {moment.isoformat()} is out of range: {TIME_RANGE}")
    return moment


def check_not_future(moment: datetime, now: datetime, what: str) -> datetime:
    """`moment` when it is not later than `now`, give or take FUTURE_SLACK."""
    if moment > now + FUTURE_SLACK:
        raise InvalidInput(
            f"{what} {iso(moment)} is in the future: it is {iso(now)} now"
        )
    return moment


def iso(moment: datetime | None) -> str | None:
    """A time for machines: ISO 8601 in UTC with a `Z`, or None."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def stamp(moment: datetime | None) -> str | None:
    """A time for views: fixed-width UTC text, so that text order is time order."""
    if moment is None:
        return None
    # Formatted by hand: three times faster than strftime, and a rebuild
    # stamps several times per event. The year is padded to four digits, as
    # strftime does for every year from 1000 on.
    m = moment.astimezone(UTC)
    return "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ" % (  # noqa: UP031 - the fastest
        m.year, m.month, m.day, m.hour, m.minute, m.second, m.microsecond
    )  # fmt: skip


def local(moment: datetime | None) -> str:
    """A time for people: the local time zone, to the minute."""
    if moment is None:
        return "-"
    return moment.astimezone().strftime("%Y-%m-%d %H:%M %Z")


def add(moment: datetime, seconds: int | None) -> datetime | None:
    """A deadline `seconds` after `moment`, or None when there is no duration."""
    return None if seconds is None else moment + timedelta(seconds=seconds)


@dataclass
class ManualClock:
    """A clock moved by hand: the demo generator's (events carry historical
    times) and the tests'."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now


def span(seconds: float) -> str:
    """A duration as a person reads it at a glance: its two largest units,
    rounded down (`2d 3h`, `45m`, `under a minute`)."""
    left = int(abs(seconds))
    parts = []
    for unit, size in (("d", 86_400), ("h", 3_600), ("m", 60)):
        if left >= size:
            parts.append(f"{left // size}{unit}")
            left %= size
    return " ".join(parts[:2]) or "under a minute"
