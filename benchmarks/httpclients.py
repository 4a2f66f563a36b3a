"""Load on `plaint serve`: many concurrent clients in one process (asyncio and
httpx), each request under its own Idempotency-Key, retried with the same key
until it has an answer, as an integrator's client should."""

from __future__ import annotations

import asyncio
import itertools
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

# A request not answered in this long is retried (with the same key); a
# server killed mid-request closes the connection long before.
TIMEOUT = 30.0
BACKOFF = 0.05
MAX_BACKOFF = 1.0
MAX_TRIES = 60


@dataclass
class Load:
    """What a load run saw: every answered request's latency (seconds, from
    its first try to its answer, retries included), and how many tries were
    retried, and why."""

    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    answers: list[dict[str, Any]] = field(default_factory=list)
    retries: dict[str, int] = field(default_factory=dict)

    def retried(self, why: str) -> None:
        """Count one retry for `why`."""
        self.retries[why] = self.retries.get(why, 0) + 1

    def figures(self) -> dict[str, Any]:
        """Throughput and latency percentiles, in requests/s and ms."""
        done = len(self.latencies)
        return {
            "value": done / self.seconds,
            "requests": done,
            "p50_ms": statistics.median(self.latencies) * 1000,
            "p99_ms": statistics.quantiles(self.latencies, n=100)[98] * 1000,
            "retries": dict(self.retries),
        }


def retryable(response: httpx.Response) -> str | None:
    """Why an answer calls for the same request again, if it does: a server
    error, or the key's first request still being answered (409)."""
    if response.status_code >= 500:
        return f"status {response.status_code}"
    if response.status_code == 409 and "still being answered" in response.text:
        return "still being answered"
    return None


async def send(
    client: httpx.AsyncClient,
    url: Callable[[int], str],
    method: str,
    path: str,
    body: dict[str, Any] | None,
    load: Load,
) -> httpx.Response:
    """One request, tried again under the same Idempotency-Key after a
    timeout, a refused or broken connection or a retryable answer, with a
    short backoff; the next try may go to another server (`url(try)`)."""
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    for attempt in range(MAX_TRIES):
        try:
            response = await client.request(
                method, url(attempt) + path, json=body, headers=headers
            )
        except httpx.TimeoutException:
            load.retried("timeout")
        except httpx.TransportError:
            load.retried("connection")
        else:
            why = retryable(response)
            if why is None:
                return response
            load.retried(why)
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
) -> Load:
    """Send one request per body, `clients` at a time, spread over `servers`
    in turn; `during` runs beside the clients (a fault, say)."""
    load = Load()
    pending = iter(enumerate(bodies))
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    auth = {"Authorization": f"Bearer {token}"}

    async def client_loop(client: httpx.AsyncClient) -> None:
        for n, body in pending:
            first = n % len(servers)

            def url(attempt: int, first: int = first) -> str:
                return servers[(first + attempt) % len(servers)]

            started = time.perf_counter()
            response = await send(client, url, method, path, body, load)
            load.latencies.append(time.perf_counter() - started)
            if response.status_code >= 300:
                raise RuntimeError(
                    f"{method} {path}: {response.status_code} {response.text}"
                )
            if method == "POST":
                load.answers.append(response.json())

    async with httpx.AsyncClient(
        headers=auth, timeout=TIMEOUT, limits=limits
    ) as client:
        started = time.perf_counter()
        workers = [asyncio.create_task(client_loop(client)) for _ in range(clients)]
        beside = [] if during is None else [asyncio.create_task(during(load))]
        await asyncio.gather(*workers)
        load.seconds = time.perf_counter() - started
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
