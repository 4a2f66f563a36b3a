"""`python -m benchmarks.choices`: where plaint does by hand what the
eventsourcing library offers, each home-made way measured against the
library's own, back to back on this machine; writes benchmarks/CHOICES.md.

A home-made way stays only while it wins by more than NOISE: rerun this when
the library changes, and switch to the library's way where it no longer wins.
"""

from __future__ import annotations

import gc
import itertools
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from copy import deepcopy
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar
from uuid import uuid4

from eventsourcing.domain import Aggregate

from benchmarks.builders import create, environ_for, intake, ledger_path
from ledger.application import ComplaintLedger
from ledger.bulk.drafting import Filing, prepare
from ledger.domain.complaint import Complaint
from ledger.domain.intake import Intake
from ledger.domain.policy import Policy
from ledger.domain.team import Team
from ledger.domain.vocabulary import Role
from ledger.storage.location import parse_location

if TYPE_CHECKING:
    from ledger.domain.claims import IntakeClaim

A = TypeVar("A", bound=Aggregate)
HERE = Path(__file__).parent
NOISE = 0.05
ROUNDS = 7
DRAFT_ROUNDS = 25
DRAFTED = 2000  # complaints drafted per round
USES = 200  # use cases per round in one process
STARTS = 15  # fresh processes per way


# (a) Drafting: aggregates made by the library's private `_create` with the
# created event named (ledger/bulk/drafting.py), or by calling their classes,
# which first matches the arguments to __init__'s.


class CalledFiling(Filing):
    """Drafting with each aggregate made by calling its class."""

    def complaint(self, intake: Intake, number: int) -> Complaint:
        return Complaint(**self.filed(intake, number))

    def claim(self, claim_id: Any, number: int) -> IntakeClaim:
        from ledger.domain.claims import IntakeClaim  # where used, as Filing's

        return IntakeClaim(
            id=claim_id, number=number, actor=self.actor, timestamp=self.now
        )


def drafting(directory: str) -> dict[str, dict[str, float]]:
    """Making a complaint and its claim, and drafting and sealing them for an
    import (`prepare`), CPU µs a complaint, the best of DRAFT_ROUNDS."""
    ledger = create(directory)
    team, policy = ledger.team_and_policy()
    items = [(uuid4(), intake(n)) for n in range(DRAFTED)]
    home = ledger._filing(team, policy, (each for _, each in items))
    filings = {"home-made": home, "library": CalledFiling(**vars(home))}

    def make(filing: Filing, first: int) -> None:
        for claim, each in items:
            filing.complaint(each, first), filing.claim(claim, first)

    def draft(filing: Filing, first: int) -> None:
        prepared = prepare(filing, items, first, ledger.envelope, ledger.keyring)
        ledger.keyring.saved(prepared.keys)  # as an import's commit does

    times: dict[str, dict[str, list[float]]] = {}
    # Each run drafts new numbers: a complaint's data key, once made, is kept.
    firsts = itertools.count(1, DRAFTED)
    for _ in range(DRAFT_ROUNDS):
        for way, filing in filings.items():
            for job, run in (("make", make), ("prepare", draft)):
                cpu, _ = timed(DRAFTED, run, filing, next(firsts))
                times.setdefault(job, {}).setdefault(way, []).append(cpu)
    ledger.close()
    return best(times)


def timed(count: int, work: Callable[..., Any], *args: Any) -> tuple[float, float]:
    """CPU and wall µs for each of `count` items of `work(*args)`, after a
    garbage collection, so that one run's garbage is not the next run's cost."""
    gc.collect()
    cpu, wall = time.process_time(), time.perf_counter()
    work(*args)
    return (
        (time.process_time() - cpu) / count * 1e6,
        (time.perf_counter() - wall) / count * 1e6,
    )


def best(times: dict[str, dict[str, list[float]]]) -> dict[str, dict[str, float]]:
    """The best of each job's times for each way: the run least disturbed."""
    return {
        job: {way: min(t) for way, t in ways.items()} for job, ways in times.items()
    }


