"""ShipmentRegistry milestones: the DCSA event chain, who may record what where, order, and the gate-in cross-check."""

from __future__ import annotations

import pytest
from portlink.domain.consortium import Role

from tests.conftest import NO_PORT, SHEKOU, SHUNDE, reverts
from tests.shipments.conftest import (
    CSQU,
    DEFAULT_CONTAINERS,
    DEFAULT_TOLERANCE_BPS,
    EQUIPMENT,
    FUNCTION,
    MSCU,
    REQUIRED_STATE,
    TRANSPORT,
    ZERO32,
    Discrepancy,
    Milestone,
    State,
    container,
    ev,
    kg,
    logs,
    seal,
    seals,
    seals_digest,
    shipment_id_of,
)

# ---------------------------------------------------------------------------------------------------- helpers

SUSPENSION_REASON = b"\x02" * 32
REASON = "re-weighed at the CIQ scale: 24,150 kg, seal SL100001 intact; released"
DECLARED_0, SEALS_0 = DEFAULT_CONTAINERS[0][1], DEFAULT_CONTAINERS[0][2]  # CSQU3054383: 24,000 kg, one seal
DECLARED_1, SEALS_1 = DEFAULT_CONTAINERS[1][1], DEFAULT_CONTAINERS[1][2]  # MSCU6123457: 18,500 kg, two seals
WEIGHT_BIT, SEALS_BIT = 1 << Discrepancy.WEIGHT, 1 << Discrepancy.SEALS
ALL_MILESTONES = list(FUNCTION)
DIRECTIONS = [(SHEKOU, SHUNDE), (SHUNDE, SHEKOU)]
DIRECTION_IDS = ["shekou-to-shunde", "shunde-to-shekou"]


def equipment(shipments, sid, index, milestone, port, by, observed=0, seal_list=()) -> tuple:
    return ev(
        shipments,
        "EquipmentEventRecorded",
        shipmentId=sid,
        index=index,
        milestone=milestone,
        port=port,
        recordedBy=by.address,
        observedGrossKg=observed,
        seals=list(seal_list),
    )


def transport(shipments, sid, milestone, port, by) -> tuple:
    return ev(
        shipments, "TransportEventRecorded", shipmentId=sid, milestone=milestone, port=port, recordedBy=by.address
    )


def changed(shipments, sid, previous, state) -> tuple:
    return ev(shipments, "ShipmentStateChanged", shipmentId=sid, previous=previous, state=state)


def raised(shipments, sid, index, kind, declared, observed) -> tuple:
    return ev(
        shipments, "DiscrepancyRaised", shipmentId=sid, index=index, kind=kind, declared=declared, observed=observed
    )


def held(shipments, sid, count=1) -> tuple:
    return ev(shipments, "ShipmentHeld", shipmentId=sid, containersHeld=count)


def call(shipments, milestone, sid, index=0, *, sender):
    """Record `milestone` by `sender` (GTIN as declared for the default containers)."""
    function = getattr(shipments, FUNCTION[milestone])
    if milestone == Milestone.GTIN:
        declared = DEFAULT_CONTAINERS[index][1:] if index < len(DEFAULT_CONTAINERS) else (20_000, seals("S1"))
        return function(sid, index, *declared, sender=sender)
    return function(sid, sender=sender) if milestone in TRANSPORT else function(sid, index, sender=sender)


def state_of(shipments, sid) -> tuple[State, int, int]:
    s = shipments.getShipment(sid)
    return State(s.state), s.containersAdvanced, s.containersHeld


# ---------------------------------------------------------------------------------------------------- happy path


