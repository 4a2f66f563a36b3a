"""The checks themselves: a page with inline script, an axe-core finding or
invalid HTML fails them, so a green journey means something."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from service.middleware import SECURITY_HEADERS
from tests.service.browser.conftest import Pages, Visit

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Route

GOOD = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>t</title>'
    "</head><body><main><h1>Fine</h1>{}</main></body></html>"
)


def visit_of(chromium: Browser, tmp_path: Path, body: str) -> Visit:
    """A tab whose every page is `GOOD` around `body`, with the service's
    headers."""
    context = chromium.new_context(base_url="http://plaint.test")

    def answer(route: Route) -> None:
        route.fulfill(
            body=GOOD.format(body),
            headers={"content-type": "text/html; charset=utf-8", **SECURITY_HEADERS},
        )

    context.route("**/*", answer)
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    return Visit(page, Pages(tmp_path), console)


def test_a_valid_accessible_page_passes(chromium: Browser, tmp_path: Path) -> None:
    visit = visit_of(chromium, tmp_path, "<p>Hello.</p>")
    visit.goto("/", "fine")
    visit.pages.validate()


def test_inline_script_fails_on_the_console(chromium: Browser, tmp_path: Path) -> None:
    visit = visit_of(chromium, tmp_path, "<script>document.title = 'x'</script>")
    with pytest.raises(AssertionError, match="Content Security Policy"):
        visit.goto("/", "inline script")


def test_an_unlabelled_field_fails_axe(chromium: Browser, tmp_path: Path) -> None:
    visit = visit_of(chromium, tmp_path, "<form><input name=q></form>")
    with pytest.raises(AssertionError, match="'label'"):
        visit.goto("/", "no label")


def test_invalid_html_fails_the_nu_checker(chromium: Browser, tmp_path: Path) -> None:
    visit = visit_of(chromium, tmp_path, "<p><div>in a paragraph</div></p>")
    visit.goto("/", "invalid")
    with pytest.raises(AssertionError, match="No “p” element in scope"):
        visit.pages.validate()
