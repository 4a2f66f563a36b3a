"""The outbox on SQLite and PostgreSQL: messages queued with the action they
report, sent at least once over real SMTP (an aiosmtpd sink), kept through
an outage, claimed by one sender of several, sealed at rest."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any
from uuid import UUID

import pytest

from ledger.application import ComplaintLedger
from ledger.domain.identity import (
    CUSTOMER,
    CUSTOMER_LINK,
    MAILER,
    OUTBOX,
    WEB_FORM,
    Identity,
)
from ledger.domain.timeutil import ManualClock
from ledger.errors import LinkGone
from ledger.mail.compose import MailSettings
from ledger.mail.sending import send_due
from ledger.mail.smtp import SmtpFailure, SmtpTransport, smtp_settings
from projections.catchup import catch_up, open_store
from projections.outbox import due, listing
from projections.views import ACCESS
from tests.conftest import Plaint, SmtpSink

START = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
SETTINGS = MailSettings("https://complaints.example.org", "complaints@example.org")
WHAT = "The payslip page is empty\nsince Monday, for everyone in accounts."


def web_complaint(ledger: ComplaintLedger, email: str = "ada@example.org") -> Any:
    with ledger.acting(Identity(CUSTOMER, WEB_FORM, "192.0.2.7")):
        return ledger.file_from_web(
            "Payroll", WHAT, "hinders", "Ada", email, accepting={"Payroll"}
        )


def send(ledger: ComplaintLedger, sink: SmtpSink) -> dict[str, int]:
    """One pass of the server's mail loop, as the server."""
    store = open_store(ledger)
    catch_up(ledger, store)

    def run(case: Any) -> Any:
        with ledger.acting(Identity(OUTBOX, MAILER)):
            return case(ledger)

    transport = SmtpTransport(smtp_settings(sink.url, {}))
    return send_due(run, due(store, ledger.clock()), transport, SETTINGS, ledger.clock)


def outbox(ledger: ComplaintLedger) -> list[dict[str, Any]]:
    store = open_store(ledger)
    catch_up(ledger, store)
    return listing(ledger, store, ledger.clock())


def test_mail_waits_through_an_hour_of_smtp_outage_and_goes_out_once(
    plaint: Plaint, smtp_sink: SmtpSink
) -> None:
    clock = ManualClock(START)
    ledger = plaint.open("ann", clock=clock)
    filed = web_complaint(ledger)
    smtp_sink.stop()
    passes = []
    for _minute in range(0, 61, 5):
        passes.append(send(ledger, smtp_sink))
        clock.now += timedelta(minutes=5)
    # Tried at 0, 5, 10, 15, 20, 30 and 50 minutes: pauses of 30 s, 1, 2, 4,
    # 8, 16 and 32 minutes, each attempt at the first pass after its pause.
    assert sum(p["retry"] for p in passes) == 7
    assert sum(p["failed"] + p["sent"] for p in passes) == 0
    [waiting] = outbox(ledger)
    assert (waiting["ref"], waiting["purpose"], waiting["state"]) == (
        filed["ref"], "ack", "pending",
    )  # fmt: skip
    assert waiting["attempts"] == 7
    assert (
        waiting["last_error"] == "cannot reach the SMTP server (ConnectionRefusedError)"
    )
    smtp_sink.start()
    clock.now += timedelta(minutes=30)
    assert send(ledger, smtp_sink)["sent"] == 1
    clock.now += timedelta(hours=2)
    assert send(ledger, smtp_sink)["sent"] == 0
    [mail] = smtp_sink.wait_for(1)
    assert mail["To"] == "ada@example.org"
    assert mail["Message-ID"].startswith(f"<{filed['ref']}.")
    assert mail["Message-ID"].endswith("@complaints.example.org>")
    assert outbox(ledger) == []
    assert [r["kind"] for r in ledger.history(filed["ref"])] == [
        "filed", "mailqueued", "mailsent",
    ]  # fmt: skip
    ledger.close()


