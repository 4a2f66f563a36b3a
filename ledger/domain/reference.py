"""A complaint's human reference, `C-7`: the number it was filed under."""

from __future__ import annotations

PREFIX = "C-"


def reference(number: int) -> str:
    """The human reference of the complaint filed `number`-th: `C-7`."""
    return f"{PREFIX}{number}"


def reference_number(text: str) -> int | None:
    """The number in a reference, `C-7` or `c-7`; None when `text` is not one."""
    if not text.upper().startswith(PREFIX):
        return None
    digits = text[len(PREFIX) :]
    if not digits.isdigit() or int(digits) == 0:
        return None
    return int(digits)
