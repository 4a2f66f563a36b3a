"""Text from the ledger in a report page: HTML-invalid and line-reordering
characters shown as escapes, and safe as a CSS string in the print header."""

from __future__ import annotations

import re

from markupsafe import Markup

from projections.reports.render import css_string, shown
from projections.reports.tables import cell


def test_control_and_bidirectional_characters_are_shown_as_escapes() -> None:
    assert shown("a\x1b[31m \u202egnp.exe\x00 \ufffe") == (
        "a\\x1b[31m \\u202egnp.exe\\x00 \\ufffe"
    )
    assert shown("tab\tand\nnewline, \u05e9\u05dc\u05d5\u05dd") == (
        "tab\tand\nnewline, \u05e9\u05dc\u05d5\u05dd"
    )
    already = Markup("<b>made of shown values</b>")
    assert shown(already) is already
    assert shown(7) == 7


def test_a_css_string_holds_no_quote_backslash_or_closing_tag() -> None:
    text = css_string('Apollo "x" \\ </style><script>é')
    assert isinstance(text, Markup)
    inner = str(text)[1:-1]
    assert str(text)[0] == str(text)[-1] == '"'
    assert re.fullmatch(r"[A-Za-z0-9 \\]*", inner)
    assert "\\000022" in inner  # the quote
    assert "\\00003c" in inner  # the <


def test_a_csv_cell_a_spreadsheet_would_run_is_written_as_text() -> None:
    for formula in ("=1+1", "+1", "-1+2", "@SUM(A1)", "\tx", "\rx"):
        assert cell(formula) == "'" + formula
    assert [cell(v) for v in (-2.5, 0, None, True, ["a", "=b"], "a=b")] == [
        -2.5, 0, "", "yes", "a; =b", "a=b",
    ]  # fmt: skip
