"""CustomsClearance holds and clear(): customs holds, gate-in discrepancies of the shipment registry, and clearance."""

from __future__ import annotations

import pytest
from eth_utils.crypto import keccak
from portlink.domain.consortium import Role
from portlink.domain.customs import Decision

from tests.conftest import HONG_KONG, NO_PORT, SHEKOU, SHUNDE, reverts
from tests.customs.conftest import NO_REASON, REASON, State, bit
from tests.shipments.conftest import DEFAULT_CONTAINERS, ev, logs

# ---------------------------------------------------------------------------------------------------- tables

CUSTOMS = Role.CUSTOMS.id
HOLD_REASON = b"SUSPECTED_MISDECLARATION".ljust(32, b"\0")
CLEARING_REASON = "re-weighed at the CIQ scale: 24,150 kg, seal SL100001 intact; released"
PORTS = [SHEKOU, SHUNDE]
PORT_IDS = ["origin", "destination"]
OTHER = {SHEKOU: SHUNDE, SHUNDE: SHEKOU}
SIDE = {SHEKOU: "origin", SHUNDE: "destination"}

NOT_CUSTOMS_OF = {
    SHEKOU: ["shekou_terminal", "shipper", "outsider"],
    SHUNDE: ["shunde_terminal", "consignee", "outsider"],
}
NOT_CUSTOMS = [(port, caller) for port in PORTS for caller in NOT_CUSTOMS_OF[port]]

#: Decisions short of two approvals: (origin, destination).
APPROVALS_MISSING = [
    (Decision.NONE, Decision.NONE, "none"),
    (Decision.APPROVE, Decision.NONE, "origin-only"),
    (Decision.NONE, Decision.APPROVE, "destination-only"),
    (Decision.APPROVE, Decision.REQUEST_INSPECTION, "destination-inspects"),
    (Decision.REQUEST_INSPECTION, Decision.APPROVE, "origin-inspects"),
]


def ids(table) -> list[str]:
    return [row[-1] for row in table]


def holds(customs, did) -> tuple[int, bool, bool]:
    d = customs.getDeclaration(did)
    return d.state, d.originHold, d.destinationHold


def cleared(customs, did, members, version: int = 1) -> list[tuple]:
    """The logs of clearance: the state change, then DeclarationCleared naming the pilot officers."""
    return [
        ev(customs, "DeclarationStateChanged", declarationId=did, previous=State.FILED, state=State.CLEARED),
        ev(
            customs,
            "DeclarationCleared",
            declarationId=did,
            version=version,
            originOfficer=members.shekou_customs.address,
            destinationOfficer=members.shunde_customs.address,
        ),
    ]


def held_by_discrepancy(desk) -> bytes:
    """A filed declaration whose shipment's first container gated in at twice its declared weight."""
    did = desk.file()
    desk.journey.gate_in(did, 0, DEFAULT_CONTAINERS[0][1] * 2)
    assert desk.journey.shipments.isHeld(did)
    return did


# ---------------------------------------------------------------------------------------------------- holds


@pytest.mark.parametrize("port", PORTS, ids=PORT_IDS)
def test_customs_of_each_port_places_and_releases_a_hold(desk, customs, port):
    did = desk.file()
    officer = desk.officer[port]

    receipt = customs.placeHold(did, port, HOLD_REASON, sender=officer)
    assert logs(receipt) == [
        ev(customs, "HoldPlaced", declarationId=did, port=port, officer=officer.address, reasonCode=HOLD_REASON)
    ]
    assert holds(customs, did) == (State.FILED, port == SHEKOU, port == SHUNDE)
    assert customs.getDeclaration(did).updatedAt == receipt.timestamp

    receipt = customs.releaseHold(did, port, sender=officer)
    assert logs(receipt) == [ev(customs, "HoldReleased", declarationId=did, port=port, officer=officer.address)]
    assert holds(customs, did) == (State.FILED, False, False)
    assert customs.getDeclaration(did).updatedAt == receipt.timestamp


