"""A Hypothesis state machine over the customs declarations of two shipments on the real deployment.

Shipment A goes from Shekou to Shunde and shipment B back, two containers each. Each run starts with A's declaration
taken to a random point (filed or not, amended, a discrepancy, a hold, approvals); then every step is one attempt:
file a declaration (or one for an unknown shipment), amend it, decide on it for either port - approve, reject or
request inspection, sent by an officer or relayed as its EIP-712 signature, sometimes naming a stale version (from
before an amendment), another digest, a wrong signer, a used nonce or a past deadline - place or release a customs
hold, gate a container in at the origin terminal with a weight far off the declared one (a discrepancy that holds the
shipment, before or after filing, while the shipment is still Registered) and clear that with
`shipments.clearDiscrepancy`, `clear()` as an outsider, or let the shipper withdraw or renew its broker.

A Python model predicts each attempt (liveness): it must succeed exactly when the model says it may, else revert with
exactly the custom error the model names, arguments included (checked as an eth_call, then as a mined transaction's
status). After every step the chain's declarations, the shipments' state and holds, the officers' nonces and the
broker's authorisation must equal the model (effect), and an attempt that reverts changes none of them (no side
effect). On top of the model, properties read from the chain alone:

* a declaration becomes Cleared only with both ports' approvals in and no customs hold or discrepancy left, and the
  `DeclarationCleared` event names the current version, whose approvals are the last decisions each port recorded;
* once Cleared nothing changes any more: every customs call on it reverts and its record stays as it is;
* an amendment resets both decisions and officers, keeps the holds, and moves to the next version;
* a relayed signature for an old version never counts.

Signatures are made with eth-account from the full typed-data JSON (portlink.domain.customs); ECDSA signing is
deterministic (RFC 6979), so a signature made before an amendment is the same bytes as one made now for the old
version and digest. Transactions go through a plain web3 client of the test node (its unlocked accounts), as in
tests/shipments/test_state_machine.py (ape would trace every revert), and the reads after each step in one JSON-RPC
batch. The everyday profile takes well under a minute; `PORTLINK_HYPOTHESIS_PROFILE=ci` (or
`--hypothesis-profile=portlink-customs-state-machine-ci`) runs the heavier one, about five minutes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from eth_utils.crypto import keccak
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
from portlink.domain.customs import Decision, DecisionInput, Eip712Domain, decision_typed_data, sign_typed_data
from portlink.manifest import CUSTOMS, SHIPMENTS
from web3 import Web3
from web3.logs import DISCARD

from tests.conftest import HONG_KONG, SHEKOU, SHUNDE, error_data
from tests.customs.conftest import CNY, FAR, HS_CODES, NO_REASON, REASON, VALUE, State, bit
from tests.shipments.conftest import Journey, container, pool_number
from tests.state_machines import Reads, call_then_send, plain

PROFILE = "portlink-customs-state-machine"
CI_PROFILE = f"{PROFILE}-ci"
_COMMON: dict[str, Any] = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    "database": None,  # nothing written to .hypothesis/; a failure prints the steps that reproduce it
}
settings.register_profile(PROFILE, max_examples=20, stateful_step_count=30, **_COMMON)
settings.register_profile(CI_PROFILE, max_examples=150, stateful_step_count=40, **_COMMON)

GAS = 2_000_000
ZERO_ADDRESS = "0x" + "00" * 20
APPROVE, REJECT, INSPECT, NO_DECISION = (
    Decision.APPROVE,
    Decision.REJECT,
    Decision.REQUEST_INSPECTION,
    Decision.NONE,
)
SIDES = ("origin", "destination")
#: Declaration digests by name: amendments draw from a small pool, so a version may repeat an earlier one's digest.
DIGEST = {f"draft {i}": keccak(text=f"combined declaration, draft {i}") for i in range(3)} | {"zero": bytes(32)}
DIGESTS = [DIGEST[f"draft {i}"] for i in range(3)]
ZERO_DIGEST = DIGEST["zero"]
REASONS = {"reason": REASON, "none": NO_REASON}
CURRENCIES = [CNY, b"HKD"]
VALUES = [VALUE, VALUE + 1]
BOXES = 2
DECLARED_KG = 20_000
OFF_KG = 30_000  # 50% over: far outside any tolerance the consortium uses
#: Nonce lanes (NoncesKeyed keys) officers sign in.
LANES = (0, 1)
#: Customs officers. Besides the pilot's, "dual" holds CUSTOMS at both ports (the way to ClearanceSameOfficer) and so
#: does "broker", which is also the shipper's customs broker while the shipper says so (the way to
#: ClearanceSelfDecision).
OFFICERS = ("shekou_customs", "shunde_customs", "dual", "broker")
BOTH = (SHEKOU, SHUNDE)
CUSTOMS_AT = {"shekou_customs": (SHEKOU,), "shunde_customs": (SHUNDE,), "dual": BOTH, "broker": BOTH}
FILERS = ["shipper", "shipper", "shipper", "broker", "outsider"]
#: Who acts for a port: its own customs, the other port's, "dual", "broker", an outsider, or (for decisions) whoever
#: decided for the other port.
OFFICER_PICKS = ["rightful"] * 6 + ["other", "dual", "broker", "outsider"]
PORT_PICKS = ["origin"] * 4 + ["destination"] * 4 + ["foreign"]
DECISIONS = [APPROVE] * 4 + [INSPECT] * 2 + [REJECT] * 2 + [NO_DECISION]
RELAY_MODES = ["fresh"] * 6 + ["stale version", "other digest", "forged", "replayed", "expired"]
VERSION_PICKS = ["current"] * 5 + ["stale", "next"]
UNKNOWN = "unknown"


# ---------------------------------------------------------------------------------------------------- model


@dataclass
class Ship:
    name: str
    sid: bytes
    origin: bytes
    destination: bytes
    gated: set[int] = field(default_factory=set)
    discrepancies: set[int] = field(default_factory=set)

    @property
    def held(self) -> int:
        return len(self.discrepancies)

    @property
    def state(self) -> int:  # IShipmentRegistry.ShipmentState: Registered until every box is gated in
        return 1 if len(self.gated) < BOXES else 2


@dataclass
class Decl:
    ship: Ship
    state: int = State.NONE
    version: int = 0
    digests: list[bytes] = field(default_factory=lambda: [ZERO_DIGEST])  # digests[v]: version v's
    decision: dict[str, Decision] = field(default_factory=lambda: dict.fromkeys(SIDES, NO_DECISION))
    officer: dict[str, str | None] = field(default_factory=lambda: dict.fromkeys(SIDES))
    hold: dict[str, bool] = field(default_factory=lambda: dict.fromkeys(SIDES, False))
    filer: str | None = None
    value: int = 0
    currency: bytes = bytes(3)
    updated_at: int = 0

    @property
    def did(self) -> bytes:
        return self.ship.sid

    @property
    def digest(self) -> bytes:
        return self.digests[self.version]

    def side(self, port: bytes) -> str | None:
        return "origin" if port == self.ship.origin else "destination" if port == self.ship.destination else None


@dataclass
class Env:
    """What the machine needs from the test's fixtures."""

    chain: Any
    web3: Any  # a plain web3 client of the test node
    customs: Any  # CustomsClearance as a web3 contract: reads, calldata, events
    shipments: Any  # ShipmentRegistry as a web3 contract
    customs_abi: Any  # the ape contract: its ABI gives the expected revert data
    domain: Eip712Domain
    ships: list[Ship]
    address: dict[str, str]
    keys: dict[str, bytes]
    reads: Reads | None = None  # what the machine reads after every step, encoded once


