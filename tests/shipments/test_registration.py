"""ShipmentRegistry.register: who may register, what a registration must hold, and business keys that never repeat."""

from __future__ import annotations

import pytest
from portlink.domain.consortium import Role

from tests.conftest import HONG_KONG, NO_PORT, SHEKOU, SHUNDE, reverts
from tests.shipments.conftest import (
    CSQU,
    DEFAULT_CONTAINERS,
    DOCUMENTS,
    MAX_CONTAINERS,
    MSCU,
    REF,
    ZERO32,
    ZERO_ADDRESS,
    Milestone,
    State,
    container,
    ev,
    iso6346,
    logs,
    pool_number,
    registration,
    seal,
    seals,
    seals_digest,
    shipment_id_of,
)

# ---------------------------------------------------------------------------------------------------- tables

SUSPENSION_REASON = b"\x01" * 32

#: Everyone but the pilot shipper: every other seeded member, the deployer and accounts that are not members.
NOT_SHIPPERS = [
    "shekou_authority",
    "shunde_authority",
    "shekou_customs",
    "shunde_customs",
    "shekou_terminal",
    "shunde_terminal",
    "carrier",
    "consignee",
    "financier",
    "tax_authority",
    "iot_gateway",
    "auditor",
    "deployer",
    "newcomer",
    "outsider",
]

VALID_REFERENCES = [
    ("A", "one-letter"),
    ("7", "one-digit"),
    ("SHK2026000042", "letters-and-digits"),
    ("ABCDEFGHIJKLMNOPQRST", "twenty-letters"),
    ("01234567890123456789", "twenty-digits"),
    ("Z9", "boundary-characters"),
]

INVALID_REFERENCES = [
    ("", "empty"),
    ("ABCDEFGHIJKLMNOPQRSTU", "twenty-one-chars"),
    ("SHK20260000000000042X", "twenty-one-alnum"),
    ("shk2026000042", "lowercase"),
    ("SHK2026000042a", "one-lowercase-letter"),
    ("SHK 2026000042", "space"),
    (" SHK2026000042", "leading-space"),
    ("SHK-2026-000042", "hyphen"),
    ("SHK/2026/000042", "slash"),
    ("SHK.2026", "dot"),
    ("SHK\x002026", "nul"),
    ("SHK2026@", "at-sign-below-A"),
    ("SHK2026[", "bracket-above-Z"),
    ("SHK2026:", "colon-above-9"),
    ("SHK2026/", "slash-below-0"),
    ("SHK\u00c92026", "non-ascii-letter"),
    ("\uff33\uff28\uff2b", "fullwidth"),
]

#: Containers that are not ISO 6346 numbers, each refused by number (the full table is in test_iso6346.py).
INVALID_NUMBERS = [
    (b"CSQU3054384", "wrong-check-digit"),
    (iso6346("CSQX305438"), "bad-category-letter"),
    (b"csqu3054383", "lowercase"),
    (iso6346("C5QU305438"), "digit-in-owner-code"),
    (bytes(11), "zero-bytes"),
]

INVALID_SEALS = [
    ([], "empty"),
    (seals("S1", "S2", "S3", "S4", "S5"), "five-seals"),
    ([seal("S2"), seal("S1")], "unsorted"),
    ([seal("S1"), seal("S1")], "duplicate"),
    ([bytes(16)], "zero-seal"),
    ([bytes(16), seal("S1")], "zero-first"),
    ([seal("S1"), seal("S2"), seal("S3"), seal("S2")], "descending-last"),
]


def ids(table) -> list[str]:
    return [name for _, name in table]


def values(table) -> list:
    return [value for value, _ in table]


# ---------------------------------------------------------------------------------------------------- registering


