"""Real traffic for the indexer: shipments, milestones, discrepancies, documents, declarations, decisions, holds,
governance votes, financings taken to every end (repaid, rebate recorded, refunded, defaulted, cancelled,
expired) and IoT devices, rules, batches and alerts, sent with web3 by the pilot's accounts (node-unlocked on
Anvil) to a real deployment; device readings are signed by keys of the devices' own.

Used by the indexer tests and by the benchmark (bench/indexer.py). Container numbers, references and device ids
are unique per `Activity` so one chain can take any number of journeys. The financings' deadlines pass by
`evm_increaseTime`: the chain's clock runs ahead of the wall clock after a journey.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from eth_account import Account
from eth_utils.crypto import keccak
from portlink.domain.consortium import Role
from portlink.domain.customs import reason_code
from portlink.domain.eip712 import Eip712Domain, sign_typed_data
from portlink.domain.finance import Condition, Product, amount_due
from portlink.domain.iot import DeviceKind, MerkleTree, Reading, Rule, Rules, reading_typed_data
from portlink.domain.shipments import BILL_OF_LADING_TYPE, iso6346_check_digit
from portlink.manifest import (
    CUSTOMS,
    ESCROW,
    GOVERNANCE,
    IOT,
    SETTLEMENT_TOKEN,
    SHIPMENTS,
    TRANSPORT_CALLS,
    Manifest,
    load_abi,
)
from web3 import Web3
from web3.logs import DISCARD

SHEKOU = b"CNSHK"
SHUNDE = b"CNSUD"
CNY = b"CNY"
HS_CODES = [b"854231", b"940360"]
#: Anvil account 19: not unlocked on a default dev node, and not a pilot member; admitted by vote.
OUTSIDER = "0x8626f6940E2eb28930eFb4CeF49B2d1F2C9C1199"
PRINCIPAL = 250_000_00  # HKD 250,000.00 in cents
FEE_BPS = 150
HOUR = 3_600
#: What becomes of the financing of the i-th journey of `mixed` (i modulo 4).
OUTCOMES = ("repaid", "rebate", "refunded", "defaulted")
#: Frozen cargo's rules: -25 to -15 °C, at most 8 g, seen only at Shekou, Hong Kong or Shunde (or at sea).
FROZEN = Rules(
    enabled=Rule.TEMPERATURE | Rule.CORRIDOR | Rule.SHOCK,
    min_temperature=-2_500,
    max_temperature=-1_500,
    max_shock=8_000,
    corridor=("CNSHK", "HKHKG", "CNSUD"),
)


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
    financier: str
    tax_authority: str
    iot_gateway: str
    issuer: str
    outsider: str


class Activity:
    """Sends PortLink transactions through `w3` and counts them."""

    def __init__(self, w3: Web3, manifest: Manifest, manifest_path, *, owner: str = "PLK") -> None:
        self.w3 = w3
        accounts = w3.eth.accounts
        self.who = Accounts(*(accounts[i] for i in (*range(1, 13), 14)), OUTSIDER)
        contract = {
            name: w3.eth.contract(address=Web3.to_checksum_address(c.address), abi=load_abi(manifest_path, c))
            for name, c in manifest.contracts.items()
        }
        self.shipments = contract[SHIPMENTS]
        self.customs = contract[CUSTOMS]
        self.governance = contract[GOVERNANCE]
        self.escrow = contract[ESCROW]
        self.token = contract[SETTLEMENT_TOKEN]
        self.iot = contract[IOT]
        self.calls = contract[TRANSPORT_CALLS]
        self.iot_domain = Eip712Domain.from_erc5267(self.iot.functions.eip712Domain().call())
        self.shipments_domain = Eip712Domain.from_erc5267(self.shipments.functions.eip712Domain().call())
        self.owner = owner
        self.serial = 0
        self.references = 0
        self.devices = 0
        self.voyages = 0
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
        deadline, signature = self.attestation(registration)
        call = self.shipments.functions.register(registration, deadline, signature)
        self.send(call, self.who.shipper, wait=wait, gas=gas)
        return bytes(sid), inputs

    def attestation(self, registration: tuple) -> tuple[int, bytes]:
        """The carrier's `BillOfLading` attestation of `registration` for the shipper, signed by the node's
        `eth_signTypedData_v4` (the carrier is node-unlocked): (deadline, signature)."""
        consignee, carrier, origin, destination, reference, _, inputs = registration
        deadline = 2**48
        typed = {
            "types": {"EIP712Domain": self.shipments_domain.types(), "BillOfLading": BILL_OF_LADING_TYPE},
            "primaryType": "BillOfLading",
            "domain": self.shipments_domain.values(),
            "message": {
                "carrier": carrier,
                "transportDocumentReference": reference,
                "shipper": self.who.shipper,
                "consignee": consignee,
                "originPort": "0x" + origin.hex(),
                "destinationPort": "0x" + destination.hex(),
                "containers": ["0x" + number.hex() for number, _, _ in inputs],
                "deadline": deadline,
            },
        }
        response = self.w3.provider.make_request("eth_signTypedData_v4", [carrier, json.dumps(typed)])
        return deadline, bytes.fromhex(response["result"][2:])

    def vessel_call(self, port: bytes) -> bytes:
        """The carrier records a call of the pilot's feeder at `port` on a new voyage; returns the call's id."""
        self.voyages += 1
        voyage = f"{self.owner}-{self.voyages:04d}S"
        call = (9_321_483, port, 1, "PRD", voyage, "", "PEARL RIVER FEEDER")
        self.send(self.calls.functions.recordCall(call), self.who.carrier)
        return bytes(self.calls.functions.callIdOf(self.who.carrier, 9_321_483, voyage, port, 1).call())

    def journey(self, containers: int = 2, *, discrepancy: bool = False, hold: bool = False) -> bytes:
        """One shipment through registration, its booking and vessel call (rolled over to another vessel call
        with a discrepancy), gate-in (with a weight discrepancy cleared by customs if asked), a document, the
        customs declaration with both approvals (and a hold released if asked), loading and departure."""
        sid, inputs = self.register(containers)
        self.send(self.calls.functions.recordBooking(sid, f"BK{sid.hex()[:12].upper()}"), self.who.carrier)
        self.send(self.calls.functions.assignShipment(self.vessel_call(SHEKOU), sid), self.who.carrier)
        if discrepancy:
            self.send(self.calls.functions.assignShipment(self.vessel_call(SHEKOU), sid), self.who.carrier)
        last = len(inputs) - 1  # a held shipment takes no further gate-in: the discrepancy comes last
        for index, (_, kg, seals) in enumerate(inputs):
            observed = kg * 2 if discrepancy and index == last else kg
            self.send(self.shipments.functions.gateIn(sid, index, observed, seals), self.who.shekou_terminal)
        if discrepancy:
            self.send(self.shipments.functions.clearDiscrepancy(sid, last, "reweighed"), self.who.shekou_customs)
        self.send(self.shipments.functions.anchorDocument(sid, 1, keccak(sid + b"bill of lading")), self.who.shipper)
        self.send(self.customs.functions.file(sid, keccak(sid), HS_CODES, 125_000, CNY), self.who.shipper)
        if hold:
            self.send(self.customs.functions.placeHold(sid, SHUNDE, reason_code("X-RAY")), self.who.shunde_customs)
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
        """`journeys` shipments of every kind, each financed (to the ends of `OUTCOMES` in turn) and watched by an
        IoT device whose breach raises an alert (resolved on every other journey; the device revoked and the
        gateway's authorisation withdrawn on every third), and a member admitted by vote."""
        sids = []
        for i in range(journeys):
            sid = self.journey(1 + i % 3, discrepancy=i % 3 == 1, hold=i % 4 == 2)
            sids.append(sid)
            if i == 0:
                self.admit_member(self.who.outsider, "Newcomer Trading")
            self.finance(sid, OUTCOMES[i % len(OUTCOMES)])
            self.watch(sid, resolve=i % 2 == 0, revoke=i % 3 == 1)
        return sids

    # ------------------------------------------------------------------ trade finance

    def now(self) -> int:
        """The latest block's time."""
        return int(self.w3.eth.get_block("latest")["timestamp"])

    def warp(self, seconds: int) -> None:
        """Mine a block `seconds` later than the chain's clock."""
        self.w3.provider.make_request("evm_increaseTime", [seconds])
        self.w3.provider.make_request("evm_mine", [])

    def mint(self, to: str, amount: int) -> None:
        """The issuer mints settlement tokens to `to`, who lets the escrow draw them."""
        self.send(self.token.functions.mint(to, amount, keccak(text="activity deposit")), self.who.issuer)
        self.send(self.token.functions.approve(self.escrow.address, amount), to)

    def request(self, sid: bytes, product: Product = Product.ECOMMERCE) -> int:
        """The shipper asks for financing of `sid`; returns the financing id."""
        receipt = self.send(self.escrow.functions.request(sid, int(product)), self.who.shipper)
        (requested,) = self.escrow.events.FinancingRequested().process_receipt(receipt, errors=DISCARD)
        return int(requested["args"]["financingId"])

    def offer(self, fid: int, *, fund_by: int = 24 * HOUR, release_by: int = 240 * HOUR, maturity: int = 2_160 * HOUR):
        """The financier offers `PRINCIPAL` at `FEE_BPS`, released on clearance, deadlines from now."""
        now = self.now()
        terms = (self.token.address, PRINCIPAL, FEE_BPS, int(Condition.CLEARED), now + fund_by, now + release_by)
        self.send(self.escrow.functions.offer(fid, (*terms, now + maturity)), self.who.financier)

    def funded(self, sid: bytes, product: Product = Product.ECOMMERCE, **deadlines: int) -> int:
        """A financing of `sid` requested, offered, accepted and funded; returns its id."""
        fid = self.request(sid, product)
        self.offer(fid, **deadlines)
        self.send(self.escrow.functions.accept(fid), self.who.shipper)
        self.mint(self.who.financier, PRINCIPAL)
        self.send(self.escrow.functions.fund(fid), self.who.financier)
        return fid

    def withdraw(self, account: str) -> None:
        self.send(self.escrow.functions.withdraw(self.token.address, account), account)

    def finance(self, sid: bytes, outcome: str) -> int:
        """Finance `sid` (cleared by its journey) to `outcome`; returns the financing's id.

        repaid: a request cancelled first, then e-commerce financing released and repaid by the consignee in two
        parts; rebate: a tax-rebate advance settled by the tax authority recording the rebate paid; refunded: an
        offer left to expire first, then funds not released by `releaseBy` refunded; defaulted: released, part
        repaid, not the rest by maturity. Exporter and financier withdraw what they are credited, except after a
        default (their credits stay in the escrow)."""
        due = amount_due(PRINCIPAL, FEE_BPS)
        if outcome == "repaid":
            self.send(self.escrow.functions.cancel(self.request(sid)), self.who.shipper)
            fid = self.funded(sid)
            self.send(self.escrow.functions.release(fid), self.who.consignee)
            self.mint(self.who.consignee, due)
            self.send(self.escrow.functions.repay(fid, due // 2), self.who.consignee)
            self.send(self.escrow.functions.repay(fid, due), self.who.consignee)  # only the rest is taken
        elif outcome == "rebate":
            fid = self.funded(sid, Product.TAX_REBATE)
            self.send(self.escrow.functions.release(fid), self.who.carrier)  # anyone may release
            ref = keccak(text=f"rebate paid {sid.hex()}")
            self.send(self.escrow.functions.recordRebatePaid(fid, ref), self.who.tax_authority)
        elif outcome == "refunded":
            expiring = self.request(sid)
            self.offer(expiring, fund_by=HOUR, release_by=2 * HOUR, maturity=3 * HOUR)
            self.warp(2 * HOUR)
            self.send(self.escrow.functions.expire(expiring), self.who.carrier)
            fid = self.funded(sid, fund_by=HOUR, release_by=2 * HOUR, maturity=3 * HOUR)
            self.warp(3 * HOUR)
            self.send(self.escrow.functions.refund(fid), self.who.carrier)  # anyone, after releaseBy
        elif outcome == "defaulted":
            fid = self.funded(sid, fund_by=HOUR, release_by=2 * HOUR, maturity=3 * HOUR)
            self.send(self.escrow.functions.release(fid), self.who.consignee)
            self.mint(self.who.consignee, due // 3)
            self.send(self.escrow.functions.repay(fid, due // 3), self.who.consignee)
            self.warp(4 * HOUR)
            self.send(self.escrow.functions.markDefaulted(fid), self.who.carrier)
            return fid
        else:
            raise ValueError(f"no financing outcome {outcome!r}: one of {', '.join(OUTCOMES)}")
        if outcome != "rebate":  # the rebate was paid to the financier outside the escrow
            self.withdraw(self.who.financier)
        if outcome != "refunded":
            self.withdraw(self.who.shipper)
        return fid

    # ------------------------------------------------------------------ IoT

    def watch(self, sid: bytes, *, resolve: bool = True, revoke: bool = False) -> int:
        """The shipper authorises the pilot gateway on `sid` and sets frozen-cargo rules; the gateway registers a
        temperature device with a key of its own, binds it to container 0, anchors a batch of three of its readings
        and reports a fourth, -12 °C, as a breach. Shekou customs resolves the alert if `resolve`; if `revoke`, the
        shipper withdraws the gateway's authorisation (Shekou customs does, while a financing of the shipment is active:
        the monitoring is locked) and the gateway revokes the device. Readings are taken from the binding on. Returns
        the alert id."""
        gateway = self.who.iot_gateway
        self.send(self.iot.functions.authoriseGateway(sid, gateway, True), self.who.shipper)
        self.send(self.iot.functions.setRules(sid, FROZEN.to_chain()), self.who.shipper)
        self.devices += 1
        device_id = keccak(text=f"{self.owner} device {self.devices}")
        key = keccak(text=f"{self.owner} device key {self.devices}")
        kind = DeviceKind.TEMPERATURE
        self.send(self.iot.functions.registerDevice(device_id, Account.from_key(key).address, int(kind)), gateway)
        self.send(self.iot.functions.bindDevice(device_id, sid, 0), gateway)
        device = self.iot.functions.getDevice(device_id).call()
        container, taken = bytes(device[6]).decode(), int(device[8])  # from the binding's time on
        readings = [Reading(device_id, container, kind, -1_800 + n, taken + n, n + 1) for n in range(3)]
        root = MerkleTree([r.leaf() for r in readings]).root
        self.send(self.iot.functions.anchorBatch(root, 3), gateway)
        breach = Reading(device_id, container, kind, -1_200, taken + 3, 4)
        signature = sign_typed_data(key, reading_typed_data(self.iot_domain, breach))
        receipt = self.send(self.iot.functions.reportBreach(breach.to_chain(), signature), gateway)
        (raised,) = self.iot.events.AlertRaised().process_receipt(receipt, errors=DISCARD)
        alert_id = int(raised["args"]["alertId"])
        if resolve:
            self.send(
                self.iot.functions.resolveAlert(alert_id, "reefer restarted, cargo inspected"), self.who.shekou_customs
            )
        if revoke:
            declaration_open, financing, _ = self.iot.functions.monitoringLock(sid).call()
            withdrawer = self.who.shekou_customs if declaration_open or financing else self.who.shipper
            self.send(self.iot.functions.authoriseGateway(sid, gateway, False), withdrawer)
            self.send(self.iot.functions.revokeDevice(device_id), gateway)
        return alert_id