@pytest.mark.parametrize(("origin", "destination"), DIRECTIONS, ids=DIRECTION_IDS)
def test_shipment_goes_through_every_milestone_once_all_containers_have_them(
    shipments, journey, members, origin, destination
):
    sid = journey.register(origin=origin, destination=destination)
    out, into = journey.terminal[origin], journey.terminal[destination]
    carrier = members.carrier

    # GTIN x2 at origin, with the weighbridge weight and seals as declared: GatedIn after the second only.
    receipt = journey.gate_in(sid, 0)
    assert logs(receipt) == [equipment(shipments, sid, 0, Milestone.GTIN, origin, out, DECLARED_0, SEALS_0)]
    assert state_of(shipments, sid) == (State.REGISTERED, 1, 0)
    c = shipments.getContainer(sid, 0)
    assert (c.state, c.observedGrossKg, c.discrepancies) == (State.GATED_IN, DECLARED_0, 0)
    assert shipments.getContainer(sid, 1).state == State.REGISTERED
    receipt = journey.gate_in(sid, 1)
    assert logs(receipt) == [
        equipment(shipments, sid, 1, Milestone.GTIN, origin, out, DECLARED_1, SEALS_1),
        changed(shipments, sid, State.REGISTERED, State.GATED_IN),
    ]
    assert state_of(shipments, sid) == (State.GATED_IN, 0, 0)

    # LOAD x2 at origin.
    receipt = shipments.load(sid, 1, sender=out)  # any order
    assert logs(receipt) == [equipment(shipments, sid, 1, Milestone.LOAD, origin, out)]
    assert state_of(shipments, sid) == (State.GATED_IN, 1, 0)
    receipt = shipments.load(sid, 0, sender=out)
    assert logs(receipt) == [
        equipment(shipments, sid, 0, Milestone.LOAD, origin, out),
        changed(shipments, sid, State.GATED_IN, State.LOADED),
    ]
    assert state_of(shipments, sid) == (State.LOADED, 0, 0)

    # DEPA from origin, ARRI at destination, by the carrier.
    receipt = shipments.depart(sid, sender=carrier)
    assert logs(receipt) == [
        transport(shipments, sid, Milestone.DEPA, origin, carrier),
        changed(shipments, sid, State.LOADED, State.DEPARTED),
    ]
    receipt = shipments.arrive(sid, sender=carrier)
    assert logs(receipt) == [
        transport(shipments, sid, Milestone.ARRI, destination, carrier),
        changed(shipments, sid, State.DEPARTED, State.ARRIVED),
    ]
    assert state_of(shipments, sid) == (State.ARRIVED, 0, 0)
    assert shipments.getContainer(sid, 0).state == State.LOADED  # containers stay Loaded at sea

    # DISC x2 and GTOT x2 at destination.
    assert logs(shipments.discharge(sid, 0, sender=into)) == [
        equipment(shipments, sid, 0, Milestone.DISC, destination, into)
    ]
    assert logs(shipments.discharge(sid, 1, sender=into)) == [
        equipment(shipments, sid, 1, Milestone.DISC, destination, into),
        changed(shipments, sid, State.ARRIVED, State.DISCHARGED),
    ]
    assert logs(shipments.gateOut(sid, 0, sender=into)) == [
        equipment(shipments, sid, 0, Milestone.GTOT, destination, into)
    ]
    assert shipments.shipmentOfContainer(CSQU) == ZERO32
    assert shipments.shipmentOfContainer(MSCU) == sid
    assert logs(shipments.gateOut(sid, 1, sender=into)) == [
        equipment(shipments, sid, 1, Milestone.GTOT, destination, into),
        changed(shipments, sid, State.DISCHARGED, State.GATED_OUT),
    ]
    assert state_of(shipments, sid) == (State.GATED_OUT, 0, 0)
    for i in range(2):
        c = shipments.getContainer(sid, i)
        assert (c.state, c.discrepancies) == (State.GATED_OUT, 0)
    assert shipments.shipmentOfContainer(MSCU) == ZERO32

    # The boxes are free: a new B/L may carry them.
    again = journey.register(reference="SHK2026000043", origin=destination, destination=origin)
    assert again == shipment_id_of(carrier, "SHK2026000043") != sid
    assert shipments.shipmentOfContainer(CSQU) == shipments.shipmentOfContainer(MSCU) == again
    assert shipments.getShipment(sid).state == State.GATED_OUT  # the finished shipment is kept as it was


def test_single_container_shipment_moves_on_with_each_milestone(shipments, journey):
    sid = journey.register([container(CSQU)])
    for milestone, state in [(m, REQUIRED_STATE[m] + 1) for m in ALL_MILESTONES]:
        receipt = journey.record(sid, milestone)
        assert receipt.events.filter(shipments.ShipmentStateChanged)[0].state == state
        assert state_of(shipments, sid) == (state, 0, 0)


