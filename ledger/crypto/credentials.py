"""The secrets of signing in: argon2id password hashes, random secrets and
their digests, API token texts, and the CSRF token of a session.

Only hashes and digests are ever stored: a password is hashed with argon2id
(argon2-cffi's defaults), a session id, invitation or token secret (256 bits
from `secrets`) is kept as its sha256 digest, which suffices for a secret
that random and lets a database row be found by it. Digests are compared in
constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from argon2 import PasswordHasher

SECRET_BYTES = 32  # 256 bits
TOKEN_PREFIX = "plaint_"  # noqa: S105 - how a token's text begins, not a secret
_CSRF_LABEL = b"plaint csrf token v1"


def new_secret() -> str:
    """A fresh 256-bit secret, URL-safe text."""
    return secrets.token_urlsafe(SECRET_BYTES)


def new_token_id() -> str:
    """A fresh token id: 16 hex digits, public (it names the token in lists)."""
    return secrets.token_hex(8)


def digest(secret: str) -> str:
    """The sha256 digest of a secret, as stored (hex)."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def same(a: str, b: str) -> bool:
    """Whether two digests are equal, compared in constant time."""
    return hmac.compare_digest(a.encode(), b.encode())


def token_text(token_id: str, secret: str) -> str:
    """An API token as its holder gets it: `plaint_<id>_<secret>`."""
    return f"{TOKEN_PREFIX}{token_id}_{secret}"


def token_id_of(text: str) -> str | None:
    """The id a token's text names, or None when it is not a plaint token."""
    if not text.startswith(TOKEN_PREFIX):
        return None
    token_id, _, secret = text.removeprefix(TOKEN_PREFIX).partition("_")
    return token_id if token_id and secret else None


def csrf_token(session_secret: str) -> str:
    """The CSRF token of a session: HMAC-SHA256 keyed with the session's
    secret over a fixed label. Only who holds the session's secret can make
    it, it reveals nothing of the secret, it is the same on every server, and
    it dies with the session."""
    key = session_secret.encode("utf-8", "surrogatepass")
    return hmac.new(key, _CSRF_LABEL, hashlib.sha256).hexdigest()


def csrf_matches(session_secret: str, given: str) -> bool:
    """Whether `given` is the session's CSRF token (constant time)."""
    return same(csrf_token(session_secret), given)


@cache
def _hasher() -> PasswordHasher:
    from argon2 import PasswordHasher  # when used: the CLI's start-up stays short

    # argon2id at OWASP's first recommended setting (19 MiB, 2 passes, one
    # lane): about 50 ms a try on a small server's core. The library's
    # default (64 MiB, 3 passes, 4 lanes) took half a second on two cores,
    # a cost every sign-in pays and an attacker makes the server pay at will.
    return PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


@cache
def _decoy() -> str:
    """A hash to verify against when the member has no password, so that an
    unknown name costs the same work as a wrong password."""
    return _hasher().hash(new_secret())


def hash_password(password: str) -> str:
    """The argon2id hash of a password (salted; the password is not kept)."""
    return _hasher().hash(password)


def password_matches(stored: str | None, password: str) -> bool:
    """Whether `password` matches the stored hash; with no hash, the same
    work is done and the answer is no."""
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return _hasher().verify(stored or _decoy(), password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False
