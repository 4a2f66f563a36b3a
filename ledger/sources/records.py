"""Complaints in bulk: CSV, JSON Lines, .eml files and mbox read as intakes.

`read_source` turns one file, or a directory of .eml files, into `Record`s in
file order, one per row or message, without holding the file in memory. Each
record is a valid `Intake` or the reason it was rejected, with where it was:
"line 7" (the line a CSV or JSON Lines record starts on; a CSV header is line
1), "message 3" (1-based, in an mbox), or the file name of an .eml file. A
problem with a file as a whole (missing, unreadable, not UTF-8, an unknown CSV
column) raises `InvalidInput` naming the file instead.

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

import csv
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO

from ledger.domain.intake import Intake
from ledger.domain.timeutil import parse_time
from ledger.domain.vocabulary import IMPORT_FORMATS, Channel, Severity
from ledger.errors import InvalidInput
from ledger.sources.email import email_intake, eml_files, eml_messages, mbox_messages

FORMATS = IMPORT_FORMATS
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
EMAIL_SEVERITY = Severity.MILD.value

_EXTENSIONS = {
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".eml": "eml",
    ".mbox": "mbox",
    ".mbx": "mbox",
}
_SEPARATORS = re.compile(r"[\s_-]+")
_BARE_CR = re.compile(r"(?<=\r)(?!\n)")


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


def guess_format(path: Path) -> str:
    """The format of `path` from its extension; a directory holds .eml files."""
    if path.is_dir():
        return "eml"
    fmt = _EXTENSIONS.get(path.suffix.lower())
    if fmt is None:
        raise InvalidInput(
            f"cannot tell the format of {path} from its extension: name it .csv, "
            ".jsonl, .ndjson, .eml, .mbox or .mbx, or give --format "
            "(csv, jsonl, eml or mbox)"
        )
    return fmt


def read_source(path: Path, fmt: str | None, defaults: Defaults) -> Iterator[Record]:
    """The records of one file or directory, read lazily as they are iterated."""
    # Problems that doom every record are found now, before anything is read.
    if not path.exists():
        raise InvalidInput(f"there is no file {path}")
    fmt = guess_format(path) if fmt is None else fmt.strip().lower()
    if fmt not in FORMATS:
        raise InvalidInput(f"unknown format '{fmt}': use csv, jsonl, eml or mbox")
    if path.is_dir() and fmt != "eml":
        raise InvalidInput(f"{path} is a directory: only .eml files come in one")
    if defaults.severity is not None and defaults.severity.strip():
        defaults = replace(defaults, severity=_choice(defaults.severity, Severity))
    if fmt == "csv":
        return _csv_records(path, defaults)
    if fmt == "jsonl":
        return _jsonl_records(path, defaults)
    if defaults.project is None or not defaults.project.strip():
        raise InvalidInput("emails say nothing of the project: give it with --project")
    if fmt == "mbox":
        return _email_records(mbox_messages(path), defaults)
    if path.is_dir():
        return _email_records(eml_messages(eml_files(path)), defaults)
    return _email_records(eml_messages([path]), defaults)


def _csv_records(path: Path, defaults: Defaults) -> Iterator[Record]:
    rows = _csv_rows(path)
    _, header = next(rows, (0, None))
    if header is None:
        raise InvalidInput(
            f"{path} is empty: a CSV file starts with a header naming its columns"
        )
    columns = _csv_columns(header, path, defaults)
    for start, row in rows:
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(columns):
            reason = f"{len(row)} fields where the header has {len(columns)}"
            yield Record(f"line {start}", reason=reason)
        else:
            values = dict(zip(columns, row, strict=True))
            yield _attempt(f"line {start}", partial(_intake, values, defaults))


def _csv_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """Each row of a CSV file with the line it starts on."""
    reader = csv.reader(_csv_lines(path))
    start = 1
    try:
        for row in reader:
            yield start, row
            start = reader.line_num + 1
    except csv.Error as error:
        raise InvalidInput(
            f"{path}, line {reader.line_num}: not readable as CSV ({error})"
        ) from None


def _csv_lines(path: Path) -> Iterator[str]:
    for _, text in _lines(path):
        # Excel's "CSV (Macintosh)" ends its lines with a bare carriage return.
        if "\r" in text:
            yield from filter(None, _BARE_CR.split(text))
        else:
            yield text


def _csv_columns(header: list[str], path: Path, defaults: Defaults) -> list[str]:
    columns: list[str] = []
    for number, title in enumerate(header, start=1):
        name = _name(title)
        if not name:
            raise InvalidInput(f"{path}: column {number} of the header has no name")
        if name not in COLUMNS:
            raise InvalidInput(
                f"{path}: unknown column '{title.strip()}' in the header; "
                f"the columns are {', '.join(COLUMNS)}"
            )
        if name in columns:
            raise InvalidInput(f"{path}: the column {name} appears twice")
        columns.append(name)
    for name in ("channel", "summary", "received_at"):
        if name not in columns:
            raise InvalidInput(f"{path} has no {name} column")
    for name, default in (
        ("project", defaults.project),
        ("severity", defaults.severity),
    ):
        if name not in columns and not (default and default.strip()):
            raise InvalidInput(f"{path} has no {name} column: add one or give --{name}")
    return columns


def _jsonl_records(path: Path, defaults: Defaults) -> Iterator[Record]:
    for number, line in _lines(path):
        if line.strip():
            yield _attempt(f"line {number}", partial(_json_intake, line, defaults))


def _json_intake(line: str, defaults: Defaults) -> Intake:
    return _intake(_json_values(line), defaults)


class _Pairs(list[tuple[str, Any]]):
    """A JSON object's members in order, so that repeated keys can be seen."""


