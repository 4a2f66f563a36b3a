"""When the customer is told: the rule, once, for every use case that may
queue a message (the web form, respond, resolve).

A complaint whose customer left an address through a customer channel (the
web form; mail in, later) has one (`Complaint.mail_to`); complaints filed by
the team or imported never get mail, so a bulk import of last year's records
writes to no one. The message is queued in the same save as the action it
reports, so it is never lost and never sent for an action that was refused.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import uuid4

from ledger.domain.complaint import Complaint

ACK, RESPONDED, RESOLVED, SURVEY = "ack", "responded", "resolved", "survey"
PURPOSES = (ACK, RESPONDED, RESOLVED, SURVEY)
# The survey invitation goes this long after resolution unless the policy's
# `survey` setting says otherwise (`plaint policy set … --survey 2d`).
SURVEY_DELAY = timedelta(days=1)


def tell(
    complaint: Complaint,
    purpose: str,
    text: str | None,
    actor: str,
    at: datetime,
    *,
    recipient: str | None = None,
    not_before: datetime | None = None,
) -> None:
    """Queue a message of `purpose` to the complaint's customer, if they are
    told anything (or to `recipient`, the first time)."""
    to = recipient or complaint.mail_to
    if to is None:
        return
    complaint.queue_mail(uuid4(), purpose, to, text, not_before or at, actor, at)


def tell_resolved(
    complaint: Complaint,
    resolution: str,
    survey_after: int | None,
    actor: str,
    at: datetime,
) -> None:
    """The resolution, and the survey invitation after the policy's delay
    (`survey_after` seconds, or a day)."""
    tell(complaint, RESOLVED, resolution, actor, at)
    delay = SURVEY_DELAY if survey_after is None else timedelta(seconds=survey_after)
    tell(complaint, SURVEY, None, actor, at, not_before=at + delay)
