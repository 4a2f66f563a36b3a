"""The customer's side of `plaint serve`, on a real server mailing a real
SMTP sink: the journey from the form to the survey, and the attacks on the
form and the links."""

from __future__ import annotations

import json
import re
import sqlite3
from email.message import EmailMessage, Message

import httpx

from tests.conftest import Plaint, SmtpSink, events
from tests.service.conftest import Server

WHAT = "The payslip page is empty\nsince Monday, for everyone in accounts."
LINK = re.compile(r"/(s|survey)/([A-Za-z0-9_-]{43})")


def file_by_form(client: httpx.Client, **typed: str) -> httpx.Response:
    """Open the Payroll form and send it, as a browser does."""
    client.get("/p/Payroll/new")
    form = {
        "csrf": client.cookies.get("plaint-form", ""), "what": WHAT,
        "affects": "hinders", "name": "Ada Lovelace", "email": "ada@example.org",
        "website": "", **typed,
    }  # fmt: skip
    return client.post("/p/Payroll/new", data=form)


def link_in(text: str, kind: str = "s") -> str:
    """The path of the first status (`s`) or survey link in `text`."""
    found = [m for m in LINK.finditer(text) if m.group(1) == kind]
    assert found, text
    return found[0].group(0)


def plain(mail: Message) -> str:
    assert isinstance(mail, EmailMessage)
    body = mail.get_body(("plain",))
    assert body is not None
    return str(body.get_content())  # type: ignore[attr-defined]


def test_a_customer_files_hears_back_answers_the_survey_and_lessons_counts_it(
    mail_server: Server, smtp_sink: SmtpSink
) -> None:
    customer = mail_server.client()
    answer = file_by_form(customer)
    assert answer.status_code == 200, answer.text
    assert "Its reference is <strong>C-1</strong>" in answer.text
    shown = link_in(answer.text)
    [ack] = smtp_sink.wait_for(1)
    assert ack["To"] == "ada@example.org"
    assert ack["Subject"] == "[C-1] We received your message about Payroll"
    assert ack.get_content_type() == "multipart/alternative"
    assert re.fullmatch(r"<C-1\.[0-9a-f]{32}@127\.0\.0\.1>", ack["Message-ID"])
    text = plain(ack)
    assert text.startswith("Hello,")
    assert "Ada" not in text
    status = customer.get(link_in(text))
    assert status.status_code == 200
    assert "Received: waiting for someone to pick it up" in status.text
    assert customer.get(shown).status_code == 200

    bob = mail_server.client(mail_server.token("bob"))
    for action, body in [
        ("ack", None),
        ("respond", {"message": "We fixed the payslip page."}),
    ]:
        assert (
            bob.post(f"/api/v1/complaints/C-1/{action}", json=body).status_code == 200
        )
    responded = smtp_sink.wait_for(2)[1]
    assert responded["Subject"] == "[C-1] Our reply about Payroll"
    assert "We fixed the payslip page." in plain(responded)
    status = customer.get(link_in(plain(responded)))
    assert "Replied: see our reply below" in status.text
    assert "We fixed the payslip page." in status.text

    resolved = bob.post("/api/v1/complaints/C-1/resolve", json={"resolution": "Fixed"})
    assert resolved.status_code == 200
    mails = smtp_sink.wait_for(4)
    subjects = sorted(m["Subject"] for m in mails[2:])
    assert subjects == [
        "[C-1] How did we do? (Payroll)",
        "[C-1] Resolved: your message about Payroll",
    ]
    [invitation] = [m for m in mails if "How did we do" in m["Subject"]]
    survey = link_in(plain(invitation), "survey")
    assert "How satisfied are you" in customer.get(survey).text
    thanks = customer.post(survey, data={"score": "5", "comment": "Quick, thanks"})
    assert "your answer about C-1 is recorded" in thanks.text
    again = customer.post(survey, data={"score": "1", "comment": "changed my mind"})
    assert again.status_code == 410
    assert "this survey was already answered: thank you" in again.text

    lessons = json.loads(mail_server.plaint.ok("report", "lessons", "--project",
                                               "Payroll", "--json"))  # fmt: skip
    assert (lessons["totals"]["surveyed"], lessons["totals"]["mean_score"]) == (1, 5)
    history = json.loads(mail_server.plaint.ok("history", "C-1", "--json"))
    by = {(r["kind"], r["actor"], r["proof"]) for r in history}
    assert ("filed", "(customer)", "web-form") in by
    assert ("surveyed", "(customer)", "customer-link") in by
    assert [r["kind"] for r in history].count("mailsent") == 4


