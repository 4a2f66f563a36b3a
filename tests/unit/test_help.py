"""Every command has help with an example, and the README names it."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from commands import cli

README = (Path(__file__).parents[2] / "README.md").read_text()


def all_commands() -> list[tuple[str, click.Command]]:
    found: list[tuple[str, click.Command]] = []
    context = click.Context(cli)
    for name in cli.list_commands(context):
        command = cli.get_command(context, name)
        assert command is not None
        found.append((name, command))
        if isinstance(command, click.Group):
            for sub in command.list_commands(context):
                found.append((f"{name} {sub}", command.commands[sub]))
    return found


@pytest.mark.parametrize(("name", "command"), all_commands())
def test_every_command_shows_an_example_in_its_help(
    name: str, command: click.Command
) -> None:
    result = CliRunner().invoke(cli, [*name.split(), "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.stdout, name
    assert f"plaint {name}" in result.stdout, name


@pytest.mark.parametrize(("name", "command"), all_commands())
def test_every_command_is_in_the_readme(name: str, command: click.Command) -> None:
    assert f"{name}`" in README or f"plaint {name} " in README, name


def test_shell_completion_completes_commands_and_choices() -> None:
    def complete(words: str) -> list[str]:
        current = len(words.split()) - (0 if words.endswith(" ") else 1)
        env = {
            "_PLAINT_COMPLETE": "bash_complete",
            "COMP_WORDS": words,
            "COMP_CWORD": str(current),
        }
        result = CliRunner().invoke(cli, [], env=env, prog_name="plaint")
        assert result.exit_code == 0
        return [line.split(",", 1)[1] for line in result.stdout.splitlines()]

    assert complete("plaint sw") == ["sweep"]
    assert complete("plaint file --severity ") == [
        "positive",
        "mild",
        "moderate",
        "severe",
    ]


def test_help_loads_no_cryptography_or_storage() -> None:
    """`plaint --help` lists every command, which loads every command module:
    what they need of keys, ciphers and databases is imported when used, so
    the help stays quick (the benchmarks time it)."""
    import subprocess
    import sys

    code = (
        "import sys; sys.argv = ['plaint', '--help']\n"
        "from commands import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = ('cryptography', 'eventsourcing', 'sqlite3', 'jinja2', 'fastapi',"
        " 'uvicorn', 'starlette', 'pydantic')\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & set(heavy)))\n"
    )
    found = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.splitlines()[-1]
    assert found == "[]"


def test_filing_loads_no_web_stack(tmp_path: Path) -> None:
    """`plaint file` starts as it did before `plaint serve`: FastAPI, uvicorn
    and what they bring load only for the service."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("PLAINT_")}
    env.update(XDG_CONFIG_HOME=str(tmp_path / "c"), XDG_DATA_HOME=str(tmp_path / "d"))
    ledger = str(tmp_path / "ledger.sqlite")
    code = (
        "import sys\n"
        "from commands import main\n"
        "ledger = sys.argv[1]\n"
        "for args in (['init', '--admin', 'ann'], ['file', '--project', 'P',"
        " '--channel', 'web', '--severity', 'mild', '--summary', 's']):\n"
        "    sys.argv = ['plaint', '--ledger', ledger, '--as', 'ann', *args]\n"
        "    try:\n        main()\n    except SystemExit as e:\n"
        "        assert not e.code, e.code\n"
        "web = ('fastapi', 'uvicorn', 'starlette', 'pydantic', 'httpx')\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & set(web)))\n"
    )
    found = subprocess.run(
        [sys.executable, "-c", code, ledger],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    ).stdout.splitlines()[-1]
    assert found == "[]"
