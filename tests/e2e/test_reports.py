"""The HTML reports through the real CLI: deterministic, self-contained, escaped."""

from __future__ import annotations

import json
import re
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ledger.domain.timeutil import ManualClock
from tests.conftest import Plaint

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    "</style><script>alert(2)</script>",
]
REPORTS = {
    "lessons": ["lessons", "--project", "Apollo"],
    "route": ["route", "C-1"],
    "warnings": ["warnings"],
    "team": ["team"],
}


def pinned(backend: str, environ: dict[str, str], home: Path) -> Plaint:
    """A ledger whose every event happens at a time the test sets."""
    run = Plaint(backend, environ, home, clock=ManualClock(START))
    run.ok("init", "--admin", "ann")
    run.ok("team", "add", "lee", "--role", "lead")
    run.ok("team", "add", "bob", "--role", "agent")
    run.ok("policy", "set", "--channel", "*", "--severity", "*", "--owner", "bob",
           "--escalate-to", "ann", "--ack", "4h", "--respond", "1d",
           "--resolve", "3d")  # fmt: skip
    return run


def later(run: Plaint, **delta: float) -> None:
    assert isinstance(run.clock, ManualClock)
    run.clock.now += timedelta(**delta)


def a_story(run: Plaint, text: str = "") -> None:
    """Two projects; one complaint escalated by hand and by the sweep, resolved
    and surveyed; one praised; one left open and overdue."""
    run.ok("file", "--project", "Apollo", "--channel", "email", "--severity", "severe",
           "--summary", f"Portal down {text}", "--detail", f"All morning {text}",
           "--customer", f"Jane Roe {text}", "--source", f"support@ {text}",
           actor="bob")  # fmt: skip
    later(run, hours=1)
    run.ok("ack", "C-1", actor="bob")
    later(run, hours=2)
    run.ok("escalate", "C-1", "--to", "lee", "--reason", f"angry {text}", actor="lee")
    later(run, days=1, hours=1)
    run.ok("sweep", actor="lee")
    later(run, hours=1)
    run.ok("respond", "C-1", "--message", f"On it {text}", actor="ann")
    run.ok("resolve", "C-1", "--resolution", f"Restarted {text}", actor="ann")
    later(run, days=1)
    run.ok("survey", "C-1", "--score", "4", "--comment", f"fine {text}", actor="bob")
    run.ok("file", "--project", "Apollo", "--channel", "phone", "--severity",
           "positive", "--summary", f"Thanks {text}", actor="bob")  # fmt: skip
    run.ok("file", "--project", "Borealis", "--channel", "web", "--severity", "mild",
           "--summary", f"Slow {text}", actor="bob")  # fmt: skip
    later(run, days=2)


def render_all(run: Plaint, where: Path, actor: str = "ann") -> dict[str, str]:
    pages = {}
    for name, args in REPORTS.items():
        path = where / f"{name}.html"
        written = run.ok("report", *args, "-o", str(path), actor=actor)
        assert written == f"Wrote {path}\n"
        pages[name] = path.read_text()
    return pages


def test_the_same_ledger_and_clock_give_byte_identical_reports(
    environ: dict[str, str], tmp_path: Path
) -> None:
    ledger = tmp_path / "ledger.sqlite"
    run = pinned(str(ledger), environ, tmp_path)
    a_story(run)
    kept = tmp_path / "kept"
    kept.mkdir()
    files = list(tmp_path.glob("ledger.sqlite*"))
    for file in files:
        shutil.copy2(file, kept / file.name)
    first = render_all(run, tmp_path)
    # Each run is recorded in the ledger, so put the ledger back as it was.
    for file in tmp_path.glob("ledger.sqlite*"):
        file.unlink()
    for file in files:
        shutil.copy2(kept / file.name, file)
    second = render_all(run, kept)
    assert first == second
    assert "2026-03-06 14:00 UTC" in first["warnings"]  # the pinned generation time


def test_no_report_refers_to_anything_outside_itself(
    environ: dict[str, str], tmp_path: Path
) -> None:
    run = pinned(str(tmp_path / "ledger.sqlite"), environ, tmp_path)
    a_story(run)
    for name, page in render_all(run, tmp_path).items():
        assert page.startswith("<!doctype html>"), name
        assert "<script" not in page.lower(), name
        assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page), name
        for outside in ("@import", "<link", "<iframe", "<object", "<embed"):
            assert outside not in page, (name, outside)
        # url() only to the page's own chart patterns (`url(#pattern-mild)`).
        assert not re.search(r"url\(\s*(?!#pattern-[a-z]+\))", page), name
        assert "<svg" in page, name
        assert "@media print" in page, name


