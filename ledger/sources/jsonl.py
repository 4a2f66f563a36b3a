"""JSON Lines files read as records: one JSON object a line, each named by its
line; blank lines are skipped."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

from ledger.domain.intake import Intake
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


def jsonl_records(path: Path, defaults: Defaults) -> Iterator[Record]:
    """The records of a JSON Lines file, read as they are iterated."""
    for number, line in lines(path):
        if line.strip():
            yield attempt(f"line {number}", partial(_json_intake, line, defaults))


def _json_intake(line: str, defaults: Defaults) -> Intake:
    return to_intake(_json_values(line), defaults)


class _Pairs(list[tuple[str, Any]]):
    """A JSON object's members in order, so that repeated keys can be seen."""


# One decoder for every line: json.loads with a hook builds a new one a call.
_DECODER = json.JSONDecoder(object_pairs_hook=_Pairs)


def _json_values(line: str) -> dict[str, str | None]:
    try:
        data = _DECODER.decode(line.rstrip("\r\n"))
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
        name = field_name(key)
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
