"""`plaint projections …`: the views' positions, and rebuilding them from the log."""

from __future__ import annotations

import click

from commands.base import (
    PlaintGroup,
    echo_json,
    json_option,
    open_ledger,
    progress_bar,
)
from ledger.domain.vocabulary import ReadAction


@click.group(cls=PlaintGroup)
def projections() -> None:
    """The views that listings and reports read, rebuilt from the event log.

    Views catch up with the log by themselves before every reading command.

    \b
    Example:
      plaint projections status
      plaint projections rebuild
    """


@projections.command("status")
@json_option
@click.pass_context
def status(ctx: click.Context, as_json: bool) -> None:
    """Show each view's position in the log and how far behind it is.

    \b
    Example:
      plaint projections status --json
    """
    from projections.catchup import lag, open_store

    ledger = open_ledger(ctx)
    ledger.authorise_read(ReadAction.SEE_VIEWS)
    positions = lag(ledger, open_store(ledger))
    if as_json:
        echo_json(positions)
        return
    for name, at in positions.items():
        click.echo(f"{name:<12} position {at['position']:>9}  lag {at['lag']:>9}")


@projections.command("rebuild")
@click.pass_context
def rebuild(ctx: click.Context) -> None:
    """Drop every view and replay the whole log into it (admin).

    \b
    Example:
      plaint projections rebuild
    """
    from projections.catchup import catch_up, open_store
    from projections.views import VIEWS

    ledger = open_ledger(ctx)
    ledger.authorise_read(ReadAction.REBUILD_VIEWS)
    store = open_store(ledger)
    store.reset(VIEWS)
    with progress_bar(ledger.events_after(0), "Replaying events") as progress:
        read = catch_up(ledger, store, progress=progress)
    click.echo(f"Rebuilt {len(VIEWS)} views from {read} events.")


@projections.command("follow")
@click.option(
    "--for",
    "seconds",
    type=click.FloatRange(min=0),
    help="Stop after this many seconds [default: run until stopped].",
)
@click.pass_context
def follow_log(ctx: click.Context, seconds: float | None) -> None:
    """Keep the views current as events arrive (live on PostgreSQL).

    On PostgreSQL new events are notified (LISTEN/NOTIFY); on SQLite the log
    is polled every second. Without it, views catch up before each reading
    command anyway. "Following the log…" on stderr says the views have caught
    up and every later event will be applied.

    \b
    Example:
      plaint projections follow
      plaint projections follow --for 60
    """
    from projections.catchup import follow, open_store

    ledger = open_ledger(ctx)
    ledger.authorise_read(ReadAction.FOLLOW)
    try:
        total = follow(
            ledger,
            open_store(ledger),
            seconds=seconds,
            applied=lambda n: click.echo(f"Applied {n} new events."),
            ready=lambda: click.echo(
                "Following the log… (press Ctrl-C to stop)", err=True
            ),
        )
    except KeyboardInterrupt:
        click.echo("Stopped.", err=True)
        return
    click.echo(f"Stopped after applying {total} events.", err=True)
