"""CustomsClearance.file, amend and setBroker: who may file, what a declaration must hold, and its versions."""

from __future__ import annotations

import pytest
from eth_utils.crypto import keccak
from portlink.domain.consortium import Role
from portlink.domain.customs import Decision

from tests.conftest import NO_PORT, NO_ROLE, SHEKOU, SHUNDE, reverts
from tests.customs.conftest import CNY, DIGEST, HS_CODES, REASON, VALUE, State, bit, filed
from tests.shipments.conftest import ZERO32, ZERO_ADDRESS, ev, logs, shipment_id_of

# ---------------------------------------------------------------------------------------------------- tables

DIGEST_2 = keccak(b"combined declaration SHK2026000042, version 2")
HS_CODES_2 = [b"841810", b"841821", b"850440"]
VALUE_2 = 13_000_000
HKD = b"HKD"
SUSPENSION_REASON = b"\x03" * 32
MAX_HS_CODES = 50
MAX_UINT128 = 2**128 - 1

VALID_HS_CODES = [
    (b"010121", "first-chapter"),
    (b"970600", "last-chapter"),
    (b"850440", "static-converters"),
    (b"760000", "below-reserved-77"),
    (b"780000", "above-reserved-77"),
    (b"019999", "nines-after-chapter"),
]

INVALID_HS_CODES = [
    (b"000000", "chapter-00"),
    (b"009999", "chapter-00-rest-nines"),
    (b"770000", "reserved-chapter-77"),
    (b"980000", "national-chapter-98"),
    (b"990000", "national-chapter-99"),
    (b"12345A", "letter"),
    (b" 12345", "leading-space"),
    (b"8504.4", "dot"),
    (b"85044/", "slash-below-0"),
    (b"85044:", "colon-above-9"),
    (b"\x00" * 6, "zero-bytes"),
    (b"85044\x00", "nul-padded-five-digits"),
    (b"\xd9\xa8\xd9\xa5\xd9\xa0", "arabic-indic-utf8"),
    (b"8504\xff0", "high-byte"),
]

UNORDERED_HS_CODES = [
    ([b"850440", b"841810"], b"841810", "descending"),
    ([b"850440", b"850440"], b"850440", "duplicate"),
    ([b"010121", b"841810", b"850440", b"841810"], b"841810", "duplicate-not-adjacent"),
    ([b"010121", b"970600", b"970599"], b"970599", "last-out-of-order"),
]

VALID_CURRENCIES = [(CNY, "CNY"), (HKD, "HKD"), (b"AAA", "AAA"), (b"ZZZ", "ZZZ")]

INVALID_CURRENCIES = [
    (b"cny", "lowercase"),
    (b"CNy", "one-lowercase"),
    (b"CN1", "digit"),
    (b"\x00\x00\x00", "zero-bytes"),
    (b"CN\x00", "nul-padded"),
    (b"@AA", "at-sign-below-A"),
    (b"[AA", "bracket-above-Z"),
    (b"C Y", "space"),
    (b"\xc3\x89U", "non-ascii"),
]

#: Members and accounts that are neither the shipment's shipper nor a broker it authorised.
NOT_FILERS = ["consignee", "carrier", "shekou_customs", "financier", "deployer", "outsider"]
NOT_SHIPPERS = ["consignee", "carrier", "shekou_customs", "shekou_authority", "outsider"]


def ids(table) -> list[str]:
    return [row[-1] for row in table]


def values(table) -> list:
    return [row[0] for row in table]


def fifty_one_codes() -> list[bytes]:
    """51 distinct, valid HS codes in ascending order (chapters 01 to 51)."""
    return [b"%02d0000" % chapter for chapter in range(1, 52)]


def declaration(**fields) -> dict:
    """The Declaration the pilot shipper files for a Shekou-to-Shunde shipment, with `fields` changed."""
    expected = {
        "state": State.FILED,
        "version": 1,
        "originDecision": Decision.NONE,
        "destinationDecision": Decision.NONE,
        "originHold": False,
        "destinationHold": False,
        "originPort": SHEKOU,
        "destinationPort": SHUNDE,
        "currency": CNY,
        "customsValue": VALUE,
        "digest": DIGEST,
        "originOfficer": ZERO_ADDRESS,
        "destinationOfficer": ZERO_ADDRESS,
    }
    expected.update(fields)
    return expected