def test_terminal_admitted_by_vote_records_milestones_at_its_port(shipments, journey, members, admit):
    admit("proposeMember", members.newcomer, "Shekou Container Terminals 2", "SCT2", Role.TERMINAL.id, SHEKOU)
    sid = journey.register([container(CSQU)])
    journey.gate_in(sid, 0, sender=members.newcomer)
    receipt = shipments.load(sid, 0, sender=members.newcomer)
    assert receipt.events.filter(shipments.EquipmentEventRecorded)[0].recordedBy == members.newcomer.address
    assert shipments.getShipment(sid).state == State.LOADED


# ---------------------------------------------------------------------------------------------------- who, where

NOT_ORIGIN_TERMINALS = [
    "shunde_terminal",
    "shekou_customs",
    "shunde_customs",
    "shipper",
    "carrier",
    "consignee",
    "shekou_authority",
    "iot_gateway",
    "outsider",
]
NOT_DESTINATION_TERMINALS = ["shekou_terminal", "shunde_customs", "carrier", "consignee", "outsider"]


@pytest.mark.parametrize("caller", NOT_ORIGIN_TERMINALS, ids=NOT_ORIGIN_TERMINALS)
def test_gate_in_reverts_if_caller_is_not_a_terminal_of_the_origin(shipments, journey, members, caller):
    sid = journey.register()
    sender = getattr(members, caller)
    with reverts(shipments.ShipmentUnauthorized, account=sender.address, role=Role.TERMINAL.id, port=SHEKOU):
        journey.gate_in(sid, 0, sender=sender)
    assert state_of(shipments, sid) == (State.REGISTERED, 0, 0)
    assert shipments.getContainer(sid, 0).state == State.REGISTERED


def test_gate_in_reverts_if_terminal_of_other_port(shipments, journey, members):
    # Shunde's terminal at a Shekou-origin shipment, and Shekou's at a Shunde-origin one.
    there = journey.register()
    back = journey.register([container(b"TGHU7599310")], reference="SUD2026000001", origin=SHUNDE, destination=SHEKOU)
    with reverts(
        shipments.ShipmentUnauthorized, account=members.shunde_terminal.address, role=Role.TERMINAL.id, port=SHEKOU
    ):
        journey.gate_in(there, 0, sender=members.shunde_terminal)
    with reverts(
        shipments.ShipmentUnauthorized, account=members.shekou_terminal.address, role=Role.TERMINAL.id, port=SHUNDE
    ):
        journey.gate_in(back, 0, sender=members.shekou_terminal)
    journey.gate_in(back, 0, sender=members.shunde_terminal)
    assert shipments.getShipment(back).state == State.GATED_IN


@pytest.mark.parametrize("caller", ["shunde_terminal", "shekou_customs", "shipper"])
def test_load_reverts_if_caller_is_not_a_terminal_of_the_origin(shipments, journey, members, caller):
    sid = journey.register()
    journey.advance(sid, State.GATED_IN)
    sender = getattr(members, caller)
    with reverts(shipments.ShipmentUnauthorized, account=sender.address, role=Role.TERMINAL.id, port=SHEKOU):
        shipments.load(sid, 0, sender=sender)


@pytest.mark.parametrize("milestone", [Milestone.DISC, Milestone.GTOT], ids=["DISC", "GTOT"])
@pytest.mark.parametrize("caller", NOT_DESTINATION_TERMINALS, ids=NOT_DESTINATION_TERMINALS)
def test_destination_milestone_reverts_if_caller_is_not_a_terminal_of_the_destination(
    shipments, journey, members, caller, milestone
):
    sid = journey.register()
    journey.advance(sid, REQUIRED_STATE[milestone])
    sender = getattr(members, caller)
    with reverts(shipments.ShipmentUnauthorized, account=sender.address, role=Role.TERMINAL.id, port=SHUNDE):
        call(shipments, milestone, sid, 0, sender=sender)


