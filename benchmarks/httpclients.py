"""Load on `plaint serve`: many concurrent clients in one process, each
request under its own Idempotency-Key (unless `keyed` is off), retried with
the same key until it has an answer, as an integrator's client should.

The clients speak HTTP/1.1 over asyncio streams themselves, one keep-alive
connection each, with no HTTP library: httpx spent ~5 ms of CPU on each
request, more than the server did, so on two shared cores the load measured
the client. The load's own CPU time is counted (`Load.client_cpu`) so that a
run shows who was the bottleneck."""

from __future__ import annotations

import asyncio
import itertools
import json
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

# A request not answered in this long is retried (with the same key); a
# server killed mid-request closes the connection long before.
TIMEOUT = 30.0
BACKOFF = 0.05
MAX_BACKOFF = 1.0
MAX_TRIES = 60


@dataclass
class Load:
    """What a load run saw: every answered request's latency (seconds, from
    its first try to its answer, retries included), how many tries were
    retried, and why, and the CPU seconds the clients' process spent."""

    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    answers: list[dict[str, Any]] = field(default_factory=list)
    retries: dict[str, int] = field(default_factory=dict)
    client_cpu: float = 0.0
    # The servers' CPU seconds over the run, when the caller measured them.
    server_cpu: float | None = None

    def retried(self, why: str) -> None:
        """Count one retry for `why`."""
        self.retries[why] = self.retries.get(why, 0) + 1

    def figures(self) -> dict[str, Any]:
        """Throughput and latency percentiles, in requests/s and ms, and the
        clients' CPU per request in ms."""
        done = len(self.latencies)
        return {
            "value": done / self.seconds,
            "requests": done,
            "p50_ms": statistics.median(self.latencies) * 1000,
            "p99_ms": statistics.quantiles(self.latencies, n=100)[98] * 1000,
            "client_cpu_ms": self.client_cpu / max(done, 1) * 1000,
            **(
                {}
                if self.server_cpu is None
                else {"server_cpu_ms": self.server_cpu / max(done, 1) * 1000}
            ),
            "retries": dict(self.retries),
        }


@dataclass
class Answer:
    """A response: its status and body."""

    status_code: int
    content: bytes

    def json(self) -> Any:
        return json.loads(self.content)

    @property
    def text(self) -> str:
        return self.content.decode(errors="replace")


class Connection:
    """One keep-alive HTTP/1.1 connection to one server, opened when first
    used and again after it broke."""

    def __init__(self, base: str, token: str) -> None:
        parts = urlsplit(base)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.head = (
            f"Host: {self.host}:{self.port}\r\n"
            f"Authorization: Bearer {token}\r\n"
            "Accept: application/json\r\n"
        ).encode()
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def request(
        self, method: str, path: str, body: bytes | None, key: str | None
    ) -> Answer:
        if self.streams is None:
            self.streams = await asyncio.open_connection(self.host, self.port)
        reader, writer = self.streams
        lines = [f"{method} {path} HTTP/1.1\r\n".encode(), self.head]
        if key is not None:
            lines.append(f"Idempotency-Key: {key}\r\n".encode())
        if body is not None:
            lines.append(b"Content-Type: application/json\r\n")
            lines.append(f"Content-Length: {len(body)}\r\n\r\n".encode())
            lines.append(body)
        else:
            lines.append(b"\r\n")
        try:
            writer.write(b"".join(lines))
            head = await reader.readuntil(b"\r\n\r\n")
            status, length, closing = parse_head(head)
            content = await reader.readexactly(length)
        except BaseException:
            self.close()
            raise
        if closing:
            self.close()
        return Answer(status, content)

    def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()
            self.streams = None


def parse_head(head: bytes) -> tuple[int, int, bool]:
    """A response head's status, Content-Length and whether the server
    closes the connection after it."""
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length, closing = 0, False
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "connection" and value.strip().lower() == "close":
            closing = True
    return status, length, closing


def retryable(response: Answer) -> str | None:
    """Why an answer calls for the same request again, if it does: a server
    error (a 503 while the database restarts, say)."""
    if response.status_code >= 500:
        return f"status {response.status_code}"
    return None


async def send(
    connection: Callable[[int], Connection],
    method: str,
    path: str,
    body: dict[str, Any] | None,
    load: Load,
    keyed: bool = True,
) -> Answer:
    """One request, tried again under the same Idempotency-Key after a
    timeout, a refused or broken connection or a retryable answer, with a
    short backoff; the next try may go to another server (`connection(try)`)."""
    key = str(uuid.uuid4()) if keyed else None
    data = None if body is None else json.dumps(body).encode()
    for attempt in range(MAX_TRIES):
        to = connection(attempt)
        try:
            response = await asyncio.wait_for(
                to.request(method, path, data, key), TIMEOUT
            )
        except TimeoutError:
            load.retried("timeout")
        except (OSError, EOFError, asyncio.LimitOverrunError, ValueError):
            load.retried("connection")
        else:
            why = retryable(response)
            if why is None:
                return response
            load.retried(why)
        if not keyed:
            raise RuntimeError(
                f"{method} {path} failed, and without a key it may not be retried"
            )
        await asyncio.sleep(min(BACKOFF * 2**attempt, MAX_BACKOFF))
    raise RuntimeError(f"{method} {path} got no answer in {MAX_TRIES} tries")


async def drive(
    servers: Sequence[str],
    token: str,
    method: str,
    path: str,
    bodies: Sequence[dict[str, Any] | None],
    clients: int,
    during: Callable[[Load], Awaitable[None]] | None = None,
    keyed: bool = True,
) -> Load:
    """Send one request per body, `clients` at a time (each its own
    connection to each server), spread over `servers` in turn; `during` runs
    beside the clients (a fault, say)."""
    load = Load()
    pending = iter(enumerate(bodies))

    async def client_loop() -> None:
        connections = [Connection(server, token) for server in servers]
        try:
            for n, body in pending:
                first = n % len(servers)

                def connection(attempt: int, first: int = first) -> Connection:
                    return connections[(first + attempt) % len(connections)]

                started = time.perf_counter()
                response = await send(connection, method, path, body, load, keyed)
                load.latencies.append(time.perf_counter() - started)
                if response.status_code >= 300:
                    raise RuntimeError(
                        f"{method} {path}: {response.status_code} {response.text}"
                    )
                if method == "POST":
                    load.answers.append(response.json())
        finally:
            for each in connections:
                each.close()

    cpu = time.process_time()
    started = time.perf_counter()
    workers = [asyncio.create_task(client_loop()) for _ in range(clients)]
    beside = [] if during is None else [asyncio.create_task(during(load))]
    await asyncio.gather(*workers)
    load.seconds = time.perf_counter() - started
    load.client_cpu = time.process_time() - cpu
    await asyncio.gather(*beside)
    return load


def filings(count: int) -> list[dict[str, Any]]:
    """`count` request bodies of POST /api/v1/complaints: the `file` options
    by name, as the in-process baseline files them."""
    from benchmarks.builders import intake

    fields = ("project", "channel", "severity", "summary", "detail", "customer")
    bodies = []
    for n in range(count):
        filed = intake(n, external=False)
        body = {name: getattr(filed, name) for name in fields}
        bodies.append({**body, "contact": filed.contact})
    return bodies


def healthz(count: int) -> list[dict[str, Any] | None]:
    """`count` empty bodies, for GET /healthz."""
    return list(itertools.repeat(None, count))
