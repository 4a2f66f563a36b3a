"""The escalation ladder: the rungs a complaint climbs when it is escalated,
lowest first, each a member (`lee`) or a role (`role:manager`).

A complaint stands on the highest rung that names its owner or the owner's
role; an owner the ladder does not name stands on the highest rung whose
role ranks at or below theirs (ROLE_RANK: agent, lead, manager; an admin
is unranked, on a ladder only where named), or below the ladder. Climbing
goes to the next rung above that holds someone who may own complaints and
whose role ranks no lower than the owner's (an admin named on the ladder
always may): a role's rung is its member first by name. So a complaint
never moves to a rung at or below its owner's, nor down the roles.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ledger.domain.grantees import ROLE_PREFIX
from ledger.domain.vocabulary import ROLE_RANK, WORKERS, Role
from ledger.errors import InvalidInput, UnknownMember


@dataclass(frozen=True)
class Step:
    """A rung to climb to: its number (1 the lowest) and the member on it."""

    rung: int
    member: str


def parse_route(text: str, members: Mapping[str, str]) -> list[str]:
    """`lee,max,role:manager` as rungs, each a member who may own complaints
    or one of the roles that may."""
    rungs = [part.strip() for part in text.split(",")]
    if not text.strip() or not all(rungs):
        raise InvalidInput(
            f"'{text}' is not a route: name members or roles, lowest rung first, "
            "separated by commas (for example lee,max,role:manager)"
        )
    for rung in rungs:
        if rung.lower().startswith(ROLE_PREFIX):
            role = rung[len(ROLE_PREFIX) :].lower()
            if role not in {str(r) for r in WORKERS}:
                raise InvalidInput(
                    f"'{role}' is not a role that may own complaints: use "
                    f"role:{', role:'.join(WORKERS)}"
                )
        elif rung not in members:
            raise UnknownMember(f"{rung} is not a member of the team")
        elif members[rung] not in WORKERS:
            raise InvalidInput(f"{rung} is {members[rung]}, who may not own complaints")
    if len({r.lower() for r in rungs}) != len(rungs):
        raise InvalidInput(f"'{text}' names a rung twice")
    return [_normal(r) for r in rungs]


def _normal(rung: str) -> str:
    if rung.lower().startswith(ROLE_PREFIX):
        return ROLE_PREFIX + rung[len(ROLE_PREFIX) :].lower()
    return rung


def _role(rung: str) -> str | None:
    return rung[len(ROLE_PREFIX) :] if rung.startswith(ROLE_PREFIX) else None


def _rank(rung: str, members: Mapping[str, str]) -> int:
    role = _role(rung)
    if role is not None:
        return ROLE_RANK.get(Role(role), 0)
    return ROLE_RANK.get(members[rung], 0) if rung in members else 0


def rung_of(ladder: Sequence[str], members: Mapping[str, str], owner: str) -> int:
    """The rung the owner stands on, 1 the lowest, 0 below the ladder."""
    role = members.get(owner)
    named = [
        i
        for i, rung in enumerate(ladder, 1)
        if rung == owner or (role is not None and _role(rung) == role)
    ]
    if named:
        return max(named)
    rank = ROLE_RANK.get(role, 0) if role is not None else 0
    return max(
        (i for i, rung in enumerate(ladder, 1) if 0 < _rank(rung, members) <= rank),
        default=0,
    )


def climb(ladder: Sequence[str], members: Mapping[str, str], owner: str) -> Step | None:
    """The next rung up from the owner's and who stands on it; None at the top."""
    rank = ROLE_RANK.get(members[owner], 0) if owner in members else 0
    for number in range(rung_of(ladder, members, owner) + 1, len(ladder) + 1):
        member = _member_on(ladder[number - 1], members, owner)
        role = members[member] if member is not None else None
        if member is not None and (
            role == Role.ADMIN or ROLE_RANK.get(str(role), 0) >= rank
        ):
            return Step(number, member)
    return None


def _member_on(rung: str, members: Mapping[str, str], owner: str) -> str | None:
    """Who a rung hands a complaint to: the member, or the role's member
    first by name (other than the owner); None when no one may own it."""
    role = _role(rung)
    if role is None:
        usable = rung in members and members[rung] in WORKERS and rung != owner
        return rung if usable else None
    holders = sorted(m for m, r in members.items() if r == role and m != owner)
    return holders[0] if holders else None


def describe(ladder: Sequence[str]) -> str:
    """The ladder as people read it: `lee → max → role:manager`."""
    return " → ".join(ladder) if ladder else "none"
