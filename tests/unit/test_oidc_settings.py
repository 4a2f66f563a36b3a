"""Single sign-on's settings come from the environment; its state survives a cookie."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ledger.errors import InvalidInput
from service.oidc import LoginState, OidcSettings

ENVIRON = {
    "PLAINT_OIDC_ISSUER": "https://login.example.org/realms/it",
    "PLAINT_OIDC_CLIENT_ID": "plaint",
    "PLAINT_OIDC_CLIENT_SECRET": "a-secret-never-shown",
}
PUBLIC_URL = "https://complaints.example.org"


def test_without_an_issuer_single_sign_on_is_off() -> None:
    assert OidcSettings.from_environ({}, PUBLIC_URL) is None


def test_settings_name_the_callback_and_default_to_the_issuers_host() -> None:
    settings = OidcSettings.from_environ(ENVIRON, PUBLIC_URL + "/")

    assert settings == OidcSettings(
        issuer="https://login.example.org/realms/it",
        client_id="plaint",
        client_secret="a-secret-never-shown",
        redirect_uri="https://complaints.example.org/login/oidc/callback",
        name="login.example.org",
    )
    assert settings.button == "Sign in with login.example.org"
    assert "a-secret-never-shown" not in repr(settings)


def test_the_display_name_comes_from_plaint_oidc_name() -> None:
    environ = ENVIRON | {"PLAINT_OIDC_NAME": "Example Login"}

    settings = OidcSettings.from_environ(environ, PUBLIC_URL)

    assert settings is not None
    assert settings.button == "Sign in with Example Login"


def test_an_issuer_without_client_credentials_is_refused() -> None:
    environ = {"PLAINT_OIDC_ISSUER": ENVIRON["PLAINT_OIDC_ISSUER"]}

    with pytest.raises(InvalidInput) as error:
        OidcSettings.from_environ(environ, PUBLIC_URL)

    assert str(error.value) == (
        "PLAINT_OIDC_CLIENT_ID and PLAINT_OIDC_CLIENT_SECRET must be set "
        "when PLAINT_OIDC_ISSUER is."
    )


@pytest.mark.parametrize(
    "issuer", ["http://login.example.org", "https://login.example.org/?realm=it"]
)
def test_an_issuer_over_plain_http_or_with_a_query_is_refused(issuer: str) -> None:
    with pytest.raises(InvalidInput) as error:
        OidcSettings.from_environ(ENVIRON | {"PLAINT_OIDC_ISSUER": issuer}, PUBLIC_URL)

    assert str(error.value) == (
        "PLAINT_OIDC_ISSUER must be an https:// address without a query "
        "(http:// only on a loopback address)."
    )


def test_a_login_state_survives_its_round_trip_and_hides_its_secrets() -> None:
    login = LoginState("st", "no", "ver", datetime(2026, 11, 24, 18, 0, tzinfo=UTC))

    assert LoginState.from_dict(login.as_dict()) == login
    assert "'no'" not in repr(login)
    assert "'ver'" not in repr(login)


@pytest.mark.parametrize(
    "damage",
    [
        {"nonce": ""},
        {"state": 7},
        {"created": "yesterday"},
        {"created": "2026-11-24T18:00:00"},
    ],
)
def test_a_damaged_login_state_reads_as_none(damage: dict[str, object]) -> None:
    login = LoginState("st", "no", "ver", datetime(2026, 11, 24, 18, 0, tzinfo=UTC))

    assert LoginState.from_dict(login.as_dict() | damage) is None
