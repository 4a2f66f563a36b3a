"""An OpenID provider that can be told to misbehave, for the relying party's tests.

Run as `python provider.py CLIENT_ID CLIENT_SECRET`; it prints its port and
serves until killed. Each first path segment is an issuer of its own and names
how that issuer behaves: `http://127.0.0.1:PORT/good` is an honest provider,
`…/wrong-audience` issues ID tokens for another client, and so on (`MODES`).
Sign-in is granted at once to `alice` (no form); PKCE S256 and the client's
secret are enforced, as a strict provider would.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import OctKey, RSAKey

MODES = {
    "good": "an honest provider",
    "post-only": "an honest provider that takes the client secret in the body only",
    "wrong-audience": "ID tokens for another client",
    "wrong-audience-azp": "ID tokens for another client, naming us as azp",
    "several-audiences": "ID tokens for us and another client, without azp",
    "bad-signature": "ID tokens signed by a key other than its published one",
    "unknown-key": "ID tokens signed by a key whose id it never published",
    "symmetric": "ID tokens signed with HS256 under a key its JWKS publishes",
    "wrong-issuer": "ID tokens naming another issuer",
    "expired": "ID tokens that expired ten minutes ago",
    "future": "ID tokens issued an hour from now",
    "wrong-nonce": "ID tokens with a nonce other than the one asked for",
    "no-nonce": "ID tokens without a nonce",
    "replay": "the same tokens every time a code is redeemed (codes reusable)",
    "foreign-discovery": "discovery naming an issuer other than its address",
}
SUBJECT = "alice"
KEY = RSAKey.generate_key(2048, parameters={"kid": "k1"})
IMPOSTOR = RSAKey.generate_key(2048, parameters={"kid": "k1"})
STRANGER = RSAKey.generate_key(2048, parameters={"kid": "k2"})
# A symmetric key in a JWKS is one anybody can sign with: the attack it stands for.
SHARED = OctKey.generate_key(256, parameters={"kid": "k-hs"})


class Provider(ThreadingHTTPServer):
    """Its codes, each with the authorization request it answers."""

    def __init__(self, client_id: str, client_secret: str) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.client_id = client_id
        self.client_secret = client_secret
        self.codes: dict[str, dict[str, str]] = {}
        self.answers: dict[str, bytes] = {}


class Handler(BaseHTTPRequestHandler):
    """One request to one issuer, chosen by the first path segment."""

    server: Provider

    def log_message(self, format: str, *args: Any) -> None:
        sys.stderr.write(f"provider: {format % args}\n")

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/{self.mode}"

    def route(self) -> tuple[str, str, dict[str, str]]:
        parts = urlsplit(self.path)
        self.mode, _, endpoint = parts.path.lstrip("/").partition("/")
        query = {name: values[0] for name, values in parse_qs(parts.query).items()}
        return self.mode, endpoint, query

    def do_GET(self) -> None:
        mode, endpoint, query = self.route()
        if mode not in MODES:
            self.answer(404, {"error": "not_found"})
        elif endpoint == ".well-known/openid-configuration":
            self.answer(200, self.discovery())
        elif endpoint == "jwks":
            keys = [KEY.as_dict(private=False)]
            if mode == "symmetric":
                keys.append(SHARED.as_dict())
            self.answer(200, {"keys": keys})
        elif endpoint == "authorize":
            self.authorize(query)
        else:
            self.answer(404, {"error": "not_found"})

    def do_POST(self) -> None:
        mode, endpoint, _ = self.route()
        length = int(self.headers.get("Content-Length", "0"))
        form = parse_qs(self.rfile.read(length).decode())
        if mode in MODES and endpoint == "token":
            self.token({name: values[0] for name, values in form.items()})
        else:
            self.answer(404, {"error": "not_found"})

    def discovery(self) -> dict[str, Any]:
        post = self.mode == "post-only"
        methods = ["client_secret_post" if post else "client_secret_basic"]
        algorithms = ["HS256", "RS256"] if self.mode == "symmetric" else ["RS256"]
        issuer = self.issuer
        return {
            "issuer": issuer + "/other" if self.mode == "foreign-discovery" else issuer,
            "authorization_endpoint": f"{issuer}/authorize",
            "token_endpoint": f"{issuer}/token",
            "jwks_uri": f"{issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": algorithms,
            "token_endpoint_auth_methods_supported": methods,
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": ["openid", "email"],
        }

    def authorize(self, query: dict[str, str]) -> None:
        client_id = query.get("client_id")
        if client_id != self.server.client_id or "redirect_uri" not in query:
            self.answer(400, {"error": "invalid_client"})
            return
        back = {"state": query.get("state", ""), "iss": self.issuer}
        if (
            query.get("response_type") != "code"
            or "openid" not in query.get("scope", "").split()
            or query.get("code_challenge_method") != "S256"
            or not query.get("code_challenge")
        ):
            back["error"] = "invalid_request"
        else:
            back["code"] = code = secrets.token_urlsafe(16)
            self.server.codes[code] = query
        self.send_response(302)
        self.send_header("Location", f"{query['redirect_uri']}?{urlencode(back)}")
        self.end_headers()

    def token(self, form: dict[str, str]) -> None:
        if not self.client_authenticated(form):
            self.answer(401, {"error": "invalid_client"})
            return
        code = form.get("code", "")
        if self.mode == "replay" and code in self.server.answers:
            self.answer_raw(200, self.server.answers[code])
            return
        asked = self.server.codes.pop(code, None)
        if (
            asked is None
            or form.get("grant_type") != "authorization_code"
            or form.get("redirect_uri") != asked["redirect_uri"]
            or _s256(form.get("code_verifier", "")) != asked["code_challenge"]
        ):
            self.answer(400, {"error": "invalid_grant"})
            return
        access = secrets.token_urlsafe(24)
        body = json.dumps(
            {
                "access_token": access,
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": self.id_token(asked, access),
            }
        ).encode()
        if self.mode == "replay":
            self.server.codes[code] = asked
            self.server.answers[code] = body
        self.answer_raw(200, body)

    def client_authenticated(self, form: dict[str, str]) -> bool:
        if self.mode == "post-only":
            given = (form.get("client_id"), form.get("client_secret"))
        else:
            scheme, _, encoded = self.headers.get("Authorization", "").partition(" ")
            if scheme != "Basic":
                return False
            given = tuple(base64.b64decode(encoded).decode().split(":", 1))
        return given == (self.server.client_id, self.server.client_secret)

    def id_token(self, asked: dict[str, str], access: str) -> str:
        now = int(time.time())
        mode = self.mode
        claims: dict[str, Any] = {
            "iss": self.issuer + "/other" if mode == "wrong-issuer" else self.issuer,
            "sub": SUBJECT,
            "aud": self.server.client_id,
            "iat": now,
            "exp": now + 300,
            "nonce": asked.get("nonce", ""),
            "email": "alice@example.org",
            "email_verified": True,
            "at_hash": _half_hash(access),
        }
        if mode == "wrong-audience":
            claims["aud"] = "someone-else"
        elif mode == "wrong-audience-azp":
            claims.update(aud="someone-else", azp=self.server.client_id)
        elif mode == "several-audiences":
            claims["aud"] = [self.server.client_id, "someone-else"]
        elif mode == "expired":
            claims.update(iat=now - 1200, exp=now - 600)
        elif mode == "future":
            claims.update(iat=now + 3600, exp=now + 7200)
        elif mode == "wrong-nonce":
            claims["nonce"] = secrets.token_urlsafe(16)
        elif mode == "no-nonce":
            del claims["nonce"]
        if mode == "symmetric":
            return jwt.encode({"alg": "HS256", "kid": "k-hs"}, claims, SHARED)
        key = {"bad-signature": IMPOSTOR, "unknown-key": STRANGER}.get(mode, KEY)
        return jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)

    def answer(self, status: int, body: dict[str, Any]) -> None:
        self.answer_raw(status, json.dumps(body).encode())

    def answer_raw(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _s256(text: str) -> str:
    digest = hashlib.sha256(text.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _half_hash(text: str) -> str:
    """The `at_hash` of an access token under RS256 (OpenID Connect Core 3.1.3.6)."""
    digest = hashlib.sha256(text.encode()).digest()[:16]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def main() -> None:
    client_id, client_secret = sys.argv[1:3]
    provider = Provider(client_id, client_secret)
    print(provider.server_address[1], flush=True)
    provider.serve_forever()


if __name__ == "__main__":
    main()