def test_shipper_registers_shipment_with_events_and_reads(chain, shipments, members, journey):
    reg = registration(members)
    receipt = journey.submit(reg, sender=members.shipper)

    sid = shipment_id_of(members.carrier, REF)
    assert receipt.return_value == sid
    assert logs(receipt) == [
        ev(
            shipments,
            "ShipmentRegistered",
            shipmentId=sid,
            shipper=members.shipper.address,
            carrier=members.carrier.address,
            consignee=members.consignee.address,
            originPort=SHEKOU,
            destinationPort=SHUNDE,
            transportDocumentReference=REF,
            documentsDigest=DOCUMENTS,
            containerCount=2,
        ),
        *(
            ev(
                shipments,
                "ContainerRegistered",
                shipmentId=sid,
                index=i,
                number=number,
                declaredGrossKg=declared,
                seals=seal_list,
            )
            for i, (number, declared, seal_list) in enumerate(DEFAULT_CONTAINERS)
        ),
    ]
    assert dict(shipments.getShipment(sid).items()) == {
        "state": State.REGISTERED,
        "originPort": SHEKOU,
        "destinationPort": SHUNDE,
        "containerCount": 2,
        "containersAdvanced": 0,
        "containersHeld": 0,
        "registeredAt": receipt.timestamp,
        "shipper": members.shipper.address,
        "consignee": members.consignee.address,
        "carrier": members.carrier.address,
        "documentsDigest": DOCUMENTS,
    }
    for i, (number, declared, seal_list) in enumerate(DEFAULT_CONTAINERS):
        assert dict(shipments.getContainer(sid, i).items()) == {
            "number": number,
            "declaredGrossKg": declared,
            "observedGrossKg": 0,
            "discrepancies": 0,
            "state": State.REGISTERED,
            "sealsDigest": seals_digest(seal_list),
        }
        assert shipments.shipmentOfContainer(number) == sid
    assert not shipments.isHeld(sid)


def test_shipment_id_is_keccak_of_abi_encoded_carrier_and_reference(shipments, members):
    for carrier in (members.carrier, members.newcomer, members.outsider):
        for reference in ("SHK2026000042", "A", "ABCDEFGHIJKLMNOPQRST"):
            assert shipments.shipmentIdOf(carrier, reference) == shipment_id_of(carrier, reference)
    assert shipments.shipmentIdOf(members.carrier, "A") != shipments.shipmentIdOf(members.newcomer, "A")


def test_unknown_shipment_reads_as_zero(shipments, members):
    sid = shipment_id_of(members.carrier, "NEVERREGISTERED")
    shipment = shipments.getShipment(sid)
    assert shipment.state == State.NONE
    assert (shipment.shipper, shipment.carrier, shipment.containerCount) == (ZERO_ADDRESS, ZERO_ADDRESS, 0)
    assert shipments.getContainer(sid, 0).number == bytes(11)
    assert not shipments.isHeld(sid)
    assert shipments.shipmentOfContainer(CSQU) == ZERO32


def test_shipment_registry_asks_the_pilot_consortium(shipments, registry):
    assert shipments.consortium() == registry.address
    assert shipments.MAX_CONTAINERS() == MAX_CONTAINERS
    assert shipments.MAX_SEALS() == 4


@pytest.mark.parametrize(("origin", "destination"), [(SHEKOU, SHUNDE), (SHUNDE, SHEKOU)], ids=["shekou-shunde", "back"])
def test_registration_accepts_either_direction_between_pilot_ports(shipments, journey, origin, destination):
    sid = journey.register(origin=origin, destination=destination)
    shipment = shipments.getShipment(sid)
    assert (shipment.originPort, shipment.destinationPort) == (origin, destination)


def test_registration_accepts_a_port_admitted_by_vote(shipments, journey, three_ports):
    sid = journey.register(origin=HONG_KONG, destination=SHEKOU)
    assert shipments.getShipment(sid).originPort == HONG_KONG


@pytest.mark.parametrize("reference", values(VALID_REFERENCES), ids=ids(VALID_REFERENCES))
def test_registration_accepts_valid_transport_document_reference(shipments, journey, members, reference):
    sid = journey.register(reference=reference)
    assert sid == shipment_id_of(members.carrier, reference)
    assert shipments.getShipment(sid).state == State.REGISTERED


def test_registration_accepts_max_containers(shipments, journey):
    boxes = [container(pool_number(n), 10_000 + n) for n in range(MAX_CONTAINERS)]
    sid = journey.register(boxes)
    assert shipments.getShipment(sid).containerCount == MAX_CONTAINERS
    last = shipments.getContainer(sid, MAX_CONTAINERS - 1)
    assert (last.number, last.declaredGrossKg) == (pool_number(MAX_CONTAINERS - 1), 10_000 + MAX_CONTAINERS - 1)
    assert shipments.shipmentOfContainer(pool_number(0)) == sid


