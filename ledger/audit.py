"""Records of reading: who generated which report, covering which events.

Each report run is an aggregate of its own, created by one event, so that
recording a run never contends with anything else written to the ledger.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event


class ReportRun(Aggregate):
    """One report, generated once, by one member."""

    @event("Generated")
    def __init__(
        self,
        id: UUID,
        report: str,
        parameters: dict[str, Any],
        covering: int,
        actor: str,
        timestamp: datetime,
    ) -> None:
        self.report = report
        self.parameters = dict(parameters)
        self.covering = covering
