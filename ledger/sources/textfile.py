"""A source file's numbered lines, as UTF-8 text with or without a byte order
mark; a file that cannot be read or is not UTF-8 is named."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from ledger.errors import InvalidInput


def lines(path: Path) -> Iterator[tuple[int, str]]:
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
