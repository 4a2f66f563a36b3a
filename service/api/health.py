"""`/healthz` (the process runs) and `/readyz` (the ledger answers and the
views are caught up): for load balancers, no sign-in, nothing personal."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from ledger.errors import LedgerError
from service.served import served

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="the process runs")
def healthz() -> dict[str, bool]:
    """200 while the process answers."""
    return {"ok": True}


@router.get("/readyz", summary="the ledger answers and the views are current")
def readyz(request: Request) -> JSONResponse:
    """200 once the ledger answers and the views have caught up with its
    log; 503 with the reason otherwise."""
    here = served(request)

    def behind() -> int:
        store = here.views()
        return here.ledger.events_after(min(store.positions().values()))

    try:
        lag = here.unsigned(lambda _ledger: behind())
    except LedgerError as error:
        return JSONResponse({"error": str(error)}, status_code=503)
    if lag:
        return JSONResponse(
            {"error": f"the views are {lag} events behind the log"}, status_code=503
        )
    return JSONResponse({"ok": True})
