"""``POST /v1/telemetry``: an IoT gateway's batch of device-signed readings."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from portlink.api.deps import CallerDep, RuntimeDep, WriteDep
from portlink.api.fields import Bytes32, ContainerNumber, Signature, hex_bytes
from portlink.api.problems import MEDIA_TYPE, problem_of, responses
from portlink.api.writes import WRITE_CODES
from portlink.domain.iot import INT64_MAX, INT64_MIN, DeviceKind, Reading
from portlink.errors import ForbiddenError, InvalidInputError, PortLinkError
from portlink.services.operations import request_fingerprint
from portlink.telemetry.ingest import SignedReading

router = APIRouter(prefix="/v1/telemetry", tags=["telemetry"])

#: Readings one request may carry.
MAX_READINGS = 5_000


class ReadingIn(BaseModel):
    """A reading as the device signed it (EIP-712 `Reading` of the IoT monitor) and its signature."""

    model_config = ConfigDict(extra="forbid")

    deviceId: Bytes32
    container: ContainerNumber
    kind: Literal["SEAL", "TEMPERATURE", "POSITION", "SHOCK"]
    value: Annotated[int, Field(ge=INT64_MIN, le=INT64_MAX)]
    timestamp: Annotated[int, Field(ge=0, lt=2**64)]
    sequence: Annotated[int, Field(ge=1, lt=2**64)]
    signature: Signature

    def signed(self) -> SignedReading:
        reading = Reading(
            hex_bytes(self.deviceId), self.container, DeviceKind[self.kind], self.value, self.timestamp, self.sequence
        )
        return SignedReading(reading, hex_bytes(self.signature))


class TelemetryBatch(BaseModel):
    """Readings relayed by the calling gateway, in the order it received them."""

    model_config = ConfigDict(extra="forbid")

    readings: Annotated[list[ReadingIn], Field(min_length=1, max_length=MAX_READINGS)]


class ReadingOutcome(BaseModel):
    """What became of one reading: accepted (with the rule it broke, if any, and its Merkle proof in this
    batch) or refused (with the reason the IoT monitor would give)."""

    deviceId: str
    sequence: int
    accepted: bool
    breach: str | None = None
    proof: list[str] | None = None
    refusal: str | None = None
    detail: str | None = None


class TelemetryAnswer(BaseModel):
    """The batch's outcomes, its anchoring operation, and one operation (or problem) per breach posted."""

    outcomes: list[ReadingOutcome]
    batch: dict[str, object] | None
    breaches: list[dict[str, object]]


@router.post(
    "",
    status_code=202,
    response_model=TelemetryAnswer,
    responses=responses(*WRITE_CODES),
)
def post_telemetry(
    request: Request, runtime: RuntimeDep, caller: CallerDep, options: WriteDep, body: TelemetryBatch
) -> JSONResponse:
    """Ingest a batch of device-signed readings. Each is checked as the IoT monitor checks it and evaluated
    against its shipment's rules at once: a breach is on the alert stream (`TelemetryWarning`) before this
    answers. The accepted readings are anchored on chain as one Merkle root (an operation), and each breach is
    posted on its own (an operation each), signed with the gateway's custodial key. Caller: an `IOT_GATEWAY`
    member; `Idempotency-Key` replays the answer instead of ingesting twice."""
    if not caller.has_role("IOT_GATEWAY"):
        raise ForbiddenError("only an IOT_GATEWAY member relays telemetry")
    if options.signing != "custodial":
        raise InvalidInputError("telemetry is anchored with the gateway's custodial key", "query.signing")
    ops = runtime.operations
    fingerprint = request_fingerprint("POST", request.url.path, json.dumps(body.model_dump(mode="json")).encode())
    stored = ops.begin_request(caller.member, options.idempotency_key, fingerprint)
    if stored is not None:
        media = MEDIA_TYPE if stored.status_code >= 400 else "application/json"
        return JSONResponse(stored.body, stored.status_code, media_type=media, headers={"Idempotent-Replayed": "true"})
    try:
        result = runtime.telemetry.ingest(caller.member, [r.signed() for r in body.readings])
        if options.confirm:  # wait for the anchoring and every breach post
            timeout = runtime.settings.api_confirm_timeout_seconds
            for entry in ([result.batch] if result.batch else []) + result.breaches:
                if "operation" in entry:
                    entry["operation"] = ops.wait(entry["operation"]["id"], timeout)
        answer: dict[str, Any] = {"outcomes": result.outcomes, "batch": result.batch, "breaches": result.breaches}
        status = 202
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
    return JSONResponse(answer, status, media_type=MEDIA_TYPE if status >= 400 else "application/json")
