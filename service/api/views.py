"""`/api/v1/overdue` and `/api/v1/sweep`: breached deadlines, and escalating
them per the policy, as `plaint overdue --json` and `sweep --json` do."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from service.api.common import Fields, post, read
from service.auth import ACT, READ, Caller, caller
from service.served import served

router = APIRouter(prefix="/api/v1", tags=["deadlines"])


class Sweep(Fields):
    """`plaint sweep`'s options by name."""

    dry_run: bool = False


@router.get("/overdue", summary="plaint overdue --json")
def overdue(
    request: Request, who: Annotated[Caller, Depends(caller(READ))]
) -> Response:
    """Open complaints with a deadline past due and unmet."""
    from projections import queries

    here = served(request)
    return read(
        request,
        who,
        lambda ledger: queries.listing(
            ledger, here.views(), here.now(), overdue_only=True
        ),
    )


@router.post("/sweep", summary="plaint sweep --json")
def sweep(
    request: Request,
    who: Annotated[Caller, Depends(caller(ACT))],
    fields: Sweep | None = None,
) -> Response:
    """Escalate every breached deadline once, per the policy (lead+)."""
    from projections import queries

    here = served(request)
    given = fields or Sweep()
    return post(
        request,
        who,
        given,
        lambda ledger: ledger.sweep(
            queries.breaches(here.views(), here.now()), dry_run=given.dry_run
        ),
    )
