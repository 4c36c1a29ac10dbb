"""CustomsClearance.decide: who decides for which port, what each decision does, and the second approval clearing."""

from __future__ import annotations

import pytest
from eth_utils.crypto import keccak
from portlink.domain.consortium import Role
from portlink.domain.customs import Decision

from tests.conftest import HONG_KONG, NO_PORT, SHEKOU, SHUNDE, reverts
from tests.customs.conftest import DIGEST, NO_REASON, REASON, State, bit
from tests.shipments.conftest import ZERO_ADDRESS, ev, logs

# ---------------------------------------------------------------------------------------------------- tables

CUSTOMS = Role.CUSTOMS.id
SUSPENSION_REASON = b"\x04" * 32
INSPECTION_REASON = b"X-RAY".ljust(32, b"\0")
PORTS = [SHEKOU, SHUNDE]
PORT_IDS = ["origin", "destination"]
OTHER = {SHEKOU: SHUNDE, SHUNDE: SHEKOU}
SIDE = {SHEKOU: "origin", SHUNDE: "destination"}

#: Each decision with the reason code it is given (a rejection needs one; the others may carry one or not).
DECISIONS = [
    (Decision.APPROVE, NO_REASON, "approve"),
    (Decision.APPROVE, REASON, "approve-with-reason"),
    (Decision.REQUEST_INSPECTION, NO_REASON, "inspect"),
    (Decision.REQUEST_INSPECTION, INSPECTION_REASON, "inspect-with-reason"),
    (Decision.REJECT, REASON, "reject"),
]

#: Decisions a port cannot make after its first one: (first, second, the decision the error names).
ALREADY_DECIDED = [
    (Decision.REQUEST_INSPECTION, Decision.REQUEST_INSPECTION, "inspect-twice"),
    (Decision.APPROVE, Decision.APPROVE, "approve-twice"),
    (Decision.APPROVE, Decision.REQUEST_INSPECTION, "inspect-after-approval"),
    (Decision.APPROVE, Decision.REJECT, "reject-after-approval"),
]

#: Members that are not customs of the port, by who they are relative to it (the other port's customs included).
NOT_CUSTOMS_OF = {
    SHEKOU: ["shekou_terminal", "shekou_authority", "shunde_customs", "shipper", "carrier", "outsider"],
    SHUNDE: ["shunde_terminal", "shunde_authority", "shekou_customs", "shipper", "consignee", "outsider"],
}
NOT_CUSTOMS = [(port, caller) for port in PORTS for caller in NOT_CUSTOMS_OF[port]]


def ids(table) -> list[str]:
    return [row[-1] for row in table]


def recorded(customs, did, port, officer, decision, reason=NO_REASON, *, version=1, submitted_by=None) -> tuple:
    """The DecisionRecorded log of `officer`'s decision, sent by the officer unless `submitted_by`."""
    return ev(
        customs,
        "DecisionRecorded",
        declarationId=did,
        port=port,
        officer=officer.address,
        version=version,
        decision=decision,
        reasonCode=reason,
        submittedBy=(submitted_by or officer).address,
    )


def sides(customs, did) -> dict:
    """The decision-related fields of a declaration."""
    d = customs.getDeclaration(did)
    return {
        "state": d.state,
        "originDecision": d.originDecision,
        "destinationDecision": d.destinationDecision,
        "originOfficer": d.originOfficer,
        "destinationOfficer": d.destinationOfficer,
    }


def decided(port, decision, officer, state=State.FILED) -> dict:
    """`sides` after `officer` of `port` alone decided `decision`."""
    expected = {
        "state": state,
        "originDecision": Decision.NONE,
        "destinationDecision": Decision.NONE,
        "originOfficer": ZERO_ADDRESS,
        "destinationOfficer": ZERO_ADDRESS,
    }
    expected[f"{SIDE[port]}Decision"] = decision
    expected[f"{SIDE[port]}Officer"] = officer.address
    return expected


# ---------------------------------------------------------------------------------------------------- decisions


@pytest.mark.parametrize(("decision", "reason"), [row[:2] for row in DECISIONS], ids=ids(DECISIONS))
@pytest.mark.parametrize("port", PORTS, ids=PORT_IDS)
def test_customs_of_each_port_decides_directly(desk, customs, port, decision, reason):
    did = desk.file()
    officer = desk.officer[port]
    receipt = customs.decide(did, 1, port, int(decision), reason, sender=officer)

    expected = [recorded(customs, did, port, officer, decision, reason)]
    state = State.FILED
    if decision == Decision.REJECT:
        state = State.REJECTED
        expected.append(
            ev(customs, "DeclarationStateChanged", declarationId=did, previous=State.FILED, state=State.REJECTED)
        )
    assert logs(receipt) == expected
    assert sides(customs, did) == decided(port, decision, officer, state)
    assert customs.getDeclaration(did).updatedAt == receipt.timestamp
    assert not customs.isCleared(did)


