"""Bulk intake through `plaint import`: checked first, atomic batches, never twice."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ledger.cases import importing
from ledger.domain.timeutil import parse_time
from ledger.sources.records import Defaults, Record, read_source
from tests.conftest import Plaint

FILED = "ledger.complaint:Complaint.Filed"
HEADER = "Project,Channel,Severity,Summary,Received_At,External_ID,Customer\n"

MESSAGE = """\
From: Jo Bloggs <jo@example.org>
To: support@example.com
Subject: {subject}
Date: Sun, 01 Mar 2026 14:30:00 +0000
{message_id}Content-Type: text/plain; charset=utf-8

The portal times out every morning.
"""


def calls(path: Path, rows: int, bad: int | None = None) -> Path:
    lines = [HEADER]
    for n in range(1, rows + 1):
        channel = "fax" if n == bad else "phone"
        lines.append(f"Apollo,{channel},mild,Call {n},2026-03-01T10:00,P-{n},Jo {n}\n")
    path.write_text("".join(lines), encoding="utf-8")
    return path


def imported(plaint: Plaint) -> list[str]:
    return [r["ref"] for r in json.loads(plaint.ok("list", "--json"))]


def test_importing_the_same_file_twice_files_each_complaint_once(
    plaint: Plaint,
) -> None:
    source = calls(plaint.home / "calls.csv", 250)
    first = json.loads(plaint.ok("import", str(source), "--json", actor="bob"))
    assert first == {"imported": 250, "skipped": 0, "rejected": []}
    again = json.loads(plaint.ok("import", str(source), "--json", actor="bob"))
    assert again == {"imported": 0, "skipped": 250, "rejected": []}
    assert imported(plaint) == [f"C-{n}" for n in range(1, 251)]
    shown = json.loads(plaint.ok("show", "C-7", "--json"))
    assert (shown["summary"], shown["customer"], shown["external_id"]) == (
        "Call 7", "Jo 7", "P-7",
    )  # fmt: skip
    assert shown["received_at"] == "2026-03-01T10:00:00Z"


def test_one_invalid_row_stops_the_import_unless_skipped(plaint: Plaint) -> None:
    source = calls(plaint.home / "calls.csv", 5, bad=3)
    result = plaint("import", str(source), "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["rejected"] == [{
        "where": "line 4",
        "reason": "channel 'fax' is not one of email, phone, web, chat, meeting, "
                  "survey, social, internal, other",
    }]  # fmt: skip
    assert result.stderr.strip() == (
        "Error: 1 record is invalid, so nothing was imported: fix them, or import "
        "the valid ones with --skip-invalid"
    )
    assert imported(plaint) == []
    dry = json.loads(
        plaint.ok("import", str(source), "--skip-invalid", "--dry-run", "--json")
    )
    assert (dry["imported"], dry["skipped"]) == (4, 0)
    assert imported(plaint) == []
    plaint.ok("import", str(source), "--skip-invalid")
    assert len(imported(plaint)) == 4


def test_emails_are_imported_once_by_message_id_or_else_by_content(
    plaint: Plaint,
) -> None:
    inbox = plaint.home / "inbox"
    inbox.mkdir()
    with_id = MESSAGE.format(subject="Slow", message_id="Message-ID: <a1@ex.org>\n")
    (inbox / "a.eml").write_text(with_id)
    (inbox / "b.eml").write_text(MESSAGE.format(subject="No id", message_id=""))
    command = ["import", str(inbox), "--project", "Apollo", "--json"]
    assert json.loads(plaint.ok(*command))["imported"] == 2
    assert json.loads(plaint.ok(*command)) == {
        "imported": 0,
        "skipped": 2,
        "rejected": [],
    }
    shown = json.loads(plaint.ok("show", "C-1", "--json"))
    fields = ("channel", "severity", "customer", "contact")
    assert [shown[f] for f in fields] == [
        "email",
        "mild",
        "Jo Bloggs",
        "jo@example.org",
    ]


REAL_MAIL = b"""\
From ann@example.com Mon Mar  2 09:00:00 2026
From: Ann <ann@example.com>
Message-ID: <r1@ex.org>

The portal is down again.

From bob@example.com Mon Mar  2 10:00:00 2026
From: bob@example.com
Received: by mx.example.org; Mon, 2 Mar 2026 10:05:00 +0000
Subject: =?x-unknown?q?Caf=E9?=
Date: Fri, 31 Dec 9999 23:59:59 +0000
Content-Type: text/plain; charset=x-bogus

