"""Gas of the IoT monitor against snapshots/gas-iot.json (`make gas-snapshot` rewrites it), and of anchoring
readings in a batch against posting each on chain: one `anchorBatch` (after the first) costs the same for 10
readings or 10,000 but for the calldata of the count, while each reading posted on its own costs a `reportBreach`."""

from __future__ import annotations

from portlink.domain.iot import DeviceKind, MerkleTree, Rule, Rules
from portlink.manifest import IOT

from tests.conftest import ROOT, check_gas_snapshot
from tests.iot.conftest import NOW, REEFER_RULES

SNAPSHOT = ROOT / "snapshots" / "gas-iot.json"


def _steady(device, value: int, sequence: int):
    """A reading taken within the binding, and its signature, with no zero byte in the timestamp or the signature.

    The binding's time (and with it the reading's and its signature's bytes) changes from run to run, and calldata
    costs 4 gas a zero byte and 16 another: picking the time keeps the breach's gas the same in every run."""
    for taken in range(device.timestamp, device.timestamp + 250):
        reading = device.reading(value, sequence=sequence, timestamp=taken)
        signature = device.sign(reading)
        if all(taken.to_bytes(4, "big")) and all(signature):
            return reading, signature
    raise AssertionError("no reading time without zero bytes")


def test_gas_matches_the_committed_snapshot(chain, iot, field, deployment, members):
    gas: dict[str, int] = {
        "IoTMonitor.deploy": chain.provider.web3.eth.get_transaction_receipt(
            deployment.manifest.contract(IOT).transaction_hash
        )["gasUsed"]
    }
    reefer = field.device(register=False)
    gas["registerDevice"] = iot.registerDevice(
        reefer.id, reefer.address, int(DeviceKind.TEMPERATURE), sender=members.iot_gateway
    ).gas_used
    sid = field.journey.register()
    receipt = iot.authoriseGateway(sid, members.iot_gateway, True, sender=members.shipper)
    gas["authoriseGateway"] = receipt.gas_used
    gas["bindDevice"] = iot.bindDevice(reefer.id, sid, 0, sender=members.iot_gateway).gas_used
    reefer.timestamp = iot.getDevice(reefer.id).boundAt
    gas["setRules: temperature only"] = iot.setRules(
        sid,
        Rules(enabled=Rule.TEMPERATURE, min_temperature=200, max_temperature=800).to_chain(),
        sender=members.shipper,
    ).gas_used
    gas["setRules: all four, corridor of 2"] = iot.setRules(
        sid, REEFER_RULES.to_chain(), sender=members.shipper
    ).gas_used

    # The first batch also starts the batch counter; later ones cost the same whatever their size.
    for label, count in (("first batch, 10", 10), ("10", 10), ("10000", 10_000)):
        batch = [reefer.reading(500 + count, sequence=i + 1, timestamp=NOW) for i in range(min(count, 64))]
        root = MerkleTree([r.leaf() for r in batch]).root
        gas[f"anchorBatch: {label} readings"] = iot.anchorBatch(root, count, sender=members.iot_gateway).gas_used
    first, second = (_steady(reefer, value, sequence) for value, sequence in ((1_000, 100), (1_100, 101)))
    gas["reportBreach: temperature, first alert"] = field.report(reefer, *first).gas_used
    gas["reportBreach: temperature, second alert"] = field.report(reefer, *second).gas_used
    gas["resolveAlert"] = iot.resolveAlert(1, "reefer restarted", sender=members.shekou_customs).gas_used

    # Batching: per reading, the batch costs a fraction of one breach post as soon as it holds a few readings.
    assert abs(gas["anchorBatch: 10 readings"] - gas["anchorBatch: 10000 readings"]) < 50  # calldata of the count
    assert gas["anchorBatch: 10 readings"] < gas["reportBreach: temperature, second alert"]
    check_gas_snapshot(SNAPSHOT, gas)
