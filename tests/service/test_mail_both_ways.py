"""Mail out and mail in on one real `plaint serve` (--smtp to an aiosmtpd
sink, --lmtp, --public-url): the customer's reply to the acknowledgement
joins its complaint and resumes it; a stranger citing the same message
files a complaint of its own; and with the SMTP server down, the
acknowledgement waits in the outbox and goes out, once, when it returns."""

from __future__ import annotations

import json
import time
from email.message import EmailMessage
from typing import Any

import httpx

from tests.service.conftest import MailBothWays

ADA = "ada@example.org"


def file_by_form(client: httpx.Client) -> httpx.Response:
    """Open the Payroll form and send it, as a browser does."""
    client.get("/p/Payroll/new")
    form = {
        "csrf": client.cookies.get("plaint-form", ""),
        "what": "The payslip page is empty\nsince Monday.",
        "affects": "hinders", "name": "Ada Lovelace", "email": ADA, "website": "",
    }  # fmt: skip
    return client.post("/p/Payroll/new", data=form)


def reply_to(mail: EmailMessage, sender: str, text: str, message_id: str) -> bytes:
    """A reply to `mail` as a mail program writes it."""
    reply = EmailMessage()
    reply["From"], reply["To"] = sender, str(mail["From"])
    reply["Subject"] = f"Re: {mail['Subject']}"
    reply["Message-ID"] = message_id
    reply["In-Reply-To"] = reply["References"] = str(mail["Message-ID"])
    reply.set_content(text)
    return bytes(reply)


def cli_json(both: MailBothWays, *args: str) -> Any:
    return json.loads(both.server.plaint.ok(*args, "--json"))


def test_the_customers_reply_to_the_acknowledgement_joins_and_resumes_it(
    mail_both_ways: MailBothWays,
) -> None:
    both = mail_both_ways
    assert file_by_form(both.server.client()).status_code == 200
    [ack] = both.sink.wait_for(1)
    assert isinstance(ack, EmailMessage)
    assert ack["To"] == ADA
    assert str(ack["Message-ID"]).startswith("<C-1.")
    bob = both.server.client(both.server.token("bob"))
    assert bob.post("/api/v1/complaints/C-1/ack").status_code == 200
    waited = bob.post("/api/v1/complaints/C-1/wait", json={"reason": "which month?"})
    assert (waited.status_code, waited.json()["status"]) == (200, "waiting")

    reply = reply_to(ack, f"Ada Lovelace <{ADA}>", "November.", "<r1@example.org>")
    assert [code for code, _ in both.lmtp.deliver(reply)] == [250]
    history = cli_json(both, "history", "C-1")
    replied, resumed = history[-2:]
    assert (replied["kind"], replied["actor"], replied["proof"]) == (
        "replied", "(customer)", "mail",
    )  # fmt: skip
    assert replied["details"]["matched_by"] == "message-id"
    assert replied["details"]["message"] == "November."
    assert (resumed["kind"], resumed["actor"]) == ("resumed", "(customer)")
    assert bob.get("/api/v1/complaints/C-1").json()["status"] == "acknowledged"

    # The same message cited by a stranger: a complaint of its own.
    forged = reply_to(ack, "Mallory <m@evil.example>", "Pay me.", "<f@evil.example>")
    assert [code for code, _ in both.lmtp.deliver(forged)] == [250]
    assert cli_json(both, "history", "C-1") == history
    stranger = cli_json(both, "show", "C-2")
    assert (stranger["project"], stranger["contact"]) == ("Apollo", "m@evil.example")
    assert len(both.sink.received) == 1  # mail in sends nothing out


def test_with_smtp_down_the_acknowledgement_waits_and_goes_out_once_when_it_returns(
    mail_smtp_down: MailBothWays,
) -> None:
    down = mail_smtp_down
    assert file_by_form(down.server.client()).status_code == 200
    deadline = time.monotonic() + 10
    while True:
        [row] = cli_json(down, "outbox")
        if row["attempts"] >= 1 or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert (row["ref"], row["purpose"], row["state"]) == ("C-1", "ack", "pending")
    assert row["attempts"] >= 1
    assert row["last_error"] == "cannot reach the SMTP server (ConnectionRefusedError)"

    down.sink.start()
    [ack] = down.sink.wait_for(1, timeout=15)
    assert ack["To"] == ADA
    time.sleep(1.5)  # several more passes of the mail loop: nothing again
    assert len(down.sink.received) == 1
    assert cli_json(down, "outbox") == []
    kinds = [e["kind"] for e in cli_json(down, "history", "C-1")]
    assert kinds == ["filed", "mailqueued", "mailsent"]
    sent = cli_json(down, "history", "C-1")[-1]["details"]
    assert sent["message_id"] == ack["Message-ID"]
    # Every failed attempt counted, and the one that went through.
    assert sent["attempts"] >= row["attempts"] + 1
