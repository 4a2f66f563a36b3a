"""Several people filing at the same moment still get unique, gapless references."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest

from ledger.application import ComplaintLedger
from ledger.domain.intake import Intake
from ledger.storage.tables import LedgerTables
from tests.conftest import Plaint

FILERS = 4
EACH = 8

FILE_IN_A_LOOP = """
import sys
from click.testing import CliRunner
from commands import cli
ledger, name, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
for n in range(count):
    result = CliRunner().invoke(cli, ["--ledger", ledger, "--as", "bob", "file",
        "--project", "P", "--channel", "web", "--severity", "mild",
        "--summary", f"{name}-{n}", "--json"])
    assert result.exit_code == 0, result.output
    print(result.stdout.replace("\\n", " "))
"""


def test_concurrent_filers_get_unique_gapless_references(plaint: Plaint) -> None:
    filers = [
        subprocess.Popen(
            [sys.executable, "-c", FILE_IN_A_LOOP, plaint.ledger, f"f{i}", str(EACH)],
            env=plaint.environ,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(FILERS)
    ]
    outputs = [f.communicate(timeout=120) for f in filers]
    assert [f.returncode for f in filers] == [0] * FILERS, [e for _, e in outputs]
    refs = [json.loads(line)["ref"] for out, _ in outputs for line in out.splitlines()]
    assert sorted(refs, key=lambda r: int(r[2:])) == [
        f"C-{n}" for n in range(1, FILERS * EACH + 1)
    ]
    listed = json.loads(plaint.ok("list", "--json"))
    assert len(listed) == FILERS * EACH
    summaries = {json.loads(plaint.ok("show", r, "--json"))["summary"] for r in refs}
    assert summaries == {f"f{i}-{n}" for i in range(FILERS) for n in range(EACH)}


def rival_before_every_save(
    monkeypatch: pytest.MonkeyPatch,
    rival: ComplaintLedger,
    action: Callable[[ComplaintLedger, int], object],
) -> list[int]:
    """Another ledger on the same database writes just before each save of
    any other ledger, so their reads are always one write behind; the list
    grows with the rival's wins."""
    insert, wins = LedgerTables.insert_events, []

    def rival_first(self: LedgerTables, *args: Any, **kwargs: Any) -> Any:
        if self is not rival.tables:
            action(rival, len(wins))
            wins.append(len(wins) + 1)
        return insert(self, *args, **kwargs)

    monkeypatch.setattr(LedgerTables, "insert_events", rival_first)
    return wins


def test_a_change_that_loses_every_race_gives_up_after_32_tries_and_records_nothing(
    plaint: Plaint, monkeypatch: pytest.MonkeyPatch
) -> None:
    plaint.ok("file", "--project", "P", "--channel", "web", "--severity", "mild",
              "--summary", "s")  # fmt: skip
    rival = plaint.open(actor="lee")
    before = rival.tables.count_events_after(0)
    wins = rival_before_every_save(
        monkeypatch, rival, lambda ledger, n: ledger.note("C-1", f"rival {n}")
    )
    result = plaint("note", "C-1", "mine", actor="bob")
    monkeypatch.undo()
    rival.close()
    assert (result.exit_code, result.stderr) == (
        1,
        "Error: C-1 kept changing while this was recorded (32 tries); nothing was "
        "recorded, try again\n",
    )
    assert len(wins) == 32
    notes = [e["details"]["text"] for e in json.loads(plaint.ok("history", "C-1",
             "--json")) if e["kind"] == "noted"]  # fmt: skip
    assert notes == [f"rival {n}" for n in range(32)]
    assert json.loads(plaint.ok("info", "--json"))["events"] == before + 32


def test_a_filer_who_loses_every_reference_gives_up_after_32_tries_and_records_nothing(
    sqlite_plaint: Plaint, monkeypatch: pytest.MonkeyPatch
) -> None:
    # On PostgreSQL filers queue on a lock and never collide; SQLite retries.
    run = sqlite_plaint
    rival = run.open()
    before = rival.tables.count_events_after(0)
    wins = rival_before_every_save(
        monkeypatch,
        rival,
        lambda ledger, n: ledger.file(Intake("P", "web", "mild", f"rival {n}")),
    )
    result = run("file", "--project", "P", "--channel", "web", "--severity", "mild",
                 "--summary", "mine", actor="bob")  # fmt: skip
    monkeypatch.undo()
    rival.close()
    assert (result.exit_code, result.stderr) == (
        1,
        "Error: could not take a reference after 32 tries while others were "
        "filing; nothing was recorded, try again\n",
    )
    assert len(wins) == 32
    filed = [json.loads(run.ok("show", r["ref"], "--json"))["summary"]
             for r in json.loads(run.ok("list", "--json"))]  # fmt: skip
    assert filed == [f"rival {n}" for n in range(32)]
    assert json.loads(run.ok("info", "--json"))["events"] == before + 32
