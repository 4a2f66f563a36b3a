"""`plaint report access`: who read, exported or was refused each confidential
complaint, for compliance, auditors and admins, without a word of its text."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

from ledger.domain.identity import PASSWORD, Identity
from ledger.domain.timeutil import ManualClock, iso, system_clock
from tests.conftest import Plaint

CANARY = "CANARY-ACCESS-8c4f"


def confidential(plaint: Plaint, *, count: int = 1, owner: str = "lee") -> None:
    """`count` complaints filed and owned by `owner`, each with the canary in
    every text field, confidential to the compliance role; cat is compliance.
    The clock stands still from here, so reports are comparable."""
    plaint.clock = ManualClock(system_clock())
    plaint.environ["USER"] = "host-of-the-run"
    plaint.ok("team", "add", "cat", "--role", "compliance")
    for _ in range(count):
        plaint.ok("file", "--project", "HR", "--channel", "email", "--severity",
                  "severe", "--summary", f"{CANARY} summary", "--detail",
                  f"{CANARY} detail", "--customer", f"{CANARY} customer",
                  "--contact", f"{CANARY}@example.org", "--source",
                  f"{CANARY} source", actor=owner)  # fmt: skip
    for number in range(1, count + 1):
        plaint.ok("note", f"C-{number}", f"{CANARY} note", actor=owner)
        plaint.ok("confidential", f"C-{number}", "--allow", "compliance",
                  "--reason", f"{CANARY} reason", actor="lee")  # fmt: skip


def later(plaint: Plaint, **delta: float) -> None:
    assert isinstance(plaint.clock, ManualClock)
    plaint.clock.now += timedelta(**delta)


def report(plaint: Plaint, *args: str, actor: str = "cat") -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        plaint.ok("report", "access", *args, "--json", actor=actor)
    )
    return data


def trail(data: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Every access in the report: complaint, member and action."""
    return [
        (c["ref"], e["member"], e["action"])
        for c in data["complaints"]
        for e in c["events"]
    ]


def test_a_refusal_appears_in_the_access_report(plaint: Plaint) -> None:
    confidential(plaint)
    assert plaint("show", "C-1", actor="bob").exit_code == 1
    data = report(plaint)
    [complaint] = data["complaints"]
    assert complaint["events"] == [{
        "at": iso(plaint.clock()), "member": "bob", "action": "refused",
        "purpose": "show", "host_user": "host-of-the-run", "role": "agent",
        "proof": "claimed", "verified": False,
    }]  # fmt: skip
    assert complaint["by_member"] == [
        {"member": "bob", "read": 0, "export": 0, "refused": 1}
    ]
    [refused] = data["anomalies"]["refused"]
    assert (refused["member"], refused["refused"]) == ("bob", 1)
    assert refused["refused_refs"] == ["C-1"]
    assert data["counts"]["refused"] == 1


def test_an_allowed_members_read_appears_with_who_may_read_it(
    plaint: Plaint,
) -> None:
    confidential(plaint)
    plaint.ok("show", "C-1", actor="cat")
    later(plaint, seconds=1)  # accesses at the same moment are in no set order
    plaint.ok("history", "C-1", "--json", actor="cat")
    later(plaint, seconds=1)
    plaint.ok("show", "C-1", actor="lee")
    data = report(plaint)
    [complaint] = data["complaints"]
    assert complaint["owner"] == "lee"
    assert [(e["member"], e["action"], e["purpose"], e["role"])
            for e in complaint["events"]] == [
        ("cat", "read", "show", "compliance"),
        ("cat", "export", "history", "compliance"),
        ("lee", "read", "show", "lead"),
    ]  # fmt: skip
    [grant] = complaint["grants"]
    assert (grant["grantee"], grant["is_role"], grant["members"]) == (
        "compliance", True, ["cat"]
    )  # fmt: skip
    assert (grant["granted_by"], grant["revoked_at"]) == ("lee", None)
    assert data["counts"] == {"complaints": 1, "read": 2, "export": 1,
                              "refused": 0, "members": 2, "flagged": 0,
                              "verified": 0, "claimed": 3}  # fmt: skip


