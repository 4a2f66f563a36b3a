"""Who is asking: an API token (`Authorization: Bearer`) or a session cookie,
checked by the ledger's sign-in use cases; and each state-changing request
with a session carries its CSRF token.

The CSRF token is the ledger's (`csrf_token`, ledger/crypto/credentials.py:
HMAC-SHA256 keyed with the session's secret over a fixed label), the same on
every server and dead with its session; only who holds the session cookie,
which scripts cannot read, can make it. It goes in the `X-CSRF-Token`
header, or in a page's form as the `csrf` field.

A token's scope limits what its member's role allows: `intake` files
complaints, `read` reads, `act` does everything the role allows. Sessions are
limited by the role alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Request

from ledger.crypto.credentials import csrf_matches
from ledger.domain.identity import Identity
from ledger.errors import NotSignedIn, PermissionDenied
from service.served import served

# What an endpoint needs, and which token scopes give it.
FILE, READ, ACT = "file complaints", "read", "act on complaints"
SCOPES = {"intake": (FILE,), "read": (READ,), "act": (FILE, READ, ACT)}
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
NOT_SIGNED_IN = (
    "not signed in: sign in at /login, or send `Authorization: Bearer TOKEN` "
    "with a token from `plaint token create`"
)


@dataclass(frozen=True)
class Caller:
    """Who asks, as sign-in proved it, and their token's scope (None for a
    session)."""

    identity: Identity
    scope: str | None = None


def cookie_name(request: Request) -> str:
    """The session cookie's name: `__Host-` (bound to this host, https, path
    /) but on a loopback address, where it cannot be `Secure`."""
    return "__Host-plaint-session" if served(request).secure else "plaint-session"


def address(request: Request) -> str | None:
    """The client's address (the proxy's, unless `--forwarded-allow-ips`)."""
    return None if request.client is None else request.client.host


def caller(need: str) -> Callable[[Request], Caller]:
    """The dependency of an endpoint that needs `need` (FILE, READ or ACT)."""

    def signed_in(request: Request) -> Caller:
        header = request.headers.get("authorization")
        if header is not None:
            return _bearer(request, header, need)
        return session_caller(request, request.headers.get("x-csrf-token", ""))

    return signed_in


def session_caller(request: Request, csrf: str) -> Caller:
    """The member whose session cookie came with the request; a request that
    changes state must carry the session's CSRF token (`csrf`: the header's,
    or a page's form field)."""
    secret = request.cookies.get(cookie_name(request))
    if not secret:
        raise NotSignedIn(NOT_SIGNED_IN)
    where = address(request)
    identity = served(request).unsigned(
        lambda ledger: ledger.session_identity(secret, where)
    )
    if request.method not in SAFE_METHODS and not csrf_matches(secret, csrf):
        raise PermissionDenied(
            "the request's CSRF token is missing or wrong: send the "
            "session's token in X-CSRF-Token (reload the page for a form)"
        )
    return Caller(identity)


def _bearer(request: Request, header: str, need: str) -> Caller:
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotSignedIn(NOT_SIGNED_IN)
    where = address(request)
    identity, scope = served(request).unsigned(
        lambda ledger: ledger.token_identity(token.strip(), where)
    )
    if need not in SCOPES.get(scope, ()):
        raise PermissionDenied(
            f"this token's scope is {scope}, which may not {need}: create a "
            "token with the scope it needs (`plaint token create --scope`)"
        )
    return Caller(identity, scope)
