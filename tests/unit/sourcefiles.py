"""Writing a source file and reading it as records: the helpers of the
source tests (tests/unit/test_sources_*.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from ledger.domain.intake import Intake
from ledger.sources.records import Defaults, Record, read_source

HEADER = "project,channel,severity,summary,received_at\n"
NO_DEFAULTS = Defaults()
SHOP = Defaults(project="Webshop")


def write(path: Path, content: str | bytes) -> Path:
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def read(
    path: Path, defaults: Defaults = NO_DEFAULTS, fmt: str | None = None
) -> list[Record]:
    return list(read_source(path, fmt, defaults))


def reasons(records: list[Record]) -> list[tuple[str, str | None]]:
    return [(record.where, record.reason) for record in records]


def only_intake(records: list[Record]) -> Intake:
    assert len(records) == 1, reasons(records)
    assert records[0].intake is not None, records[0].reason
    return records[0].intake


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)
