"""`plaint witness serve`: a C2SP tlog-witness over HTTP, thin over
`ledger.witnessing.witness.Witness`: `POST /add-checkpoint`, and the
monitoring API's `GET /<origin hash>/checkpoint`."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

from ledger.witnessing.protocol import SIZE_TYPE
from ledger.witnessing.witness import Refused, Witness

MAX_REQUEST = 64 * 1024
NOTE_TYPE = "text/plain; charset=utf-8"


def create_witness_app(witness: Witness) -> FastAPI:
    """The witness's HTTP service."""
    app = FastAPI(
        title="plaint witness",
        summary="A C2SP tlog-witness (c2sp.org/tlog-witness).",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )

    @app.post("/add-checkpoint")
    async def add_checkpoint(request: Request) -> Response:
        data = b""
        async for chunk in request.stream():
            data += chunk
            if len(data) > MAX_REQUEST:
                return PlainTextResponse("request too large\n", status_code=413)
        try:
            line = await run_in_threadpool(witness.add_checkpoint, data)
        except Refused as refused:
            if refused.size is not None:
                # Exactly this type: Starlette adds a charset to a text media_type.
                size = f"{refused.size}\n"
                return Response(size, 409, headers={"content-type": SIZE_TYPE})
            return PlainTextResponse(f"{refused}\n", status_code=refused.status)
        return Response(line, media_type=NOTE_TYPE)

    @app.get("/{hashed}/checkpoint")
    def checkpoint(hashed: str) -> Response:
        note = witness.latest(hashed)
        if note is None:
            return PlainTextResponse("no checkpoint of that log\n", status_code=404)
        return Response(
            note, media_type=NOTE_TYPE, headers={"cache-control": "no-cache"}
        )

    @app.get("/healthz")
    def healthz() -> dict[str, bool]:
        return {"ok": True}

    return app
