"""The customer's pages: the complaint form (`/p/{project}/new`), the
status page (`/s/{token}`) and the survey (`/survey/{token}`).

No account, no script. The form is anonymous, so its CSRF protection is a
random value sent both as a cookie (SameSite=Lax, HttpOnly) and in the
form: another site can make a browser post the form but cannot read or set
the cookie. The use cases (ledger/cases/customers.py) hold every rule:
which projects take complaints, the honeypot, the rate limit, the limits.
"""

from __future__ import annotations

import secrets
from datetime import UTC
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from ledger.domain.identity import CUSTOMER, CUSTOMER_LINK, WEB_FORM, Identity
from ledger.domain.timeutil import parse_time
from ledger.errors import LedgerError, LinkGone, PermissionDenied, Throttled
from ledger.mail.compose import in_words
from service.auth import address
from service.errors import retry_after, status_of
from service.pages import page, set_cookie
from service.served import served

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form()]
AFFECTS = (
    ("praise", "It went well: I want to say thank you"),
    ("annoying", "It is an annoyance"),
    ("hinders", "It gets in the way of my work"),
    ("blocks", "I cannot work, or it caused real harm"),
)
SCORES = (
    ("1", "very dissatisfied"),
    ("2", "dissatisfied"),
    ("3", "neither"),
    ("4", "satisfied"),
    ("5", "very satisfied"),
)
STATUS_WORDS = {
    "received": "Received: waiting for someone to pick it up",
    "acknowledged": "Acknowledged: we are looking at it",
    "in_progress": "In progress: we are working on it",
    "responded": "Replied: see our reply below",
    "resolved": "Resolved",
    "closed": "Closed",
    "withdrawn": "Withdrawn",
}
EMPTY_FORM = {"what": "", "affects": "", "name": "", "email": ""}


def form_cookie(request: Request) -> str:
    """The form's CSRF cookie: `__Host-` but on a loopback address."""
    return "__Host-plaint-form" if served(request).secure else "plaint-form"


def accepting(request: Request) -> frozenset[str]:
    """The projects whose form takes complaints: `--form-projects`, else
    every project the ledger has a complaint about."""
    configured: frozenset[str] | None = request.app.state.form_projects
    if configured is not None:
        return configured
    from projections.queries import known_projects

    here = served(request)
    return here.unsigned(lambda _ledger: known_projects(here.views()))


