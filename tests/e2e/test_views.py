"""Listings, the overdue list and the sweep, through the real CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from tests.conftest import Plaint

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def three_complaints(plaint: Plaint) -> None:
    plaint.clock = lambda: NOW
    plaint.ok("team", "add", "kim", "--role", "manager")
    plaint.ok("policy", "set", "--channel", "*", "--severity", "*", "--owner", "bob",
              "--ack", "1d", "--respond", "2d", "--resolve", "2w",
              "--escalate-to", "kim")  # fmt: skip
    for project, channel, severity, received in (
        ("Apollo", "email", "severe", "2026-03-01T09:00"),
        ("Apollo", "phone", "mild", "2026-03-09T09:00"),
        ("Zeus", "web", "positive", "2026-03-10T09:00"),
    ):
        plaint.ok("file", "--project", project, "--channel", channel,
                  "--severity", severity, "--summary", "s",
                  "--received-at", received, actor="bob")  # fmt: skip
    plaint.ok("ack", "C-1", actor="bob")


def test_list_json_has_the_documented_shape_and_order(plaint: Plaint) -> None:
    three_complaints(plaint)
    listed = json.loads(plaint.ok("list", "--json"))
    assert listed == [
        {"ref": "C-1", "project": "Apollo", "channel": "email", "severity": "severe",
         "status": "acknowledged", "owner": "bob",
         "received_at": "2026-03-01T09:00:00Z", "overdue": ["respond"]},
        {"ref": "C-2", "project": "Apollo", "channel": "phone", "severity": "mild",
         "status": "received", "owner": "bob",
         "received_at": "2026-03-09T09:00:00Z", "overdue": ["ack"]},
        {"ref": "C-3", "project": "Zeus", "channel": "web", "severity": "positive",
         "status": "received", "owner": "bob",
         "received_at": "2026-03-10T09:00:00Z", "overdue": []},
    ]  # fmt: skip


def test_list_filters_narrow_the_listing(plaint: Plaint) -> None:
    three_complaints(plaint)

    def refs(*args: str) -> list[str]:
        return [r["ref"] for r in json.loads(plaint.ok("list", "--json", *args))]

    assert refs("--project", "Apollo") == ["C-1", "C-2"]
    assert refs("--status", "received") == ["C-2", "C-3"]
    assert refs("--severity", "positive") == ["C-3"]
    assert refs("--owner", "lee") == []
    assert refs("--overdue", "--project", "Apollo", "--severity", "mild") == ["C-2"]
    assert refs("--overdue") == [
        r["ref"] for r in json.loads(plaint.ok("overdue", "--json"))
    ]


def test_a_deadline_met_late_is_no_longer_overdue(plaint: Plaint) -> None:
    three_complaints(plaint)
    plaint.ok("respond", "C-1", "--message", "done", actor="bob")
    assert [r["ref"] for r in json.loads(plaint.ok("overdue", "--json"))] == ["C-2"]


def test_sweep_run_twice_escalates_each_breach_once(plaint: Plaint) -> None:
    three_complaints(plaint)
    dry = json.loads(plaint.ok("sweep", "--dry-run", "--json", actor="lee"))
    assert [(r["ref"], r["outcome"]) for r in dry] == [
        ("C-1", "would escalate"), ("C-2", "would escalate"),
    ]  # fmt: skip
    assert (
        json.loads(plaint.ok("history", "C-1", "--json"))[-1]["kind"] == "acknowledged"
    )
    first = json.loads(plaint.ok("sweep", "--json", actor="lee"))
    assert [(r["ref"], r["deadline"], r["to"], r["outcome"]) for r in first] == [
        ("C-1", "respond", "kim", "escalated"), ("C-2", "ack", "kim", "escalated"),
    ]  # fmt: skip
    second = json.loads(plaint.ok("sweep", "--json", actor="lee"))
    assert {r["outcome"] for r in second} == {"skipped"}
    shown = json.loads(plaint.ok("show", "C-1", "--json"))
    [step] = shown["escalations"]
    assert (step["to"], step["by"], step["level"]) == ("kim", "lee", 1)
    assert step["reason"] == "deadline breached: respond-by 2026-03-03T09:00:00Z"
    assert shown["owner"] == "kim"


def test_a_breach_escalated_once_is_not_escalated_again_after_reassignment(
    plaint: Plaint,
) -> None:
    three_complaints(plaint)
    plaint.ok("sweep", actor="lee")
    for ref in ("C-1", "C-2"):
        plaint.ok("assign", ref, "bob", actor="lee")  # back from the target
    events = json.loads(plaint.ok("info", "--json"))["events"]
    second = json.loads(plaint.ok("sweep", "--json", actor="lee"))
    assert [(r["ref"], r["deadline"], r["outcome"], r["why"]) for r in second] == [
        ("C-1", "respond", "skipped", "already escalated for this deadline"),
        ("C-2", "ack", "skipped", "already escalated for this deadline"),
    ]  # fmt: skip
    assert json.loads(plaint.ok("info", "--json"))["events"] == events
    assert {r["owner"] for r in json.loads(plaint.ok("list", "--json"))} == {"bob"}


def test_an_agent_may_not_sweep(plaint: Plaint) -> None:
    three_complaints(plaint)
    result = plaint("sweep", actor="bob")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "Error: bob is agent and may not sweep overdue complaints: that needs the "
        "role lead, manager or admin"
    )


def test_sweeps_started_at_the_same_time_escalate_each_breach_once(
    plaint: Plaint,
) -> None:
    plaint.ok("team", "add", "kim", "--role", "manager")
    plaint.ok("policy", "set", "--channel", "*", "--severity", "*", "--ack", "1h",
              "--escalate-to", "kim")  # fmt: skip
    for n in range(12):
        plaint.ok("file", "--project", "P", "--channel", "web", "--severity", "mild",
                  "--summary", f"s{n}", "--received-at", "2026-01-01")  # fmt: skip
    command = [sys.executable, "-c", "from commands import main; main()",
               "--ledger", plaint.ledger, "--as", "lee", "sweep", "--json"]  # fmt: skip
    sweeps = [
        subprocess.Popen(command, env=plaint.environ, stdout=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    outcomes = [json.loads(s.communicate(timeout=60)[0]) for s in sweeps]
    assert [s.returncode for s in sweeps] == [0, 0, 0]
    escalated = [
        r["ref"] for done in outcomes for r in done if r["outcome"] == "escalated"
    ]
    assert sorted(escalated) == sorted(f"C-{n}" for n in range(1, 13))
    listed = json.loads(plaint.ok("list", "--json"))
    assert {r["owner"] for r in listed} == {"kim"}
    for n in range(1, 13):
        assert (
            len(json.loads(plaint.ok("show", f"C-{n}", "--json"))["escalations"]) == 1
        )


def test_a_resolve_deadline_is_met_by_the_first_of_resolve_close_and_withdraw(
    plaint: Plaint,
) -> None:
    """Closing after the deadline does not make a resolution in time late,
    and a withdrawal in time meets the deadline too (the team report judges
    from the views)."""
    plaint.clock = lambda: NOW
    plaint.ok("policy", "set", "--channel", "*", "--severity", "*", "--owner", "bob",
              "--resolve", "2d")  # fmt: skip
    for _ in range(2):
        plaint.ok("file", "--project", "P", "--channel", "web", "--severity", "mild",
                  "--summary", "s", "--received-at", "2026-03-10T09:00",
                  actor="bob")  # fmt: skip
    plaint.ok("ack", "C-1", actor="bob")
    plaint.ok("respond", "C-1", "--message", "m", actor="bob")
    plaint.ok("resolve", "C-1", "--resolution", "r", actor="bob")
    plaint.ok("withdraw", "C-2", "--reason", "r", actor="bob")
    plaint.clock = lambda: NOW + timedelta(days=5)
    plaint.ok("close", "C-1", actor="bob")
    members = json.loads(plaint.ok("report", "team", "--json"))["members"]
    [bob] = [m for m in members if m["member"] == "bob"]
    assert (bob["deadlines"], bob["breaches"]) == (2, 0)


def test_work_on_a_complaint_past_acknowledged_keeps_its_status_in_the_views(
    plaint: Plaint,
) -> None:
    """Only an acknowledged complaint goes in progress when work starts on
    it; the listing (from the views) agrees with `show` (from the events)."""
    for _ in range(2):
        plaint.ok("file", "--project", "P", "--channel", "web", "--severity", "mild",
                  "--summary", "s", actor="bob")  # fmt: skip
    plaint.ok("triage", "C-1", "--severity", "severe", actor="lee")
    plaint.ok("ack", "C-2", actor="bob")
    plaint.ok("respond", "C-2", "--message", "m", actor="bob")
    plaint.ok("assign", "C-2", "lee", actor="lee")
    listed = {r["ref"]: r["status"] for r in json.loads(plaint.ok("list", "--json"))}
    assert listed == {"C-1": "received", "C-2": "responded"}
    for ref, status in listed.items():
        assert json.loads(plaint.ok("show", ref, "--json"))["status"] == status
