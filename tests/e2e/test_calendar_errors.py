"""Bad calendars, hours, holiday codes and routes: one exact `Error:` line,
exit 2, and nothing recorded."""

from __future__ import annotations

import pytest

from tests.conftest import Plaint, error_line, events

CALENDAR = ["calendar", "set", "office", "--tz", "Europe/Berlin", "--hours"]
ROUTE = ["policy", "set", "--channel", "*", "--severity", "*", "--route"]
MONDAY = ["--hours", "mon 09:00-17:00"]
REFUSED = [
    (
        ["calendar", "set", "office", "--tz", "Mars/Olympus", *MONDAY],
        "Error: 'Mars/Olympus' is not a time zone: use an IANA name such as "
        "Europe/Berlin",
    ),
    (
        ["calendar", "set", "office", "--tz", "../../etc/passwd", *MONDAY],
        "Error: '../../etc/passwd' is not a time zone: use an IANA name such as "
        "Europe/Berlin",
    ),
    (
        [*CALENDAR, "mon-fry 09:00-17:30"],
        "Error: 'mon-fry' is not a day or span of days: use mon, tue, wed, thu, "
        "fri, sat, sun, a span such as mon-fri or a list such as mon,wed",
    ),
    (
        [*CALENDAR, "mon-fri 09:00-25:00"],
        "Error: '25:00' is not a time of day: use HH:MM, 00:00 to 24:00",
    ),
    (
        [*CALENDAR, "mon-fri 09:00-09:00"],
        "Error: '09:00-09:00' is empty: its start and end are the same",
    ),
    (
        [*CALENDAR, "mon-fri 09:00-17:00; fri 16:00-18:00"],
        "Error: the working hours overlap: give each time once",
    ),
    (
        [*CALENDAR, "mon-fri 09:00-17:30", "--holidays", "XX"],
        "Error: 'XX': the holidays package knows no country XX",
    ),
    (
        [*CALENDAR, "mon-fri 09:00-17:30", "--holidays", "DE-ZZ"],
        "Error: 'DE-ZZ': the holidays package knows no subdivision ZZ of DE",
    ),
    (
        [*CALENDAR, "mon-fri 09:00-17:30", "--closed", "2026-02-30"],
        "Error: '2026-02-30' is not a date: write it as 2026-12-24",
    ),
    (
        [*ROUTE, "bob,nobody"],
        "Error: nobody is not a member of the team",
    ),
    (
        [*ROUTE, "bob,role:director"],
        "Error: 'director' is not a role that may own complaints: use role:agent, "
        "role:lead, role:manager, role:admin",
    ),
    (
        [*ROUTE, "ann,,bob"],
        "Error: 'ann,,bob' is not a route: name members or roles, lowest rung "
        "first, separated by commas (for example lee,max,role:manager)",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("args", "line"), REFUSED)
def test_a_bad_calendar_or_route_is_one_error_line_and_records_nothing(
    sqlite_plaint: Plaint, args: list[str], line: str
) -> None:
    before = events(sqlite_plaint)
    result = sqlite_plaint(*args)
    assert result.exit_code == 2
    assert error_line(result.stderr) == line
    assert events(sqlite_plaint) == before


def test_a_rule_naming_an_unknown_calendar_is_refused(sqlite_plaint: Plaint) -> None:
    result = sqlite_plaint("policy", "set", "--channel", "*", "--severity", "*",
                           "--calendar", "office")  # fmt: skip
    assert result.exit_code == 1
    assert error_line(result.stderr) == (
        "Error: there is no calendar office: define it first with `plaint calendar set`"
    )
