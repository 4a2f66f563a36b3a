"""What plaint meets around it: a file that is not a ledger, and a process
whose environment does not name its user."""

from __future__ import annotations

import json
import os
import pwd
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from commands import cli
from commands.base import Session
from tests.conftest import Plaint


def not_a_ledger(path: Path) -> str:
    return (
        f"Error: {path} is not a plaint ledger: name a ledger's file with --ledger "
        "or PLAINT_LEDGER, or create a new ledger at another path with "
        "`plaint --ledger PATH init`"
    )


@pytest.mark.parametrize("content", ["binary", "text", "sqlite"])
def test_a_file_that_is_not_a_ledger_is_named_as_such(
    sqlite_plaint: Plaint, tmp_path: Path, content: str
) -> None:
    path = tmp_path / "other.db"
    if content == "binary":
        path.write_bytes(bytes(range(256)) * 8)
    elif content == "text":
        path.write_text("name,role\nann,admin\n")
    else:
        with sqlite3.connect(path) as connection:
            connection.execute("CREATE TABLE orders (id INTEGER)")
        connection.close()
    before = path.read_bytes()
    for command in (["info"], ["show", "C-1"], ["checkpoint"]):
        result = sqlite_plaint("--ledger", str(path), *command)
        assert (result.exit_code, result.stderr) == (1, not_a_ledger(path) + "\n")
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.glob("other.db*")) == ["other.db"]


def test_the_os_user_comes_from_the_real_user_id_when_the_environment_is_silent(
    sqlite_plaint: Plaint,
) -> None:
    for name in ("USER", "LOGNAME"):
        sqlite_plaint.environ.pop(name, None)
    sqlite_plaint.ok("team", "add", "cat", "--role", "compliance")
    sqlite_plaint.ok("file", "--project", "HR", "--channel", "email",
                     "--severity", "severe", "--summary", "s")  # fmt: skip
    sqlite_plaint.ok("confidential", "C-1", "--allow", "compliance")
    sqlite_plaint.ok("show", "C-1", actor="cat")
    report = json.loads(sqlite_plaint.ok("report", "access", "--json", actor="cat"))
    [read] = [e for c in report["complaints"] for e in c["events"]
              if e["action"] == "read"]  # fmt: skip
    assert read["host_user"] == pwd.getpwuid(os.getuid()).pw_name


def test_without_as_the_actor_is_the_user_the_session_names(
    environ: dict[str, str], tmp_path: Path
) -> None:
    environ.pop("LOGNAME", None)
    environ["USER"] = "ada"
    result = CliRunner().invoke(
        cli,
        ["--ledger", str(tmp_path / "ledger.sqlite"), "init"],
        obj=Session(environ=environ),
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert "  admin        ada\n" in result.stdout
