"""`/api/v1/complaints`: filing, listing, showing and the history of
complaints, as `plaint file`, `list`, `show` and `history` do them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import Field

from ledger.domain.grantees import filing_readers
from ledger.domain.intake import Intake
from ledger.domain.plain import filed
from ledger.errors import InvalidInput
from service.api.common import Case, Fields, post, read, time_or_none
from service.auth import FILE, READ, Caller, caller
from service.served import served

router = APIRouter(prefix="/api/v1", tags=["complaints"])


class Filing(Fields):
    """`plaint file`'s options by name."""

    project: str
    channel: str
    severity: str
    summary: str
    detail: str | None = None
    customer: str | None = None
    contact: str | None = None
    source: str | None = None
    received_at: str | None = None
    external_id: str | None = None
    confidential: bool = False
    allow: list[str] = Field(default_factory=list)


@router.post("/complaints", status_code=201, summary="plaint file --json")
def file_complaint(
    request: Request, filing: Filing, who: Annotated[Caller, Depends(caller(FILE))]
) -> Response:
    """Record a complaint; answers its reference, id, owner and deadlines."""
    return post(request, who, filing, filing_case(filing), 201, replayed=filed)


def filing_case(filing: Filing) -> Case:
    """The use case of `filing` (this endpoint's and the filing page's):
    its values checked as `plaint file` checks them, a field to blame named
    in the `InvalidInput` (`field`)."""
    readers = filing_readers(filing.confidential, filing.allow)
    values = filing.model_dump(exclude={"confidential", "allow", "received_at"})
    try:
        received = time_or_none(filing.received_at)
    except InvalidInput as error:
        raise InvalidInput(str(error), "received_at") from None
    intake = Intake(received_at=received, **values)
    return lambda ledger: ledger.file(intake, allow=readers)


@router.get("/complaints", summary="plaint list --json")
def list_complaints(
    request: Request,
    who: Annotated[Caller, Depends(caller(READ))],
    project: str | None = None,
    status: str | None = None,
    severity: str | None = None,
    owner: str | None = None,
    overdue: bool = False,
) -> Response:
    """Complaints in filing order, filtered as `plaint list` filters them."""
    from projections import queries

    here = served(request)
    filters = {
        "project": project,
        "status": status,
        "severity": severity,
        "owner": owner,
    }
    return read(
        request,
        who,
        lambda ledger: queries.listing(
            ledger, here.views(), here.now(), overdue_only=overdue, **filters
        ),
    )


@router.get("/complaints/{ref}", summary="plaint show --json")
def show(
    request: Request,
    ref: str,
    who: Annotated[Caller, Depends(caller(READ))],
    as_of: Annotated[str | None, Query(description="ISO 8601 time")] = None,
) -> Response:
    """The complaint now, or as it stood at `as_of`; reading a confidential
    one is checked and recorded."""
    moment = time_or_none(as_of)
    return read(request, who, lambda ledger: ledger.show(ref, moment, export=True))


@router.get("/complaints/{ref}/history", summary="plaint history --json")
def history(
    request: Request, ref: str, who: Annotated[Caller, Depends(caller(READ))]
) -> Response:
    """Every event of the complaint."""
    return read(request, who, lambda ledger: ledger.history(ref, export=True))
