"""Which actions a member may take on a complaint now: the roles each needs
(`ACTION_ROLES`) and the statuses it is taken in (`STATUSES_FOR`), the same
tables the use cases and the Complaint aggregate check, so that a page never
offers what the ledger would refuse for the member's role or the complaint's
state. (What a form's fields say — a member to assign, a score — is checked
when the action is taken.)"""

from __future__ import annotations

from ledger.domain.complaint import Complaint
from ledger.domain.lifecycle import STATUSES_FOR
from ledger.domain.vocabulary import ACTION_ROLES, Role

# The actions that add text, which an erased complaint refuses.
ADDS_TEXT = frozenset(
    {"escalate", "note", "respond", "resolve", "reopen", "withdraw", "wait"}
)


def allowed(complaint: Complaint, role: Role) -> list[str]:
    """The actions of `ACTION_ROLES` that `role` may take on `complaint` as
    it stands, in that table's order."""
    return [
        action
        for action, roles in ACTION_ROLES.items()
        if role in roles and _in_state(complaint, action)
    ]


def _in_state(complaint: Complaint, action: str) -> bool:
    if complaint.erased and action in ADDS_TEXT:
        return False
    if action == "confidential":
        return not complaint.confidential
    if action == "grant":
        return complaint.confidential
    if action == "revoke":
        return bool(complaint.allowed)
    return complaint.status in STATUSES_FOR[action]