@pytest.mark.parametrize(
    "seal_list",
    [seals("S1"), seals("S1", "S2", "S3", "S4"), [seal("A"), seal("A0")], [b"\x01" + bytes(15)], [b"\xff" * 16]],
    ids=["one", "four", "prefix-sorts-first", "smallest-nonzero", "largest"],
)
def test_registration_accepts_valid_seals(shipments, journey, seal_list):
    sid = journey.register([container(CSQU, 20_000, seal_list)])
    assert shipments.getContainer(sid, 0).sealsDigest == seals_digest(seal_list)


@pytest.mark.parametrize("declared", [1, 2**32 - 1], ids=["one-kg", "max-uint32"])
def test_registration_accepts_any_nonzero_weight(shipments, journey, declared):
    sid = journey.register([container(CSQU, declared)])
    assert shipments.getContainer(sid, 0).declaredGrossKg == declared


def test_registration_keeps_a_zero_documents_digest(shipments, journey):
    sid = journey.register(documents=ZERO32)
    assert shipments.getShipment(sid).documentsDigest == ZERO32


# ---------------------------------------------------------------------------------------------------- business keys


def test_register_reverts_if_same_carrier_registers_the_same_bl_again(shipments, journey, members):
    sid = journey.register()
    other_boxes = [container(pool_number(1))]
    with reverts(shipments.ShipmentAlreadyRegistered, shipmentId=sid):
        journey.submit(registration(members, other_boxes, consignee=members.consignee), sender=members.shipper)
    assert shipments.shipmentOfContainer(pool_number(1)) == ZERO32


def test_register_reverts_if_another_shipper_registers_the_same_bl_of_the_carrier(shipments, journey, members, admit):
    sid = journey.register()
    admit("proposeMember", members.newcomer, "Shipper 2", "S2", Role.SHIPPER.id, NO_PORT)
    with reverts(shipments.ShipmentAlreadyRegistered, shipmentId=sid):
        journey.submit(registration(members, [container(pool_number(1))]), sender=members.newcomer)
    assert shipments.getShipment(sid).shipper == members.shipper.address


def test_register_reverts_if_the_bl_was_registered_and_its_shipment_completed(shipments, journey, members):
    sid = journey.register()
    journey.advance(sid, State.GATED_OUT)
    assert shipments.shipmentOfContainer(CSQU) == ZERO32  # the boxes are free again ...
    with reverts(shipments.ShipmentAlreadyRegistered, shipmentId=sid):  # ... but the B/L is not
        journey.submit(registration(members), sender=members.shipper)
    assert shipments.getShipment(sid).state == State.GATED_OUT


def test_same_bl_number_of_another_carrier_is_another_shipment(shipments, journey, members, admit):
    admit("proposeMember", members.newcomer, "Carrier 2", "C2", Role.CARRIER.id, NO_PORT)
    first = journey.register()
    second = journey.register([container(pool_number(1))], carrier=members.newcomer)
    assert second == shipment_id_of(members.newcomer, REF) != first
    assert shipments.getShipment(second).carrier == members.newcomer.address
    assert shipments.getShipment(first).carrier == members.carrier.address
    with reverts(shipments.ShipmentAlreadyRegistered, shipmentId=second):
        journey.submit(
            registration(members, [container(pool_number(2))], carrier=members.newcomer), sender=members.shipper
        )


# ---------------------------------------------------------------------------------------------------- refusals: caller


@pytest.mark.parametrize("caller", NOT_SHIPPERS, ids=NOT_SHIPPERS)
def test_register_reverts_if_caller_is_not_a_shipper(shipments, members, caller, journey):
    sender = getattr(members, caller)
    with reverts(shipments.ShipmentUnauthorized, account=sender.address, role=Role.SHIPPER.id, port=NO_PORT):
        journey.submit(registration(members), sender=sender)
    assert shipments.getShipment(shipment_id_of(members.carrier, REF)).state == State.NONE
    assert shipments.shipmentOfContainer(CSQU) == ZERO32


def test_register_reverts_if_shipper_is_suspended_and_works_again_once_reinstated(shipments, journey, members, admit):
    admit("proposeSuspension", members.shipper, SUSPENSION_REASON)
    with reverts(shipments.ShipmentUnauthorized, account=members.shipper.address, role=Role.SHIPPER.id, port=NO_PORT):
        journey.submit(registration(members), sender=members.shipper)
    admit("proposeReinstatement", members.shipper)
    assert shipments.getShipment(journey.register()).shipper == members.shipper.address


