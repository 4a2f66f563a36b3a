"""The sample generator: seeded, varied, and telling the story the demo needs."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from commands.sample import generate
from ledger.application import ComplaintLedger
from ledger.domain.timeutil import ManualClock
from ledger.domain.vocabulary import Channel, Severity
from ledger.storage.location import parse_location
from projections.catchup import catch_up, open_store
from projections.queries import complaints
from projections.reports.common import escalation_steps
from projections.reports.warnings import warnings

END = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def sample(
    environ: dict[str, str], where: Path, count: int, seed: int = 7
) -> dict[str, Any]:
    """Generate a sample ledger in `where`; return its views as plain data."""
    where.mkdir()
    env = {**environ, "PLAINT_KEY_FILE": str(where / "ledger.key")}
    clock = ManualClock(END)
    location = parse_location(str(where / "ledger.sqlite"), env)
    ledger = ComplaintLedger.create(location, admin="ann", environ=env, clock=clock)
    try:
        made = generate(ledger, clock, complaints=count, seed=seed)
        store = open_store(ledger)
        catch_up(ledger, store)
        return {
            "made": made,
            "clock": clock.now,
            "complaints": complaints(store, END),
            "triggers": Counter(
                s["trigger"] for r in escalation_steps(store).values() for s in r
            ),
            "warnings": warnings(ledger, store, END),
            "surveyed": store.query(
                "SELECT COUNT(*) AS n FROM plaint_view_complaints "
                "WHERE survey_score IS NOT NULL"
            )[0]["n"],
        }
    finally:
        ledger.close()


def test_the_same_seed_gives_the_same_complaints_and_another_seed_others(
    environ: dict[str, str], tmp_path: Path
) -> None:
    first = sample(environ, tmp_path / "a", 15)
    again = sample(environ, tmp_path / "b", 15)
    other = sample(environ, tmp_path / "c", 15, seed=8)
    assert first["complaints"] == again["complaints"]
    assert first["complaints"] != other["complaints"]
    assert first["clock"] == END


def test_the_sample_covers_every_channel_and_severity_and_one_project_turns_red(
    environ: dict[str, str], tmp_path: Path
) -> None:
    found = sample(environ, tmp_path / "s", 120)
    rows = found["complaints"]
    assert found["made"]["complaints"] == len(rows) >= 110
    assert {r["channel"] for r in rows} == {c.value for c in Channel}
    assert {r["severity"] for r in rows} == {s.value for s in Severity}
    assert min(r["received_at"] for r in rows) < "2025-09-15"
    assert set(found["triggers"]) == {"manual", "sweep"}
    assert found["surveyed"] >= 20
    assert {"resolved", "closed"} <= {r["status"] for r in rows}
    status = {p["project"]: p["status"] for p in found["warnings"]["projects"]}
    assert status["Hermes"] == "red"
    assert sorted(status) == ["Apollo", "Borealis", "Cygnus", "Hermes"]
