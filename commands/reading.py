"""`plaint show` and `plaint history`: one complaint, now or as it stood."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import click

from commands.base import TIME, PlaintCommand, echo_json, json_option, open_ledger
from commands.confidential import readers
from ledger.domain.identity import CLAIMED
from ledger.domain.timeutil import local, parse_time


def when(text: str | None) -> str:
    """A stored time, in the reader's local time."""
    return local(parse_time(text)) if text else "-"


@click.command(cls=PlaintCommand)
@click.argument("ref")
@click.option("--as-of", type=TIME, help="Show it as it stood at this time.")
@json_option
@click.pass_context
def show(ctx: click.Context, ref: str, as_of: datetime | None, as_json: bool) -> None:
    """Show a complaint now, or as it stood at a time.

    \b
    Example:
      plaint show C-7
      plaint show C-7 --as-of 2026-03-01T12:00 --json
    """
    view = open_ledger(ctx).show(ref, as_of, export=as_json)
    if as_json:
        echo_json(view)
        return
    click.echo(f"{view['ref']}  {view['summary']}")
    rows: list[tuple[str, Any]] = [
        ("project", view["project"]),
        (
            "channel",
            view["channel"] + (f" ({view['source']})" if view["source"] else ""),
        ),
        ("severity", view["severity"]),
        ("status", view["status"].replace("_", " ")),
        ("owner", view["owner"]),
        ("readers", readers(view) if view["confidential"] else "the whole team"),
        ("customer", " ".join(filter(None, [view["customer"], view["contact"]]))),
        ("received", when(view["received_at"])),
    ]
    rows += [(f"{k} by", when(v)) for k, v in view["deadlines"].items() if v]
    if view["resolution"]:
        rows.append(("resolution", view["resolution"]))
    if view["survey"]:
        rows.append(("survey", f"{view['survey']['score']}/5"))
    for name, value in rows:
        click.echo(f"  {name:<11} {value or '-'}")
    if view["detail"]:
        click.echo("")
        click.echo(view["detail"])
    for step in view["escalations"]:
        click.echo(
            f"  escalation {step['level']}: {when(step['at'])} {step['by']}: "
            f"{step['from']} -> {step['to']}: {step['reason']}"
        )
    for number, reply in enumerate(view["replies"], 1):
        click.echo(
            f"  reply {number}: {when(reply['at'])} from {reply['from'] or '-'}: "
            f"{reply['subject'] or '(no subject)'}"
        )
        for line in (reply["message"] or "").splitlines():
            click.echo(f"    {line}")


@click.command(cls=PlaintCommand)
@click.argument("ref")
@json_option
@click.pass_context
def history(ctx: click.Context, ref: str, as_json: bool) -> None:
    """List every event of a complaint: time, actor, kind, details.

    An actor the service verified shows how, e.g. `bob (password)`; an actor
    named with --as on the command line was claimed (`"proof": "claimed"`
    in --json).

    \b
    Example:
      plaint history C-7 --json
    """
    rows = open_ledger(ctx).history(ref, export=as_json)
    if as_json:
        echo_json(rows)
        return
    for row in rows:
        details = ", ".join(
            f"{k}={v}" for k, v in row["details"].items() if v not in (None, {}, [])
        )
        # How a verified identity was proved; a name claimed with --as is bare.
        proved = "" if row["proof"] == CLAIMED else f" ({row['proof']})"
        click.echo(
            f"{row['seq']:>3}  {when(row['at'])}  {row['actor'] + proved:<12} "
            f"{row['kind']:<12} {details}"
        )
