"""IoT devices as indexed: which device watches which container, whose gateway relays it, whether it was revoked."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel

from portlink.api.deps import CallerDep, Offset, QueriesDep
from portlink.api.fields import Address, Bytes32
from portlink.api.models import Public
from portlink.api.problems import responses
from portlink.api.routes.shipments import visible_shipment
from portlink.errors import ForbiddenError, NotFoundError
from portlink.services.access import Caller
from portlink.services.queries import IndexQueries

router = APIRouter(prefix="/v1/devices", tags=["devices"])

DeviceId = Annotated[str, Path(pattern=r"^0x[0-9a-fA-F]{64}$", description="The device id (bytes32).")]


class DevicePublic(Public):
    """A device as indexed: ``ACTIVE`` until its gateway revokes it (``REVOKED``, final); bound to container
    ``containerIndex`` (number ``container``) of ``shipmentId``, or unbound (null); ``lastSequence`` and
    ``lastReadingAt`` (device clock) of its last reading posted on chain, a breach."""

    deviceId: str
    gateway: str
    signer: str
    kind: str
    state: str
    shipmentId: str | None
    containerIndex: int | None
    container: str | None
    lastSequence: int
    lastReadingAt: int | None
    blockNumber: int
    confirmed: bool


class DevicesPublic(BaseModel):
    """A page of devices."""

    total: int
    limit: int
    offset: int
    data: list[DevicePublic]


def _visible(queries: IndexQueries, caller: Caller, device: dict[str, Any]) -> None:
    """The device's gateway, customs and auditors, and the parties of the shipment it watches."""
    if caller.oversight or caller.member == device["gateway"]:
        return
    if device["shipmentId"] is None:
        raise ForbiddenError(
            f"{caller.member} is not the gateway of device {device['deviceId']}, nor customs or an auditor"
        )
    visible_shipment(queries, caller, device["shipmentId"])


@router.get("", response_model=DevicesPublic, responses=responses(401))
def list_devices(
    queries: QueriesDep,
    caller: CallerDep,
    shipment: Annotated[Bytes32 | None, Query(description="The shipment the devices watch.")] = None,
    gateway: Annotated[Address | None, Query(description="The gateway that registered them.")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
) -> DevicesPublic:
    """Devices by shipment and gateway, in id order. Members see the devices of the shipments they are a party
    of and (gateways) their own; customs and auditors see all."""
    viewer = None if caller.oversight else caller.member
    total, rows = queries.devices(shipment=shipment, gateway=gateway, viewer=viewer, limit=limit, offset=offset)
    return DevicesPublic(total=total, limit=limit, offset=offset, data=[DevicePublic(**r) for r in rows])


@router.get("/{device_id}", response_model=DevicePublic, responses=responses(401, 403, 404))
def get_device(device_id: DeviceId, queries: QueriesDep, caller: CallerDep) -> DevicePublic:
    """One device (its alerts: `GET /v1/alerts?device=`)."""
    device = queries.device(device_id)
    if device is None:
        raise NotFoundError(f"no IoT device {device_id} in the index (it may not be indexed yet)")
    _visible(queries, caller, device)
    return DevicePublic(**device)