def test_a_status_link_shows_only_its_complaint_and_is_refused_unknown_or_altered(
    sqlite_mail_server: Server,
) -> None:
    sqlite_mail_server.plaint.ok("policy", "set", "--channel", "web", "--severity", "*",
                          "--owner", "bob")  # fmt: skip
    customer = sqlite_mail_server.client()
    mine = link_in(file_by_form(customer).text)
    file_by_form(sqlite_mail_server.client(), email="eve@example.org", name="Eve")
    lead = sqlite_mail_server.client(sqlite_mail_server.token("ann"))
    for ref, action, body in [
        ("C-1", "ack", None),
        ("C-1", "note", {"text": "INTERNAL: the customer is difficult"}),
        ("C-1", "escalate", {"to": "ann", "reason": "ESCALATED for a VIP"}),
        ("C-2", "ack", None),
        ("C-2", "respond", {"message": "A reply meant for Eve only"}),
    ]:
        done = lead.post(f"/api/v1/complaints/{ref}/{action}", json=body)
        assert done.status_code == 200, done.text
    page = customer.get(mine).text
    assert "Your complaint C-1" in page
    for secret in ("INTERNAL", "difficult", "ESCALATED", "VIP", "Eve", "C-2",
                   "bob", ">ann<", "escalat"):  # fmt: skip
        assert secret not in page, secret

    unknown = customer.get("/s/" + "A" * 43)
    assert unknown.status_code == 404
    assert "this link is not known: check that it was copied whole" in unknown.text
    assert customer.get("/survey/" + "A" * 43).status_code == 404
    assert customer.get(mine.replace("/s/", "/survey/")).status_code == 404
    age_links(sqlite_mail_server.plaint, days=-365)  # someone writing the database
    tampered = customer.get(mine)
    assert tampered.status_code == 500
    assert "a customer link&#39;s row was altered" in tampered.text
    # Guessing links from one address is held up after 60 in ten minutes.
    tried = [customer.get("/survey/" + "B" * 43).status_code for _ in range(56)]
    assert tried == [404] * 55 + [429]
    waiting = customer.get(mine)
    assert waiting.status_code == 429
    assert 0 < int(waiting.headers["retry-after"]) <= 600
    assert "Please wait" in waiting.text


def test_the_form_refuses_honeypot_forgery_bad_address_and_flood_recording_nothing(
    sqlite_mail_server: Server,
) -> None:
    client = sqlite_mail_server.client()
    before = events(sqlite_mail_server.plaint)
    trapped = file_by_form(client, website="http://spam.example")
    assert trapped.status_code == 400
    assert "the form could not be accepted; nothing was recorded" in trapped.text
    forged = sqlite_mail_server.client().post(
        "/p/Payroll/new",
        data={
            "csrf": "guessed",
            "what": WHAT,
            "affects": "mild",
            "email": "ada@example.org",
        },
    )
    assert forged.status_code == 403
    assert "the form expired or came from elsewhere" in forged.text
    assert WHAT.splitlines()[0] in forged.text  # what they typed is kept
    assert client.get("/p/Apollo/new").status_code == 404
    bad = file_by_form(client, email="not an address")
    assert bad.status_code == 400
    assert "&#39;not an address&#39; is not an email address like" in bad.text
    assert events(sqlite_mail_server.plaint) == before

    client.get("/p/Payroll/new")
    nonce = client.cookies["plaint-form"]
    form = {"csrf": nonce, "what": WHAT, "affects": "annoying",
            "email": "ada@example.org"}  # fmt: skip
    assert client.post("/p/Payroll/new", data=form).status_code == 200
    client.cookies.set("plaint-form", nonce)
    again = client.post("/p/Payroll/new", data=form)  # a double click
    client.cookies.clear()
    assert again.status_code == 409
    assert "this form was already sent: your complaint is recorded" in again.text
    for _ in range(4):  # five in an hour from one address
        assert file_by_form(client).status_code == 200
    refused = file_by_form(client)
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 3000
    assert "too many requests; try again in" in refused.text
    filed = json.loads(sqlite_mail_server.plaint.ok("list", "--json"))
    assert [c["ref"] for c in filed] == ["C-1", "C-2", "C-3", "C-4", "C-5"]


def age_links(plaint: Plaint, days: int) -> None:
    """Make every customer link expire `days` sooner, in the SQLite ledger's
    file (as someone who can write it would, bypassing the ledger)."""
    with sqlite3.connect(plaint.ledger) as conn:
        conn.execute("UPDATE plaint_links SET expires = expires - ?", (days * 86400,))
    conn.close()
