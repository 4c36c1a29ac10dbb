"""RFC 9457 problem details for every error the API returns (``application/problem+json``).

Each :class:`~portlink.errors.PortLinkError` class maps to one problem type; a refused transaction carries the
type derived from the contract's custom error (:mod:`portlink.services.contracts`). Validation errors name the
field (``body.containers.0.number``); unknown routes, wrong methods and oversized bodies are problems too.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portlink import errors
from portlink.api import dcsa

log = logging.getLogger("portlink.api")

MEDIA_TYPE = "application/problem+json"

#: PortLink error classes → (status, problem type, title). Subclasses first.
_ERRORS: list[tuple[type[errors.PortLinkError], int, str, str]] = [
    (errors.NotFoundError, 404, "/problems/not-found", "Not found"),
    (errors.AuthenticationError, 401, "/problems/unauthenticated", "Unauthenticated"),
    (errors.ForbiddenError, 403, "/problems/forbidden", "Forbidden"),
    (errors.IdempotencyMismatchError, 422, "/problems/idempotency-key-reused", "Idempotency-Key reused"),
    (errors.ConflictError, 409, "/problems/request-in-progress", "Conflict"),
    (errors.InvalidInputError, 422, "/problems/invalid-input", "Invalid input"),
    (errors.SigningUnavailableError, 409, "/problems/custodial-key-missing", "No custodial key"),
    (errors.ChainUnavailableError, 503, "/problems/chain-unavailable", "Chain unavailable"),
]

_STATUS_TITLES = {
    400: "Bad request",
    401: "Unauthenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Request body too large",
    422: "Invalid input",
    500: "Internal error",
    503: "Service unavailable",
}


class FieldError(BaseModel):
    """One invalid value."""

    model_config = ConfigDict(extra="forbid")

    field: str = Field(description="Where the value is: body.containers.0.number, query.limit, header.Idempotency-Key")
    message: str


class RevertedError(BaseModel):
    """The contract's custom error that refused a transaction."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="The custom error, e.g. EscrowShipmentAlreadyFinanced.")
    contract: str | None = Field(description="The contract that raised it (null: not one of the manifest's).")
    args: dict[str, Any] = Field(description="Its arguments by name.")


class Problem(BaseModel):
    """RFC 9457 problem details, with PortLink's extension members."""

    model_config = ConfigDict(extra="forbid")

    type: str = Field("about:blank", description="A stable URI (relative) naming the kind of problem.")
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] | None = Field(None, description="Invalid fields (validation problems).")
    operation: str | None = Field(None, description="The operation the problem belongs to (refused writes).")
    error: RevertedError | None = Field(None, description="The contract's custom error (refused transactions).")


def problem_response(status: int, type_: str, title: str, detail: str | None, **extra: Any) -> JSONResponse:
    """A ``application/problem+json`` response."""
    body = {"type": type_, "title": title, "status": status, "detail": detail}
    body.update({k: v for k, v in extra.items() if v is not None})
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE)


def problem_of(exc: errors.PortLinkError) -> dict[str, Any]:
    """The problem body of a PortLink error."""
    if isinstance(exc, errors.ChainRevertError) and exc.error:
        body = dict(exc.error)
        body.setdefault("title", "Transaction refused")
        body.setdefault("status", 422)
        body.setdefault("type", "/problems/transaction-reverted")
        return body
    for cls, status, type_, title in _ERRORS:
        if isinstance(exc, cls):
            body = {"type": type_, "title": title, "status": status, "detail": str(exc)}
            if isinstance(exc, errors.InvalidInputError) and exc.field:
                body["errors"] = [{"field": exc.field, "message": str(exc)}]
            return body
    return {"type": "/problems/internal", "title": "Internal error", "status": 500, "detail": str(exc)}


def responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for the problem codes a route can answer (plus 400 for a body that is not
    JSON, 422 and 500 always)."""
    out: dict[int | str, dict[str, Any]] = {}
    for code in sorted({*codes, 400, 422, 500}):
        out[code] = {
            "model": Problem,
            "description": _STATUS_TITLES.get(code, "Problem"),
            "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
    return out


def _loc(loc: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(p) for p in loc)


def _allowed(request: Request) -> str:
    """The methods the routes of the request's path take (for a 405's ``Allow``)."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches({**request.scope, "method": "GET"})
        if match != Match.NONE and getattr(route, "methods", None):
            methods |= set(route.methods)
    return ", ".join(sorted(methods))


def install(app: FastAPI) -> None:
    """Register the problem handlers on ``app`` (under ``/v2``, DCSA's error object: :mod:`portlink.api.dcsa`)."""

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        fields = []
        for e in exc.errors():
            message = str(e.get("msg", "invalid")).removeprefix("Value error, ")
            fields.append({"field": _loc(e.get("loc", ())), "message": message})
        first = fields[0] if fields else {"field": "body", "message": "invalid"}
        if dcsa.applies(request.url.path):
            text = "; ".join(f"{f['field']}: {f['message']}" for f in fields) or "invalid input"
            return dcsa.error_response(request, 400, text)
        return problem_response(
            422,
            "/problems/invalid-input",
            "Invalid input",
            f"{first['field']}: {first['message']}",
            errors=fields,
            instance=request.url.path,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        status = exc.status_code
        headers = dict(exc.headers or {})
        if status == 405:
            headers["Allow"] = _allowed(request) or headers.get("Allow", "")
        if dcsa.applies(request.url.path):
            return dcsa.error_response(request, status, str(exc.detail), headers=headers)
        kinds = {
            400: "/problems/malformed-body",
            404: "/problems/not-found",
            405: "/problems/method-not-allowed",
            413: "/problems/body-too-large",
        }
        response = problem_response(
            status,
            kinds.get(status, f"/problems/http-{status}"),
            _STATUS_TITLES.get(status, "Problem"),
            str(exc.detail),
            instance=request.url.path,
        )
        response.headers.update(headers)
        return response

    @app.exception_handler(errors.PortLinkError)
    async def _portlink(request: Request, exc: errors.PortLinkError) -> JSONResponse:
        body = problem_of(exc)
        if body["status"] >= 500:
            log.error("%s %s: %s", request.method, request.url.path, exc)
        if dcsa.applies(request.url.path):
            status = 400 if isinstance(exc, errors.InvalidInputError) else int(body["status"])
            field = getattr(exc, "field", None)
            return dcsa.error_response(request, status, f"{field}: {exc}" if field else str(exc))
        body.setdefault("instance", request.url.path)
        return JSONResponse(body, status_code=int(body["status"]), media_type=MEDIA_TYPE)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("%s %s failed", request.method, request.url.path)
        if dcsa.applies(request.url.path):
            return dcsa.error_response(request, 500, "an unexpected error; see the logs")
        return problem_response(500, "/problems/internal", "Internal error", "an unexpected error; see the logs")


class BodyLimit:
    """ASGI middleware: a request body over ``limit`` bytes gets a 413 problem, whether it declares its length
    (``Content-Length``) or streams it (chunked), before the application reads it."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._refuse(scope, receive, send)
            return
        received = 0
        too_large = False

        async def limited() -> Message:
            nonlocal received, too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    too_large = True
                    raise StarletteHTTPException(413, f"the request body exceeds {self.limit} bytes")
            return message

        await self.app(scope, limited, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        detail = f"the request body exceeds {self.limit} bytes"
        if dcsa.applies(scope.get("path", "")):
            response = dcsa.error_response(Request(scope, receive), 413, detail)
        else:
            response = problem_response(413, "/problems/body-too-large", "Request body too large", detail)
        await response(scope, receive, send)
