"""`python -m benchmarks [--quick]`: run every job, write results.json and RESULTS.md.

Each figure is compared with a baseline measured in the same run on the same
machine; the ratio is what a target is set on. With --quick (small sizes, for
CI) the run fails only when a ratio is more than twice as far from its target
as allowed, never on an absolute time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import jobs, pgload
from benchmarks.measure import Result, fastest, in_child

HERE = Path(__file__).parent
SIZES = {
    "quick": {
        "runs": 5,
        "append": 200,
        "import": 3000,
        "rounds": 3,
        "complaints": 5000,
        "library_events": 10000,
        "lessons": 150,
        "writers": 2,
        "each": 20,
        "incremental": 500,
    },
    "full": {
        "runs": 15,
        "append": 2000,
        "import": 50000,
        "rounds": 1,
        "complaints": 500000,
        "library_events": 1000000,
        "lessons": 10000,
        "writers": 8,
        "each": 500,
        "incremental": 5000,
    },
}
POSTGRES = os.environ.get(
    "PLAINT_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"
)


def result(
    job: str,
    measure: str,
    value: float,
    baseline: float | None,
    baseline_name: str,
    target: str,
    *,
    ratio_max: float | None = None,
    ratio_min: float | None = None,
    absolute_max: float | None = None,
    **detail: Any,
) -> Result:
    """A result, its ratio to the baseline and whether it meets its target."""
    ratio = None if not baseline else value / baseline
    meets = all(
        (
            ratio_max is None or (ratio is not None and ratio <= ratio_max),
            ratio_min is None or (ratio is not None and ratio >= ratio_min),
            absolute_max is None or value <= absolute_max,
        )
    )
    detail.update(ratio_max=ratio_max, ratio_min=ratio_min, absolute_max=absolute_max)
    return Result(
        job, measure, value, baseline, baseline_name, ratio, target, meets, detail
    )


def run(size: dict[str, int], work: Path, results: list[Result]) -> None:
    """Every job, in order, each result added to `results` as it comes (so a
    job that fails leaves the others' figures); the large ledgers are built
    once."""
    done = jobs.file_process(str(work / "file"), size["runs"])
    results.append(
        result(
            "plaint file (whole process)",
            "median wall ms",
            done["value"],
            done["baseline"],
            "importing eventsourcing, click, jinja2, cryptography",
            "≤ 1.6x baseline",
            ratio_max=1.6,
        )
    )
    done = jobs.help_process(str(work / "help"), size["runs"])
    results.append(
        result(
            "plaint --help",
            "median wall ms",
            done["value"],
            done["baseline"],
            "python -c pass",
            "≤ 150 ms",
            absolute_max=150,
        )
    )
    done = jobs.append(str(work / "append"), size["append"])
    results.append(
        result(
            "append one complaint (ComplaintLedger.file)",
            "saves/s",
            done["value"],
            done["baseline"],
            "library save with its AESCipher, SQLite file",
            "≥ 0.9x baseline",
            ratio_min=0.9,
        )
    )
    done = jobs.bulk_import(str(work / "import"), size["import"], size["rounds"])
    results.append(
        result(
            "bulk import (CSV records)",
            "events/s",
            done["value"],
            done["baseline"],
            "library, batches of 100 aggregates, no encryption",
            "≥ 1.2x baseline (≥ 20,000/s)",
            ratio_min=1.2,
            events=done["events"],
        )
    )
    big = str(work / "big")
    built = in_child(
        "benchmarks.jobs:build", big, size["complaints"], size["library_events"]
    )
    rounds = size["rounds"]
    ours = fastest(rounds, "benchmarks.jobs:rebuild", big)
    theirs = fastest(rounds, "benchmarks.jobs:library_read", big, built["key"])
    results.append(
        result(
            "projections rebuild",
            "events/s",
            ours["events"] / ours["seconds"],
            theirs["events"] / theirs["seconds"],
            "select_notifications + decode with the library cipher",
            "≥ 0.6x baseline, RSS ≤ 200 MB",
            ratio_min=0.6,
            events=ours["events"],
            peak_rss_mb=ours["peak_rss_mb"],
            rss_ok=ours["peak_rss_mb"] <= 200,
        )
    )
    ours = fastest(rounds, "benchmarks.jobs:verify", big)
    theirs = fastest(rounds, "benchmarks.jobs:hash_rows", big)
    results.append(
        result(
            "verify",
            "s",
            ours["seconds"],
            theirs["seconds"],
            "reading the rows and hashing them with hashlib",
            "≤ 10 s at 1M events, ≤ 1.5x baseline",
            ratio_max=1.5,
            events=ours["events"],
            peak_rss_mb=ours["peak_rss_mb"],
            peak_rss_baseline_mb=theirs["peak_rss_mb"],
        )
    )
    done = in_child(
        "benchmarks.jobs:verify_incremental", big, size["complaints"],
        size["incremental"],
    )  # fmt: skip
    results.append(
        result(
            "verify --incremental", "s", done["seconds"], None, "—",
            f"≤ 0.2 s for 10,000 new events ({done['events']:,} here)",
            absolute_max=0.2 * done["events"] / 10_000, events=done["events"],
        )
    )  # fmt: skip
    done = in_child("benchmarks.jobs:lessons", str(work / "lessons"), size["lessons"])
    results.append(
        result(
            "lessons report",
            "s",
            done["seconds"],
            None,
            "—",
            f"≤ 2 s at 10,000 complaints ({size['lessons']:,} here)",
            complaints=size["lessons"],
        )
    )
    done = pgload.load(POSTGRES, str(work / "pg"), size["writers"], size["each"])
    results.append(
        result(
            f"PostgreSQL load ({size['writers']} writers)",
            "commands/s",
            done.pop("value"),
            done.pop("baseline"),
            "the library's own save loop, same server",
            "≥ 0.9x baseline",
            ratio_min=0.9,
            **done,
        )
    )


def markdown(results: list[Result], mode: str) -> str:
    """The RESULTS.md table."""
    lines = [
        "# Benchmark results",
        "",
        f"Run `python -m benchmarks{' --quick' if mode == 'quick' else ''}` on "
        f"{platform.node() or 'this machine'}: "
        f"{platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC. Mode: {mode}.",
        "",
        "| job | measure | plaint | baseline | ratio | target | met |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        baseline = (
            "—" if r.baseline is None else f"{r.baseline:,.1f} ({r.baseline_name})"
        )
        ratio = "—" if r.ratio is None else f"{r.ratio:.2f}x"
        lines.append(
            f"| {r.job} | {r.measure} | {r.value:,.1f} | {baseline} | {ratio} "
            f"| {r.target} | {'yes' if r.meets else 'no'} |"
        )
    lines += ["", "Details (sizes, memory, latencies) are in `results.json`.", ""]
    return "\n".join(lines)


def gross_regressions(results: list[Result]) -> list[str]:
    """Ratios more than twice as far from target as allowed (the CI rule)."""
    failed = []
    for r in results:
        most, least = r.detail["ratio_max"], r.detail["ratio_min"]
        if r.ratio is not None and most is not None and r.ratio > 2 * most:
            failed.append(f"{r.job}: {r.ratio:.2f}x > 2 x {most}")
        if r.ratio is not None and least is not None and r.ratio < least / 2:
            failed.append(f"{r.job}: {r.ratio:.2f}x < {least} / 2")
    return failed


def main() -> int:
    """Run the suite and write its results."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--quick", action="store_true", help="small sizes, for CI")
    parser.add_argument(
        "--output",
        type=Path,
        default=None,
        help="results directory [default: benchmarks/ for a full run]",
    )
    args = parser.parse_args()
    mode = "quick" if args.quick else "full"
    results: list[Result] = []
    crashed = None
    with tempfile.TemporaryDirectory(prefix="plaint-bench-") as work:
        try:
            run(SIZES[mode], Path(work), results)
        except Exception as error:
            crashed = f"{type(error).__name__}: {error}"
    output = args.output or (
        HERE if mode == "full" else Path(tempfile.gettempdir()) / "plaint-bench"
    )
    output.mkdir(parents=True, exist_ok=True)
    (output / "results.json").write_text(
        json.dumps(
            {
                "mode": mode,
                "crashed": crashed,
                "results": [r.as_dict() for r in results],
            },
            indent=2,
        )
    )
    (output / "RESULTS.md").write_text(markdown(results, mode))
    print(markdown(results, mode))
    if crashed:
        print(
            f"Error: a job failed after {len(results)} results: {crashed}",
            file=sys.stderr,
        )
        return 1
    failed = gross_regressions(results) if mode == "quick" else []
    for line in failed:
        print(f"Error: gross regression: {line}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