def test_of_two_servers_on_one_ledger_only_one_claims_a_message(
    plaint: Plaint,
) -> None:
    clock = ManualClock(START)
    first, second = plaint.open("ann", clock=clock), plaint.open("ann", clock=clock)
    web_complaint(first)
    store = open_store(first)
    catch_up(first, store)
    [row] = due(store, clock.now)
    sender = Identity(OUTBOX, MAILER)
    with first.acting(sender):
        draft = first.claim_mail(row["message"], row["complaint_id"])
    with second.acting(sender):
        assert second.claim_mail(row["message"], row["complaint_id"]) is None
    assert draft is not None
    # A sender that died holding it leaves the claim to expire: another
    # sends it again, at least once in all.
    clock.now += timedelta(minutes=6)
    with second.acting(sender):
        again = second.claim_mail(row["message"], row["complaint_id"])
        assert again is not None
        second.mail_sent(again, "<C-1.x@example.org>")
    with first.acting(sender):
        first.mail_sent(draft, "<C-1.x@example.org>")  # already recorded: nothing
    clock.now += timedelta(minutes=6)
    with first.acting(sender):
        assert first.claim_mail(row["message"], row["complaint_id"]) is None
    kinds = [r["kind"] for r in first.history("C-1")]
    assert kinds.count("mailsent") == 1
    first.close()
    second.close()


def test_a_survey_invitation_waits_for_the_policy_delay_and_is_dropped_on_reopening(
    plaint: Plaint, smtp_sink: SmtpSink
) -> None:
    clock = ManualClock(START)
    ledger = plaint.open("ann", clock=clock)
    ledger.set_policy("*", "*", {"survey": 7200})
    filed = web_complaint(ledger)
    ledger.acknowledge(filed["ref"])
    ledger.resolve(filed["ref"], "Fixed the page")
    assert send(ledger, smtp_sink)["sent"] == 2  # the acknowledgement, the resolution
    clock.now += timedelta(hours=1)
    assert send(ledger, smtp_sink)["sent"] == 0
    ledger.reopen(filed["ref"], "still empty")
    clock.now += timedelta(hours=2)
    assert send(ledger, smtp_sink) == {"sent": 0, "retry": 0, "failed": 0}
    assert sorted(m["Subject"] for m in smtp_sink.received) == [
        "[C-1] Resolved: your message about Payroll",
        "[C-1] We received your message about Payroll",
    ]
    assert ledger.history("C-1")[-1]["kind"] == "mailcancelled"
    ledger.close()


def test_recipients_texts_and_link_secrets_are_never_plaintext_and_erasure_takes_them(
    sqlite_plaint: Plaint, smtp_sink: SmtpSink
) -> None:
    ledger = sqlite_plaint.open("ann")
    filed = web_complaint(ledger, email="unique.person@example.org")
    ledger.acknowledge(filed["ref"])
    ledger.respond(filed["ref"], "Distinctive reply text 7731")
    ledger.resolve(filed["ref"], "Fixed")
    assert send(ledger, smtp_sink)["sent"] == 3  # the survey waits a day
    ledger.erase(filed["ref"], "the customer asked")
    queued = [r["details"] for r in ledger.history(filed["ref"])
              if r["kind"] == "mailqueued"]  # fmt: skip
    assert [(q["purpose"], q["recipient"], q["text"]) for q in queued] == [
        ("ack", None, None), ("responded", None, None), ("resolved", None, None),
        ("survey", None, None),
    ]  # fmt: skip
    assert send(ledger, smtp_sink)["sent"] == 0
    ledger.close()
    assert '"ok": true' in sqlite_plaint.ok("verify", "--json")
    with sqlite3.connect(sqlite_plaint.ledger) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    stored = b"".join(
        path.read_bytes()
        for path in sqlite_plaint.home.glob("ledger.sqlite*")
        if path.is_file()
    )
    for secret in ("unique.person@example.org", "Distinctive reply text 7731",
                   filed["link"], "since Monday"):  # fmt: skip
        assert secret.encode() not in stored, secret


