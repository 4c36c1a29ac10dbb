"""``POST /v1/telemetry``: an IoT gateway's batch of device-signed readings."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import Field

from portlink.api.deps import RuntimeDep
from portlink.api.fields import Bytes32, ContainerNumber, Signature, hex_bytes
from portlink.api.models import Closed, OperationPublic, Public
from portlink.api.problems import responses
from portlink.api.writes import WRITE_CODES, WriterDep
from portlink.domain.iot import INT64_MAX, INT64_MIN, DeviceKind, Reading
from portlink.errors import ForbiddenError, InvalidInputError
from portlink.services.operations import Signing
from portlink.telemetry.ingest import SignedReading

router = APIRouter(prefix="/v1/telemetry", tags=["telemetry"])

#: Readings one request may carry.
MAX_READINGS = 5_000


class ReadingIn(Closed):
    """A reading as the device signed it (EIP-712 `Reading` of the IoT monitor) and its signature."""

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


class TelemetryBatch(Closed):
    """Readings relayed by the calling gateway, in the order it received them."""

    readings: Annotated[list[ReadingIn], Field(min_length=1, max_length=MAX_READINGS)]


class ReadingOutcome(Public):
    """What became of one reading: accepted (with the rule it broke, if any, and its Merkle proof in this
    batch) or refused (with the reason the IoT monitor would give)."""

    device_id: str
    sequence: int
    accepted: bool
    breach: str | None = None
    proof: list[str] | None = None
    refusal: str | None = None
    detail: str | None = None


class AnchoredBatchPublic(Public):
    """The Merkle root of the accepted readings and the operation anchoring it."""

    root: str
    count: int
    operation: OperationPublic


class BreachPostPublic(Public):
    """A breaching reading posted on chain: its operation, or the problem that refused it."""

    device_id: str
    sequence: int
    operation: OperationPublic | None = None
    problem: str | None = None


class TelemetryAnswer(Public):
    """The batch's outcomes, its anchoring operation, and one operation (or problem) per breach."""

    outcomes: list[ReadingOutcome]
    batch: AnchoredBatchPublic | None
    breaches: list[BreachPostPublic]


@router.post("", status_code=202, response_model=TelemetryAnswer, responses=responses(*WRITE_CODES))
def post_telemetry(runtime: RuntimeDep, writer: WriterDep, body: TelemetryBatch) -> JSONResponse:
    """Ingest a batch of device-signed readings. Each is checked as the IoT monitor checks it and evaluated
    against its shipment's rules at once: a breach is on the alert stream (`TelemetryWarning`) before this
    answers. The accepted readings are anchored on chain as one Merkle root (an operation), and each breach is
    posted on its own (an operation each), signed with the gateway's custodial key. Caller: an `IOT_GATEWAY`
    member; `Idempotency-Key` replays the answer instead of ingesting twice."""
    caller = writer.caller
    if not caller.has_role("IOT_GATEWAY"):
        raise ForbiddenError("only an IOT_GATEWAY member relays telemetry")
    if writer.options.signing != Signing.CUSTODIAL:
        raise InvalidInputError("telemetry is anchored with the gateway's custodial key", "query.signing")
    operations = runtime.operations

    def run(_claim: tuple[str, str]) -> tuple[int, dict[str, Any]]:  # several operations: none linked to the key
        result = runtime.telemetry.ingest(caller.member, [r.signed() for r in body.readings])
        answer = TelemetryAnswer.model_validate(result)
        if writer.options.confirm:  # wait for the anchoring and every breach post
            timeout = runtime.settings.api_confirm_timeout_seconds
            ops = ([result.batch.operation] if result.batch else []) + [
                b.operation for b in result.breaches if b.operation
            ]
            done = {op.id: OperationPublic.model_validate(operations.wait(op.id, timeout)) for op in ops}
            answer = answer.model_copy(
                update={
                    "batch": answer.batch.model_copy(update={"operation": done[answer.batch.operation.id]})
                    if answer.batch
                    else None,
                    "breaches": [
                        b.model_copy(update={"operation": done[b.operation.id]}) if b.operation else b
                        for b in answer.breaches
                    ],
                }
            )
        return 202, answer.model_dump(mode="json", by_alias=True)

    return writer.idempotent(body, run)
