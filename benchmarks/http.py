"""HTTP filing: concurrent clients filing complaints through `plaint serve`,
against the same server answering /healthz (the framework's floor) and
`ComplaintLedger.file` in-process, all in the same run; on SQLite with one
server, on PostgreSQL with two on one ledger, and on PostgreSQL again with
one server killed (kill -9) mid-load and restarted, the clients retrying
with the same Idempotency-Keys. Every run is checked afterwards: no
complaint lost or filed twice, references C-1..C-N without gaps, and a
ledger that verifies."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from benchmarks.builders import create, environ_for, intake, ledger_path
from benchmarks.httpclients import Load, drive, filings, healthz
from benchmarks.measure import rate, timed

PLAINT = [sys.executable, "-c", "from commands import main; main()"]
START_TIMEOUT = 60.0
FILE_PATH = "/api/v1/complaints"
# With PLAINT_BENCH_PROFILE=DIR set, each server runs under cProfile (in every
# thread, since the endpoints run in FastAPI's thread pool) and writes
# DIR/serve-<port>.prof when it stops.
PROFILE = "PLAINT_BENCH_PROFILE"
PROFILED = """
import cProfile, pstats, signal, sys, threading
out = sys.argv.pop(1)
# uvicorn raises SIGTERM again once it has shut down: exit, and write the stats.
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
profiles = []
def start(*_):
    profile = cProfile.Profile()
    profiles.append(profile)
    profile.enable()
threading.setprofile(start)
main_profile = cProfile.Profile()
profiles.append(main_profile)
main_profile.enable()
try:
    from commands import main
    main()
except SystemExit:
    pass
finally:
    for profile in profiles:
        profile.disable()
    pstats.Stats(*profiles).dump_stats(out)
"""


def free_port() -> int:
    """A port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Server:
    """A `plaint serve` process on one port, restartable on the same port."""

    location: str
    directory: str
    port: int
    process: subprocess.Popen[bytes] | None = None
    # More of the server's environment (PLAINT_CHECKPOINT_EVERY, say).
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start the server; return once /healthz answers."""
        env = {**environ_for(self.directory), "PLAINT_LEDGER": self.location}
        env.update(self.extra)
        serve = ["serve", "--host", "127.0.0.1", "--port", str(self.port)]
        command = [*PLAINT, *serve]
        if env.get(PROFILE):
            out = Path(env[PROFILE]) / f"serve-{self.port}.prof"
            command = [sys.executable, "-c", PROFILED, str(out), *serve]
            env["PYTHONPATH"] = str(Path(__file__).parent.parent)
        log = Path(self.directory) / f"serve-{self.port}.log"
        with log.open("ab") as out_file:
            self.process = subprocess.Popen(
                command, env=env, stdout=out_file, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"plaint serve exited: {log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.05)
        raise RuntimeError(f"plaint serve did not answer: {log.read_text()[-2000:]}")

    def cpu(self) -> float:
        """The CPU seconds (user and system) the server process has used."""
        assert self.process is not None
        stat = Path(f"/proc/{self.process.pid}/stat").read_text()
        fields = stat.rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def kill(self) -> None:
        """kill -9, as a crash or the OOM killer does."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        """Stop the server as an operator does (SIGTERM)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def plaint(directory: str, location: str, *args: str) -> Any:
    """Run the CLI as admin ann on the ledger; its `--json` output."""
    env = {**environ_for(directory), "PLAINT_LEDGER": location, "PLAINT_ACTOR": "ann"}
    done = subprocess.run(
        [*PLAINT, *args, "--json"], env=env, capture_output=True, text=True
    )
    if done.returncode:
        raise RuntimeError(f"plaint {' '.join(args)}: {done.stderr}")
    return json.loads(done.stdout)


def intake_token(directory: str, location: str) -> str:
    """An API token of admin ann's, scoped to filing complaints."""
    made = plaint(
        directory, location, "token", "create", "--member", "ann", "--scope", "intake"
    )
    return str(made["token"])


def kill_once(servers: list[Server], count: int) -> Any:
    """A fault for `drive`: kill -9 the first server when a third of the
    `count` requests are answered, and start it again on the same port."""

    async def fault(load: Load) -> None:
        while len(load.latencies) < count // 3:
            await asyncio.sleep(0.01)
        servers[0].kill()
        load.retried("server killed")
        await asyncio.to_thread(servers[0].start)

    return fault


