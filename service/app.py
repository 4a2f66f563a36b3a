"""The application: one ledger per process, its routes, its error answers
and the middleware around them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from fastapi import FastAPI

from ledger.cases.customers import form_project_limit
from ledger.domain.timeutil import Clock, system_clock
from ledger.errors import InvalidInput
from ledger.storage.location import Location
from service import errors
from service.api import actions, complaints, health, log, reports, views
from service.middleware import Guard
from service.net import loopback
from service.oidc_settings import OidcSettings
from service.served import Served

if TYPE_CHECKING:
    from service.sso import SingleSignOn

OPENAPI = "/api/v1/openapi.json"


def secure_cookies(host: str, public_url: str | None) -> bool:
    """Whether cookies must be `Secure`: always but when the service is
    reached over plain http on a loopback address."""
    if public_url is not None:
        parts = urlsplit(public_url)
        return not (parts.scheme == "http" and loopback(parts.hostname or ""))
    return not loopback(host)


def single_sign_on(
    environ: Mapping[str, str], public_url: str | None, served: Served
) -> SingleSignOn | None:
    """Single sign-on as PLAINT_OIDC_* configure it, or None when unset."""
    from service.sso import SingleSignOn

    settings = OidcSettings.from_environ(environ, public_url or "")
    if settings is None:
        return None
    if not public_url:
        # Never the request's Host header: whoever sends it would choose
        # where the provider sends the code.
        raise InvalidInput(
            "single sign-on needs --public-url (or PLAINT_PUBLIC_URL): the "
            "provider sends people back to <public-url>/login/oidc/callback"
        )
    return SingleSignOn(settings, served)


def projects_named(names: str | None) -> frozenset[str] | None:
    """The projects a comma-separated `--form-projects` names."""
    if names is None:
        return None
    return frozenset(name.strip() for name in names.split(",") if name.strip())


def mail_loop(
    app: FastAPI,
    served: Served,
    smtp: str,
    environ: Mapping[str, str],
    public_url: str | None,
) -> None:
    """Send the outbox over `smtp` while the app runs."""
    from ledger.mail.compose import mail_settings
    from ledger.mail.outbox import retry_base
    from ledger.mail.smtp import SmtpTransport, smtp_settings
    from service.mailer import MailLoop, poll_seconds

    transport = SmtpTransport(smtp_settings(smtp, environ))
    retry_base(environ)  # a bad setting refused before the server starts
    settings = mail_settings(public_url, dict(environ))
    loop = MailLoop(served, transport, settings, poll_seconds(environ))
    app.state.wake_mail = loop.wake
    app.router.add_event_handler("startup", loop.start)
    app.router.add_event_handler("shutdown", loop.stop)


def create_app(
    location: Location,
    environ: Mapping[str, str],
    clock: Clock = system_clock,
    *,
    host: str = "127.0.0.1",
    public_url: str | None = None,
    smtp: str | None = None,
    form_projects: str | None = None,
    log_public: bool = True,
    checkpoint_every: float | None = None,
) -> FastAPI:
    """The service of the ledger at `location`; the ledger opens (with the
    keys `environ` names) on the first request. With `smtp`, a thread sends
    the outbox (service/mailer.py); `form_projects` (comma-separated) names
    the projects whose complaint form is open, else every project known."""
    from service import admin, customer, pages, reportpages, sso, staff

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
        location,
        environ,
        clock,
        public_url,
        secure_cookies(host, public_url),
        log_public,
    )
    app.state.served = served
    app.state.sso = single_sign_on(environ, public_url, served)
    app.state.form_projects = projects_named(form_projects)
    form_project_limit(environ)  # a bad setting refused before the server starts
    app.state.wake_mail = lambda: None
    if smtp is not None:
        mail_loop(app, served, smtp, environ, public_url)
    errors.install(app)
    for module in (health, complaints, actions, views, reports, log, pages, customer):
        app.include_router(module.router)
    for router in staff.ROUTERS:
        app.include_router(router)
    app.include_router(reportpages.router)
    app.include_router(admin.router)
    if app.state.sso is not None:
        app.include_router(sso.router)
        app.router.add_event_handler("shutdown", app.state.sso.close)
    app.add_middleware(Guard)
    if checkpoint_every is not None:
        from service.publisher import Publisher

        publisher = Publisher(served, checkpoint_every)
        app.state.publisher = publisher
        app.router.add_event_handler("startup", publisher.start)
        app.router.add_event_handler("shutdown", publisher.stop)
    app.router.add_event_handler("shutdown", served.close)
    return app
