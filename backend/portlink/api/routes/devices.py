"""IoT devices: which device watches which container, whose gateway relays it, whether it was revoked (as
indexed); registering, binding and revoking devices (the gateway's writes); and a shipment's monitoring: the rules
its readings are checked against and the gateways authorised to watch it (the shipper's or customs' writes)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse
from pydantic import Field, model_validator

from portlink.api.deps import CallerDep, IoTDep, Limit, Offset
from portlink.api.fields import Address, Bytes32, UnLocode, hex_bytes
from portlink.api.models import Closed, OperationPublic, Public
from portlink.api.problems import responses
from portlink.api.writes import WRITE_RESPONSES, WriterDep
from portlink.domain.iot import INT64_MAX, INT64_MIN, MAX_CORRIDOR, DeviceKind, Rule, Rules
from portlink.domain.shipments import MAX_CONTAINERS

router = APIRouter(prefix="/v1/devices", tags=["devices"])
monitoring = APIRouter(prefix="/v1/shipments/{shipment_id}/monitoring", tags=["devices"])

DeviceId = Annotated[str, Path(pattern=r"^0x[0-9a-fA-F]{64}$", description="The device id (bytes32).")]
ShipmentId = Annotated[str, Path(pattern=r"^0x[0-9a-fA-F]{64}$", description="The shipment id (bytes32).")]
RuleName = Literal["TEMPERATURE", "SEAL", "CORRIDOR", "SHOCK"]


class DevicePublic(Public):
    """A device as indexed: ``ACTIVE`` until its gateway revokes it (``REVOKED``, final); bound to container
    ``containerIndex`` (number ``container``) of ``shipmentId``, or unbound (null); ``lastSequence`` and
    ``lastReadingAt`` (device clock) of its last reading posted on chain, a breach."""

    device_id: str
    gateway: str
    signer: str
    kind: str
    state: str
    shipment_id: str | None
    container_index: int | None
    container: str | None
    last_sequence: int
    last_reading_at: int | None
    block_number: int
    confirmed: bool


class DevicesPublic(Public):
    """A page of devices."""

    total: int
    limit: int
    offset: int
    data: list[DevicePublic]


class DeviceCreate(Closed):
    """A device the calling gateway registers, with the key it signs readings with (caller: an IOT_GATEWAY)."""

    deviceId: Bytes32
    signer: Address
    kind: Literal["SEAL", "TEMPERATURE", "POSITION", "SHOCK"]


class DeviceBinding(Closed):
    """Bind the device to a container of a shipment the gateway is authorised for."""

    shipmentId: Bytes32
    containerIndex: int = Field(ge=0, lt=MAX_CONTAINERS)


class RulesPut(Closed):
    """The rules a shipment's readings are checked against: only the listed rules are checked. Temperatures in
    degrees Celsius x 100, shock in milli-g, the corridor as the UN/LOCODEs of the geofences the cargo may be in."""

    enabled: list[RuleName] = Field(max_length=4)
    minTemperature: int = Field(0, ge=INT64_MIN, le=INT64_MAX)
    maxTemperature: int = Field(0, ge=INT64_MIN, le=INT64_MAX)
    maxShock: int = Field(0, ge=INT64_MIN, le=INT64_MAX)
    corridor: list[UnLocode] = Field(default_factory=list, max_length=MAX_CORRIDOR)

    def rules(self) -> Rules:
        """The rules as the monitor takes them."""
        enabled = Rule.NONE
        for name in self.enabled:
            enabled |= Rule[name]
        return Rules(enabled, self.minTemperature, self.maxTemperature, self.maxShock, tuple(self.corridor))

    @model_validator(mode="after")
    def _rules(self) -> RulesPut:
        self.rules()
        return self


class GatewayAuthorisation(Closed):
    """Authorise a gateway to watch the shipment (``authorised: false``: withdraw it)."""

    gateway: Address
    authorised: bool = True


@router.get("", response_model=DevicesPublic, responses=responses(401))
def list_devices(
    iot: IoTDep,
    caller: CallerDep,
    shipment: Annotated[Bytes32 | None, Query(description="The shipment the devices watch.")] = None,
    gateway: Annotated[Address | None, Query(description="The gateway that registered them.")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> DevicesPublic:
    """Devices by shipment and gateway, in id order. Members see the devices of the shipments they are a party
    of and (gateways) their own; customs and auditors see all."""
    found = iot.devices(caller, shipment=shipment, gateway=gateway, limit=limit, offset=offset)
    data = [DevicePublic.model_validate(d) for d in found.items]
    return DevicesPublic(total=found.total, limit=limit, offset=offset, data=data)


@router.post("", status_code=202, response_model=OperationPublic, responses=WRITE_RESPONSES)
def register_device(body: DeviceCreate, iot: IoTDep, writer: WriterDep) -> JSONResponse:
    """Register a device and the key it signs readings with; the calling gateway relays its readings."""
    return writer.perform(iot.register_device(hex_bytes(body.deviceId), body.signer, DeviceKind[body.kind]), body)


@router.get("/{device_id}", response_model=DevicePublic, responses=responses(401, 403, 404))
def get_device(device_id: DeviceId, iot: IoTDep, caller: CallerDep) -> DevicePublic:
    """One device (its alerts: `GET /v1/alerts?device=`)."""
    return DevicePublic.model_validate(iot.device(caller, device_id))


@router.post("/{device_id}/binding", status_code=202, response_model=OperationPublic, responses=WRITE_RESPONSES)
def bind_device(device_id: DeviceId, body: DeviceBinding, iot: IoTDep, writer: WriterDep) -> JSONResponse:
    """Bind the device to a container (caller: its gateway, authorised for the shipment)."""
    write = iot.bind_device(hex_bytes(device_id), hex_bytes(body.shipmentId), body.containerIndex)
    return writer.perform(write, body)


@router.post("/{device_id}/revocation", status_code=202, response_model=OperationPublic, responses=WRITE_RESPONSES)
def revoke_device(device_id: DeviceId, iot: IoTDep, writer: WriterDep) -> JSONResponse:
    """Revoke the device for good (caller: its gateway): its readings are refused from then on."""
    return writer.perform(iot.revoke_device(hex_bytes(device_id)), {})


@monitoring.put("/rules", status_code=202, response_model=OperationPublic, responses=WRITE_RESPONSES)
def set_rules(shipment_id: ShipmentId, body: RulesPut, iot: IoTDep, writer: WriterDep) -> JSONResponse:
    """Set the rules the shipment's readings are checked against (caller: its shipper, or customs)."""
    return writer.perform(iot.set_rules(hex_bytes(shipment_id), body.rules()), body)


@monitoring.post("/gateways", status_code=202, response_model=OperationPublic, responses=WRITE_RESPONSES)
def authorise_gateway(
    shipment_id: ShipmentId, body: GatewayAuthorisation, iot: IoTDep, writer: WriterDep
) -> JSONResponse:
    """Authorise a gateway to watch the shipment, or withdraw it (caller: its shipper, or customs)."""
    return writer.perform(iot.authorise_gateway(hex_bytes(shipment_id), body.gateway, body.authorised), body)
