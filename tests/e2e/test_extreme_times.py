"""Times outside 1970..2199, or received in the future, are refused before
anything is written."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from ledger.domain.intake import Intake
from ledger.domain.timeutil import ManualClock
from ledger.errors import InvalidInput
from tests.conftest import FILE, Plaint, error_line, events

NOW = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)
RANGE = "plaint takes times from 1970 up to the end of 2199 (UTC)"
CSV = "project,channel,severity,summary,received_at\n"


@pytest.fixture
def clocked(plaint: Plaint) -> Plaint:
    """The `plaint` ledger, with a deadline policy, C-1 filed, and a clock
    pinned to NOW."""
    plaint.clock = ManualClock(NOW)
    plaint.ok("policy", "set", "--channel", "*", "--severity", "*", "--ack", "1d")
    plaint.ok(*FILE, "--summary", "first")
    return plaint


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([*FILE, "--summary", "s", "--received-at", "9999-12-31T23:59:59"],
         f"Error: Invalid value for '--received-at': '9999-12-31T23:59:59' is out "
         f"of range: {RANGE}"),
        ([*FILE, "--summary", "s", "--received-at", "0001-01-01T00:00+01:00"],
         f"Error: Invalid value for '--received-at': '0001-01-01T00:00+01:00' is "
         f"out of range: {RANGE}"),
        ([*FILE, "--summary", "s", "--received-at", "1969-12-31T23:59"],
         f"Error: Invalid value for '--received-at': '1969-12-31T23:59' is out of "
         f"range: {RANGE}"),
        ([*FILE, "--summary", "s", "--received-at", "2026-11-24T18:06"],
         "Error: the time received 2026-11-24T18:06:00Z is in the future: it is "
         "2026-11-24T18:00:00Z now"),
        (["show", "C-1", "--as-of", "9999-12-31T23:59:59-05:00"],
         f"Error: Invalid value for '--as-of': '9999-12-31T23:59:59-05:00' is out "
         f"of range: {RANGE}"),
        (["report", "access", "--since", "0001-01-01T00:00+01:00",
          "-o", "{home}/a.html"],
         f"Error: Invalid value for '--since': '0001-01-01T00:00+01:00' is out of "
         f"range: {RANGE}"),
        (["report", "lessons", "--project", "P", "--as-of", "2200-01-01", "--json"],
         f"Error: Invalid value for '--as-of': '2200-01-01' is out of range: "
         f"{RANGE}"),
        (["policy", "set", "--channel", "*", "--severity", "*", "--ack", "999999w"],
         "Error: Invalid value for '--ack': '999999w' is too long: the longest "
         "duration is 520w"),
    ],
)  # fmt: skip
def test_times_out_of_range_or_in_the_future_are_usage_errors_that_write_nothing(
    clocked: Plaint, args: list[str], expected: str
) -> None:
    before = events(clocked)
    result = clocked(*[a.format(home=clocked.home) for a in args])
    assert (result.exit_code, error_line(result.stderr)) == (2, expected)
    assert events(clocked) == before
    assert not (clocked.home / "a.html").exists()


def test_a_time_received_a_few_minutes_ahead_of_the_clock_is_accepted(
    clocked: Plaint,
) -> None:
    clocked.ok(*FILE, "--summary", "s", "--received-at", "2026-11-24T18:05")
    shown = json.loads(clocked.ok("show", "C-2", "--json"))
    assert shown["received_at"] == "2026-11-24T18:05:00Z"


@pytest.mark.parametrize(
    ("received_at", "reason"),
    [
        ("9999-12-31T23:59:59",
         f"received_at '9999-12-31T23:59:59' is out of range: {RANGE}"),
        ("0001-01-01T00:00+01:00",
         f"received_at '0001-01-01T00:00+01:00' is out of range: {RANGE}"),
        ("2027-01-01T00:00",
         "the time received 2027-01-01T00:00:00Z is in the future: it is "
         "2026-11-24T18:00:00Z now"),
    ],
)  # fmt: skip
def test_an_import_dry_run_rejects_a_record_whose_import_would_be_refused(
    clocked: Plaint, received_at: str, reason: str
) -> None:
    source = clocked.home / "calls.csv"
    source.write_text(
        f"{CSV}P,web,mild,fine,2026-03-01T10:00\nP,web,mild,odd,{received_at}\n",
        encoding="utf-8",
    )
    before = events(clocked)
    for extra in (["--dry-run"], []):
        result = clocked("import", str(source), "--json", *extra, actor="bob")
        assert result.exit_code == 1
        assert json.loads(result.stdout)["rejected"] == [
            {"where": "line 3", "reason": reason}
        ]
        assert error_line(result.stderr) == (
            "Error: 1 record is invalid, so nothing was imported: fix them, or "
            "import the valid ones with --skip-invalid"
        )
    assert events(clocked) == before
    skipped = json.loads(
        clocked.ok("import", str(source), "--skip-invalid", "--json", actor="bob")
    )
    assert skipped["imported"] == 1
    clocked.ok("report", "lessons", "--project", "P", "--json")


def test_an_intake_from_any_source_is_refused_out_of_range() -> None:
    with pytest.raises(InvalidInput) as refused:
        Intake(
            project="P",
            channel="email",
            severity="mild",
            summary="s",
            received_at=datetime(9999, 12, 31, tzinfo=UTC),
        )
    assert str(refused.value) == (
        f"the time received 9999-12-31T00:00:00+00:00 is out of range: {RANGE}"
    )
