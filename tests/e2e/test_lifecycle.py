"""A complaint's whole life through the real CLI, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

from tests.conftest import Plaint

SHOW_FIELDS = {
    "ref", "id", "project", "channel", "source", "severity", "status", "owner",
    "confidential", "summary", "detail", "customer", "contact", "received_at",
    "deadlines", "escalations", "survey", "erased",
}  # fmt: skip


def test_complaints_from_several_channels_get_gapless_references(
    plaint: Plaint,
) -> None:
    refs = [
        plaint.ok(
            "file", "--project", "Apollo", "--channel", channel,
            "--severity", "mild", "--summary", f"via {channel}", actor="bob",
        ).strip()
        for channel in ("email", "phone", "web", "meeting")
    ]  # fmt: skip
    assert refs == ["C-1", "C-2", "C-3", "C-4"]


def test_a_complaint_walks_the_whole_lifecycle_with_different_actors(
    plaint: Plaint,
) -> None:
    plaint.ok("policy", "set", "--channel", "*", "--severity", "*", "--owner", "bob",
              "--ack", "1d", "--respond", "2d", "--resolve", "1w")  # fmt: skip
    filed = json.loads(
        plaint.ok(
            "file", "--project", "Apollo", "--channel", "email", "--severity", "mild",
            "--summary", "Portal times out", "--detail", "-", "--customer", "Jane Roe",
            "--contact", "jane@example.com", "--source", "support@example.com",
            "--received-at", "2026-03-01T09:00", "--json",
            actor="bob", stdin="It fails every morning.\n",
        )
    )  # fmt: skip
    assert filed["ref"] == "C-1"
    assert filed["owner"] == "bob"
    assert filed["deadlines"] == {
        "ack": "2026-03-02T09:00:00Z",
        "respond": "2026-03-03T09:00:00Z",
        "resolve": "2026-03-08T09:00:00Z",
    }
    plaint.ok("ack", "C-1", actor="bob")
    plaint.ok("triage", "C-1", "--severity", "severe", actor="lee")
    plaint.ok("escalate", "C-1", "--to", "lee", "--reason", "customer may leave",
              actor="lee")  # fmt: skip
    plaint.ok("note", "C-1", "called back", actor="bob")
    plaint.ok("respond", "C-1", "--message", "Fixed the pool size", actor="lee")
    plaint.ok("resolve", "C-1", "--resolution", "Pool raised to 50", actor="lee")
    plaint.ok("survey", "C-1", "--score", "4", "--comment", "quick", actor="bob")
    plaint.ok("close", "C-1", actor="bob")

    shown = json.loads(plaint.ok("show", "C-1", "--json", actor="aud"))
    assert set(shown) >= SHOW_FIELDS
    assert shown["status"] == "closed"
    assert shown["severity"] == "severe"
    assert shown["owner"] == "lee"
    assert shown["detail"] == "It fails every morning."
    assert shown["received_at"] == "2026-03-01T09:00:00Z"
    assert shown["survey"] == {"score": 4, "comment": "quick"}
    assert shown["erased"] is False
    [step] = shown["escalations"]
    assert {k: step[k] for k in ("by", "from", "to", "level", "reason")} == {
        "by": "lee", "from": "bob", "to": "lee", "level": 1,
        "reason": "customer may leave",
    }  # fmt: skip

    history = json.loads(plaint.ok("history", "C-1", "--json"))
    assert [(h["seq"], h["actor"], h["kind"]) for h in history] == [
        (1, "bob", "filed"), (2, "bob", "acknowledged"), (3, "lee", "triaged"),
        (4, "lee", "escalated"), (5, "bob", "noted"), (6, "lee", "responded"),
        (7, "lee", "resolved"), (8, "bob", "surveyed"), (9, "bob", "closed"),
    ]  # fmt: skip
    assert all(
        set(h) == {"seq", "at", "actor", "proof", "address", "kind", "details"}
        for h in history
    )
    assert history[4]["details"] == {"text": "called back"}


def test_show_as_of_replays_the_complaint_up_to_that_time(plaint: Plaint) -> None:
    plaint.ok("file", "--project", "P", "--channel", "web", "--severity", "mild",
              "--summary", "s")  # fmt: skip
    first = json.loads(plaint.ok("history", "C-1", "--json"))[0]["at"]
    plaint.ok("ack", "C-1")
    assert json.loads(plaint.ok("show", "C-1", "--json"))["status"] == "acknowledged"
    then = json.loads(plaint.ok("show", "C-1", "--as-of", first, "--json"))
    assert then["status"] == "received"


def test_illegal_transitions_are_refused_with_a_reason_and_record_nothing(
    plaint: Plaint,
) -> None:
    plaint.ok("file", "--project", "P", "--channel", "web", "--severity", "mild",
              "--summary", "s")  # fmt: skip
    result = plaint("survey", "C-1", "--score", "3")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "Error: C-1 is received; only a complaint that is resolved or closed "
        "can be surveyed"
    )
    plaint.ok("ack", "C-1")
    plaint.ok("withdraw", "C-1", "--reason", "customer fixed it")
    result = plaint("resolve", "C-1", "--resolution", "x")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: C-1 is withdrawn; only a complaint")
    assert len(json.loads(plaint.ok("history", "C-1", "--json"))) == 3


def test_a_missing_role_is_refused_naming_it_and_records_nothing(
    plaint: Plaint,
) -> None:
    plaint.ok("file", "--project", "P", "--channel", "web", "--severity", "mild",
              "--summary", "s", actor="bob")  # fmt: skip
    result = plaint("assign", "C-1", "lee", actor="bob")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "Error: bob is agent and may not assign complaints: that needs the role "
        "lead, manager or admin"
    )
    result = plaint("team", "add", "eve", "--role", "admin", actor="lee")
    assert result.exit_code == 1
    assert "that needs the role admin" in result.stderr
    assert len(json.loads(plaint.ok("history", "C-1", "--json"))) == 1


def test_triage_to_the_severity_it_has_records_a_confirmed_assessment(
    plaint: Plaint,
) -> None:
    plaint.ok("file", "--project", "P", "--channel", "web", "--severity", "severe",
              "--summary", "s", actor="bob")  # fmt: skip
    plaint.ok("ack", "C-1", actor="bob")
    result = plaint("triage", "C-1", "--severity", "severe", actor="lee")
    assert result.exit_code == 0, result.output
    assert result.stdout == "C-1 is now severe.\n"
    history = json.loads(plaint.ok("history", "C-1", "--json"))
    assert [(h["kind"], h["details"]) for h in history[2:]] == [
        ("triaged", {"severity": "severe", "previous": "severe",
                     "assessment": "confirmed"}),
    ]  # fmt: skip
    assert "assessment=confirmed" in plaint.ok("history", "C-1")
    [row] = json.loads(plaint.ok("list", "--json"))
    assert (row["severity"], row["status"]) == ("severe", "in_progress")


def test_triage_to_another_severity_is_a_changed_assessment(plaint: Plaint) -> None:
    plaint.ok("file", "--project", "P", "--channel", "web", "--severity", "mild",
              "--summary", "s", actor="bob")  # fmt: skip
    plaint.ok("triage", "C-1", "--severity", "severe", actor="lee")
    [*_, triaged] = json.loads(plaint.ok("history", "C-1", "--json"))
    assert triaged["details"] == {
        "severity": "severe", "previous": "mild", "assessment": "changed",
    }  # fmt: skip
