"""`/api/v1/reports/…`: each report's data as `plaint report … --json` prints
it, or with `Accept: text/html` the self-contained page `-o FILE` writes;
each run recorded as the CLI records it. Only the five names route: anything
else under /reports is a 404, never a file name."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from service.api.common import answer, json_bytes, time_or_none
from service.auth import READ, Caller, caller
from service.served import served

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])
Who = Annotated[Caller, Depends(caller(READ))]
Time = Annotated[str | None, Query(description="ISO 8601 time")]


def wants_html(request: Request) -> bool:
    """Whether the client prefers the HTML page to JSON (`Accept`)."""
    ranked: dict[str, float] = {}
    for part in request.headers.get("accept", "").split(","):
        kind, *options = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for option in options:
            name, _, value = option.partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        ranked[kind.lower()] = quality
    html = ranked.get("text/html", 0.0)
    return html > 0 and html >= ranked.get("application/json", 0.0)


def run(
    request: Request, who: Caller, name: str, parameters: dict[str, Any]
) -> Response:
    """Build report `name` as the caller, record the run, and answer it."""
    from projections.reports.registry import build, open_for, record
    from projections.reports.render import render

    here = served(request)
    html = wants_html(request)
    with here.acting(who.identity) as opened:
        now = here.now()
        ledger, store = open_for(lambda: opened, name, now, parameters.get("as_of"))
        data = build(ledger, store, name, now, parameters)
        page = render(name, data) if html else None
        record(ledger, data)
    if page is not None:
        return HTMLResponse(page)
    return answer(200, json_bytes(data))


@router.get("/lessons", summary="plaint report lessons --json")
def lessons(request: Request, who: Who, project: str, as_of: Time = None) -> Response:
    """The lessons-learned review of one project."""
    parameters = {"project": project, "as_of": time_or_none(as_of)}
    return run(request, who, "lessons", parameters)


@router.get("/route", summary="plaint report route REF --json")
def route(request: Request, who: Who, ref: str) -> Response:
    """One complaint's route, every event and state, for an audit."""
    return run(request, who, "route", {"ref": ref})


@router.get("/warnings", summary="plaint report warnings --json")
def warnings(request: Request, who: Who, as_of: Time = None) -> Response:
    """The early-warning dashboard."""
    return run(request, who, "warnings", {"as_of": time_or_none(as_of)})


@router.get("/team", summary="plaint report team --json")
def team(
    request: Request, who: Who, project: str | None = None, as_of: Time = None
) -> Response:
    """How each member handled their complaints."""
    parameters = {"project": project, "as_of": time_or_none(as_of)}
    return run(request, who, "team", parameters)


@router.get("/access", summary="plaint report access --json")
def access(
    request: Request, who: Who, since: Time = None, complaint: str | None = None
) -> Response:
    """Who read, exported or was refused each confidential complaint."""
    parameters = {"since": time_or_none(since), "complaint": complaint}
    return run(request, who, "access", parameters)
