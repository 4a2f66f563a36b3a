"""Use case of bulk intake: importing records read from files, idempotently."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from datetime import datetime
from functools import partial
from itertools import islice
from typing import TYPE_CHECKING, Any, NamedTuple
from uuid import UUID

from eventsourcing.persistence import RecordConflictError

from ledger.bulk.collector import cycles_uncollected
from ledger.bulk.drafting import Filing, Prepared, prepare
from ledger.cases.common import MAX_ATTEMPTS
from ledger.cases.complaints import ComplaintCases
from ledger.domain.intake import Intake
from ledger.domain.vocabulary import WORKERS
from ledger.errors import ConcurrencyConflict, InvalidInput

if TYPE_CHECKING:
    from ledger.bulk.workers import Workers
    from ledger.sources.records import Record

BATCH_SIZE = 1000
# What an import holds of what it read while checking it, rather than read
# it again: about 60,000 typical records.
HOLD_BYTES = 64 * 2**20
# Imports of fewer records are drafted in this process alone: measured on two
# cores, workers made 3,000 records slower (they take a tenth of a second or
# more to start) and 10,000 a fifth faster.
WORKERS_FROM = 5 * BATCH_SIZE
Source = Callable[[], Iterable["Record"]]


class ImportCases(ComplaintCases):
    """Filing many complaints from files, in atomic batches, each once."""

    @cycles_uncollected()
    def import_records(
        self,
        read: Source,
        *,
        skip_invalid: bool = False,
        dry_run: bool = False,
        progress: Callable[[int, int], None] | None = None,
        workers: bool = False,
    ) -> dict[str, Any]:
        """Validate every record first; with invalid records and without
        `skip_invalid`, nothing is written. Valid records are filed in batches
        of BATCH_SIZE, each batch in one transaction; a record already imported
        (by its external id, else its content) is skipped, so an import cut
        short can simply be run again. What was read is held for the import up
        to HOLD_BYTES; past that, `read` is called again, so that a large file
        is streamed, never held whole. With `workers`, an import of
        WORKERS_FROM records or more is drafted by worker processes too
        (ledger/bulk/workers.py): they are spawned, so the program's main module
        must be safe to import (its work under `if __name__ == "__main__":`)."""
        self.require_role(WORKERS, "import complaints")
        now = self.clock()
        with ExitStack() as stack:
            pool: list[Workers | None] = [None]

            def many() -> None:
                # Started while the check goes on: they take a tenth of a
                # second or more to start, and the check leaves a core idle.
                if workers and not dry_run:
                    pool[0] = stack.enter_context(self._workers(True))

            checked = _check(read(), now, many)
            rejected, valid = checked.rejected, checked.valid
            result: dict[str, Any] = {
                "imported": 0,
                "skipped": 0,
                "rejected": rejected,
            }
            if rejected and not skip_invalid:
                return result
            intakes: Iterator[Intake] = (
                iter(checked.held)
                if checked.held is not None
                else (
                    r.intake
                    for r in read()
                    if r.intake is not None and _refusal(r, now) is None
                )
            )
            with self.signer.deferred():
                for imported, skipped in self._import_all(intakes, dry_run, pool[0]):
                    result["imported"] += imported
                    result["skipped"] += skipped
                    if progress is not None:
                        progress(result["imported"] + result["skipped"], valid)
        return result

    @contextmanager
    def _workers(self, wanted: bool) -> Iterator[Workers | None]:
        """Worker processes for a large import, on a machine with cores to share."""
        from ledger.bulk.workers import Workers, worker_count

        count = worker_count() if wanted else 0
        if not count:
            yield None
            return
        master, ledger_key = self.keyring.master, self.keyring.ledger_key()
        workers = Workers(count, master, ledger_key, self._prepare_here)
        try:
            yield workers
        finally:
            workers.close()

    def _import_all(
        self, intakes: Iterator[Intake], dry_run: bool, workers: Workers | None
    ) -> Iterator[tuple[int, int]]:
        """(imported, skipped) batch by batch. With workers, each batch is
        drafted by them while this process saves the one before, numbered on
        from that one: a guess that holds while no one else files. When it
        fails, that batch and the rest are imported one after the other."""
        ahead: _Planned | None = None
        for batch in _batches(intakes, BATCH_SIZE):
            if workers is None or not self._filing_alone:
                if ahead is not None:
                    yield self._finish(ahead, workers)
                    ahead = None
                yield self._import_batch(batch, dry_run, workers)
                continue
            planned = self._plan(batch, workers, ahead)
            if ahead is not None:
                yield self._finish(ahead, workers)
                if not self._filing_alone:  # the guess failed: plan anew
                    yield self._import_batch(batch, dry_run, workers)
                    planned = None
            ahead = planned
        if ahead is not None:
            yield self._finish(ahead, workers)

    def _plan(
        self, batch: list[Intake], workers: Workers, ahead: _Planned | None
    ) -> _Planned:
        """Set the workers drafting the batch's new complaints."""
        fresh = self._fresh(batch)
        if not fresh:
            return _Planned(batch, fresh, 0, None)
        if ahead is not None and ahead.fresh:
            first = ahead.first + len(ahead.fresh)
        else:
            first = self._next_number(guess=True)
        team, policy = self.team_and_policy()
        filing = self._filing(team, policy, (intake for _, intake in fresh))
        return _Planned(batch, fresh, first, workers.submit(filing, fresh, first))

    def _finish(self, planned: _Planned, workers: Workers | None) -> tuple[int, int]:
        """Save a planned batch; when its numbers or claims were taken
        meanwhile, import it again the careful way."""
        if planned.prepared is None:
            return 0, len(planned.batch)
        prepared = planned.prepared()
        try:
            with self.tables.numbering():
                self._storage(partial(self.save_prepared, prepared))
        except RecordConflictError:
            self._collided()
            return self._import_batch(planned.batch, False, workers)
        self._used_up_to = planned.first + len(planned.fresh) - 1
        return len(planned.fresh), len(planned.batch) - len(planned.fresh)

    def _import_batch(
        self, batch: list[Intake], dry_run: bool, workers: Workers | None
    ) -> tuple[int, int]:
        """Import one batch: its numbers chosen and its events saved together,
        tried again when others took numbers or claims meanwhile."""
        team, policy = self.team_and_policy()
        for attempt in self._attempts():
            fresh = self._fresh(batch)
            if dry_run or not fresh:
                return len(fresh), len(batch) - len(fresh)
            filing = self._filing(team, policy, (intake for _, intake in fresh))
            try:
                with self.tables.numbering():
                    number = self._next_number(guess=attempt == 0)
                    if workers is None:
                        prepared = self._prepare_here(filing, fresh, number)
                    else:
                        prepared = workers.submit(filing, fresh, number)()
                    self._storage(partial(self.save_prepared, prepared))
            except RecordConflictError:
                self._collided()  # others filed meanwhile, or imported some
                continue
            self._used_up_to = number + len(fresh) - 1
            return len(fresh), len(batch) - len(fresh)
        raise ConcurrencyConflict(
            f"could not import a batch after {MAX_ATTEMPTS} tries while others were "
            "filing; what was imported stays, run the import again"
        )

    def _fresh(self, batch: list[Intake]) -> list[tuple[UUID, Intake]]:
        """The batch's intakes not imported before (nor twice in the batch),
        each with its claim id."""
        claims: dict[UUID, Intake] = {}
        for intake in batch:
            claims.setdefault(self._claim_id(intake), intake)
        taken = self._storage(partial(self.tables.recorded, list(claims)))
        return [
            (claim, intake) for claim, intake in claims.items() if claim not in taken
        ]

    def _prepare_here(
        self, filing: Filing, items: Sequence[tuple[UUID, Intake]], first: int
    ) -> Prepared:
        return prepare(filing, items, first, self.envelope, self.keyring)


