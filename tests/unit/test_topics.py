"""Stored events name their classes by topic: the topics the first ledgers
were written with stay, wherever the classes live now."""

from __future__ import annotations

import pytest
from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic, resolve_topic

from ledger.domain.audit import Access, KeyRotation, ReportRun
from ledger.domain.claims import IntakeClaim
from ledger.domain.complaint import Complaint
from ledger.domain.policy import Policy
from ledger.domain.team import Team

FIRST_MODULES = {
    Complaint: "ledger.complaint",
    Team: "ledger.team",
    Policy: "ledger.team",
    IntakeClaim: "ledger.claims",
    ReportRun: "ledger.audit",
    Access: "ledger.audit",
    KeyRotation: "ledger.audit",
}


def classes_of(aggregate: type[Aggregate]) -> list[type]:
    events = [
        cls
        for cls in vars(aggregate).values()
        if isinstance(cls, type) and issubclass(cls, Aggregate.Event)
    ]
    return [aggregate, *events]


@pytest.mark.parametrize("aggregate", FIRST_MODULES, ids=lambda a: a.__name__)
def test_every_event_class_keeps_the_topic_its_first_events_were_stored_with(
    aggregate: type[Aggregate],
) -> None:
    for cls in classes_of(aggregate):
        topic = f"{FIRST_MODULES[aggregate]}:{cls.__qualname__}"
        assert get_topic(cls) == topic
        assert resolve_topic(topic) is cls


def test_a_filing_is_stored_under_its_first_topic() -> None:
    assert get_topic(Complaint.Filed) == "ledger.complaint:Complaint.Filed"
