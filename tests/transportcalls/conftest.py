"""Fixtures for the TransportCallRegistry tests: the deployed registry of the real pilot deployment, vessel calls
and IMO numbers computed here (independently of backend/portlink), and the shipment journeys of the shipment
registry's tests."""

from __future__ import annotations

import pytest
from eth_abi import encode
from eth_utils.crypto import keccak
from portlink.manifest import TRANSPORT_CALLS

from tests.conftest import SHEKOU
from tests.shipments.conftest import journey  # noqa: F401 - a fixture these tests use

#: The IMO's own example (the check digit is 3).
IMO = 9_321_483
VOYAGE = "2103S"
SERVICE = "FE1"


def imo_number(first_six: int) -> int:
    """A valid IMO number from its first six digits: check digit = sum of digits x 7, 6, 5, 4, 3, 2, mod 10."""
    digits = [int(d) for d in f"{first_six:06d}"]
    return first_six * 10 + sum(d * w for d, w in zip(digits, (7, 6, 5, 4, 3, 2), strict=True)) % 10


def call_input(
    *,
    imo: int = IMO,
    port: bytes = SHEKOU,
    sequence: int = 1,
    service: str = SERVICE,
    export_voyage: str = VOYAGE,
    import_voyage: str = "",
    name: str = "KING OF THE SEAS",
) -> tuple:
    """A CallInput tuple: (vesselIMONumber, port, sequenceNumber, carrierServiceCode, exportVoyageNumber,
    importVoyageNumber, vesselName)."""
    return (imo, port, sequence, service, export_voyage, import_voyage, name)


def call_id_of(carrier, imo: int, voyage: str, port: bytes, sequence: int) -> bytes:
    """The business key, computed off-chain."""
    address = carrier if isinstance(carrier, str) else carrier.address
    return keccak(encode(["address", "uint32", "string", "bytes5", "uint16"], [address, imo, voyage, port, sequence]))


@pytest.fixture(scope="session")
def calls(project, deployment):
    """The TransportCallRegistry of the real pilot deployment."""
    return project.TransportCallRegistry.at(deployment.manifest.contract(TRANSPORT_CALLS).address)


@pytest.fixture
def record(calls, members):
    """Record a call (by the pilot carrier unless `sender`) and return its id."""

    def _record(*, sender=None, **fields) -> bytes:
        receipt = calls.recordCall(call_input(**fields), sender=sender or members.carrier)
        return bytes(receipt.return_value)

    return _record
