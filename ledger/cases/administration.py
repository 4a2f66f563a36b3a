"""Use cases of the team and the policy."""

from __future__ import annotations

from typing import Any

from ledger.cases.common import CaseBase
from ledger.domain.grantees import new_member_name
from ledger.domain.kinds import (
    FOUNDED,
    MEMBER_ADDED,
    MEMBER_REMOVED,
    ROLE_CHANGED,
    kind_of,
)
from ledger.domain.vocabulary import (
    ADMINS,
    READ_ROLES,
    ROUTERS,
    WORKERS,
    ReadAction,
    Role,
)
from ledger.errors import blaming

MEMBERSHIP = (FOUNDED, MEMBER_ADDED, ROLE_CHANGED, MEMBER_REMOVED)


class AdministrationCases(CaseBase):
    """Members, roles and the routing policy."""

    # Team.

    def add_member(self, name: str, role: Role) -> None:
        """Add a member to the team (admin)."""
        team = self._to_change(self.team())
        team.authorise(self.actor, ADMINS, "manage the team")
        team.add(new_member_name(name), role, self.actor, self.clock())
        self._save(team)

    def change_role(self, name: str, role: Role) -> None:
        """Give a member another role (admin)."""
        team = self._to_change(self.team())
        team.authorise(self.actor, ADMINS, "manage the team")
        team.change_role(name, role, self.actor, self.clock())
        self._save(team)

    def remove_member(self, name: str) -> None:
        """Remove a member from the team (admin)."""
        team = self._to_change(self.team())
        team.authorise(self.actor, ADMINS, "manage the team")
        team.remove(name, self.actor, self.clock())
        self._save(team)

    def members(self) -> list[dict[str, str]]:
        """The team, sorted by name."""
        team = self.team()
        team.authorise(self.actor, tuple(Role), "see the team")
        return [{"name": n, "role": r} for n, r in sorted(team.members.items())]

    def whoami(self) -> dict[str, Any]:
        """The actor, their role, and which of the pages and forms for some
        roles only they may use: filing complaints (`file`), setting the
        policy and making complaints confidential (`route`), the team's
        administration (`admin`), the access report (`access_report`)."""
        role = self.team().role_of(self.actor)
        return {
            "member": self.actor,
            "role": str(role),
            "file": role in WORKERS,
            "route": role in ROUTERS,
            "admin": role in ADMINS,
            "access_report": role in READ_ROLES[ReadAction.ACCESS_REPORT],
        }

    def team_history(self) -> list[dict[str, Any]]:
        """Every change to the team, in order: who joined, changed role or left,
        when and by whom (names and roles only)."""
        team = self.team()
        team.authorise(self.actor, tuple(Role), "see the team")
        changes = []
        for event in self.events.get(team.id):
            state, kind = vars(event), kind_of(event)
            if kind not in MEMBERSHIP:
                continue  # credentials: see ledger/cases/credentials.py
            founded = kind == FOUNDED
            changes.append({
                "at": state["timestamp"], "kind": kind,
                "member": state["admin"] if founded else state["name"],
                "role": "admin" if founded else state.get("role"),
                "by": state["actor"],
            })  # fmt: skip
        return changes

    # Policy.

    def set_policy(
        self, channel: str, severity: str, changes: dict[str, Any]
    ) -> dict[str, Any]:
        """Set the default owner and deadlines for channel and severity (lead+)."""
        team, policy = self.team_and_policy()
        policy = self._to_change(policy)
        team.authorise(self.actor, ROUTERS, "set the policy")
        for member in ("owner", "escalate_to"):
            if member in changes:
                with blaming(member):
                    team.check_owner(changes[member])
        if "route" in changes:
            from ledger.domain.ladder import parse_route

            with blaming("route"):
                route = parse_route(changes["route"], team.members)
            changes = {**changes, "route": route}
        rule = policy.set_rule(channel, severity, changes, self.actor, self.clock())
        self._save(policy)
        return {"channel": channel, "severity": severity, **rule}

    def set_calendar(
        self,
        name: str,
        tz: str,
        hours: str,
        holidays: str | None = None,
        closed: tuple[str, ...] | list[str] = (),
    ) -> dict[str, Any]:
        """Define or redefine a business-hours calendar (lead+); each
        definition is a new version, and complaints keep the deadlines they
        were given."""
        from ledger.domain.calendar_spec import check_name, definition

        team, policy = self.team_and_policy()
        team.authorise(self.actor, ROUTERS, "set calendars")
        name = check_name(name)
        defined = definition(tz, hours, holidays, closed)
        policy = self._to_change(policy)
        version = policy.set_calendar(name, defined, self.actor, self.clock())
        self._save(policy)
        return {"name": name, "version": version, **defined}

    def calendars(self) -> list[dict[str, Any]]:
        """Every calendar, its current version and definition, and the
        policy rules that use it."""
        team, policy = self.team_and_policy()
        team.authorise(self.actor, tuple(Role), "see the calendars")
        return [
            {
                "name": name,
                "version": kept["version"],
                **kept["definition"],
                "rules": sorted(
                    key for key, rule in policy.rules.items()
                    if rule.get("calendar") == name
                ),
            }
            for name, kept in sorted(policy.calendars.items())
        ]  # fmt: skip

    def ladder(self, channel: str, severity: str) -> list[str]:
        """The escalation ladder of a channel and severity, lowest rung first."""
        team, policy = self.team_and_policy()
        team.authorise(self.actor, tuple(Role), "see the policy")
        return policy.ladder(channel, severity)

    def calendar_versions(self) -> dict[str, dict[int, dict[str, Any]]]:
        """Every version of every calendar's definition, by name and version
        (the reports count working time on the one a deadline was computed on)."""
        team, policy = self.team_and_policy()
        team.authorise(self.actor, tuple(Role), "see the calendars")
        return {name: dict(kept) for name, kept in policy.versions.items()}

    def policy_rules(self) -> list[dict[str, Any]]:
        """Every rule of the policy."""
        team, policy = self.team_and_policy()
        team.authorise(self.actor, tuple(Role), "see the policy")
        rules = []
        for key, rule in sorted(policy.rules.items()):
            channel, _, severity = key.partition("/")
            rules.append({"channel": channel, "severity": severity, **rule})
        return rules
