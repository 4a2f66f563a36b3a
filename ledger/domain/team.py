"""The Team and Policy aggregates: who works on complaints, and the default routing."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.domain import kinds
from ledger.domain.topics import keep_topics
from ledger.domain.vocabulary import DEADLINE_NAMES, WILDCARD, WORKERS, Role
from ledger.errors import InvalidInput, PermissionDenied, RuleViolation, UnknownMember


def _roles(roles: tuple[Role, ...]) -> str:
    names = [str(r) for r in roles]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


class Team(Aggregate):
    """The members of the team and their roles."""

    @event(kinds.FOUNDED)
    def __init__(
        self,
        id: UUID,
        admin: str,
        actor: str,
        timestamp: datetime,
    ) -> None:
        self.members: dict[str, str] = {admin: Role.ADMIN}

    def role_of(self, name: str) -> Role:
        """The member's role; `UnknownMember` if they are not in the team."""
        try:
            return Role(self.members[name])
        except KeyError:
            raise UnknownMember(
                f"{name} is not a member of the team "
                f"(members: {', '.join(sorted(self.members))})"
            ) from None

    def authorise(self, name: str, roles: tuple[Role, ...], action: str) -> None:
        """Refuse unless `name` is a member holding one of `roles`."""
        if name not in self.members:
            raise PermissionDenied(
                f"{name} is not a member of this ledger's team; an admin can add "
                f"them with `plaint team add {name} --role agent`"
            )
        role = self.role_of(name)
        if role not in roles:
            raise PermissionDenied(
                f"{name} is {role} and may not {action}: that needs the role "
                f"{_roles(roles)}"
            )

    def check_owner(self, name: str) -> None:
        """Refuse `name` as an owner unless a member who works complaints."""
        if name not in self.members:
            raise UnknownMember(
                f"{name} is not a member of this ledger's team; an admin can add "
                f"them with `plaint team add {name} --role agent`"
            )
        self.authorise(name, WORKERS, "own complaints")

    def add(self, name: str, role: Role, actor: str, at: datetime) -> None:
        """Add a new member."""
        if name in self.members:
            raise RuleViolation(f"{name} is already a member ({self.members[name]})")
        self._member_added(name=name, role=str(role), actor=actor, timestamp=at)

    def change_role(self, name: str, role: Role, actor: str, at: datetime) -> None:
        """Give a member another role."""
        current = self.role_of(name)
        if current == role:
            raise RuleViolation(f"{name} is already {role}")
        if current == Role.ADMIN:
            self._keep_an_admin(name)
        self._role_changed(name=name, role=str(role), actor=actor, timestamp=at)

    def remove(self, name: str, actor: str, at: datetime) -> None:
        """Remove a member; their past actions stay in the ledger."""
        if self.role_of(name) == Role.ADMIN:
            self._keep_an_admin(name)
        self._member_removed(name=name, actor=actor, timestamp=at)

    def _keep_an_admin(self, name: str) -> None:
        admins = [m for m, r in self.members.items() if r == Role.ADMIN]
        if admins == [name]:
            raise RuleViolation(
                f"{name} is the last admin; make someone else admin first"
            )

    @event(kinds.MEMBER_ADDED)
    def _member_added(
        self, name: str, role: str, actor: str, timestamp: datetime
    ) -> None:
        self.members[name] = role

    @event(kinds.ROLE_CHANGED)
    def _role_changed(
        self, name: str, role: str, actor: str, timestamp: datetime
    ) -> None:
        self.members[name] = role

    @event(kinds.MEMBER_REMOVED)
    def _member_removed(self, name: str, actor: str, timestamp: datetime) -> None:
        del self.members[name]


RULE_FIELDS = ("owner", "escalate_to", *DEADLINE_NAMES)


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


keep_topics("ledger.team", Team, Policy)
