"""What witnessing costs filing: `plaint serve` on SQLite signing a
checkpoint every second, with a `plaint witness serve` cosigning each,
against the same server with no witness, in the same run (alternating,
each side's best round kept)."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any

import httpx

from benchmarks.builders import ledger_path
from benchmarks.http import PLAINT, START_TIMEOUT, free_port, plaint, serve_load

EVERY = {"PLAINT_CHECKPOINT_EVERY": "1"}


def start_witness(
    directory: Path, log_vkey: str
) -> tuple[subprocess.Popen[bytes], str, str]:
    """A witness of the log `log_vkey`: its process, URL and verifier key."""
    from ledger.witnessing.keyfile import create_witness_key

    key = directory / "witness.key"
    vkey = create_witness_key(key, "witness.bench")
    port = free_port()
    log = directory / "witness.log"
    with log.open("ab") as out:
        process = subprocess.Popen(
            [*PLAINT, "witness", "serve", "--key", str(key), "--port", str(port),
             "--log", log_vkey],
            stdout=out,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return process, url, vkey
        except httpx.TransportError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"plaint witness serve did not answer: {log.read_text()}")


def one_round(
    directory: Path, count: int, clients: int, witness: bool
) -> dict[str, Any]:
    """Filing `count` complaints on a new ledger, with or without a witness."""
    directory.mkdir(parents=True)
    served, location = str(directory), ledger_path(str(directory))
    started: list[subprocess.Popen[bytes]] = []

    def add_witness() -> None:
        log_vkey = plaint(served, location, "info")["verifier_key"]
        process, url, vkey = start_witness(directory, log_vkey)
        started.append(process)
        plaint(served, location, "witness", "add", url, vkey)

    try:
        prepare = add_witness if witness else None
        done = serve_load(
            served, location, 1, count, clients, False, prepare=prepare, extra=EVERY
        )
        if witness:
            listed = plaint(served, location, "witness", "list")
            done["cosigned"] = bool(listed and listed[0]["cosigned_size"] > 0)
    finally:
        for process in started:
            process.terminate()
            process.wait(15)
    return done


def witnessed(directory: str, count: int, clients: int, rounds: int) -> dict[str, Any]:
    """The best filing rate with a witness and without, `rounds` each."""
    root = Path(directory)
    alone, with_witness = [], []
    for n in range(rounds):
        alone.append(one_round(root / f"alone-{n}", count, clients, False))
        with_witness.append(one_round(root / f"witnessed-{n}", count, clients, True))
    best = max(with_witness, key=lambda done: float(done["value"]))
    baseline = max(float(done["value"]) for done in alone)
    best.pop("healthz")
    return {
        **best,
        "baseline": baseline,
        "cosigned": all(done["cosigned"] for done in with_witness),
        "lost": sum(d["lost"] for d in alone + with_witness),
        "duplicated": sum(d["duplicated"] for d in alone + with_witness),
        "verifies": all(d["verifies"] for d in alone + with_witness),
    }