@pytest.mark.parametrize("port", PORTS, ids=PORT_IDS)
def test_reject_reverts_without_a_reason_code(desk, customs, port):
    did = desk.file()
    with reverts(customs.ClearanceReasonRequired):
        desk.decide(did, port, Decision.REJECT, NO_REASON)
    assert customs.getDeclaration(did).state == State.FILED


@pytest.mark.parametrize("port", PORTS, ids=PORT_IDS)
def test_none_is_not_a_decision(desk, customs, port):
    did = desk.file()
    with reverts(customs.ClearanceInvalidDecision):
        desk.decide(did, port, Decision.NONE, REASON)


@pytest.mark.parametrize(
    ("then", "reason", "state"),
    [(Decision.APPROVE, NO_REASON, State.FILED), (Decision.REJECT, REASON, State.REJECTED)],
    ids=["approve", "reject"],
)
@pytest.mark.parametrize("port", PORTS, ids=PORT_IDS)
def test_inspection_may_be_followed_by_approval_or_rejection(desk, customs, port, then, reason, state):
    did = desk.file()
    desk.decide(did, port, Decision.REQUEST_INSPECTION)
    receipt = desk.decide(did, port, then, reason)
    assert receipt.events.filter(customs.DecisionRecorded)[0].decision == then
    assert sides(customs, did) == decided(port, then, desk.officer[port], state)


def test_inspection_by_one_port_does_not_stop_the_other_approving(desk, customs):
    did = desk.file()
    desk.decide(did, SHEKOU, Decision.REQUEST_INSPECTION)
    desk.decide(did, SHUNDE, Decision.APPROVE)
    assert not customs.isCleared(did)
    desk.decide(did, SHEKOU, Decision.APPROVE)
    assert customs.isCleared(did)


@pytest.mark.parametrize(("first", "second"), [row[:2] for row in ALREADY_DECIDED], ids=ids(ALREADY_DECIDED))
@pytest.mark.parametrize("port", PORTS, ids=PORT_IDS)
def test_decide_reverts_if_the_port_already_decided(desk, customs, port, first, second):
    did = desk.file()
    desk.decide(did, port, first)
    with reverts(customs.ClearanceAlreadyDecided, declarationId=did, port=port, decision=first):
        desk.decide(did, port, second, REASON)
    assert sides(customs, did) == decided(port, first, desk.officer[port])


@pytest.mark.parametrize(
    "decision", [Decision.APPROVE, Decision.REQUEST_INSPECTION, Decision.REJECT], ids=["approve", "inspect", "reject"]
)
@pytest.mark.parametrize("same_port", [True, False], ids=["same-port", "other-port"])
def test_decide_reverts_while_rejected(desk, customs, decision, same_port):
    did = desk.file()
    desk.decide(did, SHEKOU, Decision.REJECT, REASON)
    port = SHEKOU if same_port else SHUNDE
    with reverts(
        customs.ClearanceUnexpectedState, declarationId=did, current=State.REJECTED, expected=bit(State.FILED)
    ):
        desk.decide(did, port, decision, REASON)
    assert sides(customs, did) == decided(SHEKOU, Decision.REJECT, desk.officer[SHEKOU], State.REJECTED)


@pytest.mark.parametrize("port", PORTS, ids=PORT_IDS)
def test_decide_reverts_once_cleared(desk, customs, port):
    did = desk.file()
    desk.approve_both(did, relayed=False)
    with reverts(customs.ClearanceUnexpectedState, declarationId=did, current=State.CLEARED, expected=bit(State.FILED)):
        desk.decide(did, port, Decision.REJECT, REASON)
    assert customs.isCleared(did)


@pytest.mark.parametrize("version", [0, 2, 2**32 - 1], ids=["zero", "next", "max"])
def test_decide_reverts_if_version_is_not_the_current_one(desk, customs, version):
    did = desk.file()
    with reverts(customs.ClearanceStaleVersion, declarationId=did, version=version, current=1):
        desk.decide(did, SHEKOU, Decision.APPROVE, version=version)


def test_decide_reverts_for_an_unknown_declaration(desk, customs, members):
    sid = desk.shipment()
    with reverts(customs.ClearanceUnknownDeclaration, declarationId=sid):
        customs.decide(sid, 1, SHEKOU, int(Decision.APPROVE), NO_REASON, sender=members.shekou_customs)


# ---------------------------------------------------------------------------------------------------- who decides