# (b) Loading the team, the policy and a complaint: one query for all, the
# team and policy kept (ledger/cases/common.py), or the library's repository
# with its aggregate cache, fast-forwarded.


class LibraryCache(ComplaintLedger):
    """The use cases loading through the library's repository and cache."""

    env: ClassVar[dict[str, str]] = {
        "AGGREGATE_CACHE_MAXSIZE": "1000",
        "AGGREGATE_CACHE_FASTFORWARD": "y",
        "DEEPCOPY_FROM_AGGREGATE_CACHE": "y",
    }

    def _kept(self, cls: type[A], name: str, *, checked: bool = False) -> A:
        return self._get(cls, self._singleton(name), name)

    def team_and_policy(self) -> tuple[Team, Policy]:
        return self.team(), self.policy()

    def complaint(
        self, ref: str, roles: tuple[Role, ...] = (), action: str = ""
    ) -> Complaint:
        if roles:
            self.team().authorise(self.actor, roles, action)
        return self._get(Complaint, self.complaint_id(ref), ref)

    @staticmethod
    def _to_change(aggregate: A) -> A:
        return aggregate  # the repository gives a copy already


class LibraryCacheReads(LibraryCache):
    """The same, the team and the policy given out to read without a copy
    (the library's `deepcopy_from_cache=False`), and copied to change."""

    def _kept(self, cls: type[A], name: str, *, checked: bool = False) -> A:
        get = partial(self.repository.get, deepcopy_from_cache=False)
        found = self._translated(partial(get, self._singleton(name)), name)
        assert isinstance(found, cls)
        return found

    @staticmethod
    def _to_change(aggregate: A) -> A:
        return deepcopy(aggregate)


WAYS: dict[str, type[ComplaintLedger]] = {
    "home-made": ComplaintLedger,
    "library": LibraryCache,
    "library, reads uncopied": LibraryCacheReads,
}


def opened(directory: str, way: str) -> ComplaintLedger:
    """The ledger in `directory`, opened with `way`'s loading."""
    environ = environ_for(directory)
    place = parse_location(ledger_path(directory), environ)
    return WAYS[way].open(place, actor="ann", environ=environ)


def use_cases(directory: str) -> dict[str, dict[str, float]]:
    """Each job USES times in one process, CPU and wall µs a use case (or a
    load), the best of ROUNDS."""
    ledger = create(directory)
    for n in range(USES):
        ledger.file(intake(n, external=False))
    ledger.close()
    workers = tuple(Role)
    jobs: dict[str, Callable[[ComplaintLedger, int], Any]] = {
        "file": lambda ledger, n: ledger.file(intake(n, external=False)),
        "note": lambda ledger, n: ledger.note(f"C-{n + 1}", "Called back."),
        "team and policy": lambda ledger, n: ledger.team_and_policy(),
        "complaint": lambda ledger, n: ledger.complaint(f"C-{n + 1}", workers, "x"),
        "again": lambda ledger, n: ledger.complaint(f"C-{n % 5 + 1}", workers, "x"),
    }
    times: dict[str, dict[str, list[float]]] = {}
    for _ in range(ROUNDS):
        for job, run in jobs.items():
            for way in WAYS:
                ledger = opened(directory, way)
                cpu, wall = timed(USES, repeat, run, ledger)
                ledger.close()
                times.setdefault(job, {}).setdefault(way, []).append(cpu)
                times.setdefault(f"{job}, wall", {}).setdefault(way, []).append(wall)
    return best(times)


def repeat(run: Callable[[ComplaintLedger, int], Any], ledger: ComplaintLedger) -> None:
    """`run` USES times, on the 1st to the USES-th complaint."""
    for n in range(USES):
        run(ledger, n)


def first_use(directory: str, way: str) -> None:
    """Open the ledger, note on C-1 and close it: a command's whole work,
    printed in ms (without Python's start and imports, the same either way)."""
    start = time.process_time()
    ledger = opened(directory, way)
    ledger.note("C-1", "Called back.")
    ledger.close()
    print((time.process_time() - start) * 1000)


