"""`-o FILE` never writes over a ledger or a key, and writes whole or not at all."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from tests.conftest import FILE, Plaint, events

NEVER = "plaint never writes over a ledger or a key: choose another file"


def key_files(plaint: Plaint) -> dict[str, Path]:
    keys = Path(plaint.environ["XDG_CONFIG_HOME"]) / "plaint" / "keys"
    [signing] = keys.glob("*.signing.key")
    [master] = [p for p in keys.glob("*.key") if p != signing]
    return {"master": master, "signing": signing}


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


WRITERS = [
    ["report", "team", "-o"],
    ["report", "lessons", "--project", "P", "-o"],
    ["checkpoint", "export", "-o"],
]


@pytest.fixture
def signed(plaint: Plaint) -> Plaint:
    plaint.ok(*FILE, "--summary", "s")
    plaint.ok("checkpoint")
    return plaint


@pytest.mark.parametrize("writer", WRITERS)
@pytest.mark.parametrize(
    ("which", "what"),
    [("master", "the master key in use"), ("signing", "the signing key in use")],
)
def test_no_output_is_written_over_a_key_in_use(
    signed: Plaint, writer: list[str], which: str, what: str
) -> None:
    path = key_files(signed)[which]
    kept, before = digest(path), events(signed)
    result = signed(*writer, str(path))
    assert (result.exit_code, result.stderr.strip()) == (
        1,
        f"Error: {path} is {what}; {NEVER}",
    )
    assert digest(path) == kept
    assert events(signed) == before


@pytest.mark.parametrize("writer", WRITERS)
@pytest.mark.parametrize("suffix", ["", "-wal", "-shm"])
def test_no_output_is_written_over_the_ledger_in_use(
    sqlite_plaint: Plaint, writer: list[str], suffix: str
) -> None:
    sqlite_plaint.ok(*FILE, "--summary", "s")
    sqlite_plaint.ok("checkpoint")
    path = Path(sqlite_plaint.ledger + suffix)
    before = events(sqlite_plaint)
    result = sqlite_plaint(*writer, str(path))
    what = "the ledger in use" if not suffix else "a file of the ledger in use"
    assert (result.exit_code, result.stderr.strip()) == (
        1,
        f"Error: {path} is {what}; {NEVER}",
    )
    assert events(sqlite_plaint) == before


def test_a_link_to_a_key_is_refused_as_the_key(signed: Plaint) -> None:
    master = key_files(signed)["master"]
    link, hard = signed.home / "report.html", signed.home / "hard.html"
    link.symlink_to(master)
    os.link(master, hard)
    for path in (link, hard):
        result = signed("report", "team", "-o", str(path))
        assert (result.exit_code, result.stderr.strip()) == (
            1,
            f"Error: {path} is the master key in use; {NEVER}",
        )
    assert link.resolve() == master


def test_another_ledger_or_key_is_refused_too(signed: Plaint) -> None:
    home = signed.home / "other"
    environ = {**signed.environ, "XDG_CONFIG_HOME": str(home / "config")}
    other = Plaint(str(home / "ledger.sqlite"), environ, home)
    other.ok("init", "--admin", "ann")
    other_keys = key_files(other)
    for path, what in [
        (Path(other.ledger), "a SQLite database"),
        (other_keys["master"], "a master key"),
        (other_keys["signing"], "a private key"),
    ]:
        kept = digest(path)
        result = signed("checkpoint", "export", "-o", str(path))
        assert (result.exit_code, result.stderr.strip()) == (
            1,
            f"Error: {path} is {what}; {NEVER}",
        )
        assert digest(path) == kept


def test_an_output_replaces_a_plain_file_whole_leaving_no_temporary_file(
    signed: Plaint,
) -> None:
    out = signed.home / "out"
    out.mkdir()
    (out / "head.txt").write_text("an older head\n", encoding="utf-8")
    signed.ok("checkpoint", "export", "-o", str(out / "head.txt"))
    signed.ok("report", "team", "-o", str(out / "team.html"))
    assert sorted(p.name for p in out.iterdir()) == ["head.txt", "team.html"]
    assert (out / "head.txt").read_text(encoding="utf-8") == signed.ok(
        "checkpoint", "export"
    )
