"""Each report of `plaint demo`, opened in headless Chromium: it renders, logs no
console messages, and draws non-empty SVG charts.

Skipped when no `chromium` is on PATH, unless PLAINT_REQUIRE_BROWSER=1 (as in
CI), which makes a missing browser a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from commands import cli
from commands.base import Session

SHAPES = {"rect", "circle", "line", "polyline", "polygon", "path"}
PAGES = ("warnings.html", "team.html", "lessons-hermes.html", "access.html")


class Charts(HTMLParser):
    """Counts the drawn shapes inside each <svg> of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.svgs: list[int] = []
        self.inside = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "svg":
            self.svgs.append(0)
            self.inside = True
        elif self.inside and tag in SHAPES:
            found = dict(attrs)
            if found.get("width") not in ("0", "0.0") and found.get("r") != "0":
                self.svgs[-1] += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg":
            self.inside = False


def browser() -> str:
    found = shutil.which("chromium")
    if found is None:
        if os.environ.get("PLAINT_REQUIRE_BROWSER") == "1":
            pytest.fail("PLAINT_REQUIRE_BROWSER=1 but no `chromium` is on PATH")
        pytest.skip("no `chromium` on PATH (set PLAINT_REQUIRE_BROWSER=1 to require)")
    return found


def test_every_demo_report_renders_in_chromium_with_non_empty_charts(
    demo_session: Session, tmp_path: Path
) -> None:
    chromium = browser()
    where = tmp_path / "demo"
    result = CliRunner().invoke(
        cli,
        ["--as", "ann", "demo", str(where), "--complaints", "60"],
        obj=demo_session,
    )
    assert result.exit_code == 0, result.output
    routes = sorted(p.name for p in where.glob("route-*.html"))
    pages = [*PAGES, routes[0]]
    # One browser per page, all at once: each takes a second to start.
    running = {page: subprocess.Popen(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         f"--user-data-dir={tmp_path / page}.profile", "--enable-logging=stderr",
         "--v=0", f"--screenshot={tmp_path / page}.png", "--window-size=1280,2000",
         "--dump-dom", (where / page).as_uri()],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "HOME": str(tmp_path)},
    ) for page in pages}  # fmt: skip
    for page, process in running.items():
        dom, log = process.communicate(timeout=120)
        assert process.returncode == 0, (page, log[-2000:])
        assert [line for line in log.splitlines() if ":CONSOLE" in line] == [], page
        assert (tmp_path / f"{page}.png").stat().st_size > 20_000, page
        charts = Charts()
        charts.feed(dom)
        assert charts.svgs, f"{page} has no charts"
        assert all(charts.svgs), f"{page} has an empty chart: {charts.svgs}"
