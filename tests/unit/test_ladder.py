"""Where an owner stands on an escalation ladder and the rung a complaint
climbs to: never one at or below the owner's, never down the roles."""

from __future__ import annotations

import pytest

from ledger.domain.ladder import Step, climb, rung_of

MEMBERS = {
    "ann": "admin", "bob": "agent", "cy": "agent", "lee": "lead", "lou": "lead",
    "max": "manager", "kim": "manager",
}  # fmt: skip
LADDER = ["lee", "max", "role:admin"]


@pytest.mark.parametrize(
    ("owner", "rung", "step"),
    [
        ("bob", 0, Step(1, "lee")),  # an agent is below the ladder
        ("lee", 1, Step(2, "max")),
        ("lou", 1, Step(2, "max")),  # another lead stands with lee: no sideways step
        ("kim", 2, Step(3, "ann")),  # a manager stands with max
        ("max", 2, Step(3, "ann")),
        ("ann", 3, None),  # the top: reported, not escalated
    ],
)
def test_an_owner_stands_on_a_rung_and_climbs_to_the_next_one_up(
    owner: str, rung: int, step: Step | None
) -> None:
    assert rung_of(LADDER, MEMBERS, owner) == rung
    assert climb(LADDER, MEMBERS, owner) == step


def test_a_manager_s_complaint_is_never_handed_down_to_a_lead() -> None:
    assert climb(["lee"], MEMBERS, "max") is None
    assert climb(["lee", "role:lead"], MEMBERS, "kim") is None
    # A ladder written out of order still never hands down the roles.
    assert climb(["bob", "max", "lee"], MEMBERS, "max") is None
    assert climb(["bob", "max", "lee", "role:admin"], MEMBERS, "max") == Step(4, "ann")


def test_an_admin_not_on_the_ladder_stands_below_it() -> None:
    assert climb(["kim"], MEMBERS, "ann") == Step(1, "kim")


def test_a_role_rung_goes_to_its_member_first_by_name_but_never_the_owner() -> None:
    assert climb(["role:lead", "role:manager"], MEMBERS, "bob") == Step(1, "lee")
    assert climb(["role:manager"], MEMBERS, "lee") == Step(1, "kim")
    assert climb(["role:manager"], {**MEMBERS, "kim": "agent"}, "bob") == Step(1, "max")


def test_a_rung_whose_member_left_the_team_is_passed_over() -> None:
    gone = {k: v for k, v in MEMBERS.items() if k != "max"}
    assert climb(LADDER, gone, "lee") == Step(3, "ann")
