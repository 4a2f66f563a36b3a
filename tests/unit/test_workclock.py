"""Working time on a business-hours calendar, checked against a reference
that steps minute by minute through the definition itself: an instant is
working time when its wall-clock time in the zone falls in a range of its
local date, and that date is no holiday and not closed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.domain.calendar_spec import definition
from ledger.domain.workclock import WorkClock
from ledger.errors import InvalidInput

QUICK = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
MINUTE = timedelta(minutes=1)

# Zones with daylight saving both ways, and the zones farthest from UTC.
ZONES = (
    "Europe/Berlin", "America/New_York", "Pacific/Kiritimati", "Pacific/Pago_Pago",
    "Australia/Lord_Howe", "UTC",
)  # fmt: skip
HOURS = (
    "mon-fri 09:00-17:30",
    "mon-fri 08:00-12:00,13:00-17:00; sat 10:00-14:00",
    "mon-sun 22:00-06:00",  # crosses midnight every day
    "mon-fri 01:30-03:30",  # inside the hour the clocks skip or repeat
    "fri-mon 20:00-04:00",
)
# A day before each daylight-saving change of 2026: Europe, North America,
# Lord Howe (half an hour); and a Christmas with its holidays.
STARTS = (
    datetime(2026, 3, 28, tzinfo=UTC), datetime(2026, 10, 24, tzinfo=UTC),
    datetime(2026, 3, 7, tzinfo=UTC), datetime(2026, 10, 31, tzinfo=UTC),
    datetime(2026, 4, 4, tzinfo=UTC), datetime(2026, 10, 3, tzinfo=UTC),
    datetime(2026, 12, 23, tzinfo=UTC),
)  # fmt: skip


OPENED = tuple(start.date() for start in STARTS)


@st.composite
def calendars(draw: Any) -> dict[str, Any]:
    closed = draw(st.lists(st.integers(0, 6), max_size=2))
    return definition(
        draw(st.sampled_from(ZONES)),
        draw(st.sampled_from(HOURS)),
        draw(st.sampled_from([None, "DE-BY", "US-NY"])),
        [(start + timedelta(days=d)).isoformat() for d in closed for start in OPENED],
    )


@st.composite
def starts(draw: Any) -> datetime:
    base = draw(st.sampled_from(STARTS))
    return base + draw(st.integers(0, 2 * 24 * 60)) * MINUTE


def working(calendar: dict[str, Any], moment: datetime, off: set[date]) -> bool:
    local = moment.astimezone(ZoneInfo(calendar["tz"]))
    day = local.date()
    if day.isoformat() in calendar["closed"] or day in off:
        return False
    minute = local.hour * 60 + local.minute
    for weekday, start, end in calendar["hours"]:
        if weekday == day.weekday() and start <= minute < min(end, 1440):
            return True
        yesterday = (day.weekday() - 1) % 7
        if weekday == yesterday and end > 1440 and minute < end - 1440:
            return True
    return False


def holidays_of(calendar: dict[str, Any]) -> set[date]:
    import holidays

    if calendar["holidays"] is None:
        return set()
    country, _, subdivision = calendar["holidays"].partition("-")
    found = holidays.country_holidays(country, subdiv=subdivision, years=[2026, 2027])
    return set(found)


def reference_add(calendar: dict[str, Any], start: datetime, minutes: int) -> datetime:
    off, moment, left = holidays_of(calendar), start, minutes
    if left == 0:
        return start
    while True:
        if working(calendar, moment, off):
            left -= 1
            if left == 0:
                return moment + MINUTE
        moment += MINUTE


def reference_between(calendar: dict[str, Any], start: datetime, end: datetime) -> int:
    off, moment, count = holidays_of(calendar), start, 0
    while moment < end:
        count += working(calendar, moment, off)
        moment += MINUTE
    return count * 60


@QUICK
@given(calendars(), starts(), st.integers(0, 16 * 60))
def test_a_deadline_is_where_the_minute_by_minute_reference_puts_it(
    calendar: dict[str, Any], start: datetime, minutes: int
) -> None:
    due = WorkClock(calendar).add(start, minutes * 60)
    assert due == reference_add(calendar, start, minutes)
    assert due >= start


@QUICK
@given(calendars(), starts(), st.integers(0, 3 * 24 * 60))
def test_the_working_time_between_two_instants_is_the_reference_s(
    calendar: dict[str, Any], start: datetime, minutes: int
) -> None:
    end = start + minutes * MINUTE
    assert WorkClock(calendar).between(start, end) == reference_between(
        calendar, start, end
    )


@QUICK
@given(calendars(), starts(), st.integers(0, 40 * 3600), st.integers(0, 40 * 3600))
def test_adding_is_monotone_and_additive_and_between_undoes_it(
    calendar: dict[str, Any], start: datetime, first: int, second: int
) -> None:
    clock = WorkClock(calendar)
    once = clock.add(start, first)
    assert clock.add(start, min(first, second)) <= clock.add(start, max(first, second))
    if first > 0:
        assert clock.add(once, second) == clock.add(start, first + second)
    assert clock.between(start, clock.add(start, first)) == first


def test_friday_evening_plus_eight_working_hours_is_monday_afternoon() -> None:
    office = definition("Europe/Berlin", "mon-fri 09:00-17:30", "DE-BY", [])
    friday_5pm = datetime(2026, 3, 27, 16, 0, tzinfo=UTC)  # 17:00 CET
    # Half an hour on Friday, then 7.5 hours from 09:00 CEST on Monday.
    assert WorkClock(office).add(friday_5pm, 8 * 3600) == datetime(
        2026, 3, 30, 14, 30, tzinfo=UTC
    )


def test_a_night_shift_loses_the_hour_clocks_skip_and_gains_the_one_they_repeat() -> (
    None
):
    nights = WorkClock(definition("America/New_York", "sat-sun 00:00-06:00", None, []))
    spring, autumn = date(2026, 3, 8), date(2026, 11, 1)
    assert sum((e - s for s, e in nights.day(spring)), timedelta()) == timedelta(
        hours=5
    )
    assert sum((e - s for s, e in nights.day(autumn)), timedelta()) == timedelta(
        hours=7
    )


def test_a_duration_the_calendar_cannot_hold_is_refused_not_looped_on() -> None:
    sparse = WorkClock(definition("UTC", "sun 23:59-24:00", None, []))
    start = datetime(2026, 3, 1, tzinfo=UTC)
    with pytest.raises(InvalidInput) as refused:
        sparse.add(start, 520 * 7 * 86400)
    assert str(refused.value) == (
        "a deadline 87360 working hours after 2026-03-01T00:00:00+00:00 falls "
        "after 2400: the calendar has too few working hours for it"
    )
