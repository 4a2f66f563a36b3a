"""Use cases of the log's public face: its latest checkpoint with the
witnesses' cosignatures, its tiles and entry bundles (C2SP tlog-tiles, see
ledger/evidence/tiles.py), served by `plaint serve` and written by
`plaint log export`.

The hash tiles and the checkpoint show how many events there are and when
checkpoints were signed, nothing of their content; the entry bundles hold
the stored events, sealed, and so need the auditor or compliance role or a
token that may read.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from ledger.cases.witnesses import WitnessCases
from ledger.domain.vocabulary import Role
from ledger.errors import RuleViolation, UnknownReference
from ledger.evidence.tiles import TileRef, entry_bundle, parse_tile_path, tiles_of
from ledger.storage.checkpoints import StoredCheckpoint

ENTRY_ROLES = (Role.AUDITOR, Role.COMPLIANCE)


class TransparencyCases(WitnessCases):
    """The log as C2SP tlog-tiles."""

    def log_checkpoint(self, public: bool = True) -> str:
        """The latest checkpoint's note with its cosignatures (any member,
        or anyone where the log is public)."""
        if not public:
            self.require_role(tuple(Role), "read the log")
        return self._cosigned_note(self._latest())

    def log_tile(self, path: str, public: bool = True) -> bytes:
        """A hash tile of the tree the latest checkpoint covers."""
        if not public:
            self.require_role(tuple(Role), "read the log")
        size = self._latest().size
        ref = _tile(path)
        data = None if ref.level is None else self.log_tree.catch_up().tile(ref, size)
        if data is None:
            raise UnknownReference(f"the tree of {size} events has no tile {path}")
        return data

    def log_entries(self, path: str, read_token: bool = False) -> bytes:
        """An entry bundle of the tree the latest checkpoint covers (the
        auditor or compliance role, or a token that may read)."""
        if not read_token:
            self.require_role(ENTRY_ROLES, "read the log's entries")
        size = self._latest().size
        ref = _tile(path)
        tree = self.log_tree.catch_up()
        level0 = TileRef(0, ref.index, ref.width)
        if ref.level is not None or tree.tile(level0, size) is None:
            raise UnknownReference(f"the tree of {size} events has no bundle {path}")
        return self._bundle(ref)

    def log_files(self, entries: bool = True) -> Iterator[tuple[str, bytes]]:
        """The static tree of the latest checkpoint, path by path: the
        checkpoint, every hash tile and (with `entries`, for the auditor or
        compliance role) every entry bundle."""
        self.require_role(ENTRY_ROLES if entries else tuple(Role), "export the log")
        latest = self._latest()
        yield "checkpoint", self._cosigned_note(latest).encode()
        tree = self.log_tree.catch_up()
        for ref in tiles_of(latest.size):
            data = tree.tile(ref, latest.size)
            assert data is not None
            yield ref.path, data
            if entries and ref.level == 0:
                yield TileRef(None, ref.index, ref.width).path, self._bundle(ref)

    def log_coverage(self, ref: str) -> dict[str, int]:
        """Up to which version a complaint's events are covered by the latest
        signed checkpoint, and by the latest one a witness cosigned (as kept:
        `verify --witness` checks the cosignatures)."""
        self.require_role(tuple(Role), "read complaints")
        originator = self.complaint_id(ref).bytes
        checkpoints = self._storage(self.tables.select_checkpoints)
        cosigned = self.witness_tables.cosignatures()
        signed = checkpoints[-1].position if checkpoints else 0
        witnessed = max(
            (c.position for c in checkpoints if cosigned.get(c.size)), default=0
        )
        return {
            "signed": self._storage(
                partial(self.tables.last_version, originator, signed)
            ),
            "witnessed": self._storage(
                partial(self.tables.last_version, originator, witnessed)
            ),
        }

    def _bundle(self, ref: TileRef) -> bytes:
        try:
            return entry_bundle(self.log_tree.entries(ref.index, ref.width))
        except ValueError as error:
            raise RuleViolation(f"bundle {ref.path}: {error}") from None

    def _latest(self) -> StoredCheckpoint:
        latest = self.signer.latest()
        if latest is None:
            raise UnknownReference(
                "no checkpoint yet: sign one with `plaint checkpoint`"
            )
        return latest


def _tile(path: str) -> TileRef:
    try:
        return parse_tile_path(path)
    except ValueError as error:
        raise UnknownReference(str(error)) from None
