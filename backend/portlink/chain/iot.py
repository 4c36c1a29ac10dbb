"""The IoT monitor as the telemetry service sees it: devices and rules read from the chain, batches and breaches
written to it. Addresses and the ABI come from the deployment manifest."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_typing import ChecksumAddress
from eth_utils.address import to_checksum_address
from web3 import Web3
from web3.contract import Contract
from web3.logs import DISCARD
from web3.types import TxReceipt

from portlink.chain.client import Signer, transact
from portlink.domain.eip712 import Eip712Domain
from portlink.domain.iot import DeviceKind, Reading, Rule, Rules
from portlink.manifest import Manifest, load_abi

IOT_MONITOR = "IoTMonitor"


@dataclass(frozen=True)
class DeviceRecord:
    """``IIoTMonitor.Device`` as the backend uses it."""

    device_id: bytes
    active: bool
    kind: DeviceKind
    gateway: ChecksumAddress
    signer: ChecksumAddress
    shipment_id: bytes | None
    container: str | None
    last_sequence: int
    #: Chain time of the binding to ``shipment_id`` (0 while unbound): readings taken before it are refused.
    bound_at: int = 0


class IoTMonitorClient:
    """Reads and writes of the deployed ``IoTMonitor``."""

    def __init__(self, w3: Web3, manifest: Manifest, manifest_path: Path) -> None:
        deployed = manifest.contract(IOT_MONITOR)
        self.w3 = w3
        self.contract: Contract = w3.eth.contract(
            address=to_checksum_address(deployed.address), abi=load_abi(manifest_path, deployed)
        )

    def domain(self) -> Eip712Domain:
        """The EIP-712 domain devices sign readings in (ERC-5267)."""
        return Eip712Domain.from_erc5267(self.contract.functions.eip712Domain().call())

    def device(self, device_id: bytes) -> DeviceRecord | None:
        """The device, or None if it was never registered."""
        state, kind, _index, last, gateway, signer, container, shipment, bound_at = self.contract.functions.getDevice(
            device_id
        ).call()
        if state == 0:
            return None
        bound = bytes(shipment) != bytes(32)
        return DeviceRecord(
            device_id=device_id,
            active=state == 1,
            kind=DeviceKind(kind),
            gateway=to_checksum_address(gateway),
            signer=to_checksum_address(signer),
            shipment_id=bytes(shipment) if bound else None,
            container=bytes(container).decode("ascii") if bound else None,
            last_sequence=int(last),
            bound_at=int(bound_at),
        )

    def rules(self, shipment_id: bytes) -> Rules:
        """The shipment's rules (none enabled if none were set)."""
        enabled, low, high, shock, corridor = self.contract.functions.getRules(shipment_id).call()
        return Rules(
            enabled=Rule(enabled),
            min_temperature=low,
            max_temperature=high,
            max_shock=shock,
            corridor=tuple(bytes(code).decode("ascii") for code in corridor),
        )

    def authorised(self, shipment_id: bytes, gateway: ChecksumAddress) -> bool:
        """Whether the shipment's shipper or customs authorised ``gateway`` to watch it."""
        return bool(self.contract.functions.isAuthorisedGateway(shipment_id, gateway).call())

    def anchor_batch(self, signer: Signer, root: bytes, count: int) -> tuple[int, TxReceipt]:
        """Anchor a batch from the gateway ``signer``; returns the batch id and the receipt."""
        receipt = self._send(signer, "anchorBatch", [root, count], what="anchor a batch of readings")
        (event,) = self.contract.events.BatchAnchored().process_receipt(receipt, errors=DISCARD)
        return int(event["args"]["batchId"]), receipt

    def report_breach(self, signer: Signer, reading: Reading, signature: bytes) -> tuple[int, TxReceipt]:
        """Post a breaching reading from its gateway ``signer``; returns the alert id and the receipt."""
        receipt = self._send(signer, "reportBreach", [reading.to_chain(), signature], what="report a breach")
        (event,) = self.contract.events.AlertRaised().process_receipt(receipt, errors=DISCARD)
        return int(event["args"]["alertId"]), receipt

    def _send(self, signer: Signer, function: str, args: list[Any], *, what: str) -> TxReceipt:
        data = self.contract.encode_abi(function, args=args)
        return transact(self.w3, signer, {"to": self.contract.address, "data": data}, what=what)
