"""Copying a ledger from SQLite to PostgreSQL and back, as stored."""

from __future__ import annotations

import json

from tests.conftest import Plaint

# transparency-dev/formats' published witness key; the line is kept as it
# is, not checked, by the copy (verify --witness checks it).
WITNESS = "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2"
COSIGNATURE = "\u2014 remora.n621.de 2neteAAAAABm/qTP\n"


def test_a_ledger_copied_to_postgresql_and_back_keeps_its_root(
    sqlite_plaint: Plaint, postgres_ledger: str
) -> None:
    run = sqlite_plaint
    run.ok("policy", "set", "--channel", "*", "--severity", "*", "--ack", "1d")
    for n in range(3):
        run.ok("file", "--project", "P", "--channel", "web", "--severity", "severe",
               "--summary", f"s{n}", "--customer", "Jo",
               "--received-at", "2026-01-01")  # fmt: skip
    run.ok("checkpoint")
    run.ok("confidential", "C-2", "--allow", "admin")
    run.ok("erase", "C-3", "--reason", "request 4")
    run.ok("witness", "add", "http://127.0.0.1:9", WITNESS)
    size = json.loads(run.ok("checkpoint", "--json"))["size"]
    ledger = run.open()
    ledger.witness_tables.keep_cosignature(size, WITNESS, COSIGNATURE, 1.0)
    ledger.close()
    root = json.loads(run.ok("verify", "--json"))["root"]
    out = run.ok("migrate-storage", "--from", run.ledger, "--to", postgres_ledger)
    assert out.strip().endswith(f"the copy verifies with the same root {root}.")

    copied = Plaint(postgres_ledger, run.environ, run.home)
    assert json.loads(copied.ok("verify", "--json"))["root"] == root
    assert json.loads(copied.ok("show", "C-1", "--json"))["customer"] == "Jo"
    assert json.loads(copied.ok("show", "C-3", "--json"))["erased"] is True
    assert len(json.loads(copied.ok("overdue", "--json"))) == 3
    assert copied.ok("checkpoint", "export").endswith(COSIGNATURE)
    assert json.loads(copied.ok("witness", "list", "--json"))[0]["vkey"] == WITNESS
    copied.ok("note", "C-1", "written in PostgreSQL")
    copied.ok("checkpoint")

    back = run.home / "back.sqlite"
    copied.ok("migrate-storage", "--from", postgres_ledger, "--to", str(back))
    again = Plaint(str(back), run.environ, run.home)
    history = json.loads(again.ok("history", "C-1", "--json"))
    assert history[-1]["details"] == {"text": "written in PostgreSQL"}
    assert json.loads(again.ok("verify", "--json"))["checkpoints"] == 3


def test_copying_into_an_existing_ledger_is_refused(
    sqlite_plaint: Plaint, tmp_path: object
) -> None:
    run = sqlite_plaint
    other = run.home / "other.sqlite"
    Plaint(str(other), run.environ, run.home).ok("init", "--admin", "ann")
    result = run("migrate-storage", "--from", run.ledger, "--to", str(other))
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"Error: {other} already exists; copy into a new file"
    )