def test_both_ports_hold_at_once(desk, customs, members):
    did = desk.file()
    customs.placeHold(did, SHEKOU, HOLD_REASON, sender=members.shekou_customs)
    customs.placeHold(did, SHUNDE, HOLD_REASON, sender=members.shunde_customs)
    assert holds(customs, did) == (State.FILED, True, True)
    customs.releaseHold(did, SHUNDE, sender=members.shunde_customs)
    assert holds(customs, did) == (State.FILED, True, False)


@pytest.mark.parametrize("port", PORTS, ids=PORT_IDS)
def test_place_hold_reverts_without_a_reason_code(desk, customs, port):
    did = desk.file()
    with reverts(customs.ClearanceReasonRequired):
        customs.placeHold(did, port, NO_REASON, sender=desk.officer[port])
    assert holds(customs, did) == (State.FILED, False, False)


@pytest.mark.parametrize("port", PORTS, ids=PORT_IDS)
def test_place_hold_reverts_if_the_port_already_holds(desk, customs, port):
    did = desk.file()
    customs.placeHold(did, port, HOLD_REASON, sender=desk.officer[port])
    with reverts(customs.ClearanceAlreadyHeld, declarationId=did, port=port):
        customs.placeHold(did, port, REASON, sender=desk.officer[port])


@pytest.mark.parametrize("other_holds", [False, True], ids=["nothing-held", "other-port-holds"])
@pytest.mark.parametrize("port", PORTS, ids=PORT_IDS)
def test_release_hold_reverts_if_the_port_does_not_hold(desk, customs, port, other_holds):
    did = desk.file()
    if other_holds:
        customs.placeHold(did, OTHER[port], HOLD_REASON, sender=desk.officer[OTHER[port]])
    with reverts(customs.ClearanceNotHeld, declarationId=did, port=port):
        customs.releaseHold(did, port, sender=desk.officer[port])


@pytest.mark.parametrize("port", PORTS, ids=PORT_IDS)
def test_customs_cannot_release_the_other_ports_hold(desk, customs, port):
    did = desk.file()
    customs.placeHold(did, port, HOLD_REASON, sender=desk.officer[port])
    intruder = desk.officer[OTHER[port]]
    with reverts(customs.ClearanceUnauthorized, account=intruder.address, role=CUSTOMS, port=port):
        customs.releaseHold(did, port, sender=intruder)
    assert holds(customs, did)[1:] == (port == SHEKOU, port == SHUNDE)


@pytest.mark.parametrize("action", ["placeHold", "releaseHold"])
@pytest.mark.parametrize(("port", "caller"), NOT_CUSTOMS, ids=[f"{SIDE[p]}-{c}" for p, c in NOT_CUSTOMS])
def test_hold_reverts_if_caller_is_not_customs_of_the_port(desk, customs, members, port, caller, action):
    did = desk.file()
    if action == "releaseHold":
        customs.placeHold(did, port, HOLD_REASON, sender=desk.officer[port])
    sender = getattr(members, caller)
    args = (did, port, HOLD_REASON) if action == "placeHold" else (did, port)
    with reverts(customs.ClearanceUnauthorized, account=sender.address, role=CUSTOMS, port=port):
        getattr(customs, action)(*args, sender=sender)


@pytest.mark.parametrize("action", ["placeHold", "releaseHold"])
@pytest.mark.parametrize("port", [HONG_KONG, NO_PORT], ids=["other-port", "zero"])
def test_hold_reverts_if_port_is_not_the_declarations(desk, customs, members, action, port):
    did = desk.file()
    args = (did, port, HOLD_REASON) if action == "placeHold" else (did, port)
    with reverts(customs.ClearanceNotDeclarationPort, declarationId=did, port=port):
        getattr(customs, action)(*args, sender=members.shekou_customs)


@pytest.mark.parametrize("action", ["placeHold", "releaseHold"])
def test_hold_reverts_for_an_unknown_declaration(desk, customs, members, action):
    sid = desk.shipment()
    args = (sid, SHEKOU, HOLD_REASON) if action == "placeHold" else (sid, SHEKOU)
    with reverts(customs.ClearanceUnknownDeclaration, declarationId=sid):
        getattr(customs, action)(*args, sender=members.shekou_customs)


