"""Turning report data into one self-contained HTML page.

The templates escape everything (`autoescape`), fail on any missing value
(`StrictUndefined`) and only lay out what they are given; the filters here
format values for people, the same way on every machine (UTC, fixed formats).
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from ledger.domain.timeutil import parse_time

DASH = "\N{EN DASH}"  # what a value that is not there shows as

# What HTML forbids (C0 controls but tab and newline, DEL, C1 controls,
# noncharacters, lone surrogates) and what would reorder a line to spoof it
# (bidirectional marks, embeddings, overrides, isolates): shown as escapes,
# as the CLI shows them on a terminal, so the page stays valid and honest.
UNSAFE = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
    r"\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]"
)


def _shown(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def shown(value: Any) -> Any:
    """A value as a page may print it: text with every unsafe character shown
    as an escape (`\\x1b`); markup (already made of shown values) as it is."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return UNSAFE.sub(_shown, value)
    return value


def when(text: str | None) -> str:
    """An ISO time as `2026-03-02 14:05 UTC`, or a dash."""
    return DASH if text is None else parse_time(text).strftime("%Y-%m-%d %H:%M UTC")


def day(text: str | None) -> str:
    """An ISO time as `2 Mar 2026`, or a dash."""
    if text is None:
        return DASH
    moment = parse_time(text)
    return f"{moment.day} {moment.strftime('%b %Y')}"


def duration(seconds: int | float | None) -> str:
    """Seconds as the two largest units: `2d 4h`, `3h 20m`, `45m`, or a dash."""
    if seconds is None:
        return DASH
    left = round(seconds)
    parts: list[str] = []
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if left >= size or (unit == "m" and not parts):
            parts.append(f"{left // size}{unit}")
            left %= size
    return " ".join(parts[:2])


def percent(share: float | None) -> str:
    """A fraction as a whole percentage, or a dash."""
    return DASH if share is None else f"{share * 100:.0f}%"


def number(value: float | None, places: int = 1) -> str:
    """A number to `places` decimals, or a dash."""
    return DASH if value is None else f"{value:.{places}f}"


@cache
def environment() -> Environment:
    """The Jinja2 environment of the report templates."""
    env = Environment(
        loader=PackageLoader("report_templates", "."),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=shown,
        extensions=["jinja2.ext.do"],
    )
    env.filters.update(
        when=when,
        day=day,
        duration=duration,
        percent=percent,
        number=number,
        css_string=css_string,
    )
    return env


def css_string(text: str) -> Markup:
    """`text` as a quoted CSS string that is safe inside a <style> element:
    every character but letters, digits and spaces as a CSS escape, so no
    quote, backslash or `</style>` survives."""
    text = UNSAFE.sub(_shown, text)
    inner = "".join(
        c if c.isascii() and (c.isalnum() or c == " ") else f"\\{ord(c):06x}"
        for c in text
    )
    return Markup(f'"{inner}"')  # noqa: S704 - every character escaped above


def render(report: str, data: dict[str, Any], paper: str | None = None) -> str:
    """The HTML page of `report` (a name in registry.REPORTS) showing `data`;
    with `paper` (`A4`, `letter`), printed on that paper size."""
    page = environment().get_template(f"{report}.html")
    return page.render(**data, print_paper=paper)


def sections(report: str, data: dict[str, Any]) -> dict[str, str]:
    """The parts of `report`'s page showing `data` that another page can
    embed: its subtitle and its sections (without the page's own frame),
    and its stylesheet (`style`: the CSS of its <style> element), so that
    they look there as they do in the report."""
    template = environment().get_template(f"{report}.html")
    context = template.new_context(dict(data))
    # The whole page once, for what its top level sets (the imported macros).
    whole = "".join(template.root_render_func(context))
    found: dict[str, str] = {
        part: "".join(template.blocks[part](context))
        for part in ("subtitle", "content")
        if part in template.blocks
    }
    start = whole.index("<style>") + len("<style>")
    found["style"] = whole[start : whole.index("</style>", start)]
    return found
