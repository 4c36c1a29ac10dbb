"""The carrier binds its bill of lading to a shipment (issue #16, 5): a shipper registers a B/L only with the
carrier's EIP-712 `BillOfLading` attestation made out to it, naming the consignee, the ports and the container
numbers; so no shipper can take another carrier's B/L (the canonical finance key) first."""

from __future__ import annotations

import pytest
from eth_account.messages import encode_typed_data
from eth_utils.crypto import keccak
from portlink.domain.consortium import Role
from portlink.domain.shipments import BillOfLading, ContainerDraft, RegistrationDraft, bill_of_lading_typed_data

from tests.conftest import HONG_KONG, NO_PORT, SHEKOU, SHUNDE, reverts
from tests.shipments.conftest import (
    DOCUMENTS,
    FAR,
    MSCU,
    REF,
    attest,
    bill_of_lading,
    container,
    pool_number,
    registration,
    shipment_id_of,
)


@pytest.fixture
def squatter(admit, members):
    """A second shipper of the consortium (newcomer2), who does not hold the pilot carrier's B/L."""
    admit("proposeMember", members.newcomer2, "Opportunist Trading", "OPP", Role.SHIPPER.id, NO_PORT)
    return members.newcomer2


def test_shipper_cannot_take_a_bl_its_carrier_did_not_issue_to_it(shipments, journey, members, squatter):
    """The issue's attack: a shipper registers the carrier's B/L number before the real shipper does. Without the
    carrier's attestation it is refused; with the attestation the carrier made out to the real shipper, too."""
    reg = registration(members)
    sid = shipment_id_of(members.carrier, REF)
    genuine = journey.attest(reg, members.shipper)
    for signature in (b"", genuine, attest(journey.domain, reg, squatter, squatter.private_key)):
        with reverts(shipments.ShipmentInvalidCarrierSignature, shipmentId=sid, carrier=members.carrier.address):
            journey.submit(reg, sender=squatter, signature=signature)
    assert shipments.getShipment(sid).state == 0

    receipt = journey.submit(reg, sender=members.shipper, signature=genuine)
    assert bytes(receipt.return_value) == sid
    assert shipments.getShipment(sid).shipper == members.shipper.address


def test_attestation_by_another_carrier_is_refused(shipments, journey, members, admit):
    admit("proposeMember", members.newcomer, "Other Line", "OL", Role.CARRIER.id, NO_PORT)
    reg = registration(members)
    signature = attest(journey.domain, reg, members.shipper, members.newcomer.private_key)
    with reverts(
        shipments.ShipmentInvalidCarrierSignature,
        shipmentId=shipment_id_of(members.carrier, REF),
        carrier=members.carrier.address,
    ):
        journey.submit(reg, signature=signature)


# (id, what the shipper changes after the carrier attested the registration)
ALTERED = [
    ("consignee", {"consignee": "shipper"}),
    ("origin", {"origin": HONG_KONG}),
    ("destination", {"destination": HONG_KONG}),
    ("another box", {"containers": [container(pool_number(12)), container(MSCU)]}),
    ("a box more", {"containers": [container(pool_number(11)), container(pool_number(12)), container(MSCU)]}),
    ("a box less", {"containers": [container(pool_number(11))]}),
    ("boxes reordered", {"containers": [container(MSCU), container(pool_number(11))]}),
]


@pytest.mark.parametrize("change", [c[1] for c in ALTERED], ids=[c[0] for c in ALTERED])
def test_attestation_binds_consignee_ports_and_boxes(shipments, journey, members, admit, change):
    if HONG_KONG in change.values():
        admit("proposePort", HONG_KONG, "Hong Kong", members.newcomer, "Hong Kong Marine Department", "HK-MD")
    attested = registration(members, [container(pool_number(11)), container(MSCU)])
    signature = journey.attest(attested, members.shipper)
    fields = {k: getattr(members, v) if k == "consignee" else v for k, v in change.items() if k != "containers"}
    if "consignee" in fields:  # the new consignee must hold CONSIGNEE to get as far as the signature
        admit("proposeRoleGrant", fields["consignee"], Role.CONSIGNEE.id, NO_PORT)
    altered = registration(members, change.get("containers", attested[6]), **fields)
    with reverts(
        shipments.ShipmentInvalidCarrierSignature,
        shipmentId=shipment_id_of(members.carrier, REF),
        carrier=members.carrier.address,
    ):
        journey.submit(altered, signature=signature)
    journey.submit(attested, signature=signature)  # as attested, it registers


