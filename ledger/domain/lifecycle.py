"""What each kind of event does to a complaint's status and deadlines.

The Complaint aggregate moves its status by these tables, and the views
(projections/views.py) write the same moves as row changes, so the two never
disagree about where a complaint stands.
"""

from __future__ import annotations

from collections.abc import Mapping

from ledger.domain.kinds import (
    ACKNOWLEDGED,
    ASSIGNED,
    CLOSED,
    ESCALATED,
    FILED,
    REOPENED,
    RESOLVED,
    RESPONDED,
    TRIAGED,
    WAITED,
    WITHDRAWN,
)
from ledger.domain.vocabulary import OPEN_STATUSES, Status

# The status a complaint has after an event of each of these kinds, whatever
# it had before.
STATUS_AFTER: Mapping[str, Status] = {
    FILED: Status.RECEIVED,
    ACKNOWLEDGED: Status.ACKNOWLEDGED,
    RESPONDED: Status.RESPONDED,
    RESOLVED: Status.RESOLVED,
    REOPENED: Status.IN_PROGRESS,
    CLOSED: Status.CLOSED,
    WITHDRAWN: Status.WITHDRAWN,
    WAITED: Status.WAITING,
}
# A Resumed event puts back the status the complaint had before it waited
# (the event says which).
# Work on a complaint (these kinds) moves it from BEFORE_WORK to IN_WORK; any
# other status stays as it is.
STARTS_WORK = frozenset({TRIAGED, ASSIGNED, ESCALATED})
BEFORE_WORK, IN_WORK = Status.ACKNOWLEDGED, Status.IN_PROGRESS

ACTIVE = frozenset({Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.RESPONDED})
SETTLED = frozenset({Status.RESOLVED, Status.CLOSED})
# Open, and its deadlines running or stopped: what a queue shows.
UNSETTLED = OPEN_STATUSES | {Status.WAITING}
# The statuses in which each lifecycle action may be taken: the Complaint
# aggregate's guards check these, and a page offers an action only in them.
# Confidentiality (`confidential`, `grant`, `revoke`) has no such table: any
# status, by whether the complaint is confidential.
STATUSES_FOR: Mapping[str, frozenset[Status]] = {
    "ack": frozenset({Status.RECEIVED}),
    "triage": OPEN_STATUSES,
    "assign": UNSETTLED,
    "escalate": OPEN_STATUSES,
    "note": frozenset(Status),
    "respond": ACTIVE,
    "resolve": ACTIVE,
    "reopen": frozenset({Status.RESOLVED}),
    "close": frozenset({Status.RESOLVED}),
    "withdraw": UNSETTLED,
    "wait": ACTIVE,
    "resume": frozenset({Status.WAITING}),
    "survey": SETTLED,
}

# Which deadline an event meets: the first such event is when it was met.
MEETS: Mapping[str, str] = {
    ACKNOWLEDGED: "ack",
    RESPONDED: "respond",
    RESOLVED: "resolve",
    CLOSED: "resolve",
    WITHDRAWN: "resolve",
}


def status_after(kind: str, status: Status) -> Status:
    """The status of a complaint in `status` after an event of `kind`."""
    if kind in STATUS_AFTER:
        return STATUS_AFTER[kind]
    if kind in STARTS_WORK and status == BEFORE_WORK:
        return IN_WORK
    return status