@dataclass(frozen=True)
class World:
    """What one read of the chain returns: everything a step may change."""

    declarations: tuple
    cleared: tuple
    ships: tuple  # (state, containersHeld) of each shipment
    nonces: tuple
    broker: bool


class CustomsMachine(RuleBasedStateMachine):
    env: Env  # bound by the test

    def __init__(self) -> None:
        super().__init__()
        self.snapshot = self.env.chain.snapshot()
        self.ships = [Ship(s.name, s.sid, s.origin, s.destination) for s in self.env.ships]
        self.decls = [Decl(ship) for ship in self.ships]
        self.nonces = {(actor, lane): 0 for actor in OFFICERS for lane in LANES}
        self.broker = True  # whether the shipper authorises "broker"
        self.broker_changes = 0
        self.relayed: list[tuple[DecisionInput, bytes]] = []  # every signature that counted, to replay
        #: The last DecisionRecorded of each declaration and port, from the receipts (not from the model).
        self.recorded: dict[tuple[bytes, bytes], dict] = {}
        if self.env.reads is None:
            self.env.reads = Reads(self.env.web3, self.queries())

    def teardown(self) -> None:
        self.env.chain.restore(self.snapshot)

    # ------------------------------------------------------------------------------------------------ plumbing

    def addr(self, actor: str | None) -> str:
        return ZERO_ADDRESS if actor is None else self.env.address[actor]

    def error(self, name: str, *args) -> HexBytes:
        return HexBytes(error_data(self.env.customs_abi, name, *args))

    def nonce_of(self, actor: str, lane: int) -> int:
        return lane << 64 | self.nonces.get((actor, lane), 0)

    def attempt(self, actor: str, contract: Any, function: str, args: list, expected: HexBytes | None) -> dict:
        """Call, then send, `function(*args)` from `actor`: it must succeed iff `expected` is None, else revert so."""
        return call_then_send(self.env.web3, self.addr(actor), contract, function, args, expected, GAS)

    def read(self) -> World:
        """The chain's declarations, their `isCleared`, the shipments' (state, holds), the nonces, the broker."""
        answers = self.env.reads.answers()
        n, m = len(self.decls), len(self.ships)
        return World(
            answers[0 : 2 * n : 2],
            answers[1 : 2 * n : 2],
            tuple(shipment[0:6:5] for shipment in answers[2 * n : 2 * n + m]),
            answers[2 * n + m : -1],
            answers[-1],
        )

    def queries(self) -> list[tuple[Any, str, list]]:
        """The view calls `read` makes, in its order."""
        customs, shipments = self.env.customs, self.env.shipments
        return [
            *((customs, function, [d.did]) for d in self.decls for function in ("getDeclaration", "isCleared")),
            *((shipments, "getShipment", [ship.sid]) for ship in self.ships),
            *((customs, "nonces", [self.addr(actor), lane]) for actor in OFFICERS for lane in LANES),
            (customs, "isBroker", [self.addr("shipper"), self.addr("broker")]),
        ]

    def modelled(self) -> World:
        """What `read` must return according to the model."""
        declarations = []
        for d in self.decls:
            filed = d.state != State.NONE
            declarations.append(
                (
                    d.state,
                    d.version,
                    d.decision["origin"],
                    d.decision["destination"],
                    d.hold["origin"],
                    d.hold["destination"],
                    d.ship.origin if filed else bytes(5),
                    d.ship.destination if filed else bytes(5),
                    d.currency,
                    d.updated_at,
                    self.addr("shipper" if filed else None),
                    self.addr(d.filer),
                    self.addr(d.officer["origin"]),
                    self.addr(d.officer["destination"]),
                    d.value,
                    d.digest,
                )
            )
        return World(
            plain(declarations),
            tuple(d.state == State.CLEARED for d in self.decls),
            tuple((ship.state, ship.held) for ship in self.ships),
            tuple(self.nonce_of(a, lane) for a in OFFICERS for lane in LANES),
            self.broker,
        )

    def step(
        self,
        actor: str,
        contract: Any,
        function: str,
        args: list,
        expected: HexBytes | None,
        apply,
        target: Decl | None = None,
    ) -> dict:
        """One attempt, with the model updated by `apply(timestamp)` if it succeeds, and the properties around it.

        `target` is the declaration a customs call acts on (None for the shipment registry's calls).
        """
        before = self.read()
        receipt = self.attempt(actor, contract, function, args, expected)
        if expected is None:
            apply(self.env.web3.eth.get_block(receipt["blockNumber"])["timestamp"])
            self.record_decisions(receipt)
        after = self.read()
        if expected is not None:
            assert after == before, f"a refused {function} changes nothing"
        for i, d in enumerate(self.decls):
            was, now = before.declarations[i], after.declarations[i]
            cleared_events = [
                e["args"]
                for e in self.env.customs.events.DeclarationCleared().process_receipt(receipt, errors=DISCARD)
                if bytes(e["args"]["declarationId"]) == d.did
            ]
            if was[0] == State.CLEARED:
                assert now == was, "once cleared, a declaration never changes"
                assert target is not d or receipt["status"] == 0, f"{function} on a cleared declaration was accepted"
            if now[0] == State.CLEARED and was[0] != State.CLEARED:
                self.check_clearance(d, now, after.ships[i][1], cleared_events)
            else:
                assert not cleared_events, f"{function} emitted DeclarationCleared without clearing"
        assert after == self.modelled()
        return receipt

    def check_clearance(self, d: Decl, now: tuple, discrepancies: int, events: list) -> None:
        """A declaration that was just cleared: both approvals, on the version the event names, and nothing held."""
        version, origin_decision, destination_decision, origin_hold, destination_hold = now[1:6]
        assert (origin_decision, destination_decision) == (APPROVE, APPROVE), "cleared without both approvals"
        assert (origin_hold, destination_hold) == (False, False), "cleared under a customs hold"
        assert discrepancies == 0, "cleared while a gate-in discrepancy held the shipment"
        [event] = events
        assert event["version"] == version == d.version, "DeclarationCleared names another version"
        assert (event["originOfficer"], event["destinationOfficer"]) == (now[12], now[13])
        for port, officer in ((d.ship.origin, now[12]), (d.ship.destination, now[13])):
            last = self.recorded[(d.did, port)]
            assert (last["version"], last["decision"], last["officer"]) == (version, APPROVE, officer), (
                "the last decision a port recorded is not its approval of the cleared version"
            )

    def record_decisions(self, receipt: dict) -> None:
        for e in self.env.customs.events.DecisionRecorded().process_receipt(receipt, errors=DISCARD):
            args = e["args"]
            self.recorded[(bytes(args["declarationId"]), bytes(args["port"]))] = dict(args)

    # ------------------------------------------------------------------------------------------------ draws

    def pick_decl(self, data: st.DataObject) -> Decl:
        """Mostly a filed declaration, if there is one."""
        filed = [i for i, d in enumerate(self.decls) if d.state != State.NONE]
        every = list(range(len(self.decls)))
        return self.decls[data.draw(st.sampled_from(filed if filed and data.draw(st.integers(0, 7)) else every))]

    @staticmethod
    def port_of(d: Decl, pick: str) -> bytes:
        return {"origin": d.ship.origin, "destination": d.ship.destination, "foreign": HONG_KONG}[pick]

    @staticmethod
    def officer_of(port: bytes, pick: str) -> str:
        rightful = "shekou_customs" if port != SHUNDE else "shunde_customs"
        other = "shunde_customs" if rightful == "shekou_customs" else "shekou_customs"
        return {"rightful": rightful, "other": other}.get(pick, pick)

    @staticmethod
    def has_customs(actor: str, port: bytes) -> bool:
        return port in CUSTOMS_AT.get(actor, ())

    # ------------------------------------------------------------------------------------------------ rules

    @initialize(
        data=st.data(),
        filed=st.sampled_from([True] * 7 + [False]),
        amended=st.booleans(),
        discrepancy=st.sampled_from(["none", "before filing", "after filing"]),
        hold=st.sampled_from(["none", "none", "origin", "destination"]),
        approvals=st.lists(st.sampled_from(SIDES), unique=True, max_size=2),
    )
    def declaration_a_somewhere_on_its_way(
        self, data: st.DataObject, filed: bool, amended: bool, discrepancy: str, hold: str, approvals: list[str]
    ) -> None:
        # A's declaration taken (checked step by step) to a random point on its way - filed or not, amended, with a
        # discrepancy raised before or after filing, a customs hold, one or both approvals - so that what finishes a
        # clearance (releases, clearing discrepancies, clear()) gets steps as much as what starts it.
        a = self.decls[0]
        if discrepancy == "before filing":
            self.gate_in(a.ship, 0, off=True)
        if not filed:
            return
        self.file_declaration(a, "shipper", DIGESTS[0], VALUE, CNY)
        if amended:
            self.amend_declaration(a, "shipper", DIGESTS[1], VALUE, CNY)
        if discrepancy == "after filing":
            self.gate_in(a.ship, 0, off=True)
        if hold != "none":
            port = self.port_of(a, hold)
            self.place(a, port, self.officer_of(port, "rightful"), "reason")
        for side in approvals:
            self.approve(data, a, side, data.draw(st.booleans()))

    @rule(data=st.data(), filer=st.sampled_from(FILERS), digest=st.sampled_from(list(DIGEST)))
    def file(self, data: st.DataObject, filer: str, digest: str) -> None:
        unfiled = [i for i, d in enumerate(self.decls) if d.state == State.NONE]
        pick = data.draw(st.sampled_from([*unfiled, *unfiled, *range(len(self.decls)), UNKNOWN]))
        if pick == UNKNOWN:  # a shipment nobody registered
            sid = keccak(text="no such shipment")
            args = [sid, DIGESTS[0], HS_CODES, VALUE, CNY]
            self.step(filer, self.env.customs, "file", args, self.error("ClearanceUnknownShipment", sid), None)
            return
        self.file_declaration(self.decls[pick], filer, DIGEST[digest], data.draw(st.sampled_from(VALUES)), CNY)

    def file_declaration(self, d: Decl, filer: str, digest: bytes, value: int, currency: bytes) -> None:
        expected = None
        if not self.may_file(filer):
            expected = self.error("ClearanceNotFiler", d.did, self.addr(filer))
        elif d.state != State.NONE:
            expected = self.error("ClearanceAlreadyFiled", d.did)
        elif digest == ZERO_DIGEST:
            expected = self.error("ClearanceInvalidDigest")

        def apply(timestamp: int) -> None:
            d.state, d.version, d.filer, d.value, d.currency, d.updated_at = (
                State.FILED,
                1,
                filer,
                value,
                currency,
                timestamp,
            )
            d.digests.append(digest)

        self.step(filer, self.env.customs, "file", [d.did, digest, HS_CODES, value, currency], expected, apply, d)

    @rule(
        data=st.data(),
        filer=st.sampled_from(FILERS),
        name=st.sampled_from([*DIGEST, *DIGEST]),
        value=st.sampled_from(VALUES),
        currency=st.sampled_from(CURRENCIES),
    )
    def amend(self, data: st.DataObject, filer: str, name: str, value: int, currency: bytes) -> None:
        self.amend_declaration(self.pick_decl(data), filer, DIGEST[name], value, currency)

    def amend_declaration(self, d: Decl, filer: str, digest: bytes, value: int, currency: bytes) -> None:
        expected = None
        if d.state == State.NONE:
            expected = self.error("ClearanceUnknownDeclaration", d.did)
        elif not self.may_file(filer):
            expected = self.error("ClearanceNotFiler", d.did, self.addr(filer))
        elif d.state == State.FILED and any(d.decision[s] != NO_DECISION for s in SIDES):
            expected = self.error("ClearanceAmendmentLocked", d.did, d.version)
        elif d.state == State.CLEARED:
            expected = self.error("ClearanceUnexpectedState", d.did, d.state, bit(State.FILED, State.REJECTED))
        elif digest == ZERO_DIGEST:
            expected = self.error("ClearanceInvalidDigest")
        previous = self.read().declarations[self.decls.index(d)]

        def apply(timestamp: int) -> None:
            d.state, d.version, d.filer, d.value, d.currency, d.updated_at = (
                State.FILED,
                d.version + 1,
                filer,
                value,
                currency,
                timestamp,
            )
            d.digests.append(digest)
            d.decision = dict.fromkeys(SIDES, NO_DECISION)
            d.officer = dict.fromkeys(SIDES)

        self.step(filer, self.env.customs, "amend", [d.did, digest, HS_CODES, value, currency], expected, apply, d)
        if expected is None:  # an amendment resets the decisions, keeps the holds, and makes a new version
            now = self.read().declarations[self.decls.index(d)]
            assert now[0:4] == (State.FILED, previous[1] + 1, NO_DECISION, NO_DECISION)
            assert now[4:6] == previous[4:6]
            assert now[12:14] == (ZERO_ADDRESS, ZERO_ADDRESS)

    @rule(
        data=st.data(),
        port_pick=st.sampled_from(PORT_PICKS),
        officer_pick=st.sampled_from([*OFFICER_PICKS, "other side's"]),
        decision=st.sampled_from(DECISIONS),
        reason=st.sampled_from(["reason", "reason", "none"]),
        relayed=st.booleans(),
    )
    def decide(
        self,
        data: st.DataObject,
        port_pick: str,
        officer_pick: str,
        decision: Decision,
        reason: str,
        relayed: bool,
    ) -> None:
        d = self.pick_decl(data)
        reason_code = REASONS[reason]
        port = self.port_of(d, port_pick)
        other_side = d.officer["destination" if port == d.ship.origin else "origin"]
        if officer_pick == "other side's":
            officer_pick = other_side or "rightful"
        officer = self.officer_of(port, officer_pick)
        if relayed:
            self.relay(data, d, port, officer, decision, reason_code)
        else:
            self.send(data, d, port, officer, decision, reason_code)

    @rule(
        data=st.data(),
        officer_pick=st.sampled_from(["rightful", "rightful", "rightful", "dual"]),
        relayed=st.booleans(),
    )
    def approve_as_a_customs_of_the_port(self, data: st.DataObject, officer_pick: str, relayed: bool) -> None:
        # The generic `decide` refuses more often than not; this one moves declarations towards clearance ("dual",
        # a customs of both ports, approving both sides is refused ClearanceSameOfficer).
        d = self.pick_decl(data)
        undecided = [side for side in SIDES if d.decision[side] != APPROVE]
        self.approve(data, d, data.draw(st.sampled_from(undecided or list(SIDES))), relayed, officer_pick)

    def approve(self, data: st.DataObject, d: Decl, side: str, relayed: bool, officer_pick: str = "rightful") -> None:
        port = self.port_of(d, side)
        officer = self.officer_of(port, officer_pick)
        if relayed:
            self.relay(data, d, port, officer, APPROVE, NO_REASON, "fresh")
        else:
            self.send(data, d, port, officer, APPROVE, NO_REASON, "current")

    def send(
        self,
        data: st.DataObject,
        d: Decl,
        port: bytes,
        officer: str,
        decision: Decision,
        reason: bytes,
        pick: str | None = None,
    ) -> None:
        version = self.version_for(data, d, pick or data.draw(st.sampled_from(VERSION_PICKS)))
        expected = self.refusal_of_decision(d, version, port, officer, decision, reason)
        args = [d.did, version, port, int(decision), reason]
        self.step(officer, self.env.customs, "decide", args, expected, self.decided(d, port, officer, decision), d)

    def relay(
        self,
        data: st.DataObject,
        d: Decl,
        port: bytes,
        officer: str,
        decision: Decision,
        reason: bytes,
        mode: str | None = None,
    ) -> None:
        mode = mode or data.draw(st.sampled_from(RELAY_MODES))
        lane = data.draw(st.sampled_from(LANES))
        relayer = data.draw(st.sampled_from(["outsider", "shipper", officer]))
        if mode == "replayed" and self.relayed:
            signed, signature = self.relayed[data.draw(st.integers(0, len(self.relayed) - 1))]
            officer = next(a for a in OFFICERS if self.addr(a) == signed.officer)
            d = next(x for x in self.decls if x.did == signed.declaration_id)
            port, decision, reason = parse_port(signed.port), signed.decision, signed.reason_code
        else:
            version = self.version_for(data, d, "stale" if mode == "stale version" else "current")
            digest = d.digests[version] if version < len(d.digests) else DIGESTS[0]
            if mode == "other digest":
                digest = next(x for x in DIGESTS if x != digest)
            signed = DecisionInput(
                declaration_id=d.did,
                version=version,
                declaration_digest=digest,
                port=port.decode(),
                decision=decision,
                reason_code=reason,
                officer=self.addr(officer),
                nonce=self.nonce_of(officer, lane),
                deadline=1 if mode == "expired" else FAR,
            )
            signer = ("shipper" if officer == "outsider" else "outsider") if mode == "forged" else officer
            signature = sign_typed_data(self.env.keys[signer], decision_typed_data(self.env.domain, signed))
        expected = self.refusal_of_signature(d, signed, officer, signature) or self.refusal_of_decision(
            d, signed.version, port, officer, decision, reason
        )
        stale = d.state != State.NONE and signed.version < d.version
        key = (officer, signed.nonce >> 64)
        apply_decision = self.decided(d, port, officer, decision)

        def apply(timestamp: int) -> None:
            self.nonces[key] += 1
            self.relayed.append((signed, signature))
            apply_decision(timestamp)

        receipt = self.step(
            relayer, self.env.customs, "decideBySig", [signed.to_chain(), signature], expected, apply, d
        )
        if stale:
            assert receipt["status"] == 0, "a relayed signature for an old version counted"

    def version_for(self, data: st.DataObject, d: Decl, pick: str) -> int:
        if pick == "stale" and d.version > 1:
            return data.draw(st.integers(1, d.version - 1))
        return max(d.version, 1) + (pick == "next")

    def refusal_of_signature(self, d: Decl, signed: DecisionInput, officer: str, signature: bytes) -> HexBytes | None:
        """What `decideBySig` checks before the decision itself, in its order."""
        port = parse_port(signed.port)
        if signed.deadline == 1:
            return self.error("ClearanceExpiredSignature", 1)
        if d.state == State.NONE:
            return self.error("ClearanceUnknownDeclaration", d.did)
        if signed.version != d.version:
            return self.error("ClearanceStaleVersion", d.did, signed.version, d.version)
        if signed.declaration_digest != d.digest:
            return self.error("ClearanceStaleDigest", d.did, signed.declaration_digest, d.digest)
        if d.side(port) is None:
            return self.error("ClearanceNotDeclarationPort", d.did, port)
        if not self.has_customs(officer, port):
            return self.error("ClearanceUnauthorized", self.addr(officer), Role.CUSTOMS.id, port)
        typed = decision_typed_data(self.env.domain, signed)
        if signature != sign_typed_data(self.env.keys[officer], typed):  # RFC 6979: one signature per key
            return self.error("ClearanceInvalidSignature", self.addr(officer))
        lane = signed.nonce >> 64
        if signed.nonce != self.nonce_of(officer, lane):
            return self.error("InvalidAccountNonce", self.addr(officer), self.nonce_of(officer, lane))
        return None

    def refusal_of_decision(
        self, d: Decl, version: int, port: bytes, officer: str, decision: Decision, reason: bytes
    ) -> HexBytes | None:
        """What `decide` checks (and `decideBySig` after the signature), in its order."""
        if d.state == State.NONE:
            return self.error("ClearanceUnknownDeclaration", d.did)
        if version != d.version:
            return self.error("ClearanceStaleVersion", d.did, version, d.version)
        if d.state != State.FILED:
            return self.error("ClearanceUnexpectedState", d.did, d.state, bit(State.FILED))
        side = d.side(port)
        if side is None:
            return self.error("ClearanceNotDeclarationPort", d.did, port)
        if not self.has_customs(officer, port):
            return self.error("ClearanceUnauthorized", self.addr(officer), Role.CUSTOMS.id, port)
        if decision == NO_DECISION:
            return self.error("ClearanceInvalidDecision")
        if decision == REJECT and reason == NO_REASON:
            return self.error("ClearanceReasonRequired")
        if officer in ("shipper", d.filer) or (officer == "broker" and self.broker):
            return self.error("ClearanceSelfDecision", d.did, self.addr(officer))
        current = d.decision[side]
        if current in (APPROVE, REJECT) or current == decision:
            return self.error("ClearanceAlreadyDecided", d.did, port, current)
        if officer == d.officer["destination" if side == "origin" else "origin"]:
            return self.error("ClearanceSameOfficer", d.did, self.addr(officer))
        return None

    def decided(self, d: Decl, port: bytes, officer: str, decision: Decision):
        def apply(timestamp: int) -> None:
            side = d.side(port)
            assert side is not None
            d.decision[side], d.officer[side], d.updated_at = decision, officer, timestamp
            if decision == REJECT:
                d.state = State.REJECTED
            elif decision == APPROVE:
                self.try_clear(d)

        return apply

    def try_clear(self, d: Decl) -> None:
        approved = all(d.decision[s] == APPROVE for s in SIDES)
        if d.state == State.FILED and approved and not any(d.hold.values()) and not d.ship.held:
            d.state = State.CLEARED

    @rule(
        data=st.data(),
        port_pick=st.sampled_from(PORT_PICKS),
        officer_pick=st.sampled_from(OFFICER_PICKS),
        reason=st.sampled_from(["reason", "reason", "reason", "none"]),
    )
    def place_hold(self, data: st.DataObject, port_pick: str, officer_pick: str, reason: str) -> None:
        d = self.pick_decl(data)
        port = self.port_of(d, port_pick)
        self.place(d, port, self.officer_of(port, officer_pick), reason)

    def place(self, d: Decl, port: bytes, officer: str, reason: str) -> None:
        side = d.side(port)
        expected = self.refusal_of_hold(d, port, officer)
        if expected is None and reason == "none":
            expected = self.error("ClearanceReasonRequired")
        elif expected is None and d.hold[side]:
            expected = self.error("ClearanceAlreadyHeld", d.did, port)

        def apply(timestamp: int) -> None:
            d.hold[side], d.updated_at = True, timestamp

        self.step(officer, self.env.customs, "placeHold", [d.did, port, REASONS[reason]], expected, apply, d)

    @rule(data=st.data(), port_pick=st.sampled_from(PORT_PICKS), officer_pick=st.sampled_from(OFFICER_PICKS))
    def release_hold(self, data: st.DataObject, port_pick: str, officer_pick: str) -> None:
        held = [i for i, d in enumerate(self.decls) if any(d.hold.values())]
        d = (
            self.decls[data.draw(st.sampled_from(held))]
            if held and data.draw(st.integers(0, 3))
            else self.pick_decl(data)
        )
        if port_pick != "foreign" and any(d.hold.values()) and data.draw(st.booleans()):
            port_pick = next(s for s in SIDES if d.hold[s])
        port = self.port_of(d, port_pick)
        officer = self.officer_of(port, officer_pick)
        side = d.side(port)
        expected = self.refusal_of_hold(d, port, officer)
        if expected is None and not d.hold[side]:
            expected = self.error("ClearanceNotHeld", d.did, port)

        def apply(timestamp: int) -> None:
            d.hold[side], d.updated_at = False, timestamp
            self.try_clear(d)

        self.step(officer, self.env.customs, "releaseHold", [d.did, port], expected, apply, d)

    def refusal_of_hold(self, d: Decl, port: bytes, officer: str) -> HexBytes | None:
        if d.state == State.NONE:
            return self.error("ClearanceUnknownDeclaration", d.did)
        if d.state == State.CLEARED:
            return self.error("ClearanceUnexpectedState", d.did, d.state, bit(State.FILED, State.REJECTED))
        if d.side(port) is None:
            return self.error("ClearanceNotDeclarationPort", d.did, port)
        if not self.has_customs(officer, port):
            return self.error("ClearanceUnauthorized", self.addr(officer), Role.CUSTOMS.id, port)
        return None

    @rule(data=st.data())
    def clear_by_an_outsider(self, data: st.DataObject) -> None:
        d = self.pick_decl(data)
        expected = None
        if d.state == State.NONE:
            expected = self.error("ClearanceUnknownDeclaration", d.did)
        elif d.state != State.FILED:
            expected = self.error("ClearanceUnexpectedState", d.did, d.state, bit(State.FILED))
        elif any(d.decision[s] != APPROVE for s in SIDES):
            expected = self.error("ClearanceApprovalsMissing", d.did, d.decision["origin"], d.decision["destination"])
        elif any(d.hold.values()) or d.ship.held:
            holds = (d.hold["origin"], d.hold["destination"], d.ship.held != 0, False)  # no IoT alerts here
            expected = self.error("ClearanceOnHold", d.did, *holds)

        def apply(timestamp: int) -> None:
            d.state, d.updated_at = State.CLEARED, timestamp

        self.step("outsider", self.env.customs, "clear", [d.did], expected, apply, d)

    @precondition(lambda self: any(ship.state == 1 and not ship.held for ship in self.ships))
    @rule(data=st.data(), off=st.sampled_from([True, True, False]))
    def gate_in_a_container(self, data: st.DataObject, off: bool) -> None:
        open_ships = [i for i, s in enumerate(self.ships) if s.state == 1 and not s.held]
        ship = self.ships[data.draw(st.sampled_from(open_ships))]
        self.gate_in(ship, data.draw(st.sampled_from(sorted(set(range(BOXES)) - ship.gated))), off=off)

    def gate_in(self, ship: Ship, index: int, *, off: bool) -> None:
        assert (ship.state, ship.held) == (1, 0)  # else it reverts: the registry's own state machine checks that
        terminal = "shekou_terminal" if ship.origin == SHEKOU else "shunde_terminal"
        number = pool_number(self.ships.index(ship) * BOXES + index)
        args = [ship.sid, index, OFF_KG if off else DECLARED_KG, [seal_of(number)]]

        def apply(timestamp: int) -> None:
            ship.gated.add(index)
            if off:
                ship.discrepancies.add(index)

        self.step(terminal, self.env.shipments, "gateIn", args, None, apply)

    @precondition(lambda self: any(ship.held for ship in self.ships))
    @rule(data=st.data())
    def clear_a_discrepancy(self, data: st.DataObject) -> None:
        ship = self.ships[data.draw(st.sampled_from([i for i, s in enumerate(self.ships) if s.held]))]
        index = data.draw(st.sampled_from(sorted(ship.discrepancies)))
        officer = "shekou_customs" if ship.origin == SHEKOU else "shunde_customs"
        args = [ship.sid, index, "re-weighed at the CIQ scale: the terminal's weighbridge was off"]

        def apply(timestamp: int) -> None:
            ship.discrepancies.discard(index)

        self.step(officer, self.env.shipments, "clearDiscrepancy", args, None, apply)

    @precondition(lambda self: self.broker_changes < 2)
    @rule(authorised=st.booleans())
    def shipper_sets_its_broker(self, authorised: bool) -> None:
        def apply(timestamp: int) -> None:
            self.broker = authorised
            self.broker_changes += 1

        self.step("shipper", self.env.customs, "setBroker", [self.addr("broker"), authorised], None, apply)

    def may_file(self, actor: str) -> bool:
        return actor == "shipper" or (actor == "broker" and self.broker)

    @invariant()
    def the_chain_is_where_the_model_says(self) -> None:
        assert self.read() == self.modelled()


