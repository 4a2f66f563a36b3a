"""Bulk intake from mail: .eml files, directories of them and mbox files."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from ledger.domain.intake import Intake
from ledger.errors import InvalidInput
from ledger.sources.records import Defaults, read_source
from tests.unit.sourcefiles import (
    NO_DEFAULTS,
    SHOP,
    at,
    only_intake,
    read,
    reasons,
    write,
)

PLAIN = (
    "From: Ann Lee <ann@example.com>\r\n"
    "To: support@example.org\r\n"
    "Subject: Checkout fails\r\n"
    "Date: Sun, 01 Mar 2026 14:30:00 +0100\r\n"
    "Message-ID: <c1@mail.example.com>\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "\r\n"
    "The card was declined twice.\r\nPlease call me.\r\n"
)


def message(body: str, *, headers: str = "", content_type: str = "") -> str:
    """A message from Ann with the given extra headers, content type and body."""
    return (
        "From: ann@example.com\n"
        "Subject: Checkout fails\n"
        "Date: Sun, 01 Mar 2026 14:30:00 +0000\n"
        + headers
        + (f"Content-Type: {content_type}\n" if content_type else "")
        + "\n"
        + body
    )


def test_a_plain_text_email_becomes_an_intake_on_the_email_channel(
    tmp_path: Path,
) -> None:
    path = write(tmp_path / "complaint.eml", PLAIN)
    assert only_intake(read(path, SHOP)) == Intake(
        project="Webshop",
        channel="email",
        severity="mild",
        summary="Checkout fails",
        detail="The card was declined twice.\nPlease call me.",
        customer="Ann Lee",
        contact="ann@example.com",
        source="Message-ID <c1@mail.example.com>",
        received_at=at("2026-03-01T13:30:00+00:00"),
        external_id="<c1@mail.example.com>",
    )


def test_an_email_takes_the_given_severity_and_needs_a_project(
    tmp_path: Path,
) -> None:
    path = write(tmp_path / "complaint.eml", PLAIN)
    assert only_intake(read(path, Defaults("Webshop", "severe"))).severity == "severe"
    with pytest.raises(InvalidInput) as caught:
        read_source(path, None, NO_DEFAULTS)
    assert str(caught.value) == (
        "emails say nothing of the project: give it with --project"
    )


def test_a_sender_without_a_name_is_known_by_the_address(tmp_path: Path) -> None:
    path = write(tmp_path / "a.eml", message("Hello"))
    intake = only_intake(read(path, SHOP))
    assert (intake.customer, intake.contact) == ("ann@example.com", "ann@example.com")
    assert (intake.external_id, intake.source) == (None, None)


def test_an_html_only_email_is_turned_into_readable_text(tmp_path: Path) -> None:
    html = (
        "<html><head><title>Ticket</title><style>p {color: red}</style></head>"
        "<body><h1>Checkout&nbsp;fails</h1><p>The card was <b>declined</b>"
        " &amp; refused.</p>\n<ul>\n<li>Monday</li>\n<li>Tuesday</li>\n</ul>"
        "<script>alert('x')</script>Call me<br>on 0800 &lt;free&gt;</body></html>"
    )
    path = write(tmp_path / "a.eml", message(html, content_type="text/html"))
    assert only_intake(read(path, SHOP)).detail == (
        "Checkout fails\n\nThe card was declined & refused.\n\n"
        "- Monday\n- Tuesday\n\nCall me\non 0800 <free>"
    )


def test_a_nested_multipart_gives_its_plain_body_and_notes_the_attachment(
    tmp_path: Path,
) -> None:
    report = base64.encodebytes(bytes(12_345)).decode()
    body = (
        "--outer\n"
        "Content-Type: multipart/alternative; boundary=inner\n\n"
        "--inner\nContent-Type: text/plain; charset=us-ascii\n\nIt broke.\n"
        "--inner\nContent-Type: text/html\n\n<p>It <b>broke</b>.</p>\n"
        "--inner--\n"
        "--outer\n"
        "Content-Type: application/pdf\n"
        'Content-Disposition: attachment; filename="report.pdf"\n'
        "Content-Transfer-Encoding: base64\n\n" + report + "--outer--\n"
    )
    path = write(
        tmp_path / "a.eml",
        message(body, content_type="multipart/mixed; boundary=outer"),
    )
    assert only_intake(read(path, SHOP)).detail == (
        "It broke.\n\n[attachment: report.pdf, 12,345 bytes]"
    )


def test_iso_8859_1_headers_and_body_are_decoded(tmp_path: Path) -> None:
    raw = (
        b"From: =?ISO-8859-1?Q?J=F6rg_M=FCller?= <jm@example.de>\n"
        b"Subject: =?iso-8859-1?q?Caf=E9_geschlossen?=\n"
        b"Date: Sun, 01 Mar 2026 14:30:00 +0100\n"
        b"Content-Type: text/plain; charset=ISO-8859-1\n"
        b"Content-Transfer-Encoding: quoted-printable\n\n"
        b"Gr=FC=DFe aus K=F6ln\n"
    )
    intake = only_intake(read(write(tmp_path / "a.eml", raw), SHOP))
    assert (intake.customer, intake.summary, intake.detail) == (
        "Jörg Müller",
        "Café geschlossen",
        "Grüße aus Köln",
    )


def test_an_unknown_charset_falls_back_to_utf8_then_windows_1252(
    tmp_path: Path,
) -> None:
    utf8 = message("", content_type="text/plain; charset=x-unheard-of").encode()
    (tmp_path / "mail").mkdir()
    write(tmp_path / "mail" / "1.eml", utf8 + "Grüße\n".encode())
    write(tmp_path / "mail" / "2.eml", utf8 + b"\x93Caf\xe9\x94\n")
    records = read(tmp_path / "mail", SHOP)
    assert [r.intake.detail for r in records if r.intake] == [
        "Grüße",
        "\u201cCafé\u201d",
    ]


def test_raw_8bit_names_in_headers_are_decoded(tmp_path: Path) -> None:
    raw = message("Hi").replace("ann@example.com", "Jörg <jm@example.de>").encode()
    assert only_intake(read(write(tmp_path / "a.eml", raw), SHOP)).customer == "Jörg"


def test_an_mbox_gives_each_message_and_its_number(tmp_path: Path) -> None:
    mbox = (
        "From ann@example.com Sun Mar  1 14:30:00 2026\n"
        + PLAIN.replace("\r\n", "\n")
        + "\nFrom the start it was slow.\n"
        + ">From here on, quoted.\n\n"
        + "From MAILER-DAEMON Mon Mar  2 09:00:00 2026\n"
        + "this is not a header\nnor is this\n\n"
        + "From bob@example.com Tue Mar  3 10:00:00 2026\n"
        + message("Third.")
    )
    records = read(write(tmp_path / "inbox.mbox", mbox), SHOP)
    assert reasons(records) == [
        ("message 1", None),
        ("message 2", None),
        ("message 3", None),
    ]
    assert records[0].intake is not None
    assert records[0].intake.detail == (
        "The card was declined twice.\nPlease call me.\n\n"
        "From the start it was slow.\nFrom here on, quoted."
    )


def test_a_file_that_is_not_an_mbox_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "inbox.mbox", PLAIN)
    with pytest.raises(InvalidInput) as caught:
        read(path, SHOP)
    assert str(caught.value) == (
        f"{path} is not an mbox: it does not start with a 'From ' line"
    )


def test_a_directory_gives_its_eml_files_by_name(tmp_path: Path) -> None:
    write(tmp_path / "b.EML", message("Second"))
    write(tmp_path / "a.eml", PLAIN)
    write(tmp_path / "notes.txt", "not mail")
    write(tmp_path / "c.eml", "Subject: x\n\nNo date")
    assert reasons(read(tmp_path, SHOP)) == [
        ("a.eml", None),
        ("b.EML", None),
        ("c.eml", None),
    ]


def test_a_directory_without_eml_files_is_refused(tmp_path: Path) -> None:
    write(tmp_path / "notes.txt", "not mail")
    with pytest.raises(InvalidInput) as caught:
        read_source(tmp_path, None, SHOP)
    assert str(caught.value) == f"there are no .eml files in {tmp_path}"


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        bytes(range(256)) * 4,
        message("body", content_type="multipart/mixed").encode(),
        message("--x\nbroken", content_type="multipart/mixed; boundary=x").encode(),
        message("", content_type="message/rfc822").encode(),
        message("<![if <script", content_type="text/html").encode(),
        message("!!!", headers="Content-Transfer-Encoding: base64\n").encode(),
        b'From: "unterminated <@@>\nSubject: =?bogus?x?y?=\nDate: 1 Jan 99999\n\n',
        b"Subject: a\nDate: Sun, 01 Mar 2026 14:30:00 +0000\nMessage-ID: <<<\n\nx",
    ],
)
def test_no_message_is_too_malformed_to_give_a_record(
    tmp_path: Path, raw: bytes
) -> None:
    records = read(write(tmp_path / "odd.eml", raw), SHOP)
    assert [record.where for record in records] == ["odd.eml"]
