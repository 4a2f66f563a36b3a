"""A single sign-on under way, kept in the browser sealed with AES-GCM.

The `LoginState` holds the nonce and the PKCE verifier, which the browser
must not read, and which nobody may forge: so the cookie is encrypted and
authenticated, not only signed. The key is the ledger's (`login_state_key`,
derived from its data key), the same on every server sharing the ledger.
"""

from __future__ import annotations

import base64
import binascii
import json
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from service.oidc import LoginState

# Bound into each seal, so that a value sealed for another purpose with the
# same key is never taken for a login state.
PURPOSE = b"plaint-oidc-login-state"
NONCE_BYTES = 12


def seal(key: bytes, login: LoginState) -> str:
    """The login state as a cookie value: nonce and ciphertext, base64url."""
    nonce = os.urandom(NONCE_BYTES)
    plain = json.dumps(login.as_dict()).encode()
    sealed = nonce + AESGCM(key).encrypt(nonce, plain, PURPOSE)
    return base64.urlsafe_b64encode(sealed).decode().rstrip("=")


def unseal(key: bytes, value: str) -> LoginState | None:
    """The login state `seal` gave, or None when the value is missing,
    damaged, forged or sealed under another key."""
    try:
        sealed = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        return None
    if len(sealed) <= NONCE_BYTES:
        return None
    nonce, ciphertext = sealed[:NONCE_BYTES], sealed[NONCE_BYTES:]
    try:
        plain = AESGCM(key).decrypt(nonce, ciphertext, PURPOSE)
        data = json.loads(plain)
    except (InvalidTag, ValueError):
        return None
    return LoginState.from_dict(data) if isinstance(data, dict) else None
