"""The outbox against SMTP servers that say no: a permanent refusal (5xx)
gives the message up at once, a temporary one (4xx) is tried again; no
message goes in the clear to a server off this machine unless the URL says
`?starttls=opportunistic`, and a password never does."""

from __future__ import annotations

import json
from email.message import EmailMessage
from typing import Any

import pytest

from ledger.application import ComplaintLedger
from ledger.domain.identity import CUSTOMER, MAILER, OUTBOX, WEB_FORM, Identity
from ledger.mail.compose import MailSettings
from ledger.mail.sending import send_due
from ledger.mail.smtp import SmtpFailure, SmtpTransport, smtp_settings
from projections.catchup import catch_up, open_store
from projections.outbox import due
from tests.conftest import Plaint, SmtpSink

SETTINGS = MailSettings("https://complaints.example.org", "complaints@example.org")
LOGIN = {"PLAINT_SMTP_USER": "mailer", "PLAINT_SMTP_PASSWORD": "s3cret-pw"}


def web_complaint(ledger: ComplaintLedger, email: str) -> str:
    with ledger.acting(Identity(CUSTOMER, WEB_FORM, "192.0.2.7")):
        filed = ledger.file_from_web(
            "Payroll", "Payslips are empty", "hinders", "Ada", email,
            accepting={"Payroll"},
        )  # fmt: skip
    return str(filed["ref"])


def send(ledger: ComplaintLedger, sink: SmtpSink) -> dict[str, int]:
    """One pass of the server's mail loop, as the server."""
    store = open_store(ledger)
    catch_up(ledger, store)

    def run(case: Any) -> Any:
        with ledger.acting(Identity(OUTBOX, MAILER)):
            return case(ledger)

    transport = SmtpTransport(smtp_settings(sink.url, {}))
    return send_due(run, due(store, ledger.clock()), transport, SETTINGS, ledger.clock)


def test_a_permanent_refusal_gives_the_message_up_at_once_a_temporary_one_waits(
    plaint: Plaint, refusing_smtp_sink: SmtpSink
) -> None:
    ledger = plaint.open("ann")
    try:
        refused = web_complaint(ledger, "nobody@example.org")
        assert send(ledger, refusing_smtp_sink) == {"sent": 0, "retry": 0, "failed": 1}
        refusing_smtp_sink.refuse = "450 4.2.1 mailbox busy, try later"
        later = web_complaint(ledger, "busy@example.org")
        assert send(ledger, refusing_smtp_sink) == {"sent": 0, "retry": 1, "failed": 0}
        # Given up is given up: the next pass tries neither (the other's
        # pause has not passed).
        assert send(ledger, refusing_smtp_sink) == {"sent": 0, "retry": 0, "failed": 0}
    finally:
        ledger.close()
    assert refusing_smtp_sink.received == []
    rows = {row["ref"]: row for row in json.loads(plaint.ok("outbox", "--json"))}
    assert (rows[refused]["state"], rows[refused]["attempts"]) == ("failed", 1)
    assert rows[refused]["ended_at"] is not None
    assert (rows[later]["state"], rows[later]["attempts"]) == ("pending", 1)
    assert rows[later]["last_error"] == "recipient refused (SMTP 450)"
    failed = json.loads(plaint.ok("history", refused, "--json"))[-1]
    assert (failed["kind"], failed["actor"]) == ("mailfailed", "(outbox)")
    assert failed["details"]["attempts"] == 1
    listed = plaint.ok("outbox")
    assert "failed" in listed
    assert "nobody@example.org" not in listed


def test_a_password_never_goes_in_the_clear_to_a_server_off_this_machine(
    login_smtp_sink: SmtpSink, outside_address: str
) -> None:
    message = EmailMessage()
    message["To"], message["From"] = "ada@example.org", "complaints@example.org"
    message.set_content("The reply")
    port = login_smtp_sink.port
    # Even where the URL lets mail go in the clear, a password does not.
    url = f"smtp://{outside_address}:{port}?starttls=opportunistic"
    outside = SmtpTransport(smtp_settings(url, LOGIN))
    with pytest.raises(SmtpFailure) as refused:
        outside.send(message)
    assert (refused.value.summary, refused.value.permanent) == (
        "the SMTP server offers no STARTTLS", False,
    )  # fmt: skip
    assert "s3cret-pw" not in refused.value.detail
    assert (login_smtp_sink.logins, login_smtp_sink.received) == ([], [])
    # The same server on a loopback address is this machine: the login
    # goes, and the sink would have seen one above.
    SmtpTransport(smtp_settings(f"smtp://127.0.0.1:{port}", LOGIN)).send(message)
    assert login_smtp_sink.logins == [("mailer", "s3cret-pw")]
    assert len(login_smtp_sink.received) == 1


def test_no_message_goes_in_the_clear_off_this_machine_unless_the_url_allows_it(
    login_smtp_sink: SmtpSink, outside_address: str
) -> None:
    message = EmailMessage()
    message["To"], message["From"] = "ada@example.org", "complaints@example.org"
    message.set_content("https://complaints.example.org/s/the-secret-link")
    url = f"smtp://{outside_address}:{login_smtp_sink.port}"
    # A server that offers no STARTTLS may be a man in the middle who
    # stripped it: the secret link is not sent, and the outbox tries again.
    with pytest.raises(SmtpFailure) as refused:
        SmtpTransport(smtp_settings(url, {})).send(message)
    assert (refused.value.summary, refused.value.permanent) == (
        "the SMTP server offers no STARTTLS", False,
    )  # fmt: skip
    assert login_smtp_sink.received == []
    opportunistic = smtp_settings(f"{url}?starttls=opportunistic", {})
    SmtpTransport(opportunistic).send(message)
    assert len(login_smtp_sink.received) == 1
