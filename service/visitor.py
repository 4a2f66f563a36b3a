"""Who is looking at a staff page: the member a session cookie signs in, and
the CSRF token the page's forms carry (checked on every POST, as
service/auth.py checks the header)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from ledger.crypto.credentials import csrf_matches, csrf_token
from ledger.domain.identity import Identity
from ledger.errors import NotSignedIn, PermissionDenied
from service.auth import NOT_SIGNED_IN, SAFE_METHODS, address, cookie_name
from service.served import served

CSRF_WRONG = (
    "the form's CSRF token is missing or wrong: reload the page and send it again"
)


@dataclass(frozen=True)
class Visitor:
    """A signed-in member and their session's CSRF token."""

    identity: Identity
    csrf: str

    @property
    def member(self) -> str:
        """The member's name."""
        return self.identity.member


def visitor(request: Request, csrf: str | None = None) -> Visitor:
    """The member the session cookie signs in; a POST must carry the
    session's CSRF token as `csrf`. `NotSignedIn` or `PermissionDenied`."""
    secret = request.cookies.get(cookie_name(request), "")
    if not secret:
        raise NotSignedIn(NOT_SIGNED_IN)
    where = address(request)
    identity = served(request).unsigned(
        lambda ledger: ledger.session_identity(secret, where)
    )
    if request.method not in SAFE_METHODS and not csrf_matches(secret, csrf or ""):
        raise PermissionDenied(CSRF_WRONG)
    return Visitor(identity, csrf_token(secret))
