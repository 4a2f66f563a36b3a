"""Fixtures: a private home for keys, and a ledger on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import Message
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from commands import cli
from commands.base import Session
from ledger.application import ComplaintLedger
from ledger.domain.timeutil import Clock, ManualClock, system_clock
from ledger.storage.location import parse_location

DEMO_NOW = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)

POSTGRES_URL = os.environ.get(
    "PLAINT_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"
)


def postgres_available() -> bool:
    import psycopg

    try:
        psycopg.connect(POSTGRES_URL, connect_timeout=3).close()
    except psycopg.Error:
        return False
    return True


@dataclass
class Plaint:
    """Runs the real CLI in-process against one ledger."""

    ledger: str
    environ: dict[str, str]
    home: Path
    clock: Clock = system_clock

    def __call__(
        self, *args: str, actor: str = "ann", stdin: str | None = None
    ) -> Result:
        session = Session(environ=self.environ, clock=self.clock)
        return CliRunner().invoke(
            cli,
            ["--ledger", self.ledger, "--as", actor, *args],
            obj=session,
            input=stdin,
            catch_exceptions=False,
        )

    def ok(self, *args: str, actor: str = "ann", stdin: str | None = None) -> str:
        result = self(*args, actor=actor, stdin=stdin)
        assert result.exit_code == 0, result.output
        return result.stdout

    def open(self, actor: str = "ann", clock: Clock = system_clock) -> ComplaintLedger:
        """The ledger itself, for tests that look beneath the CLI."""
        location = parse_location(self.ledger, self.environ)
        return ComplaintLedger.open(
            location, actor=actor, environ=self.environ, clock=clock
        )


# What the CLI tests share: the start of a `file` command, and reading the
# outcome of one that must be refused.
FILE = ["file", "--project", "P", "--channel", "web", "--severity", "mild"]


def events(plaint: Plaint) -> int:
    """How many events the ledger holds, as `info` counts them."""
    return int(json.loads(plaint.ok("info", "--json"))["events"])


def error_line(stderr: str) -> str:
    """The one `Error:` line of a refused command."""
    [line] = [x for x in stderr.splitlines() if x.startswith("Error:")]
    return line


@pytest.fixture
def environ(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLAINT_")}
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    env["XDG_DATA_HOME"] = str(tmp_path / "data")
    return env


@pytest.fixture
def demo_session(environ: dict[str, str]) -> Session:
    """A session whose clock is pinned: the sample's complaints follow working
    days and hours back from now, so a small demo's data (whether any complaint
    becomes confidential, say) would depend on the hour the tests run."""
    return Session(environ=environ, clock=ManualClock(DEMO_NOW))


@pytest.fixture
def postgres_ledger() -> Iterator[str]:
    """The URL of a ledger in a schema of its own, dropped afterwards."""
    if not postgres_available():
        if os.environ.get("PLAINT_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is required but does not answer at {POSTGRES_URL}")
        pytest.skip(f"no PostgreSQL at {POSTGRES_URL} (set PLAINT_TEST_POSTGRES)")
    import psycopg

    schema = "plaint_test_" + uuid.uuid4().hex[:12]
    yield f"{POSTGRES_URL}?schema={schema}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "ledger.sqlite")
    return str(request.getfixturevalue("postgres_ledger"))


@pytest.fixture
def plaint(backend: str, environ: dict[str, str], tmp_path: Path) -> Plaint:
    """A CLI on an initialised ledger with admin ann, lead lee and agent bob."""
    run = Plaint(backend, environ, tmp_path)
    run.ok("init", "--admin", "ann")
    run.ok("team", "add", "lee", "--role", "lead")
    run.ok("team", "add", "bob", "--role", "agent")
    run.ok("team", "add", "aud", "--role", "auditor")
    return run


@pytest.fixture
def sqlite_plaint(environ: dict[str, str], tmp_path: Path) -> Plaint:
    """Like `plaint`, on SQLite only (for tests that read the database file)."""
    run = Plaint(str(tmp_path / "ledger.sqlite"), environ, tmp_path)
    run.ok("init", "--admin", "ann")
    run.ok("team", "add", "bob", "--role", "agent")
    return run


@dataclass
class SmtpSink:
    """An SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives;
    it can be stopped and started again on its port, as an outage. With
    `refuse`, it answers every recipient so (`550 ...`); with `logins`, it
    offers AUTH without TLS (it never offers STARTTLS) and keeps each
    user and password it is given; `host` is where it listens."""

    port: int
    received: list[Message]
    controller: Any = None
    host: str = "127.0.0.1"
    refuse: str | None = None
    logins: list[tuple[str, str]] | None = None

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    def start(self) -> None:
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult, LoginPassword

        sink = self

        class Keep:
            async def handle_RCPT(
                self, server: Any, session: Any, envelope: Any, address: str,
                rcpt_options: list[str],
            ) -> str:  # fmt: skip
                if sink.refuse is not None:
                    return sink.refuse
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(
                self, server: Any, session: Any, envelope: Any
            ) -> str:
                parsed = message_from_bytes(envelope.content, policy=default)
                sink.received.append(parsed)
                return "250 kept"

        def keep_login(
            server: Any, session: Any, envelope: Any, mechanism: str, data: Any
        ) -> AuthResult:
            assert sink.logins is not None
            assert isinstance(data, LoginPassword)
            sink.logins.append((data.login.decode(), data.password.decode()))
            return AuthResult(success=True)

        auth: dict[str, Any] = (
            {}
            if self.logins is None
            else {"authenticator": keep_login, "auth_require_tls": False}
        )
        self.controller = Controller(Keep(), hostname=self.host, port=self.port, **auth)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def wait_for(self, count: int, timeout: float = 15.0) -> list[Message]:
        """Every message received, once there are at least `count`."""
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.received) >= count, (count, len(self.received))
        return self.received


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    """An SMTP server receiving on a free port of 127.0.0.1."""
    from benchmarks.http import free_port

    sink = SmtpSink(free_port(), [])
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
def refusing_smtp_sink() -> Iterator[SmtpSink]:
    """An SMTP server on 127.0.0.1 that refuses every recipient for good (550)."""
    from benchmarks.http import free_port

    sink = SmtpSink(free_port(), [], refuse="550 5.1.1 no such mailbox")
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
def login_smtp_sink() -> Iterator[SmtpSink]:
    """An SMTP server on every address of this machine that offers AUTH in
    the clear and no STARTTLS, keeping each login it is given."""
    from benchmarks.http import free_port

    sink = SmtpSink(free_port(), [], host="0.0.0.0", logins=[])  # noqa: S104
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
def outside_address() -> str:
    """An address of this machine that is not a loopback one (the one its
    default route leaves from; no packet is sent); skipped without one."""
    import ipaddress
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))
            address = str(probe.getsockname()[0])
        except OSError:
            pytest.skip("this machine has no address but loopback")
    if ipaddress.ip_address(address).is_loopback:
        pytest.skip("this machine has no address but loopback")
    return address