def test_html_and_script_in_any_text_field_is_escaped_in_every_report(
    backend: str, environ: dict[str, str], tmp_path: Path
) -> None:
    run = pinned(backend, environ, tmp_path)
    a_story(run, " ".join(PAYLOADS))
    run.ok("file", "--project", PAYLOADS[0], "--channel", "web", "--severity",
           "severe", "--summary", PAYLOADS[1], actor="bob")  # fmt: skip
    pages = render_all(run, tmp_path)
    evil = tmp_path / "evil.html"
    run.ok("report", "lessons", "--project", PAYLOADS[0], "-o", str(evil))
    pages["evil project"] = evil.read_text()
    for name, page in pages.items():
        for payload in PAYLOADS:
            assert payload not in page, (name, payload)
        for tag in ("<img", "<script", "<svg onload"):
            assert tag not in page, (name, tag)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages["route"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages["lessons"]


def test_json_prints_the_data_behind_each_report(
    backend: str, environ: dict[str, str], tmp_path: Path
) -> None:
    run = pinned(backend, environ, tmp_path)
    a_story(run)
    ledger = run.open()
    location = ledger.location.display
    ledger.close()
    for name, args in REPORTS.items():
        data = json.loads(run.ok("report", *args, "--json"))
        assert data["header"]["report"] == name
        assert data["header"]["generated_by"] == "ann"
        assert data["header"]["generated_at"] == "2026-03-06T14:00:00Z"
        assert data["header"]["ledger"] == location
        assert data["header"]["events"]["first"] == 1
    lessons = json.loads(run.ok("report", "lessons", "--project", "Apollo", "--json"))
    assert lessons["totals"]["complaints"] == 2
    assert lessons["severe"]["rows"][0]["text"]["resolution"] == "Restarted"
    assert lessons["routes"]["common"][0]["path"] == ["bob", "lee", "ann"]
    team = json.loads(run.ok("report", "team", "--json"))
    assert [m["member"] for m in team["members"]] == ["ann", "bob", "lee"]


def test_the_route_report_lists_every_event_in_order(
    environ: dict[str, str], tmp_path: Path
) -> None:
    run = pinned(str(tmp_path / "ledger.sqlite"), environ, tmp_path)
    a_story(run)
    history = json.loads(run.ok("history", "C-1", "--json"))
    route = json.loads(run.ok("report", "route", "C-1", "--json"))
    assert [(e["seq"], e["kind"], e["actor"]) for e in route["events"]] == [
        (h["seq"], h["kind"], h["actor"]) for h in history
    ]
    kinds = [e["kind"] for e in route["events"]]
    assert kinds == ["filed", "acknowledged", "escalated", "escalated", "responded",
                     "resolved", "surveyed"]  # fmt: skip
    assert [e["state"]["owner"] for e in route["events"]] == [
        "bob", "bob", "lee", "ann", "ann", "ann", "ann"
    ]  # fmt: skip
    sweep = route["escalations"][1]
    assert (sweep["trigger"], sweep["deadline"], sweep["state"]["owner"]) == (
        "sweep", "respond", "lee"
    )  # fmt: skip
    assert {d["name"]: d["outcome"] for d in sweep["deadlines"]} == {
        "ack": "met", "respond": "missed", "resolve": "pending"
    }  # fmt: skip
    page = tmp_path / "route.html"
    run.ok("report", "route", "C-1", "-o", str(page))
    html = page.read_text()
    for event in route["events"]:
        assert f'<span class="seq">{event["seq"]}</span>' in html


def test_each_run_is_recorded_in_the_ledger(sqlite_plaint: Plaint) -> None:
    sqlite_plaint.ok("file", "--project", "P", "--channel", "web", "--severity",
                     "mild", "--summary", "s")  # fmt: skip
    before = json.loads(sqlite_plaint.ok("info", "--json"))["events"]
    sqlite_plaint.ok("report", "warnings", "--json")
    sqlite_plaint.ok("report", "route", "C-1", "--json", actor="bob")
    after = json.loads(sqlite_plaint.ok("info", "--json"))["events"]
    assert after == before + 2


def test_as_of_shows_the_ledger_as_it_stood_then(
    environ: dict[str, str], tmp_path: Path
) -> None:
    run = pinned(str(tmp_path / "ledger.sqlite"), environ, tmp_path)
    a_story(run)
    then = (START + timedelta(hours=4)).isoformat()
    lessons = json.loads(
        run.ok("report", "lessons", "--project", "Apollo", "--as-of", then, "--json")
    )
    assert lessons["header"]["as_of"] == "2026-03-02T13:00:00Z"
    assert lessons["totals"]["complaints"] == 1
    assert lessons["severe"]["rows"][0]["status"] == "in_progress"
    assert lessons["severe"]["rows"][0]["text"]["resolution"] is None
    warnings = json.loads(run.ok("report", "warnings", "--as-of", then, "--json"))
    assert [p["project"] for p in warnings["projects"]] == ["Apollo"]


def test_text_of_a_confidential_complaint_is_left_out_for_those_not_allowed(
    environ: dict[str, str], tmp_path: Path
) -> None:
    run = pinned(str(tmp_path / "ledger.sqlite"), environ, tmp_path)
    a_story(run, "SECRET-77")
    run.ok("confidential", "C-1", "--allow", "lee", actor="lee")
    for name, page in render_all(run, tmp_path, actor="bob").items():
        if name in ("lessons", "route"):
            assert "Portal down" not in page, name
            assert "Restarted" not in page, name
            assert "not shown" in page, name
    route = json.loads(run.ok("report", "route", "C-1", "--json", actor="lee"))
    assert route["complaint"]["summary"] == "Portal down SECRET-77"


def test_a_report_needs_somewhere_to_go(sqlite_plaint: Plaint) -> None:
    result = sqlite_plaint("report", "warnings")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "Error: say where to write the report with -o FILE, or use --json"
    )


def test_lessons_for_an_unknown_project_names_the_known_ones(
    sqlite_plaint: Plaint,
) -> None:
    sqlite_plaint.ok("file", "--project", "Apollo", "--channel", "web", "--severity",
                     "mild", "--summary", "s")  # fmt: skip
    result = sqlite_plaint("report", "lessons", "--project", "Zeus", "--json")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "Error: no complaints about project 'Zeus' (projects: Apollo)"
    )
    assert result.stdout == ""
