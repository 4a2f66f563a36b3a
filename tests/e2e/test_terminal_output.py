"""Text from the ledger never reaches a terminal raw: control characters and
bidirectional overrides are shown escaped, and kept exactly as received."""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import Plaint

# A title change, a line erased and overwritten, a reversed file name, a CSI.
HOSTILE = "esc \x1b]0;pwned\x07 \x1b[2K\rFAKE \u202egnp.exe \x9b31m"
SHOWN = "esc \\x1b]0;pwned\\x07 \\x1b[2K\\x0dFAKE \\u202egnp.exe \\x9b31m"
PROJECT = "Pr\x1b[31moj"
UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)


@pytest.fixture
def hostile(sqlite_plaint: Plaint) -> Plaint:
    """C-1, overdue, with hostile text in every field a customer controls."""
    sqlite_plaint.ok("policy", "set", "--channel", "*", "--severity", "*",
                     "--ack", "1h")  # fmt: skip
    sqlite_plaint.ok("file", "--project", PROJECT, "--channel", "web",
                     "--severity", "mild", "--summary", HOSTILE, "--detail",
                     HOSTILE, "--customer", HOSTILE, "--received-at",
                     "2026-01-01")  # fmt: skip
    sqlite_plaint.ok("note", "C-1", HOSTILE)
    return sqlite_plaint


@pytest.mark.parametrize(
    ("command", "shown"),
    [
        (["show", "C-1"], f"C-1  {SHOWN}\n"),
        (["show", "C-1"], f"  customer    {SHOWN}\n"),
        (["show", "C-1"], f"\n{SHOWN}\n"),
        (["history", "C-1"], f"summary={SHOWN}"),
        (["history", "C-1"], f"text={SHOWN}"),
        (["list"], "C-1      Pr\\x1b[31moj        web"),
        (["overdue"], "C-1      Pr\\x1b[31moj        web"),
    ],
)
def test_text_from_the_ledger_is_shown_escaped(
    hostile: Plaint, command: list[str], shown: str
) -> None:
    out = hostile.ok(*command)
    assert shown in out
    assert not UNSAFE.search(out)


@pytest.mark.parametrize("command", [["show", "C-1"], ["history", "C-1"]])
def test_json_keeps_the_text_exact_and_the_terminal_safe(
    hostile: Plaint, command: list[str]
) -> None:
    out = hostile.ok(*command, "--json")
    assert not UNSAFE.search(out)
    data = json.loads(out)
    if command[0] == "show":
        assert (data["summary"], data["detail"], data["project"]) == (
            HOSTILE, HOSTILE, PROJECT
        )  # fmt: skip
    else:
        assert data[0]["details"]["summary"] == HOSTILE
        assert data[-1]["details"]["text"] == HOSTILE


def test_an_email_subject_with_an_escape_code_is_shown_escaped(
    sqlite_plaint: Plaint,
) -> None:
    message = sqlite_plaint.home / "portal.eml"
    message.write_text(
        "From: Jo Bloggs <jo@example.org>\nTo: support@example.com\n"
        "Subject: =?utf-8?q?Portal_=1B[31m_down?=\n"
        "Date: Sun, 01 Mar 2026 14:30:00 +0000\n"
        "Content-Type: text/plain; charset=utf-8\n\nThe portal is down.\n"
    )
    sqlite_plaint.ok("import", str(message), "--project", "Apollo")
    assert sqlite_plaint.ok("show", "C-1").startswith("C-1  Portal \\x1b[31m down\n")
    summary = json.loads(sqlite_plaint.ok("show", "C-1", "--json"))["summary"]
    assert summary == "Portal \x1b[31m down"


def test_an_error_line_quoting_user_text_is_escaped(sqlite_plaint: Plaint) -> None:
    result = sqlite_plaint("show", "C-1\x1b[2J\u202e")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "Error: 'C-1\\x1b[2J\\u202e' is not a complaint reference: use C-1, C-2, …"
    )


def test_an_import_rejection_quoting_a_record_is_escaped(
    sqlite_plaint: Plaint,
) -> None:
    source = sqlite_plaint.home / "calls.csv"
    source.write_text(
        "summary,channel,severity,project,received_at\n"
        "s,web,aw\x1b]0;x\x07ful,P,2026-01-01\n"
    )
    result = sqlite_plaint("import", str(source))
    assert result.exit_code == 1
    assert result.stdout.splitlines()[-1] == (
        "  line 2: severity 'aw\\x1b]0;x\\x07ful' is not one of positive, mild, "
        "moderate, severe"
    )
    assert json.loads(sqlite_plaint.ok("info", "--json"))["complaints"] == 0
