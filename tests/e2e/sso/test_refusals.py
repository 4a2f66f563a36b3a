"""Single sign-on refuses every bad answer of a provider that misbehaves on purpose."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from service.oidc import Claims, OidcClient, SignInRefused
from tests.e2e.sso.conftest import CLIENT_SECRET, Browser, MemoryNonces

RelyingParty = Callable[..., OidcClient]

AUDIENCE = "The sign-in provider's ID token was issued to another application."
SIGNATURE = "The sign-in provider's ID token has no valid signature."
NONCE = (
    "The sign-in provider's ID token belongs to another sign-in; please sign in again."
)
REFUSALS = {
    "wrong-audience": AUDIENCE,
    "wrong-audience-azp": AUDIENCE,
    "several-audiences": AUDIENCE,
    "bad-signature": SIGNATURE,
    "unknown-key": SIGNATURE,
    "symmetric": SIGNATURE,
    "wrong-issuer": "The sign-in provider's ID token names another issuer.",
    "expired": "The sign-in provider's ID token has expired; please sign in again.",
    "future": "The sign-in provider's ID token is dated in the future; "
    "check the server's clock.",
    "wrong-nonce": NONCE,
    "no-nonce": NONCE,
}
REPLAY = "This sign-in was already used; please sign in again."


def sign_in(client: OidcClient, browser: Browser) -> Claims:
    url, login = client.begin()
    return client.finish(browser.sign_in(url), login)


@pytest.mark.parametrize("mode", ["good", "post-only"])
def test_an_honest_provider_signs_alice_in(
    mode: str, rogue_provider: str, relying_party: RelyingParty, browser: Browser
) -> None:
    issuer = f"{rogue_provider}/{mode}"

    claims = sign_in(relying_party(issuer), browser)

    assert claims == Claims("alice", issuer, "alice@example.org", True)


@pytest.mark.parametrize(("mode", "sentence"), REFUSALS.items())
def test_a_bad_id_token_is_refused_with_its_sentence(
    mode: str,
    sentence: str,
    rogue_provider: str,
    relying_party: RelyingParty,
    browser: Browser,
    nonces: MemoryNonces,
) -> None:
    with pytest.raises(SignInRefused) as refused:
        sign_in(relying_party(f"{rogue_provider}/{mode}"), browser)

    assert refused.value.sentence == sentence
    assert nonces.used == {}


def test_a_replayed_id_token_is_refused(
    rogue_provider: str, relying_party: RelyingParty, browser: Browser
) -> None:
    client = relying_party(f"{rogue_provider}/replay")
    url, login = client.begin()
    returned = browser.sign_in(url)
    client.finish(returned, login)

    with pytest.raises(SignInRefused) as refused:
        client.finish(returned, login)

    assert refused.value.sentence == REPLAY


def test_a_replay_to_another_server_sharing_the_nonce_store_is_refused(
    rogue_provider: str, relying_party: RelyingParty, browser: Browser
) -> None:
    first = relying_party(f"{rogue_provider}/replay")
    second = relying_party(f"{rogue_provider}/replay")
    url, login = first.begin()
    returned = browser.sign_in(url)
    first.finish(returned, login)

    with pytest.raises(SignInRefused) as refused:
        second.finish(returned, login)

    assert refused.value.sentence == REPLAY


def test_a_provider_whose_discovery_names_another_issuer_is_not_used(
    rogue_provider: str, relying_party: RelyingParty
) -> None:
    with pytest.raises(SignInRefused) as refused:
        relying_party(f"{rogue_provider}/foreign-discovery").begin()

    assert refused.value.sentence == (
        "The sign-in provider answered in a way plaint cannot use; "
        "please tell your administrator."
    )


def test_a_return_naming_another_issuer_is_refused(
    rogue_provider: str, relying_party: RelyingParty, browser: Browser
) -> None:
    client = relying_party(f"{rogue_provider}/good")
    url, login = client.begin()
    returned = browser.sign_in(url) | {"iss": f"{rogue_provider}/wrong-issuer"}

    with pytest.raises(SignInRefused) as refused:
        client.finish(returned, login)

    assert refused.value.reason == "issuer"


def test_a_wrong_client_secret_is_refused_at_the_token_endpoint(
    rogue_provider: str, relying_party: RelyingParty, browser: Browser
) -> None:
    client = relying_party(f"{rogue_provider}/good", secret="not-the-secret")

    with pytest.raises(SignInRefused) as refused:
        sign_in(client, browser)

    assert refused.value.sentence == (
        "The sign-in provider refused to complete the sign-in (invalid_client); "
        "please sign in again."
    )


@pytest.mark.parametrize("mode", [*REFUSALS, "replay"])
def test_the_client_secret_and_the_tokens_are_never_told_or_logged(
    mode: str,
    rogue_provider: str,
    relying_party: RelyingParty,
    browser: Browser,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    client = relying_party(f"{rogue_provider}/{mode}")
    url, login = client.begin()
    returned = browser.sign_in(url)
    caplog.clear()  # what the browser did is not the relying party's log
    if mode == "replay":
        client.finish(returned, login)
    with pytest.raises(SignInRefused) as refused:
        client.finish(returned, login)

    told = refused.value.sentence + caplog.text
    for secret in (CLIENT_SECRET, returned["code"], login.nonce, login.code_verifier):
        assert secret not in told
    assert f"single sign-on refused: {refused.value.reason}" in caplog.text
    assert CLIENT_SECRET not in repr(client.settings)
    assert login.nonce not in repr(login)
    assert login.code_verifier not in repr(login)


def test_a_provider_error_code_of_odd_text_is_not_shown() -> None:
    refused = SignInRefused("provider", "<script>alert(1)</script>")

    assert refused.sentence == (
        "The sign-in provider did not sign you in (unknown error)."
    )
