"""`plaint policy …`: default owner and deadlines per channel and severity."""

from __future__ import annotations

from typing import Any

import click

from commands.base import DURATION, PlaintGroup, echo_json, json_option, open_ledger
from ledger.domain.timeutil import format_duration
from ledger.domain.vocabulary import DEADLINE_NAMES, WILDCARD, Channel, Severity

CHANNEL_OR_ANY = click.Choice([WILDCARD, *(c.value for c in Channel)])
SEVERITY_OR_ANY = click.Choice([WILDCARD, *(s.value for s in Severity)])


@click.group(cls=PlaintGroup)
def policy() -> None:
    """Set who owns new complaints and their deadlines (lead+).

    A new complaint takes each setting from the most specific rule that has
    it: channel/severity, then channel/*, then */severity, then */*. Without
    an owner rule, whoever files a complaint owns it.

    \b
    Example:
      plaint policy set --channel '*' --severity '*' --ack 1d --resolve 2w
      plaint policy set --channel email --severity severe --owner lee --ack 2h
      plaint policy set --channel '*' --severity severe --escalate-to kim
      plaint policy set --channel '*' --severity '*' --route lee,kim,role:admin
      plaint policy set --channel '*' --severity '*' --calendar office
      plaint policy set --channel email --severity positive --keep-resolved-on-reply
      plaint policy show
    """


@policy.command("set")
@click.option("--channel", type=CHANNEL_OR_ANY, required=True, help="Channel, or *.")
@click.option("--severity", type=SEVERITY_OR_ANY, required=True, help="Severity, or *.")
@click.option("--owner", metavar="NAME", help="Default owner of new complaints.")
@click.option(
    "--escalate-to",
    metavar="NAME",
    help="Whom escalations go to: a ladder of one rung.",
)
@click.option(
    "--route",
    metavar="RUNGS",
    help="The escalation ladder, lowest rung first: members or role:NAME, "
    "separated by commas.",
)
@click.option(
    "--calendar",
    metavar="NAME",
    help="The calendar the durations count working time on.",
)
@click.option("--ack", type=DURATION, help="Acknowledge within, e.g. 4h.")
@click.option("--respond", type=DURATION, help="Respond within, e.g. 2d.")
@click.option("--resolve", type=DURATION, help="Resolve within, e.g. 2w.")
@click.option(
    "--reopen-on-reply/--keep-resolved-on-reply",
    default=None,
    help="Whether the customer's reply by mail reopens a resolved complaint "
    "[default: it does].",
)
@click.option(
    "--survey",
    type=DURATION,
    help="Invite the customer to the survey this long after resolution [default: 1d].",
)
@click.pass_context
def set_rule(
    ctx: click.Context,
    channel: str,
    severity: str,
    owner: str | None,
    escalate_to: str | None,
    route: str | None,
    calendar: str | None,
    ack: int | None,
    respond: int | None,
    resolve: int | None,
    reopen_on_reply: bool | None,
    survey: int | None,
) -> None:
    """Set the rule for a channel and severity; unnamed settings stay as they were.

    \b
    Example:
      plaint policy set --channel phone --severity '*' --owner bob --ack 4h
    """
    given = {
        "owner": owner,
        "escalate_to": escalate_to,
        "route": route,
        "calendar": calendar,
        "ack": ack,
        "respond": respond,
        "resolve": resolve,
        "reopen_on_reply": reopen_on_reply,
        "survey": survey,
    }
    changes = {k: v for k, v in given.items() if v is not None}
    rule = open_ledger(ctx).set_policy(channel, severity, changes)
    click.echo(f"Policy {channel}/{severity}: {describe(rule)}")


@policy.command("show")
@json_option
@click.pass_context
def show_rules(ctx: click.Context, as_json: bool) -> None:
    """Show every rule; durations in seconds with --json.

    \b
    Example:
      plaint policy show --json
    """
    rules = open_ledger(ctx).policy_rules()
    if as_json:
        echo_json(rules)
        return
    if not rules:
        click.echo("No rules: whoever files a complaint owns it; no deadlines.")
    for rule in rules:
        click.echo(f"{rule['channel'] + '/' + rule['severity']:<20} {describe(rule)}")


def describe(rule: dict[str, Any]) -> str:
    """A rule in words: `owner lee, ack 2h, resolve 1w`."""
    parts = [f"owner {rule['owner']}"] if rule.get("owner") else []
    if rule.get("escalate_to"):
        parts.append(f"escalate to {rule['escalate_to']}")
    if rule.get("route"):
        parts.append(f"ladder {' → '.join(rule['route'])}")
    if rule.get("calendar"):
        parts.append(f"calendar {rule['calendar']}")
    parts += [
        f"{name} {format_duration(rule[name])}"
        for name in DEADLINE_NAMES
        if rule.get(name) is not None
    ]
    if rule.get("reopen_on_reply") is not None:
        reopens = rule["reopen_on_reply"]
        parts.append("a reply reopens it" if reopens else "a reply keeps it resolved")
    if rule.get("survey") is not None:
        parts.append(f"survey after {format_duration(rule['survey'])}")
    return ", ".join(parts) or "nothing set"
