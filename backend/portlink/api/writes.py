"""The one path of every write: idempotency, the operation, ``?confirm=true``, and the answer.

A refused write (the simulation reverts, or the transaction reverts on chain while ``?confirm=true`` waits) is
answered with the problem of its custom error; the operation stays readable at ``/v1/operations/{id}``. Every
answer except an unexpected failure is stored under the ``Idempotency-Key`` and replayed to identical retries.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from portlink.api.deps import WriteOptions
from portlink.api.problems import MEDIA_TYPE, problem_of
from portlink.errors import PortLinkError
from portlink.services.access import Caller
from portlink.services.operations import DONE, FAILED, Call, request_fingerprint
from portlink.services.runtime import Runtime

#: Declared on every write route.
WRITE_CODES = (401, 403, 404, 409, 413, 422, 502, 503)


def _answer(op: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    if op["status"] == FAILED and op["error"]:
        return int(op["error"].get("status", 422)), {**op["error"], "operation": op["id"]}
    return (200 if op["status"] in DONE else 202), op


def perform(
    request: Request,
    runtime: Runtime,
    caller: Caller,
    options: WriteOptions,
    kind: str,
    call: Call,
    body: BaseModel | dict[str, Any] | None,
    *,
    sender: str | None = None,
) -> JSONResponse:
    """Run the write ``call`` for ``caller`` as an operation and answer it."""
    query = "&".join(f"{k}={v}" for k, v in sorted(request.query_params.items()) if k != "confirm")
    payload = body.model_dump(mode="json") if isinstance(body, BaseModel) else body
    fingerprint = request_fingerprint(request.method, f"{request.url.path}?{query}", json.dumps(payload).encode())
    ops = runtime.operations
    stored = ops.begin_request(caller.member, options.idempotency_key, fingerprint)
    if stored is not None:
        media = MEDIA_TYPE if stored.status_code >= 400 else "application/json"
        return JSONResponse(stored.body, stored.status_code, media_type=media, headers={"Idempotent-Replayed": "true"})
    try:
        op = ops.submit(caller.member, kind, call, signing=options.signing, sender=sender)
        if options.confirm:
            op = ops.wait(op["id"], runtime.settings.api_confirm_timeout_seconds)
        status, answer = _answer(op)
    except PortLinkError as exc:
        answer = problem_of(exc, request.url.path)
        status = int(answer["status"])
        if status >= 500:
            ops.abandon_request(caller.member, options.idempotency_key)
            raise
    except BaseException:
        ops.abandon_request(caller.member, options.idempotency_key)
        raise
    ops.finish_request(caller.member, options.idempotency_key, status, answer)
    op_id = answer.get("id") or answer.get("operation")
    headers = {"Location": f"/v1/operations/{op_id}"} if op_id else {}
    return JSONResponse(answer, status, media_type=MEDIA_TYPE if status >= 400 else "application/json", headers=headers)
