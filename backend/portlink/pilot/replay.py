"""The pilot replay: seeded journeys sent through the port-system API, with the chain clock driven by Anvil.

Each journey is a few generators (logistics, customs, financing) that perform their steps over HTTP and then
yield how many hours to wait; a scheduler resumes them in simulated-time order and, before each resumption, sets
the time of the next block (``anvil_setNextBlockTimestamp``), so the writes of that step are mined at the
simulated time and days pass in seconds. One seed gives the same journeys, steps and step times every run.

The pilot is a client of the API like a port system: every shipment, milestone, document, declaration,
decision, hold, telemetry batch, alert resolution and financing step is an HTTP request with an API key. Three
kinds of write have no route yet and go to the chain directly, signed with the member's development key: the
settlement bank minting HKD tokens (a bank's own system, outside PortLink), and the IoT gateway's and shipper's
device set-up (register, authorise, rules, bind).
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
import time
import uuid
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from eth_account import Account
from eth_typing import ChecksumAddress
from eth_utils.crypto import keccak
from web3 import Web3

from portlink.chain.gateway import CHAIN_CLOCK_REFRESH
from portlink.domain.eip712 import Eip712Domain, sign_typed_data
from portlink.domain.finance import amount_due
from portlink.domain.iot import DeviceKind, Reading, Rule, Rules, reading_typed_data
from portlink.domain.shipments import iso6346_check_digit
from portlink.errors import PortLinkError
from portlink.manifest import IOT, SETTLEMENT_TOKEN, Manifest
from portlink.pilot.scenario import Scenario, Spread

#: Pilot ports: the inland port where goods are declared once, and the gateway port.
SHUNDE, SHEKOU = "CNSUD", "CNSHK"
#: Reefer range: 2-8 degrees Celsius (x 100, as the IoT monitor keeps it).
REEFER_RULES = Rules(enabled=Rule.TEMPERATURE, min_temperature=200, max_temperature=800)
HOUR = 3600.0
DAY = 24 * HOUR

Step = Generator[float, None, None]


class PilotError(PortLinkError):
    """A pilot step was refused or the stack did not come up."""


# ---------------------------------------------------------------------------------------------------- the plan


@dataclass
class JourneyPlan:
    """What one journey will do (drawn from the scenario with the seed)."""

    index: int
    start: float  # hours after the pilot's start
    containers: int
    export: bool
    inspection: bool = False
    rejection: bool = False
    reefer: bool = False
    breach: bool = False
    ecommerce: bool = False
    tax_rebate: bool = False

    @property
    def origin(self) -> str:
        return SHUNDE if self.export else SHEKOU

    @property
    def destination(self) -> str:
        return SHEKOU if self.export else SHUNDE


def plan_journeys(scenario: Scenario, teu: int, seed: int) -> list[JourneyPlan]:
    """The journeys that move ``teu`` TEU: sizes, directions, arrival times and variability, from ``seed``."""
    rng = random.Random(seed)  # noqa: S311 - a repeatable simulation, not a secret
    p, v = scenario.pilot, scenario.variability
    boxes = math.ceil(teu / p.teu_per_container.value)
    plans: list[JourneyPlan] = []
    at = 0.0
    while boxes > 0:
        k = min(p.containers_per_shipment.draw(rng), boxes)
        boxes -= k
        plan = JourneyPlan(len(plans), at, k, rng.random() < p.export_share.value)
        draw = rng.random()
        plan.rejection = draw < v.rejection.value
        plan.inspection = not plan.rejection and draw < v.rejection.value + v.inspection.value
        plan.reefer = rng.random() < v.reefer.value
        plan.breach = plan.reefer and rng.random() < v.reefer_breach.value
        plan.ecommerce = rng.random() < v.ecommerce_financing.value
        plan.tax_rebate = plan.export and not plan.ecommerce and rng.random() < v.tax_rebate_financing.value
        plans.append(plan)
        at += rng.expovariate(p.shipments_per_day.value / 24.0)
    _ensure_variety(plans)
    return plans


def _ensure_variety(plans: list[JourneyPlan]) -> None:
    """Every kind of variability at least once, each on a journey that had none, when there are journeys enough."""
    kinds = ("inspection", "rejection", "breach", "ecommerce", "tax_rebate")
    plain = [j for j in plans if not any(getattr(j, kind) for kind in kinds)]
    for kind in kinds:
        if any(getattr(j, kind) for j in plans) or not plain:
            continue
        j = plain.pop()
        setattr(j, kind, True)
        j.reefer = j.reefer or kind == "breach"
        j.export = j.export or kind == "tax_rebate"


# ---------------------------------------------------------------------------------------------------- clients


class Api:
    """The port-system API as the pilot's members call it: one API key per role."""

    def __init__(self, base_url: str, tokens: dict[str, str], *, timeout: float = 60.0) -> None:
        #: Called before each write (the replay moves the chain's clock there).
        self.before_write: Callable[[], None] = lambda: None
        self.clients = {
            role: httpx.Client(base_url=base_url, timeout=timeout, headers={"Authorization": f"Bearer {token}"})
            for role, token in tokens.items()
        }
        self.writes = 0

    def close(self) -> None:
        for client in self.clients.values():
            client.close()

    def write(self, role: str, method: str, path: str, body: Any = None, *, what: str) -> dict[str, Any]:
        """A write by ``role``, waited for (``?confirm=true``); :class:`PilotError` naming ``what`` if refused."""
        self.before_write()
        response = self.clients[role].request(
            method, path, json=body, params={"confirm": "true"}, headers={"Idempotency-Key": str(uuid.uuid4())}
        )
        self.writes += 1
        answer = response.json()
        if response.status_code >= 400:
            raise PilotError(f"{what}: {response.status_code} {answer.get('title')}: {answer.get('detail')}")
        if response.status_code == 200 and answer.get("status") != "Succeeded":
            raise PilotError(f"{what}: operation {answer.get('id')} ended {answer.get('status')}")
        return dict(answer)

    def ask(self, role: str, path: str, body: Any, *, what: str) -> dict[str, Any]:
        """A POST that is no write (the answer comes at once); :class:`PilotError` naming ``what`` if refused."""
        response = self.clients[role].post(path, json=body)
        if response.status_code != 200:
            raise PilotError(f"{what}: {response.status_code} {response.text[:200]}")
        return dict(response.json())

    def get(self, role: str, path: str, **params: Any) -> Any:
        response = self.clients[role].get(path, params=params)
        if response.status_code != 200:
            raise PilotError(f"GET {path} as {role}: {response.status_code} {response.text[:200]}")
        return response.json()