def test_gate_in_reverts_if_terminal_is_suspended(shipments, journey, members, admit):
    sid = journey.register()
    admit("proposeSuspension", members.shekou_terminal, SUSPENSION_REASON)
    with reverts(
        shipments.ShipmentUnauthorized, account=members.shekou_terminal.address, role=Role.TERMINAL.id, port=SHEKOU
    ):
        journey.gate_in(sid, 0)


NOT_THE_CARRIER = ["shipper", "consignee", "shekou_terminal", "shunde_terminal", "shekou_customs", "outsider"]


@pytest.mark.parametrize("milestone", TRANSPORT, ids=["DEPA", "ARRI"])
@pytest.mark.parametrize("caller", NOT_THE_CARRIER, ids=NOT_THE_CARRIER)
def test_transport_event_reverts_if_caller_is_not_the_shipments_carrier(shipments, journey, members, caller, milestone):
    sid = journey.register()
    journey.advance(sid, REQUIRED_STATE[milestone])
    sender = getattr(members, caller)
    with reverts(shipments.ShipmentNotCarrier, shipmentId=sid, account=sender.address):
        call(shipments, milestone, sid, sender=sender)
    assert shipments.getShipment(sid).state == REQUIRED_STATE[milestone]


@pytest.mark.parametrize("milestone", TRANSPORT, ids=["DEPA", "ARRI"])
def test_transport_event_reverts_if_caller_is_another_carrier(shipments, journey, members, admit, milestone):
    admit("proposeMember", members.newcomer, "Carrier 2", "C2", Role.CARRIER.id, NO_PORT)
    sid = journey.register()
    journey.advance(sid, REQUIRED_STATE[milestone])
    with reverts(shipments.ShipmentNotCarrier, shipmentId=sid, account=members.newcomer.address):
        call(shipments, milestone, sid, sender=members.newcomer)


@pytest.mark.parametrize("milestone", TRANSPORT, ids=["DEPA", "ARRI"])
@pytest.mark.parametrize("how", ["revoked", "suspended"])
def test_transport_event_reverts_if_carrier_lost_its_role(shipments, journey, members, admit, milestone, how):
    sid = journey.register()
    journey.advance(sid, REQUIRED_STATE[milestone])
    if how == "revoked":
        admit("proposeRoleRevoke", members.carrier, Role.CARRIER.id, NO_PORT)
    else:
        admit("proposeSuspension", members.carrier, SUSPENSION_REASON)
    with reverts(shipments.ShipmentUnauthorized, account=members.carrier.address, role=Role.CARRIER.id, port=NO_PORT):
        call(shipments, milestone, sid, sender=members.carrier)


# ---------------------------------------------------------------------------------------------------- order

#: Every (state, milestone) that does not go together: the milestone must revert with ShipmentUnexpectedState.
OUT_OF_ORDER = [(s, m) for s in list(State)[1:] for m in ALL_MILESTONES if REQUIRED_STATE[m] != s]


@pytest.mark.parametrize(("state", "milestone"), OUT_OF_ORDER, ids=[f"{m.name}-at-{s.name}" for s, m in OUT_OF_ORDER])
def test_milestone_reverts_if_shipment_is_not_in_its_state(shipments, journey, state, milestone):
    sid = journey.register([container(CSQU)])
    journey.advance(sid, state)
    with reverts(
        shipments.ShipmentUnexpectedState,
        shipmentId=sid,
        milestone=milestone,
        current=state,
        expected=1 << REQUIRED_STATE[milestone],
    ):
        journey.record(sid, milestone)
    assert state_of(shipments, sid) == (state, 0, 0)


@pytest.mark.parametrize(
    ("done", "milestone"),
    [(Milestone.GTIN, Milestone.LOAD), (Milestone.LOAD, Milestone.DEPA), (Milestone.DISC, Milestone.GTOT)],
    ids=["LOAD-before-all-GTIN", "DEPA-before-all-LOAD", "GTOT-before-all-DISC"],
)
def test_milestone_reverts_if_only_some_containers_had_the_previous_one(shipments, journey, done, milestone):
    sid = journey.register()
    journey.advance(sid, REQUIRED_STATE[done])
    journey.record(sid, done, 1)  # the other container (index 0) has not had it
    with reverts(
        shipments.ShipmentUnexpectedState,
        shipmentId=sid,
        milestone=milestone,
        current=REQUIRED_STATE[done],
        expected=1 << REQUIRED_STATE[milestone],
    ):
        journey.record(sid, milestone, 1)
    assert state_of(shipments, sid) == (REQUIRED_STATE[done], 1, 0)


