"""The log as C2SP tlog-tiles (shared/HTTP.md, "The log"): the checkpoint
with its cosignatures, the hash tiles, and the entry bundles, which hold the
sealed events and so need the auditor or compliance role or a `read` token.
The checkpoint and hash tiles are public unless `plaint serve --private-log`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from service.auth import READ, Caller, caller
from service.served import served

router = APIRouter(prefix="/log", tags=["log"])
OCTETS = "application/octet-stream"
NOTE = "text/plain; charset=utf-8"
# The checkpoint changes with each one signed: a few seconds at most.
CHECKPOINT_AGE = "max-age=5"
# A tile, full or partial, never changes once served.
IMMUTABLE = "max-age=31536000, immutable"


def _visibility(request: Request) -> str:
    return "public" if served(request).log_public else "private"


@router.get("/checkpoint", summary="the latest checkpoint and its cosignatures")
def checkpoint(request: Request) -> Response:
    """The latest signed checkpoint (C2SP tlog-checkpoint) with the
    witnesses' cosignatures."""
    here = served(request)
    if here.log_public:
        note = here.unsigned(lambda ledger: ledger.log_checkpoint())
    else:
        who = caller(READ)(request)
        note = here.run(who.identity, lambda ledger: ledger.log_checkpoint(False))
    headers = {"cache-control": f"{_visibility(request)}, {CHECKPOINT_AGE}"}
    return Response(note, media_type=NOTE, headers=headers)


@router.get("/tile/entries/{path:path}", summary="an entry bundle (sealed events)")
def entries(
    path: str, request: Request, who: Annotated[Caller, Depends(caller(READ))]
) -> Response:
    """The stored events of 256 leaves (fewer, `.p/W`), each after its length."""
    data = served(request).run(
        who.identity,
        lambda ledger: ledger.log_entries(
            f"tile/entries/{path}", who.scope is not None
        ),
    )
    headers = {"cache-control": f"private, {IMMUTABLE}"}
    return Response(data, media_type=OCTETS, headers=headers)


@router.get("/tile/{path:path}", summary="a hash tile")
def tile(path: str, request: Request) -> Response:
    """256 hashes (fewer, `.p/W`) of one level of the tree."""
    here = served(request)
    if here.log_public:
        data = here.unsigned(lambda ledger: ledger.log_tile(f"tile/{path}"))
    else:
        who = caller(READ)(request)
        data = here.run(
            who.identity, lambda ledger: ledger.log_tile(f"tile/{path}", False)
        )
    headers = {"cache-control": f"{_visibility(request)}, {IMMUTABLE}"}
    return Response(data, media_type=OCTETS, headers=headers)
