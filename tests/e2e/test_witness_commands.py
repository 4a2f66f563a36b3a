"""The witness and log commands on the CLI: keys, naming witnesses, the
static tile export, tlog-proof files, and each refusal as one `Error:` line."""

from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path

from ledger.evidence.merkle import verify_inclusion
from ledger.evidence.note import open_note
from ledger.evidence.tiles import tiles_of
from ledger.evidence.tlogproof import parse_proof
from tests.conftest import FILE, Plaint, error_line

REMORA = "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2"


def test_a_witness_key_is_private_printed_once_and_never_overwritten(
    sqlite_plaint: Plaint, tmp_path: Path
) -> None:
    key = tmp_path / "w.key"
    vkey = sqlite_plaint.ok("witness", "keygen", str(key), "--name", "w.example")
    assert vkey.startswith("w.example+")
    assert os.stat(key).st_mode & 0o777 == 0o600
    assert key.read_text().startswith("PRIVATE+KEY+w.example+")
    again = sqlite_plaint("witness", "keygen", str(key), "--name", "w.example")
    assert (again.exit_code, error_line(again.stderr)) == (
        1, f"Error: {key} already exists; plaint never overwrites a key"
    )  # fmt: skip
    spaced = sqlite_plaint("witness", "keygen", str(tmp_path / "x"), "--name", "a b")
    assert (spaced.exit_code, error_line(spaced.stderr)) == (
        2, "Error: 'a b' is not a witness name: no spaces or '+' (witness.example.org)"
    )  # fmt: skip


def test_witness_serve_refuses_a_missing_key_and_a_bad_log_key(
    sqlite_plaint: Plaint, tmp_path: Path
) -> None:
    missing = tmp_path / "none.key"
    log_key = json.loads(sqlite_plaint.ok("info", "--json"))["verifier_key"]
    result = sqlite_plaint("witness", "serve", "--key", str(missing), "--log", log_key)
    assert (result.exit_code, error_line(result.stderr)) == (
        1, f"Error: no witness key at {missing}"
    )  # fmt: skip
    result = sqlite_plaint("witness", "serve", "--key", str(missing), "--log", "x")
    assert (result.exit_code, error_line(result.stderr)) == (
        2, "Error: Invalid value for --log: malformed verifier key 'x'"
    )  # fmt: skip


def test_naming_witnesses_is_for_admins_and_checks_url_and_key(
    sqlite_plaint: Plaint,
) -> None:
    run = sqlite_plaint
    assert run.ok("witness", "add", "https://w.example/", REMORA) == (
        "Witness remora.n621.de at https://w.example added.\n"
    )
    refusals = {
        ("ftp://w.example", REMORA): (
            2, "Error: 'ftp://w.example' is not a witness URL: give its submission "
            "prefix, e.g. https://witness.example.org"),
        ("https://w2.example", REMORA): (
            1, "Error: the witness remora.n621.de is named already"),
        ("https://w2.example", "w+zz+AA=="): (
            2, "Error: VKEY: malformed verifier key 'w+zz+AA=='"),
    }  # fmt: skip
    for (url, vkey), expected in refusals.items():
        result = run("witness", "add", url, vkey)
        assert (result.exit_code, error_line(result.stderr)) == expected
    log_key = json.loads(run.ok("info", "--json"))["verifier_key"]
    result = run("witness", "add", "https://w3.example", log_key)
    assert error_line(result.stderr).endswith(
        "is not a witness's key (signature type 0x04)"
    )
    result = run("witness", "add", "https://w4.example", REMORA, actor="bob")
    assert error_line(result.stderr) == (
        "Error: bob is agent and may not name witnesses: that needs the role admin"
    )
    [listed] = json.loads(run.ok("witness", "list", "--json"))
    assert (listed["name"], listed["cosigned_size"], listed["problem"]) == (
        "remora.n621.de", 0, None
    )  # fmt: skip
    assert run.ok("witness", "remove", "remora.n621.de") == (
        "Witness remora.n621.de removed.\n"
    )
    result = run("witness", "remove", "remora.n621.de")
    assert (result.exit_code, error_line(result.stderr)) == (
        2, "Error: no witness named 'remora.n621.de': see `plaint witness list`"
    )  # fmt: skip


def test_verify_refuses_more_witnesses_required_than_given(
    sqlite_plaint: Plaint,
) -> None:
    result = sqlite_plaint("verify", "--witness", REMORA, "--min", "2")
    assert (result.exit_code, error_line(result.stderr)) == (
        2, "Error: --min 2: give at least that many --witness keys"
    )  # fmt: skip
    result = sqlite_plaint("verify", "--witness", REMORA)
    assert (result.exit_code, error_line(result.stderr)) == (
        1, "Error: the log failed verification: only 0 of the 1 witnesses "
        "required cosigned a checkpoint of this log"
    )  # fmt: skip


def test_the_export_writes_every_tile_of_the_signed_tree(
    sqlite_plaint: Plaint, tmp_path: Path
) -> None:
    run = sqlite_plaint
    out = tmp_path / "log"
    result = run("log", "export", str(out), "--hashes-only")
    assert error_line(result.stderr) == (
        "Error: no checkpoint yet: sign one with `plaint checkpoint`"
    )
    run.ok(*FILE, "--summary", "one")
    size = json.loads(run.ok("checkpoint", "--json"))["size"]
    refused = run("log", "export", str(out))
    assert error_line(refused.stderr) == (
        "Error: ann is admin and may not export the log: that needs the role "
        "auditor or compliance"
    )
    assert not out.exists()
    assert run.ok("log", "export", str(out), "--hashes-only") == (
        f"Wrote 2 files to {out}.\n"
    )
    written = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert written == ["checkpoint", *(r.path for r in tiles_of(size))]
    run.ok("team", "add", "aud", "--role", "auditor")
    run.ok("log", "export", str(out), actor="aud")
    assert (out / f"tile/entries/000.p/{size}").exists()


def test_a_tlog_proof_file_proves_its_event_without_plaint(
    sqlite_plaint: Plaint, tmp_path: Path
) -> None:
    run = sqlite_plaint
    run.ok(*FILE, "--summary", "proved")
    run.ok("note", "C-1", "a note")
    run.ok("checkpoint")
    out = tmp_path / "proofs"
    assert run.ok("proof", "c-1", "--tlog-proof", str(out)).endswith(
        f"Wrote 2 tlog-proof files to {out}.\n"
    )
    vkey = json.loads(run.ok("info", "--json"))["verifier_key"]
    files = sorted(out.iterdir())
    seqs = [e["seq"] for e in json.loads(run.ok("proof", "C-1", "--json"))["events"]]
    assert [f.name for f in files] == [f"C-1-{seq}.tlog-proof" for seq in seqs]
    for file in files:
        proof = parse_proof(file.read_text())
        body = open_note(proof.checkpoint, vkey)
        _, size, root = body.split("\n")[:3]
        assert proof.extra is not None
        leaf = hashlib.sha256(b"\x00" + proof.extra).digest()
        assert verify_inclusion(
            leaf, proof.index, int(size), proof.proof, base64.b64decode(root)
        )
        assert b"proved" not in proof.extra  # the event as stored: sealed
