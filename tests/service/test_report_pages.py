"""The report pages of `plaint serve`: each report live in the staff page,
for the members the ledger lets run it, and its download the CLI's file."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import events
from tests.service.conftest import Server

FILING = {
    "project": "Apollo",
    "channel": "email",
    "severity": "mild",
    "summary": "Invoice portal times out",
    "detail": "Three times since Monday.",
    "customer": "Jane Roe",
    "contact": "jane@example.com",
}
FILTERS = {
    "lessons": {"project": "Apollo"},
    "route": {"ref": "C-1"},
    "warnings": {},
    "team": {"project": "Apollo"},
    "access": {"since": "2020-01-01"},
}


def file_one(server: Server) -> None:
    filed = server.client(server.token("lee")).post("/api/v1/complaints", json=FILING)
    assert filed.status_code == 201, filed.text


def sections(html: str) -> str:
    """A report page's sections: what its data shows, not who made it when."""
    [main] = re.findall(r'<main class="wrap">(.*?)</main>', html, re.DOTALL)
    return main


def test_the_reports_page_offers_each_member_the_reports_the_ledger_lets_them_run(
    server: Server,
) -> None:
    bob, _ = server.session("bob")
    aud, _ = server.session("aud")
    offered = bob.get("/reports")
    assert offered.status_code == 200
    assert re.findall(r'action="/reports/(\w+)"', offered.text) == [
        "lessons", "route", "warnings", "team"
    ]  # fmt: skip
    assert 'action="/reports/access"' in aud.get("/reports").text


def test_each_report_renders_live_in_the_staff_page_for_a_member_who_may_run_it(
    server: Server,
) -> None:
    file_one(server)
    lee, _ = server.session("lee")
    aud, _ = server.session("aud")
    for name, query in FILTERS.items():
        client = aud if name == "access" else lee
        before = events(server.plaint)
        shown = client.get(f"/reports/{name}", params=query)
        assert shown.status_code == 200, (name, shown.text)
        assert events(server.plaint) == before + 1  # the run, as the CLI records it
        assert f'href="/reports/{name}/download' in shown.text
        assert "<section" in shown.text, name


def test_a_report_the_member_may_not_run_is_refused_with_the_ledgers_sentence(
    server: Server,
) -> None:
    file_one(server)
    bob, _ = server.session("bob")
    before = events(server.plaint)
    refused = bob.get("/reports/access")
    assert refused.status_code == 403
    assert "bob is agent and may not generate the access report" in refused.text, (
        refused.text
    )
    assert bob.get("/reports/access/download").status_code == 403
    assert events(server.plaint) == before


def test_an_unknown_report_is_not_found(server: Server) -> None:
    lee, _ = server.session("lee")
    assert lee.get("/reports/secrets").status_code == 404
    assert lee.get("/reports/secrets/download").status_code == 404


def test_the_access_review_page_is_the_access_reports_page(server: Server) -> None:
    answer = server.client().get("/access", follow_redirects=False)
    assert (answer.status_code, answer.headers["location"]) == (303, "/reports/access")


def test_a_filter_that_is_not_a_time_is_named_and_kept(server: Server) -> None:
    lee, _ = server.session("lee")
    shown = lee.get("/reports/warnings", params={"as_of": "yesterday"})
    assert shown.status_code == 400
    assert "As of: &#39;yesterday&#39; is not a time" in shown.text
    assert 'value="yesterday" aria-invalid="true"' in shown.text


def test_a_report_page_needs_a_session(server: Server) -> None:
    answer = server.client().get("/reports/warnings", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=%2Freports%2Fwarnings"


def test_the_download_is_the_file_the_cli_writes_for_the_same_filters(
    server: Server, tmp_path: Path
) -> None:
    file_one(server)
    lee, _ = server.session("lee")
    for name, query in (("lessons", {"project": "Apollo"}), ("warnings", {})):
        written = tmp_path / f"{name}.html"
        options = [part for k, v in query.items() for part in (f"--{k}", v)]
        server.plaint.ok("report", name, *options, "-o", str(written), actor="lee")
        got = lee.get(f"/reports/{name}/download", params=query)
        assert got.status_code == 200
        assert got.headers["content-disposition"] == (
            f'attachment; filename="{name}.html"'
        )
        assert sections(got.text) == sections(written.read_text()), name


def test_the_route_of_a_confidential_complaint_shows_its_text_only_to_its_readers(
    server: Server,
) -> None:
    file_one(server)
    server.plaint.ok("confidential", "C-1", "--allow", "lee", "--reason", "HR")
    lee, _ = server.session("lee")
    bob, _ = server.session("bob")
    assert FILING["summary"] in lee.get("/reports/route?ref=C-1").text
    shown = bob.get("/reports/route?ref=C-1")
    assert shown.status_code == 200
    assert FILING["summary"] not in shown.text
