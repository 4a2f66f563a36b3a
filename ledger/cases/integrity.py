"""Use cases of tamper evidence: signed checkpoints, verification, proofs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any, NamedTuple
from uuid import UUID

from eventsourcing.persistence import Notification, PersistenceError

from ledger.cases.common import CaseBase
from ledger.config import signing_key_file
from ledger.envelope import SealCheck, text_key_id
from ledger.errors import (
    DamagedEvent,
    IntegrityFailure,
    InvalidInput,
    KeyProblem,
    RuleViolation,
)
from ledger.integrity import (
    LogCheck,
    LogRow,
    leaf_hashes,
    open_head,
)
from ledger.merkle import HASH_SIZE, TreeBuilder, inclusion_proof
from ledger.note import NoteError, checkpoint_body, sign_note
from ledger.signing import load_signing_key, verifier_key
from ledger.storage import StoredCheckpoint, checkpoint_view
from ledger.vocabulary import Role

if TYPE_CHECKING:
    from ledger.drafting import Prepared

# A write that leaves this many events unsigned signs a checkpoint by itself.
CHECKPOINT_EVERY = 1000
# Rows verify reads at once.
VERIFY_BATCH = 256
Progress = Callable[[int], None]


class IntegrityCases(CaseBase):
    """Signed tree heads over the log, and the checks an auditor runs."""

    _signed_position: int | None = None
    _unsigned = 0
    _signing_deferred = False

    def save(self, *objs: Any, **kwargs: Any) -> Any:
        """Save, then sign a checkpoint when enough events are unsigned (when
        the signing key is on this machine; otherwise `plaint checkpoint`)."""
        recordings = super().save(*objs, **kwargs)
        self._saved(len(recordings))
        return recordings

    def save_prepared(self, prepared: Prepared) -> None:
        """Insert prepared events; sign when due, as `save` does."""
        super().save_prepared(prepared)
        self._saved(len(prepared.events))

    def _saved(self, events: int) -> None:
        if events and self.meta is not None:
            self._unsigned += events
            if not self._signing_deferred:
                self._sign_when_due()

    @contextmanager
    def signing_deferred(self) -> Iterator[None]:
        """Saves inside sign no checkpoint; one is signed at the end when due
        (an import signs once, not after every thousand events)."""
        self._signing_deferred = True
        try:
            yield
        finally:
            self._signing_deferred = False
        self._sign_when_due()

    def _sign_when_due(self) -> None:
        """Sign when CHECKPOINT_EVERY events are unsigned. The log is counted
        once per process; after that this process counts what it writes
        itself, and counts the log again when that reaches the threshold."""
        if self._signed_position is not None and self._unsigned < CHECKPOINT_EVERY:
            return
        if self._signed_position is None:
            latest = self._storage(lambda: self.tables.select_checkpoints(True))
            self._signed_position = latest[0].position if latest else 0
        self._unsigned = self.events_after(self._signed_position)
        if self._unsigned >= CHECKPOINT_EVERY:
            try:
                self.checkpoint()
            except KeyProblem:
                self._signed_position = self.head_position()
            self._unsigned = 0

    def head_position(self) -> int:
        """The notification id of the last event in the log (0 when empty)."""
        return int(self._storage(self.recorder.max_notification_id) or 0)

    def checkpoint(self) -> dict[str, Any]:
        """Sign a tree head over the whole log (any member); when nothing was
        added since the latest checkpoint, that one is returned."""
        self.require_role(tuple(Role), "sign checkpoints")
        latest = self._storage(lambda: self.tables.select_checkpoints(True))
        tree, position = TreeBuilder(), 0
        if latest:
            tree, position = _resume(latest[0]), latest[0].position
        for batch in self._batches(position):
            tree.extend(leaf_hashes(batch))
            position = batch[-1][0]
        if latest and tree.size == latest[0].size:
            return checkpoint_view(latest[0])
        key = load_signing_key(signing_key_file(self.ledger_id, self.environ))
        body = checkpoint_body(self.origin, tree.size, tree.root())
        stored = StoredCheckpoint(
            size=tree.size,
            position=position,
            root=tree.root(),
            frontier=b"".join(tree.hashes),
            note=sign_note(body, self.origin, key),
            created_at=datetime.now(UTC).isoformat(),
        )
        self._storage(lambda: self.tables.insert_checkpoint(stored))
        self._signed_position = position
        return checkpoint_view(stored)

    def verify(
        self,
        against: str | None = None,
        progress: Progress | None = None,
        *,
        incremental: bool = False,
    ) -> dict[str, Any]:
        """Recompute the tree over the whole log; check that every record's
        versions follow on, every checkpoint's root and signature, and (with
        `against`, an exported note) that the log still extends it. Events a
        validly signed head covers are proven by its root; the rest are
        authenticated one by one (AES-GCM), and when a root does not match,
        its range is searched the same way to name the event.

        `incremental` starts from the latest validly signed checkpoint instead,
        trusting what it covers (a full verify checked that), and checks only
        the events after it."""
        self.require_role(tuple(Role), "verify the ledger")
        checkpoints = self._storage(self.tables.select_checkpoints)
        key = self._verifier_key()
        check, since = LogCheck(), 0
        if incremental:
            check, since = self._resumed(checkpoints, key)
        heads = sorted(
            [
                Expected(c.size, c.root, self._signature_problem(c, key))
                for c in checkpoints
                if c.size > check.size
            ]
            + self._exported(against, key),
            key=lambda head: head.size,
        )
        if heads and heads[0].size < check.size:
            raise InvalidInput(
                "the exported checkpoint is older than the latest one: check it "
                "with a full `plaint verify --against`"
            )
        proven = max((h.size for h in heads if h.problem is None), default=0)
        pending = iter(heads)
        head = next(pending, None)
        verdict = {"ok": True, "checkpoints": len(checkpoints)}
        # Resumed at a checkpoint, an exported head of the same size must be it.
        while head is not None and head.size == check.size:
            if head.problem or head.root != check.tree.root():
                forked = (
                    head.problem
                    or f"the exported checkpoint of {head.size} events differs from "
                    "the ledger's: the log was rewritten"
                )
                return {**verdict, "ok": False, "events": check.size,
                        "first_bad": self._first_bad(None, forked)}  # fmt: skip
            head = next(pending, None)
        for batch in self._batches(since):
            rest = batch
            while rest:
                # A head is compared where the log reaches its size: cut there.
                cut = len(rest)
                if head is not None and head.size > check.size:
                    cut = min(cut, head.size - check.size)
                rows, rest = rest[:cut], rest[cut:]
                events, bad, problem = self._check_rows(check, rows, proven)
                while problem is None and head is not None and head.size == check.size:
                    problem = head.problem
                    if problem is None and head.root != check.tree.root():
                        last = _notification(rows[-1])
                        bad, problem = self._culprit(since, last, head)
                    since = rows[-1][0]
                    head = next(pending, None)
                if problem:
                    named = self._first_bad(bad or _notification(rows[-1]), problem)
                    return {**verdict, "ok": False, "events": events,
                            "first_bad": named}  # fmt: skip
            if progress is not None:
                progress(len(batch))
        if head is not None:
            removed = (
                f"a checkpoint covers {head.size} events but the log holds "
                f"{check.size}: events were removed from its end"
            )
            return {**verdict, "ok": False, "events": check.size,
                    "first_bad": self._first_bad(None, removed)}  # fmt: skip
        return {
            **verdict,
            "events": check.size,
            "first_bad": None,
            "root": check.tree.root().hex(),
        }

    def _check_rows(
        self, check: LogCheck, rows: list[LogRow], proven: int
    ) -> tuple[int, Notification | None, str | None]:
        """Take `rows` into the check, opening those past the log's first
        `proven` events. Returns how many events were checked up to the first
        wrong row, that row and why; or the check's size, None and None. As one
        row at a time, a row's version is checked before it is opened."""
        start = check.size
        wrong = check.add_rows(rows)
        end = len(rows) if wrong is None else wrong[0]
        opened = max(0, proven - start)
        opens = SealCheck(self.keyring)
        opens.load_keys(row[4] for row in rows[opened:end])
        for index in range(opened, end):
            if not opens(*rows[index][1:]):
                notification = _notification(rows[index])
                problem = self._authentic(notification)
                if problem:
                    return start + index + 1, notification, problem
        if wrong is not None:
            index, problem = wrong
            return start + index + 1, _notification(rows[index]), problem
        return check.size, None, None

    def _culprit(
        self, since: int, last: Notification, head: Expected
    ) -> tuple[Notification, str]:
        """The first event after `since` (up to `last`) that fails to open, or
        else `last`: the range no longer hashes to the signed root."""
        for notification in self._log(after=since, until=last.id):
            problem = self._authentic(notification)
            if problem:
                return notification, problem
        return last, (
            f"the log's first {head.size} events no longer hash to the signed "
            f"checkpoint: an event after event {since} was reordered, replaced or "
            "moved"
        )

    def _first_bad(self, bad: Notification | None, problem: str) -> dict[str, Any]:
        if bad is None:
            return {"seq": None, "ref": None, "reason": problem}
        return {"seq": bad.id, "ref": self._ref_of(bad), "reason": problem}

    def _ref_of(self, notification: Notification) -> str | None:
        """The reference of the complaint an event belongs to, when its first
        event still opens."""
        try:
            [first] = self.recorder.select_events(notification.originator_id, limit=1)
            fields = self.envelope.open(first, with_text=False)
        except (ValueError, DamagedEvent, PersistenceError):
            return None
        number = (
            fields.get("number") if first.topic.endswith("Complaint.Filed") else None
        )
        return None if number is None else f"C-{number}"

    def proof(self, ref: str) -> dict[str, Any]:
        """Inclusion proofs of a complaint's events in the latest checkpoint."""
        self.require_role(tuple(Role), "read proofs")
        complaint = self.complaint(ref)
        latest = self._storage(lambda: self.tables.select_checkpoints(True))
        if not latest or latest[0].position == 0:
            raise RuleViolation("no checkpoint yet: sign one with `plaint checkpoint`")
        signed = latest[0]
        hashes: list[bytes] = []
        mine: list[tuple[int, int]] = []
        for batch in self._batches(0):
            rows = [row for row in batch if row[0] <= signed.position]
            mine += [
                (row[0], len(hashes) + index)
                for index, row in enumerate(rows)
                if row[1] == complaint.id.bytes
            ]
            hashes += leaf_hashes(rows)
            if len(rows) < len(batch):
                break
        if not mine:
            raise RuleViolation(
                f"{complaint.ref} was filed after the latest checkpoint; sign one "
                "with `plaint checkpoint`"
            )
        return {
            "checkpoint": {"size": signed.size, "root": signed.root.hex(),
                           "note": signed.note},
            "events": [
                {"seq": seq, "index": index, "leaf_hash": hashes[index].hex(),
                 "proof": [h.hex() for h in inclusion_proof(hashes, index)]}
                for seq, index in mine
            ],
        }  # fmt: skip

    def _resumed(
        self, checkpoints: list[StoredCheckpoint], key: str
    ) -> tuple[LogCheck, int]:
        """The check as it stood at the latest validly signed checkpoint, from
        its kept frontier (which must hash to its signed root)."""
        signed = (
            c for c in reversed(checkpoints) if not self._signature_problem(c, key)
        )
        latest = next(signed, None)
        if latest is None:
            return LogCheck(), 0
        tree = _resume(latest)
        if tree.root() != latest.root:
            raise IntegrityFailure(
                f"the kept state of the checkpoint of {latest.size} events does not "
                "hash to its signed root; run a full `plaint verify`"
            )
        position = latest.position
        check = LogCheck(
            tree=tree,
            prior=lambda originator: self._storage(
                partial(self.tables.last_version, originator, position)
            ),
        )
        return check, position

    def _batches(self, after: int) -> Iterator[list[LogRow]]:
        """The stored events after notification id `after`, as plain columns,
        in batches."""
        batches = self.tables.log_batches(after, VERIFY_BATCH)
        while batch := self._storage(partial(next, batches, [])):
            yield batch

    def _authentic(self, notification: Notification) -> str | None:
        """Why the event does not open under its keys (AES-GCM), or None."""
        try:
            self.envelope.open(notification)
        except DamagedEvent as error:
            return f"{error.why} ({error.kind}, version {error.version})"
        return self._text_key_problem(notification)

    def _text_key_problem(self, notification: Notification) -> str | None:
        """A text section whose data key is gone opens as erased text; that is
        only so when the complaint was erased, which destroyed all its keys."""
        key_id = text_key_id(notification.state)
        if key_id is None or self.keyring.for_reading(key_id):
            return None
        originator = notification.originator_id
        assert isinstance(originator, UUID)
        kept = self._storage(partial(self.tables.select_scope_key, originator.hex))
        if kept is None:
            return None
        kind = notification.topic.rpartition(".")[2]
        return (
            "its text names a data key that does not exist, though the complaint "
            f"was not erased ({kind}, version {notification.originator_version})"
        )

    def _verifier_key(self) -> str:
        """The key checkpoints must be signed with: the signing key's own where
        it is on this machine (the ledger's copy could have been replaced),
        else the one the ledger recorded at its creation."""
        assert self.meta is not None
        path = signing_key_file(self.ledger_id, self.environ)
        if not path.exists():
            return self.meta.verifier_key
        return verifier_key(self.origin, load_signing_key(path).public_key())

    def _signature_problem(self, stored: StoredCheckpoint, key: str) -> str | None:
        try:
            head = open_head(stored.note, key, self.origin)
        except NoteError as error:
            return (
                f"the checkpoint of {stored.size} events is not validly signed: {error}"
            )
        if (head.size, head.root) != (stored.size, stored.root):
            return f"the checkpoint of {stored.size} events differs from its note"
        return None

    def _exported(self, note: str | None, key: str) -> list[Expected]:
        if note is None:
            return []
        try:
            head = open_head(note, key, self.origin)
        except NoteError as error:
            raise InvalidInput(
                f"the exported checkpoint cannot be used: {error}"
            ) from None
        return [Expected(head.size, head.root, None)]


class Expected(NamedTuple):
    """A tree head the log must match at `size`, unless `problem` already says
    why it cannot be trusted."""

    size: int
    root: bytes
    problem: str | None


def _resume(stored: StoredCheckpoint) -> TreeBuilder:
    """The tree as it stood at a checkpoint, from its kept frontier."""
    frontier = stored.frontier
    hashes = [frontier[i : i + HASH_SIZE] for i in range(0, len(frontier), HASH_SIZE)]
    return TreeBuilder.resume(stored.size, hashes)


def _notification(row: LogRow) -> Notification:
    """A row of the log as the library's notification, to open or name it."""
    notification_id, originator, version, topic, state = row
    return Notification(
        id=notification_id,
        originator_id=UUID(bytes=originator),
        originator_version=version,
        topic=topic,
        state=state,
    )
