"""The lifecycle commands: each appends one event to one complaint."""

from __future__ import annotations

import click

from commands.base import SEVERITY, PlaintCommand, open_ledger


@click.command(cls=PlaintCommand)
@click.argument("ref")
@click.pass_context
def ack(ctx: click.Context, ref: str) -> None:
    """Acknowledge a complaint.

    \b
    Example:
      plaint ack C-7
    """
    done = open_ledger(ctx).acknowledge(ref)
    click.echo(f"{done['ref']} acknowledged.")


@click.command(cls=PlaintCommand)
@click.argument("ref")
@click.option("--severity", type=SEVERITY, required=True, help="The new severity.")
@click.pass_context
def triage(ctx: click.Context, ref: str, severity: str) -> None:
    """Re-assess a complaint's severity (lead+).

    \b
    Example:
      plaint triage C-7 --severity severe
    """
    done = open_ledger(ctx).triage(ref, severity)
    click.echo(f"{done['ref']} is now {done['severity']}.")


@click.command(cls=PlaintCommand)
@click.argument("ref")
@click.argument("member")
@click.pass_context
def assign(ctx: click.Context, ref: str, member: str) -> None:
    """Make a member the owner of a complaint (lead+).

    \b
    Example:
      plaint assign C-7 bob
    """
    done = open_ledger(ctx).assign(ref, member)
    click.echo(f"{done['ref']} assigned to {done['owner']}.")


@click.command(cls=PlaintCommand)
@click.argument("ref")
@click.option(
    "--to",
    "to",
    metavar="MEMBER",
    help="The new owner; without it, the next rung of the escalation ladder.",
)
@click.option("--reason", required=True, help="Why it is escalated.")
@click.pass_context
def escalate(ctx: click.Context, ref: str, to: str | None, reason: str) -> None:
    """Escalate a complaint one rung up its ladder, or to a member (lead+).

    \b
    Example:
      plaint escalate C-7 --reason "customer threatens to leave"
      plaint escalate C-7 --to carol --reason "needs a refund decision"
    """
    done = open_ledger(ctx).escalate(ref, to, reason)
    last = done["escalations"][-1]
    rung = f", rung {last['rung']}" if last.get("rung") else ""
    click.echo(
        f"{done['ref']} escalated to {done['owner']} (level {last['level']}{rung})."
    )


@click.command(cls=PlaintCommand)
@click.argument("ref")
@click.option("--reason", required=True, help="What the customer is asked for.")
@click.pass_context
def wait(ctx: click.Context, ref: str, reason: str) -> None:
    """Wait on the customer: the deadlines' clock stops until `resume`.

    \b
    Example:
      plaint wait C-7 --reason "asked for the invoice number"
    """
    done = open_ledger(ctx).wait(ref, reason)
    click.echo(f"{done['ref']} is waiting on the customer; its clock is stopped.")


@click.command(cls=PlaintCommand)
@click.argument("ref")
@click.pass_context
def resume(ctx: click.Context, ref: str) -> None:
    """Start a waiting complaint's clock again; its unmet deadlines move on
    by the working time it waited.

    \b
    Example:
      plaint resume C-7
    """
    done = open_ledger(ctx).resume(ref)
    status = done["status"].replace("_", " ")
    click.echo(
        f"{done['ref']} resumed ({status}); its unmet deadlines moved on by the "
        "working time it waited."
    )


@click.command(cls=PlaintCommand)
@click.argument("ref")
@click.argument("text")
@click.pass_context
def note(ctx: click.Context, ref: str, text: str) -> None:
    """Add an internal note to a complaint.

    \b
    Example:
      plaint note C-7 "called back, no answer"
    """
    done = open_ledger(ctx).note(ref, text)
    click.echo(f"Noted on {done['ref']}.")


@click.command(cls=PlaintCommand)
@click.argument("ref")
@click.option("--message", required=True, help="What was sent to the customer.")
@click.pass_context
def respond(ctx: click.Context, ref: str, message: str) -> None:
    """Record the answer sent to the customer.

    \b
    Example:
      plaint respond C-7 --message "We restarted the service; please retry."
    """
    done = open_ledger(ctx).respond(ref, message)
    click.echo(f"{done['ref']} responded.")


@click.command(cls=PlaintCommand)
@click.argument("ref")
@click.option("--resolution", required=True, help="How it was resolved.")
@click.pass_context
def resolve(ctx: click.Context, ref: str, resolution: str) -> None:
    """Record how a complaint was resolved.

    \b
    Example:
      plaint resolve C-7 --resolution "Timeout raised to 60 s"
    """
    done = open_ledger(ctx).resolve(ref, resolution)
    click.echo(f"{done['ref']} resolved.")


@click.command(cls=PlaintCommand)
@click.argument("ref")
@click.option("--reason", required=True, help="Why it is reopened.")
@click.pass_context
def reopen(ctx: click.Context, ref: str, reason: str) -> None:
    """Take a resolved complaint back into work.

    \b
    Example:
      plaint reopen C-7 --reason "timeouts are back"
    """
    done = open_ledger(ctx).reopen(ref, reason)
    click.echo(f"{done['ref']} reopened.")


@click.command(cls=PlaintCommand)
@click.argument("ref")
@click.pass_context
def close(ctx: click.Context, ref: str) -> None:
    """Close a resolved complaint.

    \b
    Example:
      plaint close C-7
    """
    done = open_ledger(ctx).close_complaint(ref)
    click.echo(f"{done['ref']} closed.")


@click.command(cls=PlaintCommand)
@click.argument("ref")
@click.option("--reason", required=True, help="Why the customer withdrew it.")
@click.pass_context
def withdraw(ctx: click.Context, ref: str, reason: str) -> None:
    """Record that the customer withdrew a complaint.

    \b
    Example:
      plaint withdraw C-7 --reason "customer solved it themselves"
    """
    done = open_ledger(ctx).withdraw(ref, reason)
    click.echo(f"{done['ref']} withdrawn.")


@click.command(cls=PlaintCommand)
@click.argument("ref")
@click.option("--score", type=click.IntRange(1, 5), required=True, help="1 to 5.")
@click.option("--comment", help="The customer's words.")
@click.pass_context
def survey(ctx: click.Context, ref: str, score: int, comment: str | None) -> None:
    """Record the customer's satisfaction after resolution.

    \b
    Example:
      plaint survey C-7 --score 4 --comment "quick and friendly"
    """
    done = open_ledger(ctx).survey(ref, score, comment)
    click.echo(f"Survey recorded on {done['ref']}.")
