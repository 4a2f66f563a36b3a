"""`plaint team …`: members and their roles."""

from __future__ import annotations

import click

from commands.base import ROLE, PlaintGroup, echo_json, json_option, open_ledger
from ledger.domain.vocabulary import Role


@click.group(cls=PlaintGroup)
def team() -> None:
    """Manage the team: members and roles (admin).

    Roles: agent (files and works complaints), lead and manager (also triage,
    assign, escalate, set policy), auditor and compliance (read only), admin
    (also manages the team).

    \b
    Example:
      plaint team add bob --role agent
      plaint team list
    """


@team.command("add")
@click.argument("name")
@click.option("--role", type=ROLE, required=True, help="The member's role.")
@click.pass_context
def add(ctx: click.Context, name: str, role: str) -> None:
    """Add a member to the team.

    \b
    Example:
      plaint team add bob --role agent
    """
    open_ledger(ctx).add_member(name, Role(role))
    click.echo(f"Added {name.strip()} as {role}.")


@team.command("list")
@json_option
@click.pass_context
def list_members(ctx: click.Context, as_json: bool) -> None:
    """List the members and their roles.

    \b
    Example:
      plaint team list --json
    """
    members = open_ledger(ctx).members()
    if as_json:
        echo_json(members)
        return
    for member in members:
        click.echo(f"{member['name']:<24} {member['role']}")


@team.command("role")
@click.argument("name")
@click.argument("role", type=ROLE)
@click.pass_context
def change_role(ctx: click.Context, name: str, role: str) -> None:
    """Give a member another role.

    \b
    Example:
      plaint team role bob lead
    """
    open_ledger(ctx).change_role(name, Role(role))
    click.echo(f"{name} is now {role}.")


@team.command("remove")
@click.argument("name")
@click.pass_context
def remove(ctx: click.Context, name: str) -> None:
    """Remove a member; what they did stays in the ledger.

    \b
    Example:
      plaint team remove bob
    """
    open_ledger(ctx).remove_member(name)
    click.echo(f"Removed {name}.")
