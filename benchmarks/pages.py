"""The staff pages at scale: my queue (`/`), all complaints (`/complaints`,
the first page and a filtered page) and one complaint (`/complaints/{ref}`),
each timed on a real `plaint serve` over a small and a large ledger in the
same run; the large one's median over the small one's is the figure.

Both ledgers are built the same way, by the bulk import (with its worker
processes): `complaints` imported complaints (all open, their deadlines
past, as a backlog), filed by admin ann; of them, lead lee owns the same
`OWNED` complaints at either size (assigned to lee), so that the queue
measured is one member's workload in a ledger that grows around it. The
views are caught up before the clock starts (one request per page). On
PostgreSQL the SQLite ledgers are copied into a schema each.
"""

from __future__ import annotations

import statistics
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from benchmarks.builders import create, environ_for, records
from benchmarks.http import PLAINT, Server, free_port

OWNED = 60
# The pages timed: (key, path).
PAGES = (
    ("queue", "/"),
    ("list", "/complaints"),
    ("filtered", "/complaints?project=Project+3&status=received&severity=severe"),
    ("complaint", "/complaints/{ref}"),
)
PASSWORD = "correct horse battery staple"  # noqa: S105


def build(directory: str, location: str, complaints: int) -> str:
    """A ledger at `location` of `complaints` imported complaints, `OWNED`
    of them assigned to lee (who has a password); the reference of one near
    the end, whose page is timed."""
    ledger = create(directory, location)
    try:
        ledger.add_member("lee", _role("lead"))
        ledger.set_password("lee", PASSWORD)
        ledger.import_records(lambda: records(0, complaints), workers=True)
        step = max(1, complaints // OWNED)
        for number in range(1, complaints + 1, step)[:OWNED]:
            ledger.assign(f"C-{number}", "lee")
    finally:
        ledger.close()
    return f"C-{complaints - 1}"


def _role(name: str) -> Any:
    from ledger.domain.vocabulary import Role

    return Role(name)


def signed_in(url: str) -> httpx.Client:
    """A client signed in as lee through /login."""
    # The first request catches the views up: 200,000 events on PostgreSQL
    # take minutes.
    client = httpx.Client(base_url=url, timeout=900)
    nonce = client.get("/login").cookies["plaint-login"]
    done = client.post(
        "/login", data={"member": "lee", "password": PASSWORD, "csrf": nonce}
    )
    if done.status_code != 303:
        raise RuntimeError(f"signing in failed: {done.status_code} {done.text[:300]}")
    return client


def get(client: httpx.Client, path: str) -> float:
    """Seconds to answer one GET of `path` (which must succeed)."""
    start = time.perf_counter()
    answer = client.get(path)
    took = time.perf_counter() - start
    if answer.status_code != 200:
        raise RuntimeError(f"{path}: {answer.status_code} {answer.text[:300]}")
    return took


def time_pages(urls: dict[int, str], refs: dict[int, str], runs: int) -> dict[str, Any]:
    """Each page's median milliseconds over `runs` requests on each server
    (by ledger size), the sizes' requests taking turns so that the machine's
    load weighs on both alike; after one request each, which catches the
    views up."""
    clients = {size: signed_in(url) for size, url in urls.items()}
    found: dict[str, Any] = {}
    try:
        for key, path in PAGES:
            times: dict[int, list[float]] = {size: [] for size in urls}
            for size, client in clients.items():
                get(client, path.format(ref=refs[size]))
            for _ in range(runs):
                for size, client in clients.items():
                    times[size].append(get(client, path.format(ref=refs[size])))
            found[key] = {
                size: statistics.median(t) * 1000 for size, t in times.items()
            }
    finally:
        for client in clients.values():
            client.close()
    return found


def measure(
    directory: str, locations: dict[int, str], refs: dict[int, str], runs: int
) -> dict[str, Any]:
    """Serve the ledger of each size (at `locations`) and time the pages."""
    servers = {
        size: Server(location, str(Path(directory) / str(size)), free_port())
        for size, location in locations.items()
    }
    try:
        for server in servers.values():
            server.start()
        urls = {size: server.url for size, server in servers.items()}
        return time_pages(urls, refs, runs)
    finally:
        for server in servers.values():
            server.stop()


def built(directory: str, sizes: tuple[int, int]) -> tuple[dict[int, str], Any]:
    """A SQLite ledger of each size under `directory`; their files, the
    reference each times, and how long each took to build."""
    files, refs, seconds = {}, {}, {}
    for size in sizes:
        where = Path(directory) / str(size)
        where.mkdir(parents=True, exist_ok=True)
        files[size] = str(where / "ledger.sqlite")
        started = time.perf_counter()
        refs[size] = build(str(where), files[size], size)
        seconds[size] = time.perf_counter() - started
    return files, (refs, seconds)


def sqlite(directory: str, sizes: tuple[int, int], runs: int) -> dict[str, Any]:
    """Each page's median at both sizes, on SQLite files."""
    files, (refs, seconds) = built(directory, sizes)
    return {"ms": measure(directory, files, refs, runs), "build_s": seconds}


def postgres(
    url: str, directory: str, sizes: tuple[int, int], runs: int
) -> dict[str, Any]:
    """The same on PostgreSQL, each size in a schema of its own (dropped),
    copied there from SQLite by `plaint migrate-storage` (as stored: the
    same events, keys and checkpoints), the views built by the first
    request. Not imported into PostgreSQL directly: on 2026-11-30 an import
    of 100,000 records into PostgreSQL failed ("the last operation didn't
    produce records"), which 5,000 do not."""
    from benchmarks.pgload import drop_schemas

    files, (refs, seconds) = built(directory, sizes)
    schemas = {n: f"{url}?schema=bench_{uuid.uuid4().hex[:10]}" for n in sizes}
    try:
        for size, schema in schemas.items():
            started = time.perf_counter()
            copy(str(Path(directory) / str(size)), files[size], schema)
            seconds[size] += time.perf_counter() - started
        return {"ms": measure(directory, schemas, refs, runs), "build_s": seconds}
    finally:
        drop_schemas(url, *schemas.values())


def copy(directory: str, source: str, target: str) -> None:
    """`plaint migrate-storage --from source --to target`, as admin ann."""
    env = {**environ_for(directory), "PLAINT_ACTOR": "ann"}
    done = subprocess.run(
        [*PLAINT, "migrate-storage", "--from", source, "--to", target],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode:
        raise RuntimeError(f"plaint migrate-storage: {done.stderr[-2000:]}")
