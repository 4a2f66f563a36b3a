"""The views as functions of events, event by event: the row changes each
kind of event makes to each view, and the events a view passes over."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID, uuid4

import pytest

from ledger.domain.audit import Access
from ledger.domain.complaint import Complaint
from ledger.domain.policy import Policy
from ledger.domain.team import Team
from ledger.domain.vocabulary import Role
from projections import views
from projections.changes import Delete, Update, Upsert
from projections.views import (
    ACCESS,
    COMPLAINTS,
    DEADLINES,
    ESCALATIONS,
    GRANTS,
    MEMBERS,
    POLICY,
)
from tests.unit.conftest import COMPLAINT_ID, LATER

Act = Callable[[Complaint, str], None]

ID = COMPLAINT_ID.hex
KEY = {"id": ID}
THEN = "2026-03-02T10:00:00.000000Z"  # LATER, as views stamp it


def last_event(aggregate: Complaint | Team | Policy) -> Any:
    """The event `aggregate` recorded last."""
    return aggregate.collect_events()[-1]


def touched(version: int) -> Update:
    """The change every complaint event makes to its complaint's row."""
    return Update(COMPLAINTS, KEY, {"updated_at": THEN, "version": version})


def starts_work() -> Update:
    """An acknowledged complaint goes into progress; any other stays as it is."""
    return Update(
        COMPLAINTS, KEY, {"status": "in_progress"}, when={"status": "acknowledged"}
    )


def test_a_filing_adds_the_complaints_row(filed: Complaint) -> None:
    [event] = filed.collect_events()
    assert views.complaints(event) == [
        Upsert(COMPLAINTS, {
            "id": ID, "ref": "C-7", "number": 7, "project": "Webshop",
            "channel": "email", "severity": "mild", "status": "received",
            "owner": "bob", "confidential": 0,
            "received_at": "2026-03-02T07:00:00.000000Z",
            "filed_at": "2026-03-02T09:00:00.000000Z",
            "updated_at": "2026-03-02T09:00:00.000000Z", "version": 1,
            "escalation_level": 0, "survey_score": None, "erased": 0,
        })
    ]  # fmt: skip


def test_a_filing_adds_a_row_for_each_deadline_due_or_not(filed: Complaint) -> None:
    [event] = filed.collect_events()
    assert views.deadlines(event) == [
        Upsert(DEADLINES, {"complaint_id": ID, "name": "ack",
                           "due": "2026-03-03T09:00:00.000000Z", "met_at": None}),
        Upsert(DEADLINES, {"complaint_id": ID, "name": "respond", "due": None,
                           "met_at": None}),
        Upsert(DEADLINES, {"complaint_id": ID, "name": "resolve",
                           "due": "2026-03-12T09:00:00.000000Z", "met_at": None}),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("actions", "status"),
    [
        (("acknowledge",), "acknowledged"),
        (("acknowledge", "respond"), "responded"),
        (("acknowledge", "resolve"), "resolved"),
        (("acknowledge", "resolve", "close"), "closed"),
        (("withdraw",), "withdrawn"),
        (("acknowledge", "resolve", "reopen"), "in_progress"),
    ],
)
def test_a_lifecycle_event_sets_the_status_it_leads_to(
    filed: Complaint, act: Act, actions: tuple[str, ...], status: str
) -> None:
    for action in actions:
        act(filed, action)
    assert views.complaints(last_event(filed)) == [
        touched(filed.version),
        Update(COMPLAINTS, KEY, {"status": status}),
    ]


def test_triage_sets_the_severity_and_starts_work(filed: Complaint) -> None:
    filed.triage("severe", actor="bob", at=LATER)
    assert views.complaints(last_event(filed)) == [
        touched(2),
        Update(COMPLAINTS, KEY, {"severity": "severe"}),
        starts_work(),
    ]


def test_assigning_sets_the_owner_and_starts_work(filed: Complaint) -> None:
    filed.assign("cy", actor="lee", at=LATER)
    assert views.complaints(last_event(filed)) == [
        touched(2),
        Update(COMPLAINTS, KEY, {"owner": "cy"}),
        starts_work(),
    ]


