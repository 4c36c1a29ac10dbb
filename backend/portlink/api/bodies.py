"""Request bodies of JSON routes, checked before a route sees them (ASGI middleware).

For a route that takes a JSON body (not a form or an upload), a non-empty body must say it is JSON
(``Content-Type: application/json`` or ``…+json``; otherwise ``415 /problems/unsupported-media-type``) and be one
well-formed JSON document: cut short, not UTF-8, ``NaN`` or a key twice in one object is
``400 /problems/malformed-body``. Python's JSON reader would keep the last of two equal keys; a signer and a
checker that read different values is how a request gets changed behind a signature, so PortLink refuses them.
"""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi import FastAPI, Request
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portlink.api import dcsa
from portlink.api.problems import problem_response, responses


class DuplicateKeyError(ValueError):
    """A JSON object names a key twice."""

    def __init__(self, key: str) -> None:
        super().__init__(f"the key {key!r} appears twice in one object")
        self.key = key


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise DuplicateKeyError(key)
        seen[key] = value
    return seen


def _constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def parse_strict(body: bytes) -> Any:
    """``body`` as JSON, refusing duplicate keys and ``NaN``/``Infinity``; ``ValueError`` saying why."""
    return json.loads(body.decode("utf-8"), object_pairs_hook=_pairs, parse_constant=_constant)


def _is_json(content_type: str | None) -> bool:
    if not content_type:
        return False
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


def _json_body(operation: dict[str, Any]) -> bool:
    content = (operation.get("requestBody") or {}).get("content") or {}
    return any(_is_json(media) for media in content)


def install(app: FastAPI) -> None:
    """Check the bodies of ``app``'s JSON routes, and declare their 415 in the OpenAPI document."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        schema = build()
        problem = responses(415)[415]
        for methods in schema["paths"].values():
            for operation in methods.values():
                if _json_body(operation):
                    operation["responses"].setdefault(
                        "415",
                        {"description": problem["description"], "content": problem["content"]},
                    )
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
    app.add_middleware(StrictJsonBodies, api=app)


def _pattern(path: str) -> re.Pattern[str]:
    """``/v1/shipments/{shipment_id}`` as a pattern of request paths."""
    parts = ("[^/]+" if part.startswith("{") and part.endswith("}") else re.escape(part) for part in path.split("/"))
    return re.compile("/".join(parts) + "$")


class StrictJsonBodies:
    """The checks of this module, for the routes of ``api`` whose OpenAPI operation takes a JSON body."""

    def __init__(self, app: ASGIApp, api: FastAPI) -> None:
        self.app, self.api = app, api
        self._routes: list[tuple[str, re.Pattern[str]]] | None = None

    def _takes_json(self, scope: Scope) -> bool:
        if self._routes is None:
            self._routes = [
                (method.upper(), _pattern(path))
                for path, methods in self.api.openapi()["paths"].items()
                for method, operation in methods.items()
                if _json_body(operation)
            ]
        method, path = scope["method"], scope["path"]
        return any(m == method and pattern.match(path) for m, pattern in self._routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS") or not self._takes_json(scope):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        try:
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    break
        except StarletteHTTPException as exc:  # the body limit, raised while reading
            await self._refuse(scope, receive, send, exc.status_code, str(exc.detail))
            return
        body = b"".join(chunks)
        if body:
            content_type = dict(scope.get("headers") or []).get(b"content-type", b"").decode("latin-1") or None
            if not _is_json(content_type):
                await self._refuse(
                    scope,
                    receive,
                    send,
                    415,
                    f"the body is {content_type or 'of no declared type'}: send JSON with Content-Type: "
                    "application/json",
                )
                return
            try:
                parse_strict(body)
            except DuplicateKeyError as exc:
                await self._refuse(scope, receive, send, 400, str(exc), field=f"body.{exc.key}")
                return
            except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors too
                await self._refuse(scope, receive, send, 400, f"the body is not valid JSON: {exc}")
                return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _refuse(
        self, scope: Scope, receive: Receive, send: Send, status: int, detail: str, *, field: str | None = None
    ) -> None:
        kinds = {
            400: "/problems/malformed-body",
            413: "/problems/body-too-large",
            415: "/problems/unsupported-media-type",
        }
        if dcsa.applies(scope["path"]):
            message = f"{field}: {detail}" if field else detail
            await dcsa.error_response(Request(scope, receive), status, message)(scope, receive, send)
            return
        errors = [{"field": field, "message": detail}] if field else None
        response = problem_response(status, kinds[status], None, detail, instance=scope["path"], errors=errors)
        await response(scope, receive, send)
