"""`/complaints/new`: filing a complaint through a page, by the use case of
`POST /api/v1/complaints` (its body, its checks); a form that fails comes
back as typed with the field to blame marked; a filed complaint's page says
what was recorded. Each form carries a request id of its own, the page's
Idempotency-Key: a double click or a form sent again files nothing twice."""

from __future__ import annotations

import json
import secrets
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from ledger.domain.plain import filed
from ledger.domain.vocabulary import Channel, Severity
from ledger.errors import InvalidInput, LedgerError
from service.api.common import once
from service.api.complaints import Filing, filing_case
from service.errors import validation_sentence
from service.visitor import Visitor, staff_member, staff_page, staff_refused

router = APIRouter(include_in_schema=False)
# The form's fields: the API body's names; all but these are text.
FIELDS = tuple(Filing.model_fields)
CHOICES = {
    "channels": [c.value for c in Channel],
    "severities": [s.value for s in Severity],
}
BLANK = {"channel": "web", "severity": "moderate"}


@router.get("/complaints/new")
def filing_form(request: Request) -> Response:
    """The form of a new complaint."""
    who = staff_member(request)
    if isinstance(who, Response):
        return who
    return _form(who, typed={**BLANK, "request": secrets.token_urlsafe(16)})


@router.post("/complaints/new")
async def file_complaint(request: Request) -> Response:
    """File the complaint the form gives; to its page, saying what was
    recorded, or the form again, as typed, saying what to change."""
    form = await request.form()
    typed = {k: v for k, v in form.items() if isinstance(v, str)}
    return await run_in_threadpool(_file, request, typed)


def _file(request: Request, typed: dict[str, str]) -> Response:
    who = staff_member(request)
    if isinstance(who, Response):
        return who
    kept = {name: typed.get(name, "") for name in (*FIELDS, "request")}
    try:
        who.check(typed.get("csrf", ""))
        filing = Filing.model_validate(body(typed), strict=False)
        done = _filed_once(request, who, filing, typed.get("request", ""))
    except ValidationError as error:
        blamed = _field_of(error.errors())
        refusal = InvalidInput(validation_sentence(error.errors()), blamed)
        return _form(who, refusal, typed=kept)
    except LedgerError as error:
        return _form(who, error, typed=kept)
    return RedirectResponse(f"/complaints/{done['ref']}?done=filed", 303)


def _filed_once(
    request: Request, who: Visitor, filing: Filing, key: str
) -> dict[str, Any]:
    """File `filing` once for the form's request id `key`, as the API files
    once for an Idempotency-Key: sent again, the first filing's answer and
    nothing recorded. A form from elsewhere, without an id, files as the
    API does unkeyed."""
    _, answer = once(
        request, who.identity, f"page:{key}" if key else None, filing,
        filing_case(filing), 201, replayed=filed,
    )  # fmt: skip
    recorded: dict[str, Any] = json.loads(answer)
    return recorded


def body(typed: dict[str, str]) -> dict[str, Any]:
    """The API's body from the form: empty fields not given, the checkbox
    `confidential` on when sent, `allow` a comma-separated list."""
    found: dict[str, Any] = {}
    for name in FIELDS:
        value = typed.get(name, "").strip()
        if name == "confidential":
            found[name] = bool(value)
        elif name == "allow":
            found[name] = [part.strip() for part in value.split(",") if part.strip()]
        elif value:
            found[name] = value
    return found


def _field_of(errors: Any) -> str | None:
    """The field pydantic's first error is about."""
    first: dict[str, Any] = next(iter(errors), {})
    where = [str(part) for part in first.get("loc", ())]
    return where[0] if where and where[0] in FIELDS else None


def _form(who: Visitor, error: LedgerError | None = None, **values: Any) -> Response:
    """The filing form, as typed; with the refusal and its field, if any."""
    shown = {**CHOICES, "blamed": None, **values}
    if error is None:
        return staff_page(who, "new.html", "new", message=None, **shown)
    shown["blamed"] = getattr(error, "field", None)
    return staff_refused(who, "new.html", "new", error, **shown)
