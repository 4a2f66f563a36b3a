"""Working time on a business-hours calendar: a deadline so many working
seconds after an instant, and the working seconds between two instants.

An instant is working time when its wall-clock time in the calendar's zone
falls in one of the day's ranges and its local date is neither a public
holiday nor a closed day. So a range that crosses midnight ends at midnight
when the next day is closed; on the night clocks go forward, the skipped
hour is no working time, and on the night they go back, the repeated hour
counts twice. (The property tests compare this module, minute by minute,
with exactly that definition: tests/unit/test_workclock.py.)

Without a calendar, time runs around the clock: `add` is plain addition.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from ledger.domain.calendar_spec import DAY_MINUTES
from ledger.domain.timeutil import LATEST
from ledger.errors import InvalidInput

Interval = tuple[datetime, datetime]
ONE_DAY = timedelta(days=1)
# Every zone's offset lies within this of UTC (the widest are -12 and +14).
_REACH = timedelta(hours=16)
_STEP = timedelta(hours=6)
# Around the clock, a deadline is at most ten years after a time before 2200;
# on a calendar it may be further, but not past this.
_LAST_YEAR = LATEST.year + 200


class WorkClock:
    """The working intervals of one calendar definition, day by day (each
    day's computed once and kept)."""

    def __init__(self, definition: Mapping[str, Any]) -> None:
        self.zone = ZoneInfo(definition["tz"])
        self.closed = frozenset(date.fromisoformat(d) for d in definition["closed"])
        self.holidays = _holidays(definition.get("holidays"))
        # Each weekday's ranges in minutes of that day, ranges crossing
        # midnight cut there and their rest given to the next day.
        pieces: list[list[tuple[int, int]]] = [[] for _ in range(7)]
        for day, start, end in definition["hours"]:
            pieces[day].append((start, min(end, DAY_MINUTES)))
            if end > DAY_MINUTES:
                pieces[(day + 1) % 7].append((0, end - DAY_MINUTES))
        self.pieces = tuple(tuple(sorted(p)) for p in pieces)
        self._days: dict[date, tuple[Interval, ...]] = {}

    # The two questions.

    def add(self, start: datetime, seconds: int) -> datetime:
        """The earliest instant by which `seconds` of working time have passed
        since `start` (`start` itself for none)."""
        left = timedelta(seconds=seconds)
        if left <= timedelta(0):
            return start
        day = self._local_date(start) - ONE_DAY
        while True:
            for begin, end in self.day(day):
                if end <= start:
                    continue
                begin = max(begin, start)
                if end - begin >= left:
                    return begin + left
                left -= end - begin
            day += ONE_DAY
            if day.year >= _LAST_YEAR:
                raise InvalidInput(
                    f"a deadline {seconds // 3600} working hours after "
                    f"{start.isoformat()} falls after {_LAST_YEAR}: the calendar "
                    "has too few working hours for it"
                )

    def between(self, start: datetime, end: datetime) -> int:
        """The working seconds from `start` to `end` (none when `end` is not
        after `start`), rounded down."""
        if end <= start:
            return 0
        total = timedelta(0)
        day, last = self._local_date(start) - ONE_DAY, self._local_date(end) + ONE_DAY
        while day <= last:
            for begin, finish in self.day(day):
                overlap = min(finish, end) - max(begin, start)
                if overlap > timedelta(0):
                    total += overlap
            day += ONE_DAY
        return int(total.total_seconds())

    # The working intervals of one local date, in UTC.

    def day(self, local: date) -> tuple[Interval, ...]:
        """The working intervals of a local date, as UTC instants, in order."""
        found = self._days.get(local)
        if found is None:
            found = self._days[local] = self._compute(local)
        return found

    def _compute(self, local: date) -> tuple[Interval, ...]:
        pieces = self.pieces[local.weekday()]
        if not pieces or local in self.closed or self._holiday(local):
            return ()
        midnight = datetime(local.year, local.month, local.day, tzinfo=UTC)
        found: list[Interval] = []
        for seg_start, seg_end, offset in self._segments(midnight):
            for first, last in pieces:
                # The instants of this segment whose wall-clock time lies in
                # [first, last) of this date.
                begin = max(seg_start, midnight + timedelta(minutes=first) - offset)
                end = min(seg_end, midnight + timedelta(minutes=last) - offset)
                if begin < end:
                    found.append((begin, end))
        found.sort()
        merged: list[Interval] = []
        for begin, end in found:
            if merged and begin <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((begin, end))
        return tuple(merged)

    def _segments(
        self, midnight: datetime
    ) -> list[tuple[datetime, datetime, timedelta]]:
        """The stretches of constant UTC offset over the instants whose local
        date may be this one (from 16 h before its midnight, as if UTC, to
        16 h after its end), each with its offset. Transitions are found by
        sampling every 6 hours and bisecting to the second."""
        low, high = midnight - _REACH, midnight + ONE_DAY + _REACH
        segments = []
        begin, offset = low, self._offset(low)
        probe = low
        while probe < high:
            nxt = min(probe + _STEP, high)
            after = self._offset(nxt)
            if after != offset:
                change = self._transition(probe, nxt, offset)
                segments.append((begin, change, offset))
                begin, offset = change, self._offset(change)
                probe = change  # look on from the change: there may be another
                continue
            probe = nxt
        segments.append((begin, high, offset))
        return segments

    def _transition(self, low: datetime, high: datetime, offset: timedelta) -> datetime:
        """The first second after `low`, up to `high`, whose offset is not `offset`."""
        lo, hi = 0, int((high - low).total_seconds())
        while lo + 1 < hi:
            mid = (lo + hi) // 2
            if self._offset(low + timedelta(seconds=mid)) == offset:
                lo = mid
            else:
                hi = mid
        return low + timedelta(seconds=hi)

    def _offset(self, moment: datetime) -> timedelta:
        offset = moment.astimezone(self.zone).utcoffset()
        assert offset is not None
        return offset

    def _local_date(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()

    def _holiday(self, local: date) -> bool:
        return self.holidays is not None and local in self.holidays


def _holidays(code: str | None) -> Any:
    if code is None:
        return None
    import holidays  # when used: 40 ms to import

    country, _, subdivision = code.partition("-")
    return holidays.country_holidays(country, subdiv=subdivision or None)


@lru_cache(maxsize=64)
def _clock(key: str) -> WorkClock:
    return WorkClock(json.loads(key))


def clock_for(definition: Mapping[str, Any]) -> WorkClock:
    """The clock of a definition, kept between uses (its days computed once)."""
    return _clock(json.dumps(definition, sort_keys=True))


def add(
    moment: datetime, seconds: int | None, definition: Mapping[str, Any] | None
) -> datetime | None:
    """A deadline `seconds` of working time after `moment` (wall-clock time
    without a calendar), or None when there is no duration."""
    if seconds is None:
        return None
    if definition is None:
        return moment + timedelta(seconds=seconds)
    return clock_for(definition).add(moment, seconds)


def between(
    start: datetime, end: datetime, definition: Mapping[str, Any] | None
) -> int:
    """The working seconds from `start` to `end` (all of them without a calendar)."""
    if definition is None:
        return max(0, int((end - start).total_seconds()))
    return clock_for(definition).between(start, end)