def test_register_reverts_if_shippers_role_was_revoked(shipments, members, admit, journey):
    admit("proposeRoleRevoke", members.shipper, Role.SHIPPER.id, NO_PORT)
    with reverts(shipments.ShipmentUnauthorized, account=members.shipper.address, role=Role.SHIPPER.id, port=NO_PORT):
        journey.submit(registration(members), sender=members.shipper)


def test_shipper_admitted_by_vote_registers(shipments, journey, members, admit):
    admit("proposeMember", members.newcomer, "Shipper 2", "S2", Role.SHIPPER.id, NO_PORT)
    sid = journey.register(sender=members.newcomer)
    assert shipments.getShipment(sid).shipper == members.newcomer.address


# ---------------------------------------------------------------------------------------------------- refusals: ports


UNKNOWN_PORTS = [(HONG_KONG, "not-admitted"), (bytes(5), "zero"), (b"cnshk", "lowercase-pilot-port")]


@pytest.mark.parametrize("port", values(UNKNOWN_PORTS), ids=ids(UNKNOWN_PORTS))
@pytest.mark.parametrize("side", ["origin", "destination"])
def test_register_reverts_if_port_is_not_a_consortium_port(shipments, members, side, port, journey):
    other = SHUNDE if side == "origin" else SHEKOU
    ports = {"origin": port, "destination": other} if side == "origin" else {"origin": other, "destination": port}
    with reverts(shipments.ShipmentUnknownPort, port=port):
        journey.submit(registration(members, **ports), sender=members.shipper)


@pytest.mark.parametrize("port", [SHEKOU, SHUNDE], ids=["shekou", "shunde"])
def test_register_reverts_if_origin_and_destination_are_the_same(shipments, members, port, journey):
    with reverts(shipments.ShipmentSamePorts, port=port):
        journey.submit(registration(members, origin=port, destination=port), sender=members.shipper)


# ---------------------------------------------------------------------------------------------------- refusals: parties

INVALID_CONSIGNEES = ["outsider", "shipper", "carrier", "financier", "shekou_customs"]
INVALID_CARRIERS = ["outsider", "shipper", "consignee", "shekou_terminal", "auditor"]


@pytest.mark.parametrize("who", INVALID_CONSIGNEES, ids=INVALID_CONSIGNEES)
def test_register_reverts_if_consignee_does_not_hold_the_consignee_role(shipments, members, who, journey):
    account = getattr(members, who)
    with reverts(shipments.ShipmentInvalidParty, account=account.address, role=Role.CONSIGNEE.id):
        journey.submit(registration(members, consignee=account), sender=members.shipper)


@pytest.mark.parametrize("who", INVALID_CARRIERS, ids=INVALID_CARRIERS)
def test_register_reverts_if_carrier_does_not_hold_the_carrier_role(shipments, members, who, journey):
    account = getattr(members, who)
    with reverts(shipments.ShipmentInvalidParty, account=account.address, role=Role.CARRIER.id):
        journey.submit(registration(members, carrier=account), sender=members.shipper)


def test_register_reverts_if_consignee_is_the_zero_address(shipments, members, journey):
    with reverts(shipments.ShipmentInvalidParty, account=ZERO_ADDRESS, role=Role.CONSIGNEE.id):
        journey.submit(registration(members, consignee=ZERO_ADDRESS), sender=members.shipper)


@pytest.mark.parametrize(("who", "role"), [("consignee", Role.CONSIGNEE), ("carrier", Role.CARRIER)])
def test_register_reverts_if_party_is_suspended(shipments, members, admit, who, role, journey):
    account = getattr(members, who)
    admit("proposeSuspension", account, SUSPENSION_REASON)
    with reverts(shipments.ShipmentInvalidParty, account=account.address, role=role.id):
        journey.submit(registration(members), sender=members.shipper)


# ---------------------------------------------------------------------------------------------------- refusals: B/L


