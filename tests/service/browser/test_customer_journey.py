"""The customer's journey in a browser: the complaint form, the status page
with the team's reply, and the survey, each page passing axe-core and the
Nu HTML checker. (The mail between them is tested over a real SMTP sink in
tests/service/test_customer_pages.py; here the survey link is made by the
ledger, as the outbox makes it.)"""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from tests.service.browser.conftest import Visit
from tests.service.conftest import Server


def test_a_customer_files_through_the_form_follows_it_and_answers_the_survey(
    browse: Callable[[str | None], Visit], server: Server
) -> None:
    server.plaint.ok("file", "--project", "Payroll", "--channel", "phone",
                     "--severity", "mild", "--summary", "Earlier call")  # fmt: skip
    customer = browse(None)
    page = customer.goto("/p/Payroll/new", "complaint form")
    page.get_by_label("What happened?").fill("Payslip page is empty\nsince Monday.")
    page.get_by_label("It gets in the way of my work").check()
    page.get_by_label("Your name (optional)").fill("Ada Lovelace")
    page.get_by_label("Your email address").fill("ada@example.org")
    customer.click(page.get_by_role("button", name="Send"), "thanks")
    assert "Its reference is C-2" in page.get_by_role("status").inner_text()

    customer.click(page.get_by_role("link", name="Follow C-2"), "status")
    assert page.get_by_role("heading", level=1).inner_text() == "Your complaint C-2"
    assert "No reply yet" in page.inner_text("main")

    bob = server.client(server.token("bob"))
    for action, body in [
        ("ack", None),
        ("note", {"text": "internal only"}),
        ("respond", {"message": "We fixed the page."}),
        ("resolve", {"resolution": "Deployed the fix"}),
    ]:
        assert (
            bob.post(f"/api/v1/complaints/C-2/{action}", json=body).status_code == 200
        )
    customer.checked("status replied", page.reload())
    assert "We fixed the page." in page.inner_text("main")
    assert "internal only" not in page.content()

    ledger = server.plaint.open("ann")
    try:
        secret = ledger.new_link(UUID(ledger.show("C-2")["id"]), "survey")
    finally:
        ledger.close()
    page = customer.goto(f"/survey/{secret}", "survey")
    page.get_by_label("4: satisfied").check()
    page.get_by_label("Anything you would like to add? (optional)").fill("Quick")
    customer.click(page.get_by_role("button", name="Send"), "survey answered")
    assert (
        "your answer about C-2 is recorded" in page.get_by_role("status").inner_text()
    )
    customer.goto(f"/survey/{secret}", "survey again")
    assert "already answered" in page.get_by_role("alert").inner_text()
