"""`plaint token …`: API tokens with which other systems use `plaint serve`."""

from __future__ import annotations

from datetime import timedelta

import click

from commands.base import (
    DURATION,
    PlaintGroup,
    echo_json,
    json_option,
    open_ledger,
    session,
)
from ledger.domain.accounts import Scope


@click.group(cls=PlaintGroup)
def token() -> None:
    """API tokens for other systems (admin): each acts as one member, within
    a scope (intake: file complaints only; read; act: all the member's role
    allows), shown once, stored hashed, expiring, revocable.

    \b
    Example:
      plaint token create --member intake-bot --scope intake --expires 52w
      plaint token list
      plaint token revoke 3f9a0c1d2e4b5a69
    """


@token.command("create")
@click.option("--member", required=True, help="The member the token acts as.")
@click.option(
    "--scope",
    "scope_name",
    type=click.Choice([s.value for s in Scope]),
    required=True,
    help="What the token may do.",
)
@click.option(
    "--expires", type=DURATION, help="How long it works [default: until revoked]."
)
@json_option
@click.pass_context
def create(
    ctx: click.Context,
    member: str,
    scope_name: str,
    expires: int | None,
    as_json: bool,
) -> None:
    """Create an API token and print it, this once.

    \b
    Example:
      plaint token create --member bob --scope read --expires 30d --json
    """
    until = None
    if expires is not None:
        until = session(ctx).clock() + timedelta(seconds=expires)
    made = open_ledger(ctx).create_token(member, scope_name, until)
    if as_json:
        echo_json(made)
        return
    click.echo(f"Token {made['id']} for {member} ({scope_name}), until "
               f"{made['expires'] or 'revoked'}; it is shown this once:")  # fmt: skip
    click.echo(made["token"])


@token.command("list")
@json_option
@click.pass_context
def list_tokens(ctx: click.Context, as_json: bool) -> None:
    """List the API tokens not revoked (never their secrets).

    \b
    Example:
      plaint token list --json
    """
    found = open_ledger(ctx).tokens()
    if as_json:
        echo_json(found)
        return
    for t in found:
        until = t["expires"] or "-"
        state = " (expired)" if t["expired"] else ""
        click.echo(f"{t['id']}  {t['member']:<16} {t['scope']:<7} {until}{state}")


@token.command("revoke")
@click.argument("token_id", metavar="ID")
@click.pass_context
def revoke(ctx: click.Context, token_id: str) -> None:
    """Revoke an API token: it stops working at once, on every server.

    \b
    Example:
      plaint token revoke 3f9a0c1d2e4b5a69
    """
    done = open_ledger(ctx).revoke_token(token_id)
    click.echo(f"Revoked token {done['id']} of {done['member']}.")
