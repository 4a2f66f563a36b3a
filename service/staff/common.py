"""What the staff pages share: who is signed in (or the sign-in page), and
the frame of every page (`me` for the navigation, the session's CSRF token
for its forms). Other staff pages (reports, team, policy) use these too."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ledger.crypto.credentials import csrf_token
from ledger.errors import LedgerError, NotSignedIn
from service.auth import Caller, cookie_name, session_caller
from service.errors import retry_after, status_of
from service.pages import login_page, page

if TYPE_CHECKING:
    from ledger.application import ComplaintLedger


def member(request: Request, csrf: str = "") -> Caller | Response:
    """The signed-in member; or, for someone who is not, where to go: the
    sign-in form (with why, when their session ended). A request that
    changes state must carry the session's CSRF token in `csrf`, as the API
    checks its header; `LedgerError` when it does not."""
    if not request.cookies.get(cookie_name(request)):
        return RedirectResponse("/login", status_code=303)
    try:
        return session_caller(request, csrf)
    except NotSignedIn as error:
        return login_page(request, 401, str(error))


def frame(request: Request, ledger: ComplaintLedger) -> dict[str, Any]:
    """What every staff page's frame needs: `me` (`whoami`) and `csrf`."""
    secret = request.cookies.get(cookie_name(request), "")
    return {"me": ledger.whoami(), "csrf": csrf_token(secret)}


def failed(name: str, error: LedgerError, **values: Any) -> HTMLResponse:
    """The page again with the sentence of the error that refused it, with
    the status the API answers that error with."""
    answer = page(name, status_of(error), message=str(error), **values)
    answer.headers.update(retry_after(error))
    return answer
