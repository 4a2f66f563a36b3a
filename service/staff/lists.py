"""`/`, my queue, and `/complaints`, every complaint a page at a time with
`plaint list`'s filters: both read the views only."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from ledger.domain.vocabulary import Severity, Status
from ledger.errors import LedgerError
from service.served import served
from service.visitor import staff_member, staff_page, staff_refused

router = APIRouter(include_in_schema=False)
NO_LINKS = {"previous": None, "next": None}


@router.get("/")
def my_queue(request: Request) -> Response:
    """The open complaints I own, overdue first, and my counts by status."""
    from projections import queries

    who = staff_member(request)
    if isinstance(who, Response):
        return who
    here = served(request)
    with here.acting(who.identity) as ledger:
        mine = queries.queue(ledger, here.views(), here.now())
    return staff_page(who, "queue.html", "queue", queue=mine)


@router.get("/complaints")
def all_complaints(
    request: Request,
    project: str = "",
    status: str = "",
    severity: str = "",
    owner: str = "",
    overdue: str = "",
    ref: str = "",
    page_text: Annotated[str, Query(alias="page")] = "1",
) -> Response:
    """Complaints in filing order, filtered as `plaint list` filters them,
    50 a page; a reference given jumps to its complaint."""
    from projections import queries

    who = staff_member(request)
    if isinstance(who, Response):
        return who
    if ref.strip():
        return RedirectResponse(f"/complaints/{quote(ref.strip().upper())}", 303)
    given = {"project": project, "status": status, "severity": severity}
    given["owner"] = owner
    filters: dict[str, Any] = {k: (v.strip() or None) for k, v in given.items()}
    # Not a number is page 0, which the query refuses with its sentence.
    number = int(page_text) if page_text.isdigit() else 0
    here = served(request)
    values: dict[str, Any] = {
        "filters": {**given, "overdue": bool(overdue)},
        "statuses": [s.value for s in Status],
        "severities": [s.value for s in Severity],
    }
    with here.acting(who.identity) as ledger:
        try:
            listed = queries.listing_page(
                ledger,
                here.views(),
                here.now(),
                page=number,
                overdue_only=bool(overdue),
                **filters,
            )
        except LedgerError as error:
            empty = {"complaints": [], "page": 1, "pages": 1, "total": 0}
            return staff_refused(
                who, "complaints.html", "complaints", error,
                listed=empty, links=NO_LINKS, **values,
            )  # fmt: skip
    kept = {k: v for k, v in {**given, "overdue": overdue}.items() if v}
    links = {
        "previous": _page_link(kept, number - 1) if number > 1 else None,
        "next": _page_link(kept, number + 1) if number < listed["pages"] else None,
    }
    return staff_page(
        who, "complaints.html", "complaints",
        listed=listed, links=links, message=None, **values,
    )  # fmt: skip


def _page_link(kept: dict[str, str], number: int) -> str:
    return "/complaints?" + urlencode({**kept, "page": number})
