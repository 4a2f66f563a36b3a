"""The Complaint aggregate's rules beyond its lifecycle: triage, assigning,
escalating, confidentiality, erasure and surveys."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ledger.domain.complaint import Complaint
from ledger.domain.vocabulary import Status
from ledger.errors import RuleViolation
from tests.unit.conftest import LATER

Bring = Callable[[Status], Complaint]
Act = Callable[[Complaint, str], None]


def refused(complaint: Complaint, action: Callable[[], object], reason: str) -> None:
    """`action` is refused for `reason`, and `complaint` records nothing."""
    version = complaint.version
    with pytest.raises(RuleViolation) as caught:
        action()
    assert str(caught.value) == reason
    assert complaint.version == version


def test_triage_records_the_new_severity_and_the_one_it_replaced(
    filed: Complaint,
) -> None:
    filed.triage("severe", actor="bob", at=LATER)
    [_, triaged] = filed.collect_events()
    assert (triaged.severity, triaged.previous) == ("severe", "mild")
    assert filed.severity == "severe"


def test_triage_may_confirm_the_severity_it_has(filed: Complaint) -> None:
    filed.triage("mild", actor="bob", at=LATER)
    assert filed.severity == "mild"
    assert filed.version == 2


def test_assigning_makes_the_new_owner_responsible(filed: Complaint) -> None:
    filed.assign("cy", actor="lee", at=LATER)
    [_, assigned] = filed.collect_events()
    assert (assigned.owner, assigned.previous) == ("cy", "bob")
    assert filed.owner == "cy"


def test_assigning_to_the_owner_is_refused(filed: Complaint) -> None:
    refused(
        filed,
        lambda: filed.assign("bob", actor="lee", at=LATER),
        "C-7 is already owned by bob",
    )


def test_each_escalation_is_one_level_up_and_hands_the_complaint_over(
    filed: Complaint,
) -> None:
    filed.escalate("lee", "no answer", actor="bob", at=LATER)
    filed.escalate("max", "late", actor="system", at=LATER, breached="respond")
    assert filed.owner == "max"
    assert filed.escalations == [
        {"at": LATER, "by": "bob", "from": "bob", "to": "lee", "level": 1,
         "reason": "no answer", "trigger": "manual", "deadline": None, "rung": None},
        {"at": LATER, "by": "system", "from": "lee", "to": "max", "level": 2,
         "reason": "late", "trigger": "sweep", "deadline": "respond", "rung": None},
    ]  # fmt: skip
    assert filed.breaches_escalated == {"respond"}


def test_escalating_to_the_owner_is_refused(filed: Complaint) -> None:
    refused(
        filed,
        lambda: filed.escalate("bob", "why not", actor="lee", at=LATER),
        "C-7 is already owned by bob",
    )


def test_the_sweep_escalates_a_breached_deadline_only_once(filed: Complaint) -> None:
    filed.escalate("lee", "late", actor="system", at=LATER, breached="ack")
    refused(
        filed,
        lambda: filed.escalate("max", "late", actor="system", at=LATER, breached="ack"),
        "C-7 was already escalated for its ack deadline",
    )
    filed.escalate("max", "later", actor="system", at=LATER, breached="resolve")
    assert filed.breaches_escalated == {"ack", "resolve"}


def test_a_note_records_its_text_and_changes_nothing_else(filed: Complaint) -> None:
    filed.note("called back", actor="bob", at=LATER)
    [_, noted] = filed.collect_events()
    assert noted.text == "called back"
    assert (filed.status, filed.owner) == (Status.RECEIVED, "bob")


def test_a_survey_keeps_its_score_and_comment(complaint_in: Bring) -> None:
    complaint = complaint_in(Status.CLOSED)
    complaint.record_survey(5, None, actor="bob", at=LATER)
    assert complaint.survey == {"score": 5, "comment": None}


@pytest.mark.parametrize("score", [0, 6, -1])
def test_a_survey_score_off_the_scale_is_refused(
    complaint_in: Bring, score: int
) -> None:
    complaint = complaint_in(Status.RESOLVED)
    refused(
        complaint,
        lambda: complaint.record_survey(score, None, actor="bob", at=LATER),
        f"a survey score is 1 to 5, not {score}",
    )


def test_making_a_complaint_confidential_allows_the_named_once_each(
    filed: Complaint,
) -> None:
    filed.make_confidential(["lee", "compliance", "lee"], None, actor="bob", at=LATER)
    [_, made] = filed.collect_events()
    assert made.allow == ["compliance", "lee"]
    assert filed.confidential
    assert filed.allowed == {"compliance", "lee"}


def test_a_confidential_complaint_is_not_made_confidential_twice(
    filed: Complaint,
) -> None:
    filed.make_confidential(["lee"], None, actor="bob", at=LATER)
    refused(
        filed,
        lambda: filed.make_confidential(["max"], None, actor="bob", at=LATER),
        "C-7 is already confidential; use `plaint grant` or `plaint revoke` to "
        "change who may read it",
    )


def test_grants_and_revocations_change_who_may_read(filed: Complaint) -> None:
    filed.make_confidential(["lee"], "legal", actor="bob", at=LATER)
    filed.grant("max", None, actor="bob", at=LATER)
    filed.revoke("lee", None, actor="bob", at=LATER)
    assert filed.allowed == {"max"}


def test_grant_needs_a_confidential_complaint_and_a_new_grantee(
    filed: Complaint,
) -> None:
    refused(
        filed,
        lambda: filed.grant("max", None, actor="bob", at=LATER),
        "C-7 is not confidential: everyone in the team may read it",
    )
    filed.make_confidential(["max"], None, actor="bob", at=LATER)
    refused(
        filed,
        lambda: filed.grant("max", None, actor="bob", at=LATER),
        "max may already read C-7",
    )


def test_only_a_grant_there_is_can_be_revoked(filed: Complaint) -> None:
    filed.make_confidential(["max"], None, actor="bob", at=LATER)
    refused(
        filed,
        lambda: filed.revoke("lee", None, actor="bob", at=LATER),
        "lee has no grant on C-7 to revoke",
    )


def test_anyone_may_read_a_complaint_that_is_not_confidential(
    filed: Complaint,
) -> None:
    assert filed.may_read("zed", "agent")


def test_a_confidential_complaint_is_read_by_its_owner_its_members_and_roles(
    filed: Complaint,
) -> None:
    filed.make_confidential(["lee", "compliance"], None, actor="bob", at=LATER)
    assert filed.may_read("bob", "agent")  # the owner
    assert filed.may_read("lee", "lead")
    assert filed.may_read("cy", "compliance")
    assert not filed.may_read("cy", "agent")


def test_a_member_named_like_a_role_reads_only_through_their_own_entry(
    filed: Complaint,
) -> None:
    filed.make_confidential(["member:auditor"], None, actor="bob", at=LATER)
    assert filed.may_read("auditor", "agent")
    assert not filed.may_read("ola", "auditor")
    filed.grant("compliance", None, actor="bob", at=LATER)
    assert not filed.may_read("compliance", "agent")


TEXT_ACTIONS = ["escalate", "note", "respond", "resolve", "withdraw"]


@pytest.mark.parametrize("action", TEXT_ACTIONS)
def test_an_erased_complaint_takes_no_more_text(
    complaint_in: Bring, act: Act, action: str
) -> None:
    complaint = complaint_in(Status.ACKNOWLEDGED)
    complaint.erase("customer asked", actor="ann", at=LATER)
    refused(
        complaint,
        lambda: act(complaint, action),
        "C-7 was erased: no text or personal data can be added to it",
    )


def test_an_erased_complaint_is_neither_reopened_nor_surveyed_with_a_comment(
    complaint_in: Bring,
) -> None:
    complaint = complaint_in(Status.RESOLVED)
    complaint.erase("customer asked", actor="ann", at=LATER)
    erased = "C-7 was erased: no text or personal data can be added to it"
    refused(complaint, lambda: complaint.reopen("x", actor="bob", at=LATER), erased)
    refused(
        complaint,
        lambda: complaint.record_survey(3, "meh", actor="bob", at=LATER),
        erased,
    )


def test_an_erased_complaint_still_moves_through_actions_without_text(
    complaint_in: Bring,
) -> None:
    complaint = complaint_in(Status.RESOLVED)
    complaint.erase("customer asked", actor="ann", at=LATER)
    complaint.record_survey(2, None, actor="bob", at=LATER)
    complaint.close(actor="bob", at=LATER)
    assert complaint.status == Status.CLOSED
    assert complaint.erased


def test_a_complaint_is_erased_once(filed: Complaint) -> None:
    filed.erase("customer asked", actor="ann", at=LATER)
    refused(
        filed,
        lambda: filed.erase("again", actor="ann", at=LATER),
        "C-7 is already erased",
    )
