"""The plaint command line: one Click group, its commands loaded when used."""

from __future__ import annotations

import click

from commands.base import PlaintGroup, Session, default_actor

__all__ = ["cli", "main"]

COMMANDS = {
    "init": "commands.setup:init",
    "info": "commands.setup:info",
    "team": "commands.team:team",
    "token": "commands.tokens:token",
    "policy": "commands.policy:policy",
    "calendar": "commands.calendar:calendar",
    "file": "commands.intake:file_complaint",
    "import": "commands.importing:import_files",
    "ack": "commands.lifecycle:ack",
    "triage": "commands.lifecycle:triage",
    "assign": "commands.lifecycle:assign",
    "escalate": "commands.lifecycle:escalate",
    "note": "commands.lifecycle:note",
    "respond": "commands.lifecycle:respond",
    "resolve": "commands.lifecycle:resolve",
    "reopen": "commands.lifecycle:reopen",
    "close": "commands.lifecycle:close",
    "withdraw": "commands.lifecycle:withdraw",
    "wait": "commands.lifecycle:wait",
    "resume": "commands.lifecycle:resume",
    "survey": "commands.lifecycle:survey",
    "confidential": "commands.confidential:confidential",
    "grant": "commands.confidential:grant",
    "revoke": "commands.confidential:revoke",
    "show": "commands.reading:show",
    "history": "commands.reading:history",
    "list": "commands.views:list_complaints",
    "overdue": "commands.views:overdue",
    "sweep": "commands.views:sweep",
    "projections": "commands.projections:projections",
    "checkpoint": "commands.integrity:checkpoint",
    "verify": "commands.integrity:verify",
    "proof": "commands.integrity:proof",
    "keys": "commands.keys:keys",
    "erase": "commands.keys:erase",
    "migrate-storage": "commands.migrate:migrate_storage",
    "report": "commands.report:report",
    "demo": "commands.demo:demo",
    "serve": "commands.serve:serve",
    "mail": "commands.mail:mail",
    "outbox": "commands.outbox:outbox",
    "witness": "commands.witness:witness",
    "log": "commands.log:log",
}


@click.group(
    cls=PlaintGroup, lazy=COMMANDS, context_settings={"max_content_width": 100}
)
@click.option(
    "--ledger",
    envvar="PLAINT_LEDGER",
    metavar="LOCATION",
    help="SQLite file or postgresql:// URL [env PLAINT_LEDGER; default: see `info`].",
)
@click.option(
    "--as",
    "actor",
    envvar="PLAINT_ACTOR",
    metavar="MEMBER",
    help="The team member acting [env PLAINT_ACTOR; default: your user name].",
)
@click.version_option(package_name="plaint")
@click.pass_context
def cli(ctx: click.Context, ledger: str | None, actor: str | None) -> None:
    """plaint: an encrypted, tamper-evident ledger of customer complaints.

    Every action on a complaint is appended as an encrypted event.

    \b
    Example:
      plaint init --admin ann
      plaint file --project Apollo --channel email --severity mild \\
                  --summary "Invoice portal times out"
      plaint show C-1
    """
    current = ctx.ensure_object(Session)
    current.ledger = ledger
    current.actor = actor or current.actor or default_actor(current.environ)


def main() -> None:
    """The console script."""
    cli(prog_name="plaint")