Caf\xe9 closed.
"""


def test_real_mail_without_subject_or_date_is_imported_saying_where_its_time_came_from(
    plaint: Plaint,
) -> None:
    inbox, undated = plaint.home / "inbox.mbox", plaint.home / "undated.eml"
    inbox.write_bytes(REAL_MAIL)
    undated.write_bytes(b"From: cy@example.com\n\nHello?\n")
    command = ["import", str(inbox), str(undated), "--project", "Apollo", "--json"]
    before = datetime.now(UTC)
    assert json.loads(plaint.ok(*command)) == {
        "imported": 3, "skipped": 0, "rejected": [],
    }  # fmt: skip
    assert json.loads(plaint.ok(*command))["skipped"] == 3
    shown = [json.loads(plaint.ok("show", f"C-{n}", "--json")) for n in (1, 2, 3)]
    fields = ("summary", "detail", "received_at", "source")
    assert [[one[f] for f in fields] for one in shown] == [
        ["The portal is down again.", "The portal is down again.",
         "2026-03-02T09:00:00Z",
         "Message-ID <r1@ex.org>; received_at from the mbox From line"],
        ["Caf\ufffd", "Caf\u00e9 closed.", "2026-03-02T10:00:00Z",
         "received_at from the mbox From line"],
        ["Hello?", "Hello?", shown[2]["received_at"],
         "received_at from the import (the message has no usable date)"],
    ]  # fmt: skip
    assert before <= parse_time(shown[2]["received_at"]) <= datetime.now(UTC)


class PowerCut(Exception):
    pass


def test_an_import_cut_short_is_completed_by_running_it_again(
    plaint: Plaint, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = calls(plaint.home / "calls.csv", 350)
    batches = []
    real = importing.ImportCases._import_batch

    def dies_on_the_third(
        self: importing.ImportCases, *args: object
    ) -> tuple[int, int]:
        batches.append(1)
        if len(batches) == 3:
            raise PowerCut
        return real(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(importing, "BATCH_SIZE", 100)
    monkeypatch.setattr(importing.ImportCases, "_import_batch", dies_on_the_third)
    with pytest.raises(PowerCut):
        plaint("import", str(source))
    monkeypatch.undo()
    assert len(imported(plaint)) == 200
    again = json.loads(plaint.ok("import", str(source), "--json"))
    assert again == {"imported": 150, "skipped": 200, "rejected": []}
    assert imported(plaint) == [f"C-{n}" for n in range(1, 351)]


def test_two_importers_of_one_file_at_once_file_each_complaint_once(
    plaint: Plaint,
) -> None:
    source = calls(plaint.home / "calls.csv", 300)
    command = [sys.executable, "-c", "from commands import main; main()",
               "--ledger", plaint.ledger, "--as", "bob",
               "import", str(source), "--json"]  # fmt: skip
    pipe = subprocess.PIPE
    runs = [
        subprocess.Popen(
            command, env=plaint.environ, stdout=pipe, stderr=pipe, text=True
        )
        for _ in range(2)
    ]
    outputs = [r.communicate(timeout=120) for r in runs]
    assert [r.returncode for r in runs] == [0, 0], outputs
    totals = [json.loads(out) for out, _ in outputs]
    assert sum(t["imported"] for t in totals) == 300
    assert imported(plaint) == [f"C-{n}" for n in range(1, 301)]


def filed_in(database: str) -> int:
    """Complaints committed to a SQLite ledger, read beside the writer."""
    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as db:
        db.execute("PRAGMA busy_timeout = 5000")
        (count,) = db.execute(
            "SELECT COUNT(*) FROM stored_events WHERE topic = ?", (FILED,)
        ).fetchone()
    return int(count)


def test_an_import_killed_after_two_batches_is_completed_by_a_rerun(
    sqlite_plaint: Plaint,
) -> None:
    run, rows = sqlite_plaint, 20 * importing.BATCH_SIZE
    source = calls(run.home / "calls.csv", rows)
    command = [sys.executable, "-c", "from commands import main; main()",
               "--ledger", run.ledger, "--as", "bob",
               "import", str(source)]  # fmt: skip
    importer = subprocess.Popen(command, env=run.environ, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while filed_in(run.ledger) < 2 * importing.BATCH_SIZE:
        assert importer.poll() is None, "the import ended before it was killed"
        assert time.monotonic() < deadline, "two batches took over two minutes"
        time.sleep(0.01)
    importer.send_signal(signal.SIGKILL)
    importer.wait()
    committed = filed_in(run.ledger)
    # Whole batches only, and the kill came before the end.
    assert committed % importing.BATCH_SIZE == 0, committed
    assert 2 * importing.BATCH_SIZE <= committed < rows
    done = json.loads(run.ok("import", str(source), "--json", actor="bob"))
    assert done == {"imported": rows - committed, "skipped": committed,
                    "rejected": []}  # fmt: skip
    info = json.loads(run.ok("info", "--json"))
    assert info["complaints"] == rows
    assert imported(run) == [f"C-{n}" for n in range(1, rows + 1)]
    assert json.loads(run.ok("verify", "--json"))["ok"]


def test_what_was_checked_is_held_for_the_import_unless_it_is_large(
    plaint: Plaint, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = calls(plaint.home / "calls.csv", 30)
    reads: list[int] = []

    def rows_from(first_line: int) -> Callable[[], Iterator[Record]]:
        def read() -> Iterator[Record]:
            reads.append(first_line)
            for record in read_source(source, "csv", Defaults()):
                if int(record.where.removeprefix("line ")) >= first_line:
                    yield record

        return read

    ledger = plaint.open()
    assert ledger.import_records(rows_from(22))["imported"] == 10
    assert reads == [22]
    monkeypatch.setattr(importing, "HOLD_BYTES", 2000)  # about three records
    assert ledger.import_records(rows_from(2))["imported"] == 20
    assert reads == [22, 2, 2]
    ledger.close()
    assert len(imported(plaint)) == 30
