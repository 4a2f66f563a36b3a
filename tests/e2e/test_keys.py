"""Master-key rotation without rewriting events, and erasure by crypto-shredding."""

from __future__ import annotations

import base64
import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from ledger.crypto.masterkey import MasterKey
from ledger.storage.tables import LedgerTables
from tests.conftest import Plaint

CANARY = "CANARY-ERASE-3c9"


def two_complaints(plaint: Plaint) -> None:
    plaint.ok("file", "--project", "P", "--channel", "email", "--severity", "severe",
              "--summary", f"{CANARY} summary", "--customer", f"{CANARY} customer",
              "--detail", f"{CANARY} detail", "--contact", "jo@ex.org")  # fmt: skip
    plaint.ok("note", "C-1", f"{CANARY} note")
    plaint.ok("file", "--project", "P", "--channel", "web", "--severity", "mild",
              "--summary", "another")  # fmt: skip


def key_file(plaint: Plaint) -> Path:
    return Path(json.loads(plaint.ok("info", "--json"))["key_file"])


def test_after_rotation_every_event_reads_with_the_new_key_and_none_with_the_old(
    plaint: Plaint,
) -> None:
    two_complaints(plaint)
    path = key_file(plaint)
    old = path.read_text()
    plaint.ok("keys", "rotate")
    assert path.read_text() != old
    assert path.stat().st_mode & 0o777 == 0o600
    assert list(path.parent.glob("*.old")) == []
    assert (
        json.loads(plaint.ok("show", "C-1", "--json"))["summary"] == f"{CANARY} summary"
    )
    assert json.loads(plaint.ok("verify", "--json"))["ok"]
    plaint.ok("projections", "rebuild")
    plaint.environ["PLAINT_MASTER_KEY"] = old.strip()
    result = plaint("show", "C-1")
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "Error: the master key from PLAINT_MASTER_KEY does not fit this ledger"
    )


def test_keep_old_archives_the_old_key_file(plaint: Plaint) -> None:
    two_complaints(plaint)
    path = key_file(plaint)
    old = path.read_text()
    plaint.ok("keys", "rotate", "--keep-old")
    [archived] = path.parent.glob("*.old")
    assert archived.read_text() == old
    assert archived.stat().st_mode & 0o777 == 0o600


class Cut(Exception):
    pass


@pytest.mark.parametrize("step", ["before the re-wrap", "after the re-wrap",
                                  "between the renames"])  # fmt: skip
def test_a_rotation_cut_short_at_any_step_leaves_a_readable_ledger(
    plaint: Plaint, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    two_complaints(plaint)
    rewrap, replace, renames = LedgerTables.rewrap, os.replace, []

    def cut_rewrap(self: LedgerTables, *args: object) -> int:
        if step == "before the re-wrap":
            raise Cut
        done = rewrap(self, *args)  # type: ignore[arg-type]
        if step == "after the re-wrap":
            raise Cut
        return done

    def cut_replace(source: Path, target: Path) -> None:
        renames.append(source)
        if step == "between the renames" and len(renames) == 2:
            raise Cut
        replace(source, target)

    monkeypatch.setattr(LedgerTables, "rewrap", cut_rewrap)
    monkeypatch.setattr(os, "replace", cut_replace)
    with pytest.raises(Cut):
        plaint("keys", "rotate", "--keep-old")
    monkeypatch.undo()
    committed = step != "before the re-wrap"
    pending = list(key_file(plaint).parent.glob("*.new"))
    assert len(pending) == committed
    assert (
        json.loads(plaint.ok("show", "C-1", "--json"))["summary"] == f"{CANARY} summary"
    )
    new_ids = [MasterKey.from_text(p.read_text(), str(p)).key_id for p in pending]
    rerun = plaint.ok("keys", "rotate")
    if committed:
        assert rerun == (
            f"Finished the pending rotation: master key {new_ids[0]} is now in place; "
            f"the key is in {key_file(plaint)}.\n"
        )
    else:
        assert rerun.startswith("Master key ")
    assert (
        json.loads(plaint.ok("show", "C-1", "--json"))["summary"] == f"{CANARY} summary"
    )
    assert list(key_file(plaint).parent.glob("*.new")) == []
    assert json.loads(plaint.ok("verify", "--json"))["ok"]


def test_only_an_admin_rotates_or_erases(plaint: Plaint) -> None:
    two_complaints(plaint)
    for command in (["keys", "rotate"], ["erase", "C-1", "--reason", "r"]):
        result = plaint(*command, actor="lee")
        assert result.exit_code == 1
        assert "that needs the role admin" in result.stderr


def test_an_erased_complaint_loses_its_text_but_still_counts_and_verifies(
    plaint: Plaint,
) -> None:
    two_complaints(plaint)
    plaint.ok("checkpoint")
    plaint.ok("erase", "C-1", "--reason", "erasure request 17")
    shown = json.loads(plaint.ok("show", "C-1", "--json"))
    assert shown["erased"] is True
    assert {k: shown[k] for k in ("summary", "detail", "customer", "contact")} == (
        dict.fromkeys(("summary", "detail", "customer", "contact"))
    )
    assert (shown["severity"], shown["channel"], shown["project"]) == (
        "severe",
        "email",
        "P",
    )
    history = json.loads(plaint.ok("history", "C-1", "--json"))
    assert history[1]["details"] == {"text": None}
    assert history[-1]["kind"] == "erased"
    assert len(json.loads(plaint.ok("list", "--json"))) == 2
    plaint.ok("projections", "rebuild")
    assert [
        r["ref"]
        for r in json.loads(plaint.ok("list", "--json", "--severity", "severe"))
    ] == ["C-1"]
    assert json.loads(plaint.ok("verify", "--json"))["ok"]
    result = plaint("note", "C-1", "more")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "Error: C-1 was erased: no text or personal data can be added to it"
    )
    assert CANARY not in plaint.ok("history", "C-1")


