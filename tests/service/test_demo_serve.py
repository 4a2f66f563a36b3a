"""`plaint demo --serve`: the sample ledger served, with passwords to try it."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.service.conftest import START_TIMEOUT, free_port


def test_the_served_demo_signs_in_its_members_with_the_passwords_it_printed(
    tmp_path: Path, environ: dict[str, str]
) -> None:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", "import commands; commands.main()", "--as", "ann",
         "demo", str(tmp_path / "demo"), "--complaints", "20", "--serve",
         "--port", str(port)],
        env=environ, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        printed = ""
        deadline = time.monotonic() + START_TIMEOUT * 2
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            printed += line
            if re.match(r"  nia +\S+$", line.rstrip("\n")):
                break
        passwords = dict(re.findall(r"^  (\w+) +(\S+)$", printed, re.MULTILINE))
        assert set(passwords) == {"ann", "lee", "bob", "nia"}, printed
        url = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=url, timeout=10) as client:
            while time.monotonic() < deadline:
                try:
                    if client.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.2)
            nonce = client.get("/login").cookies["plaint-login"]
            signed_in = client.post(
                "/login",
                data={"member": "lee", "password": passwords["lee"], "csrf": nonce},
            )
            listed = client.get("/api/v1/complaints")
            nonce = client.get("/login").cookies["plaint-login"]
            wrong = client.post(
                "/login",
                data={"member": "bob", "password": passwords["lee"], "csrf": nonce},
            )
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()
    assert signed_in.status_code == 303
    assert listed.status_code == 200
    assert len(listed.json()) > 10  # about 20, as asked
    assert wrong.status_code == 401
