"""Who an allow-list entry means: one role or one member, never both.

A confidential complaint's allow-list holds role names (`compliance`) and
member names (`lee`). New members may not take a role's name, but a ledger
may hold one from before that rule (`compliance`, an agent): that member is
written `member:compliance`, and a bare `compliance` always means the role.
Anyone may write `role:NAME` or `member:NAME` to say which one is meant.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence

from ledger.domain.vocabulary import Role
from ledger.errors import InvalidInput, UnknownMember

ROLE_PREFIX = "role:"
MEMBER_PREFIX = "member:"
ROLE_NAMES = frozenset(str(role) for role in Role)


def new_member_name(name: str) -> str:
    """`name` cleaned, for a member about to join: 1 to 64 letters, digits and
    `._@-`, and not a role's name in any case, so that it can mean one thing."""
    cleaned = name.strip()
    if (
        not cleaned
        or len(cleaned) > 64
        or not all(c.isalnum() or c in "._@-" for c in cleaned)
    ):
        raise InvalidInput(
            f"'{name}' is not a usable member name: use 1 to 64 letters, digits "
            "and . _ @ -"
        )
    if cleaned.lower() in ROLE_NAMES:
        raise InvalidInput(
            f"'{cleaned}' is the name of a role; give the member a name of their "
            "own, so that `--allow` can tell them from everyone holding the role"
        )
    return cleaned


def member_entry(member: str) -> str:
    """The allow-list entry that names this one member."""
    return MEMBER_PREFIX + member if member in ROLE_NAMES else member


def meaning(entry: str) -> tuple[str, str]:
    """What a recorded entry means: `("role", name)` or `("member", name)`."""
    if entry.startswith(MEMBER_PREFIX):
        return "member", entry.removeprefix(MEMBER_PREFIX)
    return ("role" if entry in ROLE_NAMES else "member"), entry


def describe(entry: str) -> str:
    """An entry as people read it: `role compliance`, `member lee`."""
    return " ".join(meaning(entry))


def allow_list(given: Iterable[str], members: Collection[str]) -> list[str]:
    """The entries of an allow-list, each checked by `entry_for`."""
    return [entry_for(name, members) for name in given]


def entry_for(given: str, members: Collection[str], *, current: bool = True) -> str:
    """The allow-list entry `given` (`compliance`, `role:compliance`,
    `member:lee`, `lee`) stands for. Refused when it names neither a role nor,
    if `current`, a member of the team; or when it could be either."""
    if given.lower().startswith(ROLE_PREFIX):
        role = given[len(ROLE_PREFIX) :].lower()
        if role not in ROLE_NAMES:
            raise InvalidInput(f"{role} is not a role ({', '.join(Role)})")
        return role
    if given.lower().startswith(MEMBER_PREFIX):
        member = given[len(MEMBER_PREFIX) :]
        if current and member not in members:
            raise UnknownMember(f"{member} is not a member of the team")
        return member_entry(member)
    if given in ROLE_NAMES:
        if given in members:
            raise InvalidInput(
                f"{given} is both a role and a member's name: say role:{given} "
                f"for everyone who is {given}, or member:{given} for that member"
            )
        return given
    if current and given not in members:
        raise UnknownMember(
            f"{given} is neither a member of the team nor a role ({', '.join(Role)})"
        )
    return given


def filing_readers(confidential: bool, allow: Sequence[str]) -> list[str] | None:
    """Who a complaint about to be filed is confidential to (`allow`, and its
    owner), or None when it is not confidential; naming readers of a
    complaint that is not confidential is refused."""
    if allow and not confidential:
        raise InvalidInput("--allow goes with --confidential.", "allow")
    return list(allow) if confidential else None
