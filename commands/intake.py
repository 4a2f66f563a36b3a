"""`plaint file`: record a complaint from any channel."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Any

import click

from commands.base import (
    CHANNEL,
    SEVERITY,
    TIME,
    PlaintCommand,
    echo_json,
    json_option,
    open_ledger,
    read_stdin,
)
from ledger.domain.grantees import filing_readers
from ledger.domain.intake import Intake

REQUIRED: dict[str, tuple[str, click.Choice[str] | None]] = {
    "project": ("Project", None),
    "channel": ("Channel", CHANNEL),
    "severity": ("Severity", SEVERITY),
    "summary": ("Summary", None),
}


def ask_if_missing(ctx: click.Context, values: dict[str, Any]) -> None:
    """Prompt for missing required fields on a terminal; refuse (exit 2) otherwise."""
    for name, (label, kind) in REQUIRED.items():
        if values[name]:
            continue
        if not sys.stdin.isatty():
            raise click.UsageError(f"Missing option '--{name}'.", ctx)
        values[name] = click.prompt(label, type=kind)


@click.command(cls=PlaintCommand)
@click.option("--project", help="The project or service it is about.")
@click.option("--channel", type=CHANNEL, help="Where it came from.")
@click.option("--severity", type=SEVERITY, help="positive, mild, moderate or severe.")
@click.option("--summary", help="One line saying what it is about.")
@click.option("--detail", help="The full text; - reads it from standard input.")
@click.option("--customer", help="Who raised it.")
@click.option("--contact", help="How to reach them.")
@click.option("--source", help="Source detail: the address, caller, form, meeting.")
@click.option("--received-at", type=TIME, help="When it arrived [default: now].")
@click.option("--external-id", help="Its id in the system it came from.")
@click.option(
    "--confidential",
    is_flag=True,
    help="Only its owner and those --allow names may read it (lead+).",
)
@click.option(
    "--allow",
    metavar="MEMBER_OR_ROLE",
    multiple=True,
    help="With --confidential: a member or role who may read it; repeat for more.",
)
@json_option
@click.pass_context
def file_complaint(
    ctx: click.Context,
    /,
    as_json: bool,
    confidential: bool,
    allow: tuple[str, ...],
    **values: Any,
) -> None:
    """Record a complaint (or praise) and print its reference.

    On a terminal, missing required fields are asked for.

    \b
    Example:
      plaint file --project Apollo --channel email --severity mild \\
        --summary "Invoice portal times out" --customer "Jane Roe" \\
        --contact jane@example.com --detail - < message.txt
      plaint file --project HR --channel meeting --severity severe \\
        --summary "Harassment report" --confidential --allow role:compliance
    """
    readers = filing_readers(confidential, allow)
    ask_if_missing(ctx, values)
    if values["detail"] == "-":
        values["detail"] = read_stdin()
    received_at: datetime | None = values.pop("received_at")
    intake = Intake(received_at=received_at, **values)
    filed = open_ledger(ctx).file(intake, allow=readers)
    if as_json:
        echo_json(filed)
    else:
        click.echo(filed["ref"])