def test_attestation_is_good_until_its_deadline_and_not_after(chain, shipments, journey, members):
    reg = registration(members)
    deadline = chain.pending_timestamp + 60
    signature = journey.attest(reg, members.shipper, deadline)
    chain.mine(1, timestamp=deadline + 1)
    with reverts(shipments.ShipmentExpiredAttestation, deadline=deadline):
        journey.submit(reg, deadline=deadline, signature=signature)

    reg = registration(members, reference="SHK2026000099")
    deadline = chain.pending_timestamp + 60
    signature = journey.attest(reg, members.shipper, deadline)
    chain.mine(1, timestamp=deadline - 1)
    journey.submit(reg, deadline=deadline, signature=signature)  # mined at the deadline itself: still good


def test_deadline_is_signed(chain, shipments, journey, members):
    reg = registration(members)
    signature = journey.attest(reg, members.shipper, chain.pending_timestamp + 60)
    with reverts(
        shipments.ShipmentInvalidCarrierSignature,
        shipmentId=shipment_id_of(members.carrier, REF),
        carrier=members.carrier.address,
    ):
        journey.submit(reg, deadline=FAR, signature=signature)  # a later deadline than the carrier gave


def test_attestation_for_another_registry_is_refused(shipments, journey, members):
    import dataclasses

    reg = registration(members)
    elsewhere = dataclasses.replace(journey.domain, verifying_contract=members.outsider.address)
    signature = attest(elsewhere, reg, members.shipper, members.carrier.private_key)
    with reverts(
        shipments.ShipmentInvalidCarrierSignature,
        shipmentId=shipment_id_of(members.carrier, REF),
        carrier=members.carrier.address,
    ):
        journey.submit(reg, signature=signature)


def test_carrier_contract_wallet_attests_through_erc1271(project, shipments, journey, members, admit):
    wallet = project.ERC1271WalletMock.deploy(members.carrier.address, sender=members.carrier)
    admit("proposeMember", wallet, "Line smart account", "LINE-SA", Role.CARRIER.id, NO_PORT)
    reg = registration(members, carrier=wallet.address)
    signature = attest(journey.domain, reg, members.shipper, members.carrier.private_key)  # the owner's key
    receipt = journey.submit(reg, signature=signature)
    assert bytes(receipt.return_value) == shipment_id_of(wallet.address, REF)

    other = registration(members, [container(pool_number(13))], carrier=wallet.address, reference="SHK2026000100")
    forged = attest(journey.domain, other, members.shipper, members.shipper.private_key)
    with reverts(
        shipments.ShipmentInvalidCarrierSignature,
        shipmentId=shipment_id_of(wallet.address, "SHK2026000100"),
        carrier=wallet.address,
    ):
        journey.submit(other, signature=forged)


def test_digest_is_the_typed_data_a_wallet_signs_and_the_backends(shipments, journey, members):
    draft = RegistrationDraft(
        consignee=members.consignee.address,
        carrier=members.carrier.address,
        origin_port="cnshk",
        destination_port="CN SUD",
        transport_document="shk-2026/000042",
        documents_digest=DOCUMENTS,
        containers=[ContainerDraft(number="CSQU 305438 3", declared_gross_kg=24_000, seals=["SL100001"])],
    )
    bill = BillOfLading.of(draft, members.shipper.address, FAR)
    typed = bill_of_lading_typed_data(journey.domain, bill)
    assert typed == bill_of_lading(journey.domain, draft.to_chain(), members.shipper, FAR)
    message = encode_typed_data(full_message=typed)
    digest = keccak(b"\x19" + message.version + message.header + message.body)
    assert bytes(shipments.billOfLadingDigest(draft.to_chain(), members.shipper, FAR)) == digest
    assert shipments.BILL_OF_LADING_TYPEHASH() == keccak(
        text="BillOfLading(address carrier,string transportDocumentReference,address shipper,address consignee,"
        "bytes5 originPort,bytes5 destinationPort,bytes11[] containers,uint256 deadline)"
    )


def test_ports_in_the_attestation_are_the_registrations(shipments, journey, members):
    """Origin and destination swapped in the attestation: the carrier carries it the other way."""
    reg = registration(members)
    back = registration(members, origin=SHUNDE, destination=SHEKOU)
    with reverts(
        shipments.ShipmentInvalidCarrierSignature,
        shipmentId=shipment_id_of(members.carrier, REF),
        carrier=members.carrier.address,
    ):
        journey.submit(reg, signature=journey.attest(back, members.shipper))