def test_revoking_stops_the_next_read_and_the_refusal_appears(
    plaint: Plaint,
) -> None:
    confidential(plaint)
    later(plaint, minutes=1)
    plaint.ok("grant", "C-1", "bob", "--reason", "covers for lee", actor="lee")
    plaint.ok("show", "C-1", actor="bob")
    later(plaint, minutes=1)
    plaint.ok("revoke", "C-1", "bob", actor="lee")
    assert plaint("show", "C-1", actor="bob").exit_code == 1
    data = report(plaint)
    assert trail(data) == [("C-1", "bob", "read"), ("C-1", "bob", "refused")]
    revoked = [g for g in data["complaints"][0]["grants"] if g["grantee"] == "bob"]
    assert revoked[0]["revoked_by"] == "lee"
    changes = [(t["change"], t["who"], t["ref"]) for t in data["trail"]]
    assert changes[-3:] == [
        ("access granted", "compliance", "C-1"),
        ("access granted", "bob", "C-1"),
        ("access revoked", "bob", "C-1"),
    ]
    assert ("member added", "cat", None) in changes


def test_the_anomaly_list_flags_a_member_reading_several_complaints_they_do_not_own(
    plaint: Plaint, tmp_path: Path
) -> None:
    confidential(plaint, count=3)
    for number in (1, 2, 3):
        plaint.ok("show", f"C-{number}", actor="cat")
        plaint.ok("show", f"C-{number}", actor="lee")  # the owner: never flagged
    plaint.ok("grant", "C-1", "bob", actor="lee")
    plaint.ok("grant", "C-2", "bob", actor="lee")
    plaint.ok("show", "C-1", actor="bob")
    plaint.ok("show", "C-2", actor="bob")  # two: under the threshold
    data = report(plaint)
    assert data["threshold"] == 3
    [wide] = data["anomalies"]["wide"]
    assert (wide["member"], wide["role"]) == ("cat", "compliance")
    assert wide["not_owned"] == ["C-1", "C-2", "C-3"]
    assert data["anomalies"]["refused"] == []
    page = tmp_path / "access.html"
    plaint.ok("report", "access", "-o", str(page), actor="aud")
    html = page.read_text()
    assert "Read or exported at least <strong>3</strong> different" in html
    assert "1 flagged" in html


def test_only_compliance_auditors_and_admins_may_run_the_access_report(
    plaint: Plaint, tmp_path: Path
) -> None:
    confidential(plaint)
    page = tmp_path / "access.html"
    for member, role in (("bob", "agent"), ("lee", "lead")):
        for output in (["--json"], ["-o", str(page)]):
            result = plaint("report", "access", *output, actor=member)
            assert result.exit_code == 1
            assert result.stdout == ""
            assert result.stderr == (
                f"Error: {member} is {role} and may not generate the access "
                "report: that needs the role compliance, auditor or admin\n"
            )
    assert list(tmp_path.glob("*.html*")) == []
    for member in ("cat", "aud", "ann"):
        assert report(plaint, actor=member)["header"]["generated_by"] == member


def test_neither_the_page_nor_the_json_holds_any_complaint_text(
    plaint: Plaint, tmp_path: Path
) -> None:
    confidential(plaint, count=2)
    plaint.ok("show", "C-1", actor="cat")
    plaint("show", "C-2", actor="bob")
    plaint.ok("grant", "C-2", "bob", "--reason", f"{CANARY} grant", actor="lee")
    plaint.ok("revoke", "C-2", "bob", "--reason", f"{CANARY} revoke", actor="lee")
    seen = ""
    for member in ("cat", "ann"):
        page = tmp_path / f"{member}.html"
        assert plaint.ok("report", "access", "-o", str(page), actor=member) == (
            f"Wrote {page}\n"
        )
        seen += page.read_text()
        seen += plaint.ok("report", "access", "--json", actor=member)
        seen += plaint.ok("report", "access", "--complaint", "C-2", "--json",
                          actor=member)  # fmt: skip
    assert "C-1" in seen
    assert "C-2" in seen
    assert CANARY not in seen
    assert CANARY.lower() not in seen.lower()


def test_generating_the_access_report_records_the_run_but_no_access(
    plaint: Plaint,
) -> None:
    confidential(plaint)
    first = report(plaint)
    second = report(plaint)
    assert trail(first) == trail(second) == []
    assert first["counts"] == second["counts"]


