"""Single sign-on's configuration, read from the PLAINT_OIDC_* environment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import httpx
from authlib.common.security import is_secure_transport

from ledger.errors import InvalidInput

CALLBACK_PATH = "/login/oidc/callback"


@dataclass(frozen=True)
class OidcSettings:
    """The relying party's configuration; the secret is kept out of its repr."""

    issuer: str
    client_id: str
    client_secret: str = field(repr=False)
    redirect_uri: str
    name: str

    @property
    def button(self) -> str:
        """The label of the sign-in button."""
        return f"Sign in with {self.name}"

    @classmethod
    def from_environ(
        cls, environ: Mapping[str, str], public_url: str
    ) -> OidcSettings | None:
        """Settings from PLAINT_OIDC_*; None when PLAINT_OIDC_ISSUER is unset.

        The provider redirects back to `<public_url>/login/oidc/callback`, the
        address to register with it.
        """
        issuer = environ.get("PLAINT_OIDC_ISSUER", "").strip()
        if not issuer:
            return None
        names = ("PLAINT_OIDC_CLIENT_ID", "PLAINT_OIDC_CLIENT_SECRET")
        missing = [name for name in names if not environ.get(name, "").strip()]
        if missing:
            raise InvalidInput(
                f"{' and '.join(missing)} must be set when PLAINT_OIDC_ISSUER is."
            )
        # Authlib's own rule: https, or http on a loopback address only.
        if not is_secure_transport(issuer) or "?" in issuer or "#" in issuer:
            raise InvalidInput(
                "PLAINT_OIDC_ISSUER must be an https:// address without a query "
                "(http:// only on a loopback address)."
            )
        return cls(
            issuer=issuer,
            client_id=environ["PLAINT_OIDC_CLIENT_ID"].strip(),
            client_secret=environ["PLAINT_OIDC_CLIENT_SECRET"].strip(),
            redirect_uri=public_url.rstrip("/") + CALLBACK_PATH,
            name=environ.get("PLAINT_OIDC_NAME", "").strip() or httpx.URL(issuer).host,
        )
