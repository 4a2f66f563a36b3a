"""Single sign-on against oidc-provider-mock, a real provider run as a process."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from datetime import timedelta
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from ledger.domain.timeutil import ManualClock, system_clock
from service.oidc import Claims, OidcClient, SignInRefused
from tests.e2e.sso.conftest import CALLBACK, CLIENT_ID, Browser

RelyingParty = Callable[..., OidcClient]


def test_a_person_the_provider_signs_in_gets_their_claims(
    mock_provider: str, relying_party: RelyingParty, browser: Browser
) -> None:
    claims = {"email": "alice@example.org", "email_verified": True}
    httpx.put(f"{mock_provider}/users/alice", json=claims).raise_for_status()
    client = relying_party(mock_provider)
    url, login = client.begin()

    returned = browser.sign_in(url, subject="alice")

    assert client.finish(returned, login) == Claims(
        subject="alice",
        issuer=mock_provider,
        email="alice@example.org",
        email_verified=True,
    )


def test_an_email_the_provider_does_not_vouch_for_is_marked_unverified(
    mock_provider: str, relying_party: RelyingParty, browser: Browser
) -> None:
    client = relying_party(mock_provider)
    url, login = client.begin()

    claims = client.finish(browser.sign_in(url, subject="bob@example.org"), login)

    assert (claims.subject, claims.email) == ("bob@example.org", "bob@example.org")
    assert claims.email_verified is False


def test_the_authorization_request_carries_pkce_s256_a_nonce_and_a_state(
    mock_provider: str, relying_party: RelyingParty
) -> None:
    url, login = relying_party(mock_provider).begin()

    query = dict(parse_qsl(urlsplit(url).query))
    digest = hashlib.sha256(login.code_verifier.encode()).digest()
    assert query == {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": CALLBACK,
        "scope": "openid email",
        "state": login.state,
        "nonce": login.nonce,
        "code_challenge": base64.urlsafe_b64encode(digest).rstrip(b"=").decode(),
        "code_challenge_method": "S256",
    }
    assert len({login.state, login.nonce, login.code_verifier}) == 3
    assert len(login.code_verifier) >= 43


def test_two_sign_ins_never_share_a_state_nonce_or_verifier(
    mock_provider: str, relying_party: RelyingParty
) -> None:
    client = relying_party(mock_provider)
    _, first = client.begin()
    _, second = client.begin()

    assert first.state != second.state
    assert first.nonce != second.nonce
    assert first.code_verifier != second.code_verifier


def test_a_person_who_denies_at_the_provider_is_refused_with_its_error(
    mock_provider: str, relying_party: RelyingParty, browser: Browser
) -> None:
    client = relying_party(mock_provider)
    url, login = client.begin()

    with pytest.raises(SignInRefused) as refused:
        client.finish(browser.sign_in(url, deny=True), login)

    assert refused.value.sentence == (
        "The sign-in provider did not sign you in (access_denied)."
    )


def test_an_expired_id_token_is_refused(
    expiring_provider: str, relying_party: RelyingParty, browser: Browser
) -> None:
    client = relying_party(expiring_provider)
    url, login = client.begin()

    with pytest.raises(SignInRefused) as refused:
        client.finish(browser.sign_in(url), login)

    assert refused.value.sentence == (
        "The sign-in provider's ID token has expired; please sign in again."
    )


def test_a_return_with_another_state_is_refused(
    mock_provider: str, relying_party: RelyingParty, browser: Browser
) -> None:
    client = relying_party(mock_provider)
    url, _ = client.begin()
    _, other = client.begin()

    with pytest.raises(SignInRefused) as refused:
        client.finish(browser.sign_in(url), other)

    assert refused.value.sentence == (
        "This sign-in does not match the one your browser started; "
        "please sign in again."
    )


def test_a_return_without_the_kept_state_is_refused(
    mock_provider: str, relying_party: RelyingParty, browser: Browser
) -> None:
    client = relying_party(mock_provider)
    url, _ = client.begin()

    with pytest.raises(SignInRefused) as refused:
        client.finish(browser.sign_in(url), None)

    assert refused.value.reason == "state"


def test_a_sign_in_finished_after_ten_minutes_is_refused(
    mock_provider: str, relying_party: RelyingParty, browser: Browser
) -> None:
    clock = ManualClock(system_clock())
    client = relying_party(mock_provider, clock=clock)
    url, login = client.begin()
    returned = browser.sign_in(url)
    clock.now += timedelta(minutes=10, seconds=1)

    with pytest.raises(SignInRefused) as refused:
        client.finish(returned, login)

    assert refused.value.sentence == "This sign-in took too long; please sign in again."


def test_a_code_redeemed_twice_is_refused_by_the_provider(
    mock_provider: str, relying_party: RelyingParty, browser: Browser
) -> None:
    client = relying_party(mock_provider)
    url, login = client.begin()
    returned = browser.sign_in(url)
    client.finish(returned, login)

    with pytest.raises(SignInRefused) as refused:
        client.finish(returned, login)

    assert refused.value.sentence == (
        "The sign-in provider refused to complete the sign-in (invalid_grant); "
        "please sign in again."
    )


def test_a_provider_that_cannot_be_reached_refuses_the_sign_in(
    relying_party: RelyingParty, unused_port: int
) -> None:
    client = relying_party(f"http://127.0.0.1:{unused_port}")

    with pytest.raises(SignInRefused) as refused:
        client.begin()

    assert refused.value.sentence == (
        "The sign-in provider could not be reached; please try again later."
    )
