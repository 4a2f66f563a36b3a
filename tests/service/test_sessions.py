"""Sessions end when they should, on every server of one ledger at once."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import httpx

from ledger.crypto.credentials import csrf_token
from tests.service.conftest import Server, age_sessions

ENDED = (401, {"error": "not signed in, or the session ended; sign in again"})
IDLE = "the session timed out: it was not used for 30m; sign in again"
TOO_OLD = "the session timed out: sessions last at most 1h; sign in again"


def status(answer: object) -> tuple[int, dict[str, str]]:
    return answer.status_code, answer.json()  # type: ignore[attr-defined]


def test_a_session_unused_past_its_idle_time_has_ended(server: Server) -> None:
    client, _csrf = server.session("bob")
    assert client.get("/api/v1/complaints").status_code == 200
    age_sessions(server.plaint, 31 * 60)
    assert status(client.get("/api/v1/complaints")) == (401, {"error": IDLE})


def test_a_session_in_use_ends_at_its_absolute_limit(
    serve: Callable[..., Server],
) -> None:
    server = serve(PLAINT_SESSION_IDLE="1w", PLAINT_SESSION_MAX="1h")
    client, _csrf = server.session("bob")
    age_sessions(server.plaint, 59 * 60)
    assert client.get("/api/v1/complaints").status_code == 200
    age_sessions(server.plaint, 2 * 60)
    assert status(client.get("/api/v1/complaints")) == (401, {"error": TOO_OLD})


def test_a_session_opened_on_one_server_works_and_ends_on_another(
    serve: Callable[..., Server],
) -> None:
    one, two = serve(), serve()
    client, csrf = one.session("bob")
    secret = client.cookies["plaint-session"]
    other = two.client()
    other.cookies.set("plaint-session", secret)
    assert other.get("/api/v1/complaints").status_code == 200
    assert client.post("/logout", data={"csrf": csrf}).status_code == 303
    assert status(other.get("/api/v1/complaints")) == ENDED


def test_a_demoted_member_loses_the_role_on_every_server_at_once(
    serve: Callable[..., Server],
) -> None:
    one, two = serve(), serve()
    client, csrf = one.session("lee")
    headers = {"X-CSRF-Token": csrf}
    filed = client.post(
        "/api/v1/complaints",
        json={"project": "P", "channel": "web", "severity": "mild", "summary": "s"},
        headers=headers,
    )
    assert filed.status_code == 201
    other = two.client()
    other.cookies.set("plaint-session", client.cookies["plaint-session"])
    one.plaint.ok("team", "role", "lee", "agent")
    refused = other.post(
        "/api/v1/complaints/C-1/triage", json={"severity": "severe"}, headers=headers
    )
    assert status(refused) == (
        403,
        {"error": "lee is agent and may not triage complaints: that needs the role "
         "lead, manager or admin"},
    )  # fmt: skip


def test_a_token_revoked_on_the_command_line_stops_on_every_server(
    serve: Callable[..., Server],
) -> None:
    one, two = serve(), serve()
    token = one.token("bob", "read")
    first, second = one.client(token), two.client(token)
    assert first.get("/api/v1/complaints").status_code == 200
    assert second.get("/api/v1/complaints").status_code == 200
    token_id = token.split("_")[1]
    one.plaint.ok("token", "revoke", token_id)
    for client in (first, second):
        assert status(client.get("/api/v1/complaints")) == (
            401,
            {"error": "the API token is unknown or was revoked"},
        )


def ended_page(answer: httpx.Response) -> tuple[int, str, str]:
    """An ended session's page: its status, the reason it gives, and where
    its sign-in link goes."""
    why = re.search(r'<p class="error" role="alert">Why: (.*?)</p>', answer.text)
    link = re.search(r'<a href="([^"]*)">Sign in again</a>', answer.text)
    assert why is not None, answer.text
    assert link is not None, answer.text
    return answer.status_code, why[1], link[1].replace("&amp;", "&")


def test_a_page_asked_for_after_the_idle_time_says_why_the_session_ended(
    server: Server,
) -> None:
    client, _csrf = server.session("bob")
    assert client.get("/complaints?status=received").status_code == 200
    age_sessions(server.plaint, 31 * 60)
    answer = client.get("/complaints?status=received")
    assert ended_page(answer) == (
        401, IDLE, "/login?next=%2Fcomplaints%3Fstatus%3Dreceived"
    )  # fmt: skip
    assert "plaint-session" not in client.cookies


def test_a_page_asked_for_past_the_absolute_limit_says_why_and_signs_in_back_to_it(
    serve: Callable[..., Server],
) -> None:
    server = serve(PLAINT_SESSION_IDLE="1w", PLAINT_SESSION_MAX="1h")
    client, _csrf = server.session("bob")
    age_sessions(server.plaint, 61 * 60)
    answer = client.get("/reports")
    assert ended_page(answer) == (401, TOO_OLD, "/login?next=%2Freports")
    form = client.get("/login?next=%2Freports")
    assert '<input type="hidden" name="next" value="/reports">' in form.text
    signed = client.post("/login", data={
        "member": "bob", "password": server.password("bob"),
        "csrf": form.cookies["plaint-login"], "next": "/reports",
    })  # fmt: skip
    assert (signed.status_code, signed.headers["location"]) == (303, "/reports")


def test_a_form_sent_after_the_session_ended_records_nothing_and_leads_back(
    server: Server,
) -> None:
    lee, csrf = server.session("lee")
    filed = lee.post(
        "/api/v1/complaints",
        json={"project": "P", "channel": "web", "severity": "mild", "summary": "s"},
        headers={"X-CSRF-Token": csrf},
    )
    assert filed.status_code == 201
    age_sessions(server.plaint, 31 * 60)
    answer = lee.post("/complaints/C-1/ack", data={"csrf": csrf})
    assert ended_page(answer) == (401, IDLE, "/login?next=%2Fcomplaints%2FC-1")
    shown = json.loads(server.plaint.ok("show", "C-1", "--json", actor="ann"))
    assert (shown["status"], shown["version"]) == ("received", 1)


def test_signing_in_never_sends_anyone_to_another_site(server: Server) -> None:
    client = server.client()
    password = server.password("bob")
    for elsewhere in (
        "https://evil.example/", "//evil.example/", "/\\evil.example/",
        "/\r\nLocation: https://evil.example/", "javascript:alert(1)", "",
    ):  # fmt: skip
        form = client.get("/login", params={"next": elsewhere})
        assert 'name="next"' not in form.text
        signed = client.post("/login", data={
            "member": "bob", "password": password,
            "csrf": form.cookies["plaint-login"], "next": elsewhere,
        })  # fmt: skip
        assert (signed.status_code, signed.headers["location"]) == (303, "/")


def test_a_session_cookie_never_known_gets_the_ended_page_not_a_trace(
    server: Server,
) -> None:
    client = server.client()
    client.cookies.set("plaint-session", "forged")
    answer = client.get("/team")
    assert ended_page(answer) == (
        401, ENDED[1]["error"], "/login?next=%2Fteam"
    )  # fmt: skip
    assert csrf_token("forged") not in answer.text