@pytest.fixture
def broker(admit, registry, customs, members):
    """`members.newcomer`: admitted by vote as a member without a role (a customs broker), authorised by the shipper."""
    admit("proposeMember", members.newcomer, "Pearl River Customs Brokerage", "BRK-01", NO_ROLE, NO_PORT)
    assert registry.isActiveMember(members.newcomer)
    customs.setBroker(members.newcomer, True, sender=members.shipper)
    return members.newcomer


# ---------------------------------------------------------------------------------------------------- filing


def test_shipper_files_declaration_with_events_and_reads(desk, customs, members):
    sid = desk.shipment()
    receipt = customs.file(sid, DIGEST, HS_CODES, VALUE, CNY, sender=members.shipper)

    assert receipt.return_value == sid
    assert logs(receipt) == [
        filed(customs, sid, members.shipper, 1, DIGEST, HS_CODES, VALUE, CNY),
        ev(customs, "DeclarationStateChanged", declarationId=sid, previous=State.NONE, state=State.FILED),
    ]
    assert dict(customs.getDeclaration(sid).items()) == declaration(
        shipper=members.shipper.address, filer=members.shipper.address, updatedAt=receipt.timestamp
    )
    assert not customs.isCleared(sid)


@pytest.mark.parametrize(
    ("origin", "destination"), [(SHEKOU, SHUNDE), (SHUNDE, SHEKOU)], ids=["shekou-to-shunde", "shunde-to-shekou"]
)
def test_declaration_takes_its_ports_from_the_shipment(desk, customs, origin, destination):
    did = desk.file(desk.shipment(origin=origin, destination=destination))
    d = customs.getDeclaration(did)
    assert (d.originPort, d.destinationPort) == (origin, destination)


def test_unfiled_shipment_reads_as_no_declaration(desk, customs):
    sid = desk.shipment()
    assert dict(customs.getDeclaration(sid).items()) == declaration(
        state=State.NONE,
        version=0,
        originPort=bytes(5),
        destinationPort=bytes(5),
        currency=bytes(3),
        customsValue=0,
        digest=ZERO32,
        shipper=ZERO_ADDRESS,
        filer=ZERO_ADDRESS,
        updatedAt=0,
    )
    assert not customs.isCleared(sid)


@pytest.mark.parametrize(
    "sid",
    [shipment_id_of("0x14dC79964da2C08b23698B3D3cc7Ca32193d9955", "NEVERREGISTERED"), ZERO32],
    ids=["never-registered", "zero"],
)
def test_file_reverts_if_shipment_is_unknown(customs, members, sid):
    with reverts(customs.ClearanceUnknownShipment, shipmentId=sid):
        customs.file(sid, DIGEST, HS_CODES, VALUE, CNY, sender=members.shipper)
    assert customs.getDeclaration(sid).state == State.NONE


def test_file_reverts_if_shipment_already_has_a_declaration(desk, customs, members):
    did = desk.file()
    with reverts(customs.ClearanceAlreadyFiled, declarationId=did):
        customs.file(did, DIGEST_2, HS_CODES_2, VALUE_2, HKD, sender=members.shipper)
    assert dict(customs.getDeclaration(did).items()) == declaration(
        shipper=members.shipper.address, filer=members.shipper.address, updatedAt=desk.receipt.timestamp
    )


def test_file_reverts_if_a_broker_files_a_second_time(desk, customs, broker):
    did = desk.file()
    with reverts(customs.ClearanceAlreadyFiled, declarationId=did):
        customs.file(did, DIGEST_2, HS_CODES_2, VALUE_2, HKD, sender=broker)


# ---------------------------------------------------------------------------------------------------- who files


@pytest.mark.parametrize("caller", NOT_FILERS, ids=NOT_FILERS)
def test_file_reverts_if_caller_is_not_the_shipper_or_its_broker(desk, customs, members, caller):
    sid = desk.shipment()
    sender = getattr(members, caller)
    with reverts(customs.ClearanceNotFiler, declarationId=sid, account=sender.address):
        customs.file(sid, DIGEST, HS_CODES, VALUE, CNY, sender=sender)
    assert customs.getDeclaration(sid).state == State.NONE


def test_file_reverts_if_caller_is_another_shipper(desk, customs, members, admit):
    admit("proposeMember", members.newcomer, "Shipper 2", "S2", Role.SHIPPER.id, NO_PORT)
    sid = desk.shipment()
    with reverts(customs.ClearanceNotFiler, declarationId=sid, account=members.newcomer.address):
        customs.file(sid, DIGEST, HS_CODES, VALUE, CNY, sender=members.newcomer)


