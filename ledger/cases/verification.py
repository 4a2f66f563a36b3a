"""The auditor's check: `verify` recomputes the log's tree and holds it, its
checkpoints and its data keys against a key trusted from outside the ledger.

Whoever can write the database can change any row, the verifier key the
ledger recorded at its creation included. So the key checkpoints must be
signed with comes from the caller (`--verifier-key`), else from the signing
key on this machine; the ledger's own copy is used only when neither is
there, and the verdict says so. What no local check can notice (events
removed from the end together with newer checkpoints) is counted as
`uncovered`, for a head kept elsewhere (`--against`) to protect.
"""

from __future__ import annotations

from functools import partial
from typing import Any, NamedTuple
from uuid import UUID

from eventsourcing.persistence import Notification, PersistenceError

from ledger.cases.integrity import (
    CHECKPOINT_EVERY,
    Expected,
    IntegrityCases,
    Progress,
    notification_of,
    resume_tree,
)
from ledger.crypto.envelope import SealCheck, text_key_id
from ledger.crypto.keycheck import ERASED, KeyTableCheck
from ledger.crypto.keyfiles import signing_key_file
from ledger.crypto.signing import load_signing_key
from ledger.domain.complaint import complaint_id_bytes
from ledger.domain.reference import reference
from ledger.domain.vocabulary import Role
from ledger.errors import DamagedEvent, IntegrityFailure, InvalidInput
from ledger.evidence.logcheck import LogCheck, LogRow, last_of_run, open_head
from ledger.evidence.note import (
    NoteError,
    NoteMismatch,
    check_verifier_key,
    verifier_key,
)
from ledger.storage.tables import StoredCheckpoint


class TrustedKey(NamedTuple):
    """The verifier key checkpoints must be signed with, and where it came
    from: `flag` (given by the caller), `file` (the signing key on this
    machine) or `ledger` (the copy in the database, which proves nothing)."""

    key: str
    source: str