class _Planned(NamedTuple):
    """A batch given to the workers: its new intakes, numbered from `first`."""

    batch: list[Intake]
    fresh: list[tuple[UUID, Intake]]
    first: int
    prepared: Callable[[], Prepared] | None


class _Checked(NamedTuple):
    """What checking the records found: the rejected ones, how many are
    valid, and these intakes when they fit in HOLD_BYTES."""

    rejected: list[dict[str, str | None]]
    valid: int
    held: list[Intake] | None


def _check(
    records: Iterable[Record], now: datetime, many: Callable[[], None]
) -> _Checked:
    """Check every record; call `many` once WORKERS_FROM of them are valid."""
    rejected: list[dict[str, str | None]] = []
    valid = 0
    held: list[Intake] | None = []
    held_bytes = 0
    for record in records:
        if (reason := _refusal(record, now)) is not None:
            rejected.append({"where": record.where, "reason": reason})
            continue
        assert record.intake is not None
        valid += 1
        if valid == WORKERS_FROM:
            many()
        if held is not None:
            held.append(record.intake)
            held_bytes += record.intake.size()
            if held_bytes > HOLD_BYTES:
                held = None
    return _Checked(rejected, valid, held)


def _refusal(record: Record, now: datetime) -> str | None:
    """Why a record read is refused: it could not be read as an intake, or it
    was received after `now`."""
    if record.intake is None:
        return record.reason
    try:
        record.intake.check_received(now)
    except InvalidInput as error:
        return str(error)
    return None


def _batches(intakes: Iterator[Intake], size: int) -> Iterator[list[Intake]]:
    while batch := list(islice(intakes, size)):
        yield batch