def test_the_acknowledgement_echoes_nothing_the_form_was_given_but_the_address(
    sqlite_plaint: Plaint, smtp_sink: SmtpSink
) -> None:
    # Anyone can type someone else's address into the form: what they typed
    # beside it must not reach that address in the organisation's name.
    ledger = sqlite_plaint.open("ann")
    with ledger.acting(Identity(CUSTOMER, WEB_FORM, "192.0.2.7")):
        ledger.file_from_web(
            "Payroll", "Your refund: https://evil.example/refund\nact now",
            "hinders", "Click https://evil.example/claim to get paid,",
            "victim@example.net", accepting={"Payroll"},
        )  # fmt: skip
    assert send(ledger, smtp_sink)["sent"] == 1
    ledger.close()
    [ack] = smtp_sink.received
    assert ack["To"] == "victim@example.net"
    assert "evil" not in ack.as_string()
    assert "C-1" in ack["Subject"]


def test_a_customer_link_shows_one_complaint_and_records_the_view(
    plaint: Plaint,
) -> None:
    ledger = plaint.open("ann")
    mine, other = web_complaint(ledger), web_complaint(ledger, "eve@example.org")
    ledger.acknowledge(other["ref"])
    ledger.respond(other["ref"], "Only for Eve")
    with ledger.acting(Identity(CUSTOMER, CUSTOMER_LINK, "192.0.2.7")):
        seen = ledger.customer_status(mine["link"])
    assert seen == {
        "ref": mine["ref"], "project": "Payroll", "status": "received",
        "received_at": mine["received_at"], "replies": [], "erased": False,
    }  # fmt: skip
    rows = ledger.history(mine["ref"])
    assert (rows[0]["actor"], rows[0]["proof"], rows[0]["address"]) == (
        "(customer)", "web-form", "192.0.2.7",
    )  # fmt: skip
    store = open_store(ledger)
    catch_up(ledger, store)
    table = store.table_name(ACCESS)
    [viewed] = store.query(f"SELECT member, action, purpose, proof FROM {table}")
    assert viewed == {
        "member": "(customer)", "action": "read", "purpose": "status page",
        "proof": "customer-link",
    }  # fmt: skip
    ledger.close()


def test_a_link_expires_and_a_survey_link_works_once(plaint: Plaint) -> None:
    clock = ManualClock(START)
    ledger = plaint.open("ann", clock=clock)
    filed = web_complaint(ledger)
    ledger.acknowledge(filed["ref"])
    ledger.resolve(filed["ref"], "Fixed")
    survey = ledger.new_link(UUID(ledger.show(filed["ref"])["id"]), "survey")
    customer = Identity(CUSTOMER, CUSTOMER_LINK, "192.0.2.7")
    with ledger.acting(customer):
        assert ledger.answer_survey(survey, "4", "") == {"ref": "C-1", "score": 4}
        with pytest.raises(LinkGone) as used:
            ledger.survey_form(survey)
        assert str(used.value) == "this survey was already answered: thank you"
        clock.now += timedelta(days=90, seconds=-1)
        ledger.customer_status(filed["link"])  # its last second
        clock.now += timedelta(seconds=1)
        with pytest.raises(LinkGone) as expired:
            ledger.customer_status(filed["link"])
    assert str(expired.value) == (
        "this link has expired; the latest email about your complaint has a "
        "fresh one, or write to us quoting its reference"
    )
    ledger.close()


def test_a_server_without_starttls_gets_nothing_when_the_url_requires_it(
    smtp_sink: SmtpSink,
) -> None:
    transport = SmtpTransport(smtp_settings(f"{smtp_sink.url}?starttls=require", {}))
    message = EmailMessage()
    message["To"], message["From"] = "ada@example.org", "complaints@example.org"
    message.set_content("secret")
    with pytest.raises(SmtpFailure) as refused:
        transport.send(message)
    assert (refused.value.summary, refused.value.permanent) == (
        "the SMTP server offers no STARTTLS", False,
    )  # fmt: skip
    assert smtp_sink.received == []