@pytest.mark.parametrize(("port", "caller"), NOT_CUSTOMS, ids=[f"{SIDE[p]}-{c}" for p, c in NOT_CUSTOMS])
def test_decide_reverts_if_caller_is_not_customs_of_the_port(desk, customs, members, port, caller):
    did = desk.file()
    sender = getattr(members, caller)
    with reverts(customs.ClearanceUnauthorized, account=sender.address, role=CUSTOMS, port=port):
        desk.decide(did, port, Decision.APPROVE, sender=sender)
    assert sides(customs, did)["state"] == State.FILED


@pytest.mark.parametrize("how", ["revoked", "suspended"])
def test_decide_reverts_if_customs_lost_its_role(desk, customs, members, admit, how):
    did = desk.file()
    if how == "revoked":
        admit("proposeRoleRevoke", members.shunde_customs, CUSTOMS, SHUNDE)
    else:
        admit("proposeSuspension", members.shunde_customs, SUSPENSION_REASON)
    with reverts(customs.ClearanceUnauthorized, account=members.shunde_customs.address, role=CUSTOMS, port=SHUNDE):
        desk.decide(did, SHUNDE, Decision.APPROVE)


@pytest.mark.parametrize("port", [HONG_KONG, NO_PORT, b"cnshk"], ids=["other-consortium-port", "zero", "lowercase"])
def test_decide_reverts_if_port_is_not_the_declarations(desk, customs, members, three_ports, admit, port):
    admit("proposeMember", members.newcomer2, "Hong Kong Customs", "HK-CED", CUSTOMS, HONG_KONG)
    did = desk.file()
    with reverts(customs.ClearanceNotDeclarationPort, declarationId=did, port=port):
        desk.decide(did, port, Decision.APPROVE, sender=members.newcomer2)


def test_shipper_holding_customs_cannot_decide_on_its_own_declaration(desk, customs, registry, members, admit):
    admit("proposeRoleGrant", members.shipper, CUSTOMS, SHEKOU)
    assert registry.hasPortRole(CUSTOMS, SHEKOU, members.shipper)
    did = desk.file()
    with reverts(customs.ClearanceSelfDecision, declarationId=did, officer=members.shipper.address):
        desk.decide(did, SHEKOU, Decision.APPROVE, sender=members.shipper)


def test_shipper_holding_customs_cannot_decide_on_what_its_broker_filed(desk, customs, members, admit):
    admit("proposeRoleGrant", members.shipper, CUSTOMS, SHUNDE)
    customs.setBroker(members.financier, True, sender=members.shipper)
    did = desk.file(sender=members.financier)
    with reverts(customs.ClearanceSelfDecision, declarationId=did, officer=members.shipper.address):
        desk.decide(did, SHUNDE, Decision.REQUEST_INSPECTION, sender=members.shipper)


def test_broker_holding_customs_cannot_decide_on_a_declaration_it_filed(desk, customs, registry, members, admit):
    admit("proposeMember", members.newcomer, "Shekou Customs Brokerage", "BRK-02", CUSTOMS, SHEKOU)
    assert registry.hasPortRole(CUSTOMS, SHEKOU, members.newcomer)
    customs.setBroker(members.newcomer, True, sender=members.shipper)
    did = desk.file(sender=members.newcomer)
    with reverts(customs.ClearanceSelfDecision, declarationId=did, officer=members.newcomer.address):
        desk.decide(did, SHEKOU, Decision.APPROVE, sender=members.newcomer)
    desk.decide(did, SHEKOU, Decision.APPROVE)  # Shekou's own officer still may


@pytest.mark.parametrize("withdrawn", [False, True], ids=["authorised", "then-withdrawn"])
def test_broker_holding_customs_cannot_decide_on_what_the_shipper_filed(desk, customs, members, admit, withdrawn):
    """A broker of the shipper is on the shipper's side of the table whoever filed the version; once the shipper
    withdraws the authorisation, the account is an ordinary officer again."""
    admit("proposeMember", members.newcomer, "Shekou Customs Brokerage", "BRK-03", CUSTOMS, SHEKOU)
    customs.setBroker(members.newcomer, True, sender=members.shipper)
    did = desk.file()
    with reverts(customs.ClearanceSelfDecision, declarationId=did, officer=members.newcomer.address):
        desk.decide(did, SHEKOU, Decision.APPROVE, sender=members.newcomer)
    if withdrawn:
        customs.setBroker(members.newcomer, False, sender=members.shipper)
        desk.decide(did, SHEKOU, Decision.APPROVE, sender=members.newcomer)
        assert customs.getDeclaration(did).originOfficer == members.newcomer.address


