"""`plaint confidential`, `grant` and `revoke`: who may read a complaint."""

from __future__ import annotations

import click

from commands.base import PlaintCommand, open_ledger

REASON = click.option("--reason", help="Why, for the record.")


@click.command(cls=PlaintCommand)
@click.argument("ref")
@click.option(
    "--allow",
    "allow",
    metavar="MEMBER_OR_ROLE",
    multiple=True,
    required=True,
    help="A member or role who may read it; repeat for more.",
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
      plaint confidential C-7 --allow lee --allow compliance --reason "HR matter"
    """
    done = open_ledger(ctx).make_confidential(ref, list(allow), reason)
    click.echo(
        f"{done['ref']} is confidential: {', '.join(allow)} and its owner may read it."
    )


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
    click.echo(f"{member} may now read {done['ref']}.")


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
    click.echo(f"{member} may no longer read {done['ref']}.")
