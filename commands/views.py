"""`plaint list`, `overdue` and `sweep`: reading the views, escalating breaches."""

from __future__ import annotations

from typing import Any

import click

from commands.base import (
    SEVERITY,
    STATUS,
    PlaintCommand,
    echo_json,
    json_option,
    open_views,
    session,
)
from ledger.domain.timeutil import local, parse_time


def echo_listing(rows: list[dict[str, Any]]) -> None:
    """Complaints as a table for people."""
    if not rows:
        click.echo("No complaints.")
    for row in rows:
        late = ", ".join(row["overdue"])
        click.echo(
            f"{row['ref']:<8} {row['project'][:16]:<16} {row['channel']:<8} "
            f"{row['severity']:<9} {row['status']:<12} {row['owner'][:12]:<12} "
            f"{local(parse_time(row['received_at']))}"
            + (f"  overdue: {late}" if late else "")
        )


@click.command("list", cls=PlaintCommand)
@click.option("--project", help="Only this project.")
@click.option("--status", type=STATUS, help="Only this status.")
@click.option("--severity", type=SEVERITY, help="Only this severity.")
@click.option("--owner", metavar="MEMBER", help="Only complaints this member owns.")
@click.option(
    "--overdue", is_flag=True, help="Only complaints with a breached deadline."
)
@json_option
@click.pass_context
def list_complaints(
    ctx: click.Context, /, as_json: bool, overdue: bool, **filters: str | None
) -> None:
    """List complaints, in filing order, from the views.

    \b
    Example:
      plaint list --project Apollo --status in_progress
      plaint list --severity severe --overdue --json
    """
    from projections import queries

    ledger, store = open_views(ctx)
    now = session(ctx).clock()
    rows = queries.listing(ledger, store, now, overdue_only=overdue, **filters)
    if as_json:
        echo_json(rows)
    else:
        echo_listing(rows)


@click.command(cls=PlaintCommand)
@json_option
@click.pass_context
def overdue(ctx: click.Context, as_json: bool) -> None:
    """List open complaints with a deadline past due and unmet.

    \b
    Example:
      plaint overdue --json
    """
    from projections import queries

    ledger, store = open_views(ctx)
    rows = queries.listing(ledger, store, session(ctx).clock(), overdue_only=True)
    if as_json:
        echo_json(rows)
    else:
        echo_listing(rows)


@click.command(cls=PlaintCommand)
@click.option(
    "--dry-run", is_flag=True, help="Say what would be escalated; record nothing."
)
@json_option
@click.pass_context
def sweep(ctx: click.Context, dry_run: bool, as_json: bool) -> None:
    """Climb breached complaints one rung up their escalation ladder (lead+).

    An open complaint whose deadlines were newly breached climbs one rung of
    the ladder of its channel and severity (`policy set --route` or
    `--escalate-to`), once for all of them; at the top of the ladder the
    breach is reported, not escalated. Running it again escalates nothing
    new, so it is safe from cron, and two sweeps at once escalate once.

    \b
    Example:
      plaint sweep --dry-run
      */15 * * * *  PLAINT_ACTOR=lee plaint sweep
    """
    from projections import queries

    ledger, store = open_views(ctx)
    breaches = queries.breaches(store, session(ctx).clock())
    done = ledger.sweep(breaches, dry_run=dry_run)
    if as_json:
        echo_json(done)
        return
    if not done:
        click.echo("No breached deadlines.")
    for row in done:
        to = f" to {row['to']} (rung {row['rung']})" if row["to"] else ""
        why = f": {row['why']}" if row["why"] else ""
        click.echo(
            f"{row['ref']} {row['deadline']}-by {row['due']}: {row['outcome']}{to}{why}"
        )
