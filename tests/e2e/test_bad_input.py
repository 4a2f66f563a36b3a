"""Bad input: one `Error:` line, the documented exit code, nothing written."""

from __future__ import annotations

import base64
import json

import pytest

from tests.conftest import FILE, Plaint, error_line, events


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([*FILE[:5], "--severity", "awful", "--summary", "s"],
         "Error: Invalid value for '--severity': 'awful' is not one of 'positive', "
         "'mild', 'moderate', 'severe'."),
        (["file", "--project", "P", "--channel", "fax", "--severity", "mild",
          "--summary", "s"],
         "Error: Invalid value for '--channel': 'fax' is not one of 'email', 'phone', "
         "'web', 'chat', 'meeting', 'survey', 'social', 'internal', 'other'."),
        (["team", "add", "x", "--role", "boss"],
         "Error: Invalid value for '--role': 'boss' is not one of 'agent', 'lead', "
         "'manager', 'auditor', 'compliance', 'admin'."),
        (["policy", "set", "--channel", "*", "--severity", "*", "--ack", "5x"],
         "Error: Invalid value for '--ack': '5x' is not a duration: write a whole "
         "number and a unit, m, h, d or w (for example 30m, 4h, 2d, 1w)"),
        ([*FILE, "--summary", "s", "--received-at", "yesterday"],
         "Error: Invalid value for '--received-at': 'yesterday' is not a time: use "
         "ISO 8601, for example 2026-03-01 or 2026-03-01T14:30 or "
         "2026-03-01T14:30+01:00"),
        ([*FILE, "--summary", "   "], "Error: the summary is empty"),
        (["assign", "C-1", "nobody"],
         "Error: nobody is not a member of this ledger's team; an admin can add them "
         "with `plaint team add nobody --role agent`"),
        (["show", "C-99"], "Error: no complaint C-99 in this ledger"),
        (["show", "banana"], "Error: 'banana' is not a complaint reference: use C-1, "
         "C-2, …"),
        ([*FILE[:7]], "Error: Missing option '--summary'."),
    ],
)  # fmt: skip
def test_bad_values_are_usage_errors_that_write_nothing(
    plaint: Plaint, args: list[str], expected: str
) -> None:
    plaint.ok(*FILE, "--summary", "existing")
    before = events(plaint)
    result = plaint(*args, stdin="")
    assert (result.exit_code, error_line(result.stderr)) == (2, expected)
    assert events(plaint) == before


def test_a_ten_megabyte_detail_is_refused(plaint: Plaint) -> None:
    result = plaint(*FILE, "--summary", "s", "--detail", "-", stdin="x" * 10_000_000)
    assert result.exit_code == 2
    assert error_line(result.stderr) == (
        "Error: the detail is 10,000,000 characters long; the limit is 100,000"
    )
    assert json.loads(plaint.ok("info", "--json"))["complaints"] == 0


def test_a_missing_ledger_says_to_run_init(sqlite_plaint: Plaint) -> None:
    missing = sqlite_plaint.home / "nowhere.sqlite"
    result = sqlite_plaint("--ledger", str(missing), "info")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"Error: no ledger at {missing}; create one with `plaint init`"
    )
    assert not missing.exists()


def test_init_refuses_an_existing_ledger(plaint: Plaint) -> None:
    result = plaint("init")
    assert result.exit_code == 1
    assert error_line(result.stderr).startswith("Error: a ledger already exists at ")


def test_a_missing_master_key_names_the_file_tried(sqlite_plaint: Plaint) -> None:
    tried = sqlite_plaint.home / "elsewhere.key"
    sqlite_plaint.environ["PLAINT_KEY_FILE"] = str(tried)
    result = sqlite_plaint("show", "C-1")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"Error: no master key at {tried}; set PLAINT_KEY_FILE or "
        "PLAINT_MASTER_KEY to the ledger's key"
    )


def test_a_wrong_master_key_is_refused_by_name(sqlite_plaint: Plaint) -> None:
    sqlite_plaint.environ["PLAINT_MASTER_KEY"] = base64.b64encode(b"k" * 32).decode()
    result = sqlite_plaint("show", "C-1")
    assert result.exit_code == 1
    assert error_line(result.stderr).startswith(
        "Error: the master key from PLAINT_MASTER_KEY does not fit this ledger"
    )