def test_an_escalation_sets_owner_and_level_starts_work_and_adds_its_step(
    filed: Complaint,
) -> None:
    filed.escalate("lee", "late", actor="system", at=LATER, breached="ack")
    event = last_event(filed)
    assert views.complaints(event) == [
        touched(2),
        Update(COMPLAINTS, KEY, {"owner": "lee", "escalation_level": 1}),
        starts_work(),
    ]
    assert views.escalations(event) == [
        Upsert(ESCALATIONS, {
            "complaint_id": ID, "level": 1, "at": THEN, "by_member": "system",
            "from_member": "bob", "to_member": "lee", "trigger": "sweep",
            "deadline": "ack",
        })
    ]  # fmt: skip


def test_a_note_only_touches_the_complaint(filed: Complaint) -> None:
    filed.note("called back", actor="bob", at=LATER)
    event = last_event(filed)
    assert views.complaints(event) == [touched(2)]
    assert views.deadlines(event) == []
    assert views.escalations(event) == []
    assert views.grants(event) == []


def test_a_survey_sets_its_score(filed: Complaint, act: Act) -> None:
    act(filed, "acknowledge")
    act(filed, "resolve")
    filed.record_survey(4, "fine", actor="bob", at=LATER)
    assert views.complaints(last_event(filed)) == [
        touched(4),
        Update(COMPLAINTS, KEY, {"survey_score": 4}),
    ]


def test_erasure_marks_the_complaint_erased(filed: Complaint) -> None:
    filed.erase("customer asked", actor="ann", at=LATER)
    assert views.complaints(last_event(filed)) == [
        touched(2),
        Update(COMPLAINTS, KEY, {"erased": 1}),
    ]


@pytest.mark.parametrize(
    ("actions", "deadline"),
    [
        (("acknowledge",), "ack"),
        (("acknowledge", "respond"), "respond"),
        (("acknowledge", "resolve"), "resolve"),
        (("acknowledge", "resolve", "close"), "resolve"),
        (("withdraw",), "resolve"),
    ],
)
def test_the_events_that_meet_a_deadline_mark_it_met_unless_it_was(
    filed: Complaint, act: Act, actions: tuple[str, ...], deadline: str
) -> None:
    for action in actions:
        act(filed, action)
    assert views.deadlines(last_event(filed)) == [
        Update(
            DEADLINES,
            {"complaint_id": ID, "name": deadline},
            {"met_at": THEN},
            when={"met_at": None},
        )
    ]


@pytest.mark.parametrize("action", ["triage", "assign", "escalate", "reopen"])
def test_work_that_meets_no_deadline_leaves_the_deadlines_alone(
    filed: Complaint, act: Act, action: str
) -> None:
    act(filed, "acknowledge")
    if action == "reopen":
        act(filed, "resolve")
    act(filed, action)
    assert views.deadlines(last_event(filed)) == []


def test_making_a_complaint_confidential_grants_each_one_allowed(
    filed: Complaint,
) -> None:
    filed.make_confidential(["lee", "compliance"], "legal", actor="bob", at=LATER)
    event = last_event(filed)
    granted = {"granted_at": THEN, "granted_by": "bob", "revoked_at": None,
               "revoked_by": None}  # fmt: skip
    assert views.grants(event) == [
        Upsert(GRANTS, {"complaint_id": ID, "grantee": "compliance", **granted}),
        Upsert(GRANTS, {"complaint_id": ID, "grantee": "lee", **granted}),
    ]
    assert views.complaints(event) == [
        touched(2),
        Update(COMPLAINTS, KEY, {"confidential": 1}),
    ]


def test_a_grant_adds_its_row_and_a_revocation_closes_it(filed: Complaint) -> None:
    filed.make_confidential(["lee"], None, actor="bob", at=LATER)
    filed.grant("max", None, actor="lee", at=LATER)
    granted = last_event(filed)
    filed.revoke("max", None, actor="ann", at=LATER)
    revoked = last_event(filed)
    assert views.grants(granted) == [
        Upsert(GRANTS, {
            "complaint_id": ID, "grantee": "max", "granted_at": THEN,
            "granted_by": "lee", "revoked_at": None, "revoked_by": None,
        })
    ]  # fmt: skip
    assert views.grants(revoked) == [
        Update(
            GRANTS,
            {"complaint_id": ID, "grantee": "max"},
            {"revoked_at": THEN, "revoked_by": "ann"},
        )
    ]
    assert views.complaints(granted) == [touched(3)]
    assert views.complaints(revoked) == [touched(4)]


