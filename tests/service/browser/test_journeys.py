"""The staff's journeys in a browser: a complaint worked from the queue to
resolved through its page's forms, a refused action, and a confidential
complaint refused to an agent, the refusal then read by compliance in the
access report. Every page passes axe-core and the Nu HTML checker."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from tests.conftest import events
from tests.service.browser.conftest import Visit
from tests.service.conftest import Server

if TYPE_CHECKING:
    from playwright.sync_api import Page

FILING = {
    "project": "Apollo",
    "channel": "email",
    "severity": "mild",
    "summary": "Invoice portal times out",
    "detail": "Three times since Monday.",
    "customer": "Jane Roe",
    "contact": "jane@example.com",
}


def act(visit: Visit, title: str, name: str, **typed: str) -> Page:
    """Fill the complaint page's form `title` (its fields by label) and send it."""
    form = visit.page.get_by_role("form", name=title)
    for label, value in typed.items():
        form.get_by_label(label.replace("_", " ")).fill(value)
    return visit.click(form.get_by_role("button", name=title), name)


def file(server: Server, member: str = "lee") -> str:
    """A complaint filed over the API by `member`; its reference."""
    made = server.client(server.token(member)).post("/api/v1/complaints", json=FILING)
    assert made.status_code == 201, made.text
    return str(made.json()["ref"])


def test_a_lead_acknowledges_escalates_and_resolves_a_complaint_from_the_queue(
    browse: Callable[[str | None], Visit], server: Server
) -> None:
    ref = file(server)
    lee = browse("lee")
    page = lee.goto("/", "queue")
    lee.click(page.get_by_role("link", name="All complaints"), "all complaints")
    lee.click(page.get_by_role("link", name=ref, exact=True), "complaint")
    assert FILING["summary"] in page.get_by_role("heading", level=1).inner_text()
    act(lee, "Acknowledge", "acknowledged")
    assert "acknowledged" in page.get_by_role("status").inner_text()
    act(lee, "Escalate", "escalated", Escalate_to="ann", Reason="customer leaves")
    assert "escalated" in page.get_by_role("status").inner_text()
    steps = page.get_by_role("region", name="Escalation steps").inner_text()
    assert "customer leaves" in steps
    act(lee, "Resolve", "resolved", Resolution="Timeout raised to 60 s")
    assert page.get_by_role("status").inner_text() == (
        f"{ref} resolved: it is now resolved, owned by ann."
    )
    facts = page.get_by_role("region", name="The complaint").inner_text()
    assert "Timeout raised to 60 s" in facts
    kinds = page.locator(".timeline strong").all_inner_texts()
    assert kinds == ["filed", "acknowledged", "escalated", "resolved"]
    lee.click(page.get_by_role("button", name="Sign out"), "signed out")
    assert page.url == f"{server.url}/login"


def test_an_action_refused_on_a_stale_page_says_why_and_records_nothing(
    browse: Callable[[str | None], Visit], server: Server
) -> None:
    ref = file(server)
    lee = browse("lee")
    page = lee.goto(f"/complaints/{ref}", "complaint")
    server.plaint.ok("ack", ref, actor="ann")
    before = events(server.plaint)
    act(lee, "Acknowledge", "refused acknowledgement")
    assert page.get_by_role("alert").inner_text() == (
        f"{ref} is acknowledged; only a complaint that is received can be acknowledged"
    )
    assert events(server.plaint) == before


def test_a_confidential_complaint_is_refused_to_an_agent_and_compliance_sees_it(
    browse: Callable[[str | None], Visit], server: Server
) -> None:
    ref = file(server)
    server.plaint.ok("confidential", ref, "--allow", "lee", "--reason", "HR matter",
                     actor="lee")  # fmt: skip
    server.plaint.ok("team", "add", "cat", "--role", "compliance")
    bob = browse("bob")
    page = bob.goto(f"/complaints/{ref}", "confidential complaint refused")
    assert page.get_by_role("alert").inner_text() == (
        f"{ref} is confidential and bob may not read it; a lead can grant access "
        f"with `plaint grant {ref} bob` (this attempt was recorded)"
    )
    assert FILING["summary"] not in page.content()
    cat = browse("cat")
    page = cat.goto("/reports", "reports")
    cat.click(page.get_by_role("link", name="Access"), "access report")
    refused = page.locator(".card", has_text="Refused attempts").locator("tbody tr")
    assert refused.locator("td").all_inner_texts()[:2] == [f"bob agent\n{ref}", "1"]
