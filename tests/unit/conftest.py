"""Fixtures of the unit tests: aggregates built in memory, with no ledger,
storage or clock behind them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.domain.complaint import Complaint
from ledger.domain.policy import Policy
from ledger.domain.team import Team
from ledger.domain.vocabulary import Role, Status

FILED_AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LATER = FILED_AT + timedelta(hours=1)
COMPLAINT_ID = UUID("00000000-0000-4000-8000-000000000007")

# The actions that bring a freshly filed complaint to each status.
PATHS: dict[Status, tuple[str, ...]] = {
    Status.RECEIVED: (),
    Status.ACKNOWLEDGED: ("acknowledge",),
    Status.IN_PROGRESS: ("acknowledge", "triage"),
    Status.RESPONDED: ("acknowledge", "respond"),
    Status.RESOLVED: ("acknowledge", "resolve"),
    Status.CLOSED: ("acknowledge", "resolve", "close"),
    Status.WITHDRAWN: ("withdraw",),
    Status.WAITING: ("acknowledge", "wait"),
}


def take(complaint: Complaint, action: str) -> None:
    # One of Complaint's public actions, as bob, with what it needs.
    arguments: dict[str, tuple[object, ...]] = {
        "acknowledge": (),
        "triage": ("severe",),
        "assign": ("cy",),
        "escalate": ("dee", "no answer"),
        "note": ("called back",),
        "respond": ("we are on it",),
        "resolve": ("refunded",),
        "reopen": ("still broken",),
        "close": (),
        "withdraw": ("sorted itself",),
        "record_survey": (4, "fine"),
        "wait": ("asked for the invoice number",),
        "resume": (None, None),
    }
    getattr(complaint, action)(*arguments[action], actor="bob", at=LATER)


@pytest.fixture
def act() -> Callable[[Complaint, str], None]:
    """Takes an action (`"resolve"`) on a complaint, as bob, an hour after filing."""
    return take


@pytest.fixture
def key() -> Ed25519PrivateKey:
    """A fresh Ed25519 signing key."""
    return Ed25519PrivateKey.generate()


@pytest.fixture
def filed() -> Complaint:
    """C-7, a mild complaint by email, just filed and owned by bob."""
    return Complaint(
        id=COMPLAINT_ID,
        number=7,
        project="Webshop",
        channel="email",
        source="Message-ID <c7@example.com>",
        severity="mild",
        summary="Checkout fails",
        detail="The card was declined twice.",
        customer="Ann Lee",
        contact="ann@example.com",
        received_at=FILED_AT - timedelta(hours=2),
        external_id=None,
        owner="bob",
        deadlines={"ack": FILED_AT + timedelta(days=1), "respond": None,
                   "resolve": FILED_AT + timedelta(days=10)},
        actor="ann",
        timestamp=FILED_AT,
    )  # fmt: skip


@pytest.fixture
def complaint_in(filed: Complaint) -> Callable[[Status], Complaint]:
    """C-7 brought to a status, its events so far collected (so that those
    it records next are the test's own)."""

    def bring(status: Status) -> Complaint:
        for action in PATHS[status]:
            take(filed, action)
        assert filed.status == status
        filed.collect_events()
        return filed

    return bring


@pytest.fixture
def team() -> Team:
    """A team founded by ann (admin), with bob an agent, lee a lead and
    ola an auditor."""
    team = Team(id=COMPLAINT_ID, admin="ann", actor="ann", timestamp=FILED_AT)
    team.add("bob", Role.AGENT, actor="ann", at=FILED_AT)
    team.add("lee", Role.LEAD, actor="ann", at=FILED_AT)
    team.add("ola", Role.AUDITOR, actor="ann", at=FILED_AT)
    return team


@pytest.fixture
def policy() -> Policy:
    """A policy with no rules yet."""
    return Policy(id=COMPLAINT_ID, actor="ann", timestamp=FILED_AT)
