"""RFC 9457 problem details for every error the API returns (``application/problem+json``).

Each :class:`~portlink.errors.PortLinkError` class maps to one problem type; a refused transaction carries the
type derived from the contract's custom error (:mod:`portlink.services.contracts`), its title a sentence from the
contract's NatSpec and the error itself (name, contract, arguments) in the ``error`` extension member. Every
problem names its ``instance``: the request's path, or the operation it belongs to. Validation errors name the
field (``body.containers.0.number``); unknown routes, wrong methods, bodies that are not JSON and oversized
bodies are problems too.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portlink import errors
from portlink.api import dcsa

log = logging.getLogger("portlink.api")

MEDIA_TYPE = "application/problem+json"

#: The title of each problem type the API itself answers: one sentence, the same for every occurrence.
TITLES = {
    "/problems/not-found": "There is no such resource",
    "/problems/unauthenticated": "The request carries no valid API key",
    "/problems/forbidden": "Your member may not see or do this",
    "/problems/idempotency-key-reused": "This Idempotency-Key was used for another request",
    "/problems/request-in-progress": "The same request is still being answered",
    "/problems/invalid-input": "A value in the request is invalid",
    "/problems/custodial-key-missing": "No custodial key signs for this member",
    "/problems/chain-unavailable": "The chain does not answer",
    "/problems/store-unavailable": "The database does not answer",
    "/problems/malformed-body": "The request body is not well-formed JSON",
    "/problems/unsupported-media-type": "The request body must be JSON",
    "/problems/method-not-allowed": "This method is not allowed here",
    "/problems/body-too-large": "The request body is too large",
    "/problems/internal": "Something went wrong on the server",
    "/problems/transaction-reverted": "The chain refused the transaction",
}

#: PortLink error classes → (status, problem type). Subclasses first.
_ERRORS: list[tuple[type[errors.PortLinkError], int, str]] = [
    (errors.NotFoundError, 404, "/problems/not-found"),
    (errors.AuthenticationError, 401, "/problems/unauthenticated"),
    (errors.ForbiddenError, 403, "/problems/forbidden"),
    (errors.IdempotencyMismatchError, 422, "/problems/idempotency-key-reused"),
    (errors.ConflictError, 409, "/problems/request-in-progress"),
    (errors.InvalidInputError, 422, "/problems/invalid-input"),
    (errors.SigningUnavailableError, 409, "/problems/custodial-key-missing"),
    (errors.ChainUnavailableError, 503, "/problems/chain-unavailable"),
    (errors.StoreUnavailableError, 503, "/problems/store-unavailable"),
]

#: The problem type of an HTTP error the framework raises, by status.
_HTTP_TYPES = {
    400: "/problems/malformed-body",
    404: "/problems/not-found",
    405: "/problems/method-not-allowed",
    413: "/problems/body-too-large",
    415: "/problems/unsupported-media-type",
}

_STATUS_DESCRIPTIONS = {
    400: "Malformed body",
    401: "Unauthenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Request body too large",
    415: "Not JSON",
    422: "Invalid input",
    500: "Internal error",
    502: "Bad gateway",
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
    title: str = Field(description="What went wrong, in one sentence (the same for every problem of this type).")
    status: int
    detail: str | None = Field(None, description="What went wrong this time, with the values involved.")
    instance: str = Field(description="This occurrence: the request's path, or the operation it belongs to.")
    errors: list[FieldError] | None = Field(None, description="Invalid fields (validation problems).")
    operation: str | None = Field(None, description="The operation the problem belongs to (refused writes).")
    error: RevertedError | None = Field(None, description="The contract's custom error (refused transactions).")


def problem_response(
    status: int, type_: str, title: str | None, detail: str | None, *, instance: str, **extra: Any
) -> JSONResponse:
    """A ``application/problem+json`` response (``title``: the type's own when ``None``)."""
    body = {
        "type": type_,
        "title": title or TITLES.get(type_, "The request failed"),
        "status": status,
        "detail": detail,
        "instance": instance,
    }
    body.update({k: v for k, v in extra.items() if v is not None})
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE)


