"""The reports, team and policy pages, and the queue's waiting section, in a
browser: each one opens from the staff pages, runs, and passes axe-core and
the Nu HTML checker."""

from __future__ import annotations

from collections.abc import Callable

from tests.service.browser.conftest import Visit
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


def test_an_admin_runs_a_report_and_opens_the_team_and_policy_pages(
    browse: Callable[[str | None], Visit], server: Server
) -> None:
    lee = server.client(server.token("lee"))
    assert lee.post("/api/v1/complaints", json=FILING).status_code == 201
    ann = browse("ann")
    page = ann.goto("/reports", "reports")
    ann.click(page.get_by_role("link", name="Team handling"), "team report")
    assert page.get_by_role("link", name="Download this report").count() == 1
    page = ann.goto("/reports/lessons", "lessons report form")
    page.get_by_label("Project (required)").fill("Apollo")
    ann.click(page.get_by_role("button", name="Run the report"), "lessons report")
    assert "Apollo" in page.get_by_role("heading", level=1).inner_text()
    ann.goto("/team", "team")
    ann.goto("/policy", "policy")
    waiting = lee.post("/api/v1/complaints", json=FILING).json()["ref"]
    for action, body in (("ack", {}), ("wait", {"reason": "asked for the invoice"})):
        done = lee.post(f"/api/v1/complaints/{waiting}/{action}", json=body)
        assert done.status_code == 200, done.text
    page = browse("lee").goto("/", "queue with a complaint waiting")
    apart = page.get_by_role("table", name="Waiting on the customer (1)")
    assert waiting in apart.inner_text()
