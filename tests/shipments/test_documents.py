"""ShipmentRegistry document anchors: who may anchor, versions per type, and verifying a document from its bytes."""

from __future__ import annotations

import pytest
from eth_utils.crypto import keccak
from portlink.domain.consortium import Role

from tests.conftest import HONG_KONG, NO_PORT, SHEKOU, SHUNDE, reverts
from tests.shipments.conftest import (
    ZERO32,
    ZERO_ADDRESS,
    Doc,
    State,
    container,
    ev,
    logs,
    pool_number,
    shipment_id_of,
)

# ---------------------------------------------------------------------------------------------------- helpers

NO_ANCHOR = (ZERO32, Doc.NONE, 0, 0, ZERO_ADDRESS)
BILL_OF_LADING = b"%PDF-1.7\n% PortLink test bill of lading SHK2026000042, shipped on board 2026-03-02\n%%EOF\n"
DOCUMENT_PARTIES = ["shipper", "carrier", "shekou_customs", "shunde_customs"]
NOT_DOCUMENT_PARTIES = [
    "shekou_terminal",
    "shunde_terminal",
    "consignee",
    "financier",
    "tax_authority",
    "auditor",
    "shekou_authority",
    "outsider",
]


def document(text: str) -> bytes:
    """The keccak-256 digest of a (made-up) document's bytes."""
    return keccak(text.encode())


def anchored(shipments, sid, doc_type, digest, version, by) -> tuple:
    return ev(
        shipments, "DocumentAnchored", shipmentId=sid, docType=doc_type, digest=digest, version=version, by=by.address
    )


def verify(shipments, digest) -> tuple[tuple, bool]:
    anchor, is_latest = shipments.verifyDocument(digest)
    return tuple(anchor), is_latest


# ---------------------------------------------------------------------------------------------------- anchoring


@pytest.mark.parametrize("party", DOCUMENT_PARTIES, ids=DOCUMENT_PARTIES)
def test_document_party_anchors_a_document(shipments, journey, members, party):
    sid = journey.register()
    sender = getattr(members, party)
    digest = document(f"customs declaration by {party}")
    receipt = shipments.anchorDocument(sid, Doc.CUSTOMS_DECLARATION, digest, sender=sender)
    assert logs(receipt) == [anchored(shipments, sid, Doc.CUSTOMS_DECLARATION, digest, 1, sender)]
    assert verify(shipments, digest) == ((sid, Doc.CUSTOMS_DECLARATION, 1, receipt.timestamp, sender.address), True)
    assert tuple(shipments.latestDocument(sid, Doc.CUSTOMS_DECLARATION)) == (digest, 1)


def test_version_increments_per_type_and_only_the_latest_is_latest(shipments, journey, members):
    sid = journey.register()
    versions = [
        (members.shipper, document("B/L draft")),
        (members.carrier, document("B/L as issued")),
        (members.shekou_customs, document("B/L amended: consignee address")),
    ]
    receipts = []
    for n, (sender, digest) in enumerate(versions, start=1):
        receipts.append(receipt := shipments.anchorDocument(sid, Doc.BILL_OF_LADING, digest, sender=sender))
        assert logs(receipt) == [anchored(shipments, sid, Doc.BILL_OF_LADING, digest, n, sender)]
        assert tuple(shipments.latestDocument(sid, Doc.BILL_OF_LADING)) == (digest, n)
    for n, ((sender, digest), receipt) in enumerate(zip(versions, receipts, strict=True), start=1):
        expected = (sid, Doc.BILL_OF_LADING, n, receipt.timestamp, sender.address)
        assert verify(shipments, digest) == (expected, n == len(versions))

    # Another type has its own versions, and so does another shipment.
    invoice = document("commercial invoice")
    shipments.anchorDocument(sid, Doc.COMMERCIAL_INVOICE, invoice, sender=members.shipper)
    assert tuple(shipments.latestDocument(sid, Doc.COMMERCIAL_INVOICE)) == (invoice, 1)
    assert tuple(shipments.latestDocument(sid, Doc.BILL_OF_LADING)) == (versions[-1][1], 3)
    other = journey.register([container(pool_number(7))], reference="SHK2026000043")
    other_bl = document("B/L of the other shipment")
    shipments.anchorDocument(other, Doc.BILL_OF_LADING, other_bl, sender=members.carrier)
    assert tuple(shipments.latestDocument(other, Doc.BILL_OF_LADING)) == (other_bl, 1)
    assert verify(shipments, versions[-1][1])[1]  # still the latest of its own shipment


