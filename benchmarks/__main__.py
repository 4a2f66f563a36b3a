"""`python -m benchmarks [--quick]`: run every job, write results.json and RESULTS.md.

Each figure is compared with a baseline measured in the same run on the same
machine; the ratio is what most targets are set on. Any run fails on a
correctness check (events lost, references with gaps, a ledger that does not
verify); with --quick (small sizes, for CI) it also fails on any figure past
its quick limit: the target widened by the slack benchmarks/targets.py gives
it, and says why.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import http, jobs, pgload
from benchmarks.measure import Result, fastest, in_child
from benchmarks.targets import checks, failures
from ledger.cases.importing import BATCH_SIZE, WORKERS_FROM

HERE = Path(__file__).parent
SIZES = {
    "quick": {
        "runs": 5,
        "append": 200,
        # Past WORKERS_FROM, so that CI runs the import's worker processes.
        "import": WORKERS_FROM + BATCH_SIZE,
        "rounds": 3,
        "complaints": 5000,
        "library_events": 10000,
        "lessons": 150,
        "writers": 2,
        "each": 20,
        "incremental": 500,
        "http": 200,
        "http_pg": 0,
        "pg_verify": 0,
        "clients": 32,
        "witness_rounds": 2,
    },
    "full": {
        "runs": 15,
        "append": 2000,
        "import": 20000,
        "rounds": 1,
        "complaints": 500000,
        "library_events": 1000000,
        "lessons": 10000,
        "writers": 8,
        "each": 500,
        "incremental": 5000,
        "http": 2000,
        "http_pg": 1,
        "pg_verify": 100000,
        "clients": 32,
        "witness_rounds": 6,
    },
}
POSTGRES = os.environ.get(
    "PLAINT_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"
)


def result(
    key: str,
    job: str,
    measure: str,
    value: float,
    baseline: float | None,
    baseline_name: str,
    target: str,
    **detail: Any,
) -> Result:
    """A result, its ratio to the baseline and whether it meets its targets
    (at full size: benchmarks/targets.py)."""
    ratio = None if not baseline else value / baseline
    found = Result(
        key, job, measure, value, baseline, baseline_name, ratio, target, True, detail
    )
    found.meets = all(passed for _, passed in checks([found], quick=False))
    return found


def run(size: dict[str, int], work: Path, results: list[Result]) -> None:
    """Every job, in order, each result added to `results` as it comes (so a
    job that fails leaves the others' figures); the large ledgers are built
    once."""
    run_core(size, work, results)
    run_http(size, work, results)
    run_witnessing(size, work, results)


def run_core(size: dict[str, int], work: Path, results: list[Result]) -> None:
    """The ledger's own jobs, without the service."""
    done = jobs.file_process(str(work / "file"), size["runs"])
    results.append(
        result(
            "file",
            "plaint file (whole process)",
            "median wall ms",
            done["value"],
            done["baseline"],
            "importing eventsourcing, click, jinja2, cryptography",
            "≤ 1.6x baseline",
        )
    )
    done = jobs.help_process(str(work / "help"), size["runs"])
    results.append(
        result(
            "help",
            "plaint --help",
            "median wall ms",
            done["value"],
            done["baseline"],
            "python -c pass",
            "≤ 150 ms",
        )
    )
    done = jobs.append(str(work / "append"), size["append"])
    results.append(
        result(
            "append",
            "append one complaint (ComplaintLedger.file)",
            "saves/s",
            done["value"],
            done["baseline"],
            "library save with its AESCipher, SQLite file",
            "≥ 0.9x baseline",
        )
    )
    done = jobs.calendar_filing(str(work / "calendar"), size["append"])
    results.append(
        result(
            "calendar",
            "file on a business-hours calendar (ComplaintLedger.file)",
            "saves/s",
            done["value"],
            done["baseline"],
            "the same filing around the clock, same run",
            "≥ 0.91x baseline (≤ 1.1x the cost)",
        )
    )
    run_import(size, work, results)
    run_read(size, work, results)
    run_verify_postgres(size, work, results)
    done = in_child("benchmarks.jobs:lessons", str(work / "lessons"), size["lessons"])
    results.append(
        result(
            "lessons",
            "lessons report",
            "s",
            done["seconds"],
            None,
            "—",
            f"≤ 2 s at 10,000 complaints ({done['complaints']:,} here)",
            complaints=done["complaints"],
            requested=size["lessons"],
        )
    )
    done = pgload.load(POSTGRES, str(work / "pg"), size["writers"], size["each"])
    results.append(
        result(
            "pg",
            f"PostgreSQL load ({size['writers']} writers)",
            "commands/s",
            done.pop("value"),
            done.pop("baseline"),
            "the library's own save loop, same server",
            "≥ 0.9x baseline",
            **done,
        )
    )


def run_import(size: dict[str, int], work: Path, results: list[Result]) -> None:
    """`plaint import` as a process, against the library in the same run."""
    done = jobs.bulk_import(str(work / "import"), size["import"], size["rounds"])
    results.append(
        result(
            "import",
            "bulk import (plaint import of JSON Lines, whole process)",
            "complaints/s",
            done["value"],
            done["baseline"],
            "library, batches of 100 aggregates, no encryption",
            "≥ 1.2x baseline",
            events_per_s=done["events_per_s"],
            events=done["events"],
            records=size["import"],
            imported=done["imported"],
            lost_events=2 * size["import"] - done["events"],
            workers=done["workers"],
        )
    )


READ_JOBS = ("rebuild", "verify", "incremental")


def run_read(
    size: dict[str, int],
    work: Path,
    results: list[Result],
    wanted: tuple[str, ...] = READ_JOBS,
) -> None:
    """The jobs that read a large ledger (built once, for all of them)."""
    big = str(work / "big")
    built = in_child(
        "benchmarks.jobs:build", big, size["complaints"], size["library_events"]
    )
    rounds = size["rounds"]
    if "rebuild" in wanted:
        _rebuild(big, built, rounds, results)
    if "verify" in wanted:
        _verify(big, rounds, results)
    if "incremental" not in wanted:
        return
    done = in_child(
        "benchmarks.jobs:verify_incremental", big, size["complaints"],
        size["incremental"], rounds,
    )  # fmt: skip
    results.append(
        result(
            "incremental", "verify --incremental", "s", done["seconds"], None, "—",
            f"≤ 0.2 s for 10,000 new events ({done['events']:,} here)",
            events=done["events"],
        )
    )  # fmt: skip


def _rebuild(
    big: str, built: dict[str, Any], rounds: int, results: list[Result]
) -> None:
    ours = fastest(rounds, "benchmarks.jobs:rebuild", big)
    theirs = fastest(rounds, "benchmarks.jobs:library_read", big, built["key"])
    results.append(
        result(
            "rebuild",
            "projections rebuild",
            "events/s",
            ours["events"] / ours["seconds"],
            theirs["events"] / theirs["seconds"],
            "select_notifications + decode with the library cipher",
            "≥ 0.6x baseline, RSS ≤ 200 MB",
            events=ours["events"],
            lost_events=built["events"] - ours["events"],
            peak_rss_mb=ours["peak_rss_mb"],
        )
    )


def _verify(big: str, rounds: int, results: list[Result]) -> None:
    ours = fastest(rounds, "benchmarks.jobs:verify", big)
    theirs = fastest(rounds, "benchmarks.jobs:hash_rows", big)
    results.append(
        result(
            "verify",
            "verify",
            "s",
            ours["seconds"],
            theirs["seconds"],
            "reading the rows and hashing them with hashlib",
            "≤ 10 s at 1M events, ≤ 1.5x baseline",
            events=ours["events"],
            peak_rss_mb=ours["peak_rss_mb"],
            peak_rss_baseline_mb=theirs["peak_rss_mb"],
        )
    )


def run_verify_postgres(
    size: dict[str, int], work: Path, results: list[Result]
) -> None:
    """verify on PostgreSQL, against reading and hashing the rows there."""
    if not size["pg_verify"]:
        return
    url = f"{POSTGRES}?schema=bench_{uuid.uuid4().hex[:10]}"
    where = str(work / "pg_verify")
    try:
        built = in_child(
            "benchmarks.jobs:build_postgres", url, where, size["pg_verify"]
        )
        rounds = size["rounds"]
        ours = fastest(rounds, "benchmarks.jobs:verify_at", url, where)
        theirs = fastest(rounds, "benchmarks.jobs:hash_rows_postgres", url)
    finally:
        pgload.drop_schemas(POSTGRES, url)
    results.append(
        result(
            "verify_pg",
            "verify (PostgreSQL)",
            "s",
            ours["seconds"],
            theirs["seconds"],
            "reading the rows (server-side cursor) and hashing them with hashlib",
            "≤ 1.5x baseline",
            events=ours["events"],
            built_events=built["events"],
            peak_rss_mb=ours["peak_rss_mb"],
        )
    )


def run_http(size: dict[str, int], work: Path, results: list[Result]) -> None:
    """HTTP filing through `plaint serve`: SQLite with one server, PostgreSQL
    with two, and PostgreSQL with one of the two killed mid-load."""
    count, clients = size["http"], size["clients"]

    def sqlite() -> dict[str, Any]:
        return http.sqlite(str(work / "http"), count, clients)

    def postgres(fault: bool) -> Callable[[], dict[str, Any]]:
        where = work / ("http_fault" if fault else "http_pg")
        return lambda: http.postgres(POSTGRES, str(where), count, clients, fault)

    two = "PostgreSQL, 2 servers"
    runs = [
        ("http", "SQLite, 1 server", sqlite),
        ("http_pg", two, postgres(False)),
        ("http_fault", f"{two}, one killed (kill -9) mid-load", postgres(True)),
    ]
    if not size["http_pg"]:
        # A quick run checks the guarantees on PostgreSQL in the fault run alone.
        del runs[1]
    inproc = "ComplaintLedger.file in-process, same database"
    for key, where, measure in runs:
        done = measure()
        floor = done.pop("healthz")
        unkeyed = done.pop("unkeyed", None)
        baseline = done.pop("baseline")
        keyed = " (each with an Idempotency-Key)" if unkeyed is not None else ""
        results.append(
            result(
                key,
                f"HTTP filing{keyed} ({clients} clients, {where})",
                "complaints/s",
                done.pop("value"),
                baseline,
                inproc,
                "≥ 0.7x baseline" if key == "http" else "zero lost or filed twice",
                healthz_per_s=floor["value"],
                healthz_p50_ms=floor["p50_ms"],
                healthz_p99_ms=floor["p99_ms"],
                healthz_client_cpu_ms=floor["client_cpu_ms"],
                healthz_server_cpu_ms=floor.get("server_cpu_ms"),
                **done,
            )
        )
        if unkeyed is not None:
            results.append(
                result(
                    f"{key}_unkeyed",
                    f"HTTP filing, no Idempotency-Key ({clients} clients, {where})",
                    "complaints/s",
                    unkeyed.pop("value"),
                    baseline,
                    inproc,
                    "(for comparison)",
                    **unkeyed,
                )
            )


def run_witnessing(size: dict[str, int], work: Path, results: list[Result]) -> None:
    """HTTP filing with a witness cosigning every checkpoint (signed each
    second), against the same with no witness, in the same run."""
    from benchmarks.witnessing import witnessed

    count, clients, rounds = size["http"] // 2, size["clients"], size["witness_rounds"]
    done = witnessed(str(work / "witnessing"), count, clients, rounds)
    results.append(
        result(
            "http_witness",
            f"HTTP filing with a witness ({clients} clients, SQLite, 1 server)",
            "complaints/s",
            done.pop("value"),
            done.pop("baseline"),
            "the same with no witness, bursts alternating",
            "≥ 0.95x baseline",
            **done,
        )
    )


# The jobs `--only` can run alone: each adds its results to RESULTS.md.
ALONE: dict[str, Callable[[dict[str, int], Path, list[Result]], None]] = {
    "http": run_http,
    "witnessing": run_witnessing,
    "import": run_import,
    "read": run_read,
    "verify_pg": run_verify_postgres,
    **{
        job: lambda size, work, results, job=job: run_read(size, work, results, (job,))
        for job in ("rebuild", "verify")
    },
}


def markdown(
    results: list[Result],
    mode: str,
    only: str | None = None,
    sizes: tuple[str, ...] = (),
) -> str:
    """The RESULTS.md table (of one job run alone, a section to add)."""
    command = f"python -m benchmarks{' --quick' if mode == 'quick' else ''}"
    if only:
        command += f" --only {only}"
    command += "".join(f" --size {setting}" for setting in sizes)
    lines = [
        f"## {only}, {datetime.now(UTC):%Y-%m-%d}" if only else "# Benchmark results",
        "",
        f"Run `{command}` on "
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
    quick = mode == "quick"
    lines += ["", f"Checks ({'quick limits' if quick else 'full targets'}):", ""]
    lines += [
        f"- {'ok' if passed else 'FAILED'}: {what}"
        for what, passed in checks(results, quick)
    ]
    details = f"results-{only}.json" if only else "results.json"
    lines += ["", f"Details (sizes, memory, latencies) are in `{details}`.", ""]
    return "\n".join(lines)


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
    parser.add_argument(
        "--only",
        choices=sorted(ALONE),
        help="run this job alone and add its section to RESULTS.md",
    )
    parser.add_argument(
        "--size",
        action="append",
        default=[],
        metavar="NAME=N",
        help="override one of the mode's sizes (e.g. complaints=100000)",
    )
    args = parser.parse_args()
    mode = "quick" if args.quick else "full"
    size = dict(SIZES[mode])
    for setting in args.size:
        name, _, value = setting.partition("=")
        if name not in size or not value.isdigit():
            parser.error(f"--size takes NAME=N, NAME one of {', '.join(size)}")
        size[name] = int(value)
    results: list[Result] = []
    crashed = None
    jobs_run = ALONE[args.only] if args.only else run
    with tempfile.TemporaryDirectory(prefix="plaint-bench-") as work:
        try:
            jobs_run(size, Path(work), results)
        except Exception as error:
            crashed = f"{type(error).__name__}: {error}"
    output = args.output or (
        HERE if mode == "full" else Path(tempfile.gettempdir()) / "plaint-bench"
    )
    output.mkdir(parents=True, exist_ok=True)
    name = f"results-{args.only}.json" if args.only else "results.json"
    (output / name).write_text(
        json.dumps(
            {
                "mode": mode,
                "crashed": crashed,
                "results": [r.as_dict() for r in results],
            },
            indent=2,
        )
    )
    table = markdown(results, mode, args.only, tuple(args.size))
    written = output / "RESULTS.md"
    if args.only:
        before = written.read_text() if written.exists() else ""
        table = f"{before.rstrip()}\n\n{table}" if before else table
        written.write_text(table)
    else:
        written.write_text(table)
    print(markdown(results, mode, args.only, tuple(args.size)))
    if crashed:
        print(
            f"Error: a job failed after {len(results)} results: {crashed}",
            file=sys.stderr,
        )
        return 1
    failed = failures(results, quick=mode == "quick")
    for line in failed:
        print(f"Error: {line}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