def event_args(op: dict[str, Any], name: str) -> dict[str, Any]:
    """The arguments of the one ``name`` event an operation's transaction emitted."""
    found = [e["args"] for e in (op.get("result") or {}).get("events", []) if e["event"] == name]
    if len(found) != 1:
        raise PilotError(f"operation {op.get('id')} emitted {len(found)} {name} events, not one")
    return dict(found[0])


class Chain:
    """The local chain as the pilot drives it: its clock, and the writes that have no API route yet."""

    def __init__(self, rpc_url: str, manifest: Manifest, abis: dict[str, Any], keys: dict[str, bytes]) -> None:
        self.w3 = Web3(Web3.HTTPProvider(rpc_url, request_kwargs={"timeout": 60}))
        self.keys = keys
        self.addresses = {name: Web3.to_checksum_address(c.address) for name, c in manifest.contracts.items()}
        self.token = self.w3.eth.contract(address=self.addresses[SETTLEMENT_TOKEN], abi=abis[SETTLEMENT_TOKEN])
        self.iot = self.w3.eth.contract(address=self.addresses[IOT], abi=abis[IOT])
        self.iot_domain = Eip712Domain.from_erc5267(self.iot.functions.eip712Domain().call())
        self._pending: int | None = None

    def address(self, role: str) -> ChecksumAddress:
        return Web3.to_checksum_address(Account.from_key(self.keys[role]).address)

    def now(self) -> int:
        """The newest block's time."""
        return int(self.w3.eth.get_block("latest")["timestamp"])

    def later(self, seconds: int) -> int:
        """``seconds`` after the simulated time (or the chain's, if that is later)."""
        return max(self._pending or 0, self.now()) + seconds

    def at(self, timestamp: int) -> None:
        """The simulated time is now ``timestamp``: the chain's clock moves there before the next write."""
        self._pending = timestamp

    def sync(self) -> None:
        """Move the chain's clock to the simulated time (unless it is already past it) by mining an empty block
        then: the writes that follow are mined from that time on, and the API sees the chain's time as it is.
        Steps that only wait (and write nothing) cost no block."""
        if self._pending is not None and self._pending > self.now():
            self.w3.provider.make_request("evm_mine", [self._pending])  # type: ignore[arg-type]
        self._pending = None

    def _send(self, role: str, fn: Any) -> None:
        self.sync()
        sender = self.address(role)
        tx = fn.build_transaction({"from": sender, "nonce": self.w3.eth.get_transaction_count(sender, "pending")})
        signed = Account.sign_transaction(tx, self.keys[role])
        receipt = self.w3.eth.wait_for_transaction_receipt(self.w3.eth.send_raw_transaction(signed.raw_transaction))
        if receipt["status"] != 1:
            raise PilotError(f"{role}: {fn.fn_name} reverted")

    def mint(self, to_role: str, amount: int, why: str) -> None:
        """The settlement bank issues ``amount`` HK cents to ``to_role`` (its own system, no PortLink route)."""
        self._send("issuer", self.token.functions.mint(self.address(to_role), amount, keccak(text=why)))

    def watch(self, shipment_id: str, container_index: int, device_id: bytes, device_key: bytes) -> None:
        """A reefer device of the IoT gateway watches a container, under the shipment's temperature rule."""
        sid = bytes.fromhex(shipment_id[2:])
        signer = Account.from_key(device_key).address
        self._send("iot_gateway", self.iot.functions.registerDevice(device_id, signer, int(DeviceKind.TEMPERATURE)))
        self._send("shipper", self.iot.functions.authoriseGateway(sid, self.address("iot_gateway"), True))
        self._send("shipper", self.iot.functions.setRules(sid, REEFER_RULES.to_chain()))
        self._send("iot_gateway", self.iot.functions.bindDevice(device_id, sid, container_index))