def test_file_reverts_if_caller_is_the_broker_of_another_shipper(desk, customs, members, admit):
    admit("proposeMember", members.newcomer, "Shipper 2", "S2", Role.SHIPPER.id, NO_PORT)
    customs.setBroker(members.consignee, True, sender=members.newcomer)
    sid = desk.shipment()
    with reverts(customs.ClearanceNotFiler, declarationId=sid, account=members.consignee.address):
        customs.file(sid, DIGEST, HS_CODES, VALUE, CNY, sender=members.consignee)


def test_shipper_authorises_and_withdraws_a_broker(customs, members, admit):
    admit("proposeMember", members.newcomer, "Pearl River Customs Brokerage", "BRK-01", NO_ROLE, NO_PORT)
    assert not customs.isBroker(members.shipper, members.newcomer)

    receipt = customs.setBroker(members.newcomer, True, sender=members.shipper)
    assert logs(receipt) == [
        ev(customs, "BrokerSet", shipper=members.shipper.address, broker=members.newcomer.address, authorised=True)
    ]
    assert customs.isBroker(members.shipper, members.newcomer)
    assert not customs.isBroker(members.newcomer, members.shipper)

    receipt = customs.setBroker(members.newcomer, False, sender=members.shipper)
    assert logs(receipt) == [
        ev(customs, "BrokerSet", shipper=members.shipper.address, broker=members.newcomer.address, authorised=False)
    ]
    assert not customs.isBroker(members.shipper, members.newcomer)


def test_authorised_broker_files_for_the_shipper(desk, customs, members, broker):
    sid = desk.shipment()
    receipt = customs.file(sid, DIGEST, HS_CODES, VALUE, CNY, sender=broker)
    assert logs(receipt) == [
        filed(customs, sid, broker, 1, DIGEST, HS_CODES, VALUE, CNY),
        ev(customs, "DeclarationStateChanged", declarationId=sid, previous=State.NONE, state=State.FILED),
    ]
    assert dict(customs.getDeclaration(sid).items()) == declaration(
        shipper=members.shipper.address, filer=broker.address, updatedAt=receipt.timestamp
    )


def test_broker_amends_what_the_shipper_filed_and_becomes_the_filer(desk, customs, members, broker):
    did = desk.file()
    desk.amend(did, DIGEST_2, sender=broker)
    d = customs.getDeclaration(did)
    assert (d.version, d.shipper, d.filer, d.digest) == (2, members.shipper.address, broker.address, DIGEST_2)


def test_file_reverts_if_broker_authorisation_was_withdrawn(desk, customs, members, broker):
    sid = desk.shipment()
    customs.setBroker(broker, False, sender=members.shipper)
    with reverts(customs.ClearanceNotFiler, declarationId=sid, account=broker.address):
        customs.file(sid, DIGEST, HS_CODES, VALUE, CNY, sender=broker)


def test_file_reverts_if_broker_is_suspended(desk, customs, members, broker, admit):
    sid = desk.shipment()
    admit("proposeSuspension", broker, SUSPENSION_REASON)
    assert customs.isBroker(members.shipper, broker)  # still authorised, but not an active member
    with reverts(customs.ClearanceNotFiler, declarationId=sid, account=broker.address):
        customs.file(sid, DIGEST, HS_CODES, VALUE, CNY, sender=broker)
    desk.file(sid)  # the shipper itself still files


def test_amend_reverts_if_broker_is_suspended(desk, customs, broker, admit):
    did = desk.file(sender=broker)
    admit("proposeSuspension", broker, SUSPENSION_REASON)
    with reverts(customs.ClearanceNotFiler, declarationId=did, account=broker.address):
        desk.amend(did, DIGEST_2, sender=broker)


def test_shipper_withdraws_a_suspended_broker(customs, members, broker, admit):
    admit("proposeSuspension", broker, SUSPENSION_REASON)
    customs.setBroker(broker, False, sender=members.shipper)
    assert not customs.isBroker(members.shipper, broker)


