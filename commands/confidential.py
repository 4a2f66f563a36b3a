"""`plaint confidential`, `grant` and `revoke`: who may read a complaint."""

from __future__ import annotations

from typing import Any

import click

from commands.base import PlaintCommand, open_ledger

REASON = click.option("--reason", help="Why, for the record.")
ALLOW_HELP = (
    "A member or role who may read it; repeat for more. role:NAME or "
    "member:NAME says which one a name means."
)


def readers(view: dict[str, Any]) -> str:
    """Who may read a confidential complaint, each entry saying whether it is
    a role or a member: `role compliance, member lee and its owner`."""
    return ", ".join(f"{a['kind']} {a['name']}" for a in view["allowed"]) + (
        " and its owner"
    )


@click.command(cls=PlaintCommand)
@click.argument("ref")
@click.option(
    "--allow",
    "allow",
    metavar="MEMBER_OR_ROLE",
    multiple=True,
    required=True,
    help=ALLOW_HELP,
)
@REASON
@click.pass_context
def confidential(
    ctx: click.Context, ref: str, allow: tuple[str, ...], reason: str | None
) -> None:
    """Make a complaint confidential: only the named members and roles, and its
    owner, may read its content (lead+). Every read and refusal is recorded.

    \b
    Example:
      plaint confidential C-7 --allow lee --allow role:compliance --reason "HR matter"
    """
    done = open_ledger(ctx).make_confidential(ref, list(allow), reason)
    click.echo(f"{done['ref']} is confidential: {readers(done)} may read it.")


@click.command(cls=PlaintCommand)
@click.argument("ref")
@click.argument("member", metavar="MEMBER_OR_ROLE")
@REASON
@click.pass_context
def grant(ctx: click.Context, ref: str, member: str, reason: str | None) -> None:
    """Let a member or role read a confidential complaint (lead+).

    \b
    Example:
      plaint grant C-7 bob --reason "takes over the call-back"
    """
    done = open_ledger(ctx).grant(ref, member, reason)
    click.echo(f"{done['grantee']} may now read {done['ref']}.")


@click.command(cls=PlaintCommand)
@click.argument("ref")
@click.argument("member", metavar="MEMBER_OR_ROLE")
@REASON
@click.pass_context
def revoke(ctx: click.Context, ref: str, member: str, reason: str | None) -> None:
    """Stop a member or role reading a confidential complaint (lead+).

    \b
    Example:
      plaint revoke C-7 bob
    """
    done = open_ledger(ctx).revoke(ref, member, reason)
    click.echo(f"{done['grantee']} may no longer read {done['ref']}.")
