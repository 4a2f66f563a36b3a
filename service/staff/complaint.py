"""`/complaints/{ref}`: the complaint as `show` gives it, its timeline and
escalation steps, and the forms of the actions the ledger says the member
may take now; `POST /complaints/{ref}/{action}` takes one, by the same use
case as the API's `POST /api/v1/complaints/{ref}/{action}`."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from ledger.domain.identity import Identity
from ledger.errors import InvalidInput, LedgerError, PermissionDenied
from service.api.actions import ACTIONS
from service.errors import validation_sentence
from service.served import served
from service.staff.forms import FORMS, body_of
from service.visitor import Visitor, staff_member, staff_page, staff_refused

router = APIRouter(include_in_schema=False)


@router.get("/complaints/{ref}")
def complaint_page(request: Request, ref: str, done: str = "") -> Response:
    """The complaint, its timeline and the forms of what I may do now;
    after an action, what was recorded (`done`)."""
    who = staff_member(request)
    if isinstance(who, Response):
        return who
    try:
        values = _shown(request, who.identity, ref)
    except LedgerError as error:
        return _missing(who, error)
    values["feedback"] = _feedback(done, values)
    return staff_page(
        who, "complaint.html", "complaints", values.pop("status"), **values
    )


@router.post("/complaints/{ref}/{action}")
async def take_action(request: Request, ref: str, action: str) -> Response:
    """Take `action` with the form's values; back to the complaint, saying
    what was recorded, or the page again saying why it was refused."""
    form = await request.form()
    typed = {k: v for k, v in form.items() if isinstance(v, str)}
    return await run_in_threadpool(_take, request, ref, action, typed)


def _take(request: Request, ref: str, action: str, typed: dict[str, str]) -> Response:
    who = staff_member(request)
    if isinstance(who, Response):
        return who
    try:
        who.check(typed.get("csrf", ""))
    except LedgerError as error:
        return _missing(who, error)
    if action not in ACTIONS:
        missing = InvalidInput(f"there is no action '{action}' on a complaint")
        return _missing(who, missing)
    body_type, act, _doc = ACTIONS[action]
    here = served(request)
    try:
        body = body_of(action, body_type, typed)
        here.run(who.identity, lambda ledger: act(ledger, ref, body))
    except (LedgerError, ValidationError) as error:
        refusal = (
            InvalidInput(validation_sentence(error.errors()))
            if isinstance(error, ValidationError)
            else error
        )
        try:
            values = _shown(request, who.identity, ref)
        except LedgerError as other:
            return _missing(who, other)
        del values["status"], values["message"]
        values.update(feedback=None, failed_action=action, typed=typed)
        return staff_refused(who, "complaint.html", "complaints", refusal, **values)
    return RedirectResponse(f"/complaints/{quote(ref.upper())}?done={action}", 303)


def _shown(request: Request, identity: Identity, ref: str) -> dict[str, Any]:
    """What the complaint page shows the member: everything `show` gives,
    its route laid out as the route report lays it out (timeline,
    escalation steps, events) and the actions they may take; or, for a
    confidential complaint they may not read, its metadata from the views
    and the sentence of the refusal (which `show` recorded)."""
    from projections import queries
    from projections.reports.route import laid_out

    here = served(request)
    values: dict[str, Any] = {
        "forms": FORMS,
        "failed_action": None,
        "typed": {},
        "message": None,
    }
    with here.acting(identity) as ledger:
        try:
            view, steps = ledger.show_with_route(ref)
        except PermissionDenied as refusal:
            values.update(
                complaint=None,
                metadata=queries.metadata(here.views(), ref),
                refusal=str(refusal),
                route=None,
                actions=[],
                members=[],
                status=403,
            )
            return values
        values.update(
            complaint=view,
            metadata=None,
            refusal=None,
            route=laid_out(ledger, True, steps),
            actions=ledger.actions(ref),
            members=[m["name"] for m in ledger.members()],
            status=200,
        )
    return values


def _feedback(done: str, values: dict[str, Any]) -> str | None:
    """What the page says after an action: what was recorded, where the
    complaint now stands."""
    if done not in FORMS and done != "filed":
        return None
    shown = values["complaint"] or values["metadata"]
    if shown is None:
        return None
    state = shown["status"].replace("_", " ")
    if done == "filed":
        due = [f"{name} by {at}" for name, at in shown.get("deadlines", {}).items()
               if at]  # fmt: skip
        return (
            f"Recorded {shown['ref']} ({shown['project']}, {shown['severity']}, "
            f"{shown['channel']}): it is {state}, owned by {shown['owner']}; "
            + (f"deadlines: {', '.join(due)}." if due else "no deadlines.")
        )
    return (
        f"{shown['ref']} {FORMS[done].done}: it is now {state}, "
        f"owned by {shown['owner']}."
    )


def _missing(who: Visitor, error: LedgerError) -> HTMLResponse:
    """A page saying why there is no complaint to show (unknown reference,
    a refused request), with the API's status."""
    return staff_refused(who, "missing.html", "complaints", error)
