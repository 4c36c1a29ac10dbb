"""Gas of filing, amending, each decision (sent, relayed for an EOA and for an ERC-1271 wallet), holds and clearance,
against snapshots/gas-customs.json (`make gas-snapshot` rewrites it).

Every measurement is deterministic: fixed transport document references (so fixed shipment ids), fixed accounts and
a fixed order on the state the test starts from. Each declaration is measured on a shipment of its own, so every
"first decision" starts from the same storage. Officers have signed before (their lane-0 nonce is past 0, as in
steady operation), so a relayed decision always costs the same nonce update.
"""

from __future__ import annotations

from eth_utils.crypto import keccak
from portlink.domain.consortium import Role
from portlink.domain.customs import Decision
from portlink.manifest import CUSTOMS

from tests.conftest import ROOT, SHEKOU, SHUNDE, check_gas_snapshot
from tests.customs.conftest import REASON, State
from tests.shipments.conftest import container, pool_number

SNAPSHOT = ROOT / "snapshots" / "gas-customs.json"
#: Ten valid HS subheadings (chapters 01-97 but 77), strictly ascending.
TEN_HS_CODES = [
    b"010121",
    b"030211",
    b"210690",
    b"392690",
    b"482110",
    b"630790",
    b"841810",
    b"850440",
    b"870899",
    b"940360",
]
AMENDED = keccak(b"combined declaration, version 2")


def test_gas_matches_the_committed_snapshot(chain, project, deployment, customs, desk, members, admit):
    gas: dict[str, int] = {
        "CustomsClearance.deploy": chain.provider.web3.eth.get_transaction_receipt(
            deployment.manifest.contract(CUSTOMS).transaction_hash
        )["gasUsed"]
    }

    # A Shunde customs officer that is a contract wallet (ERC-1271), its owner's EOA signing for it.
    owner = members.newcomer
    wallet = project.ERC1271WalletMock.deploy(owner, sender=owner)
    admit("proposeMember", wallet.address, "Shunde Customs (multisig)", "SDC-MS", Role.CUSTOMS.id, SHUNDE)
    # Steady operation: every officer has used its first lane-0 nonce already.
    for officer in (members.shekou_customs, members.shunde_customs):
        customs.invalidateNonce(0, sender=officer)
    wallet.execute(customs.address, customs.invalidateNonce.encode_input(0), sender=owner)

    def declaration(n: int, *, filed: bool = True) -> bytes:
        """Shipment GASCUSTOMS`n` (one container, Shekou to Shunde), with its declaration filed unless told."""
        sid = desk.shipment(containers=[container(pool_number(900 + n), 20_000)], reference=f"GASCUSTOMS{n}")
        return desk.file(sid) if filed else sid

    # Filing and amending; decisions sent by the officers.
    did = declaration(1, filed=False)
    desk.file(did)
    gas["file: 2 HS codes"] = desk.receipt.gas_used
    gas["amend: 2 HS codes, before any decision"] = desk.amend(did, AMENDED).gas_used
    gas["decide: approve, origin"] = desk.decide(did, SHEKOU, Decision.APPROVE).gas_used
    gas["decide: approve, destination (clears)"] = desk.decide(did, SHUNDE, Decision.APPROVE).gas_used
    assert customs.isCleared(did)

    did = declaration(2, filed=False)
    desk.file(did, hs_codes=TEN_HS_CODES)
    gas["file: 10 HS codes"] = desk.receipt.gas_used
    gas["decide: request inspection"] = desk.decide(did, SHEKOU, Decision.REQUEST_INSPECTION).gas_used
    gas["decide: reject"] = desk.decide(did, SHUNDE, Decision.REJECT, REASON).gas_used
    assert customs.getDeclaration(did).state == State.REJECTED
    gas["amend: after a rejection (reopens)"] = desk.amend(did, AMENDED).gas_used

    # The same decisions relayed as EIP-712 signatures (by an outsider).
    did = declaration(3)
    gas["decideBySig: approve, origin, EOA"] = desk.relay(desk.decision(did, SHEKOU)).gas_used
    gas["decideBySig: approve, destination, EOA (clears)"] = desk.relay(desk.decision(did, SHUNDE)).gas_used
    assert customs.isCleared(did)

    did = declaration(4)
    inspection = desk.decision(did, SHEKOU, Decision.REQUEST_INSPECTION)
    gas["decideBySig: request inspection, EOA"] = desk.relay(inspection).gas_used
    gas["decideBySig: reject, EOA"] = desk.relay(desk.decision(did, SHUNDE, Decision.REJECT, REASON)).gas_used
    assert customs.getDeclaration(did).state == State.REJECTED

    did = declaration(5)
    signed = desk.decision(did, SHUNDE, officer=wallet.address)
    gas["decideBySig: approve, ERC-1271 wallet"] = desk.relay(signed, desk.sign(signed, owner)).gas_used
    assert customs.getDeclaration(did).destinationOfficer == wallet.address

    # Holds.
    did = declaration(6)
    desk.decide(did, SHEKOU, Decision.APPROVE)
    gas["placeHold"] = customs.placeHold(did, SHUNDE, REASON, sender=members.shunde_customs).gas_used
    gas["releaseHold: declaration stays open"] = customs.releaseHold(
        did, SHUNDE, sender=members.shunde_customs
    ).gas_used
    customs.placeHold(did, SHUNDE, REASON, sender=members.shunde_customs)
    desk.decide(did, SHUNDE, Decision.APPROVE)
    assert customs.getDeclaration(did).state == State.FILED
    gas["releaseHold: clears"] = customs.releaseHold(did, SHUNDE, sender=members.shunde_customs).gas_used
    assert customs.isCleared(did)

    # clear() once the shipment registry's discrepancy no longer holds the goods.
    did = declaration(7)
    desk.journey.gate_in(did, 0, observed_kg=30_000)  # 50% over the declared weight: a discrepancy holds it
    desk.approve_both(did)
    assert customs.getDeclaration(did).state == State.FILED
    desk.journey.shipments.clearDiscrepancy(did, 0, "re-weighed: 20,050 kg", sender=members.shekou_customs)
    gas["clear: after a gate-in discrepancy was cleared"] = customs.clear(did, sender=members.outsider).gas_used
    assert customs.isCleared(did)

    check_gas_snapshot(SNAPSHOT, gas)
