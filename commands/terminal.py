"""What plaint prints: text from the ledger never reaches a terminal raw.

A summary or an email subject is kept exactly as received; only its display
is escaped, so a customer cannot rewrite what an agent sees (move the cursor,
retitle the window, reverse a line). Every command's standard output and
error pass through `escaped_output`, so no command needs to remember it.
"""

from __future__ import annotations

import io
import json
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

# C0 controls but tab and newline, DEL, C1 controls; the bidirectional marks,
# embeddings, overrides and isolates; and lone surrogates, which stand for
# bytes that were not UTF-8 (and would end output in UnicodeEncodeError).
UNSAFE = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
    r"\ud800-\udfff]"
)


def _shown(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def escape(text: str) -> str:
    """`text` with every unsafe character shown as an escape, e.g. `\\x1b`."""
    return UNSAFE.sub(_shown, text)


def json_text(data: Any) -> str:
    """One JSON document that round-trips exactly and is safe on a terminal:
    unsafe characters become JSON `\\uXXXX` escapes (json escapes C0 itself)."""
    text = json.dumps(data, indent=2, ensure_ascii=False)
    return UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


class EscapedStream(io.TextIOBase):
    """A text stream that writes everything escaped to the stream it wraps."""

    def __init__(self, raw: TextIO) -> None:
        super().__init__()
        self.raw = raw

    def write(self, text: str) -> int:
        if not isinstance(text, str):  # how Click tells text from binary streams
            raise TypeError("an escaped stream takes text")
        self.raw.write(escape(text))
        return len(text)

    def writable(self) -> bool:
        return True

    def flush(self) -> None:
        self.raw.flush()

    def isatty(self) -> bool:
        return self.raw.isatty()

    def fileno(self) -> int:
        return self.raw.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self.raw.encoding

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return self.raw.errors


@contextmanager
def escaped_output() -> Iterator[None]:
    """Standard output and error escaped while the command line runs."""
    saved = sys.stdout, sys.stderr
    sys.stdout = EscapedStream(saved[0])
    sys.stderr = EscapedStream(saved[1])
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


@contextmanager
def raw_output() -> Iterator[None]:
    """Standard output and error as they were, inside `escaped_output`."""
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = raw_stream(saved[0]), raw_stream(saved[1])
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


def raw_stream(stream: TextIO) -> TextIO:
    """The terminal beneath an escaped stream, for a progress bar's own
    control characters."""
    return stream.raw if isinstance(stream, EscapedStream) else stream
