"""A server killed (kill -9) while clients file complaints, then started
again: the clients, retrying each request with its own Idempotency-Key,
end with every complaint filed exactly once."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from benchmarks.httpclients import Load, drive, filings
from tests.service.conftest import Server

COMPLAINTS = 60
CLIENTS = 8


def test_retries_with_the_same_keys_file_each_complaint_once_across_a_kill_9(
    serve: Callable[..., Server],
) -> None:
    server = serve()
    token = server.token("ann", "intake")
    bodies = filings(COMPLAINTS)

    async def crash(load: Load) -> None:
        while len(load.latencies) < COMPLAINTS // 3:
            await asyncio.sleep(0.01)
        server.kill()
        await asyncio.to_thread(server.restart)

    done = asyncio.run(
        drive([server.url], token, "POST", "/api/v1/complaints", bodies, CLIENTS, crash)
    )

    assert done.retries.get("connection", 0) > 0, "the kill interrupted no request"
    answered = sorted(int(a["ref"].removeprefix("C-")) for a in done.answers)
    assert answered == list(range(1, COMPLAINTS + 1))
    ledger = server.plaint.open("ann")
    try:
        assert ledger.complaint_count() == COMPLAINTS
        summaries = [ledger.show(f"C-{n}")["summary"] for n in range(1, COMPLAINTS + 1)]
        assert sorted(summaries) == sorted(body["summary"] for body in bodies)
        assert ledger.verify()["ok"]
    finally:
        ledger.close()
