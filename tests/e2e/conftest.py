"""Fixtures of the end-to-end tests that need a server of their own."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from benchmarks.http import free_port


@dataclass(frozen=True)
class PrivateServer:
    """A PostgreSQL server of this test's own, so that restarting it cuts
    no other test's connections (the suite runs in parallel)."""

    url: str
    pg_ctl: list[str]
    options: str
    log: Path

    def control(self, *action: str) -> None:
        """Run `pg_ctl ACTION`; its output, and the server's that it starts
        (which would hold a pipe open), go to the server's log."""
        with self.log.open("a") as log:
            subprocess.run(
                [*self.pg_ctl, *action], stdout=log, stderr=subprocess.STDOUT,
                check=True,
            )  # fmt: skip

    def restart(self) -> None:
        """A fast restart: every connection is cut."""
        self.control("-m", "fast", "-o", self.options, "restart")


def server_binaries() -> Path:
    """The folder of Debian's PostgreSQL server programs, newest version."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not found:
        reason = "a private PostgreSQL server needs Debian's postgresql package"
        if os.environ.get("PLAINT_REQUIRE_POSTGRES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return found[-1].parent


@pytest.fixture
def private_postgres() -> Iterator[PrivateServer]:
    """initdb in a temporary folder, started on a free loopback port; as
    root, the server runs as the `postgres` user, which initdb requires (in
    a folder of its own: pytest's are closed to other users)."""
    binaries = server_binaries()
    with tempfile.TemporaryDirectory(prefix="plaint-pg-") as folder:
        yield from _started(binaries, Path(folder))


def _started(binaries: Path, tmp_path: Path) -> Iterator[PrivateServer]:
    data = tmp_path / "pgdata"
    data.mkdir()
    as_owner: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(tmp_path, "postgres")
        shutil.chown(data, "postgres")
        as_owner = ["runuser", "-u", "postgres", "--"]
    port = free_port()
    subprocess.run(
        [*as_owner, str(binaries / "initdb"), "-D", str(data), "-U", "postgres",
         "--auth=trust", "--no-sync"],
        check=True, capture_output=True,
    )  # fmt: skip
    options = f"-p {port} -k {tmp_path} -c listen_addresses=127.0.0.1 -c fsync=off"
    server = PrivateServer(
        url=f"postgresql://postgres@127.0.0.1:{port}/postgres",
        pg_ctl=[*as_owner, str(binaries / "pg_ctl"), "-D", str(data), "-w"],
        options=options,
        log=tmp_path / "server.log",
    )
    server.control("-o", options, "start")
    try:
        yield server
    finally:
        server.control("-m", "immediate", "stop")
