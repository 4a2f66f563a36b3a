"""Real mail as it arrives: without Subject or Date, in unknown charsets, with
broken headers. Each message gives an intake; none is rejected."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger.sources.email_time import NOTES
from ledger.sources.records import Record
from tests.unit.sourcefiles import SHOP, at, only_intake, read, reasons, write

DATE = "Date: Sun, 01 Mar 2026 14:30:00 +0100\n"
RECEIVED = (
    "Received: from relay.example.net by mx.example.org with ESMTP id 9f;\n"
    " Mon, 2 Mar 2026 08:15:00 +0000\n"
    "Received: from laptop (unknown [10.0.0.7]) by relay.example.net;\n"
    " Mon, 2 Mar 2026 08:14:00 +0000\n"
)


def eml(tmp_path: Path, raw: str | bytes) -> Path:
    return write(tmp_path / "mail.eml", raw)


@pytest.mark.parametrize(
    ("raw", "summary"),
    [
        (f"From: ann@example.com\n{DATE}\n\n\n  The card was   declined.\nAgain.\n",
         "The card was declined."),
        (f"From: ann@example.com\nSubject:  \n{DATE}\nPortal down\n", "Portal down"),
        (f"From: ann@example.com\n{DATE}\n", "(no subject)"),
        (f"From: ann@example.com\nSubject: =?utf-8?b?####?=\n{DATE}\nSlow\n", "Slow"),
        (f"From: ann@example.com\n{DATE}\n" + "x" * 600, "x" * 499 + "\u2026"),
    ],
)  # fmt: skip
def test_a_message_without_a_subject_is_summed_up_by_its_first_line(
    tmp_path: Path, raw: str, summary: str
) -> None:
    intake = only_intake(read(eml(tmp_path, raw), SHOP))
    assert intake.summary == summary
    assert intake.received_at == at("2026-03-01T13:30:00+00:00")


@pytest.mark.parametrize(
    ("headers", "received_at", "note"),
    [
        (DATE + RECEIVED, "2026-03-01T13:30:00+00:00", None),
        (RECEIVED, "2026-03-02T08:15:00+00:00", NOTES["received"]),
        ("Date: last tuesday\n" + RECEIVED, "2026-03-02T08:15:00+00:00",
         NOTES["received"]),
        ("Date: Fri, 31 Dec 9999 23:59:59 -0500\n" + RECEIVED,
         "2026-03-02T08:15:00+00:00", NOTES["received"]),
        ("Date: Mon, 2 Mar 2026 10:00:00 +9999\n" + RECEIVED,
         "2026-03-02T08:15:00+00:00", NOTES["received"]),
        ("Date: Thu, 1 Jan 2150 00:00:00 +0000\n", None, NOTES["import"]),
        ("Received: by mx.example.org; not a date at all\n", None, NOTES["import"]),
        ("Date: 1 Jan 99999\n", None, NOTES["import"]),
        ("", None, NOTES["import"]),
    ],
)  # fmt: skip
def test_the_time_received_is_the_best_date_the_message_gives_and_it_says_which(
    tmp_path: Path, headers: str, received_at: str | None, note: str | None
) -> None:
    raw = f"From: ann@example.com\nSubject: Slow\nMessage-ID: <m1@ex.org>\n{headers}"
    raw += "\nHi\n"
    intake = only_intake(read(eml(tmp_path, raw), SHOP))
    assert intake.received_at == (received_at and at(received_at))
    assert intake.source == "; ".join(
        part for part in ("Message-ID <m1@ex.org>", note) if part
    )


def test_a_message_in_an_mbox_without_a_date_was_received_at_its_from_line(
    tmp_path: Path,
) -> None:
    mbox = (
        "From MAILER-DAEMON Mon Mar  2 09:00:00 2026\n"
        "Subject: Where is my refund?\n\nStill waiting.\n\n"
        "From ann@example.com Tue Mar  3 10:00 2026\n"
        "From: ann@example.com\n\nNo subject, no date.\n"
    )
    records = read(write(tmp_path / "inbox.mbox", mbox), SHOP)
    intakes = [record.intake for record in records if record.intake]
    assert [(i.summary, i.received_at, i.source) for i in intakes] == [
        ("Where is my refund?", at("2026-03-02T09:00:00+00:00"), NOTES["mbox"]),
        ("No subject, no date.", at("2026-03-03T10:00:00+00:00"), NOTES["mbox"]),
    ]


def test_broken_headers_and_unknown_charsets_are_decoded_with_replacement(
    tmp_path: Path,
) -> None:
    raw = (
        b'From: a@b, "x" <\n'  # the standard library's address parser raises
        b"Subject: =?x-unknown?q?Caf=E9_ferm=E9?= \xff\xfe\n" + DATE.encode() + b""
        b"Content-Type: text/plain; charset=x-bogus\n\nCaf\xe9 \x93closed\x94\n"
    )
    intake = only_intake(read(eml(tmp_path, raw), SHOP))
    assert (intake.customer, intake.contact) == ('a@b, "x" <', None)
    assert intake.summary == "Caf\ufffd ferm\ufffd \ufffd\ufffd"
    assert intake.detail == "Caf\u00e9 \u201cclosed\u201d"


def test_an_attachment_whose_name_cannot_be_read_still_leaves_the_body(
    tmp_path: Path,
) -> None:
    raw = (
        "From: ann@example.com\nSubject: Invoice\n" + DATE + "Content-Type: "
        'multipart/mixed; boundary="b1"\n\n--b1\nContent-Type: text/plain\n\n'
        "See attached.\n--b1\nContent-Type: application/pdf\n"
        "Content-Disposition: attachment; filename*=ut\x00-8''r%E9.pdf\n\nJVBE\n"
        "--b1--\n"
    )
    intake = only_intake(read(eml(tmp_path, raw), SHOP))
    assert intake.detail == "See attached.\n\n[attachment: application/pdf, 4 bytes]"


def test_only_a_message_with_nothing_to_read_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "mail").mkdir()
    write(tmp_path / "mail" / "a.eml", "")
    write(tmp_path / "mail" / "b.eml", "X-Mailer: nothing else\n\n  \n")
    write(tmp_path / "mail" / "c.eml", "X-Mailer: only a body\n\nHello\n")
    assert reasons(read(tmp_path / "mail", SHOP)) == [
        ("a.eml", "the message is empty"),
        ("b.eml", "nothing in the message can be read: no subject, sender or text"),
        ("c.eml", None),
    ]


CORPUS = [
    # no Subject (a reply from a phone)
    f"From: Ann <ann@example.com>\n{DATE}Message-ID: <c1@ex>\n\nStill broken.\n",
    # no Date, relayed
    f"From: bob@example.com\nSubject: Refund\n{RECEIVED}Message-ID: <c2@ex>\n\nx\n",
    # neither
    "From: cy@example.com\nMessage-ID: <c3@ex>\n\nHello?\n",
    # a Date that is not one
    "From: di@example.com\nSubject: Late\nDate: Montag, 2. März\n\nLate again\n",
    # only HTML, in a multipart
    "From: ed@example.com\nSubject: Portal\n" + DATE + "Content-Type: "
    "multipart/alternative; boundary=zz\n\n--zz\nContent-Type: text/html\n\n"
    "<p>It is <b>down</b></p>\n--zz--\n",
    # a multipart without its boundary
    "From: fi@example.com\nSubject: x\n"
    + DATE
    + "Content-Type: multipart/mixed\n\nbody\n",
    # 8-bit bytes in headers, undeclared charset
    "From: Jörg <jm@example.de>\nSubject: Grüße\n" + DATE + "\nKöln\n",
    # a Message-ID far over the limit
    f"From: gu@example.com\nSubject: Long\n{DATE}Message-ID: <{'x' * 400}@ex>\n\nx\n",
    # an encoded word in an unknown charset, and a body in a bogus one
    "Subject: =?x-unknown?q?s=E9?=\n"
    + DATE
    + "Content-Type: text/plain; charset=x-bogus\n\nb\n",
]


def test_a_corpus_of_real_world_mail_gives_no_rejection(tmp_path: Path) -> None:
    mbox = "".join(
        f"From sender@example.com Mon Mar  2 0{n}:00:00 2026\n{message}\n"
        for n, message in enumerate(CORPUS)
    )
    records: list[Record] = read(write(tmp_path / "inbox.mbox", mbox), SHOP)
    assert reasons(records) == [(f"message {n}", None) for n in range(1, 10)]
    intakes = [record.intake for record in records if record.intake]
    assert [intake.summary for intake in intakes] == [
        "Still broken.", "Refund", "Hello?", "Late", "Portal", "x", "Grüße",
        "Long", "s\ufffd",
    ]  # fmt: skip
    assert [intake.source for intake in intakes][1:4] == [
        f"Message-ID <c2@ex>; {NOTES['mbox']}",
        f"Message-ID <c3@ex>; {NOTES['mbox']}",
        NOTES["mbox"],
    ]
    assert intakes[4].detail == "It is down"
    assert intakes[7].external_id is not None
    assert len(intakes[7].external_id) == 200
