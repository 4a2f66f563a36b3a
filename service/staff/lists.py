"""`/`, my queue, and `/complaints`, every complaint a page at a time with
`plaint list`'s filters: both read the views only."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from ledger.domain.vocabulary import Severity, Status
from ledger.errors import InvalidInput, LedgerError
from service.served import served
from service.visitor import staff_member, staff_page, staff_refused

router = APIRouter(include_in_schema=False)
NO_LINKS = {"previous": None, "next": None}


@router.get("/")
def my_queue(request: Request) -> Response:
    """The open complaints I own, overdue first, the ones waiting on the
    customer apart, and my counts by status."""
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
    after: str = "",
    before: str = "",
) -> Response:
    """Complaints in filing order, filtered as `plaint list` filters them,
    50 a page (from the filing number `after`, or back from `before`); a
    reference given jumps to its complaint."""
    from projections import queries

    who = staff_member(request)
    if isinstance(who, Response):
        return who
    if ref.strip():
        return RedirectResponse(f"/complaints/{quote(ref.strip().upper())}", 303)
    given = {"project": project, "status": status, "severity": severity}
    given["owner"] = owner
    filters: dict[str, Any] = {k: (v.strip() or None) for k, v in given.items()}
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
                after=_number("after", after),
                before=_number("before", before),
                overdue_only=bool(overdue),
                **filters,
            )
        except LedgerError as error:
            empty = {"complaints": [], "total": 0, "more": False}
            return staff_refused(
                who, "complaints.html", "complaints", error,
                listed=empty, links=NO_LINKS, **values,
            )  # fmt: skip
    kept = {k: v for k, v in {**given, "overdue": overdue}.items() if v}
    links = {
        "previous": _page_link(kept, "before", listed["previous"]),
        "next": _page_link(kept, "after", listed["next"]),
    }
    return staff_page(
        who, "complaints.html", "complaints",
        listed=listed, links=links, message=None, **values,
    )  # fmt: skip


def _number(name: str, text: str) -> int | None:
    """A filing number given in the query, or None when it is empty."""
    if not text.strip():
        return None
    if not text.strip().isdigit():
        raise InvalidInput(f"'{text}' is not a complaint number for '{name}'")
    return int(text)


def _page_link(kept: dict[str, str], side: str, number: int | None) -> str | None:
    if number is None:
        return None
    return "/complaints?" + urlencode({**kept, side: number})
