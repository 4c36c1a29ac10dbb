"""The one path of every write: idempotency, the operation, ``?confirm=true``, and the answer.

A route handler asks its resource's service for the write (which contract call, checked how) and hands it to
:meth:`Writer.perform`. A refused write (the simulation reverts, or the transaction reverts on chain while
``?confirm=true`` waits) is answered with the problem of its custom error; the operation stays readable at
``/v1/operations/{id}``. Every answer except an unexpected failure is stored under the ``Idempotency-Key`` and
replayed to identical retries.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from portlink.api.deps import CallerDep, RuntimeDep, WriteOptions, WriteOptionsDep
from portlink.api.models import OperationPublic
from portlink.api.problems import MEDIA_TYPE, problem_of, responses
from portlink.errors import ConflictError, PortLinkError
from portlink.services.access import Caller
from portlink.services.operations import Operation, Status, Write, request_fingerprint
from portlink.services.runtime import Runtime

#: Declared on every write route.
WRITE_CODES = (401, 403, 404, 409, 413, 422, 502, 503)
#: The answers of a write route: 202 with the open operation (its status code), 200 once it has succeeded
#: (``?confirm=true``), and the problems.
WRITE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"model": OperationPublic, "description": "The operation, succeeded (`?confirm=true` waited for it)."},
    **responses(*WRITE_CODES),
}


def operation_json(op: Operation) -> dict[str, Any]:
    """The operation resource as the API sends it."""
    return OperationPublic.model_validate(op).model_dump(mode="json", by_alias=True)


def operation_answer(op: Operation) -> tuple[int, dict[str, Any]]:
    """The status and body answering a write whose operation is ``op``: its problem if it failed, 200 once it
    succeeded, 202 while it is open."""
    if op.status == Status.FAILED and op.error:
        return int(op.error.get("status", 422)), {**op.error, "operation": op.id}
    return (200 if op.done else 202), operation_json(op)


def respond(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> JSONResponse:
    """A JSON answer, ``application/problem+json`` for a problem."""
    return JSONResponse(body, status, media_type=MEDIA_TYPE if status >= 400 else "application/json", headers=headers)


@dataclass(frozen=True)
class Writer:
    """Performs the writes of one request."""

    request: Request
    runtime: Runtime
    caller: Caller
    options: WriteOptions

    def fingerprint(self, body: BaseModel | dict[str, Any] | None) -> str:
        """What identifies this request under its ``Idempotency-Key``: method, path, query and body."""
        query = "&".join(f"{k}={v}" for k, v in sorted(self.request.query_params.items()) if k != "confirm")
        payload = body.model_dump(mode="json") if isinstance(body, BaseModel) else body
        return request_fingerprint(
            self.request.method, f"{self.request.url.path}?{query}", json.dumps(payload).encode()
        )

    def idempotent(
        self,
        body: BaseModel | dict[str, Any] | None,
        run: Callable[[tuple[str, str]], tuple[int, dict[str, Any]]],
    ) -> JSONResponse:
        """Answer with ``run()`` once per ``Idempotency-Key``: a retry of the same request replays the stored
        answer. A problem is stored too; an unexpected failure releases the key."""
        operations = self.runtime.operations
        records = operations.idempotency
        member, key = self.caller.member, self.options.idempotency_key
        claim = records.begin(member, key, self.fingerprint(body))
        if claim.stored is not None:
            return respond(claim.stored.status_code, claim.stored.body, {"Idempotent-Replayed": "true"})
        try:
            # A retry that took over a request whose process died answers with the operation it had created.
            resumed = operations.resume_request(claim.operation_id) if claim.taken_over else None
            status, answer = self._answer(resumed) if resumed is not None else run((member, key))
        except PortLinkError as exc:
            answer = problem_of(exc, self.request.url.path)
            status = int(answer["status"])
            # Not an answer to keep: the service is away (5xx), or the request it took over is still being worked
            # on elsewhere (409 "retry later": a dead process's operation whose lease has not run out yet). Kept,
            # it would be replayed to every retry for ever; released, a later retry takes the request over again.
            if status >= 500 or isinstance(exc, ConflictError):
                self._abandon(member, key)
                raise
        except BaseException:
            self._abandon(member, key)
            raise
        if status >= 500:  # interrupted: not an answer to keep; a retry takes the request over
            self._abandon(member, key)
        else:
            records.finish(member, key, status, answer)
        op_id = answer.get("id") or answer.get("operation")
        return respond(status, answer, {"Location": f"/v1/operations/{op_id}"} if op_id else None)

    def _abandon(self, member: str, key: str) -> None:
        with contextlib.suppress(PortLinkError):  # the database is away: the record's lease runs out instead
            self.runtime.operations.idempotency.abandon(member, key)

    def _answer(self, op: Operation) -> tuple[int, dict[str, Any]]:
        """The answer with ``op`` (waited for with ``?confirm=true``)."""
        if self.options.confirm:
            op = self.runtime.operations.wait(op.id, self.runtime.settings.api_confirm_timeout_seconds)
        return operation_answer(op)

    def perform(self, write: Write, body: BaseModel | dict[str, Any] | None) -> JSONResponse:
        """Run ``write`` for the caller as an operation and answer it."""
        operations = self.runtime.operations

        def run(claim: tuple[str, str]) -> tuple[int, dict[str, Any]]:
            return self._answer(operations.submit(self.caller.member, write, signing=self.options.signing, claim=claim))

        return self.idempotent(body, run)


def get_writer(request: Request, runtime: RuntimeDep, caller: CallerDep, options: WriteOptionsDep) -> Writer:
    """The writer of this request."""
    return Writer(request, runtime, caller, options)


WriterDep = Annotated[Writer, Depends(get_writer)]
