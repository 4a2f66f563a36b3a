"""The log as C2SP tlog-tiles from a real `plaint serve`: the checkpoint and
hash tiles (public), the entry bundles (auditor, compliance or a read
token), their cache headers, and the tree's root recomputed from the tiles
by code of the test's own (no import of plaint's Merkle or tile modules)."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from tests.conftest import Plaint
from tests.service.conftest import Server

IMMUTABLE = "max-age=31536000, immutable"


def sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def mth(hashes: list[bytes]) -> bytes:
    """RFC 6962's Merkle tree hash of leaf hashes, written out."""
    if len(hashes) == 1:
        return hashes[0]
    split = 1 << ((len(hashes) - 1).bit_length() - 1)
    return sha(b"\x01" + mth(hashes[:split]) + mth(hashes[split:]))


def path(level: str, index: int, width: int) -> str:
    digits = f"{index:03d}"
    digits = "0" * (-len(digits) % 3) + digits
    groups = [digits[i : i + 3] for i in range(0, len(digits), 3)]
    name = "/".join(["x" + g for g in groups[:-1]] + groups[-1:])
    return f"/log/tile/{level}/{name}" + ("" if width == 256 else f".p/{width}")


def hashes_of(data: bytes) -> list[bytes]:
    return [data[i : i + 32] for i in range(0, len(data), 32)]


def import_calls(plaint: Plaint, rows: int) -> None:
    lines = ["Project,Channel,Severity,Summary,Received_At,External_ID,Customer\n"]
    lines += [f"Apollo,phone,mild,Call {n},2026-03-01T10:00,P-{n},Jo {n}\n"
              for n in range(1, rows + 1)]  # fmt: skip
    source = plaint.home / "calls.csv"
    source.write_text("".join(lines), encoding="utf-8")
    plaint.ok("import", str(source))


def checked_checkpoint(plaint: Plaint, client: httpx.Client) -> tuple[int, bytes]:
    """The served checkpoint's size and root, its signature checked with the
    verifier key `plaint info` prints."""
    answer = client.get("/log/checkpoint")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/plain; charset=utf-8"
    assert answer.headers["cache-control"] == "public, max-age=5"
    body, _, signatures = answer.text.partition("\n\n")
    origin, size, root = body.split("\n")
    vkey = json.loads(plaint.ok("info", "--json"))["verifier_key"]
    name, key_id, key = vkey.split("+", 2)
    assert origin == name
    line = next(s for s in signatures.splitlines() if s.startswith(f"\u2014 {name} "))
    signature = base64.b64decode(line.rpartition(" ")[2])
    assert signature[:4].hex() == key_id
    public = Ed25519PublicKey.from_public_bytes(base64.b64decode(key)[1:])
    public.verify(signature[4:], (body + "\n").encode())
    return int(size), base64.b64decode(root)


def test_the_served_tiles_hash_to_the_signed_root_and_bundles_to_the_leaves(
    server: Server,
) -> None:
    plaint = server.plaint
    import_calls(plaint, 300)
    plaint.ok("checkpoint")
    client = server.client()
    size, root = checked_checkpoint(plaint, client)
    assert size > 256
    full, width = divmod(size, 256)
    leaves = []
    for index in range(full + 1):
        tile = client.get(path("0", index, 256 if index < full else width))
        assert tile.status_code == 200
        assert tile.headers["content-type"] == "application/octet-stream"
        assert tile.headers["cache-control"] == f"public, {IMMUTABLE}"
        leaves += hashes_of(tile.content)
    assert mth(leaves) == root
    [level1] = hashes_of(client.get(path("1", 0, 1)).content)
    assert level1 == mth(leaves[:256])
    # Entries hash to the leaves: each the stored event, after its length.
    token = server.token("bob", scope="read")
    bundle = server.client(token).get(path("entries", full, width))
    assert bundle.status_code == 200
    assert bundle.headers["cache-control"] == f"private, {IMMUTABLE}"
    data, entries = bundle.content, []
    while data:
        length = int.from_bytes(data[:2], "big")
        entries.append(data[2 : 2 + length])
        data = data[2 + length :]
    assert [sha(b"\x00" + e) for e in entries] == leaves[full * 256 :]
    assert all(e.startswith(b"plaint-leaf-v1\x00") for e in entries)
    assert b"Call 299" not in bundle.content  # sealed, never plain


SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


@SQLITE_ONLY
def test_nothing_beyond_the_signed_tree_is_served_and_bundles_need_a_reader(
    server: Server,
) -> None:
    plaint = server.plaint
    client = server.client()
    assert client.get("/log/checkpoint").status_code == 404
    plaint.ok("file", "--project", "P", "--channel", "web", "--severity", "mild",
              "--summary", "one")  # fmt: skip
    plaint.ok("checkpoint")
    size, _ = checked_checkpoint(plaint, client)
    plaint.ok("file", "--project", "P", "--channel", "web", "--severity", "mild",
              "--summary", "two, not yet signed")  # fmt: skip
    assert client.get(path("0", 0, size)).status_code == 200
    beyond_the_tree = [path("0", 0, size + 1), path("0", 0, 256), path("0", 1, 1)]
    beyond_the_tree += [path("1", 0, 1), "/log/tile/0/0", "/log/tile/0/000.p/0"]
    for beyond in beyond_the_tree:
        answer = client.get(beyond)
        assert answer.status_code == 404, beyond
        assert "error" in answer.json()
    # The entry bundles: the auditor or compliance role, or a read token.
    bundle = path("entries", 0, size)
    assert client.get(bundle).status_code == 401
    assert server.client(server.token("bob", "intake")).get(bundle).status_code == 403
    agent, _ = server.session("bob")
    refused = agent.get(bundle)
    assert refused.status_code == 403
    assert refused.json() == {
        "error": "bob is agent and may not read the log's entries: that needs the "
        "role auditor or compliance"
    }
    auditor, _ = server.session("aud")
    assert auditor.get(bundle).status_code == 200
    assert server.client(server.token("bob", "read")).get(bundle).status_code == 200
    assert (
        server.client(server.token("bob", "read"))
        .get(path("entries", 0, size + 1))
        .status_code
        == 404
    )


@SQLITE_ONLY
def test_a_private_log_shows_its_checkpoint_and_tiles_to_members_only(
    plaint: Plaint, serve: object, tmp_path: Path
) -> None:
    server = serve(PLAINT_PRIVATE_LOG="1")  # type: ignore[operator]
    plaint.ok("file", "--project", "P", "--channel", "web", "--severity", "mild",
              "--summary", "one")  # fmt: skip
    plaint.ok("checkpoint")
    assert server.client().get("/log/checkpoint").status_code == 401
    member = server.client(server.token("bob", "read"))
    answer = member.get("/log/checkpoint")
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "private, max-age=5"
    assert server.client().get(path("0", 0, 1)).status_code == 401
    assert (
        member.get(path("0", 0, 1)).headers["cache-control"] == f"private, {IMMUTABLE}"
    )
