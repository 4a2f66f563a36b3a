"""ComplaintLedger: the application, one method per use case.

Each use case loads what it needs, checks the actor's role, acts on the
aggregates (which check their own rules), and saves once. Callers get dicts.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from functools import partial
from itertools import takewhile
from typing import Any, TypeVar, cast
from uuid import UUID, uuid4, uuid5

from eventsourcing.application import (
    AggregateNotFoundError,
    Application,
    project_aggregate,
)
from eventsourcing.domain import Aggregate, DomainEventProtocol
from eventsourcing.persistence import (
    ApplicationRecorder,
    Mapper,
    Notification,
    PersistenceError,
    RecordConflictError,
)

from ledger.audit import Access, ReportRun
from ledger.complaint import Complaint, reference
from ledger.config import (
    MASTER_KEY_VARIABLE,
    key_source,
    load_master_key,
    master_key_file,
    signing_key_file,
)
from ledger.envelope import EnvelopeMapper
from ledger.errors import (
    ConcurrencyConflict,
    DamagedEvent,
    IntegrityFailure,
    InvalidInput,
    KeyProblem,
    LedgerExists,
    LedgerMissing,
    PermissionDenied,
    StorageFailure,
    UnknownMember,
    UnknownReference,
)
from ledger.intake import Intake, require_text
from ledger.keys import Keyring, MasterKey, write_secret_file
from ledger.reading import complaint_view, event_row
from ledger.signing import create_signing_key, load_signing_key, verifier_key
from ledger.storage import LedgerMeta, LedgerTables, Location, file_exists
from ledger.team import Policy, Team
from ledger.timeutil import Clock, add, iso, system_clock
from ledger.vocabulary import (
    ADMINS,
    DEADLINE_NAMES,
    OPEN_STATUSES,
    ROUTERS,
    WORKERS,
    Role,
    Severity,
)

A = TypeVar("A", bound=Aggregate)
T = TypeVar("T")
MAX_ATTEMPTS = 8


class ComplaintLedger(Application[UUID]):
    """The complaints ledger: every action appended as an encrypted event."""

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
    ) -> ComplaintLedger:
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
        master = load_master_key(meta.ledger_id, self.environ)
        known = self._storage(self.tables.master_ids)
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
    ) -> ComplaintLedger:
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
        meta = LedgerMeta(uuid4(), "plaint", datetime.now(UTC).isoformat())
        written = []
        try:
            if self.environ.get(MASTER_KEY_VARIABLE):
                master = load_master_key(meta.ledger_id, self.environ)
            else:
                path = master_key_file(meta.ledger_id, self.environ)
                master = MasterKey.generate(str(path))
                write_secret_file(path, master.as_text())
                written.append(path)
            signing = signing_key_file(meta.ledger_id, self.environ)
            create_signing_key(signing)
            written.append(signing)
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
        return uuid5(self.ledger_id, name)

    def complaint_id(self, ref: str) -> UUID:
        """The id of the complaint with reference `C-7` (or its id as given)."""
        text = ref.strip()
        if text.upper().startswith("C-") and text[2:].isdigit() and int(text[2:]) > 0:
            return uuid5(self.ledger_id, reference(int(text[2:])))
        try:
            return UUID(text)
        except ValueError:
            raise UnknownReference(
                f"'{ref}' is not a complaint reference: use C-1, C-2, …"
            ) from None

    # Loading aggregates, translating library errors.

    def _get(self, cls: type[A], aggregate_id: UUID, name: str) -> A:
        try:
            aggregate: Aggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            raise UnknownReference(f"no complaint {name} in this ledger") from None
        except DamagedEvent as error:
            raise IntegrityFailure(
                f"event {error.version} ({error.kind}) of {name} failed its "
                f"integrity check: {error.why}; the ledger was tampered with"
            ) from None
        except PersistenceError as error:
            raise StorageFailure(f"reading {name} failed: {error}") from None
        assert isinstance(aggregate, cls)
        return aggregate

    def team(self) -> Team:
        """The team aggregate."""
        return self._get(Team, self._singleton("team"), "team")

    def policy(self) -> Policy:
        """The policy aggregate."""
        return self._get(Policy, self._singleton("policy"), "policy")

    def complaint(self, ref: str) -> Complaint:
        """The complaint with reference `ref`."""
        complaint_id = self.complaint_id(ref)
        name = ref.upper() if ref.upper().startswith("C-") else ref
        return self._get(Complaint, complaint_id, name)

    def _save(self, *aggregates: Aggregate) -> None:
        try:
            self._storage(lambda: self.save(*aggregates))
        except RecordConflictError:
            raise ConcurrencyConflict(
                "someone else changed the same record at the same moment; "
                "nothing was recorded, try again"
            ) from None

    # Team.

    def add_member(self, name: str, role: Role) -> None:
        """Add a member to the team (admin)."""
        team = self.team()
        team.authorise(self.actor, ADMINS, "manage the team")
        team.add(_member_name(name), role, self.actor, self.clock())
        self._save(team)

    def change_role(self, name: str, role: Role) -> None:
        """Give a member another role (admin)."""
        team = self.team()
        team.authorise(self.actor, ADMINS, "manage the team")
        team.change_role(name, role, self.actor, self.clock())
        self._save(team)

    def remove_member(self, name: str) -> None:
        """Remove a member from the team (admin)."""
        team = self.team()
        team.authorise(self.actor, ADMINS, "manage the team")
        team.remove(name, self.actor, self.clock())
        self._save(team)

    def require_role(self, roles: tuple[Role, ...], action: str) -> None:
        """Refuse unless the actor holds one of `roles` (for read-side use cases)."""
        self.team().authorise(self.actor, roles, action)

    def members(self) -> list[dict[str, str]]:
        """The team, sorted by name."""
        team = self.team()
        team.authorise(self.actor, tuple(Role), "see the team")
        return [{"name": n, "role": r} for n, r in sorted(team.members.items())]

    # Policy.

    def set_policy(
        self, channel: str, severity: str, changes: dict[str, Any]
    ) -> dict[str, Any]:
        """Set the default owner and deadlines for channel and severity (lead+)."""
        team, policy = self.team(), self.policy()
        team.authorise(self.actor, ROUTERS, "set the policy")
        for member in ("owner", "escalate_to"):
            if member in changes:
                team.check_owner(changes[member])
        rule = policy.set_rule(channel, severity, changes, self.actor, self.clock())
        self._save(policy)
        return {"channel": channel, "severity": severity, **rule}

    def policy_rules(self) -> list[dict[str, Any]]:
        """Every rule of the policy."""
        team, policy = self.team(), self.policy()
        team.authorise(self.actor, tuple(Role), "see the policy")
        rules = []
        for key, rule in sorted(policy.rules.items()):
            channel, _, severity = key.partition("/")
            rules.append({"channel": channel, "severity": severity, **rule})
        return rules

    # Filing.

    def file(self, intake: Intake) -> dict[str, Any]:
        """Record a new complaint; the policy gives its owner and deadlines."""
        team, policy = self.team(), self.policy()
        team.authorise(self.actor, WORKERS, "file complaints")
        now = self.clock()
        received_at = intake.received_at or now
        rule = policy.resolve(intake.channel, intake.severity)
        owner = rule.get("owner", self.actor)
        if owner not in team.members:
            owner = self.actor
        deadlines = {name: add(received_at, rule.get(name)) for name in DEADLINE_NAMES}
        for _attempt in range(MAX_ATTEMPTS):
            number = self._next_number()
            complaint = Complaint(
                id=uuid5(self.ledger_id, reference(number)),
                number=number,
                owner=owner,
                deadlines=deadlines,
                received_at=received_at,
                actor=self.actor,
                timestamp=now,
                **intake.fields(),
            )
            try:
                self._storage(partial(self.save, complaint))
            except RecordConflictError:
                continue  # another filer took this number: take the next
            view = complaint_view(complaint)
            return {k: view[k] for k in ("ref", "id", "owner", "deadlines")}
        raise ConcurrencyConflict(
            f"could not take a reference after {MAX_ATTEMPTS} tries while others "
            "were filing; nothing was recorded, try again"
        )

    def _next_number(self) -> int:
        """The first unused complaint number. Numbers are taken in order and
        never freed, so the used ones form a prefix 1..n: an exponential then
        binary search finds n in O(log n) point reads, with no counter to
        contend on. Two filers that pick the same number collide on the
        complaint's id, and the loser retries."""
        low, high = 0, 1
        while self._number_used(high):
            low, high = high, high * 2
        while high - low > 1:
            middle = (low + high) // 2
            if self._number_used(middle):
                low = middle
            else:
                high = middle
        return high

    def _number_used(self, number: int) -> bool:
        complaint_id = uuid5(self.ledger_id, reference(number))
        found = self._storage(
            lambda: self.recorder.select_events(complaint_id, limit=1)
        )
        return bool(found)

    def complaint_count(self) -> int:
        """How many complaints were ever filed."""
        return self._next_number() - 1

    # The lifecycle.

    def acknowledge(self, ref: str) -> dict[str, Any]:
        """Confirm receipt to the customer (agent+)."""
        return self._act(ref, WORKERS, "acknowledge complaints", Complaint.acknowledge)

    def triage(self, ref: str, severity: str) -> dict[str, Any]:
        """Re-assess the severity (lead+)."""
        return self._act(
            ref, ROUTERS, "triage complaints", Complaint.triage, Severity(severity)
        )

    def assign(self, ref: str, owner: str) -> dict[str, Any]:
        """Make another member the owner (lead+)."""
        return self._act(
            ref, ROUTERS, "assign complaints", Complaint.assign, self._owner(owner)
        )

    def escalate(self, ref: str, to: str, reason: str) -> dict[str, Any]:
        """Escalate to another member, with a reason (lead+)."""
        return self._act(
            ref,
            ROUTERS,
            "escalate complaints",
            Complaint.escalate,
            self._owner(to),
            require_text(reason, "reason"),
        )

    def note(self, ref: str, text: str) -> dict[str, Any]:
        """Add an internal note (agent+)."""
        return self._act(
            ref, WORKERS, "note complaints", Complaint.note, require_text(text, "note")
        )

    def respond(self, ref: str, message: str) -> dict[str, Any]:
        """Record the answer sent to the customer (agent+)."""
        return self._act(
            ref,
            WORKERS,
            "respond to complaints",
            Complaint.respond,
            require_text(message, "message"),
        )

    def resolve(self, ref: str, resolution: str) -> dict[str, Any]:
        """Record the resolution (agent+)."""
        return self._act(
            ref,
            WORKERS,
            "resolve complaints",
            Complaint.resolve,
            require_text(resolution, "resolution"),
        )

    def reopen(self, ref: str, reason: str) -> dict[str, Any]:
        """Take a resolved complaint back into work (agent+)."""
        return self._act(
            ref,
            WORKERS,
            "reopen complaints",
            Complaint.reopen,
            require_text(reason, "reason"),
        )

    def close_complaint(self, ref: str) -> dict[str, Any]:
        """End the lifecycle of a resolved complaint (agent+)."""
        return self._act(ref, WORKERS, "close complaints", Complaint.close)

    def withdraw(self, ref: str, reason: str) -> dict[str, Any]:
        """Record the customer's withdrawal (agent+)."""
        return self._act(
            ref,
            WORKERS,
            "withdraw complaints",
            Complaint.withdraw,
            require_text(reason, "reason"),
        )

    def survey(self, ref: str, score: int, comment: str | None) -> dict[str, Any]:
        """Record the customer's satisfaction, 1 to 5 (agent+)."""
        if comment is not None:
            comment = require_text(comment, "comment")
        return self._act(
            ref, WORKERS, "record surveys", Complaint.record_survey, score, comment
        )

    def sweep(
        self, breaches: Sequence[Mapping[str, Any]], *, dry_run: bool = False
    ) -> list[dict[str, Any]]:
        """Escalate each breached deadline once to the policy's escalation target
        for the complaint's channel and severity (lead+). Safe to repeat and to
        run twice at once: a deadline already escalated is skipped."""
        team, policy = self.team(), self.policy()
        team.authorise(self.actor, ROUTERS, "sweep overdue complaints")
        by_ref: dict[str, list[Mapping[str, Any]]] = {}
        for breach in breaches:
            by_ref.setdefault(breach["ref"], []).append(breach)
        done = []
        for ref, found in by_ref.items():
            done += self._sweep_complaint(team, policy, ref, found, dry_run)
        return done

    def _sweep_complaint(
        self,
        team: Team,
        policy: Policy,
        ref: str,
        breaches: list[Mapping[str, Any]],
        dry_run: bool,
    ) -> list[dict[str, Any]]:
        """One complaint's breaches, escalated in one save (retried when the
        complaint changed meanwhile, perhaps by another sweep)."""
        for _attempt in range(MAX_ATTEMPTS):
            complaint = self.complaint(ref)
            target = policy.resolve(complaint.channel, complaint.severity).get(
                "escalate_to"
            )
            done = []
            for breach in breaches:
                name, due = breach["deadline"], breach["due"]
                row = {"ref": complaint.ref, "deadline": name, "due": due, "to": target}
                skip = _sweep_skip(complaint, team, name, target)
                if skip is None:
                    assert target is not None
                    reason = f"deadline breached: {name}-by {due}"
                    complaint.escalate(
                        target, reason, self.actor, self.clock(), breached=name
                    )
                if skip is not None:
                    outcome = "skipped"
                else:
                    outcome = "would escalate" if dry_run else "escalated"
                done.append({**row, "outcome": outcome, "why": skip})
            if dry_run:
                return done
            try:
                self._storage(partial(self.save, complaint))
            except RecordConflictError:
                continue
            return done
        raise ConcurrencyConflict(
            f"{ref} kept changing while the sweep tried to escalate it; run the "
            "sweep again"
        )

    def _act(
        self,
        ref: str,
        roles: tuple[Role, ...],
        action: str,
        change: Callable[..., None],
        *args: Any,
    ) -> dict[str, Any]:
        self.team().authorise(self.actor, roles, action)
        complaint = self.complaint(ref)
        change(complaint, *args, actor=self.actor, at=self.clock())
        self._save(complaint)
        return complaint_view(complaint)

    def _owner(self, name: str) -> str:
        self.team().check_owner(name)
        return name

    # Confidentiality.

    def make_confidential(
        self, ref: str, allow: list[str], reason: str | None
    ) -> dict[str, Any]:
        """Restrict who may read a complaint to named members and roles (lead+)."""
        team = self.team()
        for name in allow:
            _check_grantee(team, name)
        return self._act(
            ref,
            ROUTERS,
            "make complaints confidential",
            Complaint.make_confidential,
            allow,
            _reason(reason),
        )

    def grant(self, ref: str, member: str, reason: str | None) -> dict[str, Any]:
        """Let a member or role read a confidential complaint (lead+)."""
        _check_grantee(self.team(), member)
        return self._act(
            ref, ROUTERS, "grant access", Complaint.grant, member, _reason(reason)
        )

    def revoke(self, ref: str, member: str, reason: str | None) -> dict[str, Any]:
        """Stop a member or role reading a confidential complaint (lead+)."""
        return self._act(
            ref, ROUTERS, "revoke access", Complaint.revoke, member, _reason(reason)
        )

    def _read(self, ref: str, purpose: str, *, export: bool) -> Complaint:
        """Load a complaint to read its content: a confidential one only when
        the actor may, and every read, export and refusal is recorded."""
        team, complaint = self._reader(ref)
        if not self._record_access(team, complaint, purpose, export=export):
            raise PermissionDenied(
                f"{complaint.ref} is confidential and {self.actor} may not read it; "
                f"a lead can grant access with `plaint grant {complaint.ref} "
                f"{self.actor}` (this attempt was recorded)"
            )
        return complaint

    def readable(self, ref: str, purpose: str) -> dict[str, Any] | None:
        """The complaint with its content for a report, recorded as an export;
        or None when it is confidential and the actor may not read it, and the
        report shows its metadata only (no attempt to read, nothing recorded)."""
        team, complaint = self._reader(ref)
        if not complaint.may_read(self.actor, team.role_of(self.actor)):
            return None
        self._record_access(team, complaint, purpose, export=True)
        return complaint_view(complaint)

    def _reader(self, ref: str) -> tuple[Team, Complaint]:
        team = self.team()
        team.authorise(self.actor, tuple(Role), "read complaints")
        return team, self.complaint(ref)

    def _record_access(
        self, team: Team, complaint: Complaint, purpose: str, *, export: bool
    ) -> bool:
        """Whether the actor may read the content; for a confidential complaint
        the read, export or refusal is recorded first."""
        if not complaint.confidential:
            return True
        allowed = complaint.may_read(self.actor, team.role_of(self.actor))
        action = ("export" if export else "read") if allowed else "refused"
        host_user = self.environ.get("USER") or self.environ.get("LOGNAME") or "-"
        access = Access(
            id=uuid4(),
            complaint_id=complaint.id,
            ref=complaint.ref,
            action=action,
            purpose=purpose,
            host_user=host_user,
            actor=self.actor,
            timestamp=self.clock(),
        )
        self._save(access)
        return allowed

    # Reading.

    def show(
        self,
        ref: str,
        as_of: datetime | None = None,
        *,
        purpose: str = "show",
        export: bool = False,
    ) -> dict[str, Any]:
        """The complaint now, or as it stood at `as_of`."""
        complaint = self._read(ref, purpose, export=export)
        if as_of is not None:
            complaint = self._as_of(complaint, as_of)
        return complaint_view(complaint)

    def _as_of(self, complaint: Complaint, as_of: datetime) -> Complaint:
        """Replay the complaint's events up to `as_of` (already read once, so
        they are known to exist and to open)."""
        events = self.events.get(complaint.id)
        earlier = project_aggregate(
            None,
            takewhile(lambda e: cast(Complaint.Event, e).timestamp <= as_of, events),
        )
        if earlier is None:
            raise InvalidInput(f"{complaint.ref} was not yet filed at {iso(as_of)}")
        assert isinstance(earlier, Complaint)
        return earlier

    def history(
        self, ref: str, *, purpose: str = "history", export: bool = False
    ) -> list[dict[str, Any]]:
        """Every event of the complaint, in order."""
        complaint = self._read(ref, purpose, export=export)
        return [event_row(e) for e in self.events.get(complaint.id)]

    def record_report(
        self, report: str, parameters: dict[str, Any], covering: int
    ) -> dict[str, Any]:
        """Record that the actor generated `report` over the log's first
        `covering` notifications (any member may generate reports)."""
        self.team().authorise(self.actor, tuple(Role), "generate reports")
        run = ReportRun(
            id=uuid4(),
            report=report,
            parameters=parameters,
            covering=covering,
            actor=self.actor,
            timestamp=self.clock(),
        )
        self._save(run)
        return {"id": str(run.id), "report": report, "covering": covering}

    # The log, for the read side.

    def events_after(self, position: int) -> int:
        """How many events the log holds after notification id `position`."""
        return self._storage(lambda: self.tables.count_events_after(position))

    def read_notifications(self, after: int, limit: int) -> Sequence[Notification]:
        """Up to `limit` stored events after notification id `after`, in order."""
        return self._storage(
            lambda: self.recorder.select_notifications(
                start=after, limit=limit, inclusive_of_start=False
            )
        )

    def decode(self, notification: Notification) -> DomainEventProtocol[UUID]:
        """A stored event opened and decoded; a damaged one is named."""
        try:
            return self.mapper.to_domain_event(notification)
        except DamagedEvent as error:
            raise IntegrityFailure(
                f"notification {notification.id}: {error}; the ledger was tampered with"
            ) from None

    def info(self) -> dict[str, Any]:
        """The ledger's location, keys and size."""
        self.team().authorise(self.actor, tuple(Role), "see the ledger")
        signing_file = signing_key_file(self.ledger_id, self.environ)
        signing = load_signing_key(signing_file)
        return {
            "ledger": self.location.display,
            "backend": self.location.backend,
            "ledger_id": str(self.ledger_id),
            "key_file": key_source(self.ledger_id, self.environ),
            "signing_key_file": str(signing_file),
            "events": self.events_after(0),
            "complaints": self.complaint_count(),
            "projection_lag": None,
            "last_checkpoint": None,
            "verifier_key": verifier_key(self.origin, signing.public_key()),
        }

    @property
    def origin(self) -> str:
        """The ledger's name and id, as checkpoints name their log."""
        assert self.meta is not None
        return f"{self.meta.name}/{self.meta.ledger_id}"


