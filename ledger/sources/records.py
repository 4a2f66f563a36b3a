"""Complaints in bulk: CSV, JSON Lines, .eml files and mbox read as intakes.

`read_source` turns one file, or a directory of .eml files, into `Record`s in
file order, one per row or message, without holding the file in memory. Each
record is a valid `Intake` or the reason it was rejected, with where it was:
"line 7" (the line a CSV or JSON Lines record starts on; a CSV header is line
1), "message 3" (1-based, in an mbox), or the file name of an .eml file. A
problem with a file as a whole (missing, unreadable, not UTF-8, an unknown CSV
column) raises `InvalidInput` naming the file instead.

Each format has its module (csv.py, jsonl.py, email.py); the fields a record
gives and how they become an intake are in fields.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from functools import partial
from pathlib import Path

from ledger.domain.vocabulary import IMPORT_FORMATS, Severity
from ledger.errors import InvalidInput
from ledger.sources.csv import csv_records
from ledger.sources.email import email_intake, eml_files, eml_messages, mbox_messages
from ledger.sources.fields import Defaults as Defaults
from ledger.sources.fields import Record as Record
from ledger.sources.fields import attempt, choice
from ledger.sources.jsonl import jsonl_records

FORMATS = IMPORT_FORMATS
EMAIL_SEVERITY = Severity.MILD.value

_EXTENSIONS = {
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".eml": "eml",
    ".mbox": "mbox",
    ".mbx": "mbox",
}


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
        defaults = replace(defaults, severity=choice(defaults.severity, Severity))
    if fmt == "csv":
        return csv_records(path, defaults)
    if fmt == "jsonl":
        return jsonl_records(path, defaults)
    if defaults.project is None or not defaults.project.strip():
        raise InvalidInput("emails say nothing of the project: give it with --project")
    if fmt == "mbox":
        return _email_records(mbox_messages(path), defaults)
    if path.is_dir():
        return _email_records(eml_messages(eml_files(path)), defaults)
    return _email_records(eml_messages([path]), defaults)


def _email_records(
    messages: Iterator[tuple[str, bytes]], defaults: Defaults
) -> Iterator[Record]:
    project = defaults.project or ""
    severity = defaults.severity or EMAIL_SEVERITY
    for where, message in messages:
        yield attempt(where, partial(email_intake, message, project, severity))
