"""Reading the outbox view: the messages due to be sent, and `plaint
outbox`'s listing of those pending or given up."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from ledger.domain.timeutil import iso, stamp
from ledger.domain.vocabulary import ReadAction
from projections.store import ViewSQL
from projections.views import COMPLAINTS, OUTBOX

if TYPE_CHECKING:
    from ledger.application import ComplaintLedger

# The most messages one pass of a sender takes.
BATCH = 100


def due(store: ViewSQL, now: datetime, limit: int = BATCH) -> list[dict[str, str]]:
    """Pending messages whose time has come, oldest first (a sender claims
    each, so a message another sender holds or has just sent is skipped)."""
    p = store.param
    return store.query(
        f"SELECT message, complaint_id FROM {store.table_name(OUTBOX)} "  # noqa: S608
        f"WHERE state = 'pending' AND not_before <= {p} "
        f"ORDER BY queued_at LIMIT {int(limit)}",
        [stamp(now)],
    )


def listing(
    ledger: ComplaintLedger, store: ViewSQL, now: datetime
) -> list[dict[str, Any]]:
    """`plaint outbox`: each message pending or given up, oldest first, with
    its complaint, purpose, times and failed attempts (never its recipient
    or text)."""
    ledger.authorise_read(ReadAction.LIST)
    rows = store.query(
        "SELECT o.message, c.ref, o.purpose, o.queued_at, o.not_before, o.state, "  # noqa: S608
        f"o.ended_at, o.attempts FROM {store.table_name(OUTBOX)} o "
        f"JOIN {store.table_name(COMPLAINTS)} c ON c.id = o.complaint_id "
        "WHERE o.state IN ('pending', 'failed') ORDER BY o.queued_at, o.message"
    )
    tried = ledger.mail_attempts(
        [r["message"] for r in rows if r["state"] == "pending"]
    )
    listed = []
    for row in rows:
        sending = tried.get(row["message"], {})
        next_at = sending.get("next_at")
        listed.append(
            {
                "message": row["message"], "ref": row["ref"],
                "purpose": row["purpose"], "state": row["state"],
                "queued_at": row["queued_at"], "not_before": row["not_before"],
                "attempts": sending.get("attempts", row["attempts"] or 0),
                "next_attempt": None if row["state"] != "pending" else (
                    row["not_before"] if next_at is None
                    else iso(datetime.fromtimestamp(next_at, now.tzinfo))),
                "last_error": sending.get("error"),
                "ended_at": row["ended_at"],
            }
        )  # fmt: skip
    return listed
