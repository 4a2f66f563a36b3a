"""Mail as it arrives: the customer's reply joins its complaint only from the
customer's address; anything else is filed as `import` files an .eml; each
message is recorded once (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from email.message import EmailMessage
from typing import Any
from uuid import UUID

import pytest

from ledger.domain.identity import CUSTOMER, MAILER, OUTBOX, WEB_FORM, Identity
from ledger.errors import InvalidInput
from ledger.mail.compose import MailSettings
from ledger.mail.messageid import sent_message_id
from ledger.mail.sending import send_due
from projections.catchup import catch_up, open_store
from projections.outbox import due
from tests.conftest import Plaint, error_line, events

DOMAIN = "complaints.example.org"
JANE = "jane@example.com"


def message(
    subject: str = "Invoice portal times out",
    sender: str = f"Jane Roe <{JANE}>",
    body: str = "It times out every morning.",
    message_id: str | None = "<first@example.com>",
    dated: bool = True,
    **headers: str,
) -> bytes:
    """A plain-text message with these headers (In_Reply_To as In-Reply-To)."""
    lines = [f"From: {sender}", f"Subject: {subject}"]
    if dated:
        lines.append("Date: Mon, 2 Mar 2026 09:00 +0000")
    if message_id:
        lines.append(f"Message-ID: {message_id}")
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n" + body + "\r\n").encode()


def receive(plaint: Plaint, raw: bytes) -> dict[str, object]:
    ledger = plaint.open("bob")
    try:
        return ledger.receive_mail(raw, project="Apollo", domain=DOMAIN)
    finally:
        ledger.close()


def history(plaint: Plaint, ref: str) -> list[dict[str, object]]:
    return list(json.loads(plaint.ok("history", ref, "--json")))


def test_a_new_message_is_filed_as_import_files_it_and_once(plaint: Plaint) -> None:
    raw = message()
    assert receive(plaint, raw) == {"outcome": "filed", "ref": "C-1"}
    before = events(plaint)
    assert receive(plaint, raw) == {"outcome": "duplicate", "ref": "C-1"}
    assert events(plaint) == before
    shown = json.loads(plaint.ok("show", "C-1", "--json"))
    assert (shown["channel"], shown["summary"], shown["contact"]) == (
        "email", "Invoice portal times out", JANE,
    )  # fmt: skip
    assert shown["external_id"] == "<first@example.com>"
    # `import` of the same message finds it taken by the same claim.
    (plaint.home / "same.eml").write_bytes(raw)
    out = plaint.ok("import", str(plaint.home / "same.eml"), "--project", "Apollo")
    assert out == "Imported 0; skipped 1 already imported; rejected 0.\n"


def test_a_reply_by_subject_tag_from_the_customer_joins_its_complaint(
    plaint: Plaint,
) -> None:
    receive(plaint, message())
    reply = message("Re: [C-1] Invoice portal", f"jane <{JANE.upper()}>",
                    "Still broken.", "<second@example.com>")  # fmt: skip
    assert receive(plaint, reply) == {"outcome": "replied", "ref": "C-1",
                                      "reopened": False}  # fmt: skip
    last = history(plaint, "C-1")[-1]
    assert (last["kind"], last["actor"]) == ("replied", "(customer)")
    assert last["proof"] == "mail"
    assert last["details"]["message"] == "Still broken."
    assert last["details"]["matched_by"] == "subject"
    before = events(plaint)
    assert receive(plaint, reply)["outcome"] == "duplicate"
    assert events(plaint) == before
    assert "(customer) (mail) replied" in plaint.ok("history", "C-1")
    shown = plaint.ok("show", "C-1")
    assert shown.endswith(
        "  reply 1: "
        + shown.split("  reply 1: ")[1].split(" from ")[0]
        + f" from {JANE.upper()}: Re: [C-1] Invoice portal\n    Still broken.\n"
    )
    [reply] = json.loads(plaint.ok("show", "C-1", "--json"))["replies"]
    assert (reply["from"], reply["message"]) == (JANE.upper(), "Still broken.")
    route = json.loads(plaint.ok("report", "route", "C-1", "--json"))
    assert route["events"][-1]["kind"] == "replied"
    [point] = [p for p in route["timeline"]["points"] if p["kind"] == "replied"]
    assert route["timeline"]["lanes"][point["lane"]] == "Responded and resolved"


class Kept:
    """A transport that keeps what it is given (no SMTP needed here)."""

    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []

    def send(self, message: EmailMessage) -> None:
        self.sent.append(message)


def web_complaint_acknowledged(plaint: Plaint, email: str, *, send: bool) -> str:
    """A complaint filed through the form by `email`; with `send`, its
    acknowledgement sent (`MailSent`); its Message-ID either way."""
    ledger = plaint.open("ann")
    try:
        with ledger.acting(Identity(CUSTOMER, WEB_FORM, "192.0.2.7")):
            filed = ledger.file_from_web(
                "Payroll", "Payslips are empty", "hinders", "Jane", email,
                accepting={"Payroll"},
            )  # fmt: skip
        store = open_store(ledger)
        catch_up(ledger, store)
        row = due(store, ledger.clock())[-1]  # its acknowledgement, the newest
        if not send:
            return sent_message_id(filed["ref"], UUID(row["message"]), DOMAIN)

        def run(case: Any) -> Any:
            with ledger.acting(Identity(OUTBOX, MAILER)):
                return case(ledger)

        kept = Kept()
        settings = MailSettings(f"https://{DOMAIN}", f"complaints@{DOMAIN}")
        assert send_due(run, [row], kept, settings, ledger.clock)["sent"] == 1
        return str(kept.sent[0]["Message-ID"])
    finally:
        ledger.close()


def test_a_reply_citing_a_message_plaint_sent_joins_by_its_message_id(
    plaint: Plaint,
) -> None:
    sent = web_complaint_acknowledged(plaint, JANE, send=True)
    assert sent.startswith("<C-1.")
    assert sent.endswith(f"@{DOMAIN}>")
    reply = message("Re: your complaint", JANE, "Thanks", "<r@example.com>",
                    In_Reply_To=sent.upper(), References=f"<x@y> {sent}")  # fmt: skip
    assert receive(plaint, reply)["outcome"] == "replied"
    assert history(plaint, "C-1")[-1]["details"]["matched_by"] == "message-id"


def test_a_well_formed_message_id_plaint_never_sent_proves_nothing(
    plaint: Plaint,
) -> None:
    sent = web_complaint_acknowledged(plaint, JANE, send=True)
    unsent = web_complaint_acknowledged(plaint, "kim@example.com", send=False)
    before = history(plaint, "C-1")
    forged = sent_message_id("C-1", UUID(int=7), DOMAIN)
    # Another complaint's real id, pointed at C-1; C-2's, queued, not sent.
    elsewhere = sent.replace("<C-1.", "<C-2.")
    assert unsent.startswith("<C-2.")
    for n, cited in enumerate((forged, elsewhere)):
        raw = message("Re: your complaint", JANE, "Hello", f"<f{n}@example.com>",
                      In_Reply_To=cited)  # fmt: skip
        assert receive(plaint, raw)["outcome"] == "filed"
    pending = message("Re: your complaint", "kim@example.com", "Hi",
                      "<p@example.com>", In_Reply_To=unsent)  # fmt: skip
    assert receive(plaint, pending) == {"outcome": "filed", "ref": "C-5"}
    assert history(plaint, "C-1") == before
    # From the customer, with the complaint's tag in its subject, it joins,
    # by the subject: the forged id is no proof either way.
    tagged = message("Re: [C-1] your complaint", JANE, "Still", "<t@example.com>",
                     In_Reply_To=forged)  # fmt: skip
    assert receive(plaint, tagged)["outcome"] == "replied"
    assert history(plaint, "C-1")[-1]["details"]["matched_by"] == "subject"


def test_a_forged_reply_from_a_stranger_is_filed_as_a_new_complaint(
    plaint: Plaint,
) -> None:
    receive(plaint, message())
    before = history(plaint, "C-1")
    cited = sent_message_id("C-1", UUID(int=1), DOMAIN)
    forged = message("Re: [C-1] refund", "Mallory <mallory@evil.example>",
                     "Send the refund to my account", "<forged@evil.example>",
                     In_Reply_To=cited)  # fmt: skip
    assert receive(plaint, forged) == {"outcome": "filed", "ref": "C-2"}
    assert history(plaint, "C-1") == before
    # A tag naming no complaint files a new one too.
    ghost = message("[C-99] hello", JANE, "Hi", "<ghost@example.com>")
    assert receive(plaint, ghost) == {"outcome": "filed", "ref": "C-3"}


def test_a_reply_reopens_a_resolved_complaint_unless_the_policy_says_not(
    plaint: Plaint,
) -> None:
    receive(plaint, message())
    plaint.ok("ack", "C-1", actor="bob")
    plaint.ok("resolve", "C-1", "--resolution", "Fixed the proxy", actor="bob")
    done = receive(plaint, message("Re: [C-1]", JANE, "Not fixed", "<n@example.com>"))
    assert done["reopened"] is True
    last = history(plaint, "C-1")[-1]
    assert (last["kind"], last["actor"]) == ("reopened", "(customer)")
    assert last["proof"] == "mail"
    assert json.loads(plaint.ok("show", "C-1", "--json"))["status"] == "in_progress"

    plaint.ok("resolve", "C-1", "--resolution", "Fixed again", actor="bob")
    # An out-of-office answer is recorded, and reopens nothing.
    away = message("Re: [C-1] Fixed", JANE, "I am away", "<away@example.com>",
                   Auto_Submitted="auto-replied")  # fmt: skip
    assert receive(plaint, away)["reopened"] is False
    assert history(plaint, "C-1")[-1]["details"]["automatic"] is True
    plaint.ok("policy", "set", "--channel", "email", "--severity", "*",
              "--keep-resolved-on-reply", actor="lee")  # fmt: skip
    assert "a reply keeps it resolved" in plaint.ok("policy", "show")
    done = receive(plaint, message("Re: [C-1]", JANE, "Thanks!", "<t@example.com>"))
    assert done["reopened"] is False
    assert json.loads(plaint.ok("show", "C-1", "--json"))["status"] == "resolved"


def test_a_message_without_a_message_id_is_recorded_once_however_often_delivered(
    plaint: Plaint,
) -> None:
    # Nor a date: its time received is when it arrived, which differs.
    raw = message(message_id=None, body="No id here", dated=False)
    assert receive(plaint, raw)["outcome"] == "filed"
    assert receive(plaint, raw) == {"outcome": "duplicate", "ref": "C-1"}
    again = b"Received: from mx by mx2; Tue, 3 Mar 2026 10:00:00 +0000\r\n" + raw
    assert receive(plaint, again) == {"outcome": "duplicate", "ref": "C-1"}


def test_an_unreadable_message_is_refused_and_records_nothing(plaint: Plaint) -> None:
    before = events(plaint)
    with pytest.raises(InvalidInput, match="the message is empty"):
        receive(plaint, b"\r\n")
    assert events(plaint) == before


def test_a_reply_is_sealed_at_rest_like_complaint_text(sqlite_plaint: Plaint) -> None:
    receive(sqlite_plaint, message())
    receive(sqlite_plaint, message("Re: [C-1] canary", JANE,
                                   "CANARY-REPLY-TEXT", "<c@example.com>"))  # fmt: skip
    stored = b"".join(
        path.read_bytes() for path in sqlite_plaint.home.glob("ledger.sqlite*")
    )
    assert b"CANARY-REPLY-TEXT" not in stored
    assert b"canary" not in stored
    assert JANE.encode() not in stored
    sqlite_plaint.ok("erase", "C-1", "--reason", "the customer asked")
    [reply] = json.loads(sqlite_plaint.ok("show", "C-1", "--json"))["replies"]
    assert (reply["from"], reply["subject"], reply["message"]) == (None, None, None)
    before = events(sqlite_plaint)
    again = message("Re: [C-1] more", JANE, "After erasure", "<e@example.com>")
    assert receive(sqlite_plaint, again) == {"outcome": "filed", "ref": "C-2"}
    assert events(sqlite_plaint) == before + 2


def test_serve_refuses_mail_it_could_not_take_before_it_listens(
    sqlite_plaint: Plaint,
) -> None:
    lmtp = ["serve", "--port", "0", "--lmtp", "127.0.0.1:8024"]
    result = sqlite_plaint(*lmtp, actor="bob")
    assert result.exit_code == 2
    assert error_line(result.stderr) == (
        "Error: mail says nothing of the project: give --mail-project"
    )
    sqlite_plaint.ok("team", "add", "aud", "--role", "auditor")
    result = sqlite_plaint(*lmtp, "--mail-project", "P", actor="aud")
    assert result.exit_code == 1
    assert error_line(result.stderr) == (
        "Error: aud is auditor and may not take in mail: that needs the role "
        "agent, lead, manager or admin"
    )
    result = sqlite_plaint("serve", "--imap", "imaps://u:pw@mail.example.org/",
                           "--mail-project", "P", actor="bob")  # fmt: skip
    assert result.exit_code == 2
    assert error_line(result.stderr) == (
        "Error: put the IMAP password in PLAINT_IMAP_PASSWORD, not in the URL, "
        "where other users of the machine can read it"
    )


def test_a_report_that_withholds_a_confidential_complaints_text_withholds_replies(
    plaint: Plaint,
) -> None:
    receive(plaint, message())
    receive(plaint, message("Re: [C-1] secret", JANE, "SECRET", "<s@example.com>"))
    plaint.ok("confidential", "C-1", "--allow", "bob", actor="lee")
    route = json.loads(plaint.ok("report", "route", "C-1", "--json", actor="aud"))
    assert route["text_shown"] is False
    assert "SECRET" not in json.dumps(route)
    assert JANE not in json.dumps(route)
    [replied] = [e for e in route["events"] if e["kind"] == "replied"]
    assert {d["name"] for d in replied["details"] if d["withheld"]} == {
        "subject", "message", "contact", "customer", "external id",
    }  # fmt: skip