@pytest.mark.parametrize("reference", values(INVALID_REFERENCES), ids=ids(INVALID_REFERENCES))
def test_register_reverts_if_transport_document_reference_is_invalid(shipments, members, reference, journey):
    with reverts(shipments.ShipmentInvalidTransportDocument, transportDocumentReference=reference):
        journey.submit(registration(members, reference=reference), sender=members.shipper)


# ------------------------------------------------------------------------------------------------ refusals: containers


@pytest.mark.parametrize("count", [0, MAX_CONTAINERS + 1], ids=["none", "one-too-many"])
def test_register_reverts_if_container_count_is_out_of_range(shipments, members, count, journey):
    boxes = [container(pool_number(n)) for n in range(count)]
    with reverts(shipments.ShipmentContainerCount, count=count, max=MAX_CONTAINERS):
        journey.submit(registration(members, boxes), sender=members.shipper)


@pytest.mark.parametrize("number", values(INVALID_NUMBERS), ids=ids(INVALID_NUMBERS))
@pytest.mark.parametrize("position", [0, 1], ids=["first", "second"])
def test_register_reverts_if_container_number_is_not_iso6346(shipments, members, number, position, journey):
    boxes = [container(MSCU)]
    boxes.insert(position, container(number, 20_000, seals("S1")))
    with reverts(shipments.ShipmentInvalidContainerNumber, number=number):
        journey.submit(registration(members, boxes), sender=members.shipper)
    assert shipments.shipmentOfContainer(MSCU) == ZERO32


def test_register_reverts_if_container_is_in_another_open_shipment(shipments, journey, members):
    first = journey.register()
    boxes = [container(pool_number(1)), container(MSCU)]
    with reverts(shipments.ShipmentContainerInUse, number=MSCU, shipmentId=first):
        journey.submit(registration(members, boxes, reference="SHK2026000043"), sender=members.shipper)
    assert shipments.shipmentOfContainer(MSCU) == first
    assert shipments.shipmentOfContainer(pool_number(1)) == ZERO32


def test_register_reverts_if_container_is_twice_in_one_registration(shipments, members, journey):
    boxes = [container(CSQU, 20_000, seals("S1")), container(MSCU), container(CSQU, 21_000, seals("S2"))]
    with reverts(shipments.ShipmentContainerInUse, number=CSQU, shipmentId=shipment_id_of(members.carrier, REF)):
        journey.submit(registration(members, boxes), sender=members.shipper)


@pytest.mark.parametrize(
    "state", [State.GATED_IN, State.LOADED, State.DEPARTED, State.ARRIVED, State.DISCHARGED], ids=lambda s: s.name
)
def test_register_reverts_if_container_is_in_a_shipment_that_has_not_gated_it_out(shipments, journey, members, state):
    first = journey.register()
    journey.advance(first, state)
    with reverts(shipments.ShipmentContainerInUse, number=CSQU, shipmentId=first):
        journey.submit(registration(members, [container(CSQU)], reference="NEXT"), sender=members.shipper)


def test_container_is_free_once_gated_out_even_if_the_rest_of_its_shipment_is_not(shipments, journey, members):
    first = journey.register()
    journey.advance(first, State.DISCHARGED)
    journey.record(first, Milestone.GTOT, 0)
    assert shipments.shipmentOfContainer(CSQU) == ZERO32
    assert shipments.shipmentOfContainer(MSCU) == first
    second = journey.register([container(CSQU)], reference="NEXT")
    assert shipments.shipmentOfContainer(CSQU) == second
    with reverts(shipments.ShipmentContainerInUse, number=MSCU, shipmentId=first):
        journey.submit(registration(members, [container(MSCU)], reference="NEXT2"), sender=members.shipper)


def test_register_reverts_if_declared_weight_is_zero(shipments, members, journey):
    boxes = [container(CSQU), container(MSCU, 0)]
    with reverts(shipments.ShipmentInvalidWeight, number=MSCU):
        journey.submit(registration(members, boxes), sender=members.shipper)


@pytest.mark.parametrize("seal_list", values(INVALID_SEALS), ids=ids(INVALID_SEALS))
def test_register_reverts_if_seals_are_invalid(shipments, members, seal_list, journey):
    boxes = [container(CSQU), container(MSCU, 20_000, seal_list)]
    with reverts(shipments.ShipmentInvalidSeals, number=MSCU):
        journey.submit(registration(members, boxes), sender=members.shipper)
