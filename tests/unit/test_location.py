"""PostgreSQL URL settings are checked, naming the setting, before any SQL."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from commands import cli
from commands.base import Session
from ledger.errors import InvalidInput
from ledger.storage.location import parse_location

URL = "postgresql://postgres@127.0.0.1:5432/test"
SCHEMA = (
    "is not a schema name: use lower-case letters, digits and _, starting with a "
    "letter or _ (at most 63)"
)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("pool_size=abc",
         "the URL setting pool_size=abc is not a whole number of connections from 1"),
        ("pool_size=0",
         "the URL setting pool_size=0 is not a whole number of connections from 1"),
        ("max_overflow=-1",
         "the URL setting max_overflow=-1 is not a whole number of connections"),
        ("connect_timeout=0",
         "the URL setting connect_timeout=0 is not a whole number of seconds from 1"),
        ("lock_timeout=1.5",
         "the URL setting lock_timeout=1.5 is not a whole number of seconds"),
        ("sslmode=maybe",
         "the URL setting sslmode=maybe is not a TLS mode: use disable, allow, "
         "prefer, require, verify-ca, verify-full"),
        ("schema=bad;drop", f"the URL setting schema=bad;drop {SCHEMA}"),
        ('schema=a"b', f'the URL setting schema=a"b {SCHEMA}'),
        ("schema=Mixed", f"the URL setting schema=Mixed {SCHEMA}"),
        ("schema=9lives", f"the URL setting schema=9lives {SCHEMA}"),
        (f"schema={'s' * 64}", f"the URL setting schema={'s' * 64} {SCHEMA}"),
        ("bogus=1",
         f"'{URL}?bogus=1' has unknown settings (bogus); use schema, pool_size, "
         "max_overflow, connect_timeout, lock_timeout, sslmode, sslrootcert, "
         "sslcert, sslkey"),
    ],
)  # fmt: skip
def test_a_bad_url_setting_is_a_usage_error_naming_it(
    query: str, expected: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_location(f"{URL}?{query}", {})
    assert str(refused.value) == expected


def test_good_url_settings_become_the_library_settings() -> None:
    location = parse_location(
        f"{URL}?schema=plaint_2&pool_size=3&max_overflow=0&connect_timeout=9"
        "&lock_timeout=0&sslmode=verify-full&sslrootcert=/etc/ca.pem",
        {},
    )
    wanted = {
        "POSTGRES_SCHEMA": "plaint_2",
        "POSTGRES_POOL_SIZE": "3",
        "POSTGRES_MAX_OVERFLOW": "0",
        "POSTGRES_CONNECT_TIMEOUT": "9",
        "POSTGRES_LOCK_TIMEOUT": "0",
    }
    assert {k: location.settings[k] for k in wanted} == wanted
    assert location.libpq == {
        "PGSSLMODE": "verify-full",
        "PGSSLROOTCERT": "/etc/ca.pem",
    }


def test_the_cli_refuses_a_bad_setting_with_exit_2_before_connecting() -> None:
    # Port 9 (discard) answers nothing: reaching for it would fail otherwise.
    ledger = "postgresql://postgres@127.0.0.1:9/test?schema=bad;drop"
    result = CliRunner().invoke(
        cli, ["--ledger", ledger, "info"], obj=Session(environ={})
    )
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        f"Error: the URL setting schema=bad;drop {SCHEMA}"
    )
