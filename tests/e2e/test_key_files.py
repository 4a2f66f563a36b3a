"""Key files others may read are refused, as ssh refuses such a private key."""

from __future__ import annotations

import json
from contextlib import closing
from pathlib import Path

import pytest

from ledger.errors import KeyProblem
from tests.conftest import FILE, Plaint


def key_files(plaint: Plaint) -> dict[str, Path]:
    keys = Path(plaint.environ["XDG_CONFIG_HOME"]) / "plaint" / "keys"
    [signing] = keys.glob("*.signing.key")
    [master] = [p for p in keys.glob("*.key") if p != signing]
    return {"master": master, "signing": signing}


def refusal(path: Path, mode: int) -> str:
    return (
        f"Error: {path} is open to others (mode {mode:04o}); a key file must be "
        f"private: run `chmod 600 {path}`"
    )


def test_new_key_files_are_private(
    backend: str, environ: dict[str, str], tmp_path: Path
) -> None:
    """Checked straight after `init`, before any command reads them (one
    that read a file open to others would refuse it)."""
    plaint = Plaint(backend, environ, tmp_path)
    plaint.ok("init", "--admin", "ann")
    for path in key_files(plaint).values():
        assert path.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o620])
def test_a_master_key_file_open_to_others_is_refused_naming_chmod(
    plaint: Plaint, mode: int
) -> None:
    plaint.ok(*FILE, "--summary", "s")
    before = json.loads(plaint.ok("info", "--json"))
    path = key_files(plaint)["master"]
    path.chmod(mode)
    result = plaint(*FILE, "--summary", "refused")
    assert (result.exit_code, result.stderr.strip()) == (1, refusal(path, mode))
    path.chmod(0o600)
    assert json.loads(plaint.ok("info", "--json")) == before


def test_a_signing_key_file_open_to_others_is_refused_naming_chmod(
    plaint: Plaint,
) -> None:
    plaint.ok(*FILE, "--summary", "s")
    path = key_files(plaint)["signing"]
    path.chmod(0o644)
    with closing(plaint.open()) as ledger, pytest.raises(KeyProblem) as refused:
        ledger.checkpoint()
    assert f"Error: {refused.value}" == refusal(path, 0o644)
    path.chmod(0o600)
    with closing(plaint.open()) as ledger:
        assert ledger.latest_checkpoint() is None


def test_a_key_file_named_by_plaint_key_file_is_checked_too(
    sqlite_plaint: Plaint,
) -> None:
    named = sqlite_plaint.home / "elsewhere.key"
    named.write_bytes(key_files(sqlite_plaint)["master"].read_bytes())
    named.chmod(0o644)
    sqlite_plaint.environ["PLAINT_KEY_FILE"] = str(named)
    result = sqlite_plaint("list")
    assert (result.exit_code, result.stderr.strip()) == (1, refusal(named, 0o644))
