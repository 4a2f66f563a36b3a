"""Sessions end when they should, on every server of one ledger at once."""

from __future__ import annotations

from collections.abc import Callable

from tests.service.conftest import Server, age_sessions

ENDED = (401, {"error": "not signed in, or the session ended; sign in again"})
TIMED_OUT = (401, {"error": "the session timed out; sign in again"})


def status(answer: object) -> tuple[int, dict[str, str]]:
    return answer.status_code, answer.json()  # type: ignore[attr-defined]


def test_a_session_unused_past_its_idle_time_has_ended(server: Server) -> None:
    client, _csrf = server.session("bob")
    assert client.get("/api/v1/complaints").status_code == 200
    age_sessions(server.plaint, 31 * 60)
    assert status(client.get("/api/v1/complaints")) == TIMED_OUT


def test_a_session_in_use_ends_at_its_absolute_limit(
    serve: Callable[..., Server],
) -> None:
    server = serve(PLAINT_SESSION_IDLE="1w", PLAINT_SESSION_MAX="1h")
    client, _csrf = server.session("bob")
    age_sessions(server.plaint, 59 * 60)
    assert client.get("/api/v1/complaints").status_code == 200
    age_sessions(server.plaint, 2 * 60)
    assert status(client.get("/api/v1/complaints")) == TIMED_OUT


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
