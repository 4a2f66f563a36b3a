"""The one error tree of the ledger: every failure a user can act on."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from uuid import UUID


class LedgerError(Exception):
    """Base of every error the ledger raises on purpose; the message is for a user.
    `field` names the value to blame (as the use case's parameter), when one
    is, so that a form can mark it."""

    field: str | None = None


@contextmanager
def blaming(field: str) -> Iterator[None]:
    """Name `field` on a ledger error raised inside that names none yet."""
    try:
        yield
    except LedgerError as error:
        if error.field is None:
            error.field = field
        raise


class InvalidInput(LedgerError):
    """A value given by the user is not acceptable (a usage error, exit 2);
    `field` names the value (as the use case's parameter), when one is to
    blame, so that a form can mark it."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class UnknownReference(InvalidInput):
    """No complaint has the given reference."""


class UnknownMember(InvalidInput):
    """The named person is not a member of the team."""


class PermissionDenied(LedgerError):
    """The acting member's role does not allow the action."""


class RuleViolation(LedgerError):
    """The action is not allowed in the complaint's current state."""


class LedgerMissing(LedgerError):
    """There is no ledger at the given location."""


class LedgerExists(LedgerError):
    """A ledger already exists where one was to be created."""


class KeyProblem(LedgerError):
    """The master key is missing, unreadable or does not fit the ledger."""


class ProtectedFile(LedgerError):
    """A file to be written is a ledger or a key, which plaint never writes over."""


class IntegrityFailure(LedgerError):
    """Stored data failed its integrity check: it was altered or moved."""


class DamagedEvent(IntegrityFailure):
    """One stored event failed authentication; names the event."""

    def __init__(self, originator_id: UUID, version: int, kind: str, why: str) -> None:
        self.originator_id = originator_id
        self.version = version
        self.kind = kind
        self.why = why
        super().__init__(
            f"event {version} ({kind}) of {originator_id} failed its integrity "
            f"check: {why}"
        )


class StorageFailure(LedgerError):
    """The database could not be reached or refused the operation."""


class ConcurrencyConflict(LedgerError):
    """Others kept changing the same record; the action was not recorded."""


class NotSignedIn(LedgerError):
    """No valid sign-in: a session, token or invitation that is unknown,
    expired, ended or revoked, or a wrong password."""


class LinkGone(LedgerError):
    """A customer's link that expired or was used up: what to do instead."""


class Throttled(LedgerError):
    """Too many attempts in a short time; try again after `retry_after` seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(message)
