"""`plaint report … -o FILE.pdf`: printed through headless Chromium into a
tagged PDF holding every section, with a running header and page numbers;
without a browser, one `Error:` line and nothing written.

Skipped without `chromium` and poppler-utils (`pdftotext`, `pdfinfo`) on
PATH, unless PLAINT_REQUIRE_BROWSER=1 (as in CI), which makes that a failure.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.conftest import Plaint, error_line, events
from tests.e2e.test_reports import a_story, pinned

REPORTS = {
    "lessons": ["lessons", "--project", "Apollo"],
    "route": ["route", "C-1"],
    "warnings": ["warnings"],
    "team": ["team"],
    "access": ["access"],
}
INSTALL = (
    "printing to PDF needs Chromium: install it (Debian, Ubuntu: apt-get install "
    "chromium) or name its program in PLAINT_CHROMIUM"
)


class Headings(HTMLParser):
    """The text of every h1 and h2 of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self.inside = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("h1", "h2"):
            self.inside = True
            self.found.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("h1", "h2"):
            self.inside = False

    def handle_data(self, data: str) -> None:
        if self.inside:
            self.found[-1] += data


def needed() -> None:
    lacking = [t for t in ("chromium", "pdftotext", "pdfinfo") if not shutil.which(t)]
    if lacking:
        if os.environ.get("PLAINT_REQUIRE_BROWSER") == "1":
            pytest.fail(f"PLAINT_REQUIRE_BROWSER=1 but {lacking} not on PATH")
        pytest.skip(f"{lacking} not on PATH (apt-get install chromium poppler-utils)")


def words(text: str) -> str:
    return " ".join(text.split())


def pdf_info(pdf: Path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True,
                         check=True).stdout  # fmt: skip
    pairs = (line.partition(":") for line in out.splitlines())
    return {key.strip(): value.strip() for key, _, value in pairs}


def test_each_report_prints_to_a_tagged_pdf_with_every_section_and_running_header(
    environ: dict[str, str], tmp_path: Path
) -> None:
    needed()
    run = pinned(str(tmp_path / "ledger.sqlite"), environ, tmp_path)
    run.ok("team", "add", "cat", "--role", "compliance")
    a_story(run)
    run.ok("confidential", "C-1", "--allow", "compliance", actor="lee")
    run.ok("show", "C-1", actor="cat")
    ledger_id = run.open().ledger_id
    for name, args in REPORTS.items():
        actor = "cat" if name == "access" else "ann"
        html, pdf = tmp_path / f"{name}.html", tmp_path / f"{name}.pdf"
        run.ok("report", *args, "-o", str(html), actor=actor)
        assert run.ok("report", *args, "-o", str(pdf), actor=actor) == f"Wrote {pdf}\n"
        info = pdf_info(pdf)
        assert info["Tagged"] == "yes", name
        assert "(A4)" in info["Page size"], name
        assert 1 <= int(info["Pages"]) <= 12, (name, info["Pages"])
        text = words(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True,
                                    text=True, check=True).stdout)  # fmt: skip
        parser = Headings()
        parser.feed(html.read_text())
        assert len(parser.found) >= 2, name
        for heading in parser.found:
            assert words(heading) in text, (name, heading)
        # pdftotext spaces the margin boxes' text its own way.
        squeezed = text.replace(" ", "")
        assert f"Ledger{ledger_id}\N{MIDDLE DOT}events1\N{EN DASH}" in squeezed, name
        assert squeezed.count(f"of{info['Pages']}") == int(info["Pages"]), name
        assert f"Page1of{info['Pages']}" in squeezed, name
    letter = tmp_path / "letter.pdf"
    run.ok("report", "warnings", "--paper", "letter", "-o", str(letter))
    assert "(letter)" in pdf_info(letter)["Page size"]


@pytest.mark.parametrize("how", ["PATH", "PLAINT_CHROMIUM"])
def test_without_a_browser_a_pdf_is_refused_in_one_line_and_nothing_is_written(
    sqlite_plaint: Plaint, tmp_path: Path, how: str
) -> None:
    sqlite_plaint.ok("file", "--project", "P", "--channel", "web",
                     "--severity", "mild", "--summary", "Slow")  # fmt: skip
    empty = tmp_path / "no-browser-here"
    empty.mkdir()
    if how == "PATH":
        sqlite_plaint.environ["PATH"] = str(empty)
        expected = f"Error: {INSTALL}"
    else:
        sqlite_plaint.environ["PLAINT_CHROMIUM"] = str(empty / "chromium")
        expected = (f"Error: PLAINT_CHROMIUM={empty / 'chromium'} is not a program; "
                    f"{INSTALL}")  # fmt: skip
    before = events(sqlite_plaint)
    pdf = tmp_path / "warnings.pdf"
    result = sqlite_plaint("report", "warnings", "-o", str(pdf))
    assert (result.exit_code, error_line(result.stderr)) == (1, expected)
    assert not pdf.exists()
    assert list(tmp_path.glob(".warnings.pdf.*")) == []
    assert events(sqlite_plaint) == before
    assert re.fullmatch(r"Error: .*\n", result.stderr)


FAKE_CHROMIUM = """#!{python}
import json, os, sys
from pathlib import Path
from urllib.parse import unquote, urlsplit
target = next(a.split("=", 1)[1] for a in sys.argv if a.startswith("--print-to-pdf="))
page = Path(unquote(urlsplit(sys.argv[-1]).path)).read_text()
Path({record!r}).write_text(json.dumps(
    {{"environ": dict(os.environ), "argv": sys.argv[1:], "page": page}}
))
Path(target).write_bytes(b"%PDF-1.4\\n%%EOF\\n")
"""


def test_chromium_gets_no_secrets_no_network_and_its_sandbox_unless_root(
    sqlite_plaint: Plaint, tmp_path: Path
) -> None:
    sqlite_plaint.ok("file", "--project", "P", "--channel", "web",
                     "--severity", "mild", "--summary", "Slow")  # fmt: skip
    record = tmp_path / "chromium.json"
    fake = tmp_path / "fake-chromium"
    fake.write_text(FAKE_CHROMIUM.format(python=sys.executable, record=str(record)))
    fake.chmod(0o755)
    sqlite_plaint.environ.update(
        PLAINT_CHROMIUM=str(fake), PLAINT_SMTP_PASSWORD="hunter2",
        LANG="C.UTF-8", TZ="Europe/Paris", AWS_SECRET_ACCESS_KEY="x",
    )  # fmt: skip
    pdf = tmp_path / "lessons.pdf"
    sqlite_plaint.ok("report", "lessons", "--project", "P", "-o", str(pdf))
    assert pdf.read_bytes().startswith(b"%PDF-")
    seen = json.loads(record.read_text())
    environ, argv = seen["environ"], seen["argv"]
    assert set(environ) == {"PATH", "HOME", "LANG", "TZ"}
    assert (environ["LANG"], environ["TZ"]) == ("C.UTF-8", "Europe/Paris")
    assert environ["HOME"] != os.environ.get("HOME")
    assert ("--no-sandbox" in argv) == (os.geteuid() == 0)
    assert "--proxy-server=127.0.0.1:9" in argv
    assert "--proxy-bypass-list=<-loopback>" in argv
    assert "--host-resolver-rules=MAP * ~NOTFOUND" in argv
    assert (
        '<meta http-equiv="Content-Security-Policy" content="default-src '
        "'none'; style-src 'unsafe-inline'; img-src data:\">" in seen["page"]
    )
