"""Several people filing at the same moment still get unique, gapless references."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import Plaint

FILERS = 4
EACH = 8

FILE_IN_A_LOOP = """
import sys
from click.testing import CliRunner
from commands import cli
ledger, name, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
for n in range(count):
    result = CliRunner().invoke(cli, ["--ledger", ledger, "--as", "bob", "file",
        "--project", "P", "--channel", "web", "--severity", "mild",
        "--summary", f"{name}-{n}", "--json"])
    assert result.exit_code == 0, result.output
    print(result.stdout.replace("\\n", " "))
"""


def test_concurrent_filers_get_unique_gapless_references(plaint: Plaint) -> None:
    filers = [
        subprocess.Popen(
            [sys.executable, "-c", FILE_IN_A_LOOP, plaint.ledger, f"f{i}", str(EACH)],
            env=plaint.environ,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(FILERS)
    ]
    outputs = [f.communicate(timeout=120) for f in filers]
    assert [f.returncode for f in filers] == [0] * FILERS, [e for _, e in outputs]
    refs = [json.loads(line)["ref"] for out, _ in outputs for line in out.splitlines()]
    assert sorted(refs, key=lambda r: int(r[2:])) == [
        f"C-{n}" for n in range(1, FILERS * EACH + 1)
    ]
    listed = json.loads(plaint.ok("list", "--json"))
    assert len(listed) == FILERS * EACH
    summaries = {json.loads(plaint.ok("show", r, "--json"))["summary"] for r in refs}
    assert summaries == {f"f{i}-{n}" for i in range(FILERS) for n in range(EACH)}
