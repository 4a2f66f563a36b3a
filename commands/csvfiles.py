"""`--csv DIR` on a report: its tables as CSV files, one per table, each
with a header row, named `REPORT-TABLE.csv` (UTF-8, comma-separated, quoted
where needed). Cells that a spreadsheet would run as a formula are written
as text (see projections/reports/tables.py). All the files are written or
none: each to a temporary file first, renamed into place once every one is
written and the run recorded; never over a ledger's or a key's file."""

from __future__ import annotations

import contextlib
import csv
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from commands.output import allowed_output
from ledger.errors import StorageFailure

if TYPE_CHECKING:
    from ledger.application import ComplaintLedger
    from projections.reports.tables import Table


def usable_folder(folder: Path) -> Path:
    """`folder`, absolute, when CSV files can go there (it is a directory, or
    one that can be made in an existing directory); a usage error if not."""
    target = folder.absolute()
    parent = target.parent
    if target.exists() and not target.is_dir():
        problem = "is not a directory"
    elif not target.exists() and not parent.is_dir():
        problem = f"cannot be made: {parent} is not a directory"
    elif not os.access(target if target.exists() else parent, os.W_OK | os.X_OK):
        problem = "is not writable"
    else:
        return target
    raise click.UsageError(f"--csv {target} {problem}")


def write_tables(
    ledger: ComplaintLedger,
    folder: Path,
    report: str,
    tables: dict[str, Table],
    before: Callable[[], object] | None = None,
) -> list[Path]:
    """Write `tables` as `folder/REPORT-NAME.csv`, after `before` (recording
    the run, say) succeeds; the paths written."""
    target = usable_folder(folder)
    paths = [allowed_output(ledger, target / f"{report}-{name}.csv") for name in tables]
    made = not target.exists()
    written: list[tuple[str, Path]] = []
    try:
        target.mkdir(exist_ok=True)
        for path, (head, rows) in zip(paths, tables.values(), strict=True):
            handle, temporary = tempfile.mkstemp(
                dir=target, prefix=f".{path.name}.", suffix=".tmp"
            )
            written.append((temporary, path))
            with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
                _write(out, head, rows)
        if before is not None:
            before()
        for temporary, path in written:
            os.replace(temporary, path)
    except OSError as error:
        _clean(written, target if made else None)
        raise StorageFailure(f"cannot write {target}: {error.strerror}") from None
    except BaseException:
        _clean(written, target if made else None)
        raise
    return paths


def _write(out: Any, head: list[str], rows: list[list[Any]]) -> None:
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(head)
    writer.writerows(rows)


def _clean(written: list[tuple[str, Path]], made: Path | None) -> None:
    for temporary, _path in written:
        Path(temporary).unlink(missing_ok=True)
    if made is not None:
        with contextlib.suppress(OSError):
            made.rmdir()
