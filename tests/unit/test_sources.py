"""Bulk intake sources: CSV, JSON Lines, .eml and mbox files read as records."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ledger.domain.intake import Intake
from ledger.errors import InvalidInput
from ledger.sources.records import Defaults, Record, guess_format, read_source

HEADER = "project,channel,severity,summary,received_at\n"
NO_DEFAULTS = Defaults()
SHOP = Defaults(project="Webshop")


def write(path: Path, content: str | bytes) -> Path:
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def read(
    path: Path, defaults: Defaults = NO_DEFAULTS, fmt: str | None = None
) -> list[Record]:
    return list(read_source(path, fmt, defaults))


def reasons(records: list[Record]) -> list[tuple[str, str | None]]:
    return [(record.where, record.reason) for record in records]


def only_intake(records: list[Record]) -> Intake:
    assert len(records) == 1, reasons(records)
    assert records[0].intake is not None, records[0].reason
    return records[0].intake


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


# Formats


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("calls.csv", "csv"),
        ("forms.JSONL", "jsonl"),
        ("forms.ndjson", "jsonl"),
        ("mail.eml", "eml"),
        ("inbox.mbox", "mbox"),
        ("inbox.MBX", "mbox"),
    ],
)
def test_the_format_is_guessed_from_the_extension_ignoring_case(
    tmp_path: Path, name: str, fmt: str
) -> None:
    assert guess_format(tmp_path / name) == fmt


def test_a_directory_is_guessed_to_hold_eml_files(tmp_path: Path) -> None:
    assert guess_format(tmp_path) == "eml"


def test_an_unknown_extension_is_refused_with_the_formats_to_choose_from(
    tmp_path: Path,
) -> None:
    path = tmp_path / "export.xlsx"
    with pytest.raises(InvalidInput) as caught:
        guess_format(path)
    assert str(caught.value) == (
        f"cannot tell the format of {path} from its extension: name it .csv, "
        ".jsonl, .ndjson, .eml, .mbox or .mbx, or give --format "
        "(csv, jsonl, eml or mbox)"
    )


def test_a_missing_file_is_refused_before_anything_is_read(tmp_path: Path) -> None:
    path = tmp_path / "gone.csv"
    with pytest.raises(InvalidInput, match=f"^there is no file {path}$"):
        read_source(path, None, NO_DEFAULTS)


def test_an_unknown_format_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "a.csv", HEADER)
    with pytest.raises(InvalidInput, match=r"^unknown format 'xml': use csv, jsonl"):
        read_source(path, "xml", NO_DEFAULTS)


def test_a_given_format_overrides_the_extension(tmp_path: Path) -> None:
    path = write(tmp_path / "export.txt", HEADER + "Webshop,web,mild,Slow,2026-03-01\n")
    assert only_intake(read(path, fmt="CSV")).summary == "Slow"


def test_only_eml_files_come_in_a_directory(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as caught:
        read_source(tmp_path, "mbox", SHOP)
    assert (
        str(caught.value) == f"{tmp_path} is a directory: only .eml files come in one"
    )


def test_a_default_severity_off_the_scale_is_refused_before_reading(
    tmp_path: Path,
) -> None:
    path = write(tmp_path / "a.csv", HEADER)
    with pytest.raises(InvalidInput) as caught:
        read_source(path, None, Defaults(severity="urgent"))
    assert str(caught.value) == (
        "severity 'urgent' is not one of positive, mild, moderate, severe"
    )


def test_a_record_has_either_an_intake_or_a_reason() -> None:
    with pytest.raises(ValueError, match="either an intake or a reason"):
        Record("line 2")


# CSV


def test_a_csv_with_a_bom_and_mixed_case_headers_gives_full_intakes(
    tmp_path: Path,
) -> None:
    path = write(
        tmp_path / "calls.csv",
        b"\xef\xbb\xbf"
        b" Project ,CHANNEL,Severity,Summary,Detail,Customer,Contact,Source,"
        b"Received-At,external id\r\n"
        b"Webshop,Phone,Severe,Checkout fails,Card declined twice,Ann Lee,"
        b"ann@example.com,call 0800,2026-03-01T14:30+01:00,CALL-17\r\n",
    )
    assert only_intake(read(path)) == Intake(
        project="Webshop",
        channel="phone",
        severity="severe",
        summary="Checkout fails",
        detail="Card declined twice",
        customer="Ann Lee",
        contact="ann@example.com",
        source="call 0800",
        received_at=at("2026-03-01T13:30:00+00:00"),
        external_id="CALL-17",
    )


def test_a_quoted_field_with_newlines_is_reported_at_the_line_it_starts_on(
    tmp_path: Path,
) -> None:
    path = write(
        tmp_path / "calls.csv",
        "project,channel,severity,summary,detail,received_at\n"
        'Webshop,phone,mild,Slow pages,"First line\n'
        "second line\n"
        'third, with a comma",2026-03-01\n'
        'Webshop,phone,mild,"",nothing,2026-03-02\n',
    )
    records = read(path)
    assert records[0].where == "line 2"
    assert records[0].intake is not None
    assert records[0].intake.detail == "First line\nsecond line\nthird, with a comma"
    assert reasons(records[1:]) == [("line 5", "no summary")]


def test_a_bad_severity_is_rejected_at_its_line_and_the_rows_after_it_are_read(
    tmp_path: Path,
) -> None:
    path = write(
        tmp_path / "calls.csv",
        HEADER
        + "Webshop,web,mild,Slow,2026-03-01\n"
        + "Webshop,web,urgent,Down,2026-03-02\n"
        + "Webshop,web,severe,Down again,2026-03-03\n",
    )
    assert reasons(read(path)) == [
        ("line 2", None),
        ("line 3", "severity 'urgent' is not one of positive, mild, moderate, severe"),
        ("line 4", None),
    ]


def test_an_unknown_column_rejects_the_whole_file_naming_it(tmp_path: Path) -> None:
    path = write(
        tmp_path / "calls.csv", "project,channel,severity,sumary,received_at\n"
    )
    with pytest.raises(InvalidInput) as caught:
        read(path)
    assert str(caught.value) == (
        f"{path}: unknown column 'sumary' in the header; the columns are project, "
        "channel, severity, summary, detail, customer, contact, source, "
        "received_at, external_id"
    )


def test_confidential_is_not_a_column(tmp_path: Path) -> None:
    path = write(tmp_path / "calls.csv", HEADER.strip() + ",confidential\n")
    with pytest.raises(InvalidInput, match="unknown column 'confidential'"):
        read(path)


def test_a_column_named_twice_rejects_the_whole_file(tmp_path: Path) -> None:
    path = write(tmp_path / "calls.csv", HEADER.strip() + ",Summary\n")
    with pytest.raises(InvalidInput, match=r": the column summary appears twice$"):
        read(path)


def test_a_csv_without_a_received_at_column_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "calls.csv", "project,channel,severity,summary\n")
    with pytest.raises(InvalidInput) as caught:
        read(path)
    assert str(caught.value) == f"{path} has no received_at column"


def test_a_csv_without_a_project_column_needs_the_project_option(
    tmp_path: Path,
) -> None:
    path = write(
        tmp_path / "calls.csv", "channel,summary,received_at\nweb,Slow,2026-03-01\n"
    )
    with pytest.raises(InvalidInput) as caught:
        read(path)
    assert str(caught.value) == (
        f"{path} has no project column: add one or give --project"
    )
    intake = only_intake(read(path, Defaults(project="Webshop", severity="Moderate")))
    assert (intake.project, intake.severity) == ("Webshop", "moderate")


def test_a_row_without_received_at_is_rejected_with_a_reason(tmp_path: Path) -> None:
    path = write(
        tmp_path / "calls.csv",
        HEADER + "Webshop,web,mild,Slow, \nWebshop,web,mild,Slow,last tuesday\n",
    )
    assert reasons(read(path)) == [
        ("line 2", "no received_at: give the time the complaint arrived"),
        (
            "line 3",
            "received_at 'last tuesday' is not a time: use ISO 8601, for example "
            "2026-03-01 or 2026-03-01T14:30 or 2026-03-01T14:30+01:00",
        ),
    ]


def test_the_defaults_fill_only_missing_or_blank_values(tmp_path: Path) -> None:
    path = write(
        tmp_path / "calls.csv",
        HEADER + "Intranet,web,severe,Slow,2026-03-01\n" + " ,web,,Slow,2026-03-01\n",
    )
    records = read(path, Defaults(project="Webshop", severity="mild"))
    assert [(r.intake.project, r.intake.severity) for r in records if r.intake] == [
        ("Intranet", "severe"),
        ("Webshop", "mild"),
    ]


def test_a_row_without_project_or_severity_and_no_default_is_rejected(
    tmp_path: Path,
) -> None:
    path = write(
        tmp_path / "calls.csv",
        HEADER + ",web,mild,Slow,2026-03-01\nWebshop,,mild,Slow,2026-03-01\n"
        "Webshop,web,,Slow,2026-03-01\nWebshop,fax,mild,Slow,2026-03-01\n",
    )
    assert reasons(read(path)) == [
        ("line 2", "no project: give it in the record or with --project"),
        (
            "line 3",
            "no channel: give one of email, phone, web, chat, meeting, survey, "
            "social, internal, other",
        ),
        ("line 4", "no severity: give it in the record or with --severity"),
        (
            "line 5",
            "channel 'fax' is not one of email, phone, web, chat, meeting, survey, "
            "social, internal, other",
        ),
    ]


def test_blank_rows_are_skipped_and_still_counted_as_lines(tmp_path: Path) -> None:
    path = write(
        tmp_path / "calls.csv",
        HEADER + "\n,,,,\nWebshop,web,mild,Slow,2026-03-01,extra\n",
    )
    assert reasons(read(path)) == [("line 4", "6 fields where the header has 5")]


def test_the_intake_limits_become_reasons(tmp_path: Path) -> None:
    path = write(
        tmp_path / "calls.csv", HEADER + f"Webshop,web,mild,{'x' * 501},2026-03-01\n"
    )
    assert reasons(read(path)) == [
        ("line 2", "the summary is 501 characters long; the limit is 500")
    ]


def test_a_csv_that_is_not_utf8_is_refused_naming_the_line(tmp_path: Path) -> None:
    path = write(
        tmp_path / "calls.csv",
        HEADER.encode() + b"Webshop,web,mild,Slow,2026-03-01\n"
        b"Webshop,web,mild,Caf\xe9 closed,2026-03-01\n",
    )
    records = read_source(path, None, NO_DEFAULTS)
    assert next(records).where == "line 2"  # streamed: read before the bad line
    with pytest.raises(InvalidInput) as caught:
        next(records)
    assert str(caught.value) == (
        f"{path}, line 3: not UTF-8 text; save the file as UTF-8 and import it again"
    )


def test_a_csv_with_bare_carriage_returns_is_read_line_by_line(
    tmp_path: Path,
) -> None:
    path = write(
        tmp_path / "calls.csv",
        HEADER.replace("\n", "\r")
        + 'Webshop,web,mild,"Slow\rand down",2026-03-01\r'
        + "Webshop,web,mild,,2026-03-01\r",
    )
    records = read(path)
    assert reasons(records) == [("line 2", None), ("line 4", "no summary")]
    assert records[0].intake is not None
    assert records[0].intake.summary == "Slow\rand down"


def test_an_empty_csv_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "calls.csv", "")
    with pytest.raises(InvalidInput) as caught:
        read(path)
    assert str(caught.value) == (
        f"{path} is empty: a CSV file starts with a header naming its columns"
    )


# JSON Lines


def test_json_lines_skip_blank_lines_and_reject_lines_that_are_not_objects(
    tmp_path: Path,
) -> None:
    good = (
        '{"project": "Webshop", "channel": "web", "severity": "mild", '
        '"summary": "Slow", "received_at": "2026-03-01", "external_id": 42}'
    )
    path = write(
        tmp_path / "forms.jsonl",
        "\ufeff" + good + '\n\n   \n[1, 2]\n{"summary": \n' + good + "\n",
    )
    records = read(path)
    assert reasons(records) == [
        ("line 1", None),
        ("line 4", "not a JSON object"),
        ("line 5", "not valid JSON: Expecting value at column 13"),
        ("line 6", None),
    ]
    assert records[0].intake is not None
    assert records[0].intake.external_id == "42"


def test_an_unknown_json_key_rejects_only_its_record(tmp_path: Path) -> None:
    path = write(
        tmp_path / "forms.jsonl",
        '{"Channel": "web", "sumary": "Slow", "received-at": "2026-03-01"}\n'
        '{"Channel": "web", "Summary": "Slow", "received-at": "2026-03-01"}\n',
    )
    assert reasons(read(path, Defaults(project="Webshop", severity="mild"))) == [
        (
            "line 1",
            "unknown key 'sumary'; the keys are project, channel, severity, "
            "summary, detail, customer, contact, source, received_at, external_id",
        ),
        ("line 2", None),
    ]


def test_json_values_must_be_text_and_keys_must_not_repeat(tmp_path: Path) -> None:
    path = write(
        tmp_path / "forms.jsonl",
        '{"summary": ["Slow"]}\n'
        '{"summary": "Slow", "SUMMARY": "Slower"}\n'
        '{"summary": "\\ud800"}\n'
        '{"summary": "Slow", "channel": "web", "received_at": null}\n',
    )
    assert reasons(read(path, Defaults(project="Webshop", severity="mild"))) == [
        ("line 1", 'summary must be text, not ["Slow"]'),
        ("line 2", "the key summary appears twice"),
        ("line 3", "summary holds an unpaired surrogate escape"),
        ("line 4", "no received_at: give the time the complaint arrived"),
    ]


# Email

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
