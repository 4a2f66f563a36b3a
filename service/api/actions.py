"""`POST /api/v1/complaints/{ref}/{action}`: the lifecycle commands and
confidentiality, each body holding the command's options by name.

Each answers where the complaint now stands (`outcome`): its status,
severity, owner and readers, none of its text, as the command's one line
says none of it.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from ledger.domain.plain import outcome
from service.api.common import Fields, post
from service.auth import ACT, Caller, caller

router = APIRouter(prefix="/api/v1/complaints", tags=["actions"])


class Nothing(Fields):
    """No options."""


class Severity(Fields):
    severity: str


class Member(Fields):
    member: str


class Escalation(Fields):
    to: str | None = None  # None: the next rung of the escalation ladder
    reason: str


class Note(Fields):
    text: str


class Message(Fields):
    message: str


class Resolution(Fields):
    resolution: str


class Reason(Fields):
    reason: str


class Survey(Fields):
    score: int
    comment: str | None = None


class Allow(Fields):
    allow: list[str]
    reason: str | None = None


class Grantee(Fields):
    member: str
    reason: str | None = None


Act = Callable[[Any, str, Any], dict[str, Any]]
# action: (its body, the use case on (ledger, ref, body), what `plaint
# ACTION --help` says of it)
ACTIONS: dict[str, tuple[type[Fields], Act, str]] = {
    "ack": (Nothing, lambda c, r, _b: c.acknowledge(r), "Acknowledge a complaint."),
    "triage": (
        Severity,
        lambda c, r, b: c.triage(r, b.severity),
        "Re-assess a complaint's severity (lead+).",
    ),
    "assign": (
        Member,
        lambda c, r, b: c.assign(r, b.member),
        "Make a member the owner of a complaint (lead+).",
    ),
    "escalate": (
        Escalation,
        lambda c, r, b: c.escalate(r, b.to, b.reason),
        "Escalate a complaint one rung up its ladder, or to a member (lead+).",
    ),
    "note": (Note, lambda c, r, b: c.note(r, b.text), "Add an internal note."),
    "respond": (
        Message,
        lambda c, r, b: c.respond(r, b.message),
        "Record the answer sent to the customer.",
    ),
    "resolve": (
        Resolution,
        lambda c, r, b: c.resolve(r, b.resolution),
        "Record how a complaint was resolved.",
    ),
    "reopen": (
        Reason,
        lambda c, r, b: c.reopen(r, b.reason),
        "Take a resolved complaint back into work.",
    ),
    "close": (Nothing, lambda c, r, _b: c.close_complaint(r), "Close a complaint."),
    "withdraw": (
        Reason,
        lambda c, r, b: c.withdraw(r, b.reason),
        "Record that the customer withdrew a complaint.",
    ),
    "wait": (
        Reason,
        lambda c, r, b: c.wait(r, b.reason),
        "Wait on the customer: the deadlines' clock stops until `resume`.",
    ),
    "resume": (
        Nothing,
        lambda c, r, _b: c.resume(r),
        "Start a waiting complaint's clock again.",
    ),
    "survey": (
        Survey,
        lambda c, r, b: c.survey(r, b.score, b.comment),
        "Record the customer's satisfaction after resolution.",
    ),
    "confidential": (
        Allow,
        lambda c, r, b: c.make_confidential(r, list(b.allow), b.reason),
        "Make a complaint confidential to the named members and roles (lead+).",
    ),
    "grant": (
        Grantee,
        lambda c, r, b: c.grant(r, b.member, b.reason),
        "Let a member or role read a confidential complaint (lead+).",
    ),
    "revoke": (
        Grantee,
        lambda c, r, b: c.revoke(r, b.member, b.reason),
        "Stop a member or role reading a confidential complaint (lead+).",
    ),
}


def endpoint(body: type[Fields], act: Act) -> Callable[..., Response]:
    """The endpoint of one action, its body typed for OpenAPI (and optional
    for the actions that take no options)."""

    def run(request: Request, ref: str, who: Caller, fields: Fields | None) -> Response:
        given = body() if fields is None else fields
        return post(
            request,
            who,
            given,
            lambda ledger: outcome(act(ledger, ref, given)),
            replayed=outcome,
        )

    # The signature FastAPI reads: the body's own type, not the base class.
    keyword = inspect.Parameter.KEYWORD_ONLY
    run.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter("request", keyword, annotation=Request),
            inspect.Parameter("ref", keyword, annotation=str),
            inspect.Parameter(
                "who", keyword, annotation=Annotated[Caller, Depends(caller(ACT))]
            ),
            inspect.Parameter(
                "fields",
                keyword,
                annotation=body | None if not body.model_fields else body,
                default=None if not body.model_fields else inspect.Parameter.empty,
            ),
        ],
        return_annotation=Response,
    )
    return run


for _name, (_body, _act, _doc) in ACTIONS.items():
    router.add_api_route(
        f"/{{ref}}/{_name}",
        endpoint(_body, _act),
        methods=["POST"],
        name=_name,
        summary=f"plaint {_name}",
        description=_doc,
    )
