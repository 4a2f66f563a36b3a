"""`plaint keys …` and `plaint erase`: the master key, and crypto-shredding."""

from __future__ import annotations

import click

from commands.base import (
    PlaintCommand,
    PlaintGroup,
    echo_json,
    json_option,
    open_ledger,
)


@click.group(cls=PlaintGroup)
def keys() -> None:
    """The master key and the data keys it wraps.

    \b
    Example:
      plaint keys status
      plaint keys rotate --keep-old
    """


@keys.command("rotate")
@click.option(
    "--keep-old",
    is_flag=True,
    help="Keep the old master key file, renamed, instead of deleting it.",
)
@click.pass_context
def rotate(ctx: click.Context, keep_old: bool) -> None:
    """Replace the master key; data keys are re-wrapped, no event rewritten (admin).

    The old key file is deleted once the new key has taken over, unless
    --keep-old archives it. Back up the new key file separately.

    \b
    Example:
      plaint keys rotate
    """
    done = open_ledger(ctx).rotate_master_key(keep_old=keep_old)
    if done["finished_pending"]:
        click.echo(
            f"Finished the pending rotation: master key {done['new_master']} is now "
            f"in place; the key is in {done['key_file']}."
        )
    else:
        click.echo(
            f"Master key {done['old_master']} replaced by {done['new_master']}: "
            f"{done['data_keys']} data keys re-wrapped; the key is in "
            f"{done['key_file']}."
        )
    if done["archived"]:
        click.echo(f"The old key is kept in {done['archived']}.")


@keys.command("status")
@json_option
@click.pass_context
def status(ctx: click.Context, as_json: bool) -> None:
    """Show the key ids, what wraps them, and each key's nonce budget used.

    \b
    Example:
      plaint keys status --json
    """
    found = open_ledger(ctx).keys_status()
    if as_json:
        echo_json(found)
        return
    click.echo(f"master key      {found['master_key']} ({found['master_key_source']})")
    for master, count in sorted(found["wrapped_by"].items()):
        click.echo(
            f"  wraps         {count} data keys"
            + ("" if master == found["master_key"] else f" (key {master})")
        )
    for key in found["ledger_keys"]:
        click.echo(
            f"ledger data key {key['id']}, created {key['created_at']}: "
            f"{key['encryptions']:,} encryptions ({key['budget_used']:.6%} of 2^32)"
        )
    click.echo(
        f"complaint keys  {found['complaint_keys']}, at most "
        f"{found['most_encryptions_by_a_complaint_key']:,} encryptions each"
    )
    click.echo(f"erased          {found['erased_complaints']} complaints")


@click.command(cls=PlaintCommand)
@click.argument("ref")
@click.option(
    "--reason", required=True, help="Why; it is kept, so name no person in it."
)
@click.pass_context
def erase(ctx: click.Context, ref: str, reason: str) -> None:
    """Erase a complaint's text and personal data for good (admin).

    Its timeline, severity and deadlines still count, and the ledger still
    verifies. Backups made before hold the key still: see the README.

    \b
    Example:
      plaint erase C-7 --reason "erasure request 2026-114 (GDPR art. 17)"
    """
    done = open_ledger(ctx).erase(ref, reason)
    click.echo(f"{done['ref']} erased: its data key is destroyed.")
