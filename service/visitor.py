"""Who is looking at a staff page: the member a session cookie signs in, and
the CSRF token the page's forms carry (checked on every POST, as
service/auth.py checks the header)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from fastapi import Request

from ledger.crypto.credentials import csrf_token
from ledger.domain.identity import Identity
from ledger.errors import NotSignedIn, PermissionDenied
from service.auth import NOT_SIGNED_IN, address, cookie_name
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

    def check(self, csrf: str) -> None:
        """Refuse a form that does not carry the session's CSRF token."""
        if not secrets.compare_digest(self.csrf.encode(), csrf.encode()):
            raise PermissionDenied(CSRF_WRONG)


def visitor(request: Request) -> Visitor:
    """The member the session cookie signs in, or `NotSignedIn`; a form
    they POST is then `check`ed."""
    secret = request.cookies.get(cookie_name(request), "")
    if not secret:
        raise NotSignedIn(NOT_SIGNED_IN)
    where = address(request)
    identity = served(request).unsigned(
        lambda ledger: ledger.session_identity(secret, where)
    )
    return Visitor(identity, csrf_token(secret))
