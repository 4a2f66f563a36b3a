"""`plaint report … --csv DIR`: each report's tables as CSV files with a
header row, safe to open in a spreadsheet, written whole or not at all."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tests.conftest import Plaint, error_line, events
from tests.e2e.test_reports import a_story, pinned

FORMULAS = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)"]
REPORTS = {
    "lessons": (["lessons", "--project", "Apollo"],
                {"volume", "channels", "themes", "timing", "breaches-by-channel",
                 "breaches-by-severity", "escalation-paths", "longest-routes",
                 "survey-scores", "service-recovery", "repeat-contacts",
                 "praise-by-channel", "praise", "severe"}),
    "route": (["route", "C-1"], {"events", "escalations", "deadlines"}),
    "warnings": (["warnings"], {"projects", "signals", "customers",
                                "weekly-complaints", "rules"}),
    "team": (["team"], {"members"}),
    "access": (["access"], {"members", "flagged", "complaints", "accesses",
                            "changes"}),
}  # fmt: skip


@pytest.fixture
def story(environ: dict[str, str], tmp_path: Path) -> Plaint:
    """The reports' story, every text a formula, C-1 confidential and read."""
    run = pinned(str(tmp_path / "ledger.sqlite"), environ, tmp_path)
    run.ok("team", "add", "cat", "--role", "compliance")
    a_story(run, FORMULAS[0])
    run.ok("file", "--project", "Apollo", "--channel", "web", "--severity",
           "severe", "--summary", FORMULAS[0], actor="bob")  # fmt: skip
    run.ok("file", "--project", "Apollo", "--channel", "web", "--severity",
           "severe", "--summary", FORMULAS[1], actor="bob")  # fmt: skip
    for formula in FORMULAS[2:]:
        run.ok("file", "--project", "Apollo", "--channel", "web", "--severity",
               "positive", "--summary", formula, actor="bob")  # fmt: skip
    run.ok("confidential", "C-1", "--allow", "compliance", actor="lee")
    run.ok("show", "C-1", actor="cat")
    return run


def read(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def test_each_report_writes_every_table_as_a_csv_file_with_a_header_row(
    story: Plaint, tmp_path: Path
) -> None:
    for name, (args, expected) in REPORTS.items():
        folder = tmp_path / f"csv-{name}"
        actor = "cat" if name == "access" else "ann"
        out = story.ok("report", *args, "--csv", str(folder), actor=actor)
        files = {p.name for p in folder.iterdir()}
        assert files == {f"{name}-{table}.csv" for table in expected}, name
        assert sorted(out.splitlines()) == sorted(f"Wrote {folder / f}" for f in files)
        for file in files:
            rows = read(folder / file)
            assert rows, file
            assert all(rows[0]), file
            assert all(len(row) == len(rows[0]) for row in rows), file
    data = json.loads(story.ok("report", "lessons", "--project", "Apollo", "--json"))
    timing = read(tmp_path / "csv-lessons" / "lessons-timing.csv")
    assert timing[0][:3] == ["deadline", "met", "median_seconds"]
    assert [row[:3] for row in timing[1:]] == [
        [t["deadline"], str(t["count"]), str(t["median"] or "")] for t in data["timing"]
    ]


def test_a_text_a_spreadsheet_would_run_as_a_formula_is_written_as_text(
    story: Plaint, tmp_path: Path
) -> None:
    story.ok("report", "lessons", "--project", "Apollo", "--csv", str(tmp_path / "c"))
    cells = [cell for file in (tmp_path / "c").iterdir() for row in read(file)
             for cell in row]  # fmt: skip
    for formula in FORMULAS:
        assert f"'{formula}" in cells, formula
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@")]


def test_the_page_and_its_csv_files_record_the_run_once(
    story: Plaint, tmp_path: Path
) -> None:
    before = events(story)
    out = story.ok("report", "team", "-o", str(tmp_path / "team.html"),
                   "--csv", str(tmp_path / "c"))  # fmt: skip
    assert out.splitlines() == [
        f"Wrote {tmp_path / 'team.html'}",
        f"Wrote {tmp_path / 'c' / 'team-members.csv'}",
    ]
    assert events(story) == before + 1


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("missing/csv", "Error: --csv {tmp}/missing/csv cannot be made: "
                        "{tmp}/missing is not a directory"),
        ("a-file", "Error: Invalid value for '--csv': Directory '{tmp}/a-file' is a "
                   "file."),
    ],
)  # fmt: skip
def test_an_unusable_csv_directory_is_refused_in_one_line_and_nothing_is_written(
    story: Plaint, tmp_path: Path, where: str, expected: str
) -> None:
    (tmp_path / "a-file").write_text("not a directory")
    before = events(story)
    result = story("report", "team", "--csv", str(tmp_path / where))
    assert (result.exit_code, error_line(result.stderr)) == (
        2, expected.format(tmp=tmp_path)
    )  # fmt: skip
    assert events(story) == before
    assert not (tmp_path / "missing").exists()
    assert (tmp_path / "a-file").read_text() == "not a directory"
