"""Fixtures of the service tests: `plaint serve` as a real subprocess on
127.0.0.1 with a free port, on SQLite and PostgreSQL (the `plaint`
fixture's ledger), driven with httpx."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from benchmarks.http import free_port
from ledger.crypto.credentials import csrf_token
from tests.conftest import Plaint

START_TIMEOUT = 30.0


@dataclass
class Server:
    """A running `plaint serve` and the CLI on the same ledger."""

    url: str
    plaint: Plaint
    log: Path
    process: subprocess.Popen[bytes]
    environ: dict[str, str] = field(default_factory=dict)
    clients: list[httpx.Client] = field(default_factory=list)

    def client(self, token: str | None = None) -> httpx.Client:
        """An HTTP client of the service, with a Bearer token if given."""
        headers = {} if token is None else {"Authorization": f"Bearer {token}"}
        made = httpx.Client(base_url=self.url, headers=headers, timeout=30)
        self.clients.append(made)
        return made

    def token(
        self, member: str, scope: str = "act", expires: datetime | None = None
    ) -> str:
        """A new API token of `member` (created by admin ann)."""
        ledger = self.plaint.open("ann")
        try:
            return str(ledger.create_token(member, scope, expires)["token"])
        finally:
            ledger.close()

    def password(self, member: str, password: str = "correct horse battery") -> str:
        """Set `member`'s password (as admin ann); return it."""
        ledger = self.plaint.open("ann")
        try:
            ledger.set_password(member, password)
        finally:
            ledger.close()
        return password

    def session(self, member: str) -> tuple[httpx.Client, str]:
        """A client signed in as `member` through /login, and its CSRF token."""
        password = self.password(member)
        client = self.client()
        form = client.get("/login")
        nonce = form.cookies["plaint-login"]
        done = client.post(
            "/login", data={"member": member, "password": password, "csrf": nonce}
        )
        assert done.status_code == 303, done.text
        secret = client.cookies["plaint-session"]
        return client, csrf_token(secret)

    def kill(self) -> None:
        """kill -9 the server, as a crash does."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def restart(self) -> None:
        """Start the server again on the same port (after `kill`)."""
        port = int(self.url.rpartition(":")[2])
        self.process = launch(self.plaint, self.log, port, self.environ)
        wait_until_healthy(self)

    def stop(self) -> None:
        for made in self.clients:
            made.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def launch(
    plaint: Plaint, log: Path, port: int, environ: dict[str, str]
) -> subprocess.Popen[bytes]:
    """`plaint serve` on `plaint`'s ledger and `port`, its output in `log`."""
    env = {**plaint.environ, **environ, "PLAINT_LEDGER": plaint.ledger}
    command = [sys.executable, "-c", "from commands import main; main()"]
    with log.open("ab") as out:
        return subprocess.Popen(
            [*command, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def start(
    plaint: Plaint, tmp_path: Path, environ: dict[str, str], port: int | None = None
) -> Server:
    """Start `plaint serve` on `plaint`'s ledger (on `port`, or a free one);
    return once /healthz answers."""
    port = free_port() if port is None else port
    log = tmp_path / f"serve-{port}.log"
    process = launch(plaint, log, port, environ)
    server = Server(f"http://127.0.0.1:{port}", plaint, log, process, environ)
    wait_until_healthy(server)
    return server


def wait_until_healthy(server: Server) -> None:
    """Return once the server answers /healthz; fail the test if it exits
    or does not answer in time."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"plaint serve exited:\n{server.log.read_text()}")
        try:
            if httpx.get(f"{server.url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.05)
    server.stop()
    pytest.fail(f"plaint serve did not answer /healthz:\n{server.log.read_text()}")


@pytest.fixture
def serve(plaint: Plaint, tmp_path: Path) -> Iterator[Callable[..., Server]]:
    """Starts a server on `plaint`'s ledger, with extra environment variables
    (the ledger's limits and timeouts, say); each is stopped afterwards."""
    started: list[Server] = []

    def starting(**environ: str) -> Server:
        server = start(plaint, tmp_path, environ)
        started.append(server)
        return server

    yield starting
    for server in started:
        server.stop()


@pytest.fixture
def server(serve: Callable[..., Server]) -> Server:
    """`plaint serve` on a ledger with admin ann, lead lee, agent bob and
    auditor aud (see the `plaint` fixture), SQLite and PostgreSQL."""
    return serve()


def age_sessions(plaint: Plaint, seconds: float) -> None:
    """Make every session of `plaint`'s ledger `seconds` older, as if its
    members had not used it for that long (in the ledger's own database)."""
    statement = "UPDATE plaint_sessions SET created = created - {0}, seen = seen - {0}"
    if plaint.ledger.startswith("postgresql://"):
        import psycopg

        url, _, schema = plaint.ledger.partition("?schema=")
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'SET search_path TO "{schema}"')
            conn.execute(statement.format("%s"), (seconds, seconds))
        return
    with sqlite3.connect(plaint.ledger) as conn:
        conn.execute(statement.format("?"), (seconds, seconds))
    conn.close()


@dataclass
class WitnessProcess:
    """A `plaint witness serve` on 127.0.0.1, its key and verifier key."""

    url: str
    vkey: str
    key: Path
    log_vkey: str
    log: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start it (again) on its port; return once it answers."""
        port = self.url.rpartition(":")[2]
        command = [sys.executable, "-c", "from commands import main; main()"]
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [*command, "witness", "serve", "--key", str(self.key), "--port", port,
                 "--log", self.log_vkey],
                stdout=out,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"plaint witness serve exited:\n{self.log.read_text()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.05)
        pytest.fail(f"plaint witness serve did not answer:\n{self.log.read_text()}")

    def stop(self) -> None:
        """Stop it (its memory stays in its file)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(15)


@pytest.fixture
def witnesses(
    plaint: Plaint, tmp_path: Path
) -> Iterator[Callable[[str], WitnessProcess]]:
    """Makes witnesses of `plaint`'s ledger, by name (a key and a free port
    each; `start()` runs one); each is stopped afterwards."""
    from ledger.witnessing.keyfile import create_witness_key

    made: list[WitnessProcess] = []
    log_vkey = json.loads(plaint.ok("info", "--json"))["verifier_key"]

    def making(name: str) -> WitnessProcess:
        key = tmp_path / f"{name}.key"
        vkey = create_witness_key(key, name)
        url = f"http://127.0.0.1:{free_port()}"
        witness = WitnessProcess(url, vkey, key, log_vkey, tmp_path / f"{name}.log")
        made.append(witness)
        return witness

    yield making
    for witness in made:
        witness.stop()


def roll_back(plaint: Plaint, size: int) -> None:
    """Remove, as an intruder who can write the database would, every event
    after the first `size` (a checkpoint's) and everything that tells of
    them: newer checkpoints, their cosignatures, the witnesses' sizes."""
    intrude(
        plaint,
        "DELETE FROM {events} WHERE {position} > "
        f"(SELECT position FROM plaint_checkpoints WHERE size = {size})",
        f"DELETE FROM plaint_checkpoints WHERE size > {size}",
        f"DELETE FROM plaint_cosignatures WHERE size > {size}",
        f"UPDATE plaint_witnesses SET seen = {size}",
    )


def intrude(plaint: Plaint, *statements: str) -> None:
    """Run SQL on `plaint`'s ledger as an intruder would (`{events}` and
    `{position}` name the log's table and its position column)."""
    if plaint.ledger.startswith("postgresql://"):
        import psycopg

        url, _, schema = plaint.ledger.partition("?schema=")
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'SET search_path TO "{schema}"')
            for statement in statements:
                conn.execute(statement.format(  # type: ignore[arg-type]
                    events="plaint_events", position="notification_id"
                ))  # fmt: skip
        return
    with sqlite3.connect(plaint.ledger) as conn:
        for statement in statements:
            conn.execute(statement.format(events="stored_events", position="rowid"))
    conn.close()