@pytest.mark.parametrize("action", ["placeHold", "releaseHold"])
def test_holds_are_refused_once_cleared(desk, customs, members, action):
    did = desk.file()
    desk.approve_both(did, relayed=False)
    args = (did, SHUNDE, HOLD_REASON) if action == "placeHold" else (did, SHUNDE)
    with reverts(
        customs.ClearanceUnexpectedState,
        declarationId=did,
        current=State.CLEARED,
        expected=bit(State.FILED, State.REJECTED),
    ):
        getattr(customs, action)(*args, sender=members.shunde_customs)
    assert holds(customs, did) == (State.CLEARED, False, False)


def test_holds_are_placed_and_released_while_rejected(desk, customs, members):
    did = desk.file()
    desk.decide(did, SHUNDE, Decision.APPROVE)
    desk.decide(did, SHEKOU, Decision.REJECT, REASON)
    customs.placeHold(did, SHEKOU, HOLD_REASON, sender=members.shekou_customs)
    assert holds(customs, did) == (State.REJECTED, True, False)
    receipt = customs.releaseHold(did, SHEKOU, sender=members.shekou_customs)
    assert logs(receipt) == [
        ev(customs, "HoldReleased", declarationId=did, port=SHEKOU, officer=members.shekou_customs.address)
    ]
    assert holds(customs, did) == (State.REJECTED, False, False)


def test_hold_placed_while_rejected_outlives_the_amendment(desk, customs, members):
    did = desk.file()
    desk.decide(did, SHEKOU, Decision.REJECT, REASON)
    customs.placeHold(did, SHUNDE, HOLD_REASON, sender=members.shunde_customs)
    desk.amend(did, keccak(b"version 2"))
    desk.approve_both(did, relayed=False)
    assert holds(customs, did) == (State.FILED, False, True)
    receipt = customs.releaseHold(did, SHUNDE, sender=members.shunde_customs)
    assert logs(receipt) == [
        ev(customs, "HoldReleased", declarationId=did, port=SHUNDE, officer=members.shunde_customs.address),
        *cleared(customs, did, members, version=2),
    ]


# ---------------------------------------------------------------------------------------------------- with approvals


def test_approved_declaration_on_hold_clears_when_the_last_hold_is_released(desk, customs, members):
    did = desk.file()
    customs.placeHold(did, SHEKOU, HOLD_REASON, sender=members.shekou_customs)
    customs.placeHold(did, SHUNDE, HOLD_REASON, sender=members.shunde_customs)
    desk.decide(did, SHEKOU, Decision.APPROVE)
    receipt = desk.decide(did, SHUNDE, Decision.APPROVE)
    assert [name for _, name, _ in logs(receipt)] == ["DecisionRecorded"]  # no clearance while held
    assert holds(customs, did) == (State.FILED, True, True)

    receipt = customs.releaseHold(did, SHEKOU, sender=members.shekou_customs)
    assert logs(receipt) == [
        ev(customs, "HoldReleased", declarationId=did, port=SHEKOU, officer=members.shekou_customs.address)
    ]
    assert not customs.isCleared(did)

    receipt = customs.releaseHold(did, SHUNDE, sender=members.shunde_customs)
    assert logs(receipt) == [
        ev(customs, "HoldReleased", declarationId=did, port=SHUNDE, officer=members.shunde_customs.address),
        *cleared(customs, did, members),
    ]
    assert customs.isCleared(did)
    assert customs.getDeclaration(did).updatedAt == receipt.timestamp


@pytest.mark.parametrize(
    ("origin_hold", "destination_hold"),
    [(True, False), (False, True), (True, True)],
    ids=["origin", "destination", "both"],
)
def test_clear_reverts_while_customs_hold(desk, customs, members, origin_hold, destination_hold):
    did = desk.file()
    for port, held in ((SHEKOU, origin_hold), (SHUNDE, destination_hold)):
        if held:
            customs.placeHold(did, port, HOLD_REASON, sender=desk.officer[port])
    desk.approve_both(did, relayed=False)
    with reverts(
        customs.ClearanceOnHold,
        declarationId=did,
        originHold=origin_hold,
        destinationHold=destination_hold,
        discrepancies=False,
        alerts=False,
    ):
        customs.clear(did, sender=members.outsider)


