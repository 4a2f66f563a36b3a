"""What a new complaint is filed with, checked before anything is recorded."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ledger.domain.timeutil import check_not_future, check_range
from ledger.domain.vocabulary import MAX_NAME, MAX_SUMMARY, MAX_TEXT, Channel, Severity
from ledger.errors import InvalidInput


def require_text(value: str, what: str, limit: int = MAX_TEXT) -> str:
    """`value` stripped, refused when empty or longer than `limit` characters."""
    text = value.strip()
    if not text:
        raise InvalidInput(f"the {what} is empty")
    if len(text) > limit:
        raise InvalidInput(
            f"the {what} is {len(text):,} characters long; the limit is {limit:,}"
        )
    return text


def optional_text(value: str | None, what: str, limit: int = MAX_NAME) -> str | None:
    """Like `require_text`, but an absent or blank value is None."""
    if value is None or not value.strip():
        return None
    return require_text(value, what, limit)


@dataclass(frozen=True)
class Intake:
    """A complaint as it arrives, from any channel."""

    project: str
    channel: str
    severity: str
    summary: str
    detail: str | None = None
    customer: str | None = None
    contact: str | None = None
    source: str | None = None
    received_at: datetime | None = None
    external_id: str | None = None

    def __post_init__(self) -> None:
        for name, kind in (("channel", Channel), ("severity", Severity)):
            try:
                kind(getattr(self, name))
            except ValueError as error:
                raise InvalidInput(str(error), name) from None
        cleaned = {}
        for name, what, check, limit in CHECKS:
            try:
                cleaned[name] = check(getattr(self, name), what, limit)
            except InvalidInput as error:
                raise InvalidInput(str(error), name) from None
        for name, value in cleaned.items():
            object.__setattr__(self, name, value)
        if self.received_at is not None:
            try:
                check_range(self.received_at, "the time received")
            except InvalidInput as error:
                raise InvalidInput(str(error), "received_at") from None

    def check_received(self, now: datetime) -> None:
        """Refuse a time received later than `now` (give or take a few
        minutes): filing and importing check it against the ledger's clock."""
        if self.received_at is not None:
            try:
                check_not_future(self.received_at, now, "the time received")
            except InvalidInput as error:
                raise InvalidInput(str(error), "received_at") from None

    def size(self) -> int:
        """About how many bytes it takes in memory: its text, and a few
        hundred for the object and its other fields."""
        return INTAKE_OVERHEAD + sum(
            len(text) for name in TEXT_NAMES if (text := getattr(self, name))
        )

    def fields(self) -> dict[str, Any]:
        """The Filed event's intake fields (cleaned when the intake was made)."""
        # Not `dataclasses.asdict`, which deep-copies every value: ten times
        # slower, and importing spends most of its time filing.
        return {name: getattr(self, name) for name in FILED_FIELDS}


# Each text field: its name, what a sentence calls it, its check and limit.
CHECKS: tuple[tuple[str, str, Callable[[Any, str, int], str | None], int], ...] = (
    ("project", "project", require_text, MAX_NAME),
    ("summary", "summary", require_text, MAX_SUMMARY),
    ("detail", "detail", optional_text, MAX_TEXT),
    ("customer", "customer", optional_text, MAX_NAME),
    ("contact", "contact", optional_text, MAX_NAME),
    ("source", "source", optional_text, MAX_NAME),
    ("external_id", "external id", optional_text, MAX_NAME),
)
FILED_FIELDS = tuple(
    f.name for f in dataclasses.fields(Intake) if f.name != "received_at"
)
TEXT_NAMES = tuple(name for name in FILED_FIELDS if name not in ("channel", "severity"))
INTAKE_OVERHEAD = 512