@pytest.mark.parametrize("doc_type", list(Doc)[1:], ids=[d.name for d in list(Doc)[1:]])
def test_every_document_type_can_be_anchored(shipments, journey, members, doc_type):
    sid = journey.register()
    digest = document(doc_type.name)
    shipments.anchorDocument(sid, doc_type, digest, sender=members.shipper)
    assert verify(shipments, digest)[0][1] == doc_type
    assert tuple(shipments.latestDocument(sid, doc_type)) == (digest, 1)


def test_documents_can_be_anchored_in_any_state(shipments, journey, members):
    sid = journey.register()
    for state in list(State)[2:]:
        journey.advance(sid, state)
        shipments.anchorDocument(sid, Doc.PACKING_LIST, document(state.name), sender=members.carrier)
    assert tuple(shipments.latestDocument(sid, Doc.PACKING_LIST)) == (document(State.GATED_OUT.name), 6)


def test_nothing_is_anchored_for_a_type_never_anchored(shipments, journey):
    sid = journey.register()
    assert tuple(shipments.latestDocument(sid, Doc.CERTIFICATE_OF_ORIGIN)) == (ZERO32, 0)


@pytest.mark.parametrize(
    "digest", [document("never anchored"), ZERO32, b"\xff" * 32], ids=["unknown", "zero", "all-ones"]
)
def test_verify_document_returns_the_zero_anchor_for_an_unknown_digest(shipments, digest):
    assert verify(shipments, digest) == (NO_ANCHOR, False)


def test_given_a_documents_bytes_anyone_can_tell_whether_when_and_by_whom_it_was_anchored(
    chain, shipments, journey, members
):
    sid = journey.register()
    receipt = shipments.anchorDocument(sid, Doc.BILL_OF_LADING, keccak(BILL_OF_LADING), sender=members.carrier)

    # Later, anyone holding a copy of the file hashes it and asks the chain (a read: no role needed).
    anchor, is_latest = shipments.verifyDocument(keccak(BILL_OF_LADING), sender=members.outsider)
    assert is_latest
    assert anchor[0] == sid == shipment_id_of(members.carrier, "SHK2026000042")  # to which shipment (whether)
    assert anchor[3] == receipt.timestamp == chain.blocks[receipt.block_number].timestamp  # when
    assert anchor[4] == members.carrier.address  # by whom
    assert (anchor[1], anchor[2]) == (Doc.BILL_OF_LADING, 1)  # as which document, which version

    # A copy differing in a single byte was never anchored.
    tampered = bytearray(BILL_OF_LADING)
    tampered[BILL_OF_LADING.index(b"2026-03-02") + 9] ^= 0x01  # shipped on board 2026-03-03
    assert verify(shipments, keccak(bytes(tampered))) == (NO_ANCHOR, False)


# ---------------------------------------------------------------------------------------------------- refusals


def test_anchor_reverts_if_the_same_digest_is_anchored_again(shipments, journey, members):
    sid = journey.register()
    digest = document("certificate of origin")
    receipt = shipments.anchorDocument(sid, Doc.CERTIFICATE_OF_ORIGIN, digest, sender=members.shipper)
    for doc_type, sender in [
        (Doc.CERTIFICATE_OF_ORIGIN, members.shipper),
        (Doc.CERTIFICATE_OF_ORIGIN, members.carrier),
        (Doc.PACKING_LIST, members.shekou_customs),
    ]:
        with reverts(shipments.ShipmentDocumentAlreadyAnchored, digest=digest, shipmentId=sid):
            shipments.anchorDocument(sid, doc_type, digest, sender=sender)
    assert verify(shipments, digest) == (
        (sid, Doc.CERTIFICATE_OF_ORIGIN, 1, receipt.timestamp, members.shipper.address),
        True,
    )
    assert tuple(shipments.latestDocument(sid, Doc.PACKING_LIST)) == (ZERO32, 0)