def form_page(
    request: Request,
    project: str,
    status: int = 200,
    message: str | None = None,
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    """The form, with a fresh CSRF value (cookie and field)."""
    nonce = secrets.token_urlsafe(32)
    answer = page(
        "customer_form.html", status, project=project, message=message,
        csrf=nonce, affects=AFFECTS, form=form or EMPTY_FORM,
    )  # fmt: skip
    set_cookie(request, answer, form_cookie(request), nonce)
    return answer


def message_page(
    heading: str, error: LedgerError, back: str | None = None
) -> HTMLResponse:
    """A page saying why, with the API's status (and Retry-After)."""
    answer = page(
        "customer_message.html", status_of(error), heading=heading,
        message=str(error), back=back,
    )  # fmt: skip
    answer.headers.update(retry_after(error))
    return answer


def link_heading(error: LedgerError, gone: str) -> str:
    """The heading of a page a link could not show: `gone` when the link
    is spent, a wait when the client sent too many requests."""
    if isinstance(error, Throttled):
        return "Please wait"
    return gone if isinstance(error, LinkGone) else "Unknown link"


def words(moment: str) -> str:
    """A stored time as people read it."""
    return in_words(parse_time(moment))


def machine(moment: str) -> str:
    """A stored time as HTML's `datetime` attribute takes it (whole seconds)."""
    return parse_time(moment).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@router.get("/p/{project}/new")
def new_complaint(request: Request, project: str) -> HTMLResponse:
    """The complaint form of a project that takes them."""
    if project not in accepting(request):
        return page(
            "customer_message.html", 404, heading="No such form", back=None,
            message=f"there is no complaint form for '{project}'",
        )  # fmt: skip
    return form_page(request, project)


@router.post("/p/{project}/new")
def file_complaint(
    request: Request,
    project: str,
    csrf: Text = "",
    what: Text = "",
    affects: Text = "",
    name: Text = "",
    email: Text = "",
    website: Text = "",
) -> HTMLResponse:
    """File it, and show the reference and the status link."""
    typed = {"what": what, "affects": affects, "name": name, "email": email}
    nonce = request.cookies.get(form_cookie(request), "")
    if not nonce or not secrets.compare_digest(nonce.encode(), csrf.encode()):
        error = PermissionDenied(
            "the form expired or came from elsewhere: check it and send it again"
        )
        return form_page(request, project, status_of(error), str(error), typed)
    here, projects = served(request), accepting(request)
    identity = Identity(CUSTOMER, WEB_FORM, address(request))
    try:
        filed = here.run(
            identity,
            lambda ledger: ledger.file_from_web(
                project,
                what,
                affects,
                name,
                email,
                accepting=projects,
                trap=website,
                once=nonce,
            ),
        )
    except Throttled as error:
        return message_page("Please wait", error, back=f"/p/{project}/new")
    except LedgerError as error:
        if website.strip() or project not in projects:
            return message_page("Not sent", error)
        return form_page(request, project, status_of(error), str(error), typed)
    link = f"{(here.public_url or '').rstrip('/')}/s/{filed['link']}"
    answer = page("customer_filed.html", project=project, ref=filed["ref"],
                  link=link)  # fmt: skip
    answer.delete_cookie(form_cookie(request), path="/")
    request.app.state.wake_mail()
    return answer


@router.get("/s/{token}")
def status_page(request: Request, token: str) -> HTMLResponse:
    """Where the link's complaint stands (the view is recorded)."""
    identity = Identity(CUSTOMER, CUSTOMER_LINK, address(request))
    try:
        found = served(request).run(
            identity, lambda ledger: ledger.customer_status(token)
        )
    except LedgerError as error:
        return message_page(link_heading(error, "Link expired"), error)
    replies = [
        {**r, "words": words(r["at"]), "at": machine(r["at"])} for r in found["replies"]
    ]
    return page(
        "customer_status.html", ref=found["ref"], project=found["project"],
        erased=found["erased"], replies=replies,
        received_at=machine(found["received_at"]),
        status_words=STATUS_WORDS.get(found["status"], found["status"]),
        received_words=words(found["received_at"]),
    )  # fmt: skip


def survey_page(
    found: dict[str, Any], status: int = 200, message: str | None = None,
    form: dict[str, str] | None = None, done: bool = False,
) -> HTMLResponse:  # fmt: skip
    """The survey form, or its thanks."""
    return page(
        "customer_survey.html", status, ref=found["ref"], project=found["project"],
        message=message, scores=SCORES, form=form or {"score": "", "comment": ""},
        done=done,
    )  # fmt: skip


@router.get("/survey/{token}")
def survey_form(request: Request, token: str) -> HTMLResponse:
    """The survey of the link's complaint, if not answered yet."""
    identity = Identity(CUSTOMER, CUSTOMER_LINK, address(request))
    try:
        found = served(request).run(identity, lambda ledger: ledger.survey_form(token))
    except LedgerError as error:
        return message_page(link_heading(error, "Survey closed"), error)
    return survey_page(found)


@router.post("/survey/{token}")
def answer_survey(
    request: Request, token: str, score: Text = "", comment: Text = ""
) -> HTMLResponse:
    """Record the answer, once. The link's secret, in the path, is what a
    cross-site form could not know: it stands for the CSRF token here."""
    identity = Identity(CUSTOMER, CUSTOMER_LINK, address(request))
    here = served(request)
    try:
        found = here.run(identity, lambda ledger: ledger.survey_form(token))
    except LedgerError as error:
        return message_page(link_heading(error, "Survey closed"), error)
    try:
        here.run(identity, lambda ledger: ledger.answer_survey(token, score, comment))
    except LedgerError as error:
        form = {"score": score, "comment": comment}
        return survey_page(found, status_of(error), str(error), form)
    return survey_page(found, done=True)
