"""The staff's journeys in a browser: a complaint filed through its page
(a failed form first), worked to resolved through its page's forms, a
refused action, a confidential complaint refused to an agent, the refusal
then read by compliance in the access report, and a session that ended,
signed back in to the page asked for. Every page passes axe-core and the Nu
HTML checker."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from tests.conftest import events
from tests.service.browser.conftest import Visit
from tests.service.conftest import Server, age_sessions

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
    """Fill the complaint page's form `title` (its fields by label: a text,
    or a choice) and send it."""
    form = visit.page.get_by_role("form", name=title)
    for label, value in typed.items():
        field = form.get_by_label(label.replace("_", " "))
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    return visit.click(form.get_by_role("button", name=title), name)


def file(server: Server, member: str = "lee") -> str:
    """A complaint filed over the API by `member`; its reference."""
    made = server.client(server.token(member)).post("/api/v1/complaints", json=FILING)
    assert made.status_code == 201, made.text
    return str(made.json()["ref"])


def test_a_lead_files_a_complaint_on_its_page_then_acks_escalates_and_resolves_it(
    browse: Callable[[str | None], Visit], server: Server
) -> None:
    lee = browse("lee")
    page = lee.goto("/", "queue")
    lee.click(page.get_by_role("link", name="File a complaint"), "filing form")
    for label, value in (
        ("Project", "Apollo"), ("Summary", FILING["summary"]),
        ("Detail (optional)", FILING["detail"]),
        ("Customer (optional)", FILING["customer"]),
        ("Received at (ISO 8601; empty: now)", "2150-01-01T00:00:00Z"),
    ):  # fmt: skip
        page.get_by_label(label).fill(value)
    page.get_by_label("Severity").select_option("mild")
    lee.click(page.get_by_role("button", name="File the complaint"), "filing refused")
    when = page.get_by_label("Received at (ISO 8601; empty: now)")
    assert when.get_attribute("aria-invalid") == "true"
    assert (
        page.get_by_role("alert")
        .inner_text()
        .startswith(
            "Received at: the time received 2150-01-01T00:00:00Z is in the future"
        )
    )
    assert page.get_by_label("Summary").input_value() == FILING["summary"]
    when.fill("")
    lee.click(page.get_by_role("button", name="File the complaint"), "complaint filed")
    assert (
        page.get_by_role("status")
        .inner_text()
        .startswith("Recorded C-1 (Apollo, mild, web): it is received, owned by lee;")
    )
    ref = "C-1"
    assert FILING["summary"] in page.get_by_role("heading", level=1).inner_text()
    act(lee, "Acknowledge", "acknowledged")
    assert "acknowledged" in page.get_by_role("status").inner_text()
    act(lee, "Escalate", "escalated", Escalate_to="ann", Reason="customer leaves")
    assert "escalated" in page.get_by_role("status").inner_text()
    steps = page.get_by_role("region", name="Escalation steps").inner_text()
    assert "customer leaves" in steps
    assert "Level 1: lee→ann" in steps
    act(lee, "Resolve", "resolved", Resolution="Timeout raised to 60 s")
    assert page.get_by_role("status").inner_text() == (
        f"{ref} resolved: it is now resolved, owned by ann."
    )
    facts = page.get_by_role("region", name="The complaint").inner_text()
    assert "Timeout raised to 60 s" in facts
    events_shown = page.get_by_role("region", name="Every event, in order")
    kinds = events_shown.locator("li > p > .badge").all_inner_texts()
    assert kinds == ["filed", "acknowledged", "escalated", "resolved"]
    lee.click(page.get_by_role("button", name="Sign out"), "signed out")
    assert page.url == f"{server.url}/login"


def test_an_agent_reads_team_and_policy_then_a_session_that_ended_says_why(
    browse: Callable[[str | None], Visit], server: Server
) -> None:
    ref = file(server)
    bob = browse("bob")
    page = bob.goto("/team", "team, read only")
    current = page.get_by_role("link", name="Team").get_attribute("aria-current")
    assert current == "page"
    assert page.get_by_role("button", name="Add").count() == 0
    page = bob.goto("/policy", "policy, read only")
    assert page.get_by_role("button", name="Set the rule").count() == 0
    age_sessions(server.plaint, 31 * 60)
    page = bob.goto(f"/complaints/{ref}", "session ended")
    assert page.get_by_role("heading", level=1).inner_text() == "Your session ended"
    assert page.get_by_role("alert").inner_text() == (
        "Why: the session timed out: it was not used for 30m; sign in again"
    )
    bob.click(page.get_by_role("link", name="Sign in again"), "sign-in again")
    page.get_by_label("Member name").fill("bob")
    page.get_by_label("Password").fill(server.password("bob"))
    bob.click(page.get_by_role("button", name="Sign in"), "back at the complaint")
    assert page.url == f"{server.url}/complaints/{ref}"
    assert FILING["summary"] in page.get_by_role("heading", level=1).inner_text()


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
    cat.click(page.get_by_role("link", name="Access review"), "access report")
    refused = page.locator(".card", has_text="Refused attempts").locator("tbody tr")
    assert refused.locator("td").all_inner_texts()[:2] == [f"bob agent\n{ref}", "1"]
