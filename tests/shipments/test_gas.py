"""Gas of registration (1, 2 and 10 containers) and of each milestone, against snapshots/gas-shipments.json."""

from __future__ import annotations

from portlink.domain.shipments import iso6346_check_digit
from portlink.manifest import SHIPMENTS

from tests.conftest import ROOT, SHEKOU, SHUNDE, check_gas_snapshot

SNAPSHOT = ROOT / "snapshots" / "gas-shipments.json"


def _container(owner: str, serial: int) -> bytes:
    first_ten = f"{owner}U{serial:06d}"
    return f"{first_ten}{iso6346_check_digit(first_ten)}".encode()


def _seal(text: str) -> bytes:
    return text.encode().ljust(16, b"\0")


def _registration(members, reference: str, count: int, serial: int):
    containers = [(_container("PLK", serial + i), 24_000, [_seal(f"SL{serial + i:06d}")]) for i in range(count)]
    return (members.consignee.address, members.carrier.address, SHEKOU, SHUNDE, reference, b"\x11" * 32, containers)


def test_gas_matches_the_committed_snapshot(chain, project, deployment, members, journey):
    shipments = project.ShipmentRegistry.at(deployment.manifest.contract(SHIPMENTS).address)
    w3 = chain.provider.web3
    gas: dict[str, int] = {
        "ShipmentRegistry.deploy": w3.eth.get_transaction_receipt(
            deployment.manifest.contract(SHIPMENTS).transaction_hash
        )["gasUsed"]
    }
    ids = {}
    for count in (1, 2, 10):
        receipt = journey.submit(_registration(members, f"GAS{count}", count, 100 * count), sender=members.shipper)
        gas[f"register: {count} container{'s' if count > 1 else ''}"] = receipt.gas_used
        ids[count] = shipments.shipmentIdOf(members.carrier, f"GAS{count}")

    sid, terminal_o, terminal_d = ids[2], members.shekou_terminal, members.shunde_terminal
    seal = [_seal("SL000200")]
    gas["GTIN: first of 2 containers"] = shipments.gateIn(sid, 0, 24_000, seal, sender=terminal_o).gas_used
    gas["GTIN: last container (shipment moves on)"] = shipments.gateIn(
        sid, 1, 24_100, [_seal("SL000201")], sender=terminal_o
    ).gas_used
    gas["LOAD: first of 2"] = shipments.load(sid, 0, sender=terminal_o).gas_used
    gas["LOAD: last"] = shipments.load(sid, 1, sender=terminal_o).gas_used
    gas["DEPA"] = shipments.depart(sid, sender=members.carrier).gas_used
    gas["ARRI"] = shipments.arrive(sid, sender=members.carrier).gas_used
    gas["DISC: first of 2"] = shipments.discharge(sid, 0, sender=terminal_d).gas_used
    gas["DISC: last"] = shipments.discharge(sid, 1, sender=terminal_d).gas_used
    gas["GTOT: first of 2"] = shipments.gateOut(sid, 0, sender=terminal_d).gas_used
    gas["GTOT: last (shipment complete)"] = shipments.gateOut(sid, 1, sender=terminal_d).gas_used

    held = ids[1]
    gas["GTIN: with weight and seal discrepancies (hold)"] = shipments.gateIn(
        held, 0, 30_000, [_seal("OTHER")], sender=terminal_o
    ).gas_used
    gas["clear discrepancy (release)"] = shipments.clearDiscrepancy(
        held, 0, "inspected: weighbridge recalibrated, seal replaced by customs", sender=members.shekou_customs
    ).gas_used
    gas["anchor document: first version"] = shipments.anchorDocument(
        held, 1, b"\x01" * 32, sender=members.shipper
    ).gas_used
    gas["anchor document: new version"] = shipments.anchorDocument(
        held, 1, b"\x02" * 32, sender=members.carrier
    ).gas_used
    check_gas_snapshot(SNAPSHOT, gas)
