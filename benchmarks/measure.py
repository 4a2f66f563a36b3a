"""Timing and memory: wall times of whole processes, and a job's peak memory."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any


@dataclass
class Result:
    """One job's figure, its baseline's, and whether it meets its targets
    (benchmarks/targets.py, by `key`)."""

    key: str
    job: str
    measure: str
    value: float
    baseline: float | None
    baseline_name: str
    ratio: float | None
    target: str
    meets: bool
    detail: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        """The result as JSON data."""
        return asdict(self)


def wall_ms(command: Sequence[str], runs: int, env: dict[str, str]) -> float:
    """The median wall time of running `command` to its end, in milliseconds."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, env=env, check=True, capture_output=True)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def in_child(function: str, *args: Any) -> dict[str, Any]:
    """Run `benchmarks.<module>:<function>(*args)` in a fresh process and return
    its result with the process's peak resident memory (MB), so each job's
    memory is its own."""
    module, _, name = function.partition(":")
    code = (
        "import json, resource, sys\n"
        f"from {module} import {name}\n"
        f"result = {name}(*json.loads(sys.argv[1]))\n"
        "peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "result['peak_rss_mb'] = peak / 1024\n"
        "print(json.dumps(result))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, json.dumps(args)],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    found: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def fastest(rounds: int, function: str, *args: Any) -> dict[str, Any]:
    """Of `rounds` runs of `function` in a child process (see `in_child`), the
    one that took the fewest seconds: short runs swing by more than the
    differences they are meant to show."""
    runs = [in_child(function, *args) for _ in range(rounds)]
    return min(runs, key=lambda run: float(run["seconds"]))


def rate(count: int, seconds: float) -> float:
    """Items per second."""
    return count / seconds if seconds > 0 else float("inf")


def timed(work: Callable[[], Any]) -> float:
    """Seconds that `work` takes."""
    start = time.perf_counter()
    work()
    return time.perf_counter() - start
