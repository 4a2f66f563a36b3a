"""The table of signed checkpoints: the tree heads over the log, each with
the frontier that lets the tree resume where it stood."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from ledger.evidence.merkle import HASH_SIZE, TreeBuilder

CHECKPOINTS_TABLE = "plaint_checkpoints"


@dataclass(frozen=True)
class StoredCheckpoint:
    """A signed tree head as the checkpoint table holds it."""

    size: int
    position: int
    root: bytes
    frontier: bytes
    note: str
    created_at: str


def checkpoint_view(stored: StoredCheckpoint) -> dict[str, Any]:
    """A checkpoint as callers get it."""
    return {
        "size": stored.size,
        "root": stored.root.hex(),
        "at": stored.created_at,
        "note": stored.note,
    }


class CheckpointTable:
    """The recorder's checkpoint table (a part of `LedgerTables`)."""

    param = "?"
    checkpoints_table = CHECKPOINTS_TABLE
    datastore: Any
    reading: Callable[[], AbstractContextManager[Any]]

    def insert_checkpoint(self, checkpoint: StoredCheckpoint) -> None:
        """Keep a signed tree head; one of the same size already kept stands."""
        p = self.param
        with self.datastore.transaction(commit=True) as cursor:
            cursor.execute(
                f"INSERT INTO {self.checkpoints_table} "  # noqa: S608
                "(size, position, root, frontier, note, created_at) "
                f"VALUES ({p}, {p}, {p}, {p}, {p}, {p}) ON CONFLICT (size) DO NOTHING",
                (
                    checkpoint.size,
                    checkpoint.position,
                    checkpoint.root,
                    checkpoint.frontier,
                    checkpoint.note,
                    checkpoint.created_at,
                ),
            )

    def select_checkpoints(self, latest_only: bool = False) -> list[StoredCheckpoint]:
        """The kept checkpoints, smallest first (or just the largest)."""
        order = "DESC LIMIT 1" if latest_only else "ASC"
        with self.reading() as cursor:
            cursor.execute(
                "SELECT size, position, root, frontier, note, created_at "  # noqa: S608
                f"FROM {self.checkpoints_table} ORDER BY size {order}"
            )
            return [
                StoredCheckpoint(
                    size=int(row["size"]),
                    position=int(row["position"]),
                    root=bytes(row["root"]),
                    frontier=bytes(row["frontier"]),
                    note=row["note"],
                    created_at=row["created_at"],
                )
                for row in cursor.fetchall()
            ]


def resume_tree(stored: StoredCheckpoint) -> TreeBuilder:
    """The tree as it stood at a checkpoint, from its kept frontier."""
    frontier = stored.frontier
    hashes = [frontier[i : i + HASH_SIZE] for i in range(0, len(frontier), HASH_SIZE)]
    return TreeBuilder.resume(stored.size, hashes)
