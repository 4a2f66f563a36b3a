"""Single sign-on: an OpenID Connect relying party (code flow with PKCE) on Authlib.

Framework-free: `begin()` gives the address to send the browser to and the
`LoginState` the server keeps; `finish()` takes the query of the browser's return
to `<public-url>/login/oidc/callback` and that state, and gives the `Claims` of
the signed-in person or raises `SignInRefused` with a sentence for the page.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

import httpx
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from ledger.domain.timeutil import Clock, system_clock
from service.oidc_provider import LEEWAY, Provider
from service.oidc_settings import CALLBACK_PATH, OidcSettings
from service.oidc_state import Claims, LoginState, NonceStore, SignInRefused

__all__ = [
    "CALLBACK_PATH",
    "Claims",
    "LoginState",
    "NonceStore",
    "OidcClient",
    "OidcSettings",
    "SignInRefused",
]

log = logging.getLogger(__name__)

SCOPE = "openid email"
LOGIN_TIMEOUT = timedelta(minutes=10)


class OidcClient:
    """The relying party for one provider; one per process, shared by requests."""

    def __init__(
        self,
        settings: OidcSettings,
        nonces: NonceStore,
        *,
        http: httpx.Client | None = None,
        clock: Clock = system_clock,
    ) -> None:
        self.settings = settings
        self._nonces = nonces
        self._owned = http is None
        self._http = httpx.Client(timeout=10.0) if http is None else http
        self._provider = Provider(settings, self._http)
        self._clock = clock

    def close(self) -> None:
        """Close the HTTP client, if this relying party made it."""
        if self._owned:
            self._http.close()

    def begin(self) -> tuple[str, LoginState]:
        """The provider's address to redirect to, and the state to keep."""
        login = LoginState(
            state=secrets.token_urlsafe(32),
            nonce=secrets.token_urlsafe(32),
            code_verifier=secrets.token_urlsafe(48),
            created=self._clock(),
        )
        try:
            endpoint = self._provider.metadata["authorization_endpoint"]
        except SignInRefused as refused:
            log.warning("single sign-on refused: %s", refused.reason)
            raise
        url = prepare_grant_uri(
            endpoint,
            self.settings.client_id,
            "code",
            redirect_uri=self.settings.redirect_uri,
            scope=SCOPE,
            state=login.state,
            code_challenge=create_s256_code_challenge(login.code_verifier),
            code_challenge_method="S256",
            nonce=login.nonce,
        )
        return str(url), login

    def finish(self, params: Mapping[str, str], login: LoginState | None) -> Claims:
        """The claims of a sign-in the provider vouched for: checked, used once.

        `params` is the query of the return to the callback; `login` the state
        `begin()` gave, or None when the browser came back without it.
        """
        try:
            return self._finish(params, login)
        except SignInRefused as refused:
            log.warning("single sign-on refused: %s", refused.reason)
            raise

    def _finish(self, params: Mapping[str, str], login: LoginState | None) -> Claims:
        # An error ends the sign-in whatever its state (some providers send none),
        # and a forged one can do no more than that.
        if params.get("error"):
            raise SignInRefused("provider", params["error"])
        returned = params.get("state", "").encode()
        if login is None or not secrets.compare_digest(returned, login.state.encode()):
            raise SignInRefused("state")
        # RFC 9207: a provider that names itself must be ours (mix-up attacks).
        if "iss" in params and params["iss"] != self.settings.issuer:
            raise SignInRefused("issuer")
        now = self._clock()
        if now - login.created > LOGIN_TIMEOUT:
            raise SignInRefused("stale")
        if not params.get("code"):
            raise SignInRefused("code")
        tokens = self._provider.redeem(params["code"], login.code_verifier)
        claims = self._provider.id_token_claims(
            tokens, login.nonce, int(now.timestamp())
        )
        # Last, so that only a token accepted in every other way uses the nonce up.
        until = datetime.fromtimestamp(claims["exp"], UTC) + LEEWAY
        if not self._nonces.consume_nonce(login.nonce, until):
            raise SignInRefused("replay")
        email = claims.get("email")
        return Claims(
            subject=claims["sub"],
            issuer=claims["iss"],
            email=email if isinstance(email, str) else None,
            email_verified=claims.get("email_verified") is True,
        )
