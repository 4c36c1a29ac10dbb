"""Gas of the transport call registry against snapshots/gas-transport-calls.json (`make gas-snapshot` rewrites
it)."""

from __future__ import annotations

from portlink.manifest import TRANSPORT_CALLS

from tests.conftest import ROOT, SHUNDE, check_gas_snapshot
from tests.transportcalls.conftest import call_input

SNAPSHOT = ROOT / "snapshots" / "gas-transport-calls.json"


def test_gas_matches_the_committed_snapshot(chain, calls, journey, deployment, members):
    gas: dict[str, int] = {
        "TransportCallRegistry.deploy": chain.provider.web3.eth.get_transaction_receipt(
            deployment.manifest.contract(TRANSPORT_CALLS).transaction_hash
        )["gasUsed"]
    }
    receipt = calls.recordCall(call_input(), sender=members.carrier)
    gas["recordCall: service, export voyage, vessel name"] = receipt.gas_used
    export_call = bytes(receipt.return_value)
    receipt = calls.recordCall(
        call_input(port=SHUNDE, import_voyage="2103N", service="", name=""), sender=members.carrier
    )
    gas["recordCall: import voyage, no service or name"] = receipt.gas_used
    import_call = bytes(receipt.return_value)
    later = bytes(calls.recordCall(call_input(sequence=2), sender=members.carrier).return_value)
    sid = journey.register()
    gas["assignShipment: origin call"] = calls.assignShipment(export_call, sid, sender=members.carrier).gas_used
    gas["assignShipment: destination call"] = calls.assignShipment(import_call, sid, sender=members.carrier).gas_used
    gas["assignShipment: rollover to another call"] = calls.assignShipment(later, sid, sender=members.carrier).gas_used
    gas["recordBooking"] = calls.recordBooking(sid, "ABC709951", sender=members.carrier).gas_used
    check_gas_snapshot(SNAPSHOT, gas)
