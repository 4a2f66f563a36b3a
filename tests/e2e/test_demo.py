"""`plaint demo`: a sample ledger and every report, kept inside one directory."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result

from commands import cli
from commands.base import Session


def demo(session: Session, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--as", "ann", "demo", *args], obj=session)


def test_the_demo_builds_a_ledger_and_renders_every_report_inside_its_directory(
    demo_session: Session, tmp_path: Path
) -> None:
    where = tmp_path / "demo"
    result = demo(demo_session, str(where), "--complaints", "40")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"Created a sample ledger at {where}/ledger.sqlite: ")
    written = [Path(line.strip()) for line in lines[1:-1]]
    names = sorted(path.name for path in written)
    assert names[:5] == ["access.html", "lessons-apollo.html",
                         "lessons-borealis.html", "lessons-cygnus.html",
                         "lessons-hermes.html"]  # fmt: skip
    assert names[-2:] == ["team.html", "warnings.html"]
    assert any(name.startswith("route-C-") for name in names)
    for path in written:
        assert path.parent == where
        assert "<svg" in path.read_text()
    assert lines[-1] == (
        f"Explore it: PLAINT_KEY_FILE={where}/ledger.key plaint --ledger "
        f"{where}/ledger.sqlite list"
    )
    assert (where / "ledger.key").stat().st_mode & 0o777 == 0o600
    assert not (tmp_path / "config" / "plaint").exists()
    explore = {**demo_session.environ, "PLAINT_KEY_FILE": str(where / "ledger.key")}
    listed = CliRunner().invoke(
        cli,
        ["--ledger", str(where / "ledger.sqlite"), "--as", "ann", "list", "--json"],
        obj=Session(environ=explore),
    )
    assert listed.exit_code == 0, listed.output
    assert len(json.loads(listed.stdout)) >= 30


def test_the_demo_refuses_a_directory_that_already_holds_a_ledger(
    demo_session: Session, tmp_path: Path
) -> None:
    where = tmp_path / "demo"
    where.mkdir()
    (where / "ledger.sqlite").write_bytes(b"")
    result = demo(demo_session, str(where))
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"Error: {where} already holds a plaint ledger; remove it or name another "
        "directory"
    )
    assert sorted(p.name for p in where.iterdir()) == ["ledger.sqlite"]