@pytest.mark.parametrize("milestone", EQUIPMENT, ids=[m.name for m in EQUIPMENT])
def test_equipment_milestone_reverts_if_container_already_had_it(shipments, journey, milestone):
    sid = journey.register()
    journey.advance(sid, REQUIRED_STATE[milestone])
    journey.record(sid, milestone, 0)
    with reverts(shipments.ShipmentContainerAlreadyAdvanced, shipmentId=sid, index=0, milestone=milestone):
        journey.record(sid, milestone, 0)
    assert state_of(shipments, sid) == (REQUIRED_STATE[milestone], 1, 0)


@pytest.mark.parametrize("milestone", ALL_MILESTONES, ids=[m.name for m in ALL_MILESTONES])
def test_milestone_reverts_if_shipment_is_unknown(shipments, journey, members, milestone):
    sid = shipment_id_of(members.carrier, "NEVERREGISTERED")
    sender = members.carrier if milestone in TRANSPORT else members.shekou_terminal
    with reverts(shipments.ShipmentUnknown, shipmentId=sid):
        call(shipments, milestone, sid, sender=sender)


def test_clear_discrepancy_reverts_if_shipment_is_unknown(shipments, members):
    sid = shipment_id_of(members.carrier, "NEVERREGISTERED")
    with reverts(shipments.ShipmentUnknown, shipmentId=sid):
        shipments.clearDiscrepancy(sid, 0, REASON, sender=members.shekou_customs)


@pytest.mark.parametrize("milestone", EQUIPMENT, ids=[m.name for m in EQUIPMENT])
@pytest.mark.parametrize("index", [2, 2**256 - 1], ids=["count", "max-uint"])
def test_equipment_milestone_reverts_if_container_index_is_out_of_range(shipments, journey, milestone, index):
    sid = journey.register()
    journey.advance(sid, REQUIRED_STATE[milestone])
    with reverts(shipments.ShipmentUnknownContainer, shipmentId=sid, index=index):
        call(shipments, milestone, sid, index, sender=journey.actor(sid, milestone))


# ---------------------------------------------------------------------------------------------------- cross-check