class VerificationCases(IntegrityCases):
    """`verify`: every event, checkpoint, signature and data key."""

    def verify(
        self,
        against: str | None = None,
        progress: Progress | None = None,
        *,
        incremental: bool = False,
        verifier_key: str | None = None,
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
        the events after it."""
        self.require_role(tuple(Role), "verify the ledger")
        trusted = self._trusted_key(verifier_key)
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

        def failed(events: int, bad: Notification | None, why: str) -> dict[str, Any]:
            named = self._first_bad(bad, why)
            return {**verdict, "ok": False, "events": events, "first_bad": named}

        replaced = self._recorded_key_problem(trusted)
        if replaced:
            return failed(0, None, replaced)
        exported = self._exported(against, trusted.key)
        if exported and exported[0].problem:
            return failed(0, None, exported[0].problem)
        check, since = self._start(incremental, checkpoints, trusted.key)
        start = check.size
        heads = sorted(
            [
                Expected(c.size, c.root, self._signature_problem(c, trusted.key))
                for c in checkpoints
                if c.size > check.size
            ]
            + exported,
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
        # Resumed at a checkpoint, an exported head of the same size must be it.
        while head is not None and head.size == check.size:
            if head.problem or head.root != check.tree.root():
                forked = (
                    head.problem
                    or f"the exported checkpoint of {head.size} events differs from "
                    "the ledger's: the log was rewritten"
                )
                return failed(check.size, None, forked)
            head = next(pending, None)
        erased: list[LogRow] = []
        for batch in self._batches(since):
            erased += [row for row in batch if row[3].endswith(ERASED)]
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
                        last = notification_of(rows[-1])
                        bad, problem = self._culprit(since, last, head)
                    since = rows[-1][0]
                    head = next(pending, None)
                if problem and bad is not None and events <= proven:
                    # Events a head proves are not opened: one altered before
                    # the event found wrong is the first bad event.
                    bad, problem = self._altered(since, bad) or (bad, problem)
                if problem:
                    return failed(events, bad or notification_of(rows[-1]), problem)
            if progress is not None:
                progress(len(batch))
        if head is not None:
            removed = (
                f"a checkpoint covers {head.size} events but the log holds "
                f"{check.size}: events were removed from its end"
            )
            return failed(check.size, None, removed)
        keys = KeyTableCheck(self.tables, self.keyring.master, self._storage)
        for row in erased:
            kept = keys.kept_after_erasure(row)
            if kept:
                return failed(check.size, notification_of(row), kept)
        uncovered = check.size - max(proven, start)
        verdict.update(events=check.size, uncovered=uncovered)
        if uncovered >= CHECKPOINT_EVERY and self._signs_here():
            return failed(check.size, None, _unsigned_problem(uncovered))
        return {**verdict, "root": check.tree.root().hex()}

    def _trusted_key(self, given: str | None) -> TrustedKey:
        """The key checkpoints must be signed with: the one given, else the
        signing key's own where it is on this machine (the ledger's copy
        could have been replaced), else the one the ledger recorded."""
        assert self.meta is not None
        if given is not None:
            try:
                return TrustedKey(check_verifier_key(given.strip()), "flag")
            except NoteError as error:
                raise InvalidInput(f"--verifier-key: {error}") from None
        if self._signs_here():
            path = signing_key_file(self.ledger_id, self.environ)
            public_key = load_signing_key(path).public_key()
            return TrustedKey(verifier_key(self.origin, public_key), "file")
        return TrustedKey(self.meta.verifier_key, "ledger")

    def _signs_here(self) -> bool:
        """Whether the signing key is on this machine (so its writes sign)."""
        return signing_key_file(self.ledger_id, self.environ).exists()

    def _recorded_key_problem(self, trusted: TrustedKey) -> str | None:
        """Why the verifier key the ledger recorded is not the trusted one."""
        assert self.meta is not None
        if self.meta.verifier_key == trusted.key:
            return None
        given = "--verifier-key" if trusted.source == "flag" else "the signing key"
        return (
            f"the verifier key recorded in the ledger is not the one {given} "
            f"names ({trusted.key}): the ledger's copy was replaced, or the key "
            "given is another ledger's"
        )

    def _start(
        self, incremental: bool, checkpoints: list[StoredCheckpoint], key: str
    ) -> tuple[LogCheck, int]:
        """The check from the log's start, or (`incremental`) as it stood at
        the latest validly signed checkpoint, from its kept frontier (which
        must hash to its signed root)."""
        signed = (
            c for c in reversed(checkpoints) if not self._signature_problem(c, key)
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
                problem = self._authentic(notification)
                if problem:
                    return start + index + 1, notification, problem
        if wrong is not None:
            index, problem = wrong
            return start + index + 1, notification_of(rows[index]), problem
        return check.size, None, None

    def _culprit(
        self, since: int, last: Notification, head: Expected
    ) -> tuple[Notification, str]:
        """The first event after `since` (up to `last`) that fails to open, or
        else `last`: the range no longer hashes to the signed root."""
        return self._altered(since, last) or (last, (
            f"the log's first {head.size} events no longer hash to the signed "
            f"checkpoint: an event after event {since} was reordered, replaced or "
            "moved"
        ))  # fmt: skip

    def _altered(
        self, since: int, last: Notification
    ) -> tuple[Notification, str] | None:
        """The first event after `since`, up to `last`, that fails to open,
        and why."""
        for notification in self._log(after=since, until=last.id):
            problem = self._authentic(notification)
            if problem:
                return notification, problem
        return None

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
        return None if number is None else reference(number)

    def _authentic(self, notification: Notification) -> str | None:
        """Why the event does not open under its keys (AES-GCM), or None."""
        try:
            self.envelope.open(notification)
        except DamagedEvent as error:
            return f"{error.why} ({error.kind}, version {error.version})"
        except IntegrityFailure as error:  # its data key's row was altered
            return str(error)
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
        """The exported head as one more the log must match; one signed by
        another key, or of another log, is a mismatch to report."""
        if note is None:
            return []
        try:
            head = open_head(note, key, self.origin)
        except NoteMismatch as error:
            problem = f"the exported checkpoint is not the trusted one: {error}"
            return [Expected(0, b"", problem)]
        except NoteError as error:
            raise InvalidInput(
                f"the exported checkpoint cannot be used: {error}"
            ) from None
        return [Expected(head.size, head.root, None)]


def _unsigned_problem(uncovered: int) -> str:
    return (
        f"the last {uncovered} events are covered by no checkpoint the trusted key "
        f"signed, though write commands here sign one once {CHECKPOINT_EVERY} "
        "events are unsigned: checkpoints were removed (or a write was cut short; "
        "once you know which, `plaint checkpoint` signs the log as it is)"
    )
