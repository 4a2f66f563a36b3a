"""The attack suite: each attempt refused with its status, recording nothing
but, where it concerns confidential content, the refusal."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import events
from tests.service.conftest import Server

FILING = {"project": "HR", "channel": "meeting", "severity": "severe",
          "summary": "Harassment report"}  # fmt: skip


def refusal(answer: object) -> tuple[int, dict[str, str]]:
    return answer.status_code, answer.json()  # type: ignore[attr-defined]


def test_a_forged_session_cookie_is_not_signed_in(server: Server) -> None:
    client = server.client()
    client.cookies.set("plaint-session", "forged")
    assert refusal(client.get("/api/v1/complaints")) == (
        401,
        {"error": "not signed in, or the session ended; sign in again"},
    )


def test_a_logged_out_session_is_dead(server: Server) -> None:
    client, csrf = server.session("bob")
    assert client.get("/api/v1/complaints").status_code == 200
    secret = client.cookies["plaint-session"]
    assert client.post("/logout", data={"csrf": csrf}).status_code == 303
    client.cookies.set("plaint-session", secret)
    assert refusal(client.get("/api/v1/complaints")) == (
        401,
        {"error": "not signed in, or the session ended; sign in again"},
    )


def test_a_removed_members_session_stops_at_once(server: Server) -> None:
    client, _csrf = server.session("bob")
    server.plaint.ok("team", "remove", "bob")
    assert refusal(client.get("/api/v1/complaints")) == (
        401,
        {"error": "bob is no longer a member of the team"},
    )


def test_a_removed_members_token_stops_at_once(server: Server) -> None:
    token = server.client(server.token("bob"))
    server.plaint.ok("team", "remove", "bob")
    assert refusal(token.get("/api/v1/complaints")) == (
        401,
        {"error": "the API token is unknown or was revoked"},
    )


def test_a_session_without_its_csrf_token_changes_nothing(server: Server) -> None:
    client, csrf = server.session("lee")
    before = events(server.plaint)
    missing = client.post("/api/v1/complaints", json=FILING)
    wrong = client.post(
        "/api/v1/complaints", json=FILING, headers={"X-CSRF-Token": "0" * 64}
    )
    error = {
        "error": "the request's CSRF token is missing or wrong: send the session's "
        "token in X-CSRF-Token (reload the page for a form)"
    }
    assert refusal(missing) == (403, error)
    assert refusal(wrong) == (403, error)
    assert events(server.plaint) == before
    right = client.post(
        "/api/v1/complaints", json=FILING, headers={"X-CSRF-Token": csrf}
    )
    assert right.status_code == 201


@pytest.mark.parametrize(
    ("scope", "method", "path", "need"),
    [
        ("intake", "GET", "/api/v1/complaints", "read"),
        ("read", "POST", "/api/v1/complaints", "file complaints"),
        ("intake", "POST", "/api/v1/sweep", "act on complaints"),
    ],
)
def test_a_token_may_do_only_what_its_scope_allows(
    server: Server, scope: str, method: str, path: str, need: str
) -> None:
    client = server.client(server.token("lee", scope))
    before = events(server.plaint)
    answer = client.request(method, path, json=FILING if method == "POST" else None)
    assert refusal(answer) == (
        403,
        {
            "error": f"this token's scope is {scope}, which may not {need}: create "
            "a token with the scope it needs (`plaint token create --scope`)"
        },
    )
    assert events(server.plaint) == before


def test_a_revoked_or_expired_token_is_not_signed_in(server: Server) -> None:
    revoked = server.token("lee")
    ledger = server.plaint.open("ann")
    try:
        ledger.revoke_token(revoked.split("_")[1])
    finally:
        ledger.close()
    expired = server.token("lee", expires=datetime.now(UTC) + timedelta(seconds=1))
    time.sleep(1.5)
    assert refusal(server.client(revoked).get("/api/v1/overdue")) == (
        401,
        {"error": "the API token is unknown or was revoked"},
    )
    code, body = refusal(server.client(expired).get("/api/v1/overdue"))
    assert (code, body["error"].startswith("the API token expired at ")) == (401, True)


def test_guessing_references_of_confidential_complaints_is_refused_and_recorded(
    server: Server,
) -> None:
    lee = server.client(server.token("lee"))
    lee.post("/api/v1/complaints", json={**FILING, "confidential": True})
    bob = server.client(server.token("bob"))
    guessed = bob.get("/api/v1/complaints/C-1")
    assert refusal(guessed) == (
        403,
        {
            "error": "C-1 is confidential and bob may not read it; a lead can grant "
            "access with `plaint grant C-1 bob` (this attempt was recorded)"
        },
    )
    assert refusal(bob.get("/api/v1/complaints/C-2")) == (
        404,
        {"error": "no complaint C-2 in this ledger"},
    )
    auditor = server.client(server.token("aud", "read"))
    access = auditor.get("/api/v1/reports/access", params={"complaint": "C-1"})
    assert access.json()["counts"]["refused"] == 1
    [flagged] = access.json()["anomalies"]["refused"]
    assert (flagged["member"], flagged["refused"]) == ("bob", 1)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/reports/..%2F..%2Fetc%2Fpasswd",
        "/api/v1/reports/%2e%2e/%2e%2e/ledger.sqlite",
        "/api/v1/reports/lessons.html",
        "/api/v1/reports/base",
        "/api/v1/reports/_partials",
    ],
)
def test_report_names_are_routes_never_file_names(server: Server, path: str) -> None:
    answer = server.client(server.token("lee")).get(path)
    assert refusal(answer) == (404, {"error": "There is nothing at this address."})


def test_a_thousand_bad_passwords_are_throttled_not_locked_for_ever(
    server: Server,
) -> None:
    server.password("bob")
    client = server.client()
    nonce = client.get("/login").cookies["plaint-login"]
    statuses = []
    for attempt in range(1000):
        answer = client.post(
            "/login",
            data={"member": "bob", "password": f"guess {attempt}", "csrf": nonce},
        )
        statuses.append(answer.status_code)
    assert statuses[:10] == [401] * 10
    assert set(statuses[10:]) == {429}
    wait = int(answer.headers["Retry-After"])
    assert 0 < wait <= 15 * 60
    assert f"try again in {wait} seconds" in answer.text
