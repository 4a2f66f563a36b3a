"""The story the sample plays: the team set up, then each complaint living
its life through the real use cases of `ComplaintLedger`, under a clock moved
forward, with the lead's sweep every weekday morning.

Each complaint's life is a generator that yields how long to wait before its
next step; one queue interleaves all of them with the sweeps, in time order.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from commands.sample.arrivals import Case, arrivals
from commands.sample.data import (
    AGENTS,
    CALENDARS,
    CHANNEL_OWNERS,
    COMMENTS,
    DAY,
    HOUR,
    POLICY,
    PROJECTS,
    REASONS,
    RESOLUTIONS,
    RESPONSES,
    TEAM,
    THANKS,
    WAITS,
)
from commands.sample.timeline import Timeline
from ledger.domain.timeutil import ManualClock, parse_time
from ledger.domain.vocabulary import Role
from ledger.errors import PermissionDenied, RuleViolation

if TYPE_CHECKING:
    from ledger.application import ComplaintLedger
    from projections.store import ViewSQL


def setup_team(ledger: ComplaintLedger) -> None:
    """Add the sample team and set the sample policy (as the ledger's admin)."""
    for name, role in {**TEAM, **dict.fromkeys(AGENTS, "agent")}.items():
        if name != ledger.actor:
            ledger.add_member(name, Role(role))
    for name, (zone, hours, holidays) in CALENDARS.items():
        ledger.set_calendar(name, zone, hours, holidays)
    for channel, severity, changes in POLICY:
        ledger.set_policy(channel, severity, dict(changes))


def generate(
    ledger: ComplaintLedger,
    clock: ManualClock,
    *,
    complaints: int = 400,
    seed: int = 7,
    weeks: int = 26,
) -> dict[str, Any]:
    """Fill a fresh ledger with `complaints` complaints over `weeks` weeks ending
    at the clock's time, which is where the clock is left."""
    end = clock.now
    start = end - timedelta(weeks=weeks)
    clock.now = start
    admin = ledger.actor
    setup_team(ledger)
    rng = random.Random(seed)  # noqa: S311 - sample data, not secrets
    simulation = Simulation(
        ledger,
        clock,
        rng,
        start,
        end,
        # Reads draw from their own sequence, so the complaints' lives are the
        # same with or without them.
        reading=random.Random(f"reading-{seed}"),  # noqa: S311
    )
    simulation.run(arrivals(rng, start, end, complaints))
    clock.now, ledger.actor = end, admin
    return {
        "complaints": ledger.complaint_count(),
        "events": ledger.events_after(0),
        "projects": [p.name for p in PROJECTS],
        "start": start,
        "end": end,
    }


class Simulation:
    """Complaints living their lives, and a sweep every weekday morning."""

    def __init__(
        self,
        ledger: ComplaintLedger,
        clock: ManualClock,
        rng: random.Random,
        start: datetime,
        end: datetime,
        reading: random.Random,
    ) -> None:
        self.ledger, self.clock, self.rng = ledger, clock, rng
        self.reading = reading
        self.admin = ledger.actor
        self.start, self.end = start, end
        self.timeline = Timeline(clock, end)
        self.cases: dict[str, Case] = {}
        self.store: ViewSQL | None = None

    def run(self, cases: list[tuple[datetime, Case]]) -> None:
        """Live every case, and sweep, until nothing is left to do."""
        for when, case in cases:
            self.timeline.at(when, self.timeline.play(self._life(case)))
        self._cover_for_the_lead()
        day = self.start.replace(hour=8, minute=0, second=0, microsecond=0)
        while day <= self.end:
            if day.weekday() < 5:
                self.timeline.at(day, self._sweep)
            day += timedelta(days=1)
        self.timeline.run()

    def _as(self, member: str) -> ComplaintLedger:
        # One ledger acts for the whole team: each step names who takes it.
        self.ledger.actor = member
        return self.ledger

    def _did(self, case: Case, view: dict[str, Any], met: str | None = None) -> None:
        case.owner, case.status = view["owner"], view["status"]
        due = case.deadlines.get(met) if met else None
        if due is not None and self.clock.now > due:
            case.late = True

    def _wait(self, case: Case, deadline: str, fraction: float = 0.45) -> float:
        """A wait drawn so that most steps meet their deadline at pace 1."""
        due = case.deadlines.get(deadline)
        allowed = (due - case.received).total_seconds() if due else 3 * DAY
        pace = case.project.pace * (3.0 if case.surge else 1.0)
        return self.rng.expovariate(1 / (fraction * allowed * pace))

    def _life(self, case: Case) -> Iterator[float]:
        rng, intake = self.rng, case.intake
        positive = intake.severity == "positive"
        yield (
            rng.uniform(5, 30) * 60
            if intake.channel in ("phone", "chat")
            else (rng.uniform(0.2, 4) * HOUR)
        )
        filed = self._as(CHANNEL_OWNERS[intake.channel]).file(intake)
        case.ref, case.owner = filed["ref"], filed["owner"]
        case.deadlines = {k: v and parse_time(v) for k, v in filed["deadlines"].items()}
        self.cases[case.ref] = case
        yield self._wait(case, "ack")
        self._did(case, self._as(case.owner).acknowledge(case.ref), "ack")
        yield from self._triage_and_route(case, positive)
        if not positive and rng.random() < 0.15:
            # Waiting on the customer: the clock stops until they answer.
            yield rng.uniform(0.5, 4) * HOUR
            self._did(case, self._as(case.owner).wait(case.ref, rng.choice(WAITS)))
            yield rng.uniform(0.3, 4) * DAY
            view = self._as(case.owner).resume(case.ref)
            case.deadlines = {
                k: v and parse_time(v) for k, v in view["deadlines"].items()
            }
            self._did(case, view)
        if not positive and rng.random() < 0.03:
            yield rng.uniform(1, 5) * DAY
            view = self._as(case.owner).withdraw(case.ref, "the customer withdrew it")
            self._did(case, view)
            return
        yield self._wait(case, "respond", 0.3)
        message = THANKS if positive else rng.choice(RESPONSES)
        self._did(case, self._as(case.owner).respond(case.ref, message), "respond")
        yield self._wait(case, "resolve", 0.3)
        resolution = (
            "Shared with the whole team." if positive else rng.choice(RESOLUTIONS)
        )
        self._did(case, self._as(case.owner).resolve(case.ref, resolution), "resolve")
        if not positive and rng.random() < 0.06:
            yield rng.uniform(2, 6) * DAY
            reopened = self._as(case.owner).reopen(case.ref, "the problem came back")
            self._did(case, reopened)
            yield rng.uniform(1, 4) * DAY
            view = self._as(case.owner).resolve(case.ref, rng.choice(RESOLUTIONS))
            self._did(case, view, "resolve")
        if not positive and rng.random() < 0.6:
            yield rng.uniform(1, 7) * DAY
            score = self._score(case)
            comment = COMMENTS[score] if rng.random() < 0.7 else None
            self._as(case.owner).survey(case.ref, score, comment)
        if rng.random() < 0.7:
            yield rng.uniform(2, 10) * DAY
            self._did(case, self._as(case.owner).close_complaint(case.ref))

    def _triage_and_route(self, case: Case, positive: bool) -> Iterator[float]:
        """Notes, re-assessment, reassignment and manual escalation, after the
        acknowledgement and before the response."""
        rng, lead = self.rng, "lee"
        if rng.random() < 0.35:
            yield rng.uniform(0.5, 8) * HOUR
            self._as(case.owner).note(case.ref, "Called the customer back.")
        if positive:
            return
        leak = "another customer's details" in case.intake.summary
        if leak and rng.random() < 0.5:
            yield rng.uniform(0.5, 3) * HOUR
            self._as(lead).make_confidential(
                case.ref, ["manager"], "it holds other customers' personal data"
            )
            self._confidential_reads(case)
        order = ["mild", "moderate", "severe"]
        if rng.random() < 0.1 and case.intake.severity in order:
            yield rng.uniform(1, 6) * HOUR
            index = order.index(case.intake.severity)
            index = index + 1 if index < 2 and rng.random() < 0.7 else max(0, index - 1)
            if order[index] != case.intake.severity:
                self._did(case, self._as(lead).triage(case.ref, order[index]))
        if rng.random() < 0.15 and case.owner in AGENTS:
            yield rng.uniform(1, 6) * HOUR
            other = rng.choice([a for a in AGENTS if a != case.owner])
            self._did(case, self._as(lead).assign(case.ref, other))
        chance = {"severe": 0.35, "moderate": 0.07}.get(case.intake.severity, 0.0)
        for _level in range(2):
            if rng.random() >= chance * (1.8 if case.surge else 1.0):
                return
            yield rng.uniform(2, 20) * HOUR
            if case.status not in ("acknowledged", "in_progress"):
                return
            try:  # one rung up the ladder, unless it is at the top
                view = self._as(lead).escalate(case.ref, None, rng.choice(REASONS))
            except RuleViolation:
                return
            self._did(case, view)
            case.escalated = True

    def _confidential_reads(self, case: Case) -> None:
        """Who opens a complaint once it is confidential: its owner at once;
        the manager (allowed by role) often, now and then as an export; and
        sometimes a colleague covering the channel, refused until the lead
        grants them access for a few days."""
        rng, ref = self.reading, case.ref
        at, later = self.timeline.at, self.timeline.later
        self._open(case.owner, ref)
        if rng.random() < 0.8:
            how = "history" if rng.random() < 0.3 else "show"
            export = rng.random() < 0.3
            when = later(rng.uniform(2, 30) * HOUR)
            at(when, lambda: self._open("max", ref, how, export=export))
        if rng.random() < 0.5:
            colleague = rng.choice([a for a in AGENTS if a != case.owner])
            tried = later(rng.uniform(4, 48) * HOUR)
            at(tried, lambda: self._open(colleague, ref))
            if rng.random() < 0.6:
                granted = tried + timedelta(hours=1)
                reason = f"covers for {case.owner}"
                at(granted, lambda: self._as("lee").grant(ref, colleague, reason))
                at(granted + timedelta(minutes=20), lambda: self._open(colleague, ref))
                revoked = granted + timedelta(days=rng.randint(2, 5))
                at(revoked, lambda: self._as("lee").revoke(ref, colleague, None))

    def _open(
        self, member: str, ref: str, how: str = "show", *, export: bool = False
    ) -> None:
        """`member` runs `plaint show REF` (or `history`); the ledger records
        the read, or the refusal."""
        ledger = self._as(member)
        user = ledger.environ.get("USER")
        ledger.environ["USER"] = member  # each member works on their own machine
        try:
            if how == "history":
                ledger.history(ref, export=export)
            else:
                ledger.show(ref, export=export)
        except PermissionDenied:
            pass  # refused and recorded: what happens to a member not allowed
        finally:
            if user is None:
                del ledger.environ["USER"]
            else:
                ledger.environ["USER"] = user

    def _cover_for_the_lead(self) -> None:
        """Midway, an agent stands in as lead for two weeks, then goes back."""
        middle = self.start + (self.end - self.start) / 2
        start = middle.replace(hour=9, minute=0, second=0, microsecond=0)
        admin = self.admin
        self.timeline.at(start, lambda: self._as(admin).change_role("dev", Role.LEAD))
        back = start + timedelta(weeks=2)
        self.timeline.at(back, lambda: self._as(admin).change_role("dev", Role.AGENT))

    def _score(self, case: Case) -> int:
        """Satisfaction: lower for severe, late or surge-time complaints; higher
        where an escalation put it right (service recovery)."""
        base = {"mild": 4.3, "moderate": 3.8, "severe": 3.3}[case.intake.severity]
        base += (-1.2 if case.late else 0) + (0.7 if case.escalated else 0)
        base += -1.6 if case.surge else 0
        return min(5, max(1, round(self.rng.gauss(base, 0.7))))

    def _sweep(self) -> None:
        # The sweep reads breaches from the views, exactly as `plaint sweep` does.
        from projections.catchup import catch_up, open_store
        from projections.queries import breaches

        ledger = self._as("lee")
        if self.store is None:
            self.store = open_store(ledger)
        store = self.store
        catch_up(ledger, store)
        for row in ledger.sweep(breaches(store, self.clock.now)):
            if row["outcome"] == "escalated" and row["ref"] in self.cases:
                case = self.cases[row["ref"]]
                case.owner, case.escalated = row["to"], True