def test_anchor_reverts_if_the_digest_is_anchored_to_another_shipment(shipments, journey, members):
    first = journey.register()
    digest = document("one packing list for two B/Ls")
    shipments.anchorDocument(first, Doc.PACKING_LIST, digest, sender=members.shipper)
    second = journey.register([container(pool_number(7))], reference="SHK2026000043")
    with reverts(shipments.ShipmentDocumentAlreadyAnchored, digest=digest, shipmentId=first):
        shipments.anchorDocument(second, Doc.PACKING_LIST, digest, sender=members.shipper)
    assert verify(shipments, digest)[0][0] == first


@pytest.mark.parametrize(
    ("digest", "doc_type"),
    [(ZERO32, Doc.BILL_OF_LADING), (document("invoice"), Doc.NONE), (ZERO32, Doc.NONE)],
    ids=["zero-digest", "type-none", "both"],
)
def test_anchor_reverts_if_digest_is_zero_or_type_is_none(shipments, journey, members, digest, doc_type):
    sid = journey.register()
    with reverts(shipments.ShipmentInvalidDocument, digest=digest, docType=doc_type):
        shipments.anchorDocument(sid, doc_type, digest, sender=members.shipper)
    assert verify(shipments, digest) == (NO_ANCHOR, False)


@pytest.mark.parametrize("caller", NOT_DOCUMENT_PARTIES, ids=NOT_DOCUMENT_PARTIES)
def test_anchor_reverts_if_caller_is_not_a_party_to_the_shipment(shipments, journey, members, caller):
    sid = journey.register()
    sender = getattr(members, caller)
    digest = document(f"forged by {caller}")
    with reverts(shipments.ShipmentNotDocumentParty, shipmentId=sid, account=sender.address):
        shipments.anchorDocument(sid, Doc.BILL_OF_LADING, digest, sender=sender)
    assert verify(shipments, digest) == (NO_ANCHOR, False)


@pytest.mark.parametrize(("role", "label"), [(Role.SHIPPER, "Shipper 2"), (Role.CARRIER, "Carrier 2")])
def test_anchor_reverts_if_caller_is_a_shipper_or_carrier_of_other_shipments(
    shipments, journey, members, admit, role, label
):
    admit("proposeMember", members.newcomer, label, "X2", role.id, NO_PORT)
    sid = journey.register()
    with reverts(shipments.ShipmentNotDocumentParty, shipmentId=sid, account=members.newcomer.address):
        shipments.anchorDocument(sid, Doc.BILL_OF_LADING, document("not mine"), sender=members.newcomer)


def test_anchor_reverts_if_caller_is_customs_of_a_third_port(shipments, journey, members, admit, three_ports):
    admit("proposeMember", members.newcomer2, "Hong Kong Customs", "HK-C", Role.CUSTOMS.id, HONG_KONG)
    sid = journey.register()
    with reverts(shipments.ShipmentNotDocumentParty, shipmentId=sid, account=members.newcomer2.address):
        shipments.anchorDocument(sid, Doc.CUSTOMS_DECLARATION, document("HK"), sender=members.newcomer2)
    hk = journey.register([container(pool_number(7))], reference="HKG1", origin=HONG_KONG, destination=SHEKOU)
    shipments.anchorDocument(hk, Doc.CUSTOMS_DECLARATION, document("HK"), sender=members.newcomer2)


@pytest.mark.parametrize(
    ("party", "role", "port"),
    [
        ("shipper", Role.SHIPPER, NO_PORT),
        ("carrier", Role.CARRIER, NO_PORT),
        ("shekou_customs", Role.CUSTOMS, SHEKOU),
        ("shunde_customs", Role.CUSTOMS, SHUNDE),
    ],
    ids=DOCUMENT_PARTIES,
)
def test_anchor_reverts_if_party_lost_its_role(shipments, journey, members, admit, party, role, port):
    sid = journey.register()
    account = getattr(members, party)
    admit("proposeRoleRevoke", account, role.id, port)
    with reverts(shipments.ShipmentNotDocumentParty, shipmentId=sid, account=account.address):
        shipments.anchorDocument(sid, Doc.BILL_OF_LADING, document("after revocation"), sender=account)


def test_anchor_reverts_if_shipment_is_unknown(shipments, members):
    sid = shipment_id_of(members.carrier, "NEVERREGISTERED")
    with reverts(shipments.ShipmentUnknown, shipmentId=sid):
        shipments.anchorDocument(sid, Doc.BILL_OF_LADING, document("orphan"), sender=members.shipper)