def test_no_copy_of_an_erased_key_or_its_text_remains_in_the_sqlite_files(
    sqlite_plaint: Plaint, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = sqlite_plaint
    two_complaints(run)
    ledger = run.open()
    scope = ledger.complaint_id("C-1").hex
    [stored] = [k for k in ledger.tables.all_keys() if k.scope == scope]
    data_key = ledger.keyring.master.unwrap(stored)
    ledger.close()
    connect = sqlite3.connect

    def insecure_connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        # As on an SQLite built without SECURE_DELETE (this one has it): a
        # deleted row stays in its page unless plaint turns the pragma on.
        connection = connect(*args, **kwargs)
        connection.execute("PRAGMA secure_delete = OFF")
        return connection

    monkeypatch.setattr(sqlite3, "connect", insecure_connect)
    # A reader that has opened the database keeps the write-ahead log on disk.
    holder = sqlite3.connect(run.home / "ledger.sqlite")
    holder.execute("SELECT COUNT(*) FROM stored_events").fetchone()
    run.ok("erase", "C-1", "--reason", "erasure request 17")
    files = list(run.home.glob("ledger.sqlite*"))
    assert {f.name for f in files} >= {"ledger.sqlite", "ledger.sqlite-wal"}
    everything = b"".join(f.read_bytes() for f in files)
    holder.close()
    secrets = {"data key": data_key, "wrapped key": stored.wrapped,
               "data key in hex": data_key.hex().encode(),
               "data key in base64": base64.b64encode(data_key),
               "text": CANARY.encode()}  # fmt: skip
    assert [name for name, secret in secrets.items() if secret in everything] == []


HOLD_THE_WRITE_LOCK = """
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
db.execute("UPDATE plaint_ledger SET name = name")
print("holding", flush=True)
time.sleep(float(sys.argv[2]))
db.execute("COMMIT")
"""


def test_a_rotation_waits_for_another_writer_to_release_the_lock(
    sqlite_plaint: Plaint,
) -> None:
    run = sqlite_plaint
    two_complaints(run)
    with subprocess.Popen(
        [sys.executable, "-c", HOLD_THE_WRITE_LOCK, run.ledger, "1.5"],
        stdout=subprocess.PIPE, text=True,
    ) as holder:  # fmt: skip
        assert holder.stdout is not None
        assert holder.stdout.readline() == "holding\n"
        started = time.monotonic()
        result = run("keys", "rotate")
        waited = time.monotonic() - started
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Master key ")
    assert waited > 0.5
    assert list(key_file(run).parent.glob("*.new")) == []
    assert json.loads(run.ok("show", "C-1", "--json"))["summary"] == f"{CANARY} summary"
    assert json.loads(run.ok("verify", "--json"))["ok"]


def test_a_command_writing_with_the_old_key_after_a_rotation_committed_records_nothing(
    plaint: Plaint, monkeypatch: pytest.MonkeyPatch
) -> None:
    two_complaints(plaint)
    insert, before = LedgerTables.insert_events, {}

    def rotate_first(self: LedgerTables, *args: Any, **kwargs: Any) -> Any:
        # This command read the team with the old key; now, before it writes,
        # another session's rotation commits.
        if not before:
            monkeypatch.setattr(LedgerTables, "insert_events", insert)
            rotating = plaint.open()
            rotating.rotate_master_key()
            rotating.close()
            before.update(ledger_rows(plaint))
        return insert(self, *args, **kwargs)

    monkeypatch.setattr(LedgerTables, "insert_events", rotate_first)
    result = plaint("file", "--project", "P", "--channel", "web", "--severity",
                    "mild", "--summary", "written with the old key")  # fmt: skip
    assert before, "the rotation ran while the command was writing"
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: the master key was rotated while this command ran; nothing was "
        "recorded, run it again\n"
    )
    assert ledger_rows(plaint) == before
    assert json.loads(plaint.ok("verify", "--json"))["ok"]
    plaint.ok("file", "--project", "P", "--channel", "web", "--severity", "mild",
              "--summary", "run again")  # fmt: skip


def ledger_rows(plaint: Plaint) -> dict[str, Any]:
    """How many events the log holds, and which master key wraps how many
    data keys."""
    ledger = plaint.open()
    try:
        return {
            "events": ledger.tables.count_events_after(0),
            "wrapped_by": ledger.tables.master_ids(),
        }
    finally:
        ledger.close()