def test_one_officer_cannot_decide_for_both_ports(desk, customs, members, admit):
    admit("proposeRoleGrant", members.shekou_customs, CUSTOMS, SHUNDE)
    did = desk.file()
    desk.decide(did, SHEKOU, Decision.APPROVE)
    with reverts(customs.ClearanceSameOfficer, declarationId=did, officer=members.shekou_customs.address):
        desk.decide(did, SHUNDE, Decision.APPROVE, sender=members.shekou_customs)
    assert not customs.isCleared(did)


def test_another_officer_of_the_port_decides_after_an_inspection(desk, customs, members, admit):
    admit("proposeMember", members.newcomer, "Shekou Customs, inspection unit", "CUS-SHK-2", CUSTOMS, SHEKOU)
    did = desk.file()
    desk.decide(did, SHEKOU, Decision.REQUEST_INSPECTION)
    receipt = desk.decide(did, SHEKOU, Decision.APPROVE, sender=members.newcomer)
    assert logs(receipt) == [recorded(customs, did, SHEKOU, members.newcomer, Decision.APPROVE)]
    assert sides(customs, did) == decided(SHEKOU, Decision.APPROVE, members.newcomer)


# ---------------------------------------------------------------------------------------------------- clearance


@pytest.mark.parametrize("relayed", [False, True], ids=["sent", "relayed"])
@pytest.mark.parametrize("first", PORTS, ids=["origin-first", "destination-first"])
def test_second_approval_clears_the_goods(desk, customs, members, first, relayed):
    did = desk.file()
    desk.decide(did, first, Decision.APPROVE)
    assert not customs.isCleared(did)

    second = OTHER[first]
    if relayed:  # the officer signs in a wallet, an outsider relays: the rest is the same
        receipt = desk.relay(desk.decision(did, second), sender=members.outsider)
    else:
        receipt = desk.decide(did, second, Decision.APPROVE)
    submitted_by = members.outsider if relayed else None
    assert logs(receipt) == [
        recorded(customs, did, second, desk.officer[second], Decision.APPROVE, submitted_by=submitted_by),
        ev(customs, "DeclarationStateChanged", declarationId=did, previous=State.FILED, state=State.CLEARED),
        ev(
            customs,
            "DeclarationCleared",
            declarationId=did,
            version=1,
            originOfficer=members.shekou_customs.address,
            destinationOfficer=members.shunde_customs.address,
        ),
    ]
    assert customs.isCleared(did)
    assert sides(customs, did) == {
        "state": State.CLEARED,
        "originDecision": Decision.APPROVE,
        "destinationDecision": Decision.APPROVE,
        "originOfficer": members.shekou_customs.address,
        "destinationOfficer": members.shunde_customs.address,
    }
    assert customs.getDeclaration(did).updatedAt == receipt.timestamp


def test_clearance_names_the_version_and_officers_that_approved_it(desk, customs, members, admit):
    admit("proposeMember", members.newcomer, "Shunde Customs, second officer", "CUS-SUD-2", CUSTOMS, SHUNDE)
    did = desk.file()
    desk.decide(did, SHEKOU, Decision.REJECT, REASON)
    desk.amend(did, keccak(b"version 2"))
    desk.decide(did, SHEKOU, Decision.APPROVE)
    receipt = desk.decide(did, SHUNDE, Decision.APPROVE, sender=members.newcomer)
    [event] = receipt.events.filter(customs.DeclarationCleared)
    assert (event.version, event.originOfficer, event.destinationOfficer) == (
        2,
        members.shekou_customs.address,
        members.newcomer.address,
    )


CLEARED_ACTIONS = [
    ("decide", "reject-origin"),
    ("amend", "amend"),
    ("placeHold", "hold"),
    ("clear", "clear-again"),
]


@pytest.mark.parametrize("action", [row[0] for row in CLEARED_ACTIONS], ids=ids(CLEARED_ACTIONS))
def test_cleared_is_final(desk, customs, members, action):
    did = desk.file()
    desk.approve_both(did, relayed=False)
    open_states = bit(State.FILED, State.REJECTED)
    expected = bit(State.FILED) if action in ("decide", "clear") else open_states
    with reverts(customs.ClearanceUnexpectedState, declarationId=did, current=State.CLEARED, expected=expected):
        if action == "decide":
            desk.decide(did, SHEKOU, Decision.REJECT, REASON)
        elif action == "amend":
            desk.amend(did, keccak(b"after clearance"))
        elif action == "placeHold":
            customs.placeHold(did, SHUNDE, REASON, sender=members.shunde_customs)
        else:
            customs.clear(did, sender=members.outsider)
    assert customs.isCleared(did)
    assert customs.getDeclaration(did).digest == DIGEST