def test_gate_in_discrepancy_keeps_an_approved_declaration_from_clearing(desk, customs, shipments, members):
    did = held_by_discrepancy(desk)
    desk.decide(did, SHEKOU, Decision.APPROVE)
    receipt = desk.decide(did, SHUNDE, Decision.APPROVE)
    assert [name for _, name, _ in logs(receipt)] == ["DecisionRecorded"]
    assert customs.getDeclaration(did).state == State.FILED
    with reverts(
        customs.ClearanceOnHold,
        declarationId=did,
        originHold=False,
        destinationHold=False,
        discrepancies=True,
        alerts=False,
    ):
        customs.clear(did, sender=members.outsider)

    shipments.clearDiscrepancy(did, 0, CLEARING_REASON, sender=members.shekou_customs)
    assert not customs.isCleared(did)  # clearing the discrepancy does not clear the goods by itself
    receipt = customs.clear(did, sender=members.outsider)
    assert logs(receipt) == cleared(customs, did, members)
    assert customs.isCleared(did)


def test_releasing_a_customs_hold_does_not_clear_while_a_discrepancy_holds(desk, customs, members):
    did = held_by_discrepancy(desk)
    customs.placeHold(did, SHUNDE, HOLD_REASON, sender=members.shunde_customs)
    desk.approve_both(did, relayed=False)
    receipt = customs.releaseHold(did, SHUNDE, sender=members.shunde_customs)
    assert [name for _, name, _ in logs(receipt)] == ["HoldReleased"]
    with reverts(
        customs.ClearanceOnHold,
        declarationId=did,
        originHold=False,
        destinationHold=False,
        discrepancies=True,
        alerts=False,
    ):
        customs.clear(did, sender=members.outsider)


def test_both_customs_holds_and_a_discrepancy_are_all_reported(desk, customs, members):
    did = held_by_discrepancy(desk)
    customs.placeHold(did, SHEKOU, HOLD_REASON, sender=members.shekou_customs)
    customs.placeHold(did, SHUNDE, HOLD_REASON, sender=members.shunde_customs)
    desk.approve_both(did, relayed=False)
    with reverts(
        customs.ClearanceOnHold,
        declarationId=did,
        originHold=True,
        destinationHold=True,
        discrepancies=True,
        alerts=False,
    ):
        customs.clear(did, sender=members.outsider)


# ---------------------------------------------------------------------------------------------------- clear()


@pytest.mark.parametrize(("origin", "destination"), [row[:2] for row in APPROVALS_MISSING], ids=ids(APPROVALS_MISSING))
def test_clear_reverts_without_two_approvals(desk, customs, members, origin, destination):
    did = desk.file()
    for port, decision in ((SHEKOU, origin), (SHUNDE, destination)):
        if decision != Decision.NONE:
            desk.decide(did, port, decision)
    with reverts(
        customs.ClearanceApprovalsMissing, declarationId=did, originDecision=origin, destinationDecision=destination
    ):
        customs.clear(did, sender=members.outsider)


@pytest.mark.parametrize("state", [State.REJECTED, State.CLEARED], ids=["rejected", "cleared"])
def test_clear_reverts_unless_filed(desk, customs, members, state):
    did = desk.file()
    if state == State.REJECTED:
        desk.decide(did, SHUNDE, Decision.REJECT, REASON)
    else:
        desk.approve_both(did, relayed=False)
    with reverts(customs.ClearanceUnexpectedState, declarationId=did, current=state, expected=bit(State.FILED)):
        customs.clear(did, sender=members.outsider)


def test_clear_reverts_for_an_unknown_declaration(desk, customs, members):
    sid = desk.shipment()
    with reverts(customs.ClearanceUnknownDeclaration, declarationId=sid):
        customs.clear(sid, sender=members.outsider)