def test_since_and_complaint_narrow_the_report(plaint: Plaint) -> None:
    confidential(plaint, count=2)
    plaint.ok("show", "C-1", actor="cat")
    later(plaint, days=1)
    cut = iso(plaint.clock())
    assert cut is not None
    plaint.ok("show", "C-2", actor="cat")
    plaint("show", "C-1", actor="bob")
    assert trail(report(plaint, "--since", cut)) == [
        ("C-1", "bob", "refused"), ("C-2", "cat", "read"),
    ]  # fmt: skip
    assert [t["change"] for t in report(plaint, "--since", cut)["trail"]] == []
    only = report(plaint, "--complaint", "c-1")
    assert only["complaint"] == "C-1"
    assert only["header"]["title"] == "Access review of C-1"
    assert trail(only) == [("C-1", "cat", "read"), ("C-1", "bob", "refused")]
    plaint.ok("file", "--project", "HR", "--channel", "web", "--severity", "mild",
              "--summary", "open to all", actor="lee")  # fmt: skip
    for ref, error in (
        ("C-3", "C-3 is not confidential: everyone in the team may read it, so "
                "its reads are not recorded"),
        ("C-9", "no complaint C-9 in this ledger"),
    ):  # fmt: skip
        result = plaint("report", "access", "--complaint", ref, "--json", actor="cat")
        assert result.exit_code == 2
        assert result.stderr.splitlines()[-1] == f"Error: {error}"


def test_the_access_trail_is_the_same_after_a_projections_rebuild(
    plaint: Plaint,
) -> None:
    confidential(plaint, count=3)
    later(plaint, minutes=1)
    plaint.ok("team", "role", "bob", "lead")
    later(plaint, minutes=1)
    plaint.ok("show", "C-1", actor="cat")
    plaint("show", "C-2", actor="bob")
    plaint.ok("grant", "C-2", "bob", actor="lee")
    plaint.ok("history", "C-2", "--json", actor="bob")
    plaint.ok("revoke", "C-2", "bob", actor="lee")
    later(plaint, minutes=1)
    plaint.ok("team", "role", "bob", "agent")
    before = report(plaint)
    plaint.ok("projections", "rebuild")
    after = report(plaint)
    del before["header"], after["header"]
    assert after == before
    assert len(trail(before)) == 3
    assert [e["role"] for e in before["complaints"][1]["events"]] == ["lead", "lead"]


def test_an_erased_confidential_complaint_is_shown_erased(plaint: Plaint) -> None:
    confidential(plaint, count=2)
    plaint.ok("erase", "C-2", "--reason", "asked to")
    erased = {c["ref"]: c["erased"] for c in report(plaint)["complaints"]}
    assert erased == {"C-1": False, "C-2": True}


def test_the_report_tells_verified_identities_from_claimed_ones(
    plaint: Plaint,
) -> None:
    confidential(plaint)
    plaint.ok("show", "C-1", actor="cat")
    later(plaint, seconds=1)
    ledger = plaint.open("ann", plaint.clock)
    try:
        with ledger.acting(Identity("lee", PASSWORD, "192.0.2.7")):
            ledger.show("C-1")
    finally:
        ledger.close()
    data = report(plaint)
    [complaint] = data["complaints"]
    assert [(e["member"], e["proof"], e["verified"]) for e in complaint["events"]] == [
        ("cat", "claimed", False), ("lee", "password", True)]  # fmt: skip
    assert (data["counts"]["claimed"], data["counts"]["verified"]) == (1, 1)
    [flagged] = data["anomalies"]["claimed"]
    assert (flagged["member"], flagged["claimed"], flagged["total"]) == ("cat", 1, 1)
    html = plaint.home / "access.html"
    plaint.ok("report", "access", "-o", str(html), actor="cat")
    page = html.read_text()
    assert "Claimed identities" in page
    assert "192.0.2.7" not in page


def test_a_fresh_process_reads_records_whose_classes_it_has_not_imported(
    plaint: Plaint,
) -> None:
    """The access records' stored topics name the module they were first
    written from; a process that has only opened the ledger resolves them."""
    confidential(plaint)
    assert plaint("show", "C-1", actor="bob").exit_code == 1
    done = subprocess.run(
        [sys.executable, "-c", "import commands; commands.main()", "--ledger",
         plaint.ledger, "--as", "cat", "report", "access", "--json"],
        env=plaint.environ, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["counts"]["refused"] == 1
