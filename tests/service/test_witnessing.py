"""Witnessed checkpoints with real processes on 127.0.0.1: `plaint witness
serve` subprocesses, the CLI and `plaint serve`. The attack the witnesses
are for (the newest events removed with every checkpoint and cosignature
that told of them), and a witness that is down while the ledger writes."""

from __future__ import annotations

import json
import re
import socket
import time
from collections.abc import Callable

import httpx
import pytest

from ledger.witnessing.protocol import request_body
from tests.conftest import Plaint, error_line
from tests.service.conftest import Server, WitnessProcess, intrude, roll_back

FILE = ["file", "--project", "P", "--channel", "web", "--severity", "mild"]
FILING = {"project": "P", "channel": "web", "severity": "mild", "summary": "x"}


def checkpoint(plaint: Plaint) -> int:
    """Sign a checkpoint; its size (the witnesses were asked)."""
    return int(json.loads(plaint.ok("checkpoint", "--json"))["size"])


def test_a_rollback_after_a_witness_cosigned_fails_verify_and_the_witness_refuses_it(
    plaint: Plaint, witnesses: Callable[[str], WitnessProcess]
) -> None:
    witness = witnesses("w1.example")
    witness.start()
    assert plaint.ok("witness", "add", witness.url, witness.vkey) == (
        f"Witness w1.example at {witness.url} added.\n"
    )
    for n in range(3):
        plaint.ok(*FILE, "--summary", f"kept {n}")
    kept = checkpoint(plaint)
    plaint.ok("note", "C-1", "after the checkpoint")
    route = json.loads(plaint.ok("report", "route", "C-1", "--json"))["events"]
    assert [(e["signed"], e["witnessed"]) for e in route] == [(True, True)] * (
        len(route) - 1
    ) + [(False, False)]
    for n in range(3):
        plaint.ok(*FILE, "--summary", f"removed {n}")
    result = plaint("checkpoint")
    assert result.stdout.endswith("\nCosigned by w1.example.\n")
    cosigned = int(result.stdout.split()[2])
    proofs = plaint.home / "proofs"
    plaint.ok("proof", "C-1", "--tlog-proof", str(proofs))
    for proof in proofs.iterdir():
        assert "\n\u2014 w1.example " in proof.read_text()
    assert plaint.ok("verify", "--witness", witness.vkey).splitlines()[-1] == (
        f"Witnessed: the first {cosigned} events, by 1 witnesses."
    )

    roll_back(plaint, kept)

    # Nothing local can tell...
    assert plaint("verify").exit_code == 0
    # ...but the witness remembers.
    refused = plaint("verify", "--witness", witness.vkey)
    assert refused.exit_code == 1
    assert re.fullmatch(
        f"Error: the log failed verification: witness w1.example cosigned a "
        f"checkpoint of {cosigned} events at [0-9T:+-]+, but the log holds "
        f"{kept}: events were removed from its end \\(a rollback\\)",
        error_line(refused.stderr),
    )
    # The ledger goes on and offers the rolled-back log: refused.
    plaint.ok(*FILE, "--summary", "after the rollback")
    offered = plaint("checkpoint")
    size = int(offered.stdout.split()[2])
    assert size < cosigned
    assert offered.stderr == (
        f"Warning: witness w1.example did not cosign: the witness holds a "
        f"checkpoint of {cosigned} events but the log's latest covers {size}: "
        "events were removed from the log (it is asked again with the next "
        "checkpoint)\n"
    )
    note = plaint.ok("checkpoint", "export")
    answer = httpx.post(
        f"{witness.url}/add-checkpoint", content=request_body(kept, [], note)
    )
    assert (answer.status_code, answer.text) == (409, f"{cosigned}\n")
    assert answer.headers["content-type"] == "text/x.tlog.size"
    assert plaint("verify", "--witness", witness.vkey).exit_code == 1
    # An intruder who also points the ledger's record of the witness
    # elsewhere leaves verify only the kept cosignatures, which cover what
    # is left; the witness's address given with its key is asked anyway.
    intrude(plaint, "UPDATE plaint_witnesses SET url = 'http://127.0.0.1:9'")
    misled = plaint("verify", "--witness", witness.vkey)
    assert misled.exit_code == 0
    assert "could not be reached" in misled.stderr
    pinned = plaint("verify", "--witness", f"{witness.vkey}@{witness.url}")
    assert pinned.exit_code == 1
    assert "(a rollback)" in error_line(pinned.stderr)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_with_one_of_two_witnesses_down_writing_goes_on_and_it_cosigns_on_return(
    plaint: Plaint,
    serve: Callable[..., Server],
    witnesses: Callable[[str], WitnessProcess],
) -> None:
    up, down = witnesses("up.example"), witnesses("down.example")
    up.start()
    plaint.ok("witness", "add", up.url, up.vkey)
    plaint.ok("witness", "add", down.url, down.vkey)
    # Down the worst way: its port takes connections and never answers, so
    # each request to it lasts until the server's timeout (10 s).
    with socket.create_server(("127.0.0.1", int(down.url.rpartition(":")[2]))):
        server = serve(PLAINT_CHECKPOINT_EVERY="0.2")
        client = server.client(server.token("bob"))
        for _ in range(5):
            started = time.monotonic()
            assert client.post("/api/v1/complaints", json=FILING).status_code == 201
            assert time.monotonic() - started < 5
        # The other witness's cosignature does not wait for that timeout.
        cosigned_by = wait_for_cosignatures(client, {"up.example"}, within=8)
        assert "down.example" not in cosigned_by

    down.start()
    wait_for_cosignatures(client, {"up.example", "down.example"})
    listed = {w["name"]: w for w in json.loads(plaint.ok("witness", "list", "--json"))}
    assert [w["problem"] for w in listed.values()] == [None, None]
    both = ["--witness", up.vkey, "--witness", down.vkey, "--min", "2"]
    verified = plaint("verify", *both)
    assert verified.exit_code == 0, verified.stderr
    assert "by 2 witnesses." in verified.stdout


def wait_for_cosignatures(
    client: httpx.Client, names: set[str], within: float = 30
) -> set[str]:
    """The witnesses whose cosignatures the served checkpoint carries, once
    it carries `names`' (at most `within` seconds)."""
    deadline = time.monotonic() + within
    found: set[str] = set()
    while time.monotonic() < deadline:
        answer = client.get("/log/checkpoint")
        if answer.status_code == 200:
            lines = answer.text.partition("\n\n")[2].splitlines()
            found = {line.split(" ")[1] for line in lines}
            if names <= found:
                return found
        time.sleep(0.1)
    pytest.fail(f"the checkpoint carries cosignatures of {found}, not {names}")
