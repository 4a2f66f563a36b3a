"""Key files on disk: written private to their owner (0600) and never over
another file, read only while they are still private."""

from __future__ import annotations

import os
from pathlib import Path

from ledger.errors import KeyProblem


def read_secret_file(path: Path) -> bytes:
    """The bytes of a key file; refused, as ssh refuses a private key, when
    its group or others may read or write it."""
    with path.open("rb") as handle:
        mode = os.fstat(handle.fileno()).st_mode
        if mode & 0o077:
            raise KeyProblem(
                f"{path} is open to others (mode {mode & 0o777:04o}); a key file "
                f"must be private: run `chmod 600 {path}`"
            )
        return handle.read()


def write_secret_file(path: Path, content: str) -> None:
    """Create a file only its owner can read (0600); never overwrite one."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise KeyProblem(
            f"{path} already exists; plaint never overwrites a key"
        ) from None
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
