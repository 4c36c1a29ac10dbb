"""What ``/v2`` (DCSA Track & Trace 2.2) answers differently from PortLink's own API, as the published
specification prescribes:

- errors are DCSA's error object (``httpMethod``, ``requestUri``, ``statusCode``, ``statusCodeText``,
  ``errorDateTime``, ``errors: [{reason, message}]``) as ``application/json``, not RFC 9457 problems, and invalid
  input is ``400``;
- every answer carries ``API-Version: 2.2.0``; a request's ``API-Version`` header, if sent, must be the major
  version ``2``;
- response models are DCSA's: fields named as the standard names them (``eventID``, ``UNLocationCode``), optional
  ones left out rather than ``null`` (the standard's schemas are OpenAPI 3.0 without ``nullable``), unknown request
  fields ignored (its schemas are open).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, model_validator
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portlink.domain.dcsa import API_VERSION
from portlink.errors import InvalidInputError

PREFIX = "/v2"
MAJOR = API_VERSION.split(".")[0]

_TEXTS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Payload Too Large",
    500: "Internal Server Error",
    503: "Service Unavailable",
}
_REASONS = {
    400: "invalidInput",
    401: "unauthorized",
    403: "forbidden",
    404: "notFound",
    405: "methodNotAllowed",
    409: "conflict",
    413: "payloadTooLarge",
    500: "internalError",
    503: "serviceUnavailable",
}


def applies(path: str) -> bool:
    """Whether ``path`` is DCSA's (``/v2`` and below)."""
    return path == PREFIX or path.startswith(PREFIX + "/")


# ---------------------------------------------------------------------------------------------------- models

#: Every DCSA model class, by name: their OpenAPI schemas are made to say "absent" where pydantic says "null".
MODELS: dict[str, type[BaseModel]] = {}


class Dcsa(BaseModel):
    """Base of DCSA's response models: closed, built from service records, ``None`` fields left out on the wire
    (:func:`dump`)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, from_attributes=True, frozen=True)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        MODELS[cls.__name__] = cls


class DcsaBody(BaseModel):
    """Base of DCSA's request bodies: fields as the standard names them; unknown fields are ignored (its schemas
    are open) but a ``null`` is refused (its fields are not nullable: leave one out instead)."""

    model_config = ConfigDict(extra="ignore")

    @model_validator(mode="before")
    @classmethod
    def _no_nulls(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for name, value in data.items():
                if value is None and name in cls.model_fields:
                    raise ValueError(f"{name} is null: leave it out instead")
        return data

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        MODELS[cls.__name__] = cls


def dump(model: BaseModel) -> dict[str, Any]:
    """A DCSA model as JSON: the standard's names, no ``null`` fields."""
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


class SubError(Dcsa):
    """One thing wrong with the request."""

    reason: str = Field(description="High level error message.", examples=["invalidQuery"])
    message: str = Field(description="Detailed error message.")


class DcsaError(Dcsa):
    """DCSA's error object."""

    httpMethod: str
    requestUri: str
    errors: list[SubError]
    statusCode: int
    statusCodeText: str
    errorDateTime: str


def error_response(
    request: Request, status: int, message: str, *, reason: str | None = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    """DCSA's error object for a request under ``/v2``."""
    body = DcsaError(
        httpMethod=request.method,
        requestUri=str(request.url),
        errors=[SubError(reason=reason or _REASONS.get(status, "error"), message=message)],
        statusCode=status,
        statusCodeText=_TEXTS.get(status, "Error"),
        errorDateTime=datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
    )
    return JSONResponse(dump(body), status_code=status, headers={**(headers or {}), "API-Version": API_VERSION})


def responses() -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` of a ``/v2`` route: ``default`` is DCSA's error object (as the standard declares)."""
    return {
        "default": {
            "model": DcsaError,
            "description": "Unexpected error",
            "headers": {"API-Version": {"schema": {"type": "string"}}},
        }
    }


def check_api_version(
    api_version: Annotated[
        str | None,
        Header(
            alias="API-Version",
            description="May be sent; if it is, only the major version (2), as the URI has it.",
        ),
    ] = None,
) -> None:
    """A request's ``API-Version`` header, if sent, names the major version the URI names (``2``)."""
    if api_version is not None and api_version.strip() != MAJOR:
        raise InvalidInputError(
            f"API-Version {api_version!r}: send only the major version, {MAJOR}, or leave it out", "header.API-Version"
        )


class VersionHeader:
    """ASGI middleware: ``API-Version: 2.2.0`` on every answer under ``/v2``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not applies(scope.get("path", "")):
            await self.app(scope, receive, send)
            return

        async def versioned(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"api-version"]
                message = {**message, "headers": [*headers, (b"api-version", API_VERSION.encode())]}
            await send(message)

        await self.app(scope, receive, versioned)


# ---------------------------------------------------------------------------------------------------- OpenAPI


_VERSION_HEADER = {"schema": {"type": "string"}, "description": "The version of the standard answered: 2.2.0."}


def as_published(document: dict[str, Any]) -> dict[str, Any]:
    """Our OpenAPI document with ``/v2`` saying what the wire does, as the standard's document says it:

    - errors are the ``default`` response (DCSA's error object), not the problem responses every other route
      declares; every answer declares its ``API-Version`` header;
    - an optional field is left out, never ``null`` (pydantic writes ``anyOf: [X, null]`` with ``default: null``;
      the standard writes ``X``).
    """
    for path, operations in document.get("paths", {}).items():
        if not applies(path):
            continue
        for operation in operations.values():
            answers = operation.get("responses", {})
            for code in [c for c in answers if c != "default" and not c.startswith("2")]:
                del answers[code]
            for code, answer in answers.items():
                if code.startswith("2"):
                    answer.setdefault("headers", {}).setdefault("API-Version", _VERSION_HEADER)
            for parameter in operation.get("parameters", []):
                _not_null(parameter["schema"])
    schemas = document.get("components", {}).get("schemas", {})
    for name, schema in schemas.items():
        if name in MODELS:
            for prop in schema.get("properties", {}).values():
                _not_null(prop)
    return document


def _not_null(schema: dict[str, Any]) -> None:
    """``anyOf: [X, null]`` (and ``default: null``) as ``X``, in place."""
    options = schema.get("anyOf")
    if options and {"type": "null"} in options and len(options) == 2:
        (kept,) = [o for o in options if o != {"type": "null"}]
        del schema["anyOf"]
        schema.update(kept)
    if schema.get("default", 0) is None:
        del schema["default"]
