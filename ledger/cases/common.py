"""What every use case builds on: the team, the policy and complaints loaded
and brought up to date, role checks, optimistic saves retried, and complaint
numbers."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from copy import deepcopy
from functools import cached_property, partial
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, project_aggregate
from eventsourcing.domain import Aggregate, DomainEventProtocol, EventSourcingError
from eventsourcing.persistence import PersistenceError, RecordConflictError

from ledger.base import LedgerBase
from ledger.domain.complaint import Complaint
from ledger.domain.plain import complaint_view
from ledger.domain.policy import Policy
from ledger.domain.reference import PREFIX
from ledger.domain.team import Team
from ledger.domain.vocabulary import READ_ROLES, ReadAction, Role
from ledger.errors import (
    ConcurrencyConflict,
    DamagedEvent,
    IntegrityFailure,
    StorageFailure,
    UnknownReference,
)
from ledger.evidence.logcheck import last_of_run

if TYPE_CHECKING:
    from ledger.storage.state import ServiceState

A = TypeVar("A", bound=Aggregate)
T = TypeVar("T")
MAX_ATTEMPTS = 32
# The label of the key that names rate counters' buckets (ledger/storage/state.py).
COUNTER_KEY = b"plaint rate counters v1"
NUMBER_WINDOW = 32


class CaseBase(LedgerBase):
    """The loading, checking, saving and numbering the use cases share."""

    # Loading aggregates, translating library errors.

    def _get(self, cls: type[A], aggregate_id: UUID, name: str) -> A:
        aggregate = self._translated(lambda: self.repository.get(aggregate_id), name)
        if not isinstance(aggregate, cls):
            raise IntegrityFailure(
                f"the events of {name} do not replay: some were removed, reordered "
                "or moved; the ledger was tampered with"
            )
        return aggregate

    def _translated(self, read: Callable[[], T], name: str) -> T | None:
        """What `read` returns, the library's errors made the ledger's; None
        when the events do not replay."""
        try:
            return read()
        except AggregateNotFoundError:
            raise UnknownReference(f"no complaint {name} in this ledger") from None
        except DamagedEvent as error:
            raise IntegrityFailure(
                f"event {error.version} ({error.kind}) of {name} failed its "
                f"integrity check: {error.why}; the ledger was tampered with"
            ) from None
        except PersistenceError as error:
            raise StorageFailure(f"reading {name} failed: {error}") from None
        except (EventSourcingError, AssertionError):
            # The library asserts that a record starts with its creation event
            # and raises when versions do not follow on: a tampered sequence.
            return None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The team and the policy, kept between use cases (see `_kept`) and
        # read with a complaint's events in one query. The library's cache
        # (AGGREGATE_CACHE_MAXSIZE, fast-forwarded, each aggregate read by its
        # own query and deep-copied out) takes a quarter more CPU for a `file`
        # and a `note` in one process, and the same in a fresh one:
        # benchmarks/choices.py measures it (benchmarks/CHOICES.md).
        self._singletons: dict[UUID, Aggregate] = {}
        # The highest complaint number this process saw used, and whether it
        # has ever collided with another filer (see `_next_number`).
        self._used_up_to = 0
        self._filing_alone = True

    @cached_property
    def state(self) -> ServiceState:
        """Sessions, idempotency keys, rate counters and used nonces: the service's
        working state, in the ledger's database (ledger/storage/state.py)."""
        from ledger.storage.state import ServiceState  # when used: the service's

        return ServiceState(
            self.tables, partial(self.keyring.ledger_secret, COUNTER_KEY)
        )

    def team(self) -> Team:
        """The team as it stands, to read (to change it: `_to_change`)."""
        return self._kept(Team, "team")

    def policy(self) -> Policy:
        """The policy as it stands, to read (to change it: `_to_change`)."""
        return self._kept(Policy, "policy")

    def team_and_policy(self) -> tuple[Team, Policy]:
        """Both, brought up to date together (one read, not two)."""
        self._bring_up_to_date("team", "policy")
        return self._kept(Team, "team", checked=True), self._kept(
            Policy, "policy", checked=True
        )

    @staticmethod
    def _to_change(aggregate: A) -> A:
        """A copy of a kept aggregate to act on, so that a refused or failed
        change never touches the kept one."""
        return deepcopy(aggregate)

    def _kept(self, cls: type[A], name: str, *, checked: bool = False) -> A:
        """An aggregate almost every use case loads, kept in memory and (unless
        just `checked`) brought up to date with the events saved since."""
        if not checked:
            self._bring_up_to_date(name)
        kept = self._singletons[self._singleton(name)]
        if not isinstance(kept, cls):
            raise IntegrityFailure(f"the events of {name} do not replay")
        return kept

    def _bring_up_to_date(
        self, *names: str, also: tuple[UUID, str] | None = None
    ) -> list[DomainEventProtocol[UUID]]:
        """Load the named singletons, or apply the events saved since they
        were kept (usually none), reading the log once for all of them; with
        `also` (a record's id and name), that record's events are read in the
        same query and returned."""
        names_of = {self._singleton(name): name for name in names}
        kept = {i: self._singletons.get(i) for i in names_of}
        since = {i: 0 if a is None else a.version for i, a in kept.items()}
        if also is not None:
            names_of[also[0]], since[also[0]] = also[1], 0
        stored = self._translated(
            lambda: self._storage(partial(self.tables.events_since, since)),
            " and ".join(names_of.values()),
        )
        events: dict[UUID, list[DomainEventProtocol[UUID]]] = {i: [] for i in since}
        for record in stored or ():
            assert isinstance(record.originator_id, UUID)
            name = names_of[record.originator_id]
            event = self._translated(partial(self.mapper.to_domain_event, record), name)
            if event is None:
                raise IntegrityFailure(f"the events of {name} do not replay")
            events[record.originator_id].append(event)
        for aggregate_id, aggregate in kept.items():
            if events[aggregate_id]:
                copy = None if aggregate is None else deepcopy(aggregate)
                aggregate = self._translated(
                    partial(project_aggregate, copy, events[aggregate_id]),
                    names_of[aggregate_id],
                )
            if aggregate is None:
                raise IntegrityFailure(
                    f"the events of {names_of[aggregate_id]} do not replay"
                )
            self._singletons[aggregate_id] = aggregate
        return [] if also is None else events[also[0]]

    def complaint(
        self, ref: str, roles: tuple[Role, ...] = (), action: str = ""
    ) -> Complaint:
        """The complaint with reference `ref`; with `roles`, the actor must
        hold one of them to `action` (checked first, from the same read)."""
        complaint_id = self.complaint_id(ref)
        name = ref.upper() if ref.upper().startswith(PREFIX) else ref
        events = self._bring_up_to_date("team", also=(complaint_id, name))
        if roles:
            self._kept(Team, "team", checked=True).authorise(self.actor, roles, action)
        if not events:
            raise UnknownReference(f"no complaint {name} in this ledger")
        complaint = self._translated(partial(project_aggregate, None, events), name)
        if not isinstance(complaint, Complaint):
            raise IntegrityFailure(
                f"the events of {name} do not replay: some were removed, reordered "
                "or moved; the ledger was tampered with"
            )
        return complaint

    def _save(self, *aggregates: Aggregate) -> None:
        try:
            self._storage(lambda: self.save(*aggregates))
        except RecordConflictError:
            raise ConcurrencyConflict(
                "someone else changed the same record at the same moment; "
                "nothing was recorded, try again"
            ) from None

    def require_role(self, roles: tuple[Role, ...], action: str) -> None:
        """Refuse unless the actor holds one of `roles`."""
        self.team().authorise(self.actor, roles, action)

    def authorise_read(self, action: ReadAction) -> None:
        """Refuse unless the actor may do `action` on the read side (listing,
        the views, reports): the roles it needs are `READ_ROLES`."""
        self.require_role(READ_ROLES[action], action)

    def allows_read(self, action: ReadAction) -> bool:
        """Whether the actor may do `action` on the read side (so a page
        offers only what it would not refuse); asking records nothing."""
        return self.team().members.get(self.actor) in READ_ROLES[action]

    # Shared by the use cases.

    def _act(
        self,
        ref: str,
        roles: tuple[Role, ...],
        action: str,
        change: Callable[..., None],
        *args: Any,
    ) -> dict[str, Any]:
        """Load, change and save one complaint; when someone else saved it in
        between, do it again on their version (the rules are checked anew)."""
        for _attempt in self._attempts():
            complaint = self.complaint(ref, roles, action)
            change(complaint, *args, actor=self.actor, at=self.clock())
            try:
                self._storage(partial(self.save, complaint))
            except RecordConflictError:
                continue
            return complaint_view(complaint)
        raise ConcurrencyConflict(
            f"{complaint.ref} kept changing while this was recorded ({MAX_ATTEMPTS} "
            "tries); nothing was recorded, try again"
        )

    @staticmethod
    def _attempts() -> Iterator[int]:
        """Attempts at an optimistic save; between them a short random pause
        that grows, so that writers who collided spread out instead of
        colliding again."""
        for attempt in range(MAX_ATTEMPTS):
            if attempt:
                pause = min(0.002 * 2**attempt, 0.1)
                time.sleep(random.uniform(0, pause))  # noqa: S311 - jitter, not a secret
            yield attempt

    def _owner(self, name: str) -> str:
        self.team().check_owner(name)
        return name

    def _next_number(self, *, guess: bool = False) -> int:
        """The number after the highest used. Numbers are taken in order and
        never freed, so the used ones form a prefix 1..n, unless someone
        deleted a complaint's rows: a number so freed is never taken again,
        or the gap `verify` finds would close. One query asks about the
        NUMBER_WINDOW numbers above the highest this process saw used; when
        all are used, an exponential and a binary search find the end of the
        prefix in O(log n) point reads, and one more window above it makes
        sure no complaint lies beyond a gap. There is no counter to contend
        on: two filers that pick the same number collide on the complaint's
        id, and the loser retries.

        With `guess`, a process that filed before and never collided takes
        the number after its last without asking (one writer, the usual case
        on SQLite); `_collided` ends that."""
        if guess and self._filing_alone and self._used_up_to:
            return self._used_up_to + 1
        low = self._used_up_to
        while True:
            window = range(low + 1, low + 1 + NUMBER_WINDOW)
            ids = {self._complaint_uuid(n): n for n in window}
            used = self._storage(partial(self.tables.recorded, list(ids)))
            if not used:
                break
            low = max(ids[i] for i in used)
            if low == window[-1]:
                low = last_of_run(self._number_used, low)
            elif window[-1] - low >= NUMBER_WINDOW // 2:
                break  # enough unused numbers above it to take it as the end
        self._used_up_to = low
        return low + 1

    def _collided(self) -> None:
        """Another filer took a number this process picked: search from now on."""
        self._filing_alone = False

    def _number_used(self, number: int) -> bool:
        complaint_id = self._complaint_uuid(number)
        return bool(self._storage(partial(self.tables.recorded, [complaint_id])))

    def complaint_count(self) -> int:
        """How many complaints were ever filed."""
        return self._next_number() - 1
