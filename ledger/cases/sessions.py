"""Use cases of signing in: password and single-sign-on sign-in, sessions,
sign-out, and the identity an API token proves.

Sign-ins and sign-outs are events (`SignIn`, `SignOut`, each an aggregate of
its own, like a read's record); a session is a row of the working state
(ledger/storage/state.py) found by its secret's digest, so that every server
sharing the ledger knows it, and a removed member's sessions and tokens stop
at once everywhere (membership is checked on every use).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from math import ceil
from typing import Any
from uuid import uuid4

from ledger.cases.credentials import CredentialCases
from ledger.crypto.credentials import (
    csrf_token,
    digest,
    new_secret,
    password_matches,
    same,
    token_id_of,
)
from ledger.domain.accounts import (
    ADDRESS_FAILURES,
    MEMBER_FAILURES,
    SIGN_IN_WINDOW,
    session_limits,
    tried_name,
)
from ledger.domain.identity import OIDC, PASSWORD, TOKEN_PREFIX, Identity
from ledger.domain.timeutil import format_duration, iso
from ledger.errors import NotSignedIn, Throttled
from ledger.storage.state import Session

# A session's last use is written at most this often (seconds): every
# request reads the session, and a write each time would cost more than the
# idle timeout's precision is worth.
TOUCH_EVERY = 60
WRONG = "the member name or the password is wrong"
# Whom a single sign-on refused before the provider named anyone.
UNNAMED = "(unknown)"


class SessionCases(CredentialCases):
    """Signing in and out, sessions, and API tokens' identities."""

    def sign_in(
        self, member: str, password: str, address: str | None
    ) -> dict[str, Any]:
        """Check a member's password and open a session: `{"session": the
        secret, shown once, "member", "expires", "csrf"}`. Failures are
        recorded and counted per member and per address; past the limits
        the answer is `Throttled`, for a while, not a lock for ever."""
        buckets = {
            f"sign-in member {member}": MEMBER_FAILURES,
            f"sign-in address {address}": ADDRESS_FAILURES,
        }
        now = self.clock().timestamp()
        for bucket, limit in buckets.items():
            hits, started = self.state.hits(bucket, now, SIGN_IN_WINDOW)
            if hits >= limit:
                wait = max(1, ceil(started + SIGN_IN_WINDOW - now))
                raise Throttled(
                    f"too many failed sign-ins; try again in {wait} seconds", wait
                )
        stored = self.team().passwords.get(member)
        if not password_matches(stored, password):
            for bucket in buckets:
                self.state.hit(bucket, now, SIGN_IN_WINDOW)
            self._attempt(member, "refused", PASSWORD, address, "wrong password")
            raise NotSignedIn(WRONG)
        self.state.clear(next(iter(buckets)))
        return self._open(member, PASSWORD, address)

    def sign_in_oidc(self, sub: str, address: str | None) -> dict[str, Any]:
        """Open a session for the member linked to a single-sign-on subject
        (whose ID token the service checked), as `sign_in` does."""
        try:
            member = self.member_for_oidc(sub)
        except NotSignedIn:
            self._attempt(sub, "refused", OIDC, address, "no member linked")
            raise
        return self._open(member, OIDC, address)

    def oidc_refused(self, reason: str, address: str | None) -> None:
        """Record a single sign-on the service refused before it knew who
        was signing in (the provider's answer failed a check): `reason` is
        the check, a short word, never a token or a secret."""
        self._attempt(UNNAMED, "refused", OIDC, address, reason)

    def consume_nonce(self, nonce: str, until: datetime) -> bool:
        """Whether an ID token's nonce is used for the first time, on every
        server sharing the ledger; it is remembered (as a digest) `until`
        the token would be refused anyway."""
        now = self.clock().timestamp()
        return self.state.use_nonce(digest(nonce), until.timestamp(), now)

    def login_state_key(self) -> bytes:
        """The key sealing a single sign-on under way in the browser's
        cookie: derived from the ledger's data key, so every server sharing
        the ledger has it and no client can make it."""
        return self.keyring.ledger_secret(b"plaint single sign-on login state")

    def _open(self, member: str, proof: str, address: str | None) -> dict[str, Any]:
        """Record the sign-in, then keep the session (so that no session
        exists without its record)."""
        self._attempt(member, "ok", proof, address, None)
        idle, most = session_limits(self.environ)
        secret, now = new_secret(), self.clock()
        moment = now.timestamp()
        joined = iso(self.team().joined[member])
        session = Session(member, proof, str(joined), moment, moment)
        self.state.open_session(digest(secret), session, moment - idle)
        return {"session": secret, "member": member, "csrf": csrf_token(secret),
                "expires": iso(now + timedelta(seconds=most))}  # fmt: skip

    def _attempt(
        self,
        member: str,
        outcome: str,
        proof: str,
        address: str | None,
        reason: str | None,
    ) -> None:
        from ledger.domain.audit import SignIn  # when used: see ledger/domain/audit.py

        name = tried_name(member)
        self._save(SignIn(
            id=uuid4(), member=name, outcome=outcome, proof=proof, address=address,
            reason=reason, actor=name, timestamp=self.clock(),
        ))  # fmt: skip

    def session_identity(self, secret: str, address: str | None) -> Identity:
        """Who a session's secret signs in, from `address`; `NotSignedIn` when
        the session is unknown, ended, idle or old past its limits, or its
        member has left the team since it began."""
        key = digest(secret)
        session = self.state.session(key)
        if session is None:
            raise NotSignedIn("not signed in, or the session ended; sign in again")
        idle, most = session_limits(self.environ)
        now = self.clock()
        moment = now.timestamp()
        joined = self.team().joined.get(session.member)
        # Compared for equality, not order: servers' clocks may differ.
        # Idle first: a session both idle and old ended when it went idle.
        if moment - session.seen > idle:
            self.state.end_session(key)
            raise NotSignedIn(
                f"the session timed out: it was not used for {format_duration(idle)}"
                "; sign in again"
            )
        if moment - session.created > most:
            self.state.end_session(key)
            raise NotSignedIn(
                f"the session timed out: sessions last at most {format_duration(most)}"
                "; sign in again"
            )
        if joined is None or iso(joined) != session.joined:
            self.state.end_session(key)
            raise NotSignedIn(f"{session.member} is no longer a member of the team")
        if moment - session.seen >= TOUCH_EVERY:
            self.state.touch_session(key, moment)
        return Identity(session.member, session.proof, address)

    def sign_out(self, secret: str, address: str | None = None) -> None:
        """End the session and record it; an unknown or ended session is
        already signed out (nothing recorded)."""
        session = self.state.end_session(digest(secret))
        if session is None:
            return
        from ledger.domain.audit import SignOut  # when used: see ledger/domain/audit.py

        self._save(SignOut(
            id=uuid4(), member=session.member, proof=session.proof, address=address,
            actor=session.member, timestamp=self.clock(),
        ))  # fmt: skip

    def token_identity(self, token: str, address: str | None) -> tuple[Identity, str]:
        """Who an API token acts as, from `address`, and its scope;
        `NotSignedIn` when it is unknown, revoked or expired (a removed
        member's tokens went with them)."""
        token_id = token_id_of(token)
        found = None if token_id is None else self.team().tokens.get(token_id)
        if found is None or not same(found["digest"], digest(token)):
            raise NotSignedIn("the API token is unknown or was revoked")
        if found["expires"] is not None and found["expires"] <= self.clock():
            raise NotSignedIn(f"the API token expired at {iso(found['expires'])}")
        identity = Identity(found["member"], TOKEN_PREFIX + str(token_id), address)
        return identity, str(found["scope"])
