"""What single sign-on hands the server: state to keep, used nonces, the outcome."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class LoginState:
    """One sign-in under way: kept by the server (encrypted cookie or database).

    `state` travels through the browser; `nonce` and `code_verifier` must not be
    readable by it, so a cookie holding this must be encrypted, not only signed.
    """

    state: str
    nonce: str = field(repr=False)
    code_verifier: str = field(repr=False)
    created: datetime

    def as_dict(self) -> dict[str, str]:
        """Plain strings, for a cookie or a row."""
        return {
            "state": self.state,
            "nonce": self.nonce,
            "code_verifier": self.code_verifier,
            "created": self.created.isoformat(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> LoginState | None:
        """The state `as_dict` gave, or None when it is damaged or incomplete."""
        values = [data.get(name) for name in ("state", "nonce", "code_verifier")]
        created = data.get("created")
        if not all(isinstance(value, str) and value for value in values):
            return None
        if not isinstance(created, str):
            return None
        try:
            when = datetime.fromisoformat(created)
        except ValueError:
            return None
        if when.tzinfo is None:
            return None
        state, nonce, verifier = (str(value) for value in values)
        return cls(state=state, nonce=nonce, code_verifier=verifier, created=when)


class NonceStore(Protocol):
    """Remembers every nonce an accepted ID token carried, across all servers.

    The service backs it with the ledger's database (one row per nonce, keyed by
    its SHA-256, inserted with "on conflict do nothing") so that a token replayed
    to another `plaint serve` process is refused there too.
    """

    def consume_nonce(self, nonce: str, until: datetime) -> bool:
        """True the first time `nonce` is seen; False for every later time.

        `until` is when the ID token carrying it stops being accepted anyway:
        the row may be deleted after it.
        """
        ...


@dataclass(frozen=True)
class Claims:
    """Who the provider says signed in: `issuer` and `subject` identify them."""

    subject: str
    issuer: str
    email: str | None
    email_verified: bool


SENTENCES = {
    "state": "This sign-in does not match the one your browser started; "
    "please sign in again.",
    "stale": "This sign-in took too long; please sign in again.",
    "provider": "The sign-in provider did not sign you in ({detail}).",
    "code": "The sign-in provider sent no sign-in code back; please sign in again.",
    "network": "The sign-in provider could not be reached; please try again later.",
    "setup": "The sign-in provider answered in a way plaint cannot use; "
    "please tell your administrator.",
    "token": "The sign-in provider refused to complete the sign-in ({detail}); "
    "please sign in again.",
    "signature": "The sign-in provider's ID token has no valid signature.",
    "issuer": "The sign-in provider's ID token names another issuer.",
    "audience": "The sign-in provider's ID token was issued to another application.",
    "expired": "The sign-in provider's ID token has expired; please sign in again.",
    "future": "The sign-in provider's ID token is dated in the future; "
    "check the server's clock.",
    "claims": "The sign-in provider's ID token lacks a claim or has an invalid one.",
    "nonce": "The sign-in provider's ID token belongs to another sign-in; "
    "please sign in again.",
    "replay": "This sign-in was already used; please sign in again.",
}


class SignInRefused(Exception):
    """Single sign-on failed; `sentence` is for the person, `reason` for the log.

    `reason` is one of the keys of `SENTENCES`, short enough for an audit event.
    """

    def __init__(self, reason: str, detail: str = "") -> None:
        # A provider's error code is shown only when it looks like one, so that
        # nothing it sends can put text of its choosing on our page.
        shown = detail if re.fullmatch(r"[a-z_]{1,64}", detail) else "unknown error"
        self.reason = reason
        self.sentence = SENTENCES[reason].format(detail=shown)
        super().__init__(self.sentence)
