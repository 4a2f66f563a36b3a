"""The access report's trail: who joined, changed role or left the team,
and who was granted or refused reading which confidential complaint, in time
order; and each member's role at a moment."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from ledger.domain import kinds
from ledger.domain.timeutil import iso, parse_time

if TYPE_CHECKING:
    from ledger.application import ComplaintLedger

TEAM_CHANGES = {
    kinds.FOUNDED: "member added",
    kinds.MEMBER_ADDED: "member added",
    kinds.ROLE_CHANGED: "role changed",
    kinds.MEMBER_REMOVED: "member removed",
}


def team_history(ledger: ComplaintLedger) -> list[dict[str, Any]]:
    """Every change to the team, oldest first: who joined, changed role or left."""
    changes = ledger.team_history()
    for change in changes:
        change["change"] = TEAM_CHANGES[change.pop("kind")]
    return changes


def role_at(history: list[dict[str, Any]], member: str, moment: datetime) -> str | None:
    """The member's role at `moment`, or None when they were not in the team.
    The team's events are taken in their order, which is the truth even where
    their times are not (the founding admin is dated when the ledger was made)."""
    role = None
    for change in history:
        if change["member"] == member and change["at"] <= moment:
            role = change["role"]
    return role


def trail(
    grants: dict[str, list[dict[str, Any]]],
    history: list[dict[str, Any]],
    since: datetime | None,
) -> list[dict[str, Any]]:
    """Grants, revocations and team changes in the period, oldest first."""
    found = [
        {"at": iso(c["at"]), "change": c["change"], "who": c["member"],
         "is_role": False, "ref": None, "role": c["role"], "by": c["by"]}
        for c in history
    ]  # fmt: skip
    for ref, rows in grants.items():
        for g in rows:
            common = {"who": g["grantee"], "is_role": g["is_role"], "ref": ref,
                      "role": None}  # fmt: skip
            found.append({"at": g["granted_at"], "change": "access granted",
                          **common, "by": g["granted_by"]})  # fmt: skip
            if g["revoked_at"] is not None:
                found.append({"at": g["revoked_at"], "change": "access revoked",
                              **common, "by": g["revoked_by"]})  # fmt: skip
    # Compared as times: ISO text with and without fractions of a second
    # does not sort in time order.
    kept = [(parse_time(row["at"]), row) for row in found]
    kept = [pair for pair in kept if since is None or pair[0] >= since]
    return [row for _, row in sorted(kept, key=lambda pair: pair[0])]
