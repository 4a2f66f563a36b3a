"""Bulk intake sources: which format a file is read as, and what is refused
before anything is read."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger.errors import InvalidInput
from ledger.sources.records import Defaults, Record, guess_format, read_source
from tests.unit.sourcefiles import HEADER, NO_DEFAULTS, SHOP, only_intake, read, write


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