@pytest.mark.parametrize("how", ["revoked", "suspended"])
@pytest.mark.parametrize("filer", ["shipper", "broker"])
def test_file_reverts_if_shipper_lost_its_shipper_role(desk, customs, members, broker, admit, filer, how):
    sid = desk.shipment()
    if how == "revoked":
        admit("proposeRoleRevoke", members.shipper, Role.SHIPPER.id, NO_PORT)
    else:
        admit("proposeSuspension", members.shipper, SUSPENSION_REASON)
    sender = members.shipper if filer == "shipper" else broker
    with reverts(customs.ClearanceUnauthorized, account=members.shipper.address, role=Role.SHIPPER.id, port=NO_PORT):
        customs.file(sid, DIGEST, HS_CODES, VALUE, CNY, sender=sender)


def test_amend_reverts_if_shipper_lost_its_shipper_role(desk, customs, members, admit):
    did = desk.file()
    admit("proposeRoleRevoke", members.shipper, Role.SHIPPER.id, NO_PORT)
    with reverts(customs.ClearanceUnauthorized, account=members.shipper.address, role=Role.SHIPPER.id, port=NO_PORT):
        desk.amend(did, DIGEST_2)


# ---------------------------------------------------------------------------------------------------- setBroker


@pytest.mark.parametrize("caller", NOT_SHIPPERS, ids=NOT_SHIPPERS)
def test_set_broker_reverts_if_caller_is_not_a_shipper(customs, members, caller):
    sender = getattr(members, caller)
    with reverts(customs.ClearanceUnauthorized, account=sender.address, role=Role.SHIPPER.id, port=NO_PORT):
        customs.setBroker(members.financier, True, sender=sender)
    assert not customs.isBroker(sender, members.financier)


@pytest.mark.parametrize("broker", ["shipper", "outsider", "zero", "suspended"])
def test_set_broker_reverts_if_broker_is_not_another_active_member(customs, members, admit, broker):
    if broker == "suspended":
        admit("proposeSuspension", members.financier, SUSPENSION_REASON)
    address = {
        "shipper": members.shipper.address,
        "outsider": members.outsider.address,
        "zero": ZERO_ADDRESS,
        "suspended": members.financier.address,
    }[broker]
    with reverts(customs.ClearanceInvalidBroker, broker=address):
        customs.setBroker(address, True, sender=members.shipper)
    assert not customs.isBroker(members.shipper, address)


# ---------------------------------------------------------------------------------------------------- data


def test_file_reverts_if_digest_is_zero(desk, customs, members):
    sid = desk.shipment()
    with reverts(customs.ClearanceInvalidDigest):
        customs.file(sid, ZERO32, HS_CODES, VALUE, CNY, sender=members.shipper)


@pytest.mark.parametrize("codes", [[], fifty_one_codes()], ids=["none", "fifty-one"])
def test_file_reverts_if_hs_code_count_is_out_of_range(desk, customs, members, codes):
    sid = desk.shipment()
    assert customs.MAX_HS_CODES() == MAX_HS_CODES
    with reverts(customs.ClearanceHsCodeCount, count=len(codes), max=MAX_HS_CODES):
        customs.file(sid, DIGEST, codes, VALUE, CNY, sender=members.shipper)


@pytest.mark.parametrize("codes", [[b"850440"], fifty_one_codes()[:MAX_HS_CODES]], ids=["one", "fifty"])
def test_file_accepts_one_to_fifty_hs_codes(desk, customs, codes):
    desk.file(hs_codes=codes)
    [event] = desk.receipt.events.filter(customs.DeclarationFiled)
    assert event.hsCodes == codes


@pytest.mark.parametrize("code", values(VALID_HS_CODES), ids=ids(VALID_HS_CODES))
def test_file_accepts_valid_hs_code(desk, customs, code):
    did = desk.file(hs_codes=[code])
    [event] = desk.receipt.events.filter(customs.DeclarationFiled)
    assert event.hsCodes == [code]
    assert customs.getDeclaration(did).state == State.FILED


@pytest.mark.parametrize("code", values(INVALID_HS_CODES), ids=ids(INVALID_HS_CODES))
@pytest.mark.parametrize("position", ["only", "last"])
def test_file_reverts_if_hs_code_is_invalid(desk, customs, members, code, position):
    sid = desk.shipment()
    codes = [code] if position == "only" else [b"010121", code]
    with reverts(customs.ClearanceInvalidHsCode, code=code):
        customs.file(sid, DIGEST, codes, VALUE, CNY, sender=members.shipper)


