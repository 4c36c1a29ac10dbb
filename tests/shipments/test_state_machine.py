"""A Hypothesis state machine over random registrations, milestone attempts and clearances on the real deployment.

Each step registers a random B/L (from a small pool, so keys repeat) with random boxes (so boxes collide) and the
carrier's attestation - or one by the other carrier, one made out to the other shipper (a second SHIPPER trying to
take a B/L it does not hold), one for other boxes, or an expired one - records
the next milestone of a shipment by the rightful actor with a random weighbridge weight (often out of tolerance) and
seals (sometimes tampered or malformed), attempts a random milestone by a random actor at a random container index
(sometimes out of range, sometimes of an unknown shipment), clears a random container, or lets governance change the
weight tolerance. A Python model of the registry predicts the exact outcome of every attempt, which is checked twice:
as an eth_call (the revert data must be exactly the predicted custom error, arguments included) and as a mined
transaction (its status); then the chain's record of the shipment is compared with the model.

Invariants: a shipment's state never decreases; a held shipment's state never changes; an attempt that reverts
changes nothing; business keys (carrier, B/L) never repeat - registering a used one always reverts
ShipmentAlreadyRegistered, whatever state its shipment is in; a B/L is registered only by the shipper its carrier
attested it to, with the boxes the carrier named.

Transactions and reads go through a plain web3 client of the test node (its unlocked accounts): ape would trace
every revert, which costs about a second each.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from hexbytes import HexBytes
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from portlink.domain.consortium import Role
from portlink.domain.eip712 import Eip712Domain
from portlink.manifest import SHIPMENTS
from web3 import Web3

from tests.conftest import NO_PORT, SHEKOU, SHUNDE, error_data
from tests.shipments.conftest import (
    AT_ORIGIN,
    DEFAULT_TOLERANCE_BPS,
    DOCUMENTS,
    FUNCTION,
    MILESTONE_FROM,
    NEXT_STATE,
    REQUIRED_STATE,
    TRANSPORT,
    Discrepancy,
    Milestone,
    State,
    attest,
    pool_number,
    seal,
    seals_digest,
    shipment_id_of,
)
from tests.state_machines import call_then_send

PROFILE = "portlink-shipments-state-machine"
settings.register_profile(
    PROFILE,
    max_examples=15,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,  # nothing written to .hypothesis/; a failure prints the steps that reproduce it
)

GAS = 5_000_000
ACTORS = [
    "shekou_terminal",
    "shunde_terminal",
    "shekou_customs",
    "shunde_customs",
    "carrier",
    "carrier2",
    "shipper",
    "shipper2",
    "outsider",
]
CARRIERS = ["carrier", "carrier2"]
SHIPPERS = ["shipper", "shipper2"]
#: The carrier's attestation a registration comes with: mostly the right one.
ATTESTATIONS = ["right"] * 6 + ["other carrier", "other shipper", "other boxes", "expired"]
REFERENCES = ["BL1", "BL2", "BL3"]
POOL = 8  # boxes pool_number(0..7)
#: Weighbridge weights as a percentage of the declared weight: 95-105 pass at the default 5%, 0 is refused.
PERCENTS = [100, 100, 100, 105, 95, 102, 106, 94, 150, 0]
#: Observed seals: mostly as declared.
SEAL_READINGS = ["declared", "declared", "declared", "tampered", "missing", "none", "unsorted"]
TOLERANCES = [0, 100, 1_000]
REASONS = ["re-weighed at the CIQ scale, released", ""]
WEIGHT_BIT, SEALS_BIT = 1 << Discrepancy.WEIGHT, 1 << Discrepancy.SEALS
UNKNOWN = "UNKNOWN"


def declared_kg(n: int) -> int:
    return 10_000 + 1_037 * n


def declared_seals(n: int) -> list[bytes]:
    return [seal(f"SEAL{n:02d}A"), seal(f"SEAL{n:02d}B")]


def observed_seals(reading: str, n: int) -> list[bytes]:
    return {
        "declared": declared_seals(n),
        "tampered": [seal(f"SEAL{n:02d}A"), seal("TAMPERED")],
        "missing": declared_seals(n)[:1],
        "none": [],
        "unsorted": declared_seals(n)[::-1],
    }[reading]


# ---------------------------------------------------------------------------------------------------- model


@dataclass
class Box:
    n: int  # index in the pool
    state: State = State.REGISTERED
    observed: int = 0
    discrepancies: int = 0

    @property
    def number(self) -> bytes:
        return pool_number(self.n)


@dataclass
class Ship:
    sid: bytes
    reference: str
    registered_at: int
    carrier: str  # actor name
    shipper: str  # actor name
    origin: bytes
    destination: bytes
    boxes: list[Box]
    state: State = State.REGISTERED
    advanced: int = 0
    held: int = 0


@dataclass
class Env:
    """What the machine needs from the test's fixtures."""

    chain: Any
    web3: Any  # a plain web3 client of the test node
    contract: Any  # the registry as a web3 contract: reads and calldata
    shipments: Any  # the registry as an ape contract: its ABI gives the expected revert data
    registry: Any
    admit: Any
    domain: Eip712Domain  # the registry's, for the carriers' attestations
    keys: dict[str, bytes]  # the carriers' private keys
    address: dict[str, str] = field(default_factory=dict)


