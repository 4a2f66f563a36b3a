"""Every failure as `{"error": sentence}` with its status, never a stack trace.

The sentence is the one the CLI prints after `Error:`; the status says what
kind of failure it is (shared/HTTP.md). One table maps the ledger's errors.
Anything else is answered by `service.middleware` (500, `INTERNAL`).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from ledger import errors

# Most specific first: an unknown reference is an invalid input too.
STATUSES: tuple[tuple[type[errors.LedgerError], int], ...] = (
    (errors.NotSignedIn, 401),
    (errors.Throttled, 429),
    (errors.LinkGone, 410),
    (errors.UnknownReference, 404),
    (errors.InvalidInput, 400),
    (errors.ProtectedFile, 400),
    (errors.PermissionDenied, 403),
    (errors.RuleViolation, 409),
    (errors.ConcurrencyConflict, 409),
    (errors.StorageFailure, 503),
    (errors.LedgerMissing, 503),
    (errors.KeyProblem, 503),
    (errors.IntegrityFailure, 500),
)
DATABASE_FAILED = 503
INTERNAL = "the server failed; its log says why, and nothing was recorded"


def failure(status: int, sentence: str, **headers: str) -> JSONResponse:
    """The response of a failed request."""
    return JSONResponse({"error": sentence}, status_code=status, headers=headers)


def status_of(error: errors.LedgerError) -> int:
    """The status a ledger error is answered with."""
    for kind, status in STATUSES:
        if isinstance(error, kind):
            return status
    return 400


def retry_after(error: Exception) -> dict[str, str]:
    """`Retry-After` for an error that says when to try again."""
    seconds = getattr(error, "retry_after", None)
    return {} if seconds is None else {"Retry-After": str(max(1, round(seconds)))}


def _ledger_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, errors.LedgerError)
    return failure(status_of(error), str(error), **retry_after(error))


def _validation(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    return failure(400, validation_sentence(error.errors()))


def validation_sentence(found: Any) -> str:
    """The first validation error as a sentence like the CLI's usage errors."""
    first: dict[str, Any] = next(iter(found), {})
    where = [str(part) for part in first.get("loc", ()) if part != "body"]
    name = where[-1] if where and where[0] not in ("query", "path") else ""
    if where and where[0] in ("query", "path"):
        name = where[1] if len(where) > 1 else ""
    kind = first.get("type", "")
    if kind == "missing":
        return f"Missing field '{name}'." if name else "The request has no body."
    if kind == "extra_forbidden":
        return f"No such field: '{name}'."
    if kind == "json_invalid":
        return "The request body is not valid JSON."
    if kind in ("model_attributes_type", "dict_type"):
        return "The request body must be a JSON object of fields by name."
    return f"Invalid value for '{name}': {first.get('msg', 'not accepted')}."


def _http(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HTTPException)
    sentences = {404: "There is nothing at this address.", 405: "Method not allowed."}
    detail = error.detail if isinstance(error.detail, str) else ""
    sentence = sentences.get(error.status_code, detail)
    return failure(error.status_code, sentence, **dict(error.headers or {}))


def _database(_request: Request, error: Exception) -> JSONResponse:
    return failure(DATABASE_FAILED, f"the ledger's database failed: {error}")


def install(app: FastAPI) -> None:
    """Answer every failure of `app` as `{"error": sentence}`."""
    app.add_exception_handler(errors.LedgerError, _ledger_error)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(HTTPException, _http)
    from eventsourcing.persistence import PersistenceError

    app.add_exception_handler(PersistenceError, _database)