def start_up(directory: str) -> dict[str, float]:
    """A fresh process's first use case, ms, the median of STARTS."""
    times: dict[str, list[float]] = {way: [] for way in WAYS}
    for _ in range(STARTS):
        for way in WAYS:
            code = (
                f"import benchmarks.choices as c; c.first_use({directory!r}, {way!r})"
            )
            done = subprocess.run(
                [sys.executable, "-c", code],
                check=True,
                capture_output=True,
                text=True,
                cwd=HERE.parent,
            )
            times[way].append(float(done.stdout))
    return {way: statistics.median(each) for way, each in times.items()}


def row(choice: str, unit: str, figures: dict[str, float], decides: bool) -> str:
    """A table row: each way's figure, the library's ratio to the home-made
    way and, on a row that decides, what the ratio decides."""
    home, library = figures["home-made"], figures["library"]
    shared = figures.get("library, reads uncopied")
    verdict = ""
    if decides:
        verdict = "keep home-made" if library > home * (1 + NOISE) else "library's"
    return (
        f"| {choice} | {unit} | {home:.0f} | {library:.0f} "
        f"| {'' if shared is None else f'{shared:.0f}'} "
        f"| {library / home:.2f} | {verdict} |"
    )


def main() -> None:
    """Measure every choice and write benchmarks/CHOICES.md."""
    with tempfile.TemporaryDirectory() as work:
        draft = drafting(str(Path(work) / "draft"))
        uses = use_cases(str(Path(work) / "uses"))
        starts = start_up(str(Path(work) / "uses"))
    both, both_wall = (
        {way: uses[f"file{wall}"][way] + uses[f"note{wall}"][way] for way in WAYS}
        for wall in ("", ", wall")
    )
    lines = [
        "# Design choices, measured",
        "",
        f"Run on {platform.node()}: {platform.machine()}, {os.cpu_count()} cores,",
        f"Python {platform.python_version()}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
        "",
        "`python -m benchmarks.choices`: each home-made way against the",
        "eventsourcing library's, back to back in one run on this machine. On the",
        "rows that decide, the library's way is taken unless it is more than",
        f"{NOISE:.0%} slower.",
        "",
        "| what | unit | home-made | library | library, reads uncopied "
        "| library / home-made | decision |",
        "|---|---|---:|---:|---:|---:|---|",
        row("drafting an import (`prepare`)", "CPU µs", draft["prepare"], True),
        row("a `file` and a `note`, in one process", "CPU µs", both, True),
        row("the same", "wall µs", both_wall, False),
        row("making a complaint and its claim", "CPU µs", draft["make"], False),
        row("`file`", "CPU µs", uses["file"], False),
        row("`note`", "CPU µs", uses["note"], False),
        row("a fresh process's `note`", "CPU ms", starts, False),
        row("loading the team and policy", "CPU µs", uses["team and policy"], False),
        row("loading the team and a complaint", "CPU µs", uses["complaint"], False),
        row("the same, one of 5 complaints", "CPU µs", uses["again"], False),
        "",
        "Drafting: `prepare` (ledger/bulk/drafting.py) makes and seals a",
        "complaint and its claim, the aggregates made by the library's `_create`",
        "or by calling their classes. Loading: the home-made way",
        "(ledger/cases/common.py) reads the team, the policy and a complaint in",
        "one query and keeps the team and the policy; the library's repository",
        "reads each with its own query, keeps all three (AGGREGATE_CACHE_MAXSIZE,",
        "fast-forwarded: AGGREGATE_CACHE_FASTFORWARD) and copies what it gives",
        "out (DEEPCOPY_FROM_AGGREGATE_CACHE); 'reads uncopied' gives the team",
        "and the policy out uncopied to read, as the home-made way does, and",
        "copies them to change.",
        "",
        f"In one process: the best of {ROUNDS} rounds of {USES} use cases (on",
        "a complaint each, or on 5 in turn); a fresh process (`plaint note`,",
        f"without Python's start): the median of {STARTS}; drafting: µs a",
        f"complaint, the best of {DRAFT_ROUNDS}. CPU time decides: a commit's",
        "sync adds the same wall time to either way, and on a shared machine",
        "wall time swings by more than the differences.",
        "",
    ]
    (HERE / "CHOICES.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