def _check_grantee(team: Team, name: str) -> None:
    """A grant names a member of the team or a role."""
    if name not in team.members and name not in set(Role):
        raise UnknownMember(
            f"{name} is neither a member of the team nor a role ({', '.join(Role)})"
        )


def _reason(reason: str | None) -> str | None:
    return None if reason is None else require_text(reason, "reason")


def _sweep_skip(
    complaint: Complaint, team: Team, deadline: str, target: str | None
) -> str | None:
    """Why the sweep leaves this breach alone, or None to escalate it."""
    if deadline in complaint.breaches_escalated:
        return "already escalated for this deadline"
    if complaint.status not in OPEN_STATUSES:
        return f"it is {complaint.status}"
    if target is None:
        return (
            f"no escalation target for {complaint.channel}/{complaint.severity}: "
            "set one with `plaint policy set --escalate-to`"
        )
    if target not in team.members or team.role_of(target) not in WORKERS:
        return f"the escalation target {target} cannot own complaints"
    if target == complaint.owner:
        return f"it is already owned by the escalation target {target}"
    return None


def _member_name(name: str) -> str:
    cleaned = name.strip()
    if (
        not cleaned
        or len(cleaned) > 64
        or not all(c.isalnum() or c in "._@-" for c in cleaned)
    ):
        raise InvalidInput(
            f"'{name}' is not a usable member name: use 1 to 64 letters, digits "
            "and . _ @ -"
        )
    return cleaned
