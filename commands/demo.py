"""`plaint demo`: a sample ledger with months of realistic data, and every report."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import TYPE_CHECKING

import click

from commands.base import PlaintCommand, session
from commands.report import publish
from ledger.errors import LedgerExists

if TYPE_CHECKING:
    from ledger.application import ComplaintLedger

LEDGER_FILE = "ledger.sqlite"
DEMO_ROLES = ("lead", "compliance")
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
@click.option(
    "--serve",
    is_flag=True,
    help="Then serve the sample on 127.0.0.1, with one-time passwords for a few "
    "members.",
)
@click.option(
    "--port",
    default=8000,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="The port for --serve.",
)
@click.pass_context
def demo(
    ctx: click.Context,
    directory: Path,
    complaints: int,
    seed: int,
    serve: bool,
    port: int,
) -> None:
    """Build a sample ledger in DIRECTORY and render every report there.

    The ledger (a SQLite file) and its keys stay inside DIRECTORY, apart from
    your own ledger and keys. It holds four projects over six months, from
    every channel and of every severity, with escalations, breached deadlines
    and surveys; one project turns red in its last weeks.

    \b
    With --serve it then runs `plaint serve` on the sample, at
    http://127.0.0.1:PORT, and prints a password for the admin, a lead, an
    agent and the compliance reviewer, made for this run.

    \b
    Example:
      plaint demo
      plaint demo /tmp/plaint-demo --complaints 1000
      plaint demo /tmp/plaint-demo-live --serve
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
    if serve:
        from commands.serve import run_server

        click.echo(f"Sign in at http://127.0.0.1:{port}/login as:")
        for member, password in demo_passwords(ledger).items():
            click.echo(f"  {member:<6} {password}")
        ledger.close()
        run_server(str(ledger_path), environ, current.clock, "127.0.0.1", port)


def demo_passwords(ledger: ComplaintLedger) -> dict[str, str]:
    """A new random password for the admin and one member of each kind of
    work a visitor wants to try (lead, agent, compliance), set in the ledger."""
    from commands.sample.data import AGENTS, TEAM

    members = [ledger.actor, *(m for m, r in TEAM.items() if r in DEMO_ROLES)]
    members.insert(2, AGENTS[0])
    passwords = {member: secrets.token_urlsafe(12) for member in members}
    for member, password in passwords.items():
        ledger.set_password(member, password)
    return passwords
