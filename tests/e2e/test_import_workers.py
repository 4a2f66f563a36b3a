"""Large imports drafted by worker processes: the same ledger as one process
would write, and still right when the numbering guess or a worker fails."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
from uuid import uuid4

import pytest

from ledger.bulk.workers import Workers
from ledger.cases import importing
from ledger.domain.intake import Intake
from tests.conftest import Plaint
from tests.e2e.test_import import calls, imported


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers for any import, in batches of 40, so that a small file makes
    several batches, each drafted while the one before is saved."""
    monkeypatch.setattr(importing, "WORKERS_FROM", 1)
    monkeypatch.setattr(importing, "BATCH_SIZE", 40)
    monkeypatch.setattr("ledger.bulk.workers.worker_count", lambda: 2)


@pytest.mark.usefixtures("small_batches")
def test_complaints_drafted_by_workers_are_whole_in_the_ledger(plaint: Plaint) -> None:
    source = calls(plaint.home / "calls.csv", 150)
    done = json.loads(plaint.ok("import", str(source), "--json"))
    assert done == {"imported": 150, "skipped": 0, "rejected": []}
    assert imported(plaint) == [f"C-{n}" for n in range(1, 151)]
    shown = json.loads(plaint.ok("show", "C-117", "--json"))
    assert (shown["summary"], shown["customer"]) == ("Call 117", "Jo 117")
    assert json.loads(plaint.ok("verify", "--json"))["ok"]
    # Each complaint's data key was saved with it: erasing one works.
    plaint.ok("erase", "C-3", "--reason", "asked to be forgotten")
    assert json.loads(plaint.ok("show", "C-3", "--json"))["summary"] is None
    again = json.loads(plaint.ok("import", str(source), "--json"))
    assert again == {"imported": 0, "skipped": 150, "rejected": []}


@pytest.mark.usefixtures("small_batches")
def test_a_complaint_filed_during_an_import_does_not_break_its_numbering(
    plaint: Plaint, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = calls(plaint.home / "calls.csv", 150)
    real = importing.ImportCases._finish
    filed: list[str] = []

    def someone_files_first(self: importing.ImportCases, *args: object) -> object:
        if not filed:  # takes the number the next batch was drafted with
            other = plaint.open(actor="bob")
            intake = Intake(project="Apollo", channel="web", severity="mild",
                            summary="Filed meanwhile")  # fmt: skip
            filed.append(other.file(intake)["ref"])
            other.close()
        return real(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(importing.ImportCases, "_finish", someone_files_first)
    done = json.loads(plaint.ok("import", str(source), "--json"))
    assert done == {"imported": 150, "skipped": 0, "rejected": []}
    assert filed == ["C-1"]
    assert imported(plaint) == [f"C-{n}" for n in range(1, 152)]
    summaries = {json.loads(plaint.ok("show", f"C-{n}", "--json"))["summary"]
                 for n in range(1, 152)}  # fmt: skip
    assert summaries == {"Filed meanwhile"} | {f"Call {n}" for n in range(1, 151)}
    assert json.loads(plaint.ok("verify", "--json"))["ok"]


def test_when_a_worker_dies_the_importer_drafts_the_batch_itself(
    sqlite_plaint: Plaint,
) -> None:
    ledger = sqlite_plaint.open()
    team, policy = ledger.team_and_policy()
    items = [(uuid4(), Intake(project="Apollo", channel="phone", severity="mild",
                              summary=f"Call {n}")) for n in range(1, 31)]  # fmt: skip
    filing = ledger._filing(team, policy, (intake for _, intake in items))
    master, ledger_key = ledger.keyring.master, ledger.keyring.ledger_key()
    workers = Workers(1, master, ledger_key, ledger._prepare_here)
    try:
        assert len(workers.submit(filing, items, 1)().events) == 60
        for worker in multiprocessing.active_children():
            assert worker.pid is not None
            os.kill(worker.pid, signal.SIGKILL)
        prepared = workers.submit(filing, items, 1)()
        assert len(workers.submit(filing, items, 1)().events) == 60
    finally:
        workers.close()
    assert (len(prepared.events), len(prepared.keys)) == (60, 30)
    ledger.save_prepared(prepared)
    assert ledger.show("C-30")["summary"] == "Call 30"
    ledger.close()
