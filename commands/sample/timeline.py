"""The sample's time: steps queued for the moment they happen and run in time
order under a manual clock, and lives (generators of waits) played step by
step, in working hours."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

from ledger.domain.timeutil import ManualClock


class Timeline:
    """Steps waiting for their time, run in order with the clock set to it."""

    def __init__(self, clock: ManualClock, end: datetime) -> None:
        self.clock, self.end = clock, end
        self._queue: list[tuple[datetime, int, Callable[[], object]]] = []
        self._order = itertools.count()

    def at(self, when: datetime, step: Callable[[], object]) -> None:
        """Run `step` at `when`, unless that is after the end."""
        if when <= self.end:
            heapq.heappush(self._queue, (when, next(self._order), step))

    def play(self, life: Iterator[float]) -> Callable[[], None]:
        """A step that takes `life`'s next step and queues the one after for
        when the wait it yields is over."""

        def step() -> None:
            wait = next(life, None)
            if wait is not None:
                self.at(self.later(wait), step)

        return step

    def later(self, seconds: float) -> datetime:
        """`seconds` from now (at least a minute), in working hours: work
        waits for the morning."""
        later = self.clock.now + timedelta(seconds=max(60.0, seconds))
        if later.hour >= 21 or later.hour < 7:
            later += timedelta(hours=(31 - later.hour) % 24)
        return later.replace(second=0, microsecond=0)

    def run(self) -> None:
        """Run every step, those steps queue too, until none is left."""
        while self._queue:
            when, _, step = heapq.heappop(self._queue)
            self.clock.now = when
            step()
