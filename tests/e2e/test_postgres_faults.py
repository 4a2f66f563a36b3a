"""PostgreSQL restarting in the middle of an import: a clear error, no partial
batch, and a rerun that completes with no duplicates."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from tests.conftest import POSTGRES_URL, Plaint

ROWS = 2500


def restart_command() -> list[str]:
    clusters = (
        sorted(os.listdir("/etc/postgresql"))
        if os.path.isdir("/etc/postgresql")
        else []
    )
    if not clusters or shutil.which("pg_ctlcluster") is None or os.geteuid() != 0:
        if os.environ.get("PLAINT_REQUIRE_POSTGRES") == "1":
            pytest.fail("restarting PostgreSQL needs pg_ctlcluster, run as root")
        pytest.skip("restarting PostgreSQL needs pg_ctlcluster, run as root")
    return [
        "pg_ctlcluster",
        "--skip-systemctl-redirect",
        clusters[-1],
        "main",
        "restart",
    ]


def stored_events(schema: str) -> int:
    with psycopg.connect(POSTGRES_URL) as conn:
        row = conn.execute(f'SELECT COUNT(*) FROM "{schema}".plaint_events').fetchone()
    return int(row[0]) if row else 0


def test_a_restart_during_an_import_is_completed_by_a_rerun(
    postgres_ledger: str, environ: dict[str, str], tmp_path: Path
) -> None:
    restart = restart_command()
    plaint = Plaint(postgres_ledger, environ, tmp_path)
    plaint.ok("init", "--admin", "ann")
    source = tmp_path / "calls.csv"
    rows = ["project,channel,severity,summary,received_at,external_id\n"]
    rows += [f"P,phone,mild,Call {n},2026-03-01T10:00,X-{n}\n" for n in range(ROWS)]
    source.write_text("".join(rows))
    schema = postgres_ledger.rpartition("schema=")[2]
    importer = subprocess.Popen(
        [sys.executable, "-c", "from commands import main; main()",
         "--ledger", postgres_ledger, "--as", "ann", "import", str(source)],
        env=environ, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    while stored_events(schema) < 300 and importer.poll() is None:
        time.sleep(0.05)
    subprocess.run(restart, check=True, capture_output=True)
    _, stderr = importer.communicate(timeout=120)
    assert "Traceback" not in stderr
    if importer.returncode != 0:
        lines = stderr.strip().splitlines()
        assert len(lines) == 1, stderr
        assert lines[0].startswith("Error: ")
    for _ in range(50):  # the server takes a moment to accept connections again
        try:
            psycopg.connect(POSTGRES_URL).close()
            break
        except psycopg.OperationalError:
            time.sleep(0.2)
    done = json.loads(plaint.ok("import", str(source), "--json"))
    assert done["imported"] + done["skipped"] == ROWS
    listed = json.loads(plaint.ok("list", "--json"))
    assert [r["ref"] for r in listed] == [f"C-{n}" for n in range(1, ROWS + 1)]
    assert json.loads(plaint.ok("verify", "--json"))["ok"]
