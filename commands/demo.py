"""`plaint demo`: a sample ledger with months of realistic data, and every report."""

from __future__ import annotations

from pathlib import Path

import click

from commands.base import PlaintCommand, session
from commands.report import publish
from ledger.errors import LedgerExists

LEDGER_FILE = "ledger.sqlite"
KEY_FILE = "ledger.key"


@click.command(cls=PlaintCommand)
@click.argument(
    "directory",
    default="plaint-demo",
    type=click.Path(file_okay=False, path_type=Path),
)
@click.option(
    "--complaints",
    default=400,
    show_default=True,
    type=click.IntRange(20, 20_000),
    help="About how many complaints to generate.",
)
@click.option(
    "--seed", default=7, show_default=True, help="The same seed gives the same data."
)
@click.pass_context
def demo(ctx: click.Context, directory: Path, complaints: int, seed: int) -> None:
    """Build a sample ledger in DIRECTORY and render every report there.

    The ledger (a SQLite file) and its keys stay inside DIRECTORY, apart from
    your own ledger and keys. It holds four projects over six months, from
    every channel and of every severity, with escalations, breached deadlines
    and surveys; one project turns red in its last weeks.

    \b
    Example:
      plaint demo
      plaint demo /tmp/plaint-demo --complaints 1000
    """
    from commands.sample import generate
    from ledger.application import ComplaintLedger
    from ledger.crypto.keyfiles import (
        KEY_FILE_VARIABLE,
        MASTER_KEY_VARIABLE,
        signing_key_file,
    )
    from ledger.domain.timeutil import ManualClock
    from ledger.storage.location import parse_location
    from projections.catchup import catch_up, open_store
    from projections.reports import common
    from projections.reports.registry import build

    current = session(ctx)
    directory = directory.absolute()
    ledger_path, key_path = directory / LEDGER_FILE, directory / KEY_FILE
    if ledger_path.exists() or key_path.exists():
        raise LedgerExists(
            f"{directory} already holds a plaint ledger; remove it or name another "
            "directory"
        )
    environ = {**current.environ, KEY_FILE_VARIABLE: str(key_path)}
    environ.pop(MASTER_KEY_VARIABLE, None)  # the demo makes its own key
    clock = ManualClock(current.clock().replace(second=0, microsecond=0))
    ledger = ComplaintLedger.create(
        parse_location(str(ledger_path), environ),
        admin=current.actor,
        environ=environ,
        clock=clock,
    )
    try:
        made = generate(ledger, clock, complaints=complaints, seed=seed)
    except BaseException:
        # Half a sample is no use, and would make the next run refuse the directory.
        ledger.close()
        for path in (
            *directory.glob(f"{LEDGER_FILE}*"),
            key_path,
            signing_key_file(ledger.ledger_id, environ),
        ):
            path.unlink(missing_ok=True)
        raise
    ctx.call_on_close(ledger.close)
    ledger.clock = current.clock
    click.echo(
        f"Created a sample ledger at {ledger_path}: {made['complaints']} complaints, "
        f"{made['events']} events."
    )
    store = open_store(ledger)
    catch_up(ledger, store)
    runs: list[tuple[str, dict[str, object], str]] = [
        ("warnings", {"as_of": None}, "warnings.html"),
        ("team", {"project": None, "as_of": None}, "team.html"),
    ]
    for project in common.projects(store):
        runs.append(
            ("lessons", {"project": project, "as_of": None},
             f"lessons-{project.lower()}.html")
        )  # fmt: skip
    for ref in common.most_escalated(store, 2):
        runs.append(("route", {"ref": ref}, f"route-{ref}.html"))
    # Last, so that it lists any export the other reports recorded.
    runs.append(("access", {"since": None, "complaint": None}, "access.html"))
    for name, parameters, file_name in runs:
        data = build(ledger, store, name, current.clock(), dict(parameters))
        click.echo(f"  {publish(ledger, data, directory / file_name)}")
    click.echo(
        f"Explore it: PLAINT_KEY_FILE={key_path} plaint --ledger {ledger_path} list"
    )
