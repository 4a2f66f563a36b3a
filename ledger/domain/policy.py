"""The Policy aggregate: the default owner, escalation and deadlines per
channel and severity."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.domain import kinds
from ledger.domain.topics import keep_topics
from ledger.domain.vocabulary import DEADLINE_NAMES, WILDCARD
from ledger.errors import InvalidInput

# `survey`: how long after resolution the customer is invited to the survey.
RULE_FIELDS = ("owner", "escalate_to", *DEADLINE_NAMES, "survey")


def rule_key(channel: str, severity: str) -> str:
    """How a policy rule is keyed: `email/severe`, `*/mild`, `*/*`."""
    return f"{channel}/{severity}"


class Policy(Aggregate):
    """Default owner and deadlines per channel and severity, `*` matching any."""

    @event(kinds.STARTED)
    def __init__(
        self,
        id: UUID,
        actor: str,
        timestamp: datetime,
    ) -> None:
        self.rules: dict[str, dict[str, Any]] = {}

    def set_rule(
        self,
        channel: str,
        severity: str,
        changes: dict[str, Any],
        actor: str,
        at: datetime,
    ) -> dict[str, Any]:
        """Merge `changes` into the rule for channel and severity; return the rule."""
        if not changes:
            raise InvalidInput(
                "say what to set: --owner, --escalate-to, --ack, --respond or --resolve"
            )
        key = rule_key(channel, severity)
        rule = {**self.rules.get(key, {}), **changes}
        self._rule_set(
            channel=channel, severity=severity, rule=rule, actor=actor, timestamp=at
        )
        return rule

    def resolve(self, channel: str, severity: str) -> dict[str, Any]:
        """Owner, escalation target and deadline durations for a complaint, field
        by field from
        the most specific rule that sets it: channel/severity, channel/*,
        */severity, then */*."""
        order = [
            rule_key(channel, severity),
            rule_key(channel, WILDCARD),
            rule_key(WILDCARD, severity),
            rule_key(WILDCARD, WILDCARD),
        ]
        found: dict[str, Any] = {}
        for field in RULE_FIELDS:
            for key in order:
                value = self.rules.get(key, {}).get(field)
                if value is not None:
                    found[field] = value
                    break
        return found

    @event(kinds.RULE_SET)
    def _rule_set(
        self,
        channel: str,
        severity: str,
        rule: dict[str, Any],
        actor: str,
        timestamp: datetime,
    ) -> None:
        self.rules[rule_key(channel, severity)] = rule


# Stored with the topics of the module Policy was first defined in, with Team.
keep_topics("ledger.team", Policy)