def serve_load(
    directory: str,
    location: str,
    servers: int,
    count: int,
    clients: int,
    fault: bool,
    *,
    prepare: Callable[[], object] | None = None,
    extra: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Start `servers` servers on a new ledger at `location` (after
    `prepare`, with `extra` in their environment); /healthz then filing,
    `count` requests each from `clients` clients; the checks."""
    ledger = create(directory, location)
    ledger.close()
    if prepare is not None:
        prepare()
    token = intake_token(directory, location)
    running = [
        Server(location, directory, free_port(), extra=dict(extra or {}))
        for _ in range(servers)
    ]
    unkeyed = not fault
    bodies = filings(count * 2 if unkeyed else count)
    try:
        for server in running:
            server.start()
        urls = [server.url for server in running]

        def measured(method: str, path: str, load: Any, **options: Any) -> Load:
            cpu = sum(server.cpu() for server in running)
            done = asyncio.run(
                drive(urls, token, method, path, load, clients, **options)
            )
            # After a kill -9 the restarted server's CPU starts again at 0.
            done.server_cpu = sum(server.cpu() for server in running) - cpu
            return done

        floor = measured("GET", "/healthz", healthz(count))
        during = kill_once(running, count) if fault else None
        filed = measured("POST", FILE_PATH, bodies[:count], during=during)
        plain = (
            measured("POST", FILE_PATH, bodies[count:], keyed=False)
            if unkeyed
            else None
        )
    finally:
        for server in running:
            server.stop()
    answered = filed.answers + ([] if plain is None else plain.answers)
    return {
        **filed.figures(),
        "healthz": floor.figures(),
        **({} if plain is None else {"unkeyed": plain.figures()}),
        **check(directory, location, bodies, answered),
    }


def check(
    directory: str, location: str, bodies: list[dict[str, Any]], answers: list[Any]
) -> dict[str, Any]:
    """After a load filing `bodies`: complaints lost (a body whose complaint
    is not in `plaint list --json`) and filed twice (a body filed as two
    complaints, or a complaint no client was answered with), the references
    C-1..C-N without gaps, and `plaint verify`."""
    listed = {row["ref"] for row in plaint(directory, location, "list")}
    answered = [answer["ref"] for answer in answers]
    summaries = summaries_of(directory, location, sorted(listed))
    wanted = {body["summary"] for body in bodies}
    numbers = sorted(int(ref.removeprefix("C-")) for ref in listed)
    verdict = plaint(directory, location, "verify")
    return {
        "complaints": len(listed),
        "lost": len(wanted - set(summaries)) + len(set(answered) - listed),
        "duplicated": len(summaries)
        - len(set(summaries))
        + len(answered)
        - len(set(answered))
        + len(listed - set(answered)),
        "gapless_references": numbers == list(range(1, len(bodies) + 1)),
        "verifies": bool(verdict["ok"]),
    }


def summaries_of(directory: str, location: str, refs: list[str]) -> list[str]:
    """The summary of each complaint, read in-process as admin ann."""
    from ledger.application import ComplaintLedger
    from ledger.storage.location import parse_location

    environ = environ_for(directory)
    ledger = ComplaintLedger.open(
        parse_location(location, environ), actor="ann", environ=environ
    )
    try:
        return [str(ledger.show(ref)["summary"]) for ref in refs]
    finally:
        ledger.close()


def in_process(directory: str, location: str, count: int) -> dict[str, Any]:
    """`ComplaintLedger.file`, one complaint after another, on a new ledger."""
    ledger = create(directory, location)
    filed = [intake(n, external=False) for n in range(count)]
    cpu = time.process_time()
    seconds = timed(lambda: [ledger.file(each) for each in filed])
    cpu = time.process_time() - cpu
    ledger.close()
    return {
        "value": rate(count, seconds),
        "seconds": seconds,
        "cpu_ms": cpu / count * 1000,
    }


def sqlite(directory: str, count: int, clients: int) -> dict[str, Any]:
    """One server on a SQLite ledger, against its /healthz and in-process filing."""
    root = Path(directory)
    (root / "serve").mkdir(parents=True)
    (root / "inproc").mkdir(parents=True)
    served = str(root / "serve")
    done = serve_load(served, ledger_path(served), 1, count, clients, fault=False)
    inproc = str(root / "inproc")
    baseline = in_process(inproc, ledger_path(inproc), count)
    return {
        **done,
        "baseline": baseline["value"],
        "baseline_cpu_ms": baseline["cpu_ms"],
    }


def postgres(
    url: str, directory: str, count: int, clients: int, fault: bool
) -> dict[str, Any]:
    """Two servers on one PostgreSQL ledger (clients alternate between them),
    against their /healthz and in-process filing on the same server; with
    `fault`, one of them killed mid-load and restarted."""
    from benchmarks.pgload import drop_schemas

    root = Path(directory)
    (root / "serve").mkdir(parents=True)
    (root / "inproc").mkdir(parents=True)
    served = f"{url}?schema=bench_{uuid.uuid4().hex[:10]}"
    inproc = f"{url}?schema=bench_{uuid.uuid4().hex[:10]}"
    try:
        done = serve_load(str(root / "serve"), served, 2, count, clients, fault)
        baseline = in_process(str(root / "inproc"), inproc, count)
    finally:
        drop_schemas(url, served, inproc)
    return {
        **done,
        "baseline": baseline["value"],
        "baseline_cpu_ms": baseline["cpu_ms"],
    }
