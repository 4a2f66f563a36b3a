"""A seeded generator of realistic sample data, for `plaint demo` and tests.

It drives the real use cases of `ComplaintLedger` under a clock it moves
forward, so every event carries a historical time and the ledger holds what
months of real use would leave behind. Each complaint's life is a generator
that yields how long to wait before its next step; one queue interleaves all
of them with the daily sweep, in time order.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from ledger.domain.intake import Intake
from ledger.domain.timeutil import ManualClock, parse_time
from ledger.domain.vocabulary import Role
from ledger.errors import PermissionDenied

if TYPE_CHECKING:
    from ledger.application import ComplaintLedger
    from projections.store import ViewSQL

HOUR, DAY = 3600, 86400
TEAM = {"max": "manager", "lee": "lead", "ida": "auditor", "nia": "compliance"}
AGENTS = ("bob", "cara", "dev", "eli", "fay")
CHANNEL_OWNERS = {"email": "bob", "phone": "cara", "chat": "cara", "web": "dev",
                  "social": "eli", "survey": "eli", "meeting": "fay",
                  "internal": "fay", "other": "bob"}  # fmt: skip
POLICY: list[tuple[str, str, dict[str, Any]]] = [
    ("*", "*", {"owner": "bob", "escalate_to": "lee", "ack": DAY,
                "respond": 3 * DAY, "resolve": 14 * DAY}),
    ("*", "moderate", {"respond": 2 * DAY, "resolve": 10 * DAY}),
    ("*", "severe", {"escalate_to": "max", "ack": 4 * HOUR, "respond": DAY,
                     "resolve": 7 * DAY}),
    ("*", "positive", {"ack": 3 * DAY, "respond": 7 * DAY, "resolve": 14 * DAY}),
    *[(c, "*", {"owner": o}) for c, o in CHANNEL_OWNERS.items() if o != "bob"],
    ("phone", "*", {"ack": 4 * HOUR}),
    ("chat", "*", {"ack": 2 * HOUR}),
]  # fmt: skip
CHANNELS = {"email": 30, "phone": 15, "web": 15, "chat": 12, "survey": 8,
            "meeting": 6, "social": 6, "internal": 5, "other": 3}  # fmt: skip
SEVERITIES = {"positive": 15, "mild": 35, "moderate": 32, "severe": 18}
SURGE_SEVERITIES = {"positive": 3, "mild": 17, "moderate": 40, "severe": 40}
SURGE_DAYS = 18
SOURCES = {"email": "support@example.com", "phone": "service desk line",
           "web": "contact form", "chat": "web chat", "survey": "quarterly survey",
           "meeting": "steering committee", "social": "social media mention",
           "internal": "account manager", "other": "letter"}  # fmt: skip
SUMMARIES = {
    "positive": ["Thanks for the quick fix to the {system}",
                 "The {system} upgrade weekend went smoothly",
                 "Great help from the team setting up the {system}",
                 "The new {system} reports save us hours every week"],
    "mild": ["The {system} is slow to load in the morning",
             "Dates in the {system} export are in the wrong format",
             "Password reset mail for the {system} arrives late",
             "A typo on the {system} login page",
             "The {system} logs users out too often"],
    "moderate": ["The {system} times out at month end",
                 "Updates from the {system} are no longer emailed",
                 "The {system} shows yesterday's figures until noon",
                 "A change to the {system} was made without notice",
                 "Support for the {system} did not call back as promised"],
    "severe": ["The {system} was down for four hours during business",
               "Data in the {system} was lost after the release",
               "The {system} sent customers another customer's details",
               "Month-end close blocked by the {system} failing",
               "The same {system} outage happened for the third time"],
}  # fmt: skip
DETAILS = ["It started after last week's release.",
           "Several colleagues in the finance team see the same.",
           "We raised this on the phone before and heard nothing back.",
           "Our own customers noticed and called us about it.",
           "It happens every day between nine and ten."]  # fmt: skip
RESPONSES = ["We found the cause and are working on a fix.",
             "We are sorry; an engineer is on it and will call you today.",
             "A workaround is in place while we fix the root cause.",
             "We have rolled back the change and are monitoring."]  # fmt: skip
THANKS = "Thank you; we have passed this on to the whole team."
RESOLUTIONS = ["Fixed the configuration and added monitoring.",
               "Restored the data from backup and re-ran the batch.",
               "Scaled the service up and added an alert on its queue.",
               "Corrected the release and added a test for it.",
               "Explained the change and updated the documentation."]  # fmt: skip
REASONS = ["customer threatens to cancel the contract",
           "needs a change approved by the change board",
           "second occurrence this month",
           "the agent cannot reach the supplier"]  # fmt: skip
COMMENTS = {1: "Nobody told us what was going on.", 2: "Took far too long.",
            3: "Fixed in the end, but slowly.", 4: "Good recovery, thank you.",
            5: "Excellent, kept us informed throughout."}  # fmt: skip
FIRST = ["Jane", "Omar", "Priya", "Tom", "Ana", "Kenji", "Lena", "Sam", "Zoe", "Ravi"]
LAST = ["Roe", "Haddad", "Shah", "Berg", "Silva", "Ito", "Novak", "Okafor", "Moss"]


@dataclass(frozen=True)
class Project:
    """A sample project: what it runs, its share of complaints, and its pace."""

    name: str
    system: str
    share: float
    weeks: tuple[float, float]  # active, as fractions of the whole period
    pace: float  # how long handling takes; 1 keeps most deadlines


PROJECTS = (
    Project("Apollo", "customer portal", 0.32, (0.0, 1.0), 0.9),
    Project("Borealis", "data warehouse", 0.22, (0.0, 0.7), 1.4),
    Project("Cygnus", "service desk", 0.2, (0.15, 1.0), 1.0),
    # Hermes goes red: a surge of severe complaints, handled late, in its last weeks.
    Project("Hermes", "payments gateway", 0.26, (0.3, 1.0), 1.1),
)


@dataclass
class Case:
    """What the generator knows of one complaint while it lives it."""

    project: Project
    surge: bool
    intake: Intake
    received: datetime
    ref: str = ""
    owner: str = ""
    status: str = "received"
    deadlines: dict[str, datetime | None] = field(default_factory=dict)
    late: bool = False
    escalated: bool = False


def setup_team(ledger: ComplaintLedger) -> None:
    """Add the sample team and set the sample policy (as the ledger's admin)."""
    for name, role in {**TEAM, **dict.fromkeys(AGENTS, "agent")}.items():
        if name != ledger.actor:
            ledger.add_member(name, Role(role))
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
    simulation = Simulation(
        ledger,
        clock,
        random.Random(seed),  # noqa: S311 - sample data, not secrets
        start,
        end,
        # Reads draw from their own sequence, so the complaints' lives are the
        # same with or without them.
        reading=random.Random(f"reading-{seed}"),  # noqa: S311
    )
    simulation.run(simulation.arrivals(complaints))
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
        self.queue: list[tuple[datetime, int, Callable[[], object]]] = []
        self.order = itertools.count()
        self.cases: dict[str, Case] = {}
        self.store: ViewSQL | None = None

    def at(self, when: datetime, step: Callable[[], object]) -> None:
        """Run `step` at `when`, unless that is after the end."""
        if when <= self.end:
            heapq.heappush(self.queue, (when, next(self.order), step))

    def run(self, cases: list[tuple[datetime, Case]]) -> None:
        """Live every case, and sweep, until the queue is empty."""
        for when, case in cases:
            self.at(when, self._advance(self._life(case)))
        self._cover_for_the_lead()
        day = self.start.replace(hour=8, minute=0, second=0, microsecond=0)
        while day <= self.end:
            if day.weekday() < 5:
                self.at(day, self._sweep)
            day += timedelta(days=1)
        while self.queue:
            when, _, step = heapq.heappop(self.queue)
            self.clock.now = when
            step()

    def _advance(self, life: Iterator[float]) -> Callable[[], None]:
        def step() -> None:
            wait = next(life, None)
            if wait is not None:
                self.at(self._later(wait), step)

        return step

    def _later(self, seconds: float) -> datetime:
        """`seconds` from now (at least a minute), in working hours: work
        waits for the morning."""
        later = self.clock.now + timedelta(seconds=max(60.0, seconds))
        if later.hour >= 21 or later.hour < 7:
            later += timedelta(hours=(31 - later.hour) % 24)
        return later.replace(second=0, microsecond=0)

    def arrivals(self, count: int) -> list[tuple[datetime, Case]]:
        """When each complaint arrives and what it says, sorted by time."""
        rng, span = self.rng, (self.end - self.start).total_seconds()
        found = []
        for project in PROJECTS:
            for _ in range(round(count * project.share)):
                surge = project.name == "Hermes" and rng.random() < 0.4
                low, high = project.weeks
                if surge:
                    low = 1 - SURGE_DAYS * DAY / span
                offset = rng.uniform(low, high) * span
                when = self.start + timedelta(seconds=offset)
                if when.weekday() >= 5 and rng.random() < 0.75:
                    when -= timedelta(days=2)
                when = when.replace(
                    hour=rng.randint(8, 17),
                    minute=rng.randint(0, 59),
                    second=0,
                    microsecond=0,
                )
                if self.start < when < self.end - timedelta(hours=1):
                    found.append((when, self._case(project, surge, when)))
        return sorted(found, key=lambda pair: (pair[0], pair[1].intake.summary))

    def _case(self, project: Project, surge: bool, when: datetime) -> Case:
        rng = self.rng
        channel = _pick(rng, CHANNELS)
        severity = _pick(rng, SURGE_SEVERITIES if surge else SEVERITIES)
        first, last = rng.choice(FIRST), rng.choice(LAST)
        intake = Intake(
            project=project.name,
            channel=channel,
            severity=severity,
            summary=rng.choice(SUMMARIES[severity]).format(system=project.system),
            detail=rng.choice(DETAILS) if severity != "positive" else None,
            customer=f"{first} {last}",
            contact=f"{first.lower()}.{last.lower()}@example.com",
            source=SOURCES[channel],
            received_at=when,
        )
        return Case(project, surge, intake, when)

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
            target = "lee" if case.owner in AGENTS else "max"
            if case.owner == "max" or case.status not in (
                "acknowledged",
                "in_progress",
            ):
                return
            view = self._as(lead).escalate(case.ref, target, rng.choice(REASONS))
            self._did(case, view)
            case.escalated = True

    def _confidential_reads(self, case: Case) -> None:
        """Who opens a complaint once it is confidential: its owner at once;
        the manager (allowed by role) often, now and then as an export; and
        sometimes a colleague covering the channel, refused until the lead
        grants them access for a few days."""
        rng, ref = self.reading, case.ref
        self._open(case.owner, ref)
        if rng.random() < 0.8:
            how = "history" if rng.random() < 0.3 else "show"
            export = rng.random() < 0.3
            when = self._later(rng.uniform(2, 30) * HOUR)
            self.at(when, lambda: self._open("max", ref, how, export=export))
        if rng.random() < 0.5:
            colleague = rng.choice([a for a in AGENTS if a != case.owner])
            tried = self._later(rng.uniform(4, 48) * HOUR)
            self.at(tried, lambda: self._open(colleague, ref))
            if rng.random() < 0.6:
                granted = tried + timedelta(hours=1)
                reason = f"covers for {case.owner}"
                self.at(granted, lambda: self._as("lee").grant(ref, colleague, reason))
                self.at(
                    granted + timedelta(minutes=20), lambda: self._open(colleague, ref)
                )
                revoked = granted + timedelta(days=rng.randint(2, 5))
                self.at(revoked, lambda: self._as("lee").revoke(ref, colleague, None))

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
        self.at(start, lambda: self._as(self.admin).change_role("dev", Role.LEAD))
        back = start + timedelta(weeks=2)
        self.at(back, lambda: self._as(self.admin).change_role("dev", Role.AGENT))

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


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]