WEIGHTS = [
    (DECLARED_0, False, "as-declared"),
    (DECLARED_0 * 105 // 100, False, "exactly-5pc-over"),
    (DECLARED_0 * 95 // 100, False, "exactly-5pc-under"),
    (DECLARED_0 * 105 // 100 + 1, True, "1kg-beyond-5pc-over"),
    (DECLARED_0 * 95 // 100 - 1, True, "1kg-beyond-5pc-under"),
    (1, True, "one-kg"),
    (2**32 - 1, True, "max-uint32"),
]


@pytest.mark.parametrize(("observed", "holds"), [w[:2] for w in WEIGHTS], ids=[w[2] for w in WEIGHTS])
def test_gate_in_holds_the_shipment_if_weight_is_beyond_tolerance(shipments, journey, members, observed, holds):
    sid = journey.register()
    receipt = journey.gate_in(sid, 0, observed)
    recorded = equipment(shipments, sid, 0, Milestone.GTIN, SHEKOU, members.shekou_terminal, observed, SEALS_0)
    c = shipments.getContainer(sid, 0)
    assert (c.state, c.observedGrossKg) == (State.GATED_IN, observed)
    if not holds:
        assert logs(receipt) == [recorded]
        assert (c.discrepancies, shipments.isHeld(sid)) == (0, False)
        return
    assert logs(receipt) == [
        recorded,
        raised(shipments, sid, 0, Discrepancy.WEIGHT, kg(DECLARED_0), kg(observed)),
        held(shipments, sid, 1),
    ]
    assert (c.discrepancies, shipments.isHeld(sid)) == (WEIGHT_BIT, True)
    assert state_of(shipments, sid) == (State.REGISTERED, 1, 1)


def test_weight_tolerance_is_exact_for_a_declared_weight_not_divisible_by_20(shipments, journey):
    # 5% of 18,501 kg is 925.05 kg: 925 kg over passes, 926 kg over holds.
    sid = journey.register([container(CSQU, 18_501, SEALS_0), container(MSCU, 18_501, SEALS_1)])
    journey.gate_in(sid, 0, 18_501 + 925)
    assert not shipments.isHeld(sid)
    journey.gate_in(sid, 1, 18_501 - 926)
    assert shipments.getContainer(sid, 1).discrepancies == WEIGHT_BIT


SEAL_CHANGES = [
    ([seal("SL100002")], "another-seal"),
    ([seal("SL100001"), seal("SL100009")], "extra-seal"),
    ([seal("SL10000")], "truncated-seal"),
    ([seal("sl100001")], "lowercase-seal"),
]


@pytest.mark.parametrize("observed_seals", [s for s, _ in SEAL_CHANGES], ids=[n for _, n in SEAL_CHANGES])
def test_gate_in_holds_the_shipment_if_seals_differ(shipments, journey, members, observed_seals):
    sid = journey.register()
    receipt = journey.gate_in(sid, 0, DECLARED_0, observed_seals)
    assert logs(receipt) == [
        equipment(shipments, sid, 0, Milestone.GTIN, SHEKOU, members.shekou_terminal, DECLARED_0, observed_seals),
        raised(shipments, sid, 0, Discrepancy.SEALS, seals_digest(SEALS_0), seals_digest(observed_seals)),
        held(shipments, sid, 1),
    ]
    assert shipments.getContainer(sid, 0).discrepancies == SEALS_BIT


def test_gate_in_holds_the_shipment_if_one_of_two_declared_seals_is_missing(shipments, journey):
    sid = journey.register()
    journey.gate_in(sid, 0)
    receipt = journey.gate_in(sid, 1, DECLARED_1, SEALS_1[:1])
    assert receipt.events.filter(shipments.DiscrepancyRaised)[0].observed == seals_digest(SEALS_1[:1])
    assert state_of(shipments, sid) == (State.GATED_IN, 0, 1)  # the last box moved the shipment on, and held it


def test_gate_in_raises_both_discrepancies_with_one_hold(shipments, journey, members):
    sid = journey.register()
    observed, observed_seals = DECLARED_0 * 2, [seal("BROKEN")]
    receipt = journey.gate_in(sid, 0, observed, observed_seals)
    assert logs(receipt) == [
        equipment(shipments, sid, 0, Milestone.GTIN, SHEKOU, members.shekou_terminal, observed, observed_seals),
        raised(shipments, sid, 0, Discrepancy.WEIGHT, kg(DECLARED_0), kg(observed)),
        raised(shipments, sid, 0, Discrepancy.SEALS, seals_digest(SEALS_0), seals_digest(observed_seals)),
        held(shipments, sid, 1),
    ]
    assert shipments.getContainer(sid, 0).discrepancies == WEIGHT_BIT | SEALS_BIT
    assert state_of(shipments, sid) == (State.REGISTERED, 1, 1)


def test_gate_in_reverts_if_observed_weight_is_zero(shipments, journey):
    sid = journey.register()
    with reverts(shipments.ShipmentInvalidWeight, number=CSQU):
        journey.gate_in(sid, 0, 0)


@pytest.mark.parametrize(
    "observed_seals",
    [[], seals("S1", "S2", "S3", "S4", "S5"), [seal("S2"), seal("S1")], [seal("S1"), seal("S1")], [bytes(16)]],
    ids=["none", "five", "unsorted", "duplicate", "zero"],
)
def test_gate_in_reverts_if_observed_seals_are_invalid(shipments, journey, observed_seals):
    sid = journey.register()
    with reverts(shipments.ShipmentInvalidSeals, number=CSQU):
        journey.gate_in(sid, 0, DECLARED_0, observed_seals)
    assert shipments.getContainer(sid, 0).state == State.REGISTERED


# ---------------------------------------------------------------------------------------------------- holds


def held_at(journey, index: int) -> bytes:
    """A shipment held by a weight discrepancy of container `index` (gated in after all before it)."""
    sid = journey.register()
    for i in range(index):
        journey.gate_in(sid, i)
    journey.gate_in(sid, index, DEFAULT_CONTAINERS[index][1] * 2)
    return sid


@pytest.mark.parametrize("milestone", ALL_MILESTONES, ids=[m.name for m in ALL_MILESTONES])
def test_milestone_reverts_while_shipment_is_held(shipments, journey, milestone):
    sid = held_at(journey, 1)  # the last container: the shipment is GatedIn, and held
    assert shipments.isHeld(sid)
    with reverts(shipments.ShipmentOnHold, shipmentId=sid, containersHeld=1):
        journey.record(sid, milestone, 0 if milestone != Milestone.GTIN else 1)
    assert state_of(shipments, sid) == (State.GATED_IN, 0, 1)


def test_other_containers_cannot_gate_in_while_shipment_is_held(shipments, journey):
    sid = held_at(journey, 0)
    with reverts(shipments.ShipmentOnHold, shipmentId=sid, containersHeld=1):
        journey.gate_in(sid, 1)
    assert shipments.getContainer(sid, 1).state == State.REGISTERED


@pytest.mark.parametrize("index", [0, 1], ids=["first-container", "last-container"])
def test_origin_customs_clears_the_discrepancy_and_the_shipment_moves_on(shipments, journey, members, index):
    sid = held_at(journey, index)
    receipt = shipments.clearDiscrepancy(sid, index, REASON, sender=members.shekou_customs)
    assert logs(receipt) == [
        ev(
            shipments,
            "DiscrepancyCleared",
            shipmentId=sid,
            index=index,
            clearedBy=members.shekou_customs.address,
            reason=REASON,
        ),
        ev(shipments, "ShipmentReleased", shipmentId=sid),
    ]
    assert not shipments.isHeld(sid)
    c = shipments.getContainer(sid, index)
    assert (c.discrepancies, c.state, c.observedGrossKg) == (0, State.GATED_IN, DEFAULT_CONTAINERS[index][1] * 2)
    journey.advance(sid, State.GATED_OUT)
    assert shipments.getShipment(sid).state == State.GATED_OUT


def test_destination_customs_clears_a_shipment_from_its_own_port(shipments, journey, members):
    sid = journey.register([container(CSQU)], origin=SHUNDE, destination=SHEKOU)
    journey.gate_in(sid, 0, 1)
    with reverts(
        shipments.ShipmentUnauthorized, account=members.shekou_customs.address, role=Role.CUSTOMS.id, port=SHUNDE
    ):
        shipments.clearDiscrepancy(sid, 0, REASON, sender=members.shekou_customs)
    shipments.clearDiscrepancy(sid, 0, REASON, sender=members.shunde_customs)
    assert not shipments.isHeld(sid)


NOT_ORIGIN_CUSTOMS = ["shunde_customs", "shekou_terminal", "shekou_authority", "shipper", "carrier", "outsider"]


@pytest.mark.parametrize("caller", NOT_ORIGIN_CUSTOMS, ids=NOT_ORIGIN_CUSTOMS)
def test_clear_discrepancy_reverts_if_caller_is_not_customs_of_the_origin(shipments, journey, members, caller):
    sid = held_at(journey, 0)
    sender = getattr(members, caller)
    with reverts(shipments.ShipmentUnauthorized, account=sender.address, role=Role.CUSTOMS.id, port=SHEKOU):
        shipments.clearDiscrepancy(sid, 0, REASON, sender=sender)
    assert shipments.isHeld(sid)


def test_clear_discrepancy_reverts_if_customs_is_suspended(shipments, journey, members, admit):
    sid = held_at(journey, 0)
    admit("proposeSuspension", members.shekou_customs, SUSPENSION_REASON)
    with reverts(
        shipments.ShipmentUnauthorized, account=members.shekou_customs.address, role=Role.CUSTOMS.id, port=SHEKOU
    ):
        shipments.clearDiscrepancy(sid, 0, REASON, sender=members.shekou_customs)


def test_clear_discrepancy_reverts_if_reason_is_empty(shipments, journey, members):
    sid = held_at(journey, 0)
    with reverts(shipments.ShipmentEmptyReason):
        shipments.clearDiscrepancy(sid, 0, "", sender=members.shekou_customs)
    assert shipments.isHeld(sid)


def test_clear_discrepancy_reverts_if_container_is_clean(shipments, journey, members):
    sid = journey.register()
    journey.gate_in(sid, 0)  # clean
    with reverts(shipments.ShipmentNoDiscrepancy, shipmentId=sid, index=0):
        shipments.clearDiscrepancy(sid, 0, REASON, sender=members.shekou_customs)
    with reverts(shipments.ShipmentNoDiscrepancy, shipmentId=sid, index=1):  # not even gated in
        shipments.clearDiscrepancy(sid, 1, REASON, sender=members.shekou_customs)


def test_clear_discrepancy_reverts_if_already_cleared(shipments, journey, members):
    sid = held_at(journey, 0)
    shipments.clearDiscrepancy(sid, 0, REASON, sender=members.shekou_customs)
    with reverts(shipments.ShipmentNoDiscrepancy, shipmentId=sid, index=0):
        shipments.clearDiscrepancy(sid, 0, REASON, sender=members.shekou_customs)
    assert shipments.getShipment(sid).containersHeld == 0


@pytest.mark.parametrize("index", [2, 2**256 - 1], ids=["count", "max-uint"])
def test_clear_discrepancy_reverts_if_container_index_is_out_of_range(shipments, journey, members, index):
    sid = held_at(journey, 0)
    with reverts(shipments.ShipmentUnknownContainer, shipmentId=sid, index=index):
        shipments.clearDiscrepancy(sid, index, REASON, sender=members.shekou_customs)


def test_every_container_can_be_held_and_cleared_in_turn(shipments, journey, members):
    sid = journey.register()
    for index in range(2):
        journey.gate_in(sid, index, DEFAULT_CONTAINERS[index][1], [seal("TAMPERED")])
        assert state_of(shipments, sid)[2] == 1
        receipt = shipments.clearDiscrepancy(sid, index, REASON, sender=members.shekou_customs)
        assert receipt.events.filter(shipments.ShipmentReleased)
    assert state_of(shipments, sid) == (State.GATED_IN, 0, 0)


# ---------------------------------------------------------------------------------------------------- tolerance


TOLERANCES = [
    (100, 101, False, "1pc-at-1pc"),
    (100, 102, True, "2pc-at-1pc"),
    (1_000, 110, False, "10pc-at-10pc"),
    (1_000, 111, True, "11pc-at-10pc"),
    (0, 100, False, "exact-at-0"),
    (10_000, 200, False, "double-at-100pc"),
]


@pytest.mark.parametrize(("bps", "percent", "holds"), [t[:3] for t in TOLERANCES], ids=[t[3] for t in TOLERANCES])
def test_gate_in_uses_the_tolerance_governance_set(shipments, journey, registry, admit, bps, percent, holds):
    admit("proposeParameter", registry.WEIGHT_TOLERANCE_BPS(), bps)
    assert registry.parameter(registry.WEIGHT_TOLERANCE_BPS()) == bps
    sid = journey.register()
    journey.gate_in(sid, 0, DECLARED_0 * percent // 100)
    assert shipments.isHeld(sid) == holds


def test_tolerance_changed_by_governance_applies_from_the_next_gate_in(shipments, journey, registry, admit):
    assert registry.parameter(registry.WEIGHT_TOLERANCE_BPS()) == DEFAULT_TOLERANCE_BPS
    sid = journey.register()
    journey.gate_in(sid, 0, DECLARED_0 * 102 // 100)  # 2% over: within the default 5%
    assert not shipments.isHeld(sid)
    admit("proposeParameter", registry.WEIGHT_TOLERANCE_BPS(), 100)  # 1%
    observed = DECLARED_1 * 102 // 100
    receipt = journey.gate_in(sid, 1, observed)  # the same 2% over is now a discrepancy
    assert receipt.events.filter(shipments.DiscrepancyRaised)[0].observed == kg(observed)
    assert state_of(shipments, sid) == (State.GATED_IN, 0, 1)
    assert shipments.getContainer(sid, 0).discrepancies == 0  # what was gated in before stays as it was