def _json_values(line: str) -> dict[str, str | None]:
    try:
        data = json.loads(line.rstrip("\r\n"), object_pairs_hook=_Pairs)
    except json.JSONDecodeError as error:
        raise InvalidInput(
            f"not valid JSON: {error.msg} at column {error.pos + 1}"
        ) from None
    except RecursionError:
        raise InvalidInput("not valid JSON: nested too deeply") from None
    if not isinstance(data, _Pairs):
        raise InvalidInput("not a JSON object")
    values: dict[str, str | None] = {}
    for key, value in data:
        name = _name(key)
        if name not in COLUMNS:
            raise InvalidInput(
                f"unknown key '{key}'; the keys are {', '.join(COLUMNS)}"
            )
        if name in values:
            raise InvalidInput(f"the key {name} appears twice")
        values[name] = _json_text(name, value)
    return values


def _json_text(name: str, value: Any) -> str | None:
    # Systems that export JSON often number their records; such an id is text to us.
    if name == "external_id" and type(value) is int:
        return str(value)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"{name} must be text, not {json.dumps(value)[:40]}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput(f"{name} holds an unpaired surrogate escape") from None
    return value


def _email_records(
    messages: Iterator[tuple[str, bytes]], defaults: Defaults
) -> Iterator[Record]:
    project = defaults.project or ""
    severity = defaults.severity or EMAIL_SEVERITY
    for where, message in messages:
        yield _attempt(where, partial(email_intake, message, project, severity))


def _attempt(where: str, make: Callable[[], Intake]) -> Record:
    try:
        return Record(where, intake=make())
    except InvalidInput as error:
        return Record(where, reason=str(error))


def _intake(values: Mapping[str, str | None], defaults: Defaults) -> Intake:
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
        channel=_choice(given["channel"], Channel),
        severity=_choice(severity, Severity),
        summary=given["summary"],
        detail=given.get("detail"),
        customer=given.get("customer"),
        contact=given.get("contact"),
        source=given.get("source"),
        received_at=received_at,
        external_id=given.get("external_id"),
    )


def _choice(value: str, words: type[StrEnum]) -> str:
    try:
        return words(value.strip().lower()).value
    except ValueError:
        raise InvalidInput(
            f"{words.__name__.lower()} '{value.strip()}' is not one of "
            f"{', '.join(words)}"
        ) from None


def _name(title: str) -> str:
    return _SEPARATORS.sub("_", title.strip().lower())


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    """The numbered lines of a UTF-8 file, without its byte order mark."""
    with _open(path) as file:
        for number, raw in enumerate(file, start=1):
            yield number, _utf8(raw, number, path)


def _utf8(raw: bytes, number: int, path: Path) -> str:
    try:
        return raw.decode("utf-8-sig" if number == 1 else "utf-8")
    except UnicodeDecodeError:
        raise InvalidInput(
            f"{path}, line {number}: not UTF-8 text; "
            "save the file as UTF-8 and import it again"
        ) from None


def _open(path: Path) -> BinaryIO:
    try:
        return path.open("rb")
    except OSError as error:
        raise InvalidInput(f"cannot read {path}: {error.strerror}") from None
