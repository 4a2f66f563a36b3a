"""Fixtures of the browser journeys: Playwright driving Debian's Chromium
against a real `plaint serve`, every page checked by axe-core and the W3C Nu
HTML checker, and a screenshot of each kept under tests/artifacts/.

axe-core and vnu-jar come from the npm registry (`npm ci` in this folder, as
.ci/run does). Without Chromium, Playwright or them the journeys are skipped,
unless PLAINT_REQUIRE_BROWSER=1 (as in CI), which makes that a failure.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from service.middleware import SECURITY_HEADERS
from tests.service.conftest import Server

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page, Response

HERE = Path(__file__).parent
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
VNU = HERE / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
ARTIFACTS = HERE.parent.parent / "artifacts" / "browser"
CHROMIUM = "/usr/bin/chromium"
# What the journeys must not leave behind: only these axe impacts fail a page
# (the bar), "minor" and "moderate" findings are printed.
FAILING_IMPACTS = {"serious", "critical"}
LOAD_FAILED = "Failed to load resource: the server responded with a status of"


def missing(why: str) -> None:
    """Skip for want of a browser tool, or fail where one is required."""
    if os.environ.get("PLAINT_REQUIRE_BROWSER") == "1":
        pytest.fail(f"PLAINT_REQUIRE_BROWSER=1 but {why}")
    pytest.skip(f"{why} (set PLAINT_REQUIRE_BROWSER=1 to require)")


@pytest.fixture
def backend(tmp_path: Path) -> str:
    """SQLite only: the pages call the same use cases on either store, which
    the API and CLI tests run on both; a browser per store would double the
    slowest tests for nothing the pages decide."""
    return str(tmp_path / "ledger.sqlite")


@pytest.fixture(scope="package")
def chromium() -> Iterator[Browser]:
    """Debian's headless Chromium under Playwright (whose own browser
    download is not available here), one for the browser tests. Not one for
    the session: Playwright's sync API keeps an event loop running on the
    main thread while it is open, and tests after these call asyncio.run."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("Playwright is not installed (pip install -e '.[dev]')")
    if shutil.which(CHROMIUM) is None:
        missing(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    for tool in (AXE, VNU):
        if not tool.exists():
            missing(f"{tool} is missing (npm ci in {HERE})")
    if shutil.which("java") is None:
        missing("no `java` on PATH for the Nu HTML checker")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox"]
        )
        yield browser
        browser.close()


@dataclass
class Pages:
    """The pages a test visited: each one checked with axe-core when it is
    shown, its HTML kept for one run of the Nu checker at the end (a JVM
    start per page would cost seconds each)."""

    folder: Path
    shown: list[str] = field(default_factory=list)

    def check(self, page: Page, name: str, answer: Response | None) -> None:
        """Check the page `page` shows now, that `answer` delivered: its
        security policy, axe-core, no console error; keep its HTML and a
        screenshot named `name`."""
        assert answer is not None, name
        assert answer.status < 500, f"{name}: {answer.status} {answer.text()[:500]}"
        assert answer.headers["content-type"].startswith("text/html"), name
        policy = answer.headers.get("content-security-policy")
        assert policy == SECURITY_HEADERS["content-security-policy"], name
        number = len(self.shown) + 1
        stem = f"{number:02d}-{re.sub(r'[^a-z0-9]+', '-', name.lower())}"
        (self.folder / f"{stem}.html").write_bytes(answer.body())
        page.screenshot(path=self.folder / f"{stem}.png", full_page=True)
        # Injected with evaluate, which the page's Content-Security-Policy
        # does not govern (DevTools runs it), rather than a <script> tag under
        # bypass_csp: the policy stays in force, so a page that needs inline
        # script or another site's file fails on its console errors below.
        page.evaluate(AXE.read_text())
        found: list[dict[str, Any]] = page.evaluate(
            """async () => (await axe.run()).violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => n.target.join(" ")).slice(0, 5)}))"""
        )
        failing = [v for v in found if v["impact"] in FAILING_IMPACTS]
        for finding in found:
            print(f"axe {name}: {finding}")
        assert failing == [], f"axe on {name} ({page.url}): {failing}"
        self.shown.append(stem)

    def validate(self) -> None:
        """The Nu HTML checker on every page shown: no error."""
        if not self.shown:
            return
        files = [str(self.folder / f"{stem}.html") for stem in self.shown]
        run = subprocess.run(
            ["java", "-jar", str(VNU), "--format", "json", "--exit-zero-always",
             *files],
            capture_output=True, text=True, timeout=300, check=True,
        )  # fmt: skip
        messages = json.loads(run.stderr)["messages"]
        errors = [
            f"{Path(m['url']).name}:{m.get('lastLine')}: {m['message']}"
            for m in messages
            if m["type"] == "error" or m.get("subType") == "fatal"
        ]
        assert errors == [], "\n".join(errors)


@dataclass
class Visit:
    """A browser tab of one signed-in (or not yet signed-in) member."""

    page: Page
    pages: Pages
    console: list[str]

    def goto(self, path: str, name: str) -> Page:
        """Open `path` and check the page."""
        answer = self.page.goto(path)
        self.checked(name, answer)
        return self.page

    def click(self, target: Locator, name: str) -> Page:
        """Click a link or a form's button and check the page it leads to."""
        with self.page.expect_navigation() as navigation:
            target.click()
        self.checked(name, navigation.value)
        return self.page

    def checked(self, name: str, answer: Response | None) -> None:
        self.pages.check(self.page, name, answer)
        assert answer is not None
        # A refused action's page comes with its error status, which Chromium
        # logs; anything else on the console is the page's fault.
        own = f"error: {LOAD_FAILED} {answer.status} "
        logged = [line for line in self.console if not line.startswith(own)]
        self.console.clear()
        assert logged == [], f"console on {name}: {logged}"


@pytest.fixture
def pages(request: pytest.FixtureRequest) -> Iterator[Pages]:
    """The pages a test shows, under tests/artifacts/browser/<test>/; the
    Nu checker runs on them all when the test ends."""
    folder = ARTIFACTS / re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    checked = Pages(folder)
    yield checked
    print(f"screenshots and HTML in {folder}")
    checked.validate()


@pytest.fixture
def browse(
    chromium: Browser, server: Server, pages: Pages
) -> Iterator[Callable[[str | None], Visit]]:
    """A tab of its own for each member (a fresh context: its own cookies),
    signed in through the /login form with a password; `None` is a tab
    nobody signed in to."""
    contexts = []

    def opening(member: str | None) -> Visit:
        context = chromium.new_context(
            base_url=server.url, viewport={"width": 1280, "height": 800}
        )
        contexts.append(context)
        page = context.new_page()
        console: list[str] = []
        page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
        page.on("pageerror", lambda e: console.append(f"error: {e}"))
        visit = Visit(page, pages, console)
        if member is not None:
            sign_in(visit, member, server.password(member))
        return visit

    yield opening
    for context in contexts:
        context.close()


def sign_in(visit: Visit, member: str, password: str) -> None:
    """Through the sign-in form, checking it and the page it leads to."""
    page = visit.goto("/login", f"{member} sign-in")
    page.get_by_label("Member name").fill(member)
    page.get_by_label("Password").fill(password)
    visit.click(page.get_by_role("button", name="Sign in"), f"{member} signed in")
