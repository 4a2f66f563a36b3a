"""Use case of bulk intake: importing records read from files, idempotently."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from functools import partial
from itertools import islice
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import RecordConflictError

from ledger.cases.common import MAX_ATTEMPTS
from ledger.cases.complaints import ComplaintCases
from ledger.cases.integrity import IntegrityCases
from ledger.errors import ConcurrencyConflict
from ledger.intake import Intake
from ledger.vocabulary import WORKERS

if TYPE_CHECKING:
    from ledger.sources import Record

BATCH_SIZE = 1000
Source = Callable[[], Iterable["Record"]]


class ImportCases(ComplaintCases, IntegrityCases):
    """Filing many complaints from files, in atomic batches, each once."""

    def import_records(
        self,
        read: Source,
        *,
        skip_invalid: bool = False,
        dry_run: bool = False,
        progress: Callable[[int, int], None] | None = None,
    ) -> dict[str, Any]:
        """Validate every record first (`read` is called again to import, so a
        file is streamed, never held whole); with invalid records and without
        `skip_invalid`, nothing is written. Valid records are filed in batches
        of BATCH_SIZE, each batch in one transaction; a record already imported (by
        its external id, else its content) is skipped, so an import cut short
        can simply be run again."""
        self.require_role(WORKERS, "import complaints")
        rejected, valid = [], 0
        for record in read():
            if record.reason is None:
                valid += 1
            else:
                rejected.append({"where": record.where, "reason": record.reason})
        result: dict[str, Any] = {"imported": 0, "skipped": 0, "rejected": rejected}
        if rejected and not skip_invalid:
            return result
        intakes = (r.intake for r in read() if r.intake is not None)
        with self.signing_deferred():
            for batch in _batches(intakes, BATCH_SIZE):
                imported, skipped = self._import_batch(batch, dry_run)
                result["imported"] += imported
                result["skipped"] += skipped
                if progress is not None:
                    progress(result["imported"] + result["skipped"], valid)
        return result

    def _import_batch(self, batch: list[Intake], dry_run: bool) -> tuple[int, int]:
        team, policy = self.team_and_policy()
        for attempt in self._attempts():
            claims: dict[UUID, Intake] = {}
            for intake in batch:
                claims.setdefault(self._claim_id(intake), intake)
            taken = self._storage(partial(self.tables.recorded, list(claims)))
            fresh = {c: i for c, i in claims.items() if c not in taken}
            if dry_run or not fresh:
                return len(fresh), len(batch) - len(fresh)
            try:
                with self.tables.numbering():
                    number = self._next_number(guess=attempt == 0)
                    aggregates: list[Aggregate] = []
                    for offset, (claim, intake) in enumerate(fresh.items()):
                        complaint = self._draft(intake, number + offset, team, policy)
                        aggregates += [complaint, self._claim(claim, complaint)]
                    self._storage(partial(self.save, *aggregates))
            except RecordConflictError:
                self._collided()  # others filed meanwhile, or imported some
                continue
            self._used_up_to = number + len(fresh) - 1
            return len(fresh), len(batch) - len(fresh)
        raise ConcurrencyConflict(
            f"could not import a batch after {MAX_ATTEMPTS} tries while others were "
            "filing; what was imported stays, run the import again"
        )


def _batches(intakes: Iterator[Intake], size: int) -> Iterator[list[Intake]]:
    while batch := list(islice(intakes, size)):
        yield batch
