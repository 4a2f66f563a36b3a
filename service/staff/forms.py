"""The form of each action on a complaint: its heading, its fields (named as
the API's bodies name them, service/api/actions.py) and what the page says
once it was recorded. Which forms a member sees is the ledger's
`actions(ref)`; what a form's values may be is the use case's to check."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel


@dataclass(frozen=True)
class Field:
    """One field: its name in the body, its label, and its kind of input
    (`text`, `textarea`, `severity`, `score`, `member`: a choice of the
    team's current members, which the use case still checks)."""

    name: str
    label: str
    kind: str = "text"
    required: bool = True
    # A choice's option for no value (a `member` picker's first option).
    empty: str = "Choose a member"


@dataclass(frozen=True)
class Form:
    """One action's form, and the word for it once done."""

    title: str
    done: str
    fields: tuple[Field, ...] = ()


REASON = Field("reason", "Reason (optional)", "textarea", required=False)
FORMS: dict[str, Form] = {
    "ack": Form("Acknowledge", "acknowledged"),
    "triage": Form("Triage", "triaged", (Field("severity", "Severity", "severity"),)),
    "assign": Form("Assign", "assigned", (Field("member", "New owner", "member"),)),
    "escalate": Form(
        "Escalate",
        "escalated",
        (
            Field(
                "to",
                "Escalate to",
                "member",
                required=False,
                empty="The next rung up (the policy's ladder)",
            ),
            Field("reason", "Reason", "textarea"),
        ),
    ),
    "note": Form("Add a note", "noted", (Field("text", "Note", "textarea"),)),
    "respond": Form(
        "Respond", "responded to", (Field("message", "Message sent", "textarea"),)
    ),
    "resolve": Form(
        "Resolve", "resolved", (Field("resolution", "Resolution", "textarea"),)
    ),
    "reopen": Form("Reopen", "reopened", (Field("reason", "Reason", "textarea"),)),
    "close": Form("Close", "closed"),
    "withdraw": Form("Withdraw", "withdrawn", (Field("reason", "Reason", "textarea"),)),
    "wait": Form(
        "Wait on the customer",
        "put to wait on the customer",
        (Field("reason", "What the customer is asked for", "textarea"),),
    ),
    "resume": Form("Resume the clock", "resumed"),
    "survey": Form(
        "Record a survey",
        "surveyed",
        (
            Field("score", "Score (1 to 5)", "score"),
            Field("comment", "Comment (optional)", "textarea", required=False),
        ),
    ),
    "confidential": Form(
        "Make confidential",
        "made confidential",
        (Field("allow", "Who may read it (members or roles, comma-separated)"), REASON),
    ),
    "grant": Form(
        "Grant access", "granted access", (Field("member", "Member or role"), REASON)
    ),
    "revoke": Form(
        "Revoke access", "revoked access", (Field("member", "Member or role"), REASON)
    ),
}


def body_of(action: str, body: type[BaseModel], typed: dict[str, str]) -> BaseModel:
    """The API's body of `action` from a form's values: a field left empty
    is not given (so a required one is missing, an optional one None), and
    `allow` is a comma-separated list. Raises pydantic's ValidationError."""
    data: dict[str, Any] = {}
    for field in FORMS[action].fields:
        value = typed.get(field.name, "").strip()
        if not value:
            continue
        if field.name == "allow":
            data["allow"] = [part.strip() for part in value.split(",") if part.strip()]
        else:
            data[field.name] = value
    return body.model_validate(data, strict=False)
