"""Bytes that are not UTF-8, in arguments or on standard input: a usage error
(exit 2) with a sentence, never UnicodeEncodeError, and nothing recorded."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from commands import cli
from commands.base import Session
from tests.conftest import Plaint

FILE = ["file", "--project", "P", "--channel", "web", "--severity", "mild"]
BAD_SUMMARY = (
    "Error: Invalid value for '--summary': 'caf\\udce9' is not valid UTF-8 text; "
    "give it in UTF-8"
)
BAD_STDIN = (
    "Error: standard input is not valid UTF-8 text (byte 4 is 0xe9); convert it "
    "to UTF-8, e.g. with iconv"
)


def complaints(plaint: Plaint) -> int:
    return int(json.loads(plaint.ok("info", "--json"))["complaints"])


def run(
    plaint: Plaint, *args: str | bytes, stdin: bytes = b"", locale: str = "C.UTF-8"
) -> subprocess.CompletedProcess[bytes]:
    """plaint in a process of its own, as a shell would start it."""
    command = [sys.executable, "-c", "from commands import main; main()",
               "--ledger", plaint.ledger, "--as", "ann", *args]  # fmt: skip
    environ = {**plaint.environ, "LC_ALL": locale, "PYTHONPATH": os.getcwd()}
    return subprocess.run(
        command, env=environ, input=stdin, capture_output=True, check=False
    )


@pytest.mark.parametrize("locale", ["C.UTF-8", "C"])
def test_an_argument_in_latin_1_is_a_usage_error(
    sqlite_plaint: Plaint, locale: str
) -> None:
    done = run(sqlite_plaint, *FILE, "--summary", b"caf\xe9", locale=locale)
    assert (done.returncode, done.stderr.decode().splitlines()[-1]) == (
        2, BAD_SUMMARY
    )  # fmt: skip
    assert complaints(sqlite_plaint) == 0


@pytest.mark.parametrize("locale", ["C.UTF-8", "C"])
def test_standard_input_in_latin_1_is_a_usage_error(
    sqlite_plaint: Plaint, locale: str
) -> None:
    done = run(sqlite_plaint, *FILE, "--summary", "s", "--detail", "-",
               stdin=b"caf\xe9 au lait", locale=locale)  # fmt: skip
    assert (done.returncode, done.stderr.decode().splitlines()[-1]) == (
        2, BAD_STDIN
    )  # fmt: skip
    assert complaints(sqlite_plaint) == 0


def test_a_file_name_in_latin_1_is_shown_escaped(sqlite_plaint: Plaint) -> None:
    home = os.fsencode(sqlite_plaint.home)
    names = [home + b"/calls-caf\xe9.csv", home + b"/calls-th\xe9.csv"]
    for name in names:
        with open(name, "wb") as source:
            source.write(b"summary,channel,severity,project,received_at\n"
                         b"s,fax,mild,P,2026-01-01\n")  # fmt: skip
    done = run(sqlite_plaint, "import", *names)
    assert done.returncode == 1
    assert done.stdout.decode().splitlines()[1] == (
        "  calls-caf\\udce9.csv line 2: channel 'fax' is not one of email, phone, "
        "web, chat, meeting, survey, social, internal, other"
    )
    assert complaints(sqlite_plaint) == 0


def test_in_process_too_undecodable_text_is_refused(sqlite_plaint: Plaint) -> None:
    result = sqlite_plaint(*FILE, "--summary", "caf\udce9")
    assert (result.exit_code, result.stderr.splitlines()[-1]) == (2, BAD_SUMMARY)
    result = CliRunner().invoke(
        cli,
        ["--ledger", sqlite_plaint.ledger, "--as", "ann", *FILE, "--summary", "s",
         "--detail", "-"],
        obj=Session(environ=sqlite_plaint.environ),
        input=b"caf\xe9 au lait",
        catch_exceptions=False,
    )  # fmt: skip
    assert (result.exit_code, result.stderr.splitlines()[-1]) == (2, BAD_STDIN)
    assert complaints(sqlite_plaint) == 0
