"""The customer's view of the numbers in the lessons and warnings reports:
repeat contacts (matched inside the ledger, never shown), service recovery
and praise beside complaints."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from ledger.errors import LedgerError
from tests.conftest import Plaint
from tests.e2e.test_reports import later, pinned

JANE = "Jane@Example.com "


def test_repeat_contacts_count_customers_back_within_30_days_and_show_no_contact(
    backend: str, environ: dict[str, str], tmp_path: Path
) -> None:
    run = pinned(backend, environ, tmp_path)

    def complaint(
        contact: str, severity: str = "mild", project: str = "Apollo"
    ) -> None:
        run.ok("file", "--project", project, "--channel", "email", "--severity",
               severity, "--summary", "Slow", "--contact", contact,
               actor="bob")  # fmt: skip

    complaint(JANE)  # C-1
    later(run, days=10)
    complaint("jane@example.com")  # C-2: Jane again within 30 days, a repeat
    complaint("jane@example.com", project="Borealis")  # C-3: another project
    complaint("omar@example.com", severity="positive")  # C-4: praise
    later(run, days=5)
    complaint("omar@example.com")  # C-5: praise before is no complaint
    later(run, days=40)
    complaint("jane@example.com")  # C-6: more than 30 days after C-2
    later(run, days=3)
    complaint("+44 20 7946 0000")  # C-7
    complaint("+44 (20) 7946-0000")  # C-8: the same phone, a repeat
    lessons = json.loads(run.ok("report", "lessons", "--project", "Apollo", "--json"))
    repeat = lessons["repeat"]
    assert (repeat["complaints"], repeat["repeats"], repeat["customers"]) == (6, 2, 2)
    assert [(m["month"], m["complaints"], m["repeats"]) for m in repeat["months"]] == [
        ("2026-03", 3, 1), ("2026-04", 3, 1),
    ]  # fmt: skip
    assert lessons["praise"]["praise"] == 1
    assert lessons["praise"]["complaints"] == 6
    page = tmp_path / "lessons.html"
    run.ok("report", "lessons", "--project", "Apollo", "-o", str(page))
    shown = page.read_text() + json.dumps(lessons)
    for contact in ("example.com", "7946", "Jane", "jane"):
        assert contact not in shown, contact
    run.ok("erase", "C-8", "--reason", "asked to be forgotten")
    after = json.loads(run.ok("report", "lessons", "--project", "Apollo", "--json"))
    assert (after["repeat"]["repeats"], after["repeat"]["unknown"]) == (1, 1)
    warnings = json.loads(run.ok("report", "warnings", "--json"))
    apollo = next(p for p in warnings["projects"] if p["project"] == "Apollo")
    assert (apollo["customers"]["repeats"], apollo["customers"]["praise"]) == (1, 1)


def test_service_recovery_sets_severe_or_escalated_complaints_against_the_rest(
    backend: str, environ: dict[str, str], tmp_path: Path
) -> None:
    run = pinned(backend, environ, tmp_path)
    for number, (severity, escalate, score) in enumerate(
        [("severe", False, "2"), ("mild", True, "4"), ("mild", False, "5"),
         ("moderate", False, "5")], start=1,
    ):  # fmt: skip
        run.ok("file", "--project", "Apollo", "--channel", "web", "--severity",
               severity, "--summary", "Broken", actor="bob")  # fmt: skip
        ref = f"C-{number}"
        run.ok("ack", ref, actor="bob")
        if escalate:
            run.ok("escalate", ref, "--to", "ann", "--reason", "angry", actor="lee")
        run.ok("resolve", ref, "--resolution", "Fixed", actor="ann")
        run.ok("survey", ref, "--score", score, actor="bob")
    lessons = json.loads(run.ok("report", "lessons", "--project", "Apollo", "--json"))
    satisfaction = lessons["satisfaction"]
    assert satisfaction["recovery"] == [
        {"label": "severe or escalated", "count": 2, "mean": 3.0, "value": 3.0},
        {"label": "all other complaints", "count": 2, "mean": 5.0, "value": 5.0},
    ]
    assert satisfaction["recovery_gap"] == -2.0


def test_customer_pseudonyms_match_within_one_report_and_mean_nothing_outside_it(
    sqlite_plaint: Plaint,
) -> None:
    for contact in (JANE, "jane@example.com", "omar@example.com"):
        sqlite_plaint.ok("file", "--project", "Apollo", "--channel", "email",
                         "--severity", "mild", "--summary", "Slow",
                         "--contact", contact)  # fmt: skip
    refs = ["C-1", "C-2", "C-3"]
    ledger = sqlite_plaint.open()
    try:
        first, second = (
            ledger.customer_pseudonyms(refs),
            ledger.customer_pseudonyms(refs),
        )
    finally:
        ledger.close()
    assert first["C-1"] == first["C-2"] != first["C-3"]
    assert set(first.values()).isdisjoint(second.values())  # a key per report
    plain = hashlib.sha256(b"contact:jane@example.com").hexdigest()
    assert plain not in first.values()
    stranger = sqlite_plaint.open(actor="mallory")
    try:
        with pytest.raises(LedgerError):
            stranger.customer_pseudonyms(refs)
    finally:
        stranger.close()
