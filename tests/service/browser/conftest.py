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
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from click.testing import CliRunner

from commands import cli
from commands.base import Session
from ledger.domain.timeutil import ManualClock
from service.middleware import SECURITY_HEADERS
from tests.conftest import DEMO_NOW, Plaint
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
        messages = nu_messages([self.folder / f"{stem}.html" for stem in self.shown])
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


# The reports `plaint report` writes, checked the same way as the pages: on
# the demo's ledger, and on one whose every text a customer or member controls
# is hostile (markup, bidirectional overrides, right-to-left and wide scripts,
# a control character, a formula, a word too long for any column).
HOSTILE = (
    '<script>alert(1)</script> "><img src=x onerror=alert(1)> </style>'
    "<svg onload=alert(1)> \u202egnp.exe \u05e9\u05dc\u05d5\u05dd "
    "\u0645\u0631\u062d\u0628\u0627 \u6f22\u5b57 \U0001f600 =HYPERLINK(1) "
    "\x1b[31m " + "W" * 120
)
HOSTILE_PROJECT = "Apollo " + HOSTILE[:40]
REPORT_NAMES = ("lessons", "route", "warnings", "team", "access")
REPORTS_START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def hostile_story(run: Plaint) -> None:
    """Three rounds of a severe complaint escalated by hand and by the sweep,
    resolved and surveyed, praise from the same customer, and a complaint
    about a hostile project; C-1 made confidential, read and granted."""
    assert isinstance(run.clock, ManualClock)
    clock = run.clock

    def later(**delta: float) -> None:
        clock.now += timedelta(**delta)

    run.ok("init", "--admin", "ann")
    for member, role in (("lee", "lead"), ("bob", "agent"), ("cat", "compliance")):
        run.ok("team", "add", member, "--role", role)
    run.ok("policy", "set", "--channel", "*", "--severity", "*", "--owner", "bob",
           "--escalate-to", "ann", "--ack", "4h", "--respond", "1d",
           "--resolve", "3d")  # fmt: skip
    for round_ in range(3):
        ref = f"C-{3 * round_ + 1}"
        run.ok("file", "--project", HOSTILE_PROJECT, "--channel", "email",
               "--severity", "severe", "--summary", HOSTILE, "--detail", HOSTILE,
               "--customer", HOSTILE[:190], "--contact", "jane@example.com",
               "--source", HOSTILE[:190], actor="bob")  # fmt: skip
        later(hours=1)
        run.ok("ack", ref, actor="bob")
        later(hours=2)
        run.ok("escalate", ref, "--to", "lee", "--reason", HOSTILE, actor="lee")
        later(days=1, hours=1)
        run.ok("sweep", actor="lee")
        later(hours=1)
        run.ok("respond", ref, "--message", HOSTILE, actor="ann")
        run.ok("resolve", ref, "--resolution", HOSTILE, actor="ann")
        later(days=1)
        run.ok("survey", ref, "--score", "4", "--comment", HOSTILE, actor="bob")
        run.ok("file", "--project", HOSTILE_PROJECT, "--channel", "phone",
               "--severity", "positive", "--summary", HOSTILE,
               "--contact", "Jane@Example.com ", actor="bob")  # fmt: skip
        run.ok("file", "--project", HOSTILE[:190], "--channel", "web",
               "--severity", "mild", "--summary", HOSTILE, actor="bob")  # fmt: skip
        later(days=3)
    run.ok("confidential", "C-1", "--allow", "compliance", actor="lee")
    run.ok("show", "C-1", actor="cat")
    assert run("show", "C-1", actor="bob").exit_code == 1
    run.ok("grant", "C-1", "bob", "--reason", HOSTILE, actor="lee")


@pytest.fixture(scope="module")
def report_pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Path]]:
    """`demo/NAME` and `hostile/NAME`: the HTML files of report NAME written
    from the demo's ledger (a small one) and from the hostile ledger."""
    home = tmp_path_factory.mktemp("reports")
    environ = {k: v for k, v in os.environ.items() if not k.startswith("PLAINT_")}
    environ["XDG_CONFIG_HOME"] = str(home / "config")
    environ["XDG_DATA_HOME"] = str(home / "data")
    demo = home / "demo"
    result = CliRunner().invoke(
        cli, ["--as", "ann", "demo", str(demo), "--complaints", "60"],
        obj=Session(environ=environ, clock=ManualClock(DEMO_NOW)),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    found = {
        f"demo/{name}": sorted(demo.glob(f"{name}*.html")) for name in REPORT_NAMES
    }
    run = Plaint(str(home / "hostile.sqlite"), environ, home,
                 clock=ManualClock(REPORTS_START))  # fmt: skip
    hostile_story(run)
    for name, args in {
        "lessons": ["lessons", "--project", HOSTILE_PROJECT],
        "route": ["route", "C-1"],
        "warnings": ["warnings"],
        "team": ["team"],
        "access": ["access"],
    }.items():
        page = home / f"hostile-{name}.html"
        run.ok("report", *args, "-o", str(page),
               actor="cat" if name == "access" else "ann")  # fmt: skip
        found[f"hostile/{name}"] = [page]
    assert all(found.values()), found
    return found


@pytest.fixture(scope="module")
def nu_errors(report_pages: dict[str, list[Path]]) -> dict[Path, list[str]]:
    """The Nu HTML checker's errors in each report page, one JVM for them all."""
    files = [page for pages in report_pages.values() for page in pages]
    errors: dict[Path, list[str]] = {page: [] for page in files}
    for message in nu_messages(files):
        if message["type"] == "error" or message.get("subType") == "fatal":
            page = Path(message["url"].removeprefix("file:"))
            errors[page].append(f"{message.get('lastLine')}: {message['message']}")
    return errors


def nu_messages(files: list[Path]) -> list[dict[str, Any]]:
    """What the Nu HTML checker says about `files`."""
    run = subprocess.run(
        ["java", "-jar", str(VNU), "--format", "json", "--exit-zero-always",
         *map(str, files)],
        capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
    messages: list[dict[str, Any]] = json.loads(run.stderr)["messages"]
    return messages
