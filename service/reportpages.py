"""The report pages: `/reports` (the reports the member may run, each with
its filters as a GET form), `/reports/{name}?…` (the report, live, in the
staff page) and `/reports/{name}/download?…` (the self-contained HTML file
`plaint report NAME -o FILE` writes). Each run is recorded as the CLI
records it; who may run which report is the ledger's to say."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ledger.domain.timeutil import parse_time
from ledger.errors import InvalidInput, LedgerError
from projections.reports.registry import REPORTS
from service.errors import status_of
from service.served import served
from service.visitor import Visitor, staff_member, staff_page

router = APIRouter(include_in_schema=False)
# Each parameter's query name is the API's (/api/v1/reports/…); its label
# and whether it is a time are how the form asks for it.
LABELS = {
    "project": "Project",
    "as_of": "As the ledger stood at (ISO 8601 time)",
    "since": "Since (ISO 8601 time)",
    "complaint": "Complaint reference",
    "ref": "Complaint reference",
}
TIMES = frozenset({"as_of", "since"})
# The options the CLI's report commands require.
REQUIRED = {"lessons": ("project",), "route": ("ref",)}


class FieldError(Exception):
    """A filter the report cannot take, and the sentence saying why."""

    def __init__(self, field: str, error: LedgerError) -> None:
        super().__init__(str(error))
        self.field, self.error = field, error


def fields(name: str, typed: dict[str, str]) -> list[dict[str, Any]]:
    """The filters of report `name` as its form shows them."""
    return [
        {"key": key, "label": LABELS[key], "value": typed.get(key, ""),
         "required": key in REQUIRED.get(name, ())}
        for key in REPORTS[name].parameters
    ]  # fmt: skip


def typed_in(request: Request, name: str) -> dict[str, str]:
    """What the query gives for each of the report's filters ("" if nothing)."""
    query = request.query_params
    return {key: query.get(key, "").strip() for key in REPORTS[name].parameters}


def parameters(name: str, typed: dict[str, str]) -> dict[str, Any]:
    """The report's parameters from what was typed, read as the CLI reads them."""
    found: dict[str, Any] = {}
    for key, text in typed.items():
        if not text:
            if key in REQUIRED.get(name, ()):
                raise FieldError(key, InvalidInput(f"give the {LABELS[key].lower()}"))
            found[key] = None
            continue
        try:
            found[key] = parse_time(text) if key in TIMES else text
        except LedgerError as error:
            raise FieldError(key, error) from None
    return found


def query_of(typed: dict[str, str]) -> str:
    """The query string of the filters that were given."""
    from urllib.parse import urlencode

    given = {key: value for key, value in typed.items() if value}
    return f"?{urlencode(given)}" if given else ""


def run(
    request: Request, who: Visitor, name: str, given: dict[str, Any], whole: bool
) -> tuple[dict[str, Any], dict[str, str] | str]:
    """Build report `name` as the member, record the run; its data and its
    page (`whole`) or the parts of it the staff page embeds."""
    from projections.reports.registry import build, open_for, record
    from projections.reports.render import render, sections

    here = served(request)
    with here.acting(who.identity) as opened:
        now = here.now()
        ledger, store = open_for(lambda: opened, name, now, given.get("as_of"))
        data = build(ledger, store, name, now, given)
        shown = render(name, data) if whole else sections(name, data)
        record(ledger, data)
    return data, shown


def report_page(who: Visitor, name: str, status: int = 200, **values: Any) -> Response:
    """The staff page of report `name`, with `values` over its defaults."""
    typed = values.pop("typed", {})
    shown = {"report": name,
             "title": REPORTS[name].title if name in REPORTS else "No such report",
             "fields": fields(name, typed) if name in REPORTS else [],
             "parts": None, "download": None, "message": None, "field": None,
             "header": None,
             **values}  # fmt: skip
    # The access report is the access review's page (/access).
    current = "access" if name == "access" else "reports"
    return staff_page(who, "report.html", current, status, **shown)


@router.get("/access")
def access() -> Response:
    """The access review (shared/HTTP.md's `/access`): the access report's page."""
    return RedirectResponse("/reports/access", status_code=303)


@router.get("/reports")
def reports(request: Request) -> Response:
    """The reports the member may run, each with its filters."""
    from projections.reports.registry import runnable

    who = staff_member(request)
    if isinstance(who, Response):
        return who
    names = served(request).run(who.identity, runnable)
    offered = [
        {"name": name, "title": REPORTS[name].title, "fields": fields(name, {})}
        for name in names
    ]
    return staff_page(who, "reports.html", "reports", reports=offered)


@router.get("/reports/{name}")
def report(request: Request, name: str) -> Response:
    """Report `name` with the filters of the query, live."""
    who = staff_member(request)
    if isinstance(who, Response):
        return who
    if name not in REPORTS:
        known = ", ".join(REPORTS)
        return report_page(who, name, 404, message=f"There is no report '{name}' "
                           f"(the reports are {known}).")  # fmt: skip
    typed = typed_in(request, name)
    if not request.query_params and REQUIRED.get(name):
        return report_page(who, name, typed=typed)
    try:
        data, parts = run(request, who, name, parameters(name, typed), whole=False)
    except FieldError as failed:
        return report_page(who, name, status_of(failed.error), typed=typed,
                           message=str(failed.error), field=failed.field)  # fmt: skip
    except LedgerError as error:
        return report_page(who, name, status_of(error), typed=typed, message=str(error))
    download = f"/reports/{name}/download{query_of(typed)}"
    return report_page(who, name, typed=typed, parts=parts, download=download,
                       header=data["header"])  # fmt: skip


@router.get("/reports/{name}/download")
def download(request: Request, name: str) -> Response:
    """Report `name` as the self-contained HTML file the CLI writes."""
    who = staff_member(request)
    if isinstance(who, Response):
        return who
    if name not in REPORTS:
        return report(request, name)
    typed = typed_in(request, name)
    try:
        _data, whole = run(request, who, name, parameters(name, typed), whole=True)
    except FieldError as failed:
        return report_page(who, name, status_of(failed.error), typed=typed,
                           message=str(failed.error), field=failed.field)  # fmt: skip
    except LedgerError as error:
        return report_page(who, name, status_of(error), typed=typed, message=str(error))
    assert isinstance(whole, str)
    disposition = f'attachment; filename="{name}.html"'
    return HTMLResponse(whole, headers={"Content-Disposition": disposition})
