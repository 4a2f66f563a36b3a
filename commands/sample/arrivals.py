"""Who complains, about what, and when: each complaint's arrival and its
words, drawn from the sample's data, with Hermes's surge in its last weeks."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from commands.sample.data import (
    CHANNELS,
    DAY,
    DETAILS,
    FIRST,
    LAST,
    PROJECTS,
    SEVERITIES,
    SOURCES,
    SUMMARIES,
    SURGE_DAYS,
    SURGE_SEVERITIES,
    Project,
)
from ledger.domain.intake import Intake


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


def arrivals(
    rng: random.Random, start: datetime, end: datetime, count: int
) -> list[tuple[datetime, Case]]:
    """When each complaint arrives and what it says, sorted by time."""
    span = (end - start).total_seconds()
    found = []
    for project in PROJECTS:
        for _ in range(round(count * project.share)):
            surge = project.name == "Hermes" and rng.random() < 0.4
            low, high = project.weeks
            if surge:
                low = 1 - SURGE_DAYS * DAY / span
            offset = rng.uniform(low, high) * span
            when = start + timedelta(seconds=offset)
            if when.weekday() >= 5 and rng.random() < 0.75:
                when -= timedelta(days=2)
            when = when.replace(
                hour=rng.randint(8, 17),
                minute=rng.randint(0, 59),
                second=0,
                microsecond=0,
            )
            if start < when < end - timedelta(hours=1):
                found.append((when, _case(rng, project, surge, when)))
    return sorted(found, key=lambda pair: (pair[0], pair[1].intake.summary))


def _case(rng: random.Random, project: Project, surge: bool, when: datetime) -> Case:
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


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]
