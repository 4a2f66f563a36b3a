"""A failed `plaint init` leaves nothing behind, so the next one can succeed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import Plaint


def leftovers(ledger: str) -> list[str]:
    """What is left of a ledger at `ledger`: files, or tables in the schema."""
    if not ledger.startswith("postgresql://"):
        return sorted(str(p) for p in Path(ledger).parent.glob(Path(ledger).name + "*"))
    import psycopg

    url, _, schema = ledger.partition("?schema=")
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
            (schema,),
        ).fetchall()
    return sorted(row[0] for row in rows)


@pytest.mark.parametrize(
    ("existing", "variables"),
    [
        ("master.key", {}),
        ("master.signing.key", {}),
        ("master.key", {"PLAINT_MASTER_KEY": "not a key"}),
    ],
)
def test_a_failed_init_leaves_no_ledger_and_no_key_behind(
    backend: str,
    environ: dict[str, str],
    tmp_path: Path,
    existing: str,
    variables: dict[str, str],
) -> None:
    keys = tmp_path / "keys"
    keys.mkdir(mode=0o700)
    (keys / existing).write_text("someone else's key\n", encoding="ascii")
    os.chmod(keys / existing, 0o600)
    key_file = keys / "master.key"
    run = Plaint(
        backend, {**environ, "PLAINT_KEY_FILE": str(key_file), **variables}, tmp_path
    )
    result = run("init", "--admin", "ann")
    assert result.exit_code == 1
    if variables:
        expected = (
            "Error: the master key in PLAINT_MASTER_KEY is not a base64-encoded "
            "32-byte key"
        )
    else:
        expected = (
            f"Error: {keys / existing} already exists; plaint never overwrites a key"
        )
    assert result.stderr.strip() == expected
    assert leftovers(backend) == []
    assert sorted(p.name for p in keys.iterdir()) == [existing]
    assert (keys / existing).read_text(encoding="ascii") == "someone else's key\n"
    (keys / existing).unlink()
    fixed = Plaint(backend, {**environ, "PLAINT_KEY_FILE": str(key_file)}, tmp_path)
    fixed.ok("init", "--admin", "ann")
