"""The ledger's core: opening and creating it, keys, identity, loading and saving.

The use cases live in `ledger/cases/`, one module per area, each a subclass
of `LedgerBase`; `ComplaintLedger` (ledger/application.py) combines them.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from copy import deepcopy
from datetime import UTC, datetime
from functools import partial
from typing import Any, Self, TypeVar
from uuid import UUID, uuid4, uuid5

from eventsourcing.application import (
    AggregateNotFoundError,
    Application,
    ProcessingEvent,
    project_aggregate,
)
from eventsourcing.domain import Aggregate, DomainEventProtocol, EventSourcingError
from eventsourcing.persistence import (
    ApplicationRecorder,
    Mapper,
    Notification,
    PersistenceError,
    RecordConflictError,
)

from ledger.complaint import Complaint, reference
from ledger.config import (
    MASTER_KEY_VARIABLE,
    load_master_key,
    load_pending_master_key,
    master_key_file,
    signing_key_file,
)
from ledger.envelope import EnvelopeMapper
from ledger.errors import (
    ConcurrencyConflict,
    DamagedEvent,
    IntegrityFailure,
    KeyProblem,
    LedgerExists,
    LedgerMissing,
    StorageFailure,
    UnknownReference,
)
from ledger.keys import Keyring, MasterKey, write_secret_file
from ledger.location import Location, file_exists
from ledger.reading import complaint_view
from ledger.signing import create_signing_key, verifier_key
from ledger.storage import LedgerMeta, LedgerTables, checkpoint_view
from ledger.team import Policy, Team
from ledger.timeutil import Clock, system_clock
from ledger.vocabulary import (
    Role,
)

A = TypeVar("A", bound=Aggregate)
T = TypeVar("T")
MAX_ATTEMPTS = 32
LOG_BATCH = 1000
NUMBER_WINDOW = 32
KEPT_IDS = 4096


class LedgerBase(Application[UUID]):
    """The ledger's core: storage, keys, identity, loading and saving."""

    name = "plaint"

    def __init__(
        self,
        location: Location,
        *,
        actor: str,
        environ: Mapping[str, str] | None = None,
        clock: Clock = system_clock,
    ) -> None:
        self.location = location
        self.actor = actor
        self.environ = dict(os.environ if environ is None else environ)
        self.clock = clock
        self.keyring = Keyring()
        self.meta: LedgerMeta | None = None
        self._used_up_to = 0
        self._filing_alone = True
        self._derived_ids: dict[str, UUID] = {}
        self._singletons: dict[UUID, Aggregate] = {}
        os.environ.update(location.libpq)
        try:
            super().__init__({**location.settings, "CREATE_TABLE": "n"})
        except (PersistenceError, OSError) as error:
            raise StorageFailure(
                f"cannot reach the ledger at {location.display}: {error}"
            ) from None

    def construct_mapper(self) -> Mapper[UUID]:
        return EnvelopeMapper(self.construct_transcoder(), self.keyring)

    def construct_recorder(self) -> ApplicationRecorder:
        recorder = super().construct_recorder()
        assert isinstance(recorder, LedgerTables)
        recorder.keyring = self.keyring
        self.keyring.attach(recorder)
        return recorder

    @property
    def tables(self) -> LedgerTables:
        """The recorder, as the keeper of the key and identity tables."""
        assert isinstance(self.recorder, LedgerTables)
        return self.recorder

    # Opening and creating.

    @classmethod
    def open(
        cls,
        location: Location,
        *,
        actor: str,
        environ: Mapping[str, str] | None = None,
        clock: Clock = system_clock,
    ) -> Self:
        """Open an existing ledger with its master key."""
        if not file_exists(location):
            raise LedgerMissing(
                f"no ledger at {location.display}; create one with `plaint init`"
            )
        ledger = cls(location, actor=actor, environ=environ, clock=clock)
        try:
            ledger._unlock()
        except BaseException:
            ledger.close()
            raise
        return ledger

    def _unlock(self) -> None:
        meta = self._read_meta()
        if meta is None:
            raise LedgerMissing(
                f"{self.location.display} holds no plaint ledger; create one with "
                "`plaint init`"
            )
        self.meta = meta
        known = self._storage(self.tables.master_ids)
        master: MasterKey | None = None
        try:
            master = load_master_key(meta.ledger_id, self.environ)
        except KeyProblem as error:
            missing = error
        if master is None or master.key_id not in known:
            # A rotation cut short after it committed leaves its new key pending.
            pending = load_pending_master_key(meta.ledger_id, self.environ)
            if pending is not None and pending.key_id in known:
                master = pending
        if master is None:
            raise missing
        if master.key_id not in known:
            raise KeyProblem(
                f"the master key from {master.source} does not fit this ledger "
                f"(it is key {master.key_id}; the ledger's data keys are wrapped "
                f"by {', '.join(sorted(known)) or 'no key'})"
            )
        self.keyring.unlock(master)

    @classmethod
    def create(
        cls,
        location: Location,
        *,
        admin: str,
        environ: Mapping[str, str] | None = None,
        clock: Clock = system_clock,
    ) -> Self:
        """Create a ledger, its master key and signing key; `admin` runs it."""
        if location.path is not None:
            location.path.parent.mkdir(parents=True, exist_ok=True)
            if location.path.exists():
                ledger = cls(location, actor=admin, environ=environ, clock=clock)
                found = ledger._read_meta()
                ledger.close()
                raise LedgerExists(
                    f"a ledger already exists at {location.display}"
                    if found
                    else f"{location.display} exists and is not a plaint ledger"
                )
            # Only its owner may read the file (SQLite gives -wal and -shm the same).
            os.close(
                os.open(location.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            )
        ledger = cls(location, actor=admin, environ=environ, clock=clock)
        if ledger._read_meta() is not None:
            ledger.close()
            raise LedgerExists(f"a ledger already exists at {location.display}")
        ledger._storage(ledger.tables.create_table)
        ledger._found(admin)
        return ledger

    def _found(self, admin: str) -> None:
        ledger_id = uuid4()
        written = []
        try:
            if self.environ.get(MASTER_KEY_VARIABLE):
                master = load_master_key(ledger_id, self.environ)
            else:
                path = master_key_file(ledger_id, self.environ)
                master = MasterKey.generate(str(path))
                write_secret_file(path, master.as_text())
                written.append(path)
            signing = signing_key_file(ledger_id, self.environ)
            public_key = create_signing_key(signing).public_key()
            written.append(signing)
            origin = f"plaint/{ledger_id}"
            meta = LedgerMeta(
                ledger_id,
                "plaint",
                datetime.now(UTC).isoformat(),
                verifier_key(origin, public_key),
            )
            self.keyring.unlock(master)
            self.meta = meta
            now = self.clock()
            team = Team(
                id=self._singleton("team"), admin=admin, actor=admin, timestamp=now
            )
            policy = Policy(id=self._singleton("policy"), actor=admin, timestamp=now)
            self._storage(lambda: self.save(team, policy, ledger_meta=meta))
        except BaseException:
            for path in written:
                path.unlink(missing_ok=True)
            self.close()
            raise

    def _read_meta(self) -> LedgerMeta | None:
        return self._storage(self.tables.select_meta)

    def _storage(self, operation: Callable[[], T]) -> T:
        try:
            return operation()
        except RecordConflictError:
            raise
        except PersistenceError as error:
            raise StorageFailure(
                f"the ledger at {self.location.display} failed: {error}"
            ) from None

    # Identity.

    @property
    def ledger_id(self) -> UUID:
        """The ledger's id, which names its keys and seeds its aggregate ids."""
        assert self.meta is not None, "the ledger is open"
        return self.meta.ledger_id

    def _singleton(self, name: str) -> UUID:
        return self._derived_id(name)

    def _derived_id(self, name: str) -> UUID:
        """The id of a record named `name` in this ledger (the team, `C-7`...),
        kept: most commands derive the same few ids, each a SHA-1."""
        found = self._derived_ids.get(name)
        if found is None:
            if len(self._derived_ids) >= KEPT_IDS:
                self._derived_ids.clear()
            found = self._derived_ids[name] = uuid5(self.ledger_id, name)
        return found

    def complaint_id(self, ref: str) -> UUID:
        """The id of the complaint with reference `C-7` (or its id as given)."""
        text = ref.strip()
        if text.upper().startswith("C-") and text[2:].isdigit() and int(text[2:]) > 0:
            return self._complaint_uuid(int(text[2:]))
        try:
            return UUID(text)
        except ValueError:
            raise UnknownReference(
                f"'{ref}' is not a complaint reference: use C-1, C-2, …"
            ) from None

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
        name = ref.upper() if ref.upper().startswith("C-") else ref
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

    def save(self, *objs: Any, **kwargs: Any) -> Any:
        """The library's `save` (all new events of `objs` in one transaction)
        without its runtime Protocol checks, about 13 µs an aggregate and a
        tenth of an import, and without snapshotting, which plaint does not use."""
        processing: ProcessingEvent[UUID] = ProcessingEvent()
        for aggregate in objs:
            processing.events.extend(aggregate.collect_events())
            processing.aggregates[aggregate.id] = aggregate
        processing.saved_kwargs.update(kwargs)
        recordings = self._record(processing)
        self._notify(recordings)
        return recordings

    def _save(self, *aggregates: Aggregate) -> None:
        try:
            self._storage(lambda: self.save(*aggregates))
        except RecordConflictError:
            raise ConcurrencyConflict(
                "someone else changed the same record at the same moment; "
                "nothing was recorded, try again"
            ) from None

    def require_role(self, roles: tuple[Role, ...], action: str) -> None:
        """Refuse unless the actor holds one of `roles` (for read-side use cases)."""
        self.team().authorise(self.actor, roles, action)

    # The log, for the read side.

    def events_after(self, position: int) -> int:
        """How many events the log holds after notification id `position`."""
        return self._storage(lambda: self.tables.count_events_after(position))

    def read_notifications(self, after: int, limit: int) -> Sequence[Notification]:
        """Up to `limit` stored events after notification id `after`, in order."""
        try:
            return self._read_notifications(after, limit)
        except ValueError as error:  # a row the library cannot even parse
            raise self._malformed(after, error) from None

    def log_rows(
        self, after: int, limit: int
    ) -> list[tuple[int, bytes, int, str, bytes]]:
        """Like `read_notifications`, as plain columns (id, originator id bytes,
        version, topic, state): cheaper where many rows are only looked at."""
        try:
            return self._storage(partial(self.tables.log_rows, after, limit))
        except ValueError as error:
            raise self._malformed(after, error) from None

    @staticmethod
    def _malformed(after: int, error: ValueError) -> IntegrityFailure:
        return IntegrityFailure(
            f"the event log after event {after} holds a malformed row ({error}); "
            "the ledger was tampered with"
        )

    def _read_notifications(self, after: int, limit: int) -> Sequence[Notification]:
        return self._storage(
            lambda: self.recorder.select_notifications(
                start=after, limit=limit, inclusive_of_start=False
            )
        )

    def _log(self, after: int, until: int | None = None) -> Iterator[Notification]:
        """The stored events after notification id `after` (up to `until`), in
        order, read in batches."""
        while True:
            batch = self.read_notifications(after, LOG_BATCH)
            for notification in batch:
                if until is not None and notification.id > until:
                    return
                yield notification
            if len(batch) < LOG_BATCH:
                return
            after = batch[-1].id

    def decode_metadata(self, notification: Notification) -> DomainEventProtocol[UUID]:
        """A stored event's metadata, opened and decoded, its text left sealed
        (the read side's views hold no text); a damaged one is named."""
        try:
            return self.envelope.to_domain_event(notification, with_text=False)
        except DamagedEvent as error:
            raise IntegrityFailure(
                f"notification {notification.id}: {error}; the ledger was tampered with"
            ) from None

    @property
    def envelope(self) -> EnvelopeMapper:
        """The event mapper, which seals and opens stored events."""
        assert isinstance(self.mapper, EnvelopeMapper)
        return self.mapper

    def latest_checkpoint(self) -> dict[str, Any] | None:
        """The latest signed checkpoint, or None."""
        latest = self._storage(lambda: self.tables.select_checkpoints(True))
        return checkpoint_view(latest[0]) if latest else None

    @property
    def origin(self) -> str:
        """The ledger's name and id, as checkpoints name their log."""
        assert self.meta is not None
        return self.meta.origin

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
        """The first unused complaint number. Numbers are taken in order and
        never freed, so the used ones form a prefix 1..n. One query asks about
        the NUMBER_WINDOW numbers above the highest this process saw used,
        which finds n unless others filed more meanwhile; then an exponential
        and a binary search find it in O(log n) point reads. There is no
        counter to contend on: two filers that pick the same number collide
        on the complaint's id, and the loser retries.

        With `guess`, a process that filed before and never collided takes
        the number after its last without asking (one writer, the usual case
        on SQLite); `_collided` ends that."""
        if guess and self._filing_alone and self._used_up_to:
            return self._used_up_to + 1
        window = range(self._used_up_to + 1, self._used_up_to + 1 + NUMBER_WINDOW)
        ids = {self._complaint_uuid(n): n for n in window}
        used = self._storage(partial(self.tables.recorded, list(ids)))
        free = [n for i, n in ids.items() if i not in used]
        if free:
            self._used_up_to = min(free) - 1
            return min(free)
        low, step = window[-1], 1
        while self._number_used(low + step):
            low, step = low + step, step * 2
        high = low + step
        while high - low > 1:
            middle = (low + high) // 2
            if self._number_used(middle):
                low = middle
            else:
                high = middle
        self._used_up_to = low
        return high

    def _collided(self) -> None:
        """Another filer took a number this process picked: search from now on."""
        self._filing_alone = False

    def _number_used(self, number: int) -> bool:
        complaint_id = self._complaint_uuid(number)
        return bool(self._storage(partial(self.tables.recorded, [complaint_id])))

    def _complaint_uuid(self, number: int) -> UUID:
        return self._derived_id(reference(number))

    def complaint_count(self) -> int:
        """How many complaints were ever filed."""
        return self._next_number() - 1
