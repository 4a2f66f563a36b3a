"""The fields of a record, and how its values become an `Intake` or the
reason it is rejected.

CSV columns and JSON Lines keys are the options of `plaint file`: project,
channel, severity, summary, detail, customer, contact, source, received_at and
external_id. received_at (ISO 8601; naive times are UTC) is required, because an
import is historical data. Names match ignoring case and surrounding spaces,
with `-`, `_` and spaces between words alike ("Received At" is received_at). A
name that is not on the list is refused, so that a typo such as "sumary" cannot
silently drop a column: in a CSV header it rejects the file, in a JSON object
the record. Blank values count as missing; `--project` and `--severity` fill in
only missing ones. Channel and severity values match ignoring case. Files are
UTF-8, with or without a byte order mark. Rows of blank cells and blank JSON
lines are skipped. How emails become intakes is described in
`ledger.sources.email`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from ledger.domain.intake import Intake
from ledger.domain.timeutil import parse_time
from ledger.domain.vocabulary import Channel, Severity
from ledger.errors import InvalidInput

COLUMNS = (
    "project",
    "channel",
    "severity",
    "summary",
    "detail",
    "customer",
    "contact",
    "source",
    "received_at",
    "external_id",
)

_SEPARATORS = re.compile(r"[\s_-]+")


@dataclass(frozen=True)
class Defaults:
    """What `--project` and `--severity` give records that lack them."""

    project: str | None = None
    severity: str | None = None


@dataclass(frozen=True)
class Record:
    """One row or message read: a valid intake, or the reason it was rejected."""

    where: str
    intake: Intake | None = None
    reason: str | None = None

    def __post_init__(self) -> None:
        if (self.intake is None) == (self.reason is None):
            raise ValueError("a record has either an intake or a reason")


def attempt(where: str, make: Callable[[], Intake]) -> Record:
    """The record at `where`: the intake `make` gives, or why it refused."""
    try:
        return Record(where, intake=make())
    except InvalidInput as error:
        return Record(where, reason=str(error))


def to_intake(values: Mapping[str, str | None], defaults: Defaults) -> Intake:
    """The intake of one record's values, `defaults` filling in what is blank."""
    given = {name: value for name, value in values.items() if value and value.strip()}
    project = given.get("project") or defaults.project
    severity = given.get("severity") or defaults.severity
    if not (project and project.strip()):
        raise InvalidInput("no project: give it in the record or with --project")
    if "channel" not in given:
        raise InvalidInput(f"no channel: give one of {', '.join(Channel)}")
    if not (severity and severity.strip()):
        raise InvalidInput("no severity: give it in the record or with --severity")
    if "summary" not in given:
        raise InvalidInput("no summary")
    if "received_at" not in given:
        raise InvalidInput("no received_at: give the time the complaint arrived")
    try:
        received_at = parse_time(given["received_at"])
    except InvalidInput as error:
        raise InvalidInput(f"received_at {error}") from None
    return Intake(
        project=project,
        channel=choice(given["channel"], Channel),
        severity=choice(severity, Severity),
        summary=given["summary"],
        detail=given.get("detail"),
        customer=given.get("customer"),
        contact=given.get("contact"),
        source=given.get("source"),
        received_at=received_at,
        external_id=given.get("external_id"),
    )


def choice(value: str, words: type[StrEnum]) -> str:
    """`value` as one of `words`, matched ignoring case and surrounding spaces."""
    try:
        return words(value.strip().lower()).value
    except ValueError:
        raise InvalidInput(
            f"{words.__name__.lower()} '{value.strip()}' is not one of "
            f"{', '.join(words)}"
        ) from None


@lru_cache(maxsize=256)
def field_name(title: str) -> str:
    """A column title or key as a field name: "Received At" is received_at.
    Kept for the few names a file uses: every JSON record repeats its keys."""
    return _SEPARATORS.sub("_", title.strip().lower())