def problem_of(exc: errors.PortLinkError, instance: str) -> dict[str, Any]:
    """The problem body of a PortLink error that happened at ``instance`` (kept if the error names its own)."""
    if isinstance(exc, errors.ChainRevertError) and exc.error:
        body = dict(exc.error)
        body.setdefault("type", "/problems/transaction-reverted")
        body.setdefault(
            "title", TITLES[body["type"]] if body["type"] in TITLES else TITLES["/problems/transaction-reverted"]
        )
        body.setdefault("status", 422)
        body.setdefault("instance", instance)
        return body
    for cls, status, type_ in _ERRORS:
        if isinstance(exc, cls):
            body = {"type": type_, "title": TITLES[type_], "status": status, "detail": str(exc), "instance": instance}
            if isinstance(exc, errors.InvalidInputError) and exc.field:
                body["errors"] = [{"field": exc.field, "message": str(exc)}]
            return body
    return {
        "type": "/problems/internal",
        "title": TITLES["/problems/internal"],
        "status": 500,
        "detail": str(exc),
        "instance": instance,
    }


def responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for the problem codes a route can answer (plus 400 for a body that is not
    JSON, 422 and 500 always)."""
    out: dict[int | str, dict[str, Any]] = {}
    for code in sorted({*codes, 400, 422, 500}):
        out[code] = {
            "model": Problem,
            "description": _STATUS_DESCRIPTIONS.get(code, "Problem"),
            "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
    return out


def _loc(loc: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(p) for p in loc)


def _allowed(request: Request) -> str:
    """The methods the API serves the request's path with, from its OpenAPI document (for a 405's ``Allow``; the
    console's page route, which answers every path, is not in it)."""
    methods: set[str] = set()
    for path, operations in request.app.openapi()["paths"].items():
        pattern = "/".join("[^/]+" if p.startswith("{") and p.endswith("}") else re.escape(p) for p in path.split("/"))
        if re.fullmatch(pattern, request.url.path):
            methods |= {method.upper() for method in operations}
    return ", ".join(sorted(methods))


def _wrong_method(request: Request, exc: errors.PortLinkError) -> str | None:
    """The ``Allow`` of a request that reached no API route only because of its method: the console's page
    route takes every path and answers "not found" for a method it does not serve, which for a path an API route
    serves is a 405."""
    route = request.scope.get("route")
    if not isinstance(exc, errors.NotFoundError) or (isinstance(route, APIRoute) and route.include_in_schema):
        return None
    return _allowed(request) or None


def install(app: FastAPI) -> None:
    """Register the problem handlers on ``app`` (under ``/v2``, DCSA's error object: :mod:`portlink.api.dcsa`)."""

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        raised = exc.errors()
        broken = next((e for e in raised if e.get("type") == "json_invalid"), None)
        if broken is not None:  # not JSON at all: the body limit's and the strict reader's work, as a safety net
            detail = f"the body is not valid JSON: {(broken.get('ctx') or {}).get('error', 'cut short')}"
            if dcsa.applies(request.url.path):
                return dcsa.error_response(request, 400, detail)
            return problem_response(400, "/problems/malformed-body", None, detail, instance=request.url.path)
        fields = []
        for e in raised:
            message = str(e.get("msg", "invalid")).removeprefix("Value error, ")
            fields.append({"field": _loc(e.get("loc", ())), "message": message})
        first = fields[0] if fields else {"field": "body", "message": "invalid"}
        if dcsa.applies(request.url.path):
            text = "; ".join(f"{f['field']}: {f['message']}" for f in fields) or "invalid input"
            return dcsa.error_response(request, 400, text)
        return problem_response(
            422,
            "/problems/invalid-input",
            None,
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
        response = problem_response(
            status,
            _HTTP_TYPES.get(status, f"/problems/http-{status}"),
            None,
            str(exc.detail),
            instance=request.url.path,
        )
        response.headers.update(headers)
        return response

    @app.exception_handler(errors.PortLinkError)
    async def _portlink(request: Request, exc: errors.PortLinkError) -> JSONResponse:
        allow = _wrong_method(request, exc)
        if allow is not None:
            return await _http(request, StarletteHTTPException(405, "Method Not Allowed", {"Allow": allow}))
        body = problem_of(exc, request.url.path)
        if body["status"] >= 500:
            log.error("%s %s: %s", request.method, request.url.path, exc)
        if dcsa.applies(request.url.path):
            status = 400 if isinstance(exc, errors.InvalidInputError) else int(body["status"])
            field = getattr(exc, "field", None)
            return dcsa.error_response(request, status, f"{field}: {exc}" if field else str(exc))
        return JSONResponse(body, status_code=int(body["status"]), media_type=MEDIA_TYPE)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("%s %s failed", request.method, request.url.path)
        if dcsa.applies(request.url.path):
            return dcsa.error_response(request, 500, "an unexpected error; see the logs")
        return problem_response(
            500, "/problems/internal", None, "an unexpected error; see the logs", instance=request.url.path
        )


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
            response = problem_response(413, "/problems/body-too-large", None, detail, instance=scope["path"])
        await response(scope, receive, send)
