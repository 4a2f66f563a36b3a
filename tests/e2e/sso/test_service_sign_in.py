"""Single sign-on through `plaint serve`, a real provider and a browser's steps."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlsplit

from tests.conftest import Plaint, error_line
from tests.e2e.sso.conftest import CLIENT_SECRET, sign_ins, to_the_provider_and_back
from tests.service.conftest import Server

SsoServer = Callable[..., Server]
LOGIN_STATE = "plaint-oidc"


def test_a_linked_member_signs_in_through_the_provider_and_then_uses_the_api(
    plaint: Plaint, sso_server: SsoServer, mock_provider: str
) -> None:
    plaint.ok("team", "link", "lee", "--oidc-subject", "lee@example.org")
    server = sso_server(mock_provider)
    browser = server.client()
    assert '<a href="/login/oidc">Sign in with Example SSO</a>' in (
        browser.get("/login").text
    )

    back = browser.get(to_the_provider_and_back(browser, "lee@example.org"))

    assert (back.status_code, back.headers["location"]) == (303, "/")
    assert LOGIN_STATE not in browser.cookies
    secret = browser.cookies["plaint-session"]
    assert browser.get("/api/v1/complaints").status_code == 200
    assert "lee" in browser.get("/").text
    assert sign_ins(plaint) == [("lee", "ok", "oidc", None)]
    log = server.log.read_text()
    assert CLIENT_SECRET not in log
    assert secret not in log


def test_a_subject_linked_to_no_member_is_refused_and_the_refusal_recorded(
    plaint: Plaint, sso_server: SsoServer, mock_provider: str
) -> None:
    server = sso_server(mock_provider)
    browser = server.client()

    back = browser.get(to_the_provider_and_back(browser, "stranger@example.org"))

    assert back.status_code == 401
    assert (
        "no member is linked to this single-sign-on identity; an admin can link "
        "it with `plaint team link NAME --oidc-subject SUB`" in back.text
    )
    assert "plaint-session" not in browser.cookies
    assert sign_ins(plaint) == [
        ("stranger@example.org", "refused", "oidc", "no member linked")
    ]


def test_a_replayed_callback_is_refused_even_where_the_provider_reuses_codes(
    plaint: Plaint, sso_server: SsoServer, rogue_provider: str
) -> None:
    plaint.ok("team", "link", "lee", "--oidc-subject", "alice")
    server = sso_server(f"{rogue_provider}/replay")
    browser = server.client()
    callback = to_the_provider_and_back(browser, "alice")
    login_state = browser.cookies[LOGIN_STATE]
    assert browser.get(callback).status_code == 303
    thief = server.client()
    thief.cookies.set(LOGIN_STATE, login_state)

    again = thief.get(callback)

    assert again.status_code == 403
    assert "This sign-in was already used; please sign in again." in again.text
    assert "plaint-session" not in thief.cookies
    assert sign_ins(plaint) == [
        ("lee", "ok", "oidc", None),
        ("(unknown)", "refused", "oidc", "replay"),
    ]


def test_servers_sharing_a_ledger_finish_each_others_sign_ins_and_refuse_replays(
    plaint: Plaint, sso_server: SsoServer, rogue_provider: str
) -> None:
    plaint.ok("team", "link", "lee", "--oidc-subject", "alice")
    first = sso_server(f"{rogue_provider}/replay")
    second = sso_server(f"{rogue_provider}/replay", public_url=first.url)
    browser = first.client()
    callback = to_the_provider_and_back(browser, "alice")
    login_state = browser.cookies[LOGIN_STATE]
    at_second = callback.replace(first.url, second.url)
    other = second.client()
    other.cookies.set(LOGIN_STATE, login_state)

    finished = other.get(at_second)
    replayed = browser.get(callback)

    assert finished.status_code == 303
    assert other.get("/api/v1/complaints").status_code == 200
    assert replayed.status_code == 403
    assert "This sign-in was already used; please sign in again." in replayed.text
    assert sign_ins(plaint) == [
        ("lee", "ok", "oidc", None),
        ("(unknown)", "refused", "oidc", "replay"),
    ]


def test_a_login_state_cookie_the_browser_altered_or_made_is_refused(
    plaint: Plaint, sso_server: SsoServer, mock_provider: str
) -> None:
    plaint.ok("team", "link", "lee", "--oidc-subject", "lee@example.org")
    server = sso_server(mock_provider)
    browser = server.client()
    callback = to_the_provider_and_back(browser, "lee@example.org")
    sealed = browser.cookies[LOGIN_STATE]
    flipped = sealed[:20] + ("A" if sealed[20] != "A" else "B") + sealed[21:]
    # A state of the browser's own making, unsealed, that matches the return.
    made = {
        "state": dict(parse_qsl(urlsplit(callback).query))["state"],
        "nonce": "chosen-by-the-browser",
        "code_verifier": "chosen-by-the-browser-" + "v" * 40,
        "created": datetime.now(UTC).isoformat(),
    }
    forged = base64.urlsafe_b64encode(json.dumps(made).encode()).decode()

    for cookie in (flipped, forged):
        browser.cookies.set(LOGIN_STATE, cookie)
        refused = browser.get(callback)
        assert refused.status_code == 400
        assert (
            "This sign-in does not match the one your browser started; "
            "please sign in again." in refused.text
        )
    assert "plaint-session" not in browser.cookies
    assert sign_ins(plaint) == [("(unknown)", "refused", "oidc", "state")] * 2


def test_an_id_token_issued_to_another_application_is_refused(
    plaint: Plaint, sso_server: SsoServer, rogue_provider: str
) -> None:
    plaint.ok("team", "link", "lee", "--oidc-subject", "alice")
    server = sso_server(f"{rogue_provider}/wrong-audience")
    browser = server.client()

    back = browser.get(to_the_provider_and_back(browser, "alice"))

    assert back.status_code == 403
    assert (
        "The sign-in provider&#39;s ID token was issued to another application."
        in back.text
    )
    assert "plaint-session" not in browser.cookies
    assert sign_ins(plaint) == [("(unknown)", "refused", "oidc", "audience")]


def test_single_sign_on_without_a_public_url_does_not_serve(plaint: Plaint) -> None:
    plaint.environ.update(
        PLAINT_OIDC_ISSUER="https://idp.example.org",
        PLAINT_OIDC_CLIENT_ID="plaint",
        PLAINT_OIDC_CLIENT_SECRET=CLIENT_SECRET,
    )

    result = plaint("serve", "--port", "0")

    assert result.exit_code == 2
    assert error_line(result.stderr) == (
        "Error: single sign-on needs --public-url (or PLAINT_PUBLIC_URL): the "
        "provider sends people back to <public-url>/login/oidc/callback"
    )
