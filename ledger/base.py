"""The ledger's core: opening and creating it, keys, identity, storage, and
reading the log.

The use cases live in `ledger/cases/`, one module per area, each a subclass
of `CaseBase` (ledger/cases/common.py, which builds on `LedgerBase`);
`ComplaintLedger` (ledger/application.py) combines them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self, TypeVar
from uuid import UUID, uuid4, uuid5

from eventsourcing.application import (
    Application,
    ProcessingEvent,
)
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import (
    ApplicationRecorder,
    Mapper,
    Notification,
    PersistenceError,
    RecordConflictError,
)

from ledger.crypto.envelope import EnvelopeMapper, ledger_transcoder
from ledger.crypto.keyfiles import choose_master_key, create_keys, signing_key_file
from ledger.crypto.keyring import Keyring
from ledger.domain.context import Acting, PendingRequest
from ledger.domain.grantees import new_member_name
from ledger.domain.identity import Identity
from ledger.domain.policy import Policy
from ledger.domain.reference import reference, reference_number
from ledger.domain.team import Team
from ledger.domain.timeutil import Clock, system_clock
from ledger.errors import (
    ConcurrencyConflict,
    DamagedEvent,
    IntegrityFailure,
    LedgerExists,
    LedgerMissing,
    StorageFailure,
    UnknownReference,
)
from ledger.evidence.note import verifier_key
from ledger.signer import Signer
from ledger.storage.checkpoints import StoredCheckpoint, checkpoint_view
from ledger.storage.ledgerfile import check_ledger_file, new_ledger_file
from ledger.storage.location import Location
from ledger.storage.log import LogReader
from ledger.storage.tables import LedgerMeta, LedgerTables

if TYPE_CHECKING:
    from ledger.bulk.drafting import Prepared

T = TypeVar("T")
KEPT_IDS = 4096


class LedgerBase(Application[UUID]):
    """The ledger's core: storage, keys, identity, saving and the log."""

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
        self._who = Acting(Identity(actor))
        self.pending_request = PendingRequest()
        self.environ = dict(os.environ if environ is None else environ)
        self.clock = clock
        self.keyring = Keyring()
        self.meta: LedgerMeta | None = None
        self._derived_ids: dict[str, UUID] = {}
        os.environ.update(location.libpq)
        try:
            super().__init__({**location.settings, "CREATE_TABLE": "n"})
        except (PersistenceError, OSError) as error:
            raise StorageFailure(
                f"cannot reach the ledger at {location.display}: {error}"
            ) from None
        self.log_reader = LogReader(
            self.tables, self._storage, subscribes=location.backend == "postgresql"
        )

    # Who is acting.

    @property
    def identity(self) -> Identity:
        """Who acts now: the identity of the `acting` block around this call,
        or the one claimed when the ledger was opened."""
        return self._who.identity

    @property
    def actor(self) -> str:
        """The member acting now, as events record them."""
        return self.identity.member

    @actor.setter
    def actor(self, member: str) -> None:
        self._who.claimed = Identity(member)

    def acting(self, identity: Identity) -> AbstractContextManager[None]:
        """Act as `identity` inside the block (this thread or task only): how
        one server process serves many signed-in members at once."""
        return self._who.acting(identity)

    def construct_mapper(self) -> Mapper[UUID]:
        return EnvelopeMapper(ledger_transcoder(), self.keyring)

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
        check_ledger_file(location)
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
        master = choose_master_key(meta.ledger_id, self.environ, known)
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
        admin = new_member_name(admin)
        if location.path is not None and location.path.exists():
            ledger = cls(location, actor=admin, environ=environ, clock=clock)
            found = ledger._read_meta()
            ledger.close()
            raise LedgerExists(
                f"a ledger already exists at {location.display}"
                if found
                else f"{location.display} exists and is not a plaint ledger"
            )
        with new_ledger_file(location):
            ledger = cls(location, actor=admin, environ=environ, clock=clock)
            if ledger._read_meta() is not None:
                ledger.close()
                raise LedgerExists(f"a ledger already exists at {location.display}")
            ledger._found(admin)
        return ledger

    def _found(self, admin: str) -> None:
        """Write the keys, then the tables and the first events; on failure,
        remove the keys it wrote."""
        ledger_id = uuid4()
        written: list[Path] = []
        try:
            master, public_key, written = create_keys(ledger_id, self.environ)
            self._storage(self.tables.create_table)
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

    def _complaint_uuid(self, number: int) -> UUID:
        return self._derived_id(reference(number))

    def complaint_id(self, ref: str) -> UUID:
        """The id of the complaint with reference `C-7` (or its id as given)."""
        text = ref.strip()
        number = reference_number(text)
        if number is not None:
            return self._complaint_uuid(number)
        try:
            return UUID(text)
        except ValueError:
            raise UnknownReference(
                f"'{ref}' is not a complaint reference: use C-1, C-2, …"
            ) from None

    def save(self, *objs: Any, **kwargs: Any) -> Any:
        """The one way events are written (with `save_prepared`): the
        library's `save` (all new events of `objs` in one transaction) without
        its runtime Protocol checks, about 13 µs an aggregate and a tenth of an
        import, and without snapshotting, which plaint does not use. Events
        saved under a verified identity record how it was proved and from
        where; inside `pending_request.requested`, the request is recorded
        with them. Then a checkpoint is signed when enough events are
        unsigned."""
        saved = [aggregate.id for aggregate in objs]
        claims = self.pending_request.claims(saved, self.actor, self.clock)
        objs = (*objs, *claims)
        processing: ProcessingEvent[UUID] = ProcessingEvent()
        for aggregate in objs:
            processing.events.extend(aggregate.collect_events())
            processing.aggregates[aggregate.id] = aggregate
        identity = self.identity
        if identity.verified:
            for event in processing.events:
                # Events are frozen; these two ride along in the event's state.
                object.__setattr__(event, "proof", identity.proof)
                object.__setattr__(event, "address", identity.address)
        processing.saved_kwargs.update(kwargs)
        try:
            recordings = self._record(processing)
        except RecordConflictError:
            if claims and self.recorder.select_events(claims[0].id, limit=1):
                # The request was done by another server meanwhile: nothing
                # to try again (ledger/cases/requests.py answers it).
                raise ConcurrencyConflict("the request was done meanwhile") from None
            raise
        if claims:
            self.pending_request.recorded()
        self._notify(recordings)
        self.signer.saved(len(recordings))
        return recordings

    def save_prepared(self, prepared: Prepared) -> None:
        """Insert events drafted and sealed beforehand (an import batch, see
        ledger/bulk/drafting.py) with their new data keys, in one transaction;
        then sign when due, as `save` does."""
        self.tables.insert_events(prepared.events, new_keys=prepared.keys)
        self.signer.saved(len(prepared.events))

    @cached_property
    def signer(self) -> Signer:
        """What signs checkpoints over this ledger's log (once it is open)."""
        return Signer(
            self.tables,
            self.log_reader,
            self._storage,
            self.origin,
            signing_key_file(self.ledger_id, self.environ),
            self.checkpoint_signed,
        )

    def checkpoint_signed(self, stored: StoredCheckpoint) -> None:
        """A write signed `stored` by itself (witnessing sends it on)."""

    # The log, for the read side.

    def events_after(self, position: int) -> int:
        """How many events the log holds after notification id `position`."""
        return self.log_reader.count_after(position)

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
    def database(self) -> Any:
        """The library's datastore of the ledger's database, where the read
        side keeps its views beside the log."""
        return self.tables.datastore

    @property
    def envelope(self) -> EnvelopeMapper:
        """The event mapper, which seals and opens stored events."""
        assert isinstance(self.mapper, EnvelopeMapper)
        return self.mapper

    def latest_checkpoint(self) -> dict[str, Any] | None:
        """The latest signed checkpoint, or None."""
        latest = self.signer.latest()
        return None if latest is None else checkpoint_view(latest)

    @property
    def origin(self) -> str:
        """The ledger's name and id, as checkpoints name their log."""
        assert self.meta is not None
        return self.meta.origin
