"""Mail delivered over LMTP to a real `plaint serve --lmtp`: real mail's
oddities are filed, replies join their complaint, forged ones do not, and
delivering the same message again changes nothing (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from uuid import UUID

from ledger.mail.messageid import sent_message_id
from tests.conftest import events
from tests.service.conftest import MAIL_DOMAIN, LmtpServer

JANE = "jane.roe@example.com"
OK = 250

# Real mail as it arrives, each filed as a complaint of its own.
CORPUS: dict[str, bytes] = {
    "first": (
        f"From: Jane Roe <{JANE}>\nSubject: Invoice portal times out\n"
        "Date: Mon, 2 Mar 2026 09:00:00 +0000\nMessage-ID: <first@example.com>\n\n"
        "Every morning since Monday.\n.A line that starts with a dot.\n"
    ).encode(),
    "no headers at all but a subject": b"Subject: just this\n\nand a body\n",
    "no subject, date or id": b"From: someone@example.net\n\nThe card was declined.\n",
    "latin-1 in a utf-8 declared body": (
        b"From: =?iso-8859-1?q?Andr=E9?= <andre@example.fr>\n"
        b"Subject: =?iso-8859-1?q?R=E9clamation?=\nMessage-ID: <latin@example.fr>\n"
        b"Content-Type: text/plain; charset=utf-8\n\nLe caf\xe9 \xe9tait froid.\n"
    ),
    "unknown charset": (
        b"From: x@example.org\nSubject: odd\nMessage-ID: <odd@example.org>\n"
        b"Content-Type: text/plain; charset=x-no-such-charset\n\n\xd0\x9f\xd1\x80\n"
    ),
    "multipart with an attachment": (
        b"From: Kim <kim@example.com>\nSubject: screenshots\n"
        b"Message-ID: <multi@example.com>\nMIME-Version: 1.0\n"
        b'Content-Type: multipart/mixed; boundary="b1"\n\n--b1\n'
        b'Content-Type: multipart/alternative; boundary="b2"\n\n--b2\n'
        b"Content-Type: text/plain\n\nSee attached.\n--b2\n"
        b"Content-Type: text/html\n\n<p>See <b>attached</b>.</p>\n--b2--\n--b1\n"
        b"Content-Type: image/png\nContent-Disposition: attachment; "
        b'filename="shot.png"\nContent-Transfer-Encoding: base64\n\niVBORw0KGgo=\n'
        b"--b1--\n"
    ),
    "broken mime boundary": (
        b"From: y@example.org\nSubject: broken\nMessage-ID: <broken@example.org>\n"
        b'Content-Type: multipart/mixed; boundary="never"\n\nno parts at all\n'
    ),
}


def message(
    subject: str, sender: str, body: str, message_id: str, **headers: str
) -> bytes:
    lines = [f"From: {sender}", f"Subject: {subject}", f"Message-ID: {message_id}"]
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return ("\n".join(lines) + "\n\n" + body + "\n").encode()


def history(mail: LmtpServer, ref: str) -> list[dict[str, object]]:
    return list(json.loads(mail.server.plaint.ok("history", ref, "--json")))


def test_real_mail_is_filed_once_and_replies_join_only_from_the_customer(
    lmtp_server: LmtpServer,
) -> None:
    plaint = lmtp_server.server.plaint
    for name, raw in CORPUS.items():
        assert [code for code, _ in lmtp_server.deliver(raw)] == [OK], name
    listed = json.loads(plaint.ok("list", "--json"))
    assert len(listed) == len(CORPUS)
    first = json.loads(plaint.ok("show", "C-1", "--json"))
    assert (
        first["detail"]
        == "Every morning since Monday.\n.A line that starts with a dot."
    )
    latin = json.loads(plaint.ok("show", "C-4", "--json"))
    assert (latin["summary"], latin["customer"]) == ("Réclamation", "André")
    assert latin["detail"] == "Le café était froid."
    multi = json.loads(plaint.ok("show", "C-6", "--json"))
    assert multi["detail"] == "See attached.\n\n[attachment: shot.png, 8 bytes]"

    # Replies by [C-1] subject, one also citing an id of plaint's form that
    # plaint never sent C-1 (it got no mail), which proves nothing; a reply
    # citing mail plaint sent is in tests/service/test_mail_both_ways.py.
    sent = sent_message_id("C-1", UUID(int=42), MAIL_DOMAIN)
    by_id = message("Re: [C-1] your complaint", JANE, "Still slow.",
                    "<r1@example.com>", In_Reply_To=sent, References=sent)  # fmt: skip
    by_tag = message(
        "Re: [C-1] portal", f"Jane <{JANE}>", "And today.", "<r2@example.com>"
    )
    # A stranger's forgery citing the same ids files a complaint of its own.
    forged = message("Re: [C-1] portal", "Mallory <m@evil.example>",
                     "Pay me instead.", "<f@evil.example>",
                     In_Reply_To=sent)  # fmt: skip
    for raw in (by_id, by_tag, forged):
        assert [code for code, _ in lmtp_server.deliver(raw)] == [OK]
    replies = [row for row in history(lmtp_server, "C-1") if row["kind"] == "replied"]
    assert [(r["actor"], r["proof"]) for r in replies] == [("(customer)", "mail")] * 2
    assert [r["details"]["matched_by"] for r in replies] == ["subject", "subject"]
    assert [r["details"]["message"] for r in replies] == ["Still slow.", "And today."]
    forged_ref = f"C-{len(CORPUS) + 1}"
    shown = json.loads(plaint.ok("show", forged_ref, "--json"))
    assert (shown["contact"], shown["detail"]) == ("m@evil.example", "Pay me instead.")

    # Every message again, to two recipients at once: each recipient gets its
    # own reply, and the ledger does not change.
    before = events(plaint)
    for raw in (*CORPUS.values(), by_id, by_tag, forged):
        replies_ = lmtp_server.deliver(raw, ("a@example.org", "b@example.org"))
        assert [code for code, _ in replies_] == [OK, OK]
    assert events(plaint) == before


def test_what_cannot_be_recorded_is_refused_or_kept_and_records_nothing(
    lmtp_server: LmtpServer,
) -> None:
    import smtplib

    plaint = lmtp_server.server.plaint
    before = events(plaint)
    # Nothing in it can be read: refused for good (the mail server bounces it).
    [(code, text)] = lmtp_server.deliver(b"\n\n   \n")
    assert (code, text) == (550, b"5.6.0 The message cannot be read")
    # Over the size limit: refused when declared, before any data is sent.
    with smtplib.LMTP("127.0.0.1", lmtp_server.port) as lmtp:
        lmtp.ehlo_or_helo_if_needed()
        assert lmtp.esmtp_features["size"] == str(25 * 2**20)
        assert lmtp.mail("a@example.org", ["SIZE=30000000"])[0] == 552
    assert events(plaint) == before

    # The ledger refuses the mail member (it lost the right to file): the
    # message is kept by the mail server (451) and recorded when it retries.
    plaint.ok("team", "role", "bob", "auditor")
    raw = message("later", JANE, "Kept for later", "<later@example.com>")
    [(code, _)] = lmtp_server.deliver(raw)
    assert code == 451
    assert events(plaint) == before + 1  # the role change
    plaint.ok("team", "role", "bob", "agent")
    [(code, _)] = lmtp_server.deliver(raw)
    assert code == OK
    assert json.loads(plaint.ok("show", "C-1", "--json"))["summary"] == "later"
