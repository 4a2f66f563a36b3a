"""The rules of sign-in values: passwords, token scopes, single-sign-on
subjects, and how long sessions and invitations live."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from ledger.domain.timeutil import parse_duration
from ledger.errors import InvalidInput

MIN_PASSWORD = 12
# argon2 hashes any length; a cap keeps a request from making it hash megabytes.
MAX_PASSWORD = 1024
MAX_SUBJECT = 255
# Failed sign-ins allowed in a window, per member and per client address.
SIGN_IN_WINDOW = 15 * 60
MEMBER_FAILURES = 10
ADDRESS_FAILURES = 50
SESSION_IDLE = ("PLAINT_SESSION_IDLE", "30m")
SESSION_MAX = ("PLAINT_SESSION_MAX", "12h")


class Scope(StrEnum):
    """What an API token may do, within its member's role."""

    INTAKE = "intake"  # file complaints, nothing else
    READ = "read"  # reading only
    ACT = "act"  # everything the member's role allows


def check_password(password: str) -> None:
    """Refuse a password too short or absurdly long."""
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(
            f"a password needs at least {MIN_PASSWORD} characters (this one has "
            f"{len(password)}); a few unrelated words make a good one"
        )
    if len(password) > MAX_PASSWORD:
        raise InvalidInput(f"a password has at most {MAX_PASSWORD} characters")


def scope(text: str) -> Scope:
    """The scope named `text`."""
    try:
        return Scope(text.strip())
    except ValueError:
        names = ", ".join(s.value for s in Scope)
        raise InvalidInput(f"'{text}' is not a token scope: use {names}") from None


def subject(text: str) -> str:
    """A single-sign-on subject (the ID token's `sub` claim), trimmed."""
    found = text.strip()
    if not found or len(found) > MAX_SUBJECT or not found.isprintable():
        raise InvalidInput(
            f"'{text}' is not a single-sign-on subject: give the `sub` claim of "
            f"the member's ID token (1 to {MAX_SUBJECT} printable characters)"
        )
    return found


def session_limits(environ: Mapping[str, str]) -> tuple[int, int]:
    """Seconds a session lives without use, and at most (from the
    environment, or 30 minutes and 12 hours)."""
    found = []
    for name, default in (SESSION_IDLE, SESSION_MAX):
        try:
            found.append(parse_duration(environ.get(name) or default))
        except InvalidInput as error:
            raise InvalidInput(f"{name}: {error}") from None
    return found[0], found[1]


def tried_name(name: str) -> str:
    """A name tried at sign-in as the audit records it: short, whatever it was."""
    return name if len(name) <= 64 else name[:63] + "…"
