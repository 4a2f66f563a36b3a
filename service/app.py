"""The application: one ledger per process, its routes, its error answers
and the middleware around them."""

from __future__ import annotations

from collections.abc import Mapping
from ipaddress import ip_address
from urllib.parse import urlsplit

from fastapi import FastAPI

from ledger.domain.timeutil import Clock, system_clock
from ledger.storage.location import Location
from service import errors
from service.api import actions, complaints, health, reports, views
from service.middleware import Guard
from service.served import Served

OPENAPI = "/api/v1/openapi.json"


def loopback(host: str) -> bool:
    """Whether `host` names this machine only."""
    if host == "localhost":
        return True
    try:
        return ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def secure_cookies(host: str, public_url: str | None) -> bool:
    """Whether cookies must be `Secure`: always but when the service is
    reached over plain http on a loopback address."""
    if public_url is not None:
        parts = urlsplit(public_url)
        return not (parts.scheme == "http" and loopback(parts.hostname or ""))
    return not loopback(host)


def create_app(
    location: Location,
    environ: Mapping[str, str],
    clock: Clock = system_clock,
    *,
    host: str = "127.0.0.1",
    public_url: str | None = None,
) -> FastAPI:
    """The service of the ledger at `location`; the ledger opens (with the
    keys `environ` names) on the first request."""
    from service import pages

    app = FastAPI(
        title="plaint",
        summary="The complaints ledger's JSON API: the CLI's use cases, "
        "roles, rules and --json shapes (shared/HTTP.md).",
        version="1",
        openapi_url=OPENAPI,
        docs_url=None,
        redoc_url=None,
    )
    served = Served(
        location, environ, clock, public_url, secure_cookies(host, public_url)
    )
    app.state.served = served
    errors.install(app)
    for module in (health, complaints, actions, views, reports, pages):
        app.include_router(module.router)
    app.add_middleware(Guard)
    app.router.add_event_handler("shutdown", served.close)
    return app
