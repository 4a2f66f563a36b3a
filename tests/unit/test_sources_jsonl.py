"""Bulk intake from JSON Lines files: one object a line, text values only."""

from __future__ import annotations

from pathlib import Path

from ledger.sources.records import Defaults
from tests.unit.sourcefiles import read, reasons, write


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
