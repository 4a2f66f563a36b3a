"""`plaint calendar …`: business-hours calendars that deadlines count on."""

from __future__ import annotations

from typing import Any

import click

from commands.base import PlaintGroup, echo_json, json_option, open_ledger


@click.group(cls=PlaintGroup)
def calendar() -> None:
    """Define business hours for deadlines (lead+).

    A policy rule names a calendar with `plaint policy set … --calendar
    NAME`; its durations then count working time on it (`--ack 8h` is
    eight working hours). Without one, time runs around the clock.

    \b
    Example:
      plaint calendar set office --tz Europe/Berlin \\
          --hours "mon-fri 09:00-17:30" --holidays DE-BY --closed 2026-12-24
      plaint policy set --channel '*' --severity '*' --calendar office
      plaint calendar show
    """


@calendar.command("set")
@click.argument("name")
@click.option("--tz", required=True, metavar="ZONE", help="IANA time zone.")
@click.option(
    "--hours",
    required=True,
    metavar="SPEC",
    help='Working hours, e.g. "mon-fri 09:00-12:00,13:00-17:30; sat 10:00-14:00";'
    " an end before its start crosses midnight.",
)
@click.option(
    "--holidays",
    metavar="CC[-SUB]",
    help="Public holidays of a country (and subdivision), e.g. DE-BY.",
)
@click.option(
    "--closed", multiple=True, metavar="DATE", help="A day closed; repeatable."
)
@click.pass_context
def set_calendar(
    ctx: click.Context,
    name: str,
    tz: str,
    hours: str,
    holidays: str | None,
    closed: tuple[str, ...],
) -> None:
    """Define a calendar, or redefine it as a new version.

    Complaints filed before keep the deadlines they were given.

    \b
    Example:
      plaint calendar set nights --tz America/New_York --hours "mon-fri 22:00-06:00"
    """
    done = open_ledger(ctx).set_calendar(name, tz, hours, holidays, closed)
    click.echo(f"Calendar {done['name']} (version {done['version']}): {describe(done)}")


@calendar.command("show")
@json_option
@click.pass_context
def show_calendars(ctx: click.Context, as_json: bool) -> None:
    """Show every calendar and the policy rules that use it.

    \b
    Example:
      plaint calendar show --json
    """
    found = open_ledger(ctx).calendars()
    if as_json:
        echo_json(found)
        return
    if not found:
        click.echo("No calendars: deadlines count around the clock.")
    for entry in found:
        used = ", ".join(entry["rules"]) or "no rule"
        click.echo(
            f"{entry['name']} (version {entry['version']}): {describe(entry)}; "
            f"used by {used}"
        )


def describe(entry: dict[str, Any]) -> str:
    """A calendar in words: `mon-fri 09:00-17:30, Europe/Berlin, holidays DE-BY`."""
    from ledger.domain.calendar_spec import describe_hours

    parts = [describe_hours(entry["hours"]), entry["tz"]]
    if entry["holidays"]:
        parts.append(f"holidays {entry['holidays']}")
    if entry["closed"]:
        parts.append(f"closed {', '.join(entry['closed'])}")
    return ", ".join(parts)
