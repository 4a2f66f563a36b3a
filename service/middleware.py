"""What wraps every request: a body limit, security headers, an access log
that names no one, and a last answer for failures nobody expected.

One plain ASGI middleware, so that it also sees the responses Starlette's
own error handling would make after it.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.errors import INTERNAL

MAX_BODY = 1024 * 1024
TOO_LARGE = (
    f"the request body is over 1 MiB ({MAX_BODY:,} bytes); "
    "send less, or import large batches with `plaint import`"
)
# No script at all, and nothing loaded from elsewhere: the pages and reports
# carry their CSS inline and their images as inline SVG.
SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}
# Answers hold complaints and sessions: no cache keeps them unless a route
# says otherwise.
DEFAULT_HEADERS = {"cache-control": "no-store"}
access_log = logging.getLogger("plaint.access")
error_log = logging.getLogger("plaint.serve")


class TooLarge(HTTPException):
    """A request body over MAX_BODY (raised while it is read, chunked or not)."""

    def __init__(self) -> None:
        super().__init__(413, TOO_LARGE)


class Guard:
    """The middleware: see the module's docstring."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.monotonic()
        sent: dict[str, Any] = {"status": None}

        async def secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                sent["status"] = message["status"]
                message = {**message, "headers": secured_headers(message)}
            await send(message)

        try:
            if declared_length(scope) > MAX_BODY:
                await respond(secured, 413, TOO_LARGE)
            else:
                await self.app(scope, limited(receive), secured)
        except Exception:
            error_log.exception("a request failed")
            if sent["status"] is None:
                await respond(secured, 500, INTERNAL)
        finally:
            log_access(scope, sent["status"], started)


def secured_headers(message: Message) -> list[tuple[bytes, bytes]]:
    """The response's headers with the security headers set (over any the
    app set) and the defaults where the app set none."""
    headers = [
        (k, v)
        for k, v in message.get("headers", [])
        if k.decode("latin-1").lower() not in SECURITY_HEADERS
    ]
    names = {k.decode("latin-1").lower() for k, _v in headers}
    added = {**SECURITY_HEADERS}
    added.update({k: v for k, v in DEFAULT_HEADERS.items() if k not in names})
    return headers + [(k.encode(), v.encode()) for k, v in added.items()]


def declared_length(scope: Scope) -> int:
    """The body's declared length (0 when not declared or unreadable)."""
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return 0
    return 0


def limited(receive: Receive) -> Receive:
    """`receive`, refusing a body once it grows past MAX_BODY (a chunked body
    declares no length)."""
    total = 0

    async def receiving() -> Message:
        nonlocal total
        message = await receive()
        if message["type"] == "http.request":
            total += len(message.get("body", b""))
            if total > MAX_BODY:
                raise TooLarge
        return message

    return receiving


async def respond(send: Send, status: int, sentence: str) -> None:
    """Answer `{"error": sentence}` directly."""
    body = json.dumps({"error": sentence}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def log_access(scope: Scope, status: int | None, started: float) -> None:
    """One line per request: method, the route's pattern (never the path
    itself, which may hold a secret link, nor the query, which may hold a
    name), status and time taken. No address, no body."""
    route = scope.get("route")
    pattern = getattr(route, "path", None) or "(no route)"
    took = (time.monotonic() - started) * 1000
    access_log.info("%s %s %s %.1fms", scope["method"], pattern, status, took)
