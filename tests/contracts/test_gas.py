"""Gas of the consortium's main operations against the committed snapshot (`make gas-snapshot` rewrites it).

A change that makes a workflow dearer (or cheaper) fails here until the snapshot is updated, so it shows in
review as a diff of snapshots/gas-consortium.json.
"""

from __future__ import annotations

from portlink.deployment.deploy import CORE
from portlink.domain.consortium import Role

from tests.conftest import NO_PORT, ROOT, SHEKOU, check_gas_snapshot

SNAPSHOT = ROOT / "snapshots" / "gas-consortium.json"


def _measure(chain, deployment, registry, governance, members) -> dict[str, int]:
    w3 = chain.provider.web3
    gas: dict[str, int] = {}
    for name in CORE:
        entry = deployment.manifest.contract(name)
        gas[
            f"{name}.deploy (pilot seed: 2 ports, 12 members)" if name == "ConsortiumRegistry" else f"{name}.deploy"
        ] = w3.eth.get_transaction_receipt(entry.transaction_hash)["gasUsed"]
    pa, pb = members.shekou_authority, members.shunde_authority

    def propose(label: str, method: str, *args) -> int:
        receipt = getattr(governance, method)(*args, sender=pa)
        gas[f"propose: {label}"] = receipt.gas_used
        return governance.proposalCount()

    def passes(label: str, pid: int) -> None:
        receipt = governance.vote(pid, True, sender=pb)
        assert receipt.events.filter(governance.ProposalExecuted), label
        gas[f"vote: executes {label}"] = receipt.gas_used

    pid = propose("member with a port role", "proposeMember", members.newcomer, "Newcomer Customs", "ORG-1",
                  Role.CUSTOMS.id, SHEKOU)  # fmt: skip
    passes("member with a port role", pid)
    passes("role grant", propose("role grant", "proposeRoleGrant", members.newcomer, Role.AUDITOR.id, NO_PORT))
    passes("role revoke", propose("role revoke", "proposeRoleRevoke", members.newcomer, Role.AUDITOR.id, NO_PORT))
    passes("suspension", propose("suspension", "proposeSuspension", members.carrier, b"\x01" * 32))
    passes("reinstatement", propose("reinstatement", "proposeReinstatement", members.carrier))
    passes(
        "port with a new authority",
        propose("port", "proposePort", b"HKHKG", "Hong Kong", members.newcomer2, "Marine Department", "HK-MD"),
    )
    passes("parameter", propose("parameter", "proposeParameter", registry.WEIGHT_TOLERANCE_BPS(), 300))

    pid = propose("parameter (to be defeated)", "proposeParameter", registry.WEIGHT_TOLERANCE_BPS(), 400)
    gas["vote: against"] = governance.vote(pid, False, sender=pb).gas_used
    pid = propose("parameter (to be cancelled)", "proposeParameter", registry.WEIGHT_TOLERANCE_BPS(), 450)
    gas["cancel"] = governance.cancel(pid, sender=pa).gas_used
    return gas


def test_gas_matches_the_committed_snapshot(chain, deployment, registry, governance, members):
    check_gas_snapshot(SNAPSHOT, _measure(chain, deployment, registry, governance, members))
