"""One OpenID provider as the relying party sees it: metadata, code, keys, ID token."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import Any, cast

import httpx
from authlib.oauth2.auth import ClientAuth
from authlib.oauth2.rfc6749.parameters import prepare_token_request
from authlib.oidc.core import CodeIDToken
from authlib.oidc.discovery import OpenIDProviderMetadata
from joserfc import jwt
from joserfc.errors import (
    ClaimError,
    ExpiredTokenError,
    InvalidKeyIdError,
    JoseError,
    MissingClaimError,
)
from joserfc.jwk import KeySet, KeySetSerialization

from service.oidc_settings import OidcSettings
from service.oidc_state import SignInRefused

log = logging.getLogger(__name__)

LEEWAY = timedelta(seconds=60)
# Only the provider's own keys may sign: no "none", no HMAC keyed with our secret.
_RSA = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512")
SIGNING_ALGORITHMS = frozenset((*_RSA, "ES256", "ES384", "ES512", "EdDSA"))
_CLAIM_REASONS = {
    "iss": "issuer",
    "aud": "audience",
    "azp": "audience",
    "exp": "expired",
    "iat": "future",
    "nbf": "future",
    "nonce": "nonce",
}
# A missing claim is a malformed token, except these, which name the problem.
_MISSING_REASONS = {"azp": "audience", "nonce": "nonce"}


class Provider:
    """The provider of `settings.issuer`, reached over `http`.

    Its metadata and keys are fetched on first use and cached; two threads
    fetching at once only fetch twice, so no lock is needed.
    """

    def __init__(self, settings: OidcSettings, http: httpx.Client) -> None:
        self.settings = settings
        self._http = http
        self._metadata: dict[str, Any] | None = None
        self._keys: KeySet | None = None

    @property
    def metadata(self) -> dict[str, Any]:
        """The provider's discovery document, checked."""
        if self._metadata is None:
            issuer = self.settings.issuer
            url = issuer.rstrip("/") + "/.well-known/openid-configuration"
            status, data = self._request("GET", url)
            metadata = OpenIDProviderMetadata(data)
            try:
                metadata.validate()
            except ValueError:
                raise SignInRefused("setup") from None
            endpoints = ("authorization_endpoint", "token_endpoint", "jwks_uri")
            # OpenID Connect Discovery 4.3: the document names its own issuer.
            if (
                status != 200
                or metadata.get("issuer") != issuer
                or not all(isinstance(metadata.get(name), str) for name in endpoints)
            ):
                raise SignInRefused("setup")
            self._metadata = dict(metadata)
        return self._metadata

    def redeem(self, code: str, code_verifier: str) -> dict[str, Any]:
        """The token response for an authorization code (with an `id_token`)."""
        settings, metadata = self.settings, self.metadata
        methods = metadata.get("token_endpoint_auth_methods_supported") or [
            "client_secret_basic"
        ]
        preferred = ("client_secret_basic", "client_secret_post")
        method = next((name for name in preferred if name in methods), None)
        if method is None:
            raise SignInRefused("setup")
        body = prepare_token_request(
            "authorization_code",
            code=code,
            redirect_uri=settings.redirect_uri,
            code_verifier=code_verifier,
        )
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
        }
        client = ClientAuth(settings.client_id, settings.client_secret, method)
        url, headers, body = client.prepare(
            "POST", metadata["token_endpoint"], headers, body
        )
        status, tokens = self._request("POST", url, headers=headers, content=body)
        if status != 200:
            raise SignInRefused("token", str(tokens.get("error", "")))
        if not isinstance(tokens.get("id_token"), str):
            raise SignInRefused("setup")
        return tokens

    def id_token_claims(
        self, tokens: Mapping[str, Any], nonce: str, now: int
    ) -> dict[str, Any]:
        """The ID token's claims once its signature and claims are checked."""
        offered = self.metadata.get("id_token_signing_alg_values_supported")
        algorithms = [a for a in offered or ["RS256"] if a in SIGNING_ALGORITHMS]
        if not algorithms:
            raise SignInRefused("setup")
        try:
            try:
                token = jwt.decode(tokens["id_token"], self._key_set(), algorithms)
            except InvalidKeyIdError:
                # The provider may have rotated its keys since we fetched them.
                self._keys = None
                token = jwt.decode(tokens["id_token"], self._key_set(), algorithms)
        except JoseError:
            raise SignInRefused("signature") from None
        client_id = self.settings.client_id
        claims = CodeIDToken(
            token.claims,
            token.header,
            {
                "iss": {"essential": True, "value": self.settings.issuer},
                "sub": {"essential": True},
                "aud": {"essential": True, "value": client_id},
                "nonce": {"essential": True, "value": nonce},
            },
            # Authlib's own checks: azp when several audiences, nonce, at_hash.
            {
                "client_id": client_id,
                "nonce": nonce,
                "access_token": tokens.get("access_token"),
            },
        )
        try:
            claims.validate(now=now, leeway=int(LEEWAY.total_seconds()))
        except ExpiredTokenError:
            raise SignInRefused("expired") from None
        except MissingClaimError as error:
            raise SignInRefused(_MISSING_REASONS.get(error.claim, "claims")) from None
        except ClaimError as error:
            raise SignInRefused(_CLAIM_REASONS.get(error.claim, "claims")) from None
        return dict(claims)

    def _key_set(self) -> KeySet:
        if self._keys is None:
            status, data = self._request("GET", self.metadata["jwks_uri"])
            try:
                if status != 200:
                    raise ValueError(status)
                # joserfc checks the shape; a bad one raises, caught below.
                self._keys = KeySet.import_key_set(cast(KeySetSerialization, data))
            except (JoseError, ValueError, TypeError, KeyError):
                raise SignInRefused("setup") from None
        return self._keys

    def _request(
        self, method: str, url: str, **options: Any
    ) -> tuple[int, dict[str, Any]]:
        """Status and JSON object of one call to the provider."""
        try:
            response = self._http.request(method, url, **options)
        except httpx.HTTPError as error:
            log.warning("sign-in provider unreachable: %s", type(error).__name__)
            raise SignInRefused("network") from None
        if response.status_code >= 500:
            raise SignInRefused("network")
        try:
            data = response.json()
        except ValueError:
            raise SignInRefused("setup") from None
        if not isinstance(data, dict):
            raise SignInRefused("setup")
        return response.status_code, data
