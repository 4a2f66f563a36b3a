"""What the API's endpoints share: bodies that accept only
the fields they name, and running one use case (once per Idempotency-Key)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from uuid import UUID

from fastapi import Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict

from ledger.domain.timeutil import parse_time
from ledger.errors import ConcurrencyConflict
from service.served import served

if TYPE_CHECKING:
    from datetime import datetime

    from ledger.application import ComplaintLedger
    from ledger.domain.identity import Identity
    from service.auth import Caller

Case = Callable[["ComplaintLedger"], Any]


class Fields(BaseModel):
    """A request body: the command's options by name, no others, checked by
    the use case (the types here only say which JSON type each one is)."""

    model_config = ConfigDict(extra="forbid", strict=True)


def time_or_none(text: str | None) -> datetime | None:
    """A time given as text, read as the CLI reads it."""
    return None if text is None else parse_time(text)


def json_bytes(data: Any) -> bytes:
    """A JSON document as the CLI's `--json` prints it (UTF-8, not ASCII)."""
    return json.dumps(data, ensure_ascii=False).encode()


def answer(status: int, body: bytes) -> Response:
    """A JSON response of bytes already encoded."""
    return Response(body, status_code=status, media_type="application/json")


def read(request: Request, caller: Caller, case: Case) -> Response:
    """Run a reading use case as the caller; its result as JSON."""
    data = served(request).run(caller.identity, case)
    return answer(200, json_bytes(data))


def post(
    request: Request,
    caller: Caller,
    fields: Fields | None,
    case: Case,
    status: int = 200,
    replayed: Callable[[dict[str, Any]], Any] | None = None,
) -> Response:
    """Run a use case that records something, as the caller; with an
    `Idempotency-Key`, only once for that key and this very request (`once`)."""
    key = request.headers.get("idempotency-key")
    done, body = once(request, caller.identity, key, fields, case, status, replayed)
    return answer(done, body)


def once(
    request: Request,
    identity: Identity,
    key: str | None,
    fields: Fields | None,
    case: Case,
    status: int = 200,
    replayed: Callable[[dict[str, Any]], Any] | None = None,
) -> tuple[int, bytes]:
    """The status and JSON body of `case` run as `identity`; with `key`, only
    once for that key and this very request: the same key again answers the
    first result and records nothing. If the first request's events were
    saved but its answer lost (its server died), `replayed` makes the answer
    from the complaint it saved, as it stands."""
    with served(request).acting(identity) as ledger:

        def run() -> tuple[int, bytes]:
            return status, json_bytes(case(ledger))

        if key is None:
            return run()
        digest = request_digest(request, fields)

        def replay(saved: list[UUID]) -> tuple[int, bytes]:
            if replayed is None:
                raise ConcurrencyConflict(
                    f"the request with Idempotency-Key {key} was done, but "
                    "its answer was lost; send a new request to see the state"
                )
            return status, json_bytes(replayed(ledger.complaint_saved(saved)))

        return ledger.idempotent(key, digest, run, replay)


def request_digest(request: Request, fields: Fields | None) -> str:
    """What makes two requests the same one: method, path and the body's
    fields (parsed, so that spacing and field order do not matter)."""
    body = {} if fields is None else fields.model_dump(mode="json")
    text = json.dumps(
        [request.method, request.url.path, body], sort_keys=True, ensure_ascii=False
    )
    return hashlib.sha256(text.encode()).hexdigest()