# ---------------------------------------------------------------------------------------------------- the replay


@dataclass
class JourneyState:
    """What a journey's generators share."""

    plan: JourneyPlan
    shipment_id: str = ""
    boxes: list[dict[str, Any]] = field(default_factory=list)
    version: int = 1
    export_approved: bool = False
    cleared: bool = False
    gated_out: bool = False
    alert_id: int | None = None
    alert_open: bool = False
    device: tuple[bytes, bytes] | None = None
    sequence: int = 0


@dataclass(frozen=True)
class PilotResult:
    """What the replay did."""

    journeys: int
    containers: int
    writes: int
    started_at: int
    finished_at: int
    first_block: int
    last_block: int
    wall_seconds: float


class Replay:
    """Runs the planned journeys through ``api``, driving ``chain``'s clock."""

    def __init__(self, scenario: Scenario, api: Api, chain: Chain, plans: list[JourneyPlan], seed: int) -> None:
        self.scenario, self.api, self.chain, self.plans = scenario, api, chain, plans
        api.before_write = chain.sync
        self.rng = random.Random(seed + 1)  # noqa: S311 - a repeatable simulation, not a secret
        self.now = 0.0
        self._queue: list[tuple[float, int, Iterator[float]]] = []
        self._seq = itertools.count()
        self._serial = itertools.count(1)
        self.log: Callable[[str], None] = lambda message: None

    # -------------------------------------------------------------- scheduling

    def spawn(self, steps: Step, delay_hours: float = 0.0) -> None:
        heapq.heappush(self._queue, (self.now + delay_hours * HOUR, next(self._seq), steps))

    def hours(self, spread: Spread) -> float:
        return spread.draw(self.rng)

    def run(self) -> PilotResult:
        """Replay every journey; returns when the last step is done."""
        wall = time.monotonic()
        start = (self.chain.now() // 3600 + 2) * 3600  # the next full hour but one
        first_block = int(self.chain.w3.eth.block_number) + 1
        self.now = float(start)
        for plan in self.plans:
            heapq.heappush(self._queue, (start + plan.start * HOUR, next(self._seq), self._journey(JourneyState(plan))))
        while self._queue:
            at, _, steps = heapq.heappop(self._queue)
            self.now = at
            self.chain.at(int(at))
            try:
                delay = next(steps)
            except StopIteration:
                continue
            heapq.heappush(self._queue, (at + delay * HOUR, next(self._seq), steps))
        return PilotResult(
            journeys=len(self.plans),
            containers=sum(p.containers for p in self.plans),
            writes=self.api.writes,
            started_at=int(start),
            finished_at=self.chain.now(),
            first_block=first_block,
            last_block=int(self.chain.w3.eth.block_number),
            wall_seconds=time.monotonic() - wall,
        )

    def until(self, condition: Callable[[], bool], every_hours: float = 0.25) -> Step:
        while not condition():
            yield every_hours

    # -------------------------------------------------------------- a journey

    def _customs_of(self, port: str) -> str:
        return "shunde_customs" if port == SHUNDE else "shekou_customs"

    def _terminal_of(self, port: str) -> str:
        return "shunde_terminal" if port == SHUNDE else "shekou_terminal"

    def _journey(self, j: JourneyState) -> Step:
        plan, s = j.plan, self.scenario
        serial = next(self._serial)
        for i in range(plan.containers):
            number = f"PLKU{serial:04d}{i:02d}"
            j.boxes.append(
                {
                    "number": number + str(iso6346_check_digit(number)),
                    "declaredGrossKg": round(s.pilot.declared_gross_kg.draw(self.rng)),
                    "seals": [f"PL{serial:06d}{i:02d}"],
                }
            )
        consignee, carrier = self.chain.address("consignee"), self.chain.address("carrier")
        reference = f"PRFL{serial:08d}"
        # The carrier attests the B/L it issued to the shipper (its custodial key signs), valid for a simulated week.
        attestation = self.api.ask(
            "carrier",
            "/v1/bills-of-lading/attestations",
            {
                "transportDocumentReference": reference,
                "shipper": self.chain.address("shipper"),
                "consignee": consignee,
                "originPort": plan.origin,
                "destinationPort": plan.destination,
                "containers": [box["number"] for box in j.boxes],
                "deadline": self.chain.later(7 * 24 * 3600),
            },
            what=f"journey {plan.index}: the carrier's attestation",
        )
        op = self.api.write(
            "shipper",
            "POST",
            "/v1/shipments",
            {
                "consignee": consignee,
                "carrier": carrier,
                "originPort": plan.origin,
                "destinationPort": plan.destination,
                "transportDocumentReference": reference,
                "documentsDigest": "0x" + keccak(text=f"pilot documents {serial}").hex(),
                "containers": j.boxes,
                "carrierAttestation": {"deadline": attestation["deadline"], "signature": attestation["signature"]},
            },
            what=f"journey {plan.index}: registration",
        )
        j.shipment_id = str(event_args(op, "ShipmentRegistered")["shipmentId"])
        self.log(f"journey {plan.index}: {plan.containers} x 40' {plan.origin} -> {plan.destination}")
        sid = j.shipment_id
        self.api.write(
            "carrier",
            "POST",
            f"/v1/shipments/{sid}/documents",
            {"docType": "BILL_OF_LADING", "digest": "0x" + keccak(text=f"pilot bill of lading {sid}").hex()},
            what=f"journey {plan.index}: bill of lading",
        )
        if plan.reefer:
            device = keccak(text=f"pilot reefer {sid}"), keccak(text=f"pilot reefer key {sid}")
            self.chain.watch(sid, 0, *device)
            j.device = device
        self.spawn(self._customs(j), self.hours(s.steps.registration_to_filing))
        if plan.ecommerce:
            self.spawn(self._ecommerce(j), self.hours(s.financing.request_to_offer) / 2)
        yield self.hours(s.steps.registration_to_gate_in)

        terminal = self._terminal_of(plan.origin)
        for i, box in enumerate(j.boxes):
            self._milestone(j, terminal, "GTIN", i, observedGrossKg=box["declaredGrossKg"], seals=box["seals"])
            yield self.hours(s.steps.between_boxes)
        if plan.reefer:
            self._telemetry(j, [500, 520, 930 if plan.breach else 610])
        yield from self.until(lambda: j.cleared)
        yield self.hours(s.steps.clearance_to_load)
        for i in range(plan.containers):
            self._milestone(j, terminal, "LOAD", i)
            yield self.hours(s.steps.between_boxes)
        yield self.hours(s.steps.load_to_departure)
        self._milestone(j, "carrier", "DEPA")
        if plan.reefer:
            self._telemetry(j, [580])
        yield self.hours(s.steps.transit)
        self._milestone(j, "carrier", "ARRI")
        yield self.hours(s.steps.arrival_to_discharge)
        terminal = self._terminal_of(plan.destination)
        for i in range(plan.containers):
            self._milestone(j, terminal, "DISC", i)
            yield self.hours(s.steps.between_boxes)
        yield self.hours(s.steps.discharge_to_gate_out)
        for i in range(plan.containers):
            self._milestone(j, terminal, "GTOT", i)
            if i + 1 < plan.containers:
                yield self.hours(s.steps.between_boxes)
        j.gated_out = True

    def _milestone(self, j: JourneyState, role: str, milestone: str, index: int | None = None, **extra: Any) -> None:
        body: dict[str, Any] = {"milestone": milestone, **extra}
        if index is not None:
            body["containerIndex"] = index
        self.api.write(
            role,
            "POST",
            f"/v1/shipments/{j.shipment_id}/milestones",
            body,
            what=f"journey {j.plan.index}: {milestone}" + ("" if index is None else f" of box {index}"),
        )

    def _telemetry(self, j: JourneyState, values: list[int]) -> None:
        assert j.device is not None
        device_id, key = j.device
        readings = []
        base = int(self.now) - 60 * len(values)
        for i, value in enumerate(values):
            j.sequence += 1
            reading = Reading(device_id, j.boxes[0]["number"], DeviceKind.TEMPERATURE, value, base + 60 * i, j.sequence)
            signature = sign_typed_data(key, reading_typed_data(self.chain.iot_domain, reading))
            readings.append(
                {
                    "deviceId": "0x" + device_id.hex(),
                    "container": reading.container,
                    "kind": "TEMPERATURE",
                    "value": value,
                    "timestamp": reading.timestamp,
                    "sequence": reading.sequence,
                    "signature": "0x" + signature.hex(),
                }
            )
        self.chain.sync()
        time.sleep(CHAIN_CLOCK_REFRESH)  # the API judges "in the future" by the chain's clock, read this often
        answer = self.api.write(
            "iot_gateway", "POST", "/v1/telemetry", {"readings": readings}, what=f"journey {j.plan.index}: telemetry"
        )
        refused = [o for o in answer["outcomes"] if not o["accepted"]]
        if refused:
            raise PilotError(f"journey {j.plan.index}: telemetry refused: {refused[0].get('detail')}")
        for breach in answer["breaches"]:
            op = breach.get("operation") or {}
            if op.get("status") != "Succeeded":
                raise PilotError(f"journey {j.plan.index}: breach not posted: {breach}")
            j.alert_id = int(event_args(op, "AlertRaised")["alertId"])
            j.alert_open = True

    def _decide(self, j: JourneyState, port: str, decision: str, reason: str = "") -> dict[str, Any]:
        return self.api.write(
            self._customs_of(port),
            "POST",
            f"/v1/declarations/{j.shipment_id}/decisions",
            {"version": j.version, "port": port, "decision": decision, "reasonCode": reason},
            what=f"journey {j.plan.index}: {decision} by {port} customs",
        )

    def _declaration(self, j: JourneyState, amended: bool) -> dict[str, Any]:
        plan = j.plan
        value = round(self.scenario.pilot.customs_value_per_teu.value * 2 * plan.containers * 100)
        return {
            "digest": "0x" + keccak(text=f"pilot declaration {j.shipment_id} v{j.version}").hex(),
            "hsCodes": ["841810", "845011"] if amended or not plan.rejection else ["841810"],
            "customsValue": value,
            "currency": "CNY",
        }

    def _customs(self, j: JourneyState) -> Step:
        plan, steps = j.plan, self.scenario.steps
        sid = j.shipment_id
        self.api.write(
            "shipper",
            "POST",
            "/v1/declarations",
            {"shipmentId": sid, **self._declaration(j, False)},
            what=f"journey {plan.index}: declaration",
        )
        origin, destination = plan.origin, plan.destination
        if plan.breach:
            yield from self.until(lambda: j.alert_id is not None)
            yield 0.5
            customs = self._customs_of(origin)
            self.api.write(
                customs,
                "POST",
                f"/v1/declarations/{sid}/holds",
                {"port": origin, "reasonCode": "REEFER_TEMPERATURE"},
                what=f"journey {plan.index}: hold",
            )
            yield self.hours(steps.breach_to_resolution)
            self.api.write(
                customs,
                "POST",
                f"/v1/alerts/{j.alert_id}/resolution",
                {"reason": "reefer inspected: set point restored, cargo within range"},
                what=f"journey {plan.index}: alert resolution",
            )
            j.alert_open = False
            self.api.write(
                customs, "DELETE", f"/v1/declarations/{sid}/holds/{origin}", what=f"journey {plan.index}: release"
            )
        yield self.hours(steps.customs_decision)
        if plan.rejection:
            self._decide(j, origin, "REJECT", "DOCS_MISSING")
            yield self.hours(steps.amendment)
            j.version += 1
            self.api.write(
                "shipper",
                "POST",
                f"/v1/declarations/{sid}/amendments",
                self._declaration(j, True),
                what=f"journey {plan.index}: amendment",
            )
            yield self.hours(steps.customs_decision)
        if plan.inspection:
            self._decide(j, origin, "REQUEST_INSPECTION")
            yield self.hours(steps.inspection)
        self._decide(j, origin, "APPROVE")
        j.export_approved = True
        yield self.hours(steps.customs_decision) / 2
        op = self._decide(j, destination, "APPROVE")
        if not any(e["event"] == "DeclarationCleared" for e in op["result"]["events"]):
            self.api.write(
                "auditor", "POST", f"/v1/declarations/{sid}/clearance", what=f"journey {plan.index}: clearance"
            )
        j.cleared = True
        if plan.tax_rebate:
            self.spawn(self._tax_rebate(j), self.hours(self.scenario.financing.request_to_offer) / 2)

    # -------------------------------------------------------------- financing

    def _finance(
        self, j: JourneyState, product: str, amount: int, fee_bps: int, condition: str
    ) -> Generator[float, None, int]:
        """Request, offer, acceptance and funding (yielding the waits between them); returns the financing id."""
        f, plan = self.scenario.financing, j.plan
        op = self.api.write(
            "shipper",
            "POST",
            "/v1/financings",
            {"shipmentId": j.shipment_id, "product": product},
            what=f"journey {plan.index}: {product} request",
        )
        fid = int(event_args(op, "FinancingRequested")["financingId"])
        yield self.hours(f.request_to_offer)
        now = max(self.chain.now(), int(self.now))

        def iso(t: float) -> str:
            return datetime.fromtimestamp(t, UTC).isoformat()

        terms = {
            "amount": amount,
            "feeBps": fee_bps,
            "condition": condition,
            "fundBy": iso(now + 5 * DAY),
            "releaseBy": iso(now + 30 * DAY),
            "maturity": iso(now + 90 * DAY),
        }
        self.api.write("financier", "POST", f"/v1/financings/{fid}/offers", terms, what=f"journey {plan.index}: offer")
        yield self.hours(f.offer_to_acceptance)
        self.api.write("shipper", "POST", f"/v1/financings/{fid}/acceptance", what=f"journey {plan.index}: acceptance")
        yield self.hours(f.acceptance_to_funding)
        self.chain.mint("financier", amount, f"pilot funding {fid}")
        self.api.write(
            "financier",
            "POST",
            "/v1/settlement-allowances",
            {"amount": amount},
            what=f"journey {plan.index}: allowance",
        )
        self.api.write("financier", "POST", f"/v1/financings/{fid}/funding", what=f"journey {plan.index}: funding")
        return fid

    def _release(self, j: JourneyState, fid: int) -> None:
        what = f"journey {j.plan.index}"
        self.api.write("shipper", "POST", f"/v1/financings/{fid}/release", what=f"{what}: release")
        self.api.write("shipper", "POST", "/v1/settlement-withdrawals", {}, what=f"{what}: withdrawal")

    def _ecommerce(self, j: JourneyState) -> Step:
        f = self.scenario.financing
        amount = round(f.ecommerce_amount_per_teu.value * 2 * j.plan.containers * 100)
        fee = int(f.ecommerce_fee_bps.value)
        fid = yield from self._finance(j, "ECOMMERCE", amount, fee, "EXPORT_APPROVED")
        yield from self.until(lambda: j.export_approved and not j.alert_open)
        self._release(j, fid)
        yield from self.until(lambda: j.gated_out, 1.0)
        yield self.hours(f.gate_out_to_repayment)
        due = amount_due(amount, fee)
        self.chain.mint("consignee", due, f"pilot repayment {fid}")
        what = f"journey {j.plan.index}"
        self.api.write("consignee", "POST", "/v1/settlement-allowances", {"amount": due}, what=f"{what}: allowance")
        self.api.write(
            "consignee", "POST", f"/v1/financings/{fid}/repayments", {"amount": due}, what=f"{what}: repayment"
        )

    def _tax_rebate(self, j: JourneyState) -> Step:
        f = self.scenario.financing
        amount = round(f.tax_rebate_amount_per_teu.value * 2 * j.plan.containers * 100)
        fid = yield from self._finance(j, "TAX_REBATE", amount, int(f.tax_rebate_fee_bps.value), "CLEARED")
        self._release(j, fid)
        yield self.hours(f.clearance_to_rebate_paid)
        self.api.write(
            "tax_authority",
            "POST",
            f"/v1/financings/{fid}/rebate-payments",
            {"paymentRef": "0x" + keccak(text=f"pilot rebate payment {fid}").hex()},
            what=f"journey {j.plan.index}: rebate paid",
        )
