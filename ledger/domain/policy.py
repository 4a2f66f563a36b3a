"""The Policy aggregate: the default owner, escalation ladder, calendar and
deadlines per channel and severity, and the business-hours calendars."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.domain import kinds
from ledger.domain.complaint import Schedule
from ledger.domain.topics import keep_topics
from ledger.domain.vocabulary import DEADLINE_NAMES, WILDCARD
from ledger.errors import InvalidInput, RuleViolation

# `reopen_on_reply`: whether the customer's reply reopens a resolved
# complaint (ledger/cases/mail.py); unset, it does (REOPEN_ON_REPLY).
# `survey`: how long after resolution the customer is invited to the survey.
RULE_FIELDS = (
    "owner", "escalate_to", "calendar", *DEADLINE_NAMES, "reopen_on_reply", "survey",
)  # fmt: skip
REOPEN_ON_REPLY = True


def rule_key(channel: str, severity: str) -> str:
    """How a policy rule is keyed: `email/severe`, `*/mild`, `*/*`."""
    return f"{channel}/{severity}"


def _order(channel: str, severity: str) -> list[str]:
    return [
        rule_key(channel, severity),
        rule_key(channel, WILDCARD),
        rule_key(WILDCARD, severity),
        rule_key(WILDCARD, WILDCARD),
    ]


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
        # name: {"version": n, "definition": {...}} (ledger/domain/calendar_spec.py)
        self.calendars: dict[str, dict[str, Any]] = {}
        # Every version ever set: name: {version: definition}.
        self.versions: dict[str, dict[int, dict[str, Any]]] = {}

    def set_rule(
        self,
        channel: str,
        severity: str,
        changes: dict[str, Any],
        actor: str,
        at: datetime,
    ) -> dict[str, Any]:
        """Merge `changes` into the rule for channel and severity; return the
        rule. A route (`route`, the ladder) and a one-rung `escalate_to`
        replace each other."""
        if not changes:
            raise InvalidInput(
                "say what to set: --owner, --escalate-to, --route, --calendar, "
                "--ack, --respond, --resolve or --reopen-on-reply"
            )
        if "route" in changes and "escalate_to" in changes:
            raise InvalidInput("give --route or --escalate-to, not both", "route")
        calendar = changes.get("calendar")
        if calendar is not None and calendar not in self.calendars:
            missing = RuleViolation(
                f"there is no calendar {calendar}: define it first with "
                "`plaint calendar set`"
            )
            missing.field = "calendar"
            raise missing
        key = rule_key(channel, severity)
        rule = {**self.rules.get(key, {}), **changes}
        if "route" in changes:
            rule.pop("escalate_to", None)
        if "escalate_to" in changes:
            rule.pop("route", None)
        self._rule_set(
            channel=channel, severity=severity, rule=rule, actor=actor, timestamp=at
        )
        return rule

    def resolve(self, channel: str, severity: str) -> dict[str, Any]:
        """Owner, escalation target, calendar and deadline durations for a
        complaint, field by field from the most specific rule that sets it:
        channel/severity, channel/*, */severity, then */* (the escalation
        target when the ladder has one rung: see `ladder`)."""
        order = _order(channel, severity)
        found: dict[str, Any] = {}
        for field in RULE_FIELDS:
            for key in order:
                value = self.rules.get(key, {}).get(field)
                if value is not None:
                    found[field] = value
                    break
        found.pop("escalate_to", None)
        ladder = self.ladder(channel, severity)
        if len(ladder) == 1:
            found["escalate_to"] = ladder[0]
        return found

    def ladder(self, channel: str, severity: str) -> list[str]:
        """The escalation ladder, lowest rung first, from the most specific
        rule that has a route or an escalation target (a one-rung ladder)."""
        for key in _order(channel, severity):
            rule = self.rules.get(key, {})
            if rule.get("route"):
                return list(rule["route"])
            if rule.get("escalate_to"):
                return [rule["escalate_to"]]
        return []

    def schedule(self, rule: Mapping[str, Any]) -> Schedule:
        """The deadlines a resolved rule gives, with its calendar."""
        durations = {name: rule.get(name) for name in DEADLINE_NAMES}
        name = rule.get("calendar")
        if name is None or name not in self.calendars:
            return Schedule(durations, None, None)
        kept = self.calendars[name]
        return Schedule(
            durations, {"name": name, "version": kept["version"]}, kept["definition"]
        )

    def current(
        self, calendar: Mapping[str, Any] | None
    ) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        """A complaint's calendar (name and version) at its current version,
        and that definition; (None, None) around the clock."""
        if calendar is None or calendar["name"] not in self.calendars:
            return None, None
        kept = self.calendars[calendar["name"]]
        ref = {"name": calendar["name"], "version": kept["version"]}
        return ref, kept["definition"]

    def set_calendar(
        self, name: str, definition: dict[str, Any], actor: str, at: datetime
    ) -> int:
        """Define (or redefine) a calendar; return its version, 1 the first.
        Complaints keep the deadlines they were given."""
        version = int(self.calendars.get(name, {}).get("version", 0)) + 1
        self._calendar_set(
            name=name,
            version=version,
            definition=definition,
            actor=actor,
            timestamp=at,
        )
        return version

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

    @event(kinds.CALENDAR_SET)
    def _calendar_set(
        self,
        name: str,
        version: int,
        definition: dict[str, Any],
        actor: str,
        timestamp: datetime,
    ) -> None:
        self.calendars[name] = {"version": version, "definition": definition}
        self.versions.setdefault(name, {})[version] = definition


# Stored with the topics of the module Policy was first defined in, with Team.
keep_topics("ledger.team", Policy)
