"""Real traffic for the indexer: shipments, milestones, discrepancies, documents, declarations, decisions, holds,
and governance votes, sent with web3 by the pilot's accounts (node-unlocked on Anvil) to a real deployment.

Used by the indexer tests and by the benchmark (bench/indexer.py). Container numbers and references are unique
per `Activity` so one chain can take any number of journeys.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_utils.crypto import keccak
from portlink.deployment.deploy import CUSTOMS, GOVERNANCE, SHIPMENTS
from portlink.deployment.manifest import Manifest, load_abi
from portlink.domain.consortium import Role
from portlink.domain.shipments import iso6346_check_digit
from web3 import Web3
from web3.logs import DISCARD

SHEKOU = b"CNSHK"
SHUNDE = b"CNSUD"
CNY = b"CNY"
HS_CODES = [b"854231", b"940360"]
#: Anvil account 19: not unlocked on a default dev node, and not a pilot member; admitted by vote.
OUTSIDER = "0x8626f6940E2eb28930eFb4CeF49B2d1F2C9C1199"


def container_number(owner: str, serial: int) -> bytes:
    """A valid ISO 6346 number for `owner` (3 letters) + U + `serial`."""
    first = f"{owner}U{serial:06d}"
    return f"{first}{iso6346_check_digit(first)}".encode()


def seal(text: str) -> bytes:
    return text.encode().ljust(16, b"\0")


@dataclass(frozen=True)
class Accounts:
    """The pilot seed's accounts (deployments/pilot.yaml) by index."""

    shekou_authority: str
    shunde_authority: str
    shekou_customs: str
    shunde_customs: str
    shekou_terminal: str
    shunde_terminal: str
    carrier: str
    shipper: str
    consignee: str
    outsider: str


class Activity:
    """Sends PortLink transactions through `w3` and counts them."""

    def __init__(self, w3: Web3, manifest: Manifest, manifest_path, *, owner: str = "PLK") -> None:
        self.w3 = w3
        accounts = w3.eth.accounts
        self.who = Accounts(*(accounts[i] for i in range(1, 10)), OUTSIDER)
        contract = {
            name: w3.eth.contract(address=Web3.to_checksum_address(c.address), abi=load_abi(manifest_path, c))
            for name, c in manifest.contracts.items()
        }
        self.shipments = contract[SHIPMENTS]
        self.customs = contract[CUSTOMS]
        self.governance = contract[GOVERNANCE]
        self.owner = owner
        self.serial = 0
        self.references = 0
        self.sent = 0
        self.last_tx: Any = None

    def send(self, call: Any, sender: str, *, wait: bool = True, gas: int | None = None) -> Any:
        """Send `call` from `sender`; with `wait`, require success and return the receipt."""
        params: dict[str, Any] = {"from": sender}
        if gas is not None:
            params["gas"] = gas
        tx_hash = call.transact(params)
        self.sent += 1
        self.last_tx = tx_hash
        if not wait:
            return tx_hash
        receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=60)
        assert receipt["status"] == 1, f"transaction {tx_hash.hex()} reverted"
        return receipt

    # ------------------------------------------------------------------ building blocks

    def register(self, containers: int = 2, *, wait: bool = True, gas: int | None = None) -> tuple[bytes, list]:
        """Register a shipment with `containers` new containers; returns (shipment id, container inputs)."""
        self.references += 1
        reference = f"{self.owner}{self.references:08d}"
        inputs = []
        for _ in range(containers):
            self.serial += 1
            inputs.append((container_number(self.owner, self.serial), 20_000, [seal(f"SL{self.serial:08d}")]))
        registration = (
            self.who.consignee,
            self.who.carrier,
            SHEKOU,
            SHUNDE,
            reference,
            keccak(text=reference),
            inputs,
        )
        sid = self.shipments.functions.shipmentIdOf(self.who.carrier, reference).call()
        self.send(self.shipments.functions.register(registration), self.who.shipper, wait=wait, gas=gas)
        return bytes(sid), inputs

    def journey(self, containers: int = 2, *, discrepancy: bool = False, hold: bool = False) -> bytes:
        """One shipment through registration, gate-in (with a weight discrepancy cleared by customs if asked),
        a document, the customs declaration with both approvals (and a hold released if asked), loading and
        departure."""
        sid, inputs = self.register(containers)
        last = len(inputs) - 1  # a held shipment takes no further gate-in: the discrepancy comes last
        for index, (_, kg, seals) in enumerate(inputs):
            observed = kg * 2 if discrepancy and index == last else kg
            self.send(self.shipments.functions.gateIn(sid, index, observed, seals), self.who.shekou_terminal)
        if discrepancy:
            self.send(self.shipments.functions.clearDiscrepancy(sid, last, "reweighed"), self.who.shekou_customs)
        self.send(self.shipments.functions.anchorDocument(sid, 1, keccak(sid + b"bill of lading")), self.who.shipper)
        self.send(self.customs.functions.file(sid, keccak(sid), HS_CODES, 125_000, CNY), self.who.shipper)
        if hold:
            self.send(self.customs.functions.placeHold(sid, SHUNDE, keccak(text="X-RAY")), self.who.shunde_customs)
        self.send(self.customs.functions.decide(sid, 1, SHEKOU, 1, bytes(32)), self.who.shekou_customs)
        self.send(self.customs.functions.decide(sid, 1, SHUNDE, 1, bytes(32)), self.who.shunde_customs)
        if hold:
            self.send(self.customs.functions.releaseHold(sid, SHUNDE), self.who.shunde_customs)
        for index in range(len(inputs)):
            self.send(self.shipments.functions.load(sid, index), self.who.shekou_terminal)
        self.send(self.shipments.functions.depart(sid), self.who.carrier)
        return sid

    def admit_member(self, account: str, name: str) -> None:
        """Admit `account` as a SHIPPER by vote of both port authorities (registry and governance events)."""
        role = Role.SHIPPER.id
        receipt = self.send(
            self.governance.functions.proposeMember(account, name, "ORG-" + name, role, bytes(5)),
            self.who.shekou_authority,
        )
        (created,) = self.governance.events.ProposalCreated().process_receipt(receipt, errors=DISCARD)
        self.send(self.governance.functions.vote(created["args"]["proposalId"], True), self.who.shunde_authority)

    def mixed(self, journeys: int) -> list[bytes]:
        """`journeys` shipments of every kind, and a member admitted by vote."""
        sids = []
        for i in range(journeys):
            sids.append(self.journey(1 + i % 3, discrepancy=i % 3 == 1, hold=i % 4 == 2))
            if i == 0:
                self.admit_member(self.who.outsider, "Newcomer Trading")
        return sids
