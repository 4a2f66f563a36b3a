"""A SQLite ledger's file on disk: made private to its owner, asked whether it
holds a ledger before it is opened, and removed with its companions when
creating the ledger fails. A PostgreSQL ledger has no file: each is a no-op."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from ledger.errors import LedgerMissing
from ledger.storage.location import Location, file_exists
from ledger.storage.tables import META_TABLE

# A SQLite file's companions: what it writes beside it while in use.
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


def check_ledger_file(location: Location) -> None:
    """Refuse a ledger file that is missing or holds no plaint ledger, before
    the library opens it."""
    if not file_exists(location):
        raise LedgerMissing(
            f"no ledger at {location.display}; create one with `plaint init`"
        )
    if location.path is not None and not holds_ledger(location.path):
        raise LedgerMissing(
            f"{location.display} is not a plaint ledger: name a ledger's "
            "file with --ledger or PLAINT_LEDGER, or create a new ledger "
            "at another path with `plaint --ledger PATH init`"
        )


def holds_ledger(path: Path) -> bool:
    """Whether the file at `path` holds plaint's tables, asked before the
    library opens it: opening makes a database use write-ahead logging, and
    someone else's database must be left as it was."""
    try:
        with closing(sqlite3.connect(path.as_uri() + "?mode=rw", uri=True)) as db:
            found = db.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                (META_TABLE,),
            ).fetchone()
    except sqlite3.DatabaseError as error:
        # Anything but "not a database" (locked, say) is for opening to report.
        return getattr(error, "sqlite_errorcode", None) != sqlite3.SQLITE_NOTADB
    return found is not None


@contextmanager
def new_ledger_file(location: Location) -> Iterator[None]:
    """A new, empty ledger file (and its directory) for the block to fill;
    removed with its companions if the block fails, since the file it made
    would make the next `plaint init` refuse."""
    path = location.path
    if path is None:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    # Only its owner may read the file (SQLite gives -wal and -shm the same).
    os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    try:
        yield
    except BaseException:
        for suffix in ("", *SQLITE_COMPANIONS):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        raise