class ShipmentMachine(RuleBasedStateMachine):
    env: Env  # bound by the test

    def __init__(self) -> None:
        super().__init__()
        self.snapshot = self.env.chain.snapshot()
        self.ships: list[Ship] = []
        self.open: dict[int, bytes] = {}  # pool index -> the open shipment the box is in
        self.keys: set[bytes] = set()
        self.tolerance = DEFAULT_TOLERANCE_BPS
        self.tolerance_changed = False

    def teardown(self) -> None:
        self.env.chain.restore(self.snapshot)

    # ------------------------------------------------------------------------------------------------ plumbing

    def addr(self, actor: str) -> str:
        return self.env.address[actor]

    def error(self, name: str, *args) -> HexBytes:
        return HexBytes(error_data(self.env.shipments, name, *args))

    def attempt(self, actor: str, function: str, args: list, expected: HexBytes | None) -> dict:
        """Call, then send, `function(*args)` from `actor`: it must succeed iff `expected` is None, else revert so."""
        return call_then_send(self.env.web3, self.addr(actor), self.env.contract, function, args, expected, GAS)

    def read(self, ship: Ship) -> tuple:
        """The chain's record of a shipment: the shipment, its containers, where each box is open, whether held."""
        c = self.env.contract.functions
        return _plain(
            (
                c.getShipment(ship.sid).call(),
                [c.getContainer(ship.sid, i).call() for i in range(len(ship.boxes))],
                [c.shipmentOfContainer(b.number).call() for b in ship.boxes],
                c.isHeld(ship.sid).call(),
            )
        )

    def modelled(self, ship: Ship) -> tuple:
        """What `read` must return according to the model."""
        record = (
            ship.state,
            ship.origin,
            ship.destination,
            len(ship.boxes),
            ship.advanced,
            ship.held,
            ship.registered_at,
            self.addr(ship.shipper),
            self.addr("consignee"),
            self.addr(ship.carrier),
            DOCUMENTS,
        )
        boxes = [
            (b.number, declared_kg(b.n), b.observed, b.discrepancies, b.state, seals_digest(declared_seals(b.n)))
            for b in ship.boxes
        ]
        return _plain((record, boxes, [self.open.get(b.n, bytes(32)) for b in ship.boxes], ship.held != 0))

    def checked(self, ship: Ship, attempt) -> None:
        """Run `attempt` (returns whether it should revert) and check the invariants and the model around it."""
        before = self.read(ship)
        reverted = attempt()
        after = self.read(ship)
        state_before, state_after, held_before = before[0][0], after[0][0], before[0][5]
        assert state_after >= state_before, "a shipment's state never decreases"
        if held_before:
            assert state_after == state_before, "a held shipment's state never changes"
        if reverted:
            assert after == before, "an attempt that reverts changes nothing"
        assert after == self.modelled(ship)

    # ------------------------------------------------------------------------------------------------ rules

    @initialize(
        data=st.data(),
        carrier=st.sampled_from(CARRIERS),
        boxes=st.integers(1, 3),
        back=st.booleans(),
        state=st.sampled_from(list(State)[1:]),
    )
    def a_shipment_somewhere_on_its_way(
        self, data: st.DataObject, carrier: str, boxes: int, back: bool, state: State
    ) -> None:
        # Every run starts with one shipment taken (checked step by step, random weights and seals, holds cleared
        # by customs) to a random state, so that the later milestones are explored as much as the early ones.
        self.register("shipper", carrier, "BL0", back, list(range(boxes)), "right")
        ship = self.ships[0]
        for _ in range(50):
            if ship.state >= state:
                break
            if ship.held:
                index = next(i for i, b in enumerate(ship.boxes) if b.discrepancies)
                self.clear_container(ship, self.origin_customs(ship), index, REASONS[0])
            else:
                percent, reading = data.draw(st.sampled_from(PERCENTS)), data.draw(st.sampled_from(SEAL_READINGS))
                self.next_milestone(ship, percent, reading, "lacking")

    @rule(
        data=st.data(),
        actor=st.sampled_from(["shipper"] * 5 + ["shipper2"] * 2 + ACTORS),
        carrier=st.sampled_from(CARRIERS),
        reference=st.sampled_from(["BL0", *REFERENCES]),
        back=st.booleans(),
        pool=st.lists(st.integers(0, POOL - 1), min_size=1, max_size=3, unique=True),
        attestation=st.sampled_from(ATTESTATIONS),
    )
    def register_a_random_bl(
        self,
        data: st.DataObject,
        actor: str,
        carrier: str,
        reference: str,
        back: bool,
        pool: list[int],
        attestation: str,
    ) -> None:
        if self.ships and data.draw(st.booleans()):  # half the time, the B/L of a registered shipment
            used = data.draw(st.sampled_from(self.ships))
            carrier, reference = used.carrier, used.reference
        self.register(actor, carrier, reference, back, pool, attestation)

    def register(self, actor: str, carrier: str, reference: str, back: bool, pool: list[int], attestation: str) -> None:
        origin, destination = (SHUNDE, SHEKOU) if back else (SHEKOU, SHUNDE)
        sid = shipment_id_of(self.addr(carrier), reference)
        containers = [(pool_number(n), declared_kg(n), declared_seals(n)) for n in pool]
        registration = (
            self.addr("consignee"),
            self.addr(carrier),
            origin,
            destination,
            reference,
            DOCUMENTS,
            containers,
        )
        deadline, signature = self.attestation(registration, actor, carrier, attestation)
        in_use = [n for n in pool if n in self.open]
        expected = None
        if actor not in SHIPPERS:
            expected = self.error("ShipmentUnauthorized", self.addr(actor), Role.SHIPPER.id, NO_PORT)
        elif sid in self.keys:
            expected = self.error("ShipmentAlreadyRegistered", sid)
        elif attestation == "expired":
            expected = self.error("ShipmentExpiredAttestation", deadline)
        elif attestation != "right":
            expected = self.error("ShipmentInvalidCarrierSignature", sid, self.addr(carrier))
        elif in_use:
            expected = self.error("ShipmentContainerInUse", pool_number(in_use[0]), self.open[in_use[0]])
        existing = next((s for s in self.ships if s.sid == sid), None)
        if existing:  # a used business key: the shipment it names must not change
            before = self.read(existing)
        receipt = self.attempt(actor, "register", [registration, deadline, signature], expected)
        if existing:
            assert expected is not None, "business keys never repeat"
            assert self.read(existing) == before
        if expected is not None:
            return
        assert attestation == "right", "a B/L is registered only by the shipper its carrier attested it to"
        timestamp = self.env.web3.eth.get_block(receipt["blockNumber"])["timestamp"]
        ship = Ship(sid, reference, timestamp, carrier, actor, origin, destination, [Box(n) for n in pool])
        self.keys.add(sid)
        self.ships.append(ship)
        self.open.update((n, sid) for n in pool)
        assert self.read(ship) == self.modelled(ship)

    def attestation(self, registration: tuple, shipper: str, carrier: str, kind: str) -> tuple[int, bytes]:
        """(deadline, signature) of the carrier's attestation of `registration` by `shipper`, or of a wrong one."""
        latest = self.env.web3.eth.get_block("latest")["timestamp"]
        deadline = latest - 1 if kind == "expired" else latest + 86_400
        signer = carrier
        if kind == "other carrier":
            signer = next(c for c in CARRIERS if c != carrier)
        if kind == "other shipper":  # the carrier made it out to the other shipper: a copy does not carry over
            shipper = next((s for s in SHIPPERS if s != shipper), "shipper")
        if kind == "other boxes":
            *head, boxes = registration  # the carrier named one box more than the shipper registers
            registration = (*head, [*boxes, (pool_number(POOL), 1, [])])
        who = self.env.address.get(shipper, shipper)
        return deadline, attest(self.env.domain, registration, who, self.env.keys[signer], deadline)

    @precondition(lambda self: self.ships)
    @rule(
        data=st.data(),
        percent=st.sampled_from(PERCENTS),
        reading=st.sampled_from(SEAL_READINGS),
        pick=st.sampled_from(["lacking", "lacking", "advanced", "any"]),
    )
    def next_milestone_by_the_rightful_actor(self, data: st.DataObject, percent: int, reading: str, pick: str) -> None:
        ship = data.draw(st.sampled_from(self.ships))
        self.next_milestone(ship, percent, reading, data.draw(st.integers(0, 3)) if pick == "any" else pick)

    @precondition(lambda self: self.ships)
    @rule(
        data=st.data(),
        milestone=st.sampled_from(list(FUNCTION)),
        actor=st.sampled_from(ACTORS),
        index=st.integers(0, 3),
        percent=st.sampled_from(PERCENTS),
        reading=st.sampled_from(SEAL_READINGS),
    )
    def any_milestone_by_anyone(
        self, data: st.DataObject, milestone: Milestone, actor: str, index: int, percent: int, reading: str
    ) -> None:
        ship = data.draw(st.sampled_from([*self.ships, UNKNOWN]))
        if ship == UNKNOWN:
            sid = shipment_id_of(self.addr("carrier"), UNKNOWN)
            args = self.milestone_args(milestone, sid, index, declared_kg(0), declared_seals(0))
            self.attempt(actor, FUNCTION[milestone], args, self.error("ShipmentUnknown", sid))
            return
        if data.draw(st.booleans()):
            actor = self.rightful(ship, milestone)
        self.milestone(ship, milestone, actor, index, percent, reading)

    @precondition(lambda self: self.ships)
    @rule(data=st.data(), actor=st.sampled_from(ACTORS), reason=st.sampled_from(REASONS))
    def clear(self, data: st.DataObject, actor: str, reason: str) -> None:
        held = [s for s in self.ships if s.held]
        ship = data.draw(st.sampled_from(held if held and data.draw(st.booleans()) else self.ships))
        held_boxes = [i for i, b in enumerate(ship.boxes) if b.discrepancies]
        index = data.draw(st.sampled_from(held_boxes) if held_boxes else st.integers(0, len(ship.boxes)))
        if data.draw(st.integers(0, 3)):  # mostly the customs that may clear
            actor = self.origin_customs(ship)
        self.clear_container(ship, actor, index, reason)

    def clear_container(self, ship: Ship, actor: str, index: int, reason: str) -> None:
        expected = None
        if actor != self.origin_customs(ship):
            expected = self.error("ShipmentUnauthorized", self.addr(actor), Role.CUSTOMS.id, ship.origin)
        elif index >= len(ship.boxes):
            expected = self.error("ShipmentUnknownContainer", ship.sid, index)
        elif ship.boxes[index].discrepancies == 0:
            expected = self.error("ShipmentNoDiscrepancy", ship.sid, index)
        elif not reason:
            expected = self.error("ShipmentEmptyReason")

        def attempt() -> bool:
            self.attempt(actor, "clearDiscrepancy", [ship.sid, index, reason], expected)
            if expected is None:
                ship.boxes[index].discrepancies = 0
                ship.held -= 1
            return expected is not None

        self.checked(ship, attempt)

    @precondition(lambda self: not self.tolerance_changed)
    @rule(bps=st.sampled_from(TOLERANCES))
    def governance_sets_the_weight_tolerance(self, bps: int) -> None:
        registry = self.env.registry
        self.env.admit("proposeParameter", registry.WEIGHT_TOLERANCE_BPS(), bps)
        assert registry.parameter(registry.WEIGHT_TOLERANCE_BPS()) == bps
        self.tolerance, self.tolerance_changed = bps, True

    @invariant()
    def every_shipment_is_where_the_model_says(self) -> None:
        c = self.env.contract.functions
        for ship in self.ships:
            assert c.getShipment(ship.sid).call()[0] == ship.state

    # ------------------------------------------------------------------------------------------------ model

    @staticmethod
    def origin_customs(ship: Ship) -> str:
        return "shekou_customs" if ship.origin == SHEKOU else "shunde_customs"

    def rightful(self, ship: Ship, milestone: Milestone) -> str:
        if milestone in TRANSPORT:
            return ship.carrier
        port = ship.origin if milestone in AT_ORIGIN else ship.destination
        return "shekou_terminal" if port == SHEKOU else "shunde_terminal"

    @staticmethod
    def milestone_args(milestone: Milestone, sid: bytes, index: int, observed: int, seal_list: list) -> list:
        if milestone in TRANSPORT:
            return [sid]
        return [sid, index, observed, seal_list] if milestone == Milestone.GTIN else [sid, index]

    def next_milestone(self, ship: Ship, percent: int, reading: str, pick: int | str) -> None:
        """The milestone leading out of the shipment's state, by the rightful actor, for container `pick`: an index,
        "lacking" (the first box that lacks the milestone) or "advanced" (the first that had it already)."""
        if ship.state == State.GATED_OUT:
            return
        milestone = MILESTONE_FROM[ship.state]
        box_from = State.LOADED if ship.state == State.ARRIVED else ship.state
        lacking = [i for i, b in enumerate(ship.boxes) if b.state == box_from]
        advanced = [i for i, b in enumerate(ship.boxes) if b.state > box_from]
        if isinstance(pick, int):
            index = pick
        else:
            # Transport milestones (DEPA, ARRI) move no box: neither list has one, and the index is not used.
            index = (((advanced or lacking) if pick == "advanced" else (lacking or advanced)) or [0])[0]
        self.milestone(ship, milestone, self.rightful(ship, milestone), index, percent, reading)

    def milestone(self, ship: Ship, milestone: Milestone, actor: str, index: int, percent: int, reading: str) -> None:
        box = ship.boxes[index] if index < len(ship.boxes) else None
        n = box.n if box else 0
        observed, seal_list = declared_kg(n) * percent // 100, observed_seals(reading, n)
        expected = self.predict(ship, milestone, actor, index, observed, seal_list)
        args = self.milestone_args(milestone, ship.sid, index, observed, seal_list)

        def attempt() -> bool:
            self.attempt(actor, FUNCTION[milestone], args, expected)
            if expected is None:
                self.apply(ship, milestone, box, observed, seal_list)
            return expected is not None

        self.checked(ship, attempt)

    def predict(self, ship: Ship, milestone: Milestone, actor: str, index: int, observed: int, seal_list) -> Any:
        """The revert data the registry must give, or None for success (its checks, in its order)."""
        required = REQUIRED_STATE[milestone]
        if milestone in TRANSPORT:
            if actor != ship.carrier:
                return self.error("ShipmentNotCarrier", ship.sid, self.addr(actor))
        elif actor != self.rightful(ship, milestone):
            port = ship.origin if milestone in AT_ORIGIN else ship.destination
            return self.error("ShipmentUnauthorized", self.addr(actor), Role.TERMINAL.id, port)
        if ship.held:
            return self.error("ShipmentOnHold", ship.sid, ship.held)
        if ship.state != required:
            return self.error("ShipmentUnexpectedState", ship.sid, milestone, ship.state, 1 << required)
        if milestone in TRANSPORT:
            return None
        if index >= len(ship.boxes):
            return self.error("ShipmentUnknownContainer", ship.sid, index)
        box = ship.boxes[index]
        if box.state != (State.LOADED if required == State.ARRIVED else required):
            return self.error("ShipmentContainerAlreadyAdvanced", ship.sid, index, milestone)
        if milestone == Milestone.GTIN:
            if observed == 0:
                return self.error("ShipmentInvalidWeight", box.number)
            if not seal_list or any(b <= a for a, b in pairwise(seal_list)):
                return self.error("ShipmentInvalidSeals", box.number)
        return None

    def apply(self, ship: Ship, milestone: Milestone, box: Box | None, observed: int, seal_list) -> None:
        to = NEXT_STATE[milestone]
        if milestone in TRANSPORT:
            ship.state = to
            return
        assert box is not None
        box.state = to
        if milestone == Milestone.GTIN:
            box.observed = observed
            declared = declared_kg(box.n)
            if abs(observed - declared) * 10_000 > declared * self.tolerance:
                box.discrepancies |= WEIGHT_BIT
            if seal_list != declared_seals(box.n):
                box.discrepancies |= SEALS_BIT
            if box.discrepancies:
                ship.held += 1
        if milestone == Milestone.GTOT:
            del self.open[box.n]  # the box may be registered again
        ship.advanced += 1
        if ship.advanced == len(ship.boxes):
            ship.advanced, ship.state = 0, to


