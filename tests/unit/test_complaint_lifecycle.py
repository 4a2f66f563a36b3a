"""The Complaint aggregate's lifecycle: which action each status allows, where
it leads, and the reason a refused one gives (recording nothing)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ledger.domain.complaint import Complaint
from ledger.domain.vocabulary import Status
from ledger.errors import RuleViolation

Bring = Callable[[Status], Complaint]
Act = Callable[[Complaint, str], None]

RECEIVED, ACKNOWLEDGED, IN_PROGRESS, RESPONDED, RESOLVED, CLOSED, WITHDRAWN, WAITING = (
    Status
)
OPEN = "received or acknowledged or in progress or responded"
UNSETTLED = OPEN + " or waiting"
ACTIVE = "acknowledged or in progress or responded"

# action: (the statuses it is allowed in, and the one it leads to from each;
# the statuses it needs, as the refusal says them; the word for having done it)
LIFECYCLE: dict[str, tuple[dict[Status, Status], str, str]] = {
    "acknowledge": ({RECEIVED: ACKNOWLEDGED}, "received", "acknowledged"),
    "triage": (
        {RECEIVED: RECEIVED, ACKNOWLEDGED: IN_PROGRESS,
         IN_PROGRESS: IN_PROGRESS, RESPONDED: RESPONDED},
        OPEN, "triaged",
    ),
    "assign": (
        {RECEIVED: RECEIVED, ACKNOWLEDGED: IN_PROGRESS,
         IN_PROGRESS: IN_PROGRESS, RESPONDED: RESPONDED, WAITING: WAITING},
        UNSETTLED, "assigned",
    ),
    "escalate": (
        {RECEIVED: RECEIVED, ACKNOWLEDGED: IN_PROGRESS,
         IN_PROGRESS: IN_PROGRESS, RESPONDED: RESPONDED},
        OPEN, "escalated",
    ),
    "respond": (
        {ACKNOWLEDGED: RESPONDED, IN_PROGRESS: RESPONDED, RESPONDED: RESPONDED},
        ACTIVE, "responded to",
    ),
    "resolve": (
        {ACKNOWLEDGED: RESOLVED, IN_PROGRESS: RESOLVED, RESPONDED: RESOLVED},
        ACTIVE, "resolved",
    ),
    "reopen": ({RESOLVED: IN_PROGRESS}, "resolved", "reopened"),
    "close": ({RESOLVED: CLOSED}, "resolved", "closed"),
    "withdraw": (
        {RECEIVED: WITHDRAWN, ACKNOWLEDGED: WITHDRAWN,
         IN_PROGRESS: WITHDRAWN, RESPONDED: WITHDRAWN, WAITING: WITHDRAWN},
        UNSETTLED, "withdrawn",
    ),
    "wait": (
        {ACKNOWLEDGED: WAITING, IN_PROGRESS: WAITING, RESPONDED: WAITING},
        ACTIVE, "put to wait on the customer",
    ),
    # Back to the status it waited in: the path to WAITING acknowledges it.
    "resume": ({WAITING: ACKNOWLEDGED}, "waiting", "resumed"),
    "record_survey": (
        {RESOLVED: RESOLVED, CLOSED: CLOSED}, "resolved or closed", "surveyed"
    ),
    "note": ({status: status for status in Status}, "", ""),
}  # fmt: skip

ALLOWED = [
    (action, before, after)
    for action, (moves, _, _) in LIFECYCLE.items()
    for before, after in moves.items()
]
REFUSED = [
    (action, before)
    for action, (moves, _, _) in LIFECYCLE.items()
    for before in Status
    if before not in moves
]


@pytest.mark.parametrize(("action", "before", "after"), ALLOWED)
def test_an_allowed_action_records_one_event_and_moves_the_status(
    complaint_in: Bring, act: Act, action: str, before: Status, after: Status
) -> None:
    complaint = complaint_in(before)
    act(complaint, action)
    assert complaint.status == after
    assert len(complaint.collect_events()) == 1


@pytest.mark.parametrize(("action", "before"), REFUSED)
def test_a_refused_action_says_which_statuses_allow_it_and_records_nothing(
    complaint_in: Bring, act: Act, action: str, before: Status
) -> None:
    complaint = complaint_in(before)
    _, wanted, done = LIFECYCLE[action]
    hint = ""
    if before == RECEIVED and action in ("respond", "resolve", "wait"):
        hint = "; acknowledge it first with `plaint ack C-7`"
    reason = (
        f"C-7 is {before.replace('_', ' ')}; only a complaint that is {wanted} "
        f"can be {done}{hint}"
    )
    with pytest.raises(RuleViolation) as refused:
        act(complaint, action)
    assert str(refused.value) == reason
    assert complaint.status == before
    assert complaint.collect_events() == []


def test_a_filed_complaint_is_received_and_keeps_what_it_was_filed_with(
    filed: Complaint,
) -> None:
    assert filed.status == RECEIVED
    assert filed.ref == "C-7"
    assert (filed.owner, filed.severity, filed.project) == ("bob", "mild", "Webshop")
    assert not filed.confidential
    assert not filed.erased
    assert filed.escalations == []
    assert filed.survey is None
    assert filed.resolution is None


def test_resolving_records_the_resolution(complaint_in: Bring, act: Act) -> None:
    complaint = complaint_in(ACKNOWLEDGED)
    act(complaint, "resolve")
    assert complaint.resolution == "refunded"


def test_a_reopened_complaint_can_be_resolved_again(
    complaint_in: Bring, act: Act
) -> None:
    complaint = complaint_in(RESOLVED)
    act(complaint, "reopen")
    act(complaint, "resolve")
    assert complaint.status == RESOLVED
