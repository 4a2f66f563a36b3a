"""The Team aggregate: members and roles, who may do what, and members' names."""

from __future__ import annotations

import pytest

from ledger.domain.grantees import new_member_name
from ledger.domain.team import Team
from ledger.domain.vocabulary import ROUTERS, WORKERS, Role
from ledger.errors import InvalidInput, PermissionDenied, RuleViolation, UnknownMember
from tests.unit.conftest import LATER


def test_the_founder_is_the_first_admin(team: Team) -> None:
    assert team.members == {
        "ann": "admin",
        "bob": "agent",
        "lee": "lead",
        "ola": "auditor",
    }
    assert team.role_of("ann") == Role.ADMIN


def test_the_role_of_someone_outside_the_team_names_the_members(team: Team) -> None:
    with pytest.raises(UnknownMember) as caught:
        team.role_of("zed")
    assert str(caught.value) == (
        "zed is not a member of the team (members: ann, bob, lee, ola)"
    )


def test_a_member_holding_one_of_the_roles_is_authorised(team: Team) -> None:
    team.authorise("lee", ROUTERS, "set the policy")
    team.authorise("bob", WORKERS, "file complaints")


def test_a_member_without_the_role_is_told_which_roles_it_needs(team: Team) -> None:
    with pytest.raises(PermissionDenied) as caught:
        team.authorise("bob", ROUTERS, "set the policy")
    assert str(caught.value) == (
        "bob is agent and may not set the policy: that needs the role "
        "lead, manager or admin"
    )
    with pytest.raises(PermissionDenied) as caught:
        team.authorise("lee", (Role.ADMIN,), "add members")
    assert str(caught.value) == (
        "lee is lead and may not add members: that needs the role admin"
    )


def test_someone_outside_the_team_is_told_how_to_join(team: Team) -> None:
    with pytest.raises(PermissionDenied) as caught:
        team.authorise("zed", tuple(Role), "see the team")
    assert str(caught.value) == (
        "zed is not a member of this ledger's team; an admin can add them with "
        "`plaint team add zed --role agent`"
    )


def test_only_a_member_who_works_complaints_may_own_one(team: Team) -> None:
    team.check_owner("bob")
    with pytest.raises(PermissionDenied, match=r"^ola is auditor and may not own"):
        team.check_owner("ola")
    with pytest.raises(UnknownMember, match=r"^zed is not a member of this ledger"):
        team.check_owner("zed")


def test_a_member_joins_once(team: Team) -> None:
    version = team.version
    with pytest.raises(RuleViolation, match=r"^bob is already a member \(agent\)$"):
        team.add("bob", Role.LEAD, actor="ann", at=LATER)
    assert team.version == version


def test_a_role_change_must_change_the_role(team: Team) -> None:
    team.change_role("bob", Role.LEAD, actor="ann", at=LATER)
    assert team.role_of("bob") == Role.LEAD
    with pytest.raises(RuleViolation, match=r"^bob is already lead$"):
        team.change_role("bob", Role.LEAD, actor="ann", at=LATER)


def test_a_removed_member_is_no_longer_in_the_team(team: Team) -> None:
    team.remove("bob", actor="ann", at=LATER)
    assert "bob" not in team.members
    with pytest.raises(UnknownMember):
        team.remove("bob", actor="ann", at=LATER)


def test_the_last_admin_is_neither_removed_nor_demoted(team: Team) -> None:
    last = "ann is the last admin; make someone else admin first"
    version = team.version
    with pytest.raises(RuleViolation, match=f"^{last}$"):
        team.remove("ann", actor="ann", at=LATER)
    with pytest.raises(RuleViolation, match=f"^{last}$"):
        team.change_role("ann", Role.LEAD, actor="ann", at=LATER)
    assert team.version == version


def test_an_admin_may_step_down_once_there_is_another(team: Team) -> None:
    team.change_role("lee", Role.ADMIN, actor="ann", at=LATER)
    team.change_role("ann", Role.AGENT, actor="ann", at=LATER)
    team.remove("ann", actor="lee", at=LATER)
    assert team.members == {"bob": "agent", "lee": "admin", "ola": "auditor"}


def test_a_new_members_name_is_trimmed() -> None:
    assert new_member_name("  kim.o@shop  ") == "kim.o@shop"


@pytest.mark.parametrize("name", ["", "   ", "kim o", "kim/o", "k" * 65])
def test_a_new_members_name_is_letters_digits_and_a_few_marks(name: str) -> None:
    with pytest.raises(InvalidInput, match="is not a usable member name"):
        new_member_name(name)


@pytest.mark.parametrize("name", ["auditor", "Compliance", "ADMIN"])
def test_a_new_member_may_not_take_a_roles_name(name: str) -> None:
    with pytest.raises(InvalidInput, match="is the name of a role"):
        new_member_name(name)
