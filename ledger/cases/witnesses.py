"""Use cases of witnessing: the witnesses a ledger names, and sending each
new checkpoint to them with the consistency proof from the size each last
cosigned (ledger/witnessing/client.py); their cosignatures are kept beside
the checkpoint and appended to its note."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from concurrent.futures import TimeoutError as FuturesTimeout
from datetime import UTC, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ledger.cases.common import CaseBase
from ledger.domain.vocabulary import Role
from ledger.errors import InvalidInput, RuleViolation, UnknownReference
from ledger.evidence.cosignature import cosigner
from ledger.evidence.note import NoteError
from ledger.storage.checkpoints import StoredCheckpoint, checkpoint_view
from ledger.storage.logtree import LogTree
from ledger.storage.witnesses import StoredWitness, WitnessTables

if TYPE_CHECKING:
    from ledger.witnessing.client import Outcome

# Seconds past the witnesses' deadline that signing waits for their answers
# to come back from the threads asking them, before it goes on without.
GRACE = 0.5


class WitnessCases(CaseBase):
    """The ledger's witnesses, and asking them to cosign."""

    # Set by `plaint serve`: a new checkpoint wakes its witnessing thread
    # instead of being sent while the write that signed it waits.
    wake_witnessing: Callable[[], None] | None = None

    @cached_property
    def witness_tables(self) -> WitnessTables:
        """The witness and cosignature tables (ledger/storage/witnesses.py)."""
        return WitnessTables(self.tables)

    @cached_property
    def log_tree(self) -> LogTree:
        """The log's tree, kept by this process as the log grows."""
        return LogTree(self.log_reader)

    def add_witness(self, url: str, vkey: str) -> dict[str, Any]:
        """Name a witness (admin): where it answers, and its verifier key."""
        self.require_role((Role.ADMIN,), "name witnesses")
        parts = urlsplit(url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InvalidInput(
                f"{url!r} is not a witness URL: give its submission prefix, "
                "e.g. https://witness.example.org"
            )
        try:
            witness = cosigner(vkey)
        except NoteError as error:
            raise InvalidInput(f"VKEY: {error}") from None
        stored = StoredWitness(
            witness.vkey, witness.name, url.strip().rstrip("/"), 0,
            datetime.now(UTC).isoformat(), 0.0, None,
        )  # fmt: skip
        if not self.witness_tables.add(stored):
            raise RuleViolation(f"the witness {witness.name} is named already")
        return _witness_view(stored)

    def remove_witness(self, name_or_url: str) -> int:
        """Stop sending checkpoints to a witness (admin); its cosignatures stay."""
        self.require_role((Role.ADMIN,), "remove witnesses")
        removed = self.witness_tables.remove(name_or_url.strip().rstrip("/"))
        if not removed:
            raise UnknownReference(
                f"no witness named {name_or_url!r}: see `plaint witness list`"
            )
        return removed

    def witnesses(self) -> list[dict[str, Any]]:
        """The named witnesses, and how asking each last went."""
        self.require_role(tuple(Role), "list witnesses")
        return [_witness_view(w) for w in self.witness_tables.all()]

    def witness_latest(self, timeout: float | None = None) -> list[dict[str, Any]]:
        """Send the latest checkpoint to each witness that has not cosigned
        it; keep what they return (each within `timeout` seconds, the
        client's TIMEOUT unless given). A duty, not a member's action: it
        runs after signing, and from `plaint serve`'s witnessing thread,
        where it touches only the database and the log tree (not the caches
        the request lock guards)."""
        # Imported here: the HTTP client is start-up time every command
        # would pay, and few ledgers name witnesses.
        from ledger.witnessing.client import TIMEOUT, Outcome, ask
        from ledger.witnessing.exchange import seconds

        timeout = TIMEOUT if timeout is None else timeout
        latest = self.signer.latest()
        witnesses = self.witness_tables.all()
        if latest is None or not witnesses:
            return []
        done = self.witness_tables.cosignatures(latest.size).get(latest.size, {})
        due = [w for w in witnesses if w.vkey not in done]
        if not due:
            return []
        if self.log_tree.root(latest.size) != latest.root:
            problem = (
                "the log no longer matches its latest checkpoint: run `plaint verify`"
            )
            return [
                {"witness": w.name, "cosigned": False, "problem": problem} for w in due
            ]
        body = latest.note[: latest.note.rfind("\n\n") + 1]

        def asking(witness: StoredWitness) -> Outcome:
            return ask(
                witness.url, witness.vkey, witness.seen, latest.note, body,
                latest.size, lambda old: self.log_tree.consistency(old, latest.size),
                timeout,
            )  # fmt: skip

        # All at once, each answer kept as it comes: a witness that hangs
        # until the timeout delays no other's cosignature. Each request ends
        # by its deadline (ledger/witnessing/exchange.py); whatever has not
        # answered by then (and a little) is not waited for.
        results: dict[str, dict[str, Any]] = {}
        pool = ThreadPoolExecutor(len(due), "plaint-witness")
        asked = {pool.submit(asking, witness): witness for witness in due}
        try:
            for future in as_completed(asked, timeout=timeout + GRACE):
                witness, outcome = asked[future], future.result()
                results[witness.vkey] = self._keep(latest.size, witness, outcome)
        except FuturesTimeout:
            late = f"unreachable: it did not answer within {seconds(timeout)}"
            for witness in due:
                if witness.vkey not in results:
                    outcome = Outcome(None, witness.seen, late)
                    results[witness.vkey] = self._keep(latest.size, witness, outcome)
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
        return [results[witness.vkey] for witness in due]

    def _keep(
        self, size: int, witness: StoredWitness, outcome: Outcome
    ) -> dict[str, Any]:
        """Keep how asking `witness` to cosign the checkpoint of `size` went."""
        now = self.clock().timestamp()
        # The witness's row first: whoever sees the cosignature sees the row
        # that says how asking went.
        self.witness_tables.asked(witness.vkey, outcome.seen, now, outcome.problem)
        if outcome.line is not None:
            self.witness_tables.keep_cosignature(size, witness.vkey, outcome.line, now)
        return {
            "witness": witness.name,
            "cosigned": outcome.line is not None,
            "problem": outcome.problem,
        }

    def _cosigned_note(self, stored: StoredCheckpoint) -> str:
        """A checkpoint's note with the cosignatures kept for it."""
        found = self.witness_tables.cosignatures(stored.size).get(stored.size, {})
        return stored.note + "".join(found.values())

    def latest_checkpoint(self) -> dict[str, Any] | None:
        """The latest signed checkpoint, its note with its cosignatures."""
        latest = self.signer.latest()
        if latest is None:
            return None
        return {**checkpoint_view(latest), "note": self._cosigned_note(latest)}

    def checkpoint_signed(self, stored: StoredCheckpoint) -> None:
        """A write signed a checkpoint by itself: send it to the witnesses
        (in `plaint serve`, wake the thread that does)."""
        if self.wake_witnessing is not None:
            self.wake_witnessing()
        elif self.witness_tables.all():
            self.witness_latest()


def _witness_view(witness: StoredWitness) -> dict[str, Any]:
    return {
        "name": witness.name,
        "url": witness.url,
        "vkey": witness.vkey,
        "cosigned_size": witness.seen,
        "last_tried": None
        if not witness.tried
        else datetime.fromtimestamp(witness.tried, UTC).isoformat(),
        "problem": witness.problem,
    }
