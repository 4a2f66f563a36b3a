"""PostgreSQL restarting in the middle of an import: a clear error, no partial
batch, and a rerun that completes with no duplicates."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from ledger.cases.importing import BATCH_SIZE
from tests.conftest import Plaint
from tests.e2e.conftest import PrivateServer

# Six batches: the restart comes once the first is committed, while five
# (several seconds on PostgreSQL) are still to do.
ROWS = 6 * BATCH_SIZE
FILED = "ledger.complaint:Complaint.Filed"


def filed(url: str, schema: str) -> int:
    """Complaints committed to the ledger in `schema`."""
    with psycopg.connect(url) as conn:
        row = conn.execute(
            f'SELECT COUNT(*) FROM "{schema}".plaint_events WHERE topic = %s',
            (FILED,),
        ).fetchone()
    return int(row[0]) if row else 0


def wait_for_the_server(url: str) -> None:
    """The server takes a moment to accept connections again."""
    for _ in range(100):
        try:
            psycopg.connect(url).close()
            return
        except psycopg.OperationalError:
            time.sleep(0.2)


def test_a_restart_during_an_import_is_completed_by_a_rerun(
    private_postgres: PrivateServer, environ: dict[str, str], tmp_path: Path
) -> None:
    schema = "plaint_faults"
    ledger_url = f"{private_postgres.url}?schema={schema}"
    plaint = Plaint(ledger_url, environ, tmp_path)
    plaint.ok("init", "--admin", "ann")
    source = tmp_path / "calls.csv"
    rows = ["project,channel,severity,summary,received_at,external_id\n"]
    rows += [f"P,phone,mild,Call {n},2026-03-01T10:00,X-{n}\n" for n in range(ROWS)]
    source.write_text("".join(rows))
    importer = subprocess.Popen(
        [sys.executable, "-c", "from commands import main; main()",
         "--ledger", ledger_url, "--as", "ann", "import", str(source)],
        env=environ, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while filed(private_postgres.url, schema) < BATCH_SIZE:
        if importer.poll() is not None:
            _, stderr = importer.communicate()
            pytest.fail(f"the import ended before the restart: {stderr}")
        assert time.monotonic() < deadline, "one batch took over two minutes"
        time.sleep(0.02)
    private_postgres.restart()
    _, stderr = importer.communicate(timeout=120)
    # The restart cut the import short: one Error line, no traceback...
    assert importer.returncode == 1, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    # Worded by where the connection was lost (a batch's save, or a query
    # outside the ledger's storage calls); the rest is the driver's words.
    assert re.match(r"Error: the ledger(?:'s database| at \S+) failed: ", lines[0])
    wait_for_the_server(private_postgres.url)
    # ...and only whole batches were written, not all of them.
    committed = filed(private_postgres.url, schema)
    assert committed % BATCH_SIZE == 0, committed
    assert BATCH_SIZE <= committed < ROWS
    done = json.loads(plaint.ok("import", str(source), "--json"))
    assert done == {"imported": ROWS - committed, "skipped": committed,
                    "rejected": []}  # fmt: skip
    listed = json.loads(plaint.ok("list", "--json"))
    assert [r["ref"] for r in listed] == [f"C-{n}" for n in range(1, ROWS + 1)]
    assert json.loads(plaint.ok("verify", "--json"))["ok"]