def parse_port(port: str) -> bytes:
    return port.encode("ascii")


def seal_of(number: bytes) -> bytes:
    """The one seal `container()` declares for a box."""
    return ("SL" + number[4:10].decode()).encode("ascii").ljust(16, b"\0")


def test_random_customs_steps_keep_the_clearance_properties(
    chain, artifacts, customs, shipments, registry, members, admit, domain
):
    # "dual": a customs officer of both ports; "broker": one too, and the shipper's customs broker.
    admit("proposeMember", members.newcomer, "Pearl River Customs Office", "PRCO", Role.CUSTOMS.id, SHEKOU)
    admit("proposeRoleGrant", members.newcomer, Role.CUSTOMS.id, SHUNDE)
    admit("proposeMember", members.newcomer2, "Shunde Customs Brokerage", "SCB", Role.CUSTOMS.id, SHUNDE)
    admit("proposeRoleGrant", members.newcomer2, Role.CUSTOMS.id, SHEKOU)
    customs.setBroker(members.newcomer2, True, sender=members.shipper)
    journey = Journey(shipments, members)
    ships = []
    for n, (name, origin, destination) in enumerate((("A", SHEKOU, SHUNDE), ("B", SHUNDE, SHEKOU))):
        boxes = [container(pool_number(n * BOXES + i), DECLARED_KG) for i in range(BOXES)]
        sid = journey.register(boxes, reference=f"CUSTOMS{name}", origin=origin, destination=destination)
        ships.append(Ship(name, sid, origin, destination))
        assert [bytes(s) for s in boxes[0][2]] == [seal_of(pool_number(n * BOXES))]

    # A client without middleware (ape's asks the node for its chain id before every call).
    w3 = Web3(Web3.HTTPProvider(chain.provider.http_uri))
    w3.middleware_onion.clear()
    assert w3.eth.chain_id == chain.provider.chain_id
    names = ["shekou_customs", "shunde_customs", "shekou_terminal", "shunde_terminal", "shipper", "outsider"]
    people = {name: getattr(members, name) for name in names} | {"dual": members.newcomer, "broker": members.newcomer2}
    env = Env(
        chain=chain,
        web3=w3,
        customs=w3.eth.contract(address=customs.address, abi=artifacts[CUSTOMS].abi),
        shipments=w3.eth.contract(address=shipments.address, abi=artifacts[SHIPMENTS].abi),
        customs_abi=customs,
        domain=domain,
        ships=ships,
        address={name: account.address for name, account in people.items()},
        keys={name: account.private_key for name, account in people.items()},
    )
    machine = type("BoundCustomsMachine", (CustomsMachine,), {"env": env})
    ci = os.environ.get("PORTLINK_HYPOTHESIS_PROFILE") == "ci" or settings.get_current_profile_name() == CI_PROFILE
    run_state_machine_as_test(machine, settings=settings.get_profile(CI_PROFILE if ci else PROFILE))
