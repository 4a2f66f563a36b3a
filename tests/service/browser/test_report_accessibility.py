"""Every report `plaint report` writes, from the demo's ledger and from a
ledger full of hostile text, passes axe-core in Chromium (no serious or
critical finding), the W3C Nu HTML checker (no error), and the structure
WCAG 2.2 AA asks of it: headings in order, tables with a caption and scoped
headers, charts as images with a text alternative, and no text spilling out
of its box."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.service.browser.conftest import AXE, FAILING_IMPACTS, REPORT_NAMES

if TYPE_CHECKING:
    from playwright.sync_api import Browser

CASES = [f"{ledger}/{name}" for ledger in ("demo", "hostile") for name in REPORT_NAMES]

# What axe-core cannot see: the page's structure, as a list of problems.
STRUCTURE = """() => {
  const problems = [];
  const text = (node, size) => node.textContent.trim().slice(0, size);
  let level = 0;
  for (const h of document.querySelectorAll("h1, h2, h3, h4, h5, h6")) {
    const next = Number(h.tagName[1]);
    if (next > level + 1) problems.push(`h${next} after h${level}: ${text(h, 40)}`);
    level = next;
  }
  for (const table of document.querySelectorAll("table")) {
    if (!table.caption || !text(table.caption, 1))
      problems.push(`table without a caption: ${table.outerHTML.slice(0, 80)}`);
    for (const th of table.querySelectorAll("th"))
      if (!th.getAttribute("scope")) problems.push(`th without scope: ${text(th, 30)}`);
  }
  for (const svg of document.querySelectorAll("svg:not([aria-hidden=true])")) {
    const title = svg.querySelector(":scope > title");
    if (svg.getAttribute("role") !== "img" || !title || !text(title, 1))
      problems.push(`chart without role=img, title: ${svg.outerHTML.slice(0, 80)}`);
  }
  // Hostile text (a 120-letter word) must wrap, not spill over its box.
  for (const box of document.querySelectorAll("td, th, dd, p, li, h1, h2, h3"))
    if (box.scrollWidth > box.clientWidth + 1)
      problems.push(`text spills out of a ${box.tagName}: ${text(box, 40)}`);
  for (const table of document.querySelectorAll("table"))
    if (table.offsetWidth > table.parentElement.clientWidth + 1)
      problems.push(`a table wider than its box: ${text(table, 40)}`);
  for (const d of document.querySelectorAll("details > summary"))
    if (d.tabIndex < 0) problems.push("a details summary out of the tab order");
  return problems;
}"""


@pytest.mark.parametrize("case", CASES)
def test_the_report_passes_axe_the_nu_checker_and_the_structure_checks(
    case: str,
    chromium: Browser,
    report_pages: dict[str, list[Path]],
    nu_errors: dict[Path, list[str]],
) -> None:
    page = chromium.new_page()
    try:
        for html in report_pages[case]:
            page.goto(html.as_uri())
            page.evaluate(AXE.read_text())
            found: list[dict[str, Any]] = page.evaluate(
                """async () => (await axe.run()).violations.map(v => ({
                    id: v.id, impact: v.impact, nodes: v.nodes.length,
                    where: v.nodes.map(n => n.target.join(" ")).slice(0, 5)}))"""
            )
            for finding in found:
                print(f"axe {html.name}: {finding}")
            failing = [v for v in found if v["impact"] in FAILING_IMPACTS]
            assert failing == [], f"axe on {html.name}: {failing}"
            assert page.evaluate(STRUCTURE) == [], html.name
            assert nu_errors[html] == [], html.name
    finally:
        page.close()
