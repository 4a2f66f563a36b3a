"""`plaint outbox` lists what waits for the customer's mailbox; `plaint
outbox send` sends it from cron."""

from __future__ import annotations

import json

from ledger.domain.identity import CUSTOMER, WEB_FORM, Identity
from tests.conftest import Plaint, SmtpSink, error_line


def web_complaint(plaint: Plaint) -> str:
    ledger = plaint.open("ann")
    try:
        with ledger.acting(Identity(CUSTOMER, WEB_FORM, "192.0.2.7")):
            filed = ledger.file_from_web(
                "Payroll", "Payslip empty", "annoying", "", "ada@example.org",
                accepting={"Payroll"},
            )  # fmt: skip
    finally:
        ledger.close()
    return str(filed["ref"])


def test_the_outbox_lists_pending_mail_and_send_empties_it(
    plaint: Plaint, smtp_sink: SmtpSink
) -> None:
    assert plaint.ok("outbox") == "Nothing waits in the outbox.\n"
    ref = web_complaint(plaint)
    [row] = json.loads(plaint.ok("outbox", "--json"))
    assert (row["ref"], row["purpose"], row["state"], row["attempts"]) == (
        ref, "ack", "pending", 0,
    )  # fmt: skip
    assert "ada@example.org" not in plaint.ok("outbox", "--json")
    sent = plaint.ok("outbox", "send", "--smtp", smtp_sink.url, "--public-url",
                     "https://complaints.example.org", actor="bob")  # fmt: skip
    assert sent == "Sent 1; 0 will be tried again; 0 given up.\n"
    [mail] = smtp_sink.wait_for(1)
    assert mail["Subject"] == f"[{ref}] We received your message about Payroll"
    assert plaint.ok("outbox") == "Nothing waits in the outbox.\n"


def test_sending_the_outbox_with_a_bad_url_or_as_an_auditor_is_refused(
    plaint: Plaint,
) -> None:
    bad = plaint("outbox", "send", "--smtp", "http://mail.example.org",
                 "--public-url", "https://complaints.example.org")  # fmt: skip
    assert bad.exit_code == 2
    assert error_line(bad.stderr) == (
        "Error: 'http://mail.example.org' is not an SMTP URL like "
        "smtp://mail.example.org:587"
    )
    plaint.environ["PLAINT_OUTBOX_RETRY_BASE"] = "0"
    bad = plaint("outbox", "send", "--smtp", "smtp://127.0.0.1:1",
                 "--public-url", "https://x.example.org", actor="bob")  # fmt: skip
    assert bad.exit_code == 2
    assert error_line(bad.stderr) == (
        "Error: PLAINT_OUTBOX_RETRY_BASE must be whole seconds from 1 to 3600, not '0'"
    )
    del plaint.environ["PLAINT_OUTBOX_RETRY_BASE"]
    refused = plaint("outbox", "send", "--smtp", "smtp://127.0.0.1:1",
                     "--public-url", "https://x.example.org", actor="aud")  # fmt: skip
    assert refused.exit_code == 1
    assert error_line(refused.stderr) == (
        "Error: aud is auditor and may not send the outbox: that needs the role "
        "agent, lead, manager or admin"
    )


def test_serving_mail_without_a_public_url_is_refused_before_it_listens(
    sqlite_plaint: Plaint,
) -> None:
    result = sqlite_plaint("serve", "--port", "0", "--smtp", "smtp://127.0.0.1:25")
    assert result.exit_code == 2
    assert error_line(result.stderr) == (
        "Error: sending mail needs --public-url (or PLAINT_PUBLIC_URL): the links "
        "in each message point there"
    )
