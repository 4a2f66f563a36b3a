"""What every answer of the service carries, signed in or not."""

from __future__ import annotations

from tests.service.conftest import Server


def test_healthz_and_readyz_answer_without_sign_in(server: Server) -> None:
    client = server.client()
    assert client.get("/healthz").json() == {"ok": True}
    ready = client.get("/readyz")
    assert (ready.status_code, ready.json()) == (200, {"ok": True})


def test_every_answer_carries_the_security_headers(server: Server) -> None:
    for answer in (
        server.client().get("/healthz"),
        server.client().get("/nowhere"),
        server.client().get("/api/v1/complaints"),
    ):
        assert answer.headers["content-security-policy"] == (
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
            "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        )
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["referrer-policy"] == "no-referrer"
        assert "server" not in answer.headers


def test_the_openapi_description_names_every_endpoint(server: Server) -> None:
    paths = server.client().get("/api/v1/openapi.json").json()["paths"]
    assert {
        "/api/v1/complaints",
        "/api/v1/complaints/{ref}",
        "/api/v1/complaints/{ref}/history",
        "/api/v1/overdue",
        "/api/v1/sweep",
        *(f"/api/v1/reports/{n}" for n in ("lessons", "route", "warnings")),
        "/api/v1/reports/team",
        "/api/v1/reports/access",
        *(
            f"/api/v1/complaints/{{ref}}/{action}"
            for action in (
                "ack", "triage", "assign", "escalate", "note", "respond", "resolve",
                "reopen", "close", "withdraw", "survey", "confidential", "grant",
                "revoke",
            )
        ),
    } <= set(paths)  # fmt: skip


def test_an_unknown_address_is_a_404_in_json(server: Server) -> None:
    answer = server.client().get("/api/v1/nothing/here")
    assert (answer.status_code, answer.json()) == (
        404,
        {"error": "There is nothing at this address."},
    )


def test_a_request_without_sign_in_is_refused_with_401(server: Server) -> None:
    answer = server.client().get("/api/v1/complaints")
    assert (answer.status_code, answer.json()) == (
        401,
        {
            "error": "not signed in: sign in at /login, or send `Authorization: "
            "Bearer TOKEN` with a token from `plaint token create`"
        },
    )


def test_a_body_over_one_mebibyte_is_refused_with_413_declared_or_chunked(
    server: Server,
) -> None:
    big = b"x" * (1024 * 1024 + 1)
    declared = server.client().post("/api/v1/complaints", content=big)

    def chunks() -> object:
        for start in range(0, len(big), 65536):
            yield big[start : start + 65536]

    chunked = server.client().post("/api/v1/complaints", content=chunks())  # type: ignore[arg-type]
    error = {
        "error": "the request body is over 1 MiB (1,048,576 bytes); send less, "
        "or import large batches with `plaint import`"
    }
    assert (declared.status_code, declared.json()) == (413, error)
    assert (chunked.status_code, chunked.json()) == (413, error)


def test_the_access_log_names_routes_and_never_paths_or_queries(server: Server) -> None:
    server.client().get("/api/v1/complaints", params={"owner": "jane-roe"})
    server.client().get("/invite/some-secret-link")
    server.stop()
    log = server.log.read_text()
    assert "GET /api/v1/complaints 401" in log
    assert "jane-roe" not in log
    assert "some-secret-link" not in log
    access = [line for line in log.splitlines() if " plaint.access " in line]
    assert [line.split(" plaint.access ")[1].rsplit(" ", 1)[0] for line in access] == [
        "GET /healthz 200",
        "GET /api/v1/complaints 401",
        "GET /invite/{secret} 200",
    ]
