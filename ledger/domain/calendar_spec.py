"""What people type to define a business-hours calendar, read into the plain
definition the ledger stores (`CalendarSet` events of the Policy):

    {"tz": "Europe/Berlin",
     "hours": [[0, 540, 1050], …],   # weekday (0 = Monday), start, end minute
     "holidays": "DE-BY" | None,
     "closed": ["2026-12-24", …]}

An end minute above 1440 is a range that crosses midnight into the next day
(`fri 22:00-06:00` is `[4, 1320, 1800]`). The arithmetic on a definition is
in ledger/domain/workclock.py.
"""

from __future__ import annotations

import re
from datetime import date
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from ledger.errors import InvalidInput

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_MINUTES = 1440
_TIME = re.compile(r"^([01][0-9]|2[0-4]):([0-5][0-9])$")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_HOLIDAYS = re.compile(r"^([A-Z]{2,3})(?:-([A-Z0-9]{1,4}))?$")
HOURS_HINT = (
    'for example "mon-fri 09:00-17:30" or '
    '"mon-fri 08:00-12:00,13:00-17:00; sat 10:00-14:00"'
)


def check_name(name: str) -> str:
    """A calendar's name: lower-case letters, digits, `-` and `_`."""
    if not _NAME.match(name):
        raise InvalidInput(
            f"'{name}' is not a calendar name: use up to 40 lower-case letters, "
            "digits, - and _, starting with a letter or digit"
        )
    return name


def check_zone(text: str) -> str:
    """An IANA time zone name, `Europe/Berlin`."""
    name = text.strip()
    # Checked against the list first: ZoneInfo would also read a file path.
    if name not in available_timezones():
        raise InvalidInput(
            f"'{text}' is not a time zone: use an IANA name such as Europe/Berlin"
        )
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"'{text}': the time zone data cannot be read") from None
    return name


def parse_hours(spec: str) -> list[list[int]]:
    """`mon-fri 09:00-17:30; sat 10:00-14:00` as [weekday, start, end] ranges,
    in week order. Groups are separated by `;`, each a day (`mon`), a span of
    days (`mon-fri`, `fri-mon`) or a list (`mon,wed`), then ranges
    separated by `,`; an end before its start crosses midnight."""
    ranges: list[list[int]] = []
    groups = [g.strip() for g in spec.split(";")]
    if not any(groups):
        raise InvalidInput(f"'{spec}' gives no working hours: write them {HOURS_HINT}")
    for group in groups:
        if not group:
            continue
        days_text, _, times_text = group.partition(" ")
        if not times_text.strip():
            raise InvalidInput(f"'{group}' names no hours: write them {HOURS_HINT}")
        days = _days(days_text)
        for part in times_text.replace(" ", "").split(","):
            start, end = _range(part)
            ranges += [[day, start, end] for day in days]
    ranges.sort()
    _refuse_overlaps(ranges)
    return ranges


def _days(text: str) -> list[int]:
    days: list[int] = []
    for item in text.lower().split(","):
        first, dash, last = item.partition("-")
        if first not in DAYS or (dash and last not in DAYS):
            raise InvalidInput(
                f"'{text}' is not a day or span of days: use mon, tue, wed, thu, "
                "fri, sat, sun, a span such as mon-fri or a list such as mon,wed"
            )
        a = DAYS.index(first)
        b = DAYS.index(last) if dash else a
        span = (b - a) % 7
        days += [(a + i) % 7 for i in range(span + 1)]
    if len(set(days)) != len(days):
        raise InvalidInput(f"'{text}' names a day twice")
    return days


def _minutes(text: str) -> int:
    match = _TIME.match(text)
    if not match or (match.group(1) == "24" and match.group(2) != "00"):
        raise InvalidInput(f"'{text}' is not a time of day: use HH:MM, 00:00 to 24:00")
    return int(match.group(1)) * 60 + int(match.group(2))


def _range(text: str) -> tuple[int, int]:
    first, dash, last = text.partition("-")
    if not dash:
        raise InvalidInput(f"'{text}' is not a range of hours: write it as 09:00-17:30")
    start, end = _minutes(first), _minutes(last)
    if start == DAY_MINUTES:
        raise InvalidInput(f"'{text}' starts at 24:00: start it at 00:00")
    if start == end:
        raise InvalidInput(f"'{text}' is empty: its start and end are the same")
    if end < start:
        end += DAY_MINUTES  # crosses midnight
    return start, end


def _refuse_overlaps(ranges: list[list[int]]) -> None:
    week = 7 * DAY_MINUTES
    spans = sorted(
        (day * DAY_MINUTES + start, day * DAY_MINUTES + end)
        for day, start, end in ranges
    )
    # The week wraps: a Sunday night range runs into Monday morning.
    spans += [(a + week, b + week) for a, b in spans]
    for (_, end), (start, _) in pairwise(spans):
        if start < end:
            raise InvalidInput("the working hours overlap: give each time once")


def check_holidays(code: str) -> str:
    """`DE` or `DE-BY`: a country, and perhaps a subdivision, that the
    `holidays` package knows."""
    match = _HOLIDAYS.match(code.strip().upper())
    if not match:
        raise InvalidInput(
            f"'{code}' is not a holiday calendar: use a country code, perhaps with "
            "a subdivision, such as DE, DE-BY or US-NY"
        )
    import holidays  # when used: 40 ms to import

    country, subdivision = match.group(1), match.group(2)
    try:
        holidays.country_holidays(country, subdiv=subdivision)
    except NotImplementedError:
        if subdivision is None:
            raise InvalidInput(
                f"'{code}': the holidays package knows no country {country}"
            ) from None
        raise InvalidInput(
            f"'{code}': the holidays package knows no subdivision {subdivision} "
            f"of {country}"
        ) from None
    return match.group(0)


def check_closed(text: str) -> str:
    """A closed day, `2026-12-24`."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"'{text}' is not a date: write it as 2026-12-24") from None
    if not 1970 <= day.year < 2200:
        raise InvalidInput(
            f"'{text}' is out of range: plaint takes dates from 1970 up to 2199"
        )
    return day.isoformat()


def definition(
    tz: str, hours: str, holidays: str | None, closed: tuple[str, ...] | list[str]
) -> dict[str, Any]:
    """A calendar's definition from what was typed, every part checked."""
    return {
        "tz": check_zone(tz),
        "hours": parse_hours(hours),
        "holidays": None if holidays is None else check_holidays(holidays),
        "closed": sorted({check_closed(day) for day in closed}),
    }


def describe_hours(hours: list[list[int]]) -> str:
    """The ranges as a person writes them, `mon 09:00-17:30; tue 09:00-17:30`
    grouped by identical days: `mon-fri 09:00-17:30`."""
    by_day: dict[int, list[str]] = {}
    for day, start, end in hours:
        by_day.setdefault(day, []).append(f"{_clock(start)}-{_clock(end)}")
    groups: list[tuple[list[int], str]] = []
    for day in sorted(by_day):
        times = ",".join(by_day[day])
        if groups and groups[-1][1] == times and groups[-1][0][-1] == day - 1:
            groups[-1][0].append(day)
        else:
            groups.append(([day], times))
    parts = []
    for days, times in groups:
        name = DAYS[days[0]] if len(days) == 1 else f"{DAYS[days[0]]}-{DAYS[days[-1]]}"
        parts.append(f"{name} {times}")
    return "; ".join(parts)


def _clock(minute: int) -> str:
    if minute > DAY_MINUTES:
        minute -= DAY_MINUTES
    return f"{minute // 60:02d}:{minute % 60:02d}"