@pytest.mark.parametrize(("codes", "culprit"), [row[:2] for row in UNORDERED_HS_CODES], ids=ids(UNORDERED_HS_CODES))
def test_file_reverts_if_hs_codes_are_not_strictly_ascending(desk, customs, members, codes, culprit):
    sid = desk.shipment()
    with reverts(customs.ClearanceHsCodesUnordered, code=culprit):
        customs.file(sid, DIGEST, codes, VALUE, CNY, sender=members.shipper)


def test_file_reverts_if_customs_value_is_zero(desk, customs, members):
    sid = desk.shipment()
    with reverts(customs.ClearanceInvalidValue):
        customs.file(sid, DIGEST, HS_CODES, 0, CNY, sender=members.shipper)


@pytest.mark.parametrize("value", [1, MAX_UINT128], ids=["one", "max-uint128"])
def test_file_accepts_customs_value_in_range(desk, customs, value):
    did = desk.file(value=value)
    assert customs.getDeclaration(did).customsValue == value


@pytest.mark.parametrize("currency", values(VALID_CURRENCIES), ids=ids(VALID_CURRENCIES))
def test_file_accepts_three_upper_case_letters_as_currency(desk, customs, currency):
    did = desk.file(currency=currency)
    assert customs.getDeclaration(did).currency == currency


@pytest.mark.parametrize("currency", values(INVALID_CURRENCIES), ids=ids(INVALID_CURRENCIES))
def test_file_reverts_if_currency_is_not_three_upper_case_letters(desk, customs, members, currency):
    sid = desk.shipment()
    with reverts(customs.ClearanceInvalidCurrency, currency=currency):
        customs.file(sid, DIGEST, HS_CODES, VALUE, currency, sender=members.shipper)


# ---------------------------------------------------------------------------------------------------- amendment


def test_filer_amends_before_any_decision(desk, customs, members):
    did = desk.file()
    receipt = customs.amend(did, DIGEST_2, HS_CODES_2, VALUE_2, HKD, sender=members.shipper)

    assert receipt.return_value == 2
    assert logs(receipt) == [
        filed(customs, did, members.shipper, 2, DIGEST_2, HS_CODES_2, VALUE_2, HKD),
    ]
    assert dict(customs.getDeclaration(did).items()) == declaration(
        version=2,
        digest=DIGEST_2,
        customsValue=VALUE_2,
        currency=HKD,
        shipper=members.shipper.address,
        filer=members.shipper.address,
        updatedAt=receipt.timestamp,
    )


def test_every_amendment_is_a_new_version(desk, customs):
    did = desk.file()
    for version in range(2, 5):
        desk.amend(did, keccak(b"version %d" % version))
        assert customs.getDeclaration(did).version == version


def test_amend_keeps_holds(desk, customs, members):
    did = desk.file()
    customs.placeHold(did, SHUNDE, REASON, sender=members.shunde_customs)
    desk.amend(did, DIGEST_2)
    d = customs.getDeclaration(did)
    assert (d.version, d.originHold, d.destinationHold) == (2, False, True)


DECISIONS_THAT_LOCK = [
    (SHEKOU, Decision.APPROVE, "origin-approved"),
    (SHUNDE, Decision.APPROVE, "destination-approved"),
    (SHEKOU, Decision.REQUEST_INSPECTION, "origin-inspects"),
    (SHUNDE, Decision.REQUEST_INSPECTION, "destination-inspects"),
]


@pytest.mark.parametrize(("port", "decision"), [row[:2] for row in DECISIONS_THAT_LOCK], ids=ids(DECISIONS_THAT_LOCK))
def test_amend_reverts_after_a_decision_on_the_current_version(desk, customs, port, decision):
    did = desk.file()
    desk.decide(did, port, decision)
    with reverts(customs.ClearanceAmendmentLocked, declarationId=did, version=1):
        desk.amend(did, DIGEST_2)
    assert customs.getDeclaration(did).digest == DIGEST


def test_amend_reverts_after_a_decision_on_an_amended_version(desk, customs):
    did = desk.file()
    desk.amend(did, DIGEST_2)
    desk.decide(did, SHUNDE, Decision.REQUEST_INSPECTION)
    with reverts(customs.ClearanceAmendmentLocked, declarationId=did, version=2):
        desk.amend(did, DIGEST)


