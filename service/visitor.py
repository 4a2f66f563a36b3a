"""Who is looking at a staff page, and the one frame every staff page is
rendered in.

`staff_member` finds the member a session cookie signs in (with `whoami`, which
the navigation needs, and the session's CSRF token, which every form carries
and every POST is `check`ed against, as service/auth.py checks the header);
someone who is not signed in gets, instead, the way to sign in: the sign-in
form for someone with no session, the page saying their session ended, and
why, for someone whose session did. `staff_page` renders a page in the frame
(base.html's navigation, the page's own entry marked current).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Match

from ledger.crypto.credentials import csrf_token
from ledger.domain.identity import Identity
from ledger.errors import LedgerError, NotSignedIn, PermissionDenied
from service.auth import address, cookie_name
from service.errors import retry_after, status_of
from service.pages import local_path, page
from service.served import served

CSRF_WRONG = (
    "the form's CSRF token is missing or wrong: reload the page and send it again"
)


@dataclass(frozen=True)
class Visitor:
    """A signed-in member: who they are, what the navigation offers them
    (`me`, the ledger's `whoami`) and their session's CSRF token."""

    identity: Identity
    me: dict[str, Any]
    csrf: str

    @property
    def member(self) -> str:
        """The member's name."""
        return self.identity.member

    def check(self, csrf: str) -> None:
        """Refuse a form that does not carry the session's CSRF token."""
        if not secrets.compare_digest(self.csrf.encode(), csrf.encode()):
            raise PermissionDenied(CSRF_WRONG)


def visitor(request: Request) -> Visitor:
    """The member the session cookie signs in, or `NotSignedIn`."""
    secret = request.cookies.get(cookie_name(request), "")
    if not secret:
        raise NotSignedIn("not signed in")
    where = address(request)

    def whom(ledger: Any) -> tuple[Identity, dict[str, Any]]:
        identity = ledger.session_identity(secret, where)
        with ledger.acting(identity):
            return identity, ledger.whoami()

    identity, me = served(request).unsigned(whom)
    return Visitor(identity, me, csrf_token(secret))


def staff_member(request: Request) -> Visitor | Response:
    """The signed-in member; or, for someone who is not, where to go: to
    the sign-in form (no session), or the page saying the session ended."""
    if not request.cookies.get(cookie_name(request)):
        return RedirectResponse(login_link(request), status_code=303)
    try:
        return visitor(request)
    except NotSignedIn as error:
        return ended(request, error)


def ended(request: Request, error: NotSignedIn) -> HTMLResponse:
    """The page of a session that ended: why, and a sign-in link back to
    the page asked for. The dead cookie is forgotten."""
    answer = page("ended.html", 401, why=str(error), login=login_link(request))
    answer.delete_cookie(
        cookie_name(request), path="/", secure=served(request).secure, httponly=True
    )
    return answer


def login_link(request: Request) -> str:
    """`/login`, with the page to return to: the page asked for, or for a
    form (a POST) the page it was sent from."""
    back = returning_to(request)
    return "/login" if back in (None, "/") else f"/login?next={quote(back, safe='')}"


def returning_to(request: Request) -> str | None:
    """The same-site path to return to after signing in, if there is one:
    the page asked for; for a form (a POST), the page that shows it, the
    nearest path above the form's address that a page answers (the pages
    send no Referer: `Referrer-Policy: no-referrer`)."""
    path = request.url.path
    if request.method == "GET":
        query = request.url.query
        return local_path(path + (f"?{query}" if query else ""))
    while path not in ("", "/"):
        if any(_shows(route, path) for route in request.app.routes):
            return local_path(path)
        path = path.rpartition("/")[0]
    return None


def _shows(route: Any, path: str) -> bool:
    """Whether `route` answers a GET of `path` with a page (not the API)."""
    if path.startswith("/api/"):
        return False
    scope = {"type": "http", "path": path, "method": "GET", "root_path": ""}
    match, _scope = route.matches(scope)
    return bool(match == Match.FULL)


def staff_page(
    who: Visitor | None, name: str, current: str, status: int = 200, **values: Any
) -> HTMLResponse:
    """Template `name` in the staff frame: the navigation for `who` (none
    for nobody), `current` marked as the page you are on."""
    frame = (
        {"me": None, "csrf": ""} if who is None else {"me": who.me, "csrf": who.csrf}
    )
    return page(name, status, current=current, **{**frame, **values})


def staff_refused(
    who: Visitor | None, name: str, current: str, error: LedgerError, **values: Any
) -> HTMLResponse:
    """The staff page again, saying why it was refused, with the API's status."""
    values.setdefault("message", str(error))
    answer = staff_page(who, name, current, status_of(error), **values)
    answer.headers.update(retry_after(error))
    return answer
