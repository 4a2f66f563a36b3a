"""Files plaint writes for people (reports, exported checkpoints) never
replace a ledger or a key: neither the ones in use nor any other."""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Mapping
from pathlib import Path
from uuid import UUID

from ledger.crypto.keyfiles import master_key_file, pending_key_file, signing_key_file
from ledger.crypto.masterkey import KEY_BYTES
from ledger.errors import ProtectedFile
from ledger.storage.ledgerfile import SQLITE_COMPANIONS
from ledger.storage.location import Location

SQLITE_HEADER = b"SQLite format 3\x00"
HEAD_BYTES = 64


def files_in_use(
    location: Location, ledger_id: UUID, environ: Mapping[str, str]
) -> dict[Path, str]:
    """The ledger's own files, each with what it is."""
    found: dict[Path, str] = {}
    if location.path is not None:
        found[location.path] = "the ledger in use"
        for suffix in SQLITE_COMPANIONS:
            found[Path(f"{location.path}{suffix}")] = "a file of the ledger in use"
    found[master_key_file(ledger_id, environ)] = "the master key in use"
    found[pending_key_file(ledger_id, environ)] = "the master key in use"
    found[signing_key_file(ledger_id, environ)] = "the signing key in use"
    return found


def check_output(path: Path, in_use: Mapping[Path, str]) -> Path:
    """`path`, absolute, when plaint may write over it: not one of the files
    `in_use` (by name, link or hard link), nor any SQLite database or key."""
    target = path.absolute()
    what = _in_use(target, in_use) or _kind(target)
    if what is not None:
        raise ProtectedFile(
            f"{target} is {what}; plaint never writes over a ledger or a key: "
            "choose another file"
        )
    return target


def _in_use(target: Path, in_use: Mapping[Path, str]) -> str | None:
    resolved = target.resolve()
    for path, what in in_use.items():
        if path.resolve() == resolved:
            return what
        try:
            if os.path.samefile(path, target):
                return what
        except OSError:  # either is missing: not the same file
            continue
    return None


def _kind(target: Path) -> str | None:
    """What an existing file is, when it is a database or a key."""
    try:
        with target.open("rb") as handle:
            head = handle.read(HEAD_BYTES)
    except OSError:  # missing, or not readable: writing it will tell
        return None
    if head.startswith(SQLITE_HEADER):
        return "a SQLite database"
    if head.startswith(b"-----BEGIN") and b"PRIVATE KEY" in head:
        return "a private key"
    try:
        if len(base64.b64decode(head.strip(), validate=True)) == KEY_BYTES:
            return "a master key"
    except (binascii.Error, ValueError):
        pass
    return None
