"""What witnessing costs filing: two `plaint serve` on SQLite, each on its
own ledger and signing a checkpoint every second, one with a `plaint witness
serve` cosigning each checkpoint. Both stay up while bursts of filings go
to one and then the other, alternating, so that the load the rest of the
machine puts on them falls on both alike. The figure held to the target is
the median, over the rounds, of the witnessed burst's rate over the other's
in the same round; the table shows each side's median burst."""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx

from benchmarks.builders import create, ledger_path
from benchmarks.http import (
    FILE_PATH,
    PLAINT,
    START_TIMEOUT,
    Server,
    check,
    free_port,
    intake_token,
    plaint,
)
from benchmarks.httpclients import Load, drive, filings

EVERY = {"PLAINT_CHECKPOINT_EVERY": "1"}


def start_witness(directory: Path, log_vkey: str) -> subprocess.Popen[bytes]:
    """A witness of the log `log_vkey`, named to the ledger in `directory`."""
    from ledger.witnessing.keyfile import create_witness_key

    key = directory / "witness.key"
    vkey = create_witness_key(key, "witness.bench")
    url = f"http://127.0.0.1:{free_port()}"
    log = directory / "witness.log"
    with log.open("ab") as out:
        process = subprocess.Popen(
            [*PLAINT, "witness", "serve", "--key", str(key), "--port",
             url.rpartition(":")[2], "--log", log_vkey],
            stdout=out,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                plaint(str(directory), ledger_path(str(directory)),
                       "witness", "add", url, vkey)  # fmt: skip
                return process
        except httpx.TransportError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"plaint witness serve did not answer: {log.read_text()}")


class Side:
    """One server on a ledger of its own (with a witness or not), the
    bursts it filed and their rates."""

    def __init__(self, directory: Path, witness: bool) -> None:
        directory.mkdir(parents=True)
        self.directory, self.location = str(directory), ledger_path(str(directory))
        create(self.directory, self.location).close()
        self.witness = (
            start_witness(directory, plaint(self.directory, self.location, "info")
                          ["verifier_key"])
            if witness else None
        )  # fmt: skip
        self.token = intake_token(self.directory, self.location)
        self.server = Server(self.location, self.directory, free_port(), extra=EVERY)
        self.server.start()
        self.filed = Load()
        self.rates: list[float] = []

    def burst(self, bodies: list[dict[str, Any]], clients: int) -> None:
        """File `bodies`; keep the rate and the answers."""
        load = asyncio.run(
            drive([self.server.url], self.token, "POST", FILE_PATH, bodies, clients)
        )
        self.rates.append(load.figures()["value"])
        self.filed.answers += load.answers
        self.filed.latencies += load.latencies

    def finish(self, bodies: list[dict[str, Any]]) -> dict[str, Any]:
        """Stop; the checks of its filings of `bodies`."""
        self.server.stop()
        if self.witness is not None:
            self.witness.terminate()
            self.witness.wait(15)
        return check(self.directory, self.location, bodies, self.filed.answers)


def witnessed(directory: str, count: int, clients: int, rounds: int) -> dict[str, Any]:
    """`rounds` bursts of `count` filings to each side, alternating."""
    root = Path(directory)
    alone, with_witness = Side(root / "alone", False), Side(root / "witnessed", True)
    bodies = filings(count * rounds)
    try:
        for n in range(rounds):
            burst = bodies[n * count : (n + 1) * count]
            order = (alone, with_witness) if n % 2 == 0 else (with_witness, alone)
            for side in order:
                side.burst(burst, clients)
    finally:
        checked = [side.finish(bodies) for side in (alone, with_witness)]
    listed = plaint(with_witness.directory, with_witness.location, "witness", "list")
    return {
        "paired_ratio": statistics.median(
            w / a for w, a in zip(with_witness.rates, alone.rates, strict=True)
        ),
        "value": statistics.median(with_witness.rates),
        "baseline": statistics.median(alone.rates),
        "rates_witnessed": [round(r, 1) for r in with_witness.rates],
        "rates_alone": [round(r, 1) for r in alone.rates],
        "cosigned": bool(listed and listed[0]["cosigned_size"] > 0),
        "lost": sum(c["lost"] for c in checked),
        "duplicated": sum(c["duplicated"] for c in checked),
        "gapless_references": all(c["gapless_references"] for c in checked),
        "verifies": all(c["verifies"] for c in checked),
    }