def _plain(value: Any) -> Any:
    """Chain reads and model values as plain comparable Python: tuples, bytes, ints, str."""
    if isinstance(value, tuple | list):
        return tuple(_plain(v) for v in value)
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    return int(value) if isinstance(value, int) and not isinstance(value, bool) else value


def test_random_milestones_keep_the_invariants(chain, artifacts, shipments, registry, members, admit):
    admit("proposeMember", members.newcomer, "Carrier 2", "C2", Role.CARRIER.id, NO_PORT)
    admit("proposeMember", members.newcomer2, "Shipper 2", "S2", Role.SHIPPER.id, NO_PORT)
    # A client without middleware (ape's asks the node for its chain id before every call).
    w3 = Web3(Web3.HTTPProvider(chain.provider.http_uri))
    w3.middleware_onion.clear()
    assert w3.eth.chain_id == chain.provider.chain_id
    contract = w3.eth.contract(address=shipments.address, abi=artifacts[SHIPMENTS].abi)
    names = [
        "shekou_terminal",
        "shunde_terminal",
        "shekou_customs",
        "shunde_customs",
        "carrier",
        "shipper",
        "outsider",
        "consignee",
    ]
    address = {name: getattr(members, name).address for name in names} | {
        "carrier2": members.newcomer.address,
        "shipper2": members.newcomer2.address,
    }
    domain = Eip712Domain.from_erc5267(shipments.eip712Domain())
    keys = {"carrier": members.carrier.private_key, "carrier2": members.newcomer.private_key}
    env = Env(chain, w3, contract, shipments, registry, admit, domain, keys, address)
    machine = type("BoundShipmentMachine", (ShipmentMachine,), {"env": env})
    run_state_machine_as_test(machine, settings=settings.get_profile(PROFILE))
