"""Bulk intake from CSV files: columns, defaults, limits and encodings."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger.domain.intake import Intake
from ledger.errors import InvalidInput
from ledger.sources.records import Defaults, read_source
from tests.unit.sourcefiles import (
    HEADER,
    NO_DEFAULTS,
    at,
    only_intake,
    read,
    reasons,
    write,
)


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
