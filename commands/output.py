"""Writing a file a command was told to write with `-o`: never over a ledger
or a key, and whole or not at all."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ledger.errors import StorageFailure

if TYPE_CHECKING:
    from ledger.application import ComplaintLedger

F = TypeVar("F", bound=Callable[..., Any])


def output_file(help_text: str) -> Callable[[F], F]:
    """`-o FILE`: the file a command writes."""
    return click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=False, writable=True, path_type=Path),
        help=help_text,
    )


def allowed_output(ledger: ComplaintLedger, output: Path) -> Path:
    """`output`, absolute, unless it is a ledger's or a key's file: checked
    before a command does anything, as `write_output` checks it again."""
    # Imported when used: it reads keys, which `plaint --help` need not load.
    from ledger.storage.outputs import check_output, files_in_use

    in_use = files_in_use(ledger.location, ledger.ledger_id, ledger.environ)
    return check_output(output, in_use)


def write_output(
    ledger: ComplaintLedger,
    output: Path,
    text: str | bytes,
    before: Callable[[], object] | None = None,
) -> Path:
    """Write `text` (or bytes) to `output` through a temporary file beside it, renamed
    into place after `before` (recording the run, say) has succeeded; refuse
    a ledger's or a key's file before doing anything."""
    target = allowed_output(ledger, output)
    try:
        handle, temporary = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
        )
    except OSError as error:
        raise StorageFailure(f"cannot write {target}: {error.strerror}") from None
    try:
        try:
            if isinstance(text, bytes):
                with os.fdopen(handle, "wb") as binary:
                    binary.write(text)
            else:
                with os.fdopen(handle, "w", encoding="utf-8") as out:
                    out.write(text)
        except OSError as error:
            raise StorageFailure(f"cannot write {target}: {error.strerror}") from None
        if before is not None:
            before()
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target
