"""`plaint team …`: members, their roles, and how they sign in."""

from __future__ import annotations

from datetime import timedelta

import click

from commands.base import (
    DURATION,
    ROLE,
    PlaintGroup,
    echo_json,
    json_option,
    open_ledger,
    session,
)
from ledger.domain.vocabulary import Role


@click.group(cls=PlaintGroup)
def team() -> None:
    """Manage the team: members and roles (admin).

    Roles: agent (files and works complaints), lead and manager (also triage,
    assign, escalate, set policy), auditor and compliance (read only), admin
    (also manages the team).

    Members sign in to `plaint serve` with a password (`team password`) or
    single sign-on (`team link`).

    \b
    Example:
      plaint team add bob --role agent
      plaint team list
      plaint team password bob --invite
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


@team.command("password")
@click.argument("name")
@click.option(
    "--invite",
    is_flag=True,
    help="Print a one-time link with which NAME sets the password instead.",
)
@click.option(
    "--expires",
    type=DURATION,
    default="3d",
    show_default=True,
    help="How long the --invite link works.",
)
@click.option(
    "--public-url",
    metavar="URL",
    help="The service's address, for the --invite link [env PLAINT_PUBLIC_URL].",
)
@click.pass_context
def password(
    ctx: click.Context,
    name: str,
    invite: bool,
    expires: int,
    public_url: str | None,
) -> None:
    """Set a member's password for signing in to `plaint serve` (admin, or
    the member themself): typed twice, hidden, at least 12 characters, and
    stored as an argon2id hash only. With --invite, print a link instead
    with which the member sets it themself, once, before it expires.

    \b
    Example:
      plaint team password bob
      plaint team password bob --invite --expires 2d \\
                           --public-url https://complaints.example.org
    """
    ledger = open_ledger(ctx)
    if invite:
        made = ledger.invite(name, timedelta(seconds=expires))
        path = f"/invite/{made['invite']}"
        base = public_url or session(ctx).environ.get("PLAINT_PUBLIC_URL")
        link = base.rstrip("/") + path if base else path
        click.echo(f"Invitation for {name}, once, until {made['expires']}:")
        click.echo(link)
        return
    ledger.set_password(
        name,
        lambda: str(
            click.prompt(
                f"Password for {name}", hide_input=True, confirmation_prompt=True
            )
        ),
    )
    click.echo(f"Set the password of {name}.")


@team.command("link")
@click.argument("name")
@click.option(
    "--oidc-subject",
    "subject",
    required=True,
    metavar="SUB",
    help="The `sub` claim of the member's ID tokens from the service's issuer.",
)
@click.pass_context
def link(ctx: click.Context, name: str, subject: str) -> None:
    """Let a member sign in with single sign-on (OpenID Connect) as the
    subject SUB of the one issuer `plaint serve` trusts (admin).

    \b
    Example:
      plaint team link bob --oidc-subject 248289761001
    """
    linked = open_ledger(ctx).link_oidc(name, subject)
    click.echo(f"Linked {name} to the single-sign-on subject {linked['subject']}.")
