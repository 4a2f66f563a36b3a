"""Printing a report to PDF through headless Chromium (Debian's `chromium`).

The page is the same self-contained HTML `-o FILE.html` writes, with the
paper size set; its print stylesheet lays out the pages, and Chromium's
CSS margin boxes carry the running header (report, ledger id, events
covered) and the page numbers. Chromium tags the PDF (its structure, for
screen readers) and `--generate-pdf-document-outline` adds bookmarks from
the headings. A subprocess: the CLI loads no browser library of its own.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

import click

BROWSER_VARIABLE = "PLAINT_CHROMIUM"
BROWSERS = ("chromium", "chromium-browser", "google-chrome")
PAPERS = {"a4": "A4", "letter": "letter"}
TIMEOUT = 120  # seconds; a report prints in one or two
INSTALL = (
    "printing to PDF needs Chromium: install it (Debian, Ubuntu: "
    "apt-get install chromium) or name its program in PLAINT_CHROMIUM"
)


def wants_pdf(output: Path | None) -> bool:
    """Whether `-o` names a PDF file."""
    return output is not None and output.suffix.lower() == ".pdf"


def browser(environ: Mapping[str, str]) -> str:
    """The Chromium program to print with: PLAINT_CHROMIUM, or the first of
    BROWSERS on PATH; one `Error:` line saying how to install it if none."""
    path = environ.get("PATH")
    named = environ.get(BROWSER_VARIABLE)
    for name in (named,) if named else BROWSERS:
        found = shutil.which(name, path=path)
        if found is not None:
            return found
    if named:
        raise click.ClickException(f"{BROWSER_VARIABLE}={named} is not a program; "
                                   f"{INSTALL}")  # fmt: skip
    raise click.ClickException(INSTALL)


# What Chromium is given of the environment: enough to find its own parts
# and to print in the user's language and time zone; never the secrets
# (PLAINT_SMTP_PASSWORD, keys) the rest of the environment may hold.
PASSED = ("PATH", "LANG", "LC_ALL", "TZ")

# Chromium may reach nothing while printing: every request goes to a proxy
# that is not there (the discard port), loopback included, and no name
# resolves. The page is self-contained, and its CSP says so too.
OFFLINE = (
    "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
    "--host-resolver-rules=MAP * ~NOTFOUND",
)  # fmt: skip


def browser_environment(environ: Mapping[str, str], home: str) -> dict[str, str]:
    """Chromium's environment: PASSED from `environ`, and `home` as HOME
    (where it leaves caches and crash reports)."""
    return {**{k: environ[k] for k in PASSED if k in environ}, "HOME": home}


def sandboxing() -> list[str]:
    """Chromium's sandbox stays on, except as root, where it refuses to
    start with it (and root has nothing to sandbox from anyway)."""
    return ["--no-sandbox"] if os.geteuid() == 0 else []


def print_pdf(program: str, page: str, environ: Mapping[str, str]) -> bytes:
    """The PDF that Chromium (`program`) prints of the HTML `page`."""
    with tempfile.TemporaryDirectory(prefix="plaint-pdf-") as folder:
        where = Path(folder)
        source, target = where / "report.html", where / "report.pdf"
        source.write_text(page, encoding="utf-8")
        command = [
            program, "--headless", *sandboxing(), *OFFLINE, "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--disable-extensions", "--no-pdf-header-footer",
            f"--user-data-dir={where / 'profile'}", f"--print-to-pdf={target}",
            "--generate-pdf-document-outline", source.as_uri(),
        ]  # fmt: skip
        try:
            run = subprocess.run(
                command,
                capture_output=True,
                text=True,
                timeout=TIMEOUT,
                env=browser_environment(environ, folder),
                check=False,
            )
        except OSError as error:
            raise click.ClickException(
                f"cannot run {program}: {error.strerror}; {INSTALL}"
            ) from None
        except subprocess.TimeoutExpired:
            raise click.ClickException(
                f"{program} did not print the report within {TIMEOUT} seconds"
            ) from None
        printed = target.read_bytes() if target.exists() else b""
        if run.returncode != 0 or not printed.startswith(b"%PDF-"):
            said = [line for line in run.stderr.splitlines() if line.strip()]
            raise click.ClickException(
                f"{program} could not print the report (exit {run.returncode})"
                + (f": {said[-1][:200]}" if said else "")
            )
        return printed
