"""The pages of sign-in: `/login`, `/logout`, `/invite/{secret}` (the staff
pages, service/staff/, build on these).

Forms only, no script. The login form is protected against login CSRF by a
double-submitted random value (cookie and field); `/logout` takes the
session's own CSRF token, as every state-changing request with a session
does.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from functools import cache
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import (
    ChoiceLoader,
    Environment,
    PackageLoader,
    PrefixLoader,
    StrictUndefined,
)

from ledger.crypto.credentials import csrf_matches
from ledger.errors import LedgerError, PermissionDenied
from service.auth import address, cookie_name
from service.errors import retry_after, status_of
from service.served import served

router = APIRouter(include_in_schema=False)
LOGIN_COOKIE = "plaint-login"
Text = Annotated[str, Form()]
Optional = Annotated[str, Form()]


@cache
def environment() -> Environment:
    """The pages' templates: everything escaped, nothing undefined; the
    reports' building blocks (`reports/_partials.html`) and filters at hand,
    so that a page lays out report data as the reports do."""
    from projections.reports.render import environment as reports

    env = Environment(
        loader=ChoiceLoader([
            PackageLoader("service", "templates"),
            PrefixLoader({"reports": PackageLoader("report_templates", ".")}),
        ]),
        autoescape=True,
        undefined=StrictUndefined,
        extensions=list(reports().extensions),
    )  # fmt: skip
    env.filters.update({
        name: reports().filters[name]
        for name in ("when", "day", "duration", "percent", "number", "css_string")
    })  # fmt: skip
    return env


def page(name: str, status: int = 200, **values: Any) -> HTMLResponse:
    """A page rendered from its template."""
    html = environment().get_template(name).render(**values)
    return HTMLResponse(html, status_code=status)


def refused(name: str, error: LedgerError, **values: Any) -> HTMLResponse:
    """The page again, saying why it was refused, with the API's status."""
    answer = page(name, status_of(error), message=str(error), **values)
    answer.headers.update(retry_after(error))
    return answer


def set_cookie(request: Request, response: Response, name: str, value: str) -> None:
    """A cookie scripts cannot read, sent to this site only, over TLS but on
    a loopback address."""
    response.set_cookie(
        name,
        value,
        path="/",
        httponly=True,
        secure=served(request).secure,
        samesite="lax",
    )


def sso_button(request: Request) -> str | None:
    """The label of the single sign-on link, when it is configured."""
    sso = request.app.state.sso
    return None if sso is None else str(sso.settings.button)


def login_page(
    request: Request,
    status: int = 200,
    message: str | None = None,
    back: str | None = None,
) -> HTMLResponse:
    """The sign-in form, with a fresh login-CSRF value (cookie and field),
    and the page to return to once signed in (`back`)."""
    nonce = secrets.token_urlsafe(32)
    answer = page(
        "login.html", status, message=message, member="", csrf=nonce,
        sso=sso_button(request), back=back,
    )  # fmt: skip
    set_cookie(request, answer, LOGIN_COOKIE, nonce)
    return answer


def signed_in(
    request: Request, opened: Mapping[str, Any], back: str | None = None
) -> RedirectResponse:
    """To `back` (a path on this site) or `/`, with the session cookie of a
    sign-in (password or single sign-on) that `opened` a session."""
    answer = RedirectResponse(local_path(back or "") or "/", status_code=303)
    set_cookie(request, answer, cookie_name(request), opened["session"])
    answer.delete_cookie(LOGIN_COOKIE, path="/")
    return answer


def local_path(text: str) -> str | None:
    """`text` if it is a path on this site (`/…`, not `//host` or `/\\host`,
    no scheme, no control character); None otherwise, so that a sign-in
    can never send anyone to another site."""
    if not text.startswith("/") or text.startswith(("//", "/\\")):
        return None
    if any(ord(c) < 0x20 or c in "\\\x7f" for c in text):
        return None
    parts = urlsplit(text)
    return None if parts.scheme or parts.netloc else text


@router.get("/login")
def login_form(request: Request, next: str = "") -> HTMLResponse:
    """The sign-in form; `next`, the page to return to afterwards."""
    return login_page(request, back=local_path(next))


@router.post("/login")
def login(
    request: Request, member: Text, password: Text, csrf: Text, next: Optional = ""
) -> Response:
    """Sign in with a password: a session cookie, then the page `next`
    names (a path on this site) or `/`."""
    nonce = request.cookies.get(LOGIN_COOKIE, "")
    back = local_path(next)
    form = {"member": member, "csrf": nonce, "sso": sso_button(request), "back": back}
    if not nonce or not secrets.compare_digest(nonce, csrf):
        error = PermissionDenied("the sign-in form expired; sign in again")
        return refused("login.html", error, **form)
    where = address(request)
    try:
        opened = served(request).unsigned(
            lambda ledger: ledger.sign_in(member, password, where)
        )
    except LedgerError as error:
        return refused("login.html", error, **form)
    return signed_in(request, opened, back)


@router.post("/logout")
def logout(request: Request, csrf: Text) -> Response:
    """End the session (with its CSRF token) and forget the cookie."""
    name = cookie_name(request)
    secret = request.cookies.get(name, "")
    if not secret or not csrf_matches(secret, csrf):
        error = PermissionDenied("the request's CSRF token is missing or wrong")
        return refused(
            "login.html", error, member="", csrf="", sso=sso_button(request), back=None
        )
    where = address(request)
    served(request).unsigned(lambda ledger: ledger.sign_out(secret, where))
    answer = RedirectResponse("/login", status_code=303)
    answer.delete_cookie(name, path="/", secure=served(request).secure, httponly=True)
    return answer


@router.get("/invite/{secret}")
def invite_form(secret: str) -> HTMLResponse:
    """The form setting a password with an invitation."""
    return page("invite.html", message=None, done=False)


@router.post("/invite/{secret}")
def accept_invite(request: Request, secret: str, password: Text) -> HTMLResponse:
    """Set the password; the invitation is used up."""
    where = address(request)
    try:
        served(request).unsigned(
            lambda ledger: ledger.accept_invite(secret, password, where)
        )
    except LedgerError as error:
        return refused("invite.html", error, done=False)
    return page("invite.html", message=None, done=True)
