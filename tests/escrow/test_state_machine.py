"""A Hypothesis state machine over trade financings of two shipments on the real deployment.

Shipments A and B go from Shekou to Shunde, their declarations filed. Every step is one attempt: request financing
(e-commerce or tax rebate, by the exporter or an outsider), offer terms (two financiers or an outsider, the settlement
token, an allowlisted fee-on-transfer token or an unlisted one, fees up to and past the cap, conditions that fit the
product or not), accept, cancel, expire, fund, release, refund, repay (the consignee, the exporter, the tax authority
or an outsider, part or all), record a paid rebate, mark a default, withdraw, pause or unpause (a port authority or
an outsider); customs approving or rejecting the declarations, clearing them, and the exporter amending a rejected
one; the shipments' monitoring - rules tightened or loosened and the gateway authorised or withdrawn (by the shipper,
customs, either financier or an outsider), the gateway posting its reefer's readings (in range, breaching, or taken
before the device was bound), customs resolving the alerts - and time passing, by an hour up to forty days.

A Python model predicts each attempt (liveness): it must succeed exactly when the model says it may, else revert with
exactly the custom error the model names, arguments included (checked as an eth_call at the timestamp the
transaction is then mined at, then as the mined transaction's status). After every step the financings, each
shipment's active financing, every withdrawable credit, what the escrow owes and its balances, and the pause must
equal the model (effect); an attempt that reverts changes none of them (no side effect). On top of the model, the
issue's invariants read from the chain alone:

* at most one financing per shipment is active (Funded, Released or Defaulted), and it is the one
  `activeFinancingOf` names;
* solvency: the escrow's balance of each token equals `totalOwed`, which equals the funds held for Funded financings
  plus every credit;
* per financing released + refunded <= funded; a release happens at most once (one FinancingReleased per
  financing), and only when the declaration met its condition just before;
* while paused no funding or release succeeds; refunds do;
* no alert is raised by a reading taken outside its device's binding (before `boundAt`, read from the chain);
* no funding once the shipment's monitoring was loosened since the offer (`EscrowMonitoringLoosened`, in the model);
* no release while the monitoring in force when the financing was funded has been loosened since without customs:
  every `MonitoringLoosened` of the shipment while a financing of it is Funded must name customs of the shipment's
  ports or that financing's own financier (whose loosening is its consent), else a later release of it fails the
  test (issue #16, 4).

Transactions go through a plain web3 client of the test node, and the reads after each step in one JSON-RPC batch
(`Reads` of tests/state_machines.py). The everyday profile takes about a minute;
`PORTLINK_HYPOTHESIS_PROFILE=ci` runs the heavier one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
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
from portlink.domain.customs import Decision
from portlink.domain.iot import DeviceKind, Rule, Rules, broken_rule, loosens
from portlink.manifest import CUSTOMS, ESCROW, IOT, SETTLEMENT_TOKEN
from web3 import Web3
from web3.logs import DISCARD

from tests.conftest import NO_PORT, SHEKOU, SHUNDE, error_data
from tests.customs.conftest import CNY, HS_CODES, REASON, VALUE
from tests.customs.conftest import State as Decl
from tests.escrow.conftest import DAY, MINT_REF, PAYMENT_REF, Condition, Product, State, bit, fee, token_key
from tests.iot.conftest import Device
from tests.shipments.conftest import Journey, container, pool_number
from tests.state_machines import Reads, call_then_send_at

PROFILE = "portlink-escrow-state-machine"
CI_PROFILE = f"{PROFILE}-ci"
_COMMON: dict[str, Any] = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    "database": None,
}
settings.register_profile(PROFILE, max_examples=25, stateful_step_count=40, **_COMMON)
settings.register_profile(CI_PROFILE, max_examples=150, stateful_step_count=60, **_COMMON)

GAS = 1_500_000
ZERO_ADDRESS = "0x" + "00" * 20
MAX_FINANCINGS = 10
FOT_BPS = 100
RICH = 10**15
ACTORS = ("shipper", "financier", "financier2", "consignee", "tax", "outsider", "authority")
BENEFICIARIES = ("shipper", "financier", "financier2")
FINANCIERS = ("financier", "financier2")
TOKENS = ("hkd", "fot")
ACTIVE = (State.FUNDED, State.RELEASED, State.DEFAULTED)
BEFORE_FUNDING = bit(State.REQUESTED, State.OFFERED, State.ACCEPTED)
OFFERED = bit(State.OFFERED, State.ACCEPTED)
#: (fundBy, releaseBy, maturity) after the offer, in seconds.
DEADLINES = {"roomy": (3 * DAY, 20 * DAY, 45 * DAY), "tight": (DAY, DAY, 2 * DAY)}
WARPS = [3_600, DAY, 3 * DAY, 12 * DAY, 40 * DAY]
#: A shipment's monitoring, from off to tightest: moving down the list loosens it (`loosens` agrees).
LEVELS = (
    Rules(),
    Rules(enabled=Rule.TEMPERATURE, min_temperature=0, max_temperature=1_000),
    Rules(enabled=Rule.TEMPERATURE, min_temperature=200, max_temperature=800),
    Rules(enabled=Rule.TEMPERATURE | Rule.SEAL, min_temperature=300, max_temperature=700),
)
START_LEVEL = 2
CUSTOMS_OFFICERS = ("shekou_customs", "shunde_customs")
SETTERS = ["shipper"] * 3 + [*CUSTOMS_OFFICERS, "financier", "financier", "financier2", "outsider"]
RESOLUTION = "reefer inspected under customs supervision"


@dataclass
class Ship:
    sid: bytes
    decl: int = Decl.FILED
    origin: Decision = Decision.NONE
    destination: Decision = Decision.NONE
    version: int = 1
    #: The monitoring: rules (an index in LEVELS), whether the gateway is authorised, the open alerts' ids, the
    #: reefer's last accepted sequence number and when it was bound.
    level: int = START_LEVEL
    gateway: bool = True
    alerts: list[int] = field(default_factory=list)
    sequence: int = 0
    bound_at: int = 0
    loosenings: int = 0

    @property
    def export_approved(self) -> bool:
        return self.decl == Decl.CLEARED or (self.decl == Decl.FILED and self.origin == Decision.APPROVE)


@dataclass
class Fin:
    ship: int
    product: Product
    state: State = State.REQUESTED
    condition: Condition = Condition.NONE
    fee_bps: int = 0
    fund_by: int = 0
    release_by: int = 0
    maturity: int = 0
    financier: str | None = None
    token: str | None = None
    amount: int = 0
    funded: int = 0
    released: int = 0
    refunded: int = 0
    repaid: int = 0
    due: int = 0
    loosenings_at_offer: int = 0


@dataclass
class Env:
    chain: Any
    web3: Any
    escrow: Any  # web3 contract
    customs: Any  # web3 contract
    tokens: dict[str, Any]  # name -> web3 contract (hkd, fot, unlisted)
    escrow_abi: Any  # ape contract: its ABI gives the expected revert data
    customs_abi: Any  # ape contract
    iot: Any  # web3 contract
    iot_abi: Any  # ape contract
    ships: list[bytes]
    devices: list[Device]  # each ship's reefer, bound to its container
    bound_at: list[int]
    address: dict[str, str]
    reads: Reads | None = None


@dataclass(frozen=True)
class World:
    financings: tuple
    active: tuple
    credits: tuple
    owed: tuple
    balances: tuple
    paused: bool
    declarations: tuple
    monitoring: tuple


class EscrowMachine(RuleBasedStateMachine):
    env: Env

    def __init__(self) -> None:
        super().__init__()
        self.snapshot = self.env.chain.snapshot()
        self.ships = [Ship(sid, bound_at=at) for sid, at in zip(self.env.ships, self.env.bound_at, strict=True)]
        #: Funded financings whose shipment's monitoring was loosened since by someone without the right to.
        self.loosened_without_consent: set[int] = set()
        self.fins: list[Fin] = []
        self.credits = {(token, who): 0 for token in TOKENS for who in BENEFICIARIES}
        self.paused = False
        self.releases: dict[int, int] = {}
        w3 = self.env.web3
        self.now = w3.eth.get_block("latest")["timestamp"]
        self.alert_count = self.env.iot.functions.alertCount().call()
        for device in self.env.devices:
            device.sequence = 0
        if self.env.reads is None:
            self.env.reads = Reads(w3, self.queries())

    def teardown(self) -> None:
        self.env.chain.restore(self.snapshot)

    # ------------------------------------------------------------------------------------------------ plumbing

    def addr(self, actor: str | None) -> str:
        return ZERO_ADDRESS if actor is None else self.env.address[actor]

    def error(self, name: str, *args) -> HexBytes:
        return HexBytes(error_data(self.env.escrow_abi, name, *args))

    def queries(self) -> list[tuple[Any, str, list]]:
        escrow, tokens = self.env.escrow, self.env.tokens
        return [
            *((escrow, "getFinancing", [i]) for i in range(1, MAX_FINANCINGS + 1)),
            *((escrow, "activeFinancingOf", [ship.sid]) for ship in self.ships),
            *((escrow, "withdrawable", [tokens[t].address, self.addr(who)]) for t in TOKENS for who in BENEFICIARIES),
            *((escrow, "totalOwed", [tokens[t].address]) for t in TOKENS),
            *((tokens[t], "balanceOf", [escrow.address]) for t in TOKENS),
            (escrow, "paused", []),
            *((self.env.customs, "getDeclaration", [ship.sid]) for ship in self.ships),
            *((self.env.iot, "getRules", [ship.sid]) for ship in self.ships),
            *((self.env.iot, "isAuthorisedGateway", [ship.sid, self.addr("gateway")]) for ship in self.ships),
            *((self.env.iot, "openAlerts", [ship.sid]) for ship in self.ships),
            *((self.env.iot, "getDevice", [device.id]) for device in self.env.devices),
            *((self.env.iot, "looseningCount", [ship.sid]) for ship in self.ships),
        ]

    def read(self) -> World:
        a = self.env.reads.answers()
        n, s, c, t = MAX_FINANCINGS, len(self.ships), len(self.credits), len(TOKENS)
        cuts = [0, n, n + s, n + s + c, n + s + c + t, n + s + c + 2 * t, n + s + c + 2 * t + 1]
        decls = tuple((d[0], d[1], d[2], d[3]) for d in a[cuts[6] : cuts[6] + s])
        rules, gateways, alerts, devices, loosenings = (a[cuts[6] + s * k : cuts[6] + s * (k + 1)] for k in range(1, 6))
        monitoring = tuple(
            (r[0], r[1], r[2], g, n_open, d[3], d[8], n_loosened)
            for r, g, n_open, d, n_loosened in zip(rules, gateways, alerts, devices, loosenings, strict=True)
        )
        return World(*(a[cuts[i] : cuts[i + 1]] for i in range(5)), a[cuts[5]], decls, monitoring)

    def modelled(self) -> World:
        financings = []
        for i in range(MAX_FINANCINGS):
            if i >= len(self.fins):
                financings.append((0,) * 7 + (bytes(32), ZERO_ADDRESS, ZERO_ADDRESS, ZERO_ADDRESS) + (0,) * 6)
                continue
            f = self.fins[i]
            financings.append(
                (
                    f.state,
                    f.product,
                    f.condition,
                    f.fee_bps,
                    f.fund_by,
                    f.release_by,
                    f.maturity,
                    self.ships[f.ship].sid,
                    self.addr("shipper"),
                    self.addr(f.financier),
                    self.env.tokens[f.token].address if f.token else ZERO_ADDRESS,
                    f.amount,
                    f.funded,
                    f.released,
                    f.refunded,
                    f.repaid,
                    f.due,
                )
            )
        owed = []
        for t in TOKENS:
            held = sum(f.funded for f in self.fins if f.token == t and f.state == State.FUNDED)
            owed.append(held + sum(v for (token, _), v in self.credits.items() if token == t))
        return World(
            tuple(financings),
            tuple(self.active_of(i) for i in range(len(self.ships))),
            tuple(self.credits[(t, who)] for t in TOKENS for who in BENEFICIARIES),
            tuple(owed),
            tuple(owed),
            self.paused,
            tuple((s.decl, s.version, s.origin, s.destination) for s in self.ships),
            tuple(
                (
                    int(LEVELS[s.level].enabled),
                    LEVELS[s.level].min_temperature,
                    LEVELS[s.level].max_temperature,
                    s.gateway,
                    len(s.alerts),
                    s.sequence,
                    s.bound_at,
                    s.loosenings,
                )
                for s in self.ships
            ),
        )

    def active_of(self, ship: int) -> int:
        ids = [i + 1 for i, f in enumerate(self.fins) if f.ship == ship and f.state in ACTIVE]
        assert len(ids) <= 1, "the model has two active financings of one shipment"
        return ids[0] if ids else 0

    def attempt(self, actor: str, contract: Any, function: str, args: list, expected: HexBytes | None) -> dict:
        """Call at the next block's timestamp, then send, `function(*args)`: success iff `expected` is None."""
        self.now += 1
        return call_then_send_at(self.env.web3, self.addr(actor), contract, function, args, expected, GAS, self.now)

    def step(self, actor: str, contract: Any, function: str, args: list, expected: HexBytes | None, apply) -> None:
        before = self.read()
        bound_at = {device.id: before.monitoring[i][6] for i, device in enumerate(self.env.devices)}
        receipt = self.attempt(actor, contract, function, args, expected)
        monitor = self.env.iot.events
        for e in monitor.ReadingReported().process_receipt(receipt, errors=DISCARD):
            when, device = e["args"]["timestamp"], bytes(e["args"]["deviceId"])
            assert when >= bound_at[device], f"an alert from a reading taken at {when}, before its binding"
        for e in monitor.MonitoringLoosened().process_receipt(receipt, errors=DISCARD):
            by = e["args"]["loosenedBy"]
            ship = next(i for i, s in enumerate(self.ships) if s.sid == bytes(e["args"]["shipmentId"]))
            for fid, f in enumerate(before.financings, start=1):
                funded, of_ship, financier = f[0] == State.FUNDED, bytes(f[7]) == self.ships[ship].sid, f[9]
                if funded and of_ship and by not in (self.addr(c) for c in CUSTOMS_OFFICERS) and by != financier:
                    self.loosened_without_consent.add(fid)
        if expected is None:
            apply()
        after = self.read()
        if expected is not None:
            assert after == before, f"a refused {function} changes nothing"
        if function in ("fund", "release") and before.paused:
            assert receipt["status"] == 0, f"{function} succeeded while paused"
        for e in self.env.escrow.events.FinancingReleased().process_receipt(receipt, errors=DISCARD):
            fid = e["args"]["financingId"]
            self.releases[fid] = self.releases.get(fid, 0) + 1
            f = self.fins[fid - 1]
            ship = self.ships[f.ship]
            decl, _, origin, _ = before.declarations[f.ship]
            met = decl == Decl.CLEARED or (
                f.condition == Condition.EXPORT_APPROVED and decl == Decl.FILED and origin == Decision.APPROVE
            )
            assert met, f"financing {fid} released before its condition was met ({ship})"
            assert fid not in self.loosened_without_consent, f"financing {fid} released after a loosening"
        assert after == self.modelled()

    # ------------------------------------------------------------------------------------------------ picks

    def pick(self, data: st.DataObject, *wanted: State) -> int:
        """A financing id: mostly one in a `wanted` state if there is one, else any, sometimes one past the last."""
        n = len(self.fins)
        if not n or not data.draw(st.integers(0, 9)):
            return n + 1
        fitting = [i + 1 for i, f in enumerate(self.fins) if f.state in wanted]
        if fitting and data.draw(st.integers(0, 4)):
            return data.draw(st.sampled_from(fitting))
        return data.draw(st.integers(1, n))

    def fin(self, fid: int) -> Fin | None:
        return self.fins[fid - 1] if 0 < fid <= len(self.fins) else None

    def expect_state(self, fid: int, expected: int) -> HexBytes | None:
        f = self.fin(fid)
        if f is None:
            return self.error("EscrowUnknownFinancing", fid)
        if not bit(f.state) & expected:
            return self.error("EscrowUnexpectedState", fid, f.state, expected)
        return None

    def received(self, token: str, amount: int) -> int:
        return amount - amount * FOT_BPS // 10_000 if token == "fot" else amount

    # ------------------------------------------------------------------------------------------------ rules

    @initialize(
        product=st.sampled_from([Product.ECOMMERCE, Product.TAX_REBATE]),
        stage=st.sampled_from(
            [State.NONE, State.REQUESTED, State.OFFERED, State.ACCEPTED] + [State.FUNDED] * 2 + [State.RELEASED] * 3
        ),
        token=st.sampled_from(["hkd", "hkd", "fot"]),
        deadlines=st.sampled_from(sorted(DEADLINES)),
    )
    def a_financing_of_a_taken_somewhere_on_its_way(self, product, stage, token, deadlines) -> None:
        # A's financing taken (checked step by step) to a random point, so that what ends a financing (release,
        # repayment, refund, default) gets as many steps as what starts one.
        if stage == State.NONE:
            return
        ship = self.ships[0]
        rebate = product == Product.TAX_REBATE
        if rebate:
            self.origin_approves(ship)
            self.destination_decides(ship, approve=True)
        self.request(0, product, "shipper")
        condition = Condition.CLEARED if rebate else Condition.EXPORT_APPROVED
        for at, action in (
            (State.OFFERED, lambda: self.do_offer(1, "financier", token, 250_000_00, 150, condition, deadlines)),
            (State.ACCEPTED, lambda: self.do_accept(1, "shipper")),
            (State.FUNDED, lambda: self.do_fund(1, "financier")),
        ):
            if stage >= at:
                action()
        if stage >= State.RELEASED:
            if not rebate:
                self.origin_approves(ship)
            self.do_release(1)

    @precondition(lambda self: len(self.fins) < MAX_FINANCINGS)
    @rule(
        ship=st.integers(0, 1),
        product=st.sampled_from([Product.ECOMMERCE] * 3 + [Product.TAX_REBATE] * 2 + [Product.NONE]),
        actor=st.sampled_from(["shipper"] * 5 + ["consignee"]),
    )
    def request(self, ship: int, product: Product, actor: str) -> None:
        s = self.ships[ship]
        expected = None
        if product == Product.NONE:
            expected = self.error("EscrowInvalidProduct")
        elif actor != "shipper":
            expected = self.error("EscrowNotExporter", 0, self.addr(actor))
        elif self.active_of(ship):
            expected = self.error("EscrowShipmentAlreadyFinanced", s.sid, self.active_of(ship))

        def apply() -> None:
            self.fins.append(Fin(ship, product))

        self.step(actor, self.env.escrow, "request", [s.sid, int(product)], expected, apply)

    @rule(
        data=st.data(),
        actor=st.sampled_from(["financier"] * 3 + ["financier2"] * 2 + ["outsider"]),
        token=st.sampled_from(["hkd"] * 3 + ["fot"] * 2 + ["unlisted"]),
        amount=st.sampled_from([1_000_00, 250_000_00]),
        fee_bps=st.sampled_from([0, 150, 150, 150, 2_000, 2_001]),
        condition=st.sampled_from(["fit"] * 5 + [Condition.EXPORT_APPROVED, Condition.CLEARED, Condition.NONE]),
        deadlines=st.sampled_from(sorted(DEADLINES)),
    )
    def offer(self, data, actor, token, amount, fee_bps, condition, deadlines) -> None:
        fid = self.pick(data, State.REQUESTED)
        f = self.fin(fid)
        if condition == "fit":
            rebate = f is not None and f.product == Product.TAX_REBATE
            choices = [Condition.CLEARED] if rebate else [Condition.EXPORT_APPROVED] * 2 + [Condition.CLEARED]
            condition = data.draw(st.sampled_from(choices))
        self.do_offer(fid, actor, token, amount, fee_bps, condition, deadlines)

    def do_offer(self, fid, actor, token, amount, fee_bps, condition, deadlines) -> None:
        f = self.fin(fid)
        offset = DEADLINES[deadlines]
        at = self.now + 1
        fund_by, release_by, maturity = (at + o for o in offset)
        expected = self.expect_state(fid, bit(State.REQUESTED))
        if expected is None:
            assert f is not None
            fits = condition == Condition.CLEARED if f.product == Product.TAX_REBATE else condition != Condition.NONE
            if actor not in FINANCIERS:
                expected = self.error("EscrowUnauthorized", self.addr(actor), Role.FINANCIER.id)
            elif token == "unlisted":
                expected = self.error("EscrowTokenNotAllowed", self.env.tokens[token].address)
            elif fee_bps > 2_000:
                expected = self.error("EscrowFeeTooHigh", fee_bps, 2_000)
            elif not fits:
                expected = self.error("EscrowInvalidCondition", f.product, condition)

        def apply() -> None:
            assert f is not None
            f.state, f.financier, f.token, f.amount, f.fee_bps, f.condition = (
                State.OFFERED,
                actor,
                token,
                amount,
                fee_bps,
                condition,
            )
            f.fund_by, f.release_by, f.maturity = fund_by, release_by, maturity
            f.loosenings_at_offer = self.ships[f.ship].loosenings

        terms = (self.env.tokens[token].address, amount, fee_bps, int(condition), fund_by, release_by, maturity)
        self.step(actor, self.env.escrow, "offer", [fid, terms], expected, apply)

    @rule(data=st.data(), actor=st.sampled_from(["shipper"] * 4 + ["financier"]))
    def accept(self, data, actor) -> None:
        self.do_accept(self.pick(data, State.OFFERED), actor)

    def do_accept(self, fid: int, actor: str) -> None:
        f = self.fin(fid)
        expected = self.expect_state(fid, bit(State.OFFERED))
        if expected is None:
            assert f is not None
            if actor != "shipper":
                expected = self.error("EscrowNotExporter", fid, self.addr(actor))
            elif self.now + 1 > f.fund_by:
                expected = self.error("EscrowOfferExpired", fid, f.fund_by)

        def apply() -> None:
            assert f is not None
            f.state = State.ACCEPTED

        self.step(actor, self.env.escrow, "accept", [fid], expected, apply)

    @rule(data=st.data(), actor=st.sampled_from(["shipper", "shipper", "financier", "financier2", "outsider"]))
    def cancel(self, data, actor) -> None:
        fid = self.pick(data, State.REQUESTED, State.OFFERED, State.ACCEPTED)
        f = self.fin(fid)
        expected = self.expect_state(fid, BEFORE_FUNDING)
        if expected is None and f is not None and actor != "shipper" and (actor != f.financier):
            expected = self.error("EscrowNotExporter", fid, self.addr(actor))

        def apply() -> None:
            assert f is not None
            f.state = State.CANCELLED

        self.step(actor, self.env.escrow, "cancel", [fid], expected, apply)

    @rule(data=st.data())
    def expire(self, data) -> None:
        fid = self.pick(data, State.OFFERED, State.ACCEPTED)
        f = self.fin(fid)
        expected = self.expect_state(fid, OFFERED)
        if expected is None and f is not None and self.now + 1 <= f.fund_by:
            expected = self.error("EscrowOfferNotExpired", fid, f.fund_by)

        def apply() -> None:
            assert f is not None
            f.state = State.EXPIRED

        self.step("outsider", self.env.escrow, "expire", [fid], expected, apply)

    @rule(data=st.data(), actor=st.sampled_from(["rightful"] * 5 + ["financier", "financier2", "outsider"]))
    def fund(self, data, actor) -> None:
        fid = self.pick(data, State.ACCEPTED)
        f = self.fin(fid)
        if actor == "rightful":
            actor = f.financier if f is not None and f.financier else "financier"
        self.do_fund(fid, actor)

    def do_fund(self, fid: int, actor: str) -> None:
        f = self.fin(fid)
        expected = self.error("EnforcedPause") if self.paused else self.expect_state(fid, bit(State.ACCEPTED))
        if expected is None:
            assert f is not None
            ship = self.ships[f.ship]
            if actor != f.financier:
                expected = self.error("EscrowNotFinancier", fid, self.addr(actor))
            elif self.now + 1 > f.fund_by:
                expected = self.error("EscrowOfferExpired", fid, f.fund_by)
            elif self.active_of(f.ship):
                expected = self.error("EscrowShipmentAlreadyFinanced", ship.sid, self.active_of(f.ship))
            elif f.product == Product.TAX_REBATE and ship.decl != Decl.CLEARED:
                expected = self.error("EscrowNotCleared", ship.sid)
            elif ship.loosenings != f.loosenings_at_offer:
                args = (fid, ship.sid, f.loosenings_at_offer, ship.loosenings)
                expected = self.error("EscrowMonitoringLoosened", *args)

        def apply() -> None:
            assert f is not None
            assert f.token is not None
            f.state = State.FUNDED
            f.funded = self.received(f.token, f.amount)
            f.due = f.funded + fee(f.funded, f.fee_bps)

        self.step(actor, self.env.escrow, "fund", [fid], expected, apply)

    @rule(data=st.data())
    def release(self, data) -> None:
        self.do_release(self.pick(data, State.FUNDED))

    def do_release(self, fid: int) -> None:
        f = self.fin(fid)
        expected = self.error("EnforcedPause") if self.paused else self.expect_state(fid, bit(State.FUNDED))
        if expected is None:
            assert f is not None
            ship = self.ships[f.ship]
            met = ship.decl == Decl.CLEARED or (f.condition == Condition.EXPORT_APPROVED and ship.export_approved)
            if self.now + 1 > f.release_by:
                expected = self.error("EscrowReleaseDeadlinePassed", fid, f.release_by)
            elif not met:
                expected = self.error("EscrowConditionNotMet", fid, f.condition)
            elif ship.alerts:
                expected = self.error("EscrowAlertsOpen", fid, len(ship.alerts))

        def apply() -> None:
            assert f is not None
            assert f.token is not None
            f.state, f.released = State.RELEASED, f.funded
            self.credits[(f.token, "shipper")] += f.funded

        self.step("outsider", self.env.escrow, "release", [fid], expected, apply)

    @rule(data=st.data(), actor=st.sampled_from(["rightful"] * 3 + ["financier", "financier2", "outsider"]))
    def refund(self, data, actor) -> None:
        fid = self.pick(data, State.FUNDED)
        f = self.fin(fid)
        if actor == "rightful":
            actor = f.financier if f is not None and f.financier else "financier"
        expected = self.expect_state(fid, bit(State.FUNDED))
        if expected is None:
            assert f is not None
            rejected = self.ships[f.ship].decl == Decl.REJECTED
            if self.now + 1 <= f.release_by and (actor != f.financier or not rejected):
                expected = self.error("EscrowRefundNotDue", fid, f.release_by)

        def apply() -> None:
            assert f is not None
            assert f.token is not None
            assert f.financier is not None
            f.state, f.refunded = State.REFUNDED, f.funded
            self.credits[(f.token, f.financier)] += f.funded

        self.step(actor, self.env.escrow, "refund", [fid], expected, apply)

    @rule(
        data=st.data(),
        actor=st.sampled_from(["consignee", "consignee", "shipper", "tax", "tax", "outsider"]),
        amount=st.sampled_from(["all", "all", "half", "one", "zero"]),
    )
    def repay(self, data, actor, amount) -> None:
        fid = self.pick(data, State.RELEASED)
        f = self.fin(fid)
        expected = self.expect_state(fid, bit(State.RELEASED))
        value = 0
        if expected is None:
            assert f is not None
            assert f.token is not None
            outstanding = f.due - f.repaid
            value = {"all": outstanding, "half": outstanding // 2, "one": 1, "zero": 0}[amount]
            allowed = actor == "shipper" or actor == ("consignee" if f.product == Product.ECOMMERCE else "tax")
            if not allowed:
                expected = self.error("EscrowNotRepayer", fid, self.addr(actor))
            elif value == 0:
                expected = self.error("EscrowInvalidAmount")
            elif self.received(f.token, min(value, outstanding)) == 0:
                expected = self.error("EscrowNothingReceived", self.env.tokens[f.token].address)

        def apply() -> None:
            assert f is not None
            assert f.token is not None
            assert f.financier is not None
            got = self.received(f.token, min(value, f.due - f.repaid))
            f.repaid += got
            self.credits[(f.token, f.financier)] += got
            if f.repaid >= f.due:
                f.state = State.REPAID

        self.step(actor, self.env.escrow, "repay", [fid, value], expected, apply)

    @rule(data=st.data(), actor=st.sampled_from(["tax", "tax", "tax", "consignee"]))
    def record_rebate(self, data, actor) -> None:
        fid = self.pick(data, State.RELEASED)
        f = self.fin(fid)
        expected = self.expect_state(fid, bit(State.RELEASED))
        if expected is None:
            assert f is not None
            if actor != "tax":
                expected = self.error("EscrowUnauthorized", self.addr(actor), Role.TAX_AUTHORITY.id)
            elif f.product != Product.TAX_REBATE:
                expected = self.error("EscrowWrongProduct", fid, f.product)

        def apply() -> None:
            assert f is not None
            f.state = State.REPAID

        self.step(actor, self.env.escrow, "recordRebatePaid", [fid, PAYMENT_REF], expected, apply)

    @rule(data=st.data())
    def mark_defaulted(self, data) -> None:
        fid = self.pick(data, State.RELEASED)
        f = self.fin(fid)
        expected = self.expect_state(fid, bit(State.RELEASED))
        if expected is None and f is not None and self.now + 1 <= f.maturity:
            expected = self.error("EscrowNotMatured", fid, f.maturity)

        def apply() -> None:
            assert f is not None
            f.state = State.DEFAULTED

        self.step("outsider", self.env.escrow, "markDefaulted", [fid], expected, apply)

    @rule(actor=st.sampled_from([*BENEFICIARIES, "outsider"]), token=st.sampled_from(TOKENS))
    def withdraw(self, actor, token) -> None:
        credit = self.credits.get((token, actor), 0)
        address = self.env.tokens[token].address
        expected = None if credit else self.error("EscrowNothingToWithdraw", address, self.addr(actor))

        def apply() -> None:
            self.credits[(token, actor)] = 0

        self.step(actor, self.env.escrow, "withdraw", [address, self.addr(actor)], expected, apply)

    @rule(pause=st.booleans(), actor=st.sampled_from(["authority", "authority", "outsider"]))
    def pause_or_unpause(self, pause, actor) -> None:
        expected = None
        if actor != "authority":
            expected = self.error("EscrowNotPauser", self.addr(actor))
        elif pause and self.paused:
            expected = self.error("EnforcedPause")
        elif not pause and not self.paused:
            expected = self.error("ExpectedPause")

        def apply() -> None:
            self.paused = pause

        self.step(actor, self.env.escrow, "pause" if pause else "unpause", [], expected, apply)

    @rule(seconds=st.sampled_from(WARPS))
    def time_passes(self, seconds) -> None:
        self.now += seconds
        self.env.web3.provider.make_request("evm_mine", [self.now])

    # -- customs, as the escrow's conditions depend on it (CustomsClearance has its own machine)

    @precondition(lambda self: any(s.decl == Decl.FILED and s.origin == Decision.NONE for s in self.ships))
    @rule(data=st.data())
    def origin_customs_approves(self, data) -> None:
        self.origin_approves(self.customs_pick(data, lambda s: s.decl == Decl.FILED and s.origin == Decision.NONE))

    def origin_approves(self, ship: Ship) -> None:

        def apply() -> None:
            ship.origin = Decision.APPROVE
            if ship.destination == Decision.APPROVE and not ship.alerts:
                ship.decl = Decl.CLEARED

        args = [ship.sid, ship.version, SHEKOU, int(Decision.APPROVE), bytes(32)]
        self.step("shekou_customs", self.env.customs, "decide", args, None, apply)

    @precondition(lambda self: any(s.decl == Decl.FILED and s.destination == Decision.NONE for s in self.ships))
    @rule(data=st.data(), approve=st.sampled_from([True, True, False]))
    def destination_customs_decides(self, data, approve) -> None:
        ship = self.customs_pick(data, lambda s: s.decl == Decl.FILED and s.destination == Decision.NONE)
        self.destination_decides(ship, approve)

    def destination_decides(self, ship: Ship, approve: bool) -> None:

        def apply() -> None:
            ship.destination = Decision.APPROVE if approve else Decision.REJECT
            if not approve:
                ship.decl = Decl.REJECTED
            elif ship.origin == Decision.APPROVE and not ship.alerts:
                ship.decl = Decl.CLEARED

        decision, reason = (Decision.APPROVE, bytes(32)) if approve else (Decision.REJECT, REASON)
        args = [ship.sid, ship.version, SHUNDE, int(decision), reason]
        self.step("shunde_customs", self.env.customs, "decide", args, None, apply)

    @precondition(lambda self: any(s.decl == Decl.REJECTED for s in self.ships))
    @rule(data=st.data())
    def exporter_amends_a_rejected_declaration(self, data) -> None:
        ship = self.customs_pick(data, lambda s: s.decl == Decl.REJECTED)

        def apply() -> None:
            ship.decl, ship.version = Decl.FILED, ship.version + 1
            ship.origin = ship.destination = Decision.NONE

        digest = bytes([ship.version + 1]) * 32
        args = [ship.sid, digest, HS_CODES, VALUE, CNY]
        self.step("shipper", self.env.customs, "amend", args, None, apply)

    @precondition(
        lambda self: any(s.decl == Decl.FILED and s.origin == s.destination == Decision.APPROVE for s in self.ships)
    )
    @rule(data=st.data())
    def anyone_clears_an_approved_declaration(self, data) -> None:
        ship = self.customs_pick(data, lambda s: s.decl == Decl.FILED and s.origin == s.destination == Decision.APPROVE)
        expected = None
        if ship.alerts:
            expected = HexBytes(
                error_data(self.env.customs_abi, "ClearanceOnHold", ship.sid, False, False, False, True)
            )

        def apply() -> None:
            ship.decl = Decl.CLEARED

        self.step("outsider", self.env.customs, "clear", [ship.sid], expected, apply)

    def customs_pick(self, data, which) -> Ship:
        return data.draw(st.sampled_from([s for s in self.ships if which(s)]))

    # -- the shipments' monitoring (IoTMonitor has tests of its own; here it meets the financings)

    def iot_error(self, name: str, *args) -> HexBytes:
        return HexBytes(error_data(self.env.iot_abi, name, *args))

    def monitoring_refusal(self, i: int, actor: str, loosening: bool) -> HexBytes | None:
        """Why `actor` may not change ship `i`'s monitoring (None if it may): not a setter, or a loosening under a
        lock by someone other than customs (or the active financing's financier with no declaration open)."""
        ship = self.ships[i]
        active = self.active_of(i)
        financier = self.fins[active - 1].financier if active else None
        if actor not in ("shipper", *CUSTOMS_OFFICERS) and actor != financier:
            return self.iot_error("IoTNotRuleSetter", ship.sid, self.addr(actor))
        if not loosening or actor in CUSTOMS_OFFICERS:
            return None
        declaration_open = ship.decl in (Decl.FILED, Decl.REJECTED)
        allowed = not declaration_open and (actor == financier if active else actor == "shipper")
        if allowed:
            return None
        return self.iot_error("IoTMonitoringLocked", ship.sid, self.addr(actor), declaration_open, active)

    @rule(ship=st.integers(0, 1), actor=st.sampled_from(SETTERS), level=st.integers(0, len(LEVELS) - 1))
    def change_the_rules(self, ship: int, actor: str, level: int) -> None:
        s = self.ships[ship]
        loosening = loosens(LEVELS[s.level], LEVELS[level])
        assert loosening == (level < s.level), "the levels run from loose to tight"
        expected = self.monitoring_refusal(ship, actor, loosening)

        def apply() -> None:
            s.level = level
            s.loosenings += loosening

        self.step(actor, self.env.iot, "setRules", [s.sid, LEVELS[level].to_chain()], expected, apply)

    @rule(ship=st.integers(0, 1), actor=st.sampled_from(SETTERS), authorise=st.sampled_from([False, False, True]))
    def authorise_or_withdraw_the_gateway(self, ship: int, actor: str, authorise: bool) -> None:
        s = self.ships[ship]
        loosening = not authorise and s.gateway
        expected = self.monitoring_refusal(ship, actor, loosening)

        def apply() -> None:
            s.gateway = authorise
            s.loosenings += loosening

        args = [s.sid, self.addr("gateway"), authorise]
        self.step(actor, self.env.iot, "authoriseGateway", args, expected, apply)

    @rule(
        ship=st.integers(0, 1),
        taken=st.sampled_from(["now"] * 4 + ["a second before its binding", "a day before its binding"]),
        value=st.sampled_from([1_500, 1_500, -500, 500]),
    )
    def the_gateway_posts_a_reading(self, ship: int, taken: str, value: int) -> None:
        s = self.ships[ship]
        device = self.env.devices[ship]
        at = {"now": self.now + 1, "a second before its binding": s.bound_at - 1}.get(taken, s.bound_at - DAY)
        reading = device.reading(value, sequence=s.sequence + 1, timestamp=at)
        expected = None
        if not s.gateway:
            expected = self.iot_error("IoTGatewayNotAuthorised", s.sid, self.addr("gateway"))
        elif at < s.bound_at:
            expected = self.iot_error("IoTReadingOutsideBinding", device.id, at, s.bound_at)
        elif not broken_rule(LEVELS[s.level], DeviceKind.TEMPERATURE, value):
            expected = self.iot_error("IoTNoBreach", device.id, reading.sequence)

        def apply() -> None:
            self.alert_count += 1
            s.alerts.append(self.alert_count)
            s.sequence = reading.sequence

        args = [reading.to_chain(), device.sign(reading)]
        self.step("gateway", self.env.iot, "reportBreach", args, expected, apply)

    @precondition(lambda self: any(s.alerts for s in self.ships))
    @rule(data=st.data(), actor=st.sampled_from([*CUSTOMS_OFFICERS, "outsider"]))
    def customs_resolve_an_alert(self, data, actor: str) -> None:
        ship = data.draw(st.sampled_from([s for s in self.ships if s.alerts]))
        alert = data.draw(st.sampled_from(ship.alerts))
        expected = None
        if actor not in CUSTOMS_OFFICERS:
            expected = self.iot_error("IoTNotShipmentCustoms", ship.sid, self.addr(actor))

        def apply() -> None:
            ship.alerts.remove(alert)

        self.step(actor, self.env.iot, "resolveAlert", [alert, RESOLUTION], expected, apply)

    # ------------------------------------------------------------------------------------------------ invariants

    @invariant()
    def the_must_hold_properties_hold_on_chain(self) -> None:
        world = self.read()
        for i, ship in enumerate(self.ships):
            active = [n + 1 for n, f in enumerate(world.financings) if f[0] in ACTIVE and bytes(f[7]) == ship.sid]
            assert len(active) <= 1, f"two active financings of one shipment: {active}"
            assert world.active[i] == (active[0] if active else 0)
        for t in range(len(TOKENS)):
            assert world.balances[t] == world.owed[t], "the escrow's balance is not what it owes"
        held = [0] * len(TOKENS)
        for f in world.financings:
            funded, released, refunded = f[12], f[13], f[14]
            assert released + refunded <= funded, "more paid out than funded"
            if f[0] == State.FUNDED:
                held[[self.env.tokens[t].address for t in TOKENS].index(f[10])] += funded
        per_token = len(BENEFICIARIES)
        for t in range(len(TOKENS)):
            credits = sum(world.credits[t * per_token : (t + 1) * per_token])
            assert world.owed[t] == held[t] + credits, "what the escrow owes is not held funds plus credits"
        assert all(n <= 1 for n in self.releases.values()), "a financing was released twice"


def test_random_financing_steps_keep_the_escrow_invariants(
    chain, project, artifacts, escrow, hkd, customs, shipments, iot, iot_domain, members, admit
):
    admit("proposeMember", members.newcomer, "Second Trade Bank", "BANK2", Role.FINANCIER.id, NO_PORT)
    fot = project.FeeOnTransferTokenMock.deploy(FOT_BPS, sender=members.outsider)
    unlisted = project.ERC20Mock.deploy("Unlisted", "UNL", sender=members.outsider)
    admit("proposeParameter", token_key(fot), 1)
    journey = Journey(shipments, members)
    ships, devices, bound_at = [], [], []
    for n in range(2):
        box = pool_number(600 + n)
        sid = journey.register([container(box)], reference=f"ESCROWSM{n}")
        # Watched before the declaration locks the monitoring: the shipper sets the rules and asks for the gateway.
        iot.setRules(sid, LEVELS[START_LEVEL].to_chain(), sender=members.shipper)
        iot.authoriseGateway(sid, members.iot_gateway, True, sender=members.shipper)
        reefer = Device(f"escrow machine reefer {n}", DeviceKind.TEMPERATURE, iot_domain)
        reefer.container = box.decode()
        iot.registerDevice(reefer.id, reefer.address, int(DeviceKind.TEMPERATURE), sender=members.iot_gateway)
        iot.bindDevice(reefer.id, sid, 0, sender=members.iot_gateway)
        customs.file(sid, bytes([1]) * 32, HS_CODES, VALUE, CNY, sender=members.shipper)
        ships.append(sid)
        devices.append(reefer)
        bound_at.append(iot.getDevice(reefer.id).boundAt)
    payers = {
        "shipper": members.shipper,
        "financier": members.financier,
        "financier2": members.newcomer,
        "consignee": members.consignee,
        "tax": members.tax_authority,
    }
    for account in payers.values():
        hkd.mint(account, RICH, MINT_REF, sender=members.issuer)
        fot.mint(account, RICH, sender=account)
        hkd.approve(escrow, 2**256 - 1, sender=account)
        fot.approve(escrow, 2**256 - 1, sender=account)

    w3 = Web3(Web3.HTTPProvider(chain.provider.http_uri))
    w3.middleware_onion.clear()
    people = {
        **payers,
        "outsider": members.outsider,
        "authority": members.shekou_authority,
        "shekou_customs": members.shekou_customs,
        "shunde_customs": members.shunde_customs,
        "gateway": members.iot_gateway,
    }
    token_abi = artifacts[SETTLEMENT_TOKEN].abi
    env = Env(
        chain=chain,
        web3=w3,
        escrow=w3.eth.contract(address=escrow.address, abi=artifacts[ESCROW].abi),
        customs=w3.eth.contract(address=customs.address, abi=artifacts[CUSTOMS].abi),
        tokens={
            name: w3.eth.contract(address=token.address, abi=token_abi)
            for name, token in (("hkd", hkd), ("fot", fot), ("unlisted", unlisted))
        },
        escrow_abi=escrow,
        customs_abi=customs,
        iot=w3.eth.contract(address=iot.address, abi=artifacts[IOT].abi),
        iot_abi=iot,
        ships=ships,
        devices=devices,
        bound_at=bound_at,
        address={name: account.address for name, account in people.items()},
    )
    machine = type("BoundEscrowMachine", (EscrowMachine,), {"env": env})
    ci = os.environ.get("PORTLINK_HYPOTHESIS_PROFILE") == "ci" or settings.get_current_profile_name() == CI_PROFILE
    run_state_machine_as_test(machine, settings=settings.get_profile(CI_PROFILE if ci else PROFILE))
