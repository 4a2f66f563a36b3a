"""The actions a page offers on a complaint are exactly those its aggregate
and the use cases' roles would take."""

from __future__ import annotations

from collections.abc import Callable
from copy import deepcopy

import pytest

from ledger.domain.actions import allowed
from ledger.domain.complaint import Complaint
from ledger.domain.vocabulary import ACTION_ROLES, Role, Status
from ledger.errors import RuleViolation
from tests.unit.conftest import take

# The aggregate's method of each lifecycle action a page offers.
METHODS = {
    "ack": "acknowledge", "triage": "triage", "assign": "assign",
    "escalate": "escalate", "note": "note", "respond": "respond",
    "resolve": "resolve", "reopen": "reopen", "close": "close",
    "withdraw": "withdraw", "survey": "record_survey",
}  # fmt: skip
# What may be done to a complaint just received, by some role.
RECEIVED_ACTIONS = (
    "ack", "triage", "assign", "escalate", "note", "withdraw", "confidential",
)  # fmt: skip


def accepted(complaint: Complaint, action: str) -> bool:
    try:
        take(deepcopy(complaint), METHODS[action])
    except RuleViolation:
        return False
    return True


@pytest.mark.parametrize("status", list(Status))
def test_an_admin_is_offered_the_lifecycle_actions_the_complaint_accepts(
    complaint_in: Callable[[Status], Complaint], status: Status
) -> None:
    complaint = complaint_in(status)
    offered = [a for a in allowed(complaint, Role.ADMIN) if a in METHODS]
    assert offered == [a for a in METHODS if accepted(complaint, a)]


@pytest.mark.parametrize("role", list(Role))
def test_a_role_is_offered_only_what_the_use_cases_let_it_do(
    filed: Complaint, role: Role
) -> None:
    assert allowed(filed, role) == [
        a for a in RECEIVED_ACTIONS if role in ACTION_ROLES[a]
    ]


def test_confidentiality_is_offered_by_whether_the_complaint_is_confidential(
    filed: Complaint,
) -> None:
    assert "grant" not in allowed(filed, Role.LEAD)
    filed.make_confidential(["member:lee"], None, actor="lee", at=filed.received_at)
    offered = allowed(filed, Role.LEAD)
    assert "confidential" not in offered
    assert {"grant", "revoke"} <= set(offered)
    filed.revoke("member:lee", None, actor="lee", at=filed.received_at)
    assert "revoke" not in allowed(filed, Role.LEAD)


def test_an_erased_complaint_is_offered_no_action_that_adds_text(
    filed: Complaint,
) -> None:
    filed.erase("request", actor="ann", at=filed.received_at)
    assert allowed(filed, Role.ADMIN) == [
        "ack", "triage", "assign", "confidential",
    ]  # fmt: skip
