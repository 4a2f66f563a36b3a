"""Single sign-on's pages: `/login/oidc` sends the browser to the provider,
`/login/oidc/callback` takes it back and opens a session.

Included only when PLAINT_OIDC_ISSUER is set. The sign-in under way lives in
a sealed cookie (service/sso_cookie.py) sent to these two paths only; the
nonces the provider's ID tokens carried are kept in the ledger's database,
so that a token replayed to any server sharing the ledger is refused.
"""

from __future__ import annotations

import threading
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from ledger.errors import LedgerError
from service.auth import address
from service.errors import retry_after, status_of
from service.oidc import CALLBACK_PATH, OidcClient, OidcSettings, SignInRefused
from service.pages import login_page, signed_in
from service.served import Served, served
from service.sso_cookie import seal, unseal

router = APIRouter(include_in_schema=False)
START_PATH = "/login/oidc"
# As long as `OidcClient.finish` accepts the sign-in (its LOGIN_TIMEOUT).
COOKIE_AGE = 600
# The browser's mistakes or a stale sign-in; an unreachable or confused
# provider; anything else is a token that failed a check.
MISTAKES = {"state": 400, "stale": 400, "code": 400, "provider": 400}
PROVIDER_FAULTS = {"network": 502, "setup": 502}


class LedgerNonces:
    """The ledger's nonce store (`consume_nonce`), under the server's lock."""

    def __init__(self, served: Served) -> None:
        self._served = served

    def consume_nonce(self, nonce: str, until: datetime) -> bool:
        """True the first time any server sharing the ledger sees `nonce`."""
        return self._served.unsigned(lambda ledger: ledger.consume_nonce(nonce, until))


class SingleSignOn:
    """The process's relying party and the key of its login-state cookie."""

    def __init__(self, settings: OidcSettings, served: Served) -> None:
        self.settings = settings
        self.client = OidcClient(settings, LedgerNonces(served), clock=served.clock)
        self._served = served
        self._key: bytes | None = None
        self._made = threading.Lock()

    def key(self) -> bytes:
        """The cookie's key, derived by the ledger once per process."""
        with self._made:
            if self._key is None:
                self._key = self._served.unsigned(
                    lambda ledger: ledger.login_state_key()
                )
            return self._key

    def close(self) -> None:
        """Close the relying party's HTTP client."""
        self.client.close()


def single_sign_on(request: Request) -> SingleSignOn:
    """The app's single sign-on (this router is included only with one)."""
    found: SingleSignOn = request.app.state.sso
    return found


def cookie(request: Request) -> str:
    """The login state's cookie name: `__Secure-` whenever cookies are."""
    secure = served(request).secure
    return "__Secure-plaint-oidc" if secure else "plaint-oidc"


@router.get(START_PATH)
def begin(request: Request) -> Response:
    """To the provider, remembering the sign-in in a sealed cookie."""
    sso = single_sign_on(request)
    try:
        url, login = sso.client.begin()
    except SignInRefused as refusal:
        return _refused(request, refusal)
    answer = RedirectResponse(url, status_code=303)
    # Lax, not Strict: the provider sends the browser back with a
    # cross-site top-level GET, which must carry the cookie.
    answer.set_cookie(
        cookie(request), seal(sso.key(), login), max_age=COOKIE_AGE,
        path=START_PATH, httponly=True, secure=served(request).secure,
        samesite="lax",
    )  # fmt: skip
    return answer


@router.get(CALLBACK_PATH)
def finish(request: Request) -> Response:
    """Back from the provider: check its answer, open a session, go to `/`."""
    sso = single_sign_on(request)
    login = unseal(sso.key(), request.cookies.get(cookie(request), ""))
    where = address(request)
    try:
        claims = sso.client.finish(dict(request.query_params), login)
        opened = served(request).unsigned(
            lambda ledger: ledger.sign_in_oidc(claims.subject, where)
        )
    except SignInRefused as refusal:
        answer = _refused(request, refusal)
    except LedgerError as error:
        # sign_in_oidc recorded the refusal (no member linked, say).
        answer = login_page(request, status_of(error), str(error))
        answer.headers.update(retry_after(error))
    else:
        answer = signed_in(request, opened)
    # Used or refused, this sign-in is over: a new one starts at /login/oidc.
    answer.delete_cookie(
        cookie(request), path=START_PATH, secure=served(request).secure,
        httponly=True, samesite="lax",
    )  # fmt: skip
    return answer


def _refused(request: Request, refusal: SignInRefused) -> Response:
    where = address(request)
    served(request).unsigned(lambda ledger: ledger.oidc_refused(refusal.reason, where))
    status = MISTAKES.get(refusal.reason) or PROVIDER_FAULTS.get(refusal.reason, 403)
    return login_page(request, status, refusal.sentence)
