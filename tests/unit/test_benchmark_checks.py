"""The benchmarks' checks: correctness fails any run, the quick limits CI's."""

from __future__ import annotations

from typing import Any

from benchmarks.measure import Result
from benchmarks.targets import failures

HEALTHY_PG = {"lost_events": 0, "gapless_references": True, "verifies": True}


def pg_load(ratio: float, **detail: Any) -> Result:
    return Result(
        "pg", "PostgreSQL load (2 writers)", "commands/s", 100 * ratio, 100.0,
        "the library", ratio, "≥ 0.9x baseline", ratio >= 0.9,
        {**HEALTHY_PG, **detail},
    )  # fmt: skip


def test_a_healthy_load_passes_in_either_mode() -> None:
    assert failures([pg_load(0.8)], quick=True) == []
    assert failures([pg_load(0.8)], quick=False) == []


def test_one_lost_event_fails_either_mode_however_fast() -> None:
    for quick in (True, False):
        assert failures([pg_load(2.0, lost_events=1)], quick=quick) == [
            "PostgreSQL load (2 writers): events lost under concurrent writers "
            "(lost_events = 1)"
        ]


def test_gaps_and_a_ledger_that_does_not_verify_fail_a_full_run() -> None:
    found = failures(
        [pg_load(1.0, gapless_references=False, verifies=False)], quick=False
    )
    assert found == [
        "PostgreSQL load (2 writers): references with gaps or repeats "
        "(gapless_references = False)",
        "PostgreSQL load (2 writers): the loaded ledger does not verify "
        "(verifies = False)",
    ]


def test_a_ratio_past_its_quick_limit_fails_only_the_quick_run() -> None:
    assert failures([pg_load(0.2)], quick=False) == []
    assert failures([pg_load(0.2)], quick=True) == [
        "PostgreSQL load (2 writers): ratio 0.2 (limit ≥ 0.3)"
    ]


def test_a_quick_import_without_its_workers_fails() -> None:
    imported = Result(
        "import", "bulk import (CSV records)", "events/s", 100.0, 50.0, "library",
        2.0, "≥ 1.2x baseline", True,
        {"events": 12_000, "lost_events": 0, "workers": 0},
    )  # fmt: skip
    assert failures([imported], quick=True) == [
        "bulk import (CSV records): the import ran without its worker processes"
    ]
