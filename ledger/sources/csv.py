"""CSV files read as records: a header naming the columns, then one record a
row, each named by the line it starts on (the header is line 1)."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from functools import partial
from pathlib import Path

from ledger.errors import InvalidInput
from ledger.sources.fields import (
    COLUMNS,
    Defaults,
    Record,
    attempt,
    field_name,
    to_intake,
)
from ledger.sources.textfile import lines

_BARE_CR = re.compile(r"(?<=\r)(?!\n)")


def csv_records(path: Path, defaults: Defaults) -> Iterator[Record]:
    """The records of a CSV file, read as they are iterated."""
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
            yield attempt(f"line {start}", partial(to_intake, values, defaults))


def _csv_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """Each row of a CSV file with the line it starts on."""
    reader = csv.reader(_csvlines(path))
    start = 1
    try:
        for row in reader:
            yield start, row
            start = reader.line_num + 1
    except csv.Error as error:
        raise InvalidInput(
            f"{path}, line {reader.line_num}: not readable as CSV ({error})"
        ) from None


def _csvlines(path: Path) -> Iterator[str]:
    for _, text in lines(path):
        # Excel's "CSV (Macintosh)" ends its lines with a bare carriage return.
        if "\r" in text:
            yield from filter(None, _BARE_CR.split(text))
        else:
            yield text


def _csv_columns(header: list[str], path: Path, defaults: Defaults) -> list[str]:
    columns: list[str] = []
    for number, title in enumerate(header, start=1):
        name = field_name(title)
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