@pytest.mark.parametrize(
    ("rejecting", "approving"), [(SHEKOU, SHUNDE), (SHUNDE, SHEKOU)], ids=["origin", "destination"]
)
def test_amend_after_a_rejection_reopens_the_declaration_with_no_decisions(
    desk, customs, members, rejecting, approving
):
    did = desk.file()
    desk.decide(did, approving, Decision.APPROVE)
    desk.decide(did, rejecting, Decision.REJECT, REASON)
    assert customs.getDeclaration(did).state == State.REJECTED

    receipt = customs.amend(did, DIGEST_2, HS_CODES_2, VALUE_2, HKD, sender=members.shipper)
    assert receipt.return_value == 2
    assert logs(receipt) == [
        filed(customs, did, members.shipper, 2, DIGEST_2, HS_CODES_2, VALUE_2, HKD),
        ev(customs, "DeclarationStateChanged", declarationId=did, previous=State.REJECTED, state=State.FILED),
    ]
    assert dict(customs.getDeclaration(did).items()) == declaration(
        version=2,
        digest=DIGEST_2,
        customsValue=VALUE_2,
        currency=HKD,
        shipper=members.shipper.address,
        filer=members.shipper.address,
        updatedAt=receipt.timestamp,
    )


def test_amended_version_needs_both_approvals_again(desk, customs):
    did = desk.file()
    desk.decide(did, SHEKOU, Decision.APPROVE)
    desk.decide(did, SHUNDE, Decision.REJECT, REASON)
    desk.amend(did, DIGEST_2)
    desk.decide(did, SHUNDE, Decision.APPROVE)
    assert not customs.isCleared(did)  # Shekou's approval of version 1 no longer counts
    desk.decide(did, SHEKOU, Decision.APPROVE)
    assert customs.isCleared(did)


def test_amend_reverts_after_clearance(desk, customs):
    did = desk.file()
    desk.approve_both(did, relayed=False)
    with reverts(
        customs.ClearanceUnexpectedState,
        declarationId=did,
        current=State.CLEARED,
        expected=bit(State.FILED, State.REJECTED),
    ):
        desk.amend(did, DIGEST_2)


def test_amend_reverts_for_an_unknown_declaration(desk, customs, members):
    sid = desk.shipment()  # a shipment, but nothing filed for it
    with reverts(customs.ClearanceUnknownDeclaration, declarationId=sid):
        desk.amend(sid, DIGEST_2)


@pytest.mark.parametrize("caller", NOT_FILERS, ids=NOT_FILERS)
def test_amend_reverts_if_caller_is_not_the_shipper_or_its_broker(desk, customs, members, caller):
    did = desk.file()
    sender = getattr(members, caller)
    with reverts(customs.ClearanceNotFiler, declarationId=did, account=sender.address):
        desk.amend(did, DIGEST_2, sender=sender)


AMENDMENT_DATA = [
    ({"digest": ZERO32}, "ClearanceInvalidDigest", {}, "zero-digest"),
    ({"hs_codes": []}, "ClearanceHsCodeCount", {"count": 0, "max": MAX_HS_CODES}, "no-codes"),
    ({"hs_codes": [b"980000"]}, "ClearanceInvalidHsCode", {"code": b"980000"}, "chapter-98"),
    ({"hs_codes": [b"850440", b"850440"]}, "ClearanceHsCodesUnordered", {"code": b"850440"}, "duplicate"),
    ({"value": 0}, "ClearanceInvalidValue", {}, "zero-value"),
    ({"currency": b"cny"}, "ClearanceInvalidCurrency", {"currency": b"cny"}, "lowercase-currency"),
]


@pytest.mark.parametrize(("data", "error", "inputs"), [row[:3] for row in AMENDMENT_DATA], ids=ids(AMENDMENT_DATA))
def test_amend_checks_the_data_as_file_does(desk, customs, data, error, inputs):
    did = desk.file()
    data = dict(data)
    digest = data.pop("digest", DIGEST_2)
    with reverts(getattr(customs, error), **inputs):
        desk.amend(did, digest, **data)
    assert customs.getDeclaration(did).version == 1


def test_decision_naming_the_old_version_reverts_after_amendment(desk, customs):
    did = desk.file()
    desk.amend(did, DIGEST_2)
    with reverts(customs.ClearanceStaleVersion, declarationId=did, version=1, current=2):
        desk.decide(did, SHEKOU, Decision.APPROVE, version=1)
    desk.decide(did, SHEKOU, Decision.APPROVE, version=2)
    assert customs.getDeclaration(did).originDecision == Decision.APPROVE
