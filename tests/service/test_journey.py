"""A complaint's whole life over the API, its answers the CLI's `--json`."""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import events
from tests.service.conftest import Server

FILING = {
    "project": "Apollo",
    "channel": "email",
    "severity": "mild",
    "summary": "Invoice portal times out",
    "detail": "Three times since Monday.",
    "customer": "Jane Roe",
    "contact": "jane@example.com",
}


def cli_json(server: Server, *args: str, actor: str = "lee") -> Any:
    return json.loads(server.plaint.ok(*args, "--json", actor=actor))


def test_a_complaint_filed_worked_and_closed_over_the_api_reads_as_the_cli_shows_it(
    server: Server,
) -> None:
    lee = server.client(server.token("lee"))
    filed = lee.post("/api/v1/complaints", json=FILING)
    assert filed.status_code == 201
    assert set(filed.json()) == {"ref", "id", "owner", "deadlines"}
    assert filed.json()["ref"] == "C-1"
    steps = [
        ("ack", None),
        ("triage", {"severity": "severe"}),
        ("assign", {"member": "bob"}),
        ("escalate", {"to": "ann", "reason": "customer threatens to leave"}),
        ("note", {"text": "called back"}),
        ("respond", {"message": "We raised the timeout."}),
        ("resolve", {"resolution": "Timeout raised to 60 s"}),
        ("survey", {"score": 4, "comment": "quick"}),
        ("close", None),
    ]
    for action, body in steps:
        done = lee.post(f"/api/v1/complaints/C-1/{action}", json=body)
        assert done.status_code == 200, (action, done.text)
    assert done.json() == {
        "ref": "C-1",
        "id": filed.json()["id"],
        "status": "closed",
        "severity": "severe",
        "owner": "ann",
        "confidential": False,
        "allowed": [],
        "level": 1,
    }
    assert lee.get("/api/v1/complaints/C-1").json() == cli_json(server, "show", "C-1")
    assert lee.get("/api/v1/complaints/C-1/history").json() == cli_json(
        server, "history", "C-1"
    )
    assert lee.get("/api/v1/complaints", params={"status": "closed"}).json() == (
        cli_json(server, "list", "--status", "closed")
    )
    assert lee.get("/api/v1/overdue").json() == cli_json(server, "overdue")
    assert lee.post("/api/v1/sweep", json={"dry_run": True}).json() == cli_json(
        server, "sweep", "--dry-run"
    )


def test_events_appended_through_the_api_record_the_token_and_address(
    server: Server,
) -> None:
    lee = server.client(server.token("lee"))
    lee.post("/api/v1/complaints", json=FILING)
    ledger = server.plaint.open("lee")
    try:
        [filed] = [e for e in ledger.events.get(ledger.complaint_id("C-1"))]
    finally:
        ledger.close()
    assert filed.proof.startswith("token:")  # type: ignore[attr-defined]
    assert filed.address == "127.0.0.1"  # type: ignore[attr-defined]


def test_a_report_answers_its_data_or_the_page_the_cli_writes(server: Server) -> None:
    lee = server.client(server.token("lee"))
    lee.post("/api/v1/complaints", json=FILING)
    data = lee.get("/api/v1/reports/lessons", params={"project": "Apollo"}).json()
    cli = cli_json(server, "report", "lessons", "--project", "Apollo")
    assert {k: v for k, v in data.items() if k != "header"} == {
        k: v for k, v in cli.items() if k != "header"
    }
    page = lee.get("/api/v1/reports/route?ref=C-1", headers={"Accept": "text/html"})
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.text.startswith("<!doctype html>")
    assert "<script" not in page.text


def test_a_repeated_idempotency_key_answers_the_first_result_and_records_nothing(
    server: Server,
) -> None:
    lee = server.client(server.token("lee"))
    key = {"Idempotency-Key": "filing-7"}
    first = lee.post("/api/v1/complaints", json=FILING, headers=key)
    before = events(server.plaint)
    again = lee.post("/api/v1/complaints", json=FILING, headers=key)
    other = lee.post("/api/v1/complaints", json={**FILING, "summary": "x"}, headers=key)
    assert (again.status_code, again.json()) == (201, first.json())
    assert (other.status_code, other.json()) == (
        409,
        {
            "error": "the Idempotency-Key filing-7 was used for another request; "
            "use a new key for a new request"
        },
    )
    assert events(server.plaint) == before


def test_a_refused_action_records_nothing_and_says_what_the_cli_says(
    server: Server,
) -> None:
    lee = server.client(server.token("lee"))
    lee.post("/api/v1/complaints", json=FILING)
    before = events(server.plaint)
    refused = lee.post("/api/v1/complaints/C-1/close")
    cli = server.plaint("close", "C-1", actor="lee")
    assert refused.status_code == 409
    assert refused.json() == {"error": cli.stderr.strip().removeprefix("Error: ")}
    assert events(server.plaint) == before


def test_waiting_on_the_customer_and_climbing_the_ladder_over_the_api(
    server: Server,
) -> None:
    rule = ["--channel", "*", "--severity", "*", "--ack", "1h", "--route", "lee,ann"]
    server.plaint.ok("policy", "set", *rule)
    lee = server.client(server.token("lee"))
    assert lee.post("/api/v1/complaints", json=FILING).status_code == 201
    lee.post("/api/v1/complaints/C-1/ack")
    waited = lee.post("/api/v1/complaints/C-1/wait", json={"reason": "asked for logs"})
    assert (waited.status_code, waited.json()["status"]) == (200, "waiting")
    refused = lee.post("/api/v1/complaints/C-1/respond", json={"message": "m"})
    assert refused.status_code == 409
    resumed = lee.post("/api/v1/complaints/C-1/resume")
    assert (resumed.status_code, resumed.json()["status"]) == (200, "acknowledged")
    kinds = [row["kind"] for row in cli_json(server, "history", "C-1")]
    assert kinds[-2:] == ["waited", "resumed"]
    # The filer (ann) stands on the top rung; lee owns it after a jump and
    # climbs back to ann without a member named.
    lee.post("/api/v1/complaints/C-1/assign", json={"member": "lee"})
    climbed = lee.post("/api/v1/complaints/C-1/escalate", json={"reason": "angry"})
    assert (climbed.status_code, climbed.json()["owner"]) == (200, "ann")
    top = lee.post("/api/v1/complaints/C-1/escalate", json={"reason": "again"})
    assert top.status_code == 409
    assert "stands at the top of its escalation ladder" in top.text