def test_a_record_of_reading_adds_its_row() -> None:
    record_id = UUID("00000000-0000-4000-8000-0000000000aa")
    access = Access(
        id=record_id, complaint_id=COMPLAINT_ID, ref="C-7", action="read",
        purpose="audit", host_user="ola@host", actor="ola", timestamp=LATER,
    )  # fmt: skip
    [event] = access.collect_events()
    assert views.access(event) == [
        Upsert(ACCESS, {
            "id": record_id.hex, "complaint_id": ID, "ref": "C-7", "at": THEN,
            "member": "ola", "action": "read", "purpose": "audit",
            "host_user": "ola@host", "proof": "claimed",
        })
    ]  # fmt: skip


def test_a_record_of_reading_under_a_verified_identity_keeps_its_proof() -> None:
    access = Access(
        id=uuid4(), complaint_id=COMPLAINT_ID, ref="C-7", action="read",
        purpose="show", host_user="svc", actor="ola", timestamp=LATER,
    )  # fmt: skip
    [event] = access.collect_events()
    object.__setattr__(event, "proof", "token:0a1b")  # as `save` stamps it
    [change] = views.access(event)
    assert isinstance(change, Upsert)
    assert change.row["proof"] == "token:0a1b"


def test_the_complaint_views_pass_over_a_record_of_reading(filed: Complaint) -> None:
    [event] = filed.collect_events()
    assert views.access(event) == []
    assert views.escalations(event) == []
    assert views.grants(event) == []


def test_the_team_view_follows_founding_joining_role_changes_and_leaving(
    team: Team,
) -> None:
    founded, *_ = team.collect_events()
    team.add("cy", Role.AGENT, actor="ann", at=LATER)
    added = last_event(team)
    team.change_role("cy", Role.MANAGER, actor="ann", at=LATER)
    changed = last_event(team)
    team.remove("cy", actor="ann", at=LATER)
    removed = last_event(team)
    assert views.team(founded) == [
        Upsert(MEMBERS, {"name": "ann", "role": "admin",
                         "since": "2026-03-02T09:00:00.000000Z"})
    ]  # fmt: skip
    assert views.team(added) == [
        Upsert(MEMBERS, {"name": "cy", "role": "agent", "since": THEN})
    ]
    assert views.team(changed) == [
        Upsert(MEMBERS, {"name": "cy", "role": "manager", "since": THEN})
    ]
    assert views.team(removed) == [Delete(MEMBERS, {"name": "cy"})]


def test_the_policy_view_holds_each_rule_and_passes_over_the_start(
    policy: Policy,
) -> None:
    [started] = policy.collect_events()
    policy.set_rule("email", "*", {"owner": "bob", "ack": 4}, actor="lee", at=LATER)
    assert views.policy(started) == []
    assert views.policy(last_event(policy)) == [
        Upsert(POLICY, {
            "channel": "email", "severity": "*", "owner": "bob",
            "escalate_to": None, "ack": 4, "respond": None, "resolve": None,
        })
    ]  # fmt: skip
    assert views.team(started) == []


def test_the_complaints_row_agrees_with_the_aggregate_after_every_event(
    filed: Complaint, act: Act
) -> None:
    row: dict[str, Any] = {}
    actions = ["acknowledge", "triage", "escalate", "respond", "resolve", "reopen",
               "assign", "resolve", "close", "record_survey"]  # fmt: skip
    for action in [None, *actions]:
        if action is not None:
            act(filed, action)
        for change in views.complaints(last_event(filed)):
            if isinstance(change, Upsert):
                row = dict(change.row)
            elif isinstance(change, Update) and all(
                row[column] == value for column, value in change.when.items()
            ):
                row.update(change.values)
        seen = (row["status"], row["owner"], row["severity"], row["version"])
        assert seen == (filed.status, filed.owner, filed.severity, filed.version)
