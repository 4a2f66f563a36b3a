"""The kinds of event the aggregates record, each named once.

An event's kind is its class name, `Filed` or `MemberAdded`. The stored topic
of an event ends with it (`ledger.complaint:Complaint.Filed`, see topics.py),
so a kind never changes. The aggregates define their events by these names,
and the views and reports match events by them without importing an aggregate.
"""

from __future__ import annotations

# A complaint's events.
FILED = "Filed"
ACKNOWLEDGED = "Acknowledged"
TRIAGED = "Triaged"
ASSIGNED = "Assigned"
ESCALATED = "Escalated"
NOTED = "Noted"
RESPONDED = "Responded"
RESOLVED = "Resolved"
REOPENED = "Reopened"
CLOSED = "Closed"
WITHDRAWN = "Withdrawn"
MADE_CONFIDENTIAL = "MadeConfidential"
GRANTED = "Granted"
REVOKED = "Revoked"
ERASED = "Erased"
SURVEYED = "Surveyed"
WAITED = "Waited"
RESUMED = "Resumed"
# The customer's reply, by mail (ledger/cases/mail.py).
REPLIED = "Replied"
# Mail to the customer, through the outbox (ledger/mail/).
MAIL_QUEUED = "MailQueued"
MAIL_SENT = "MailSent"
MAIL_FAILED = "MailFailed"
MAIL_CANCELLED = "MailCancelled"

# The team's and the policy's events.
FOUNDED = "Founded"
MEMBER_ADDED = "MemberAdded"
ROLE_CHANGED = "RoleChanged"
MEMBER_REMOVED = "MemberRemoved"
STARTED = "Started"
RULE_SET = "RuleSet"
CALENDAR_SET = "CalendarSet"
# The team's sign-in credentials (argon2id hashes and sha256 digests, never
# a password or a secret).
PASSWORD_SET = "PasswordSet"  # noqa: S105 - a kind, not a password
INVITE_ISSUED = "InviteIssued"
INVITE_ACCEPTED = "InviteAccepted"
OIDC_LINKED = "OidcLinked"
TOKEN_CREATED = "TokenCreated"  # noqa: S105
TOKEN_REVOKED = "TokenRevoked"  # noqa: S105

# The records of reading, reporting and rotating keys.
RECORDED = "Recorded"
GENERATED = "Generated"
ROTATED = "Rotated"
CLAIMED = "Claimed"

# Signing in to and out of `plaint serve`.
ATTEMPTED = "Attempted"
SIGNED_OUT = "SignedOut"


def kind_of(event: object) -> str:
    """An event's kind: its class name, `Filed`, `Escalated`, `MemberAdded`."""
    return type(event).__name__


# A request to the service that carried an Idempotency-Key.
REQUEST_CLAIMED = "RequestClaimed"
