"""Fixtures: real OpenID providers as processes, a relying party, and a browser.

- `mock_provider`: oidc-provider-mock from PyPI, an honest provider with a form.
- `expiring_provider`: the same, issuing ID tokens that expired ten minutes ago.
- `rogue_provider`: tests/e2e/sso/provider.py, whose issuers `<url>/<mode>`
  misbehave as told (see its MODES).
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from ledger.domain.timeutil import Clock, system_clock
from service.oidc import OidcClient, OidcSettings

CLIENT_ID = "plaint"
CLIENT_SECRET = "test-client-secret-4b1d9"
# Nothing listens there: the browser's return is read from the provider's redirect.
PUBLIC_URL = "http://127.0.0.1:9"
CALLBACK = f"{PUBLIC_URL}/login/oidc/callback"
PROVIDER_SCRIPT = Path(__file__).with_name("provider.py")


class MemoryNonces:
    """A fake of the ledger-backed nonce store, for one process only."""

    def __init__(self) -> None:
        self.used: dict[str, datetime] = {}

    def consume_nonce(self, nonce: str, until: datetime) -> bool:
        if nonce in self.used:
            return False
        self.used[nonce] = until
        return True


class Browser:
    """Follows the provider's pages as a person would, up to the way back."""

    def __init__(self, http: httpx.Client) -> None:
        self.http = http

    def sign_in(
        self, url: str, subject: str = "alice", deny: bool = False
    ) -> dict[str, str]:
        """The query the provider sends the browser back to the callback with."""
        response = self.http.get(url)
        if response.status_code == 200:  # the provider's form: fill in, submit
            form = {"action": "deny"} if deny else {"sub": subject}
            response = self.http.post(url, data=form)
        assert response.status_code in (302, 303), response.text
        back = urlsplit(response.headers["location"])
        assert f"{back.scheme}://{back.netloc}{back.path}" == CALLBACK
        return dict(parse_qsl(back.query))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_until_serving(issuer: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the provider at {issuer} exited with {process.returncode}")
        try:
            httpx.get(f"{issuer}/.well-known/openid-configuration", timeout=1)
        except httpx.HTTPError:
            time.sleep(0.1)
        else:
            return
    pytest.fail(f"the provider at {issuer} did not start")


def _start_mock(log: Path, *options: str) -> Iterator[str]:
    port = _free_port()
    address = ["--host", "127.0.0.1", "--port", str(port)]
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "oidc_provider_mock", *address, *options],
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    issuer = f"http://127.0.0.1:{port}"
    try:
        _wait_until_serving(issuer, process)
        yield issuer
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def mock_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The issuer address of oidc-provider-mock running as a process."""
    yield from _start_mock(tmp_path_factory.mktemp("mock") / "log")


@pytest.fixture(scope="session")
def expiring_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """oidc-provider-mock whose tokens live -600 s: expired when issued."""
    yield from _start_mock(tmp_path_factory.mktemp("expiring") / "log", "-e", "-600")


@pytest.fixture(scope="session")
def rogue_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The address of tests/e2e/sso/provider.py; `<address>/<mode>` is an issuer."""
    log = tmp_path_factory.mktemp("rogue") / "log"
    with log.open("wb") as errors:
        process = subprocess.Popen(
            [sys.executable, str(PROVIDER_SCRIPT), CLIENT_ID, CLIENT_SECRET],
            stdout=subprocess.PIPE,
            stderr=errors,
        )
    assert process.stdout is not None
    address = f"http://127.0.0.1:{int(process.stdout.readline())}"
    try:
        _wait_until_serving(f"{address}/good", process)
        yield address
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()


@pytest.fixture
def nonces() -> MemoryNonces:
    return MemoryNonces()


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as client:
        yield client


@pytest.fixture
def browser() -> Iterator[Browser]:
    """A browser of its own, so that its requests are not the relying party's."""
    with httpx.Client(timeout=10) as client:
        yield Browser(client)


@pytest.fixture
def relying_party(
    nonces: MemoryNonces, http: httpx.Client
) -> Callable[..., OidcClient]:
    """Makes the relying party of an issuer, configured as the service would be."""

    def make(
        issuer: str, secret: str = CLIENT_SECRET, clock: Clock = system_clock
    ) -> OidcClient:
        environ = {
            "PLAINT_OIDC_ISSUER": issuer,
            "PLAINT_OIDC_CLIENT_ID": CLIENT_ID,
            "PLAINT_OIDC_CLIENT_SECRET": secret,
        }
        settings = OidcSettings.from_environ(environ, PUBLIC_URL)
        assert settings is not None
        return OidcClient(settings, nonces, http=http, clock=clock)

    return make


@pytest.fixture
def unused_port() -> int:
    """A port on 127.0.0.1 nothing listens on."""
    return _free_port()
