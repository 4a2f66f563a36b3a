"""The auditor's check: `verify` recomputes the log's tree and holds it, its
checkpoints and its data keys against a key trusted from outside the ledger
(which key, and which heads, is ledger/cases/heads.py).

What no local check can notice (events removed from the end together with
newer checkpoints) is counted as `uncovered`, for a head kept elsewhere
(`--against`) to protect.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any, NamedTuple

from eventsourcing.persistence import Notification

from ledger.cases.culprits import Culprits
from ledger.cases.heads import (
    Expected,
    Heads,
    exported_head,
    recorded_key_problem,
    signature_problem,
    trusted_key,
    unsigned_problem,
)
from ledger.cases.keycheck import ERASED, KeyTableCheck
from ledger.cases.witnessed import WitnessedCases, parse_witnesses
from ledger.crypto.envelope import SealCheck
from ledger.crypto.keyfiles import signing_key_file
from ledger.domain.reference import complaint_id_bytes
from ledger.domain.vocabulary import Role
from ledger.errors import IntegrityFailure, InvalidInput
from ledger.evidence.logcheck import LogCheck, LogRow, last_of_run
from ledger.signer import CHECKPOINT_EVERY
from ledger.storage.checkpoints import StoredCheckpoint, resume_tree
from ledger.storage.log import notification_of

# Told how many events were checked, batch by batch.
Progress = Callable[[int], None]


class Failure(NamedTuple):
    """Why the log failed: how many events were checked, the event found
    wrong (None when the log as a whole is), and why."""

    events: int
    bad: Notification | None
    why: str


class VerificationCases(WitnessedCases):
    """`verify`: every event, checkpoint, signature and data key."""

    def verify(
        self,
        against: str | None = None,
        progress: Progress | None = None,
        *,
        incremental: bool = False,
        verifier_key: str | None = None,
        witnesses: Sequence[str] = (),
        minimum: int = 1,
    ) -> dict[str, Any]:
        """Recompute the tree over the whole log; check that every record's
        versions follow on, that complaints are filed C-1, C-2… with none
        missing, every checkpoint's root and signature, every complaint's data
        key, and (with `against`, an exported note) that the log still extends
        it. Events a validly signed head covers are proven by its root; the
        rest are authenticated one by one (AES-GCM), and when a root does not
        match, its range is searched the same way to name the event.

        `incremental` starts from the latest validly signed checkpoint instead,
        trusting what it covers (a full verify checked that), and checks only
        the events after it.

        `witnesses` (verifier keys from outside the ledger): at least
        `minimum` of them must have cosigned a checkpoint of the log, and
        none may have cosigned more events, or others, than it holds."""
        self.require_role(tuple(Role), "verify the ledger")
        assert self.meta is not None
        vouching = parse_witnesses(witnesses)
        if not 1 <= minimum <= max(1, len(vouching)):
            raise InvalidInput(
                f"--min {minimum}: give at least that many --witness keys"
            )
        signing = signing_key_file(self.ledger_id, self.environ)
        trusted = trusted_key(
            verifier_key, signing, self.meta.verifier_key, self.origin
        )
        checkpoints = self._storage(self.tables.select_checkpoints)
        verdict: dict[str, Any] = {
            "ok": True,
            "events": 0,
            "checkpoints": len(checkpoints),
            "first_bad": None,
            "trusted_key": trusted.source,
            "uncovered": 0,
            "witnessed": None,
        }

        def failed(failure: Failure) -> dict[str, Any]:
            bad = self._culprits.first_bad(failure.bad, failure.why)
            return {**verdict, "ok": False, "events": failure.events, "first_bad": bad}

        refused = recorded_key_problem(self.meta.verifier_key, trusted)
        exported = [] if refused else exported_head(against, trusted.key, self.origin)
        refused = refused or (exported[0].problem if exported else None)
        if refused:
            return failed(Failure(0, None, refused))
        check, since = self._start(incremental, checkpoints, trusted.key)
        start = check.size
        heads = self._heads(checkpoints, exported, check, trusted.key, since)
        erased: list[LogRow] = []
        failure = (
            self._resumed_head(heads, check)
            or self._stream(check, heads, erased, progress)
            or self._log_end(heads, check)
            or self._erasures(erased, check)
        )
        if failure:
            return failed(failure)
        uncovered = check.size - max(heads.proven, start)
        verdict.update(events=check.size, uncovered=uncovered)
        if uncovered >= CHECKPOINT_EVERY and signing.exists():
            return failed(
                Failure(check.size, None, unsigned_problem(uncovered, CHECKPOINT_EVERY))
            )
        if vouching:
            witnessed, problem = self._witness_verdict(
                vouching, minimum, checkpoints, trusted.key, check.size
            )
            verdict.update(witnessed=witnessed)
            if problem:
                return failed(Failure(check.size, None, problem))
        return {**verdict, "root": check.tree.root().hex()}

    @property
    def _culprits(self) -> Culprits:
        return Culprits(
            self.envelope,
            self.keyring,
            self.recorder,
            self.tables,
            self.log_reader,
            self._storage,
        )

    def _heads(
        self,
        checkpoints: list[StoredCheckpoint],
        exported: list[Expected],
        check: LogCheck,
        key: str,
        since: int,
    ) -> Heads:
        """The heads the log must match past where the check starts: the kept
        checkpoints (each with why its signature fails, if it does) and the
        exported head."""
        kept = [
            Expected(c.size, c.root, signature_problem(c, key, self.origin))
            for c in checkpoints
            if c.size > check.size
        ]
        heads = Heads(kept + exported, since)
        if heads.next is not None and heads.next.size < check.size:
            raise InvalidInput(
                "the exported checkpoint is older than the latest one: check it "
                "with a full `plaint verify --against`"
            )
        return heads

    @staticmethod
    def _resumed_head(heads: Heads, check: LogCheck) -> Failure | None:
        """Resumed at a checkpoint, an exported head of the same size must be it."""
        while (head := heads.due(check.size)) is not None:
            if head.problem or head.root != check.tree.root():
                forked = (
                    head.problem
                    or f"the exported checkpoint of {head.size} events differs from "
                    "the ledger's: the log was rewritten"
                )
                return Failure(check.size, None, forked)
            heads.matched(heads.since)
        return None

    def _stream(
        self,
        check: LogCheck,
        heads: Heads,
        erased: list[LogRow],
        progress: Progress | None,
    ) -> Failure | None:
        """Take the log after the last matched head into the check, a batch at
        a time, each batch cut where the log reaches a head's size; the
        erasures met are kept in `erased` for the end."""
        for batch in self.log_reader.batches(heads.since):
            erased += [row for row in batch if row[3].endswith(ERASED)]
            rest = batch
            while rest:
                cut = heads.rows_before_next(check.size, len(rest))
                rows, rest = rest[:cut], rest[cut:]
                failure = self._take(check, rows, heads)
                if failure:
                    return failure
            if progress is not None:
                progress(len(batch))
        return None

    def _take(
        self, check: LogCheck, rows: list[LogRow], heads: Heads
    ) -> Failure | None:
        """Check `rows`, then each head the log reaches with them."""
        events, bad, problem = self._check_rows(check, rows, heads.proven)
        while problem is None and (head := heads.due(check.size)) is not None:
            problem = head.problem
            if problem is None and head.root != check.tree.root():
                last = notification_of(rows[-1])
                bad, problem = self._culprits.culprit(heads.since, last, head)
            heads.matched(rows[-1][0])
        if problem and bad is not None and events <= heads.proven:
            # Events a head proves are not opened: one altered before the
            # event found wrong is the first bad event.
            bad, problem = self._culprits.altered(heads.since, bad) or (bad, problem)
        if problem:
            return Failure(events, bad or notification_of(rows[-1]), problem)
        return None

    @staticmethod
    def _log_end(heads: Heads, check: LogCheck) -> Failure | None:
        """A head the log never reached: events were removed from its end."""
        if heads.next is None:
            return None
        removed = (
            f"a checkpoint covers {heads.next.size} events but the log holds "
            f"{check.size}: events were removed from its end"
        )
        return Failure(check.size, None, removed)

    def _erasures(self, erased: list[LogRow], check: LogCheck) -> Failure | None:
        """The first erasure whose complaint still has a data key kept."""
        keys = KeyTableCheck(self.tables, self.keyring.master, self._storage)
        for row in erased:
            kept = keys.kept_after_erasure(row)
            if kept:
                return Failure(check.size, notification_of(row), kept)
        return None

    def _start(
        self, incremental: bool, checkpoints: list[StoredCheckpoint], key: str
    ) -> tuple[LogCheck, int]:
        """The check from the log's start, or (`incremental`) as it stood at
        the latest validly signed checkpoint, from its kept frontier (which
        must hash to its signed root)."""
        signed = (
            c
            for c in reversed(checkpoints)
            if not signature_problem(c, key, self.origin)
        )
        latest = next(signed, None) if incremental else None
        if latest is None:
            return LogCheck(number_id=self._number_id), 0
        tree = resume_tree(latest)
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
            number_id=self._number_id,
            filed=self._filed_by(position),
        )
        return check, position

    def _number_id(self, number: int) -> bytes:
        return complaint_id_bytes(self.ledger_id, number)

    def _filed_by(self, position: int) -> int:
        """How many complaints were filed at or before notification id
        `position` (they are C-1 to C-n: the full verify checked it)."""

        def filed(number: int) -> bool:
            originator = self._number_id(number)
            last = partial(self.tables.last_version, originator, position)
            return bool(self._storage(last))

        return last_of_run(filed)

    def _check_rows(
        self, check: LogCheck, rows: list[LogRow], proven: int
    ) -> tuple[int, Notification | None, str | None]:
        """Take `rows` into the check, opening those past the log's first
        `proven` events. Returns how many events were checked up to the first
        wrong row, that row and why; or the check's size, None and None. As one
        row at a time, a row's version and filing order are checked before it
        is opened, and a filing's data key before its later rows."""
        start, first_number = check.size, check.filed + 1
        wrong = check.add_rows(rows)
        end = len(rows) if wrong is None else wrong[0]
        keys = KeyTableCheck(self.tables, self.keyring.master, self._storage)
        keyless = keys.filings(rows[:end], first_number)
        if keyless is not None:
            wrong, end = keyless, keyless[0]
        opened = max(0, proven - start)
        opens = SealCheck(self.keyring)
        opens.load_keys(row[4] for row in rows[opened:end])
        for index in range(opened, end):
            if not opens(*rows[index][1:]):
                notification = notification_of(rows[index])
                problem = self._culprits.authentic(notification)
                if problem:
                    return start + index + 1, notification, problem
        if wrong is not None:
            index, problem = wrong
            return start + index + 1, notification_of(rows[index]), problem
        return check.size, None, None
