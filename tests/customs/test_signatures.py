"""Relayed customs decisions (`decideBySig`): what an officer's EIP-712 signature authorises, and nothing more.

Each "must be impossible" of the dual-sign design is its own test: replay, another declaration or version, another
chain or contract, an expired deadline, malleable and malformed signatures, one officer or one port for both sides,
an officer who lost the role before the relay, another key. Nonce lanes, `invalidateNonce`, the ERC-5267 domain and
the equivalence of a wallet's `eth_signTypedData_v4` with eth-account's signature are checked against the contract.
ERC-1271 wallets are in test_wallets.py.
"""

from __future__ import annotations

import dataclasses
import json

import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils.crypto import keccak
from portlink.deployment.deploy import create_address
from portlink.domain.consortium import Role
from portlink.domain.customs import Decision, Eip712Domain, decision_typed_data, sign_typed_data

from tests.conftest import HONG_KONG, SHEKOU, SHUNDE, reverts
from tests.customs.conftest import DIGEST, REASON, State
from tests.shipments.conftest import container, pool_number

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
SUSPENSION_REASON = b"CUSTOMS_KEY_COMPROMISED".ljust(32, b"\0")
AMENDED_DIGEST = keccak(b"combined declaration SHK2026000042, version 2")


def lane(key: int, sequence: int = 0) -> int:
    """A NoncesKeyed nonce: the lane `key` in the upper 192 bits, the sequence in the lower 64."""
    return key << 64 | sequence


def split(signature: bytes) -> tuple[int, int, int]:
    """`(r, s, v)` of a 65-byte `r || s || v` signature."""
    assert len(signature) == 65
    return int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:64], "big"), signature[64]


def join(r: int, s: int, v: int) -> bytes:
    return r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([v])


def another_declaration(desk, n: int) -> bytes:
    """A declaration for a second shipment (its own reference and container), with the same data as `desk.file()`."""
    return desk.file(desk.shipment(containers=[container(pool_number(n))], reference=f"SHK2026{n:06d}"))


def snapshot(customs, did: bytes, *officers) -> tuple:
    """What a refused relay must leave as it was: the declaration and the officers' lane-0 nonces."""
    return customs.getDeclaration(did), *(customs.nonces(o.address) for o in officers)


# ---------------------------------------------------------------------------------------------------- replay


@pytest.mark.parametrize(
    "decision", [Decision.REQUEST_INSPECTION, Decision.APPROVE], ids=["side-still-open", "side-decided"]
)
def test_relayed_signature_cannot_be_used_twice(desk, customs, members, decision):
    did = desk.file()
    officer = members.shekou_customs
    signed = desk.decision(did, SHEKOU, decision)
    signature = desk.sign(signed)
    desk.relay(signed, signature)
    before = snapshot(customs, did, officer)
    assert before[1] == 1

    # The nonce is checked before the decision itself, so even on a side that is final the replay fails on it.
    with reverts(customs.InvalidAccountNonce, account=officer.address, currentNonce=1):
        desk.relay(signed, signature)
    with reverts(customs.InvalidAccountNonce, account=officer.address, currentNonce=1):
        desk.relay(signed, signature, sender=members.carrier)  # another relayer changes nothing
    assert snapshot(customs, did, officer) == before


def test_relayed_signature_cannot_be_used_again_after_clearance(desk, customs, members):
    did = desk.file()
    signed = desk.decision(did, SHUNDE)
    signature = desk.sign(signed)
    desk.relay(desk.decision(did, SHEKOU))
    desk.relay(signed, signature)
    assert customs.isCleared(did)
    before = snapshot(customs, did, members.shunde_customs)

    with reverts(customs.InvalidAccountNonce, account=members.shunde_customs.address, currentNonce=1):
        desk.relay(signed, signature)
    assert snapshot(customs, did, members.shunde_customs) == before


# ---------------------------------------------------------------------------------------------------- another decision


def test_relayed_signature_for_one_declaration_is_refused_for_another(desk, customs, members):
    signed_for = desk.file()
    other = another_declaration(desk, 1)
    officer = members.shekou_customs
    signature = desk.sign(desk.decision(signed_for, SHEKOU))
    moved = desk.decision(other, SHEKOU)  # same digest, version, port, officer, nonce: only the id differs
    before = snapshot(customs, other, officer)

    with reverts(customs.ClearanceInvalidSignature, officer=officer.address):
        desk.relay(moved, signature)
    assert snapshot(customs, other, officer) == before
    desk.relay(desk.decision(signed_for, SHEKOU), signature)  # it is good for what it was made for


def test_relayed_signature_for_an_amended_version_is_stale(desk, customs, members):
    did = desk.file()
    old = desk.decision(did, SHEKOU)
    signature = desk.sign(old)
    desk.amend(did, AMENDED_DIGEST)
    before = snapshot(customs, did, members.shekou_customs)

    with reverts(customs.ClearanceStaleVersion, declarationId=did, version=1, current=2):
        desk.relay(old, signature)
    assert snapshot(customs, did, members.shekou_customs) == before


def test_relayed_signature_for_an_amended_version_is_refused_when_edited_to_name_the_new_one(desk, customs, members):
    did = desk.file()
    officer = members.shekou_customs
    old = desk.decision(did, SHEKOU)
    signature = desk.sign(old)
    desk.amend(did, AMENDED_DIGEST)
    before = snapshot(customs, did, officer)

    # Renaming only the version still names the old data: the digest check catches it.
    renamed = dataclasses.replace(old, version=2)
    with reverts(customs.ClearanceStaleDigest, declarationId=did, digest=DIGEST, current=AMENDED_DIGEST):
        desk.relay(renamed, signature)
    # Renaming version and digest makes a current-looking decision the officer never signed.
    edited = dataclasses.replace(old, version=2, declaration_digest=AMENDED_DIGEST)
    assert edited == desk.decision(did, SHEKOU)
    with reverts(customs.ClearanceInvalidSignature, officer=officer.address):
        desk.relay(edited, signature)
    assert snapshot(customs, did, officer) == before


def test_relayed_signature_is_refused_when_its_decision_or_reason_is_edited(desk, customs, members):
    did = desk.file()
    officer = members.shekou_customs
    signed = desk.decision(did, SHEKOU, Decision.REJECT, REASON)
    signature = desk.sign(signed)
    before = snapshot(customs, did, officer)

    for edited in (
        dataclasses.replace(signed, decision=Decision.APPROVE, reason_code=bytes(32)),
        dataclasses.replace(signed, reason_code=b"OTHER".ljust(32, b"\0")),
        dataclasses.replace(signed, deadline=signed.deadline + 1),
    ):
        with reverts(customs.ClearanceInvalidSignature, officer=officer.address):
            desk.relay(edited, signature)
    assert snapshot(customs, did, officer) == before


# ---------------------------------------------------------------------------------------------------- another domain


def test_relayed_signature_for_another_chain_id_is_refused(desk, customs, members, domain):
    did = desk.file()
    officer = members.shekou_customs
    signed = desk.decision(did, SHEKOU)
    elsewhere = dataclasses.replace(domain, chain_id=domain.chain_id + 1)
    before = snapshot(customs, did, officer)

    with reverts(customs.ClearanceInvalidSignature, officer=officer.address):
        desk.relay(signed, desk.sign(signed, domain=elsewhere))
    assert snapshot(customs, did, officer) == before


def test_relayed_signature_for_another_contract_is_refused(chain, desk, project, customs, shipments, members, domain):
    did = desk.file()
    officer = members.shekou_customs
    # A twin customs needs a monitor of its own that names it (the escrow it names does not matter here).
    deployer = members.deployer.address
    twin_address = create_address(deployer, chain.provider.web3.eth.get_transaction_count(deployer) + 1)
    twin_iot = project.IoTMonitor.deploy(shipments.address, twin_address, deployer, sender=members.deployer)
    twin = project.CustomsClearance.deploy(shipments.address, twin_iot, sender=members.deployer)
    assert twin.address == twin_address
    twin_domain = Eip712Domain.from_erc5267(twin.eip712Domain())
    assert twin_domain == dataclasses.replace(domain, verifying_contract=twin.address)
    signed = desk.decision(did, SHEKOU)
    before = snapshot(customs, did, officer)

    with reverts(customs.ClearanceInvalidSignature, officer=officer.address):
        desk.relay(signed, desk.sign(signed, domain=twin_domain))
    assert snapshot(customs, did, officer) == before


# ---------------------------------------------------------------------------------------------------- deadline


def test_relayed_signature_is_refused_after_its_deadline(chain, desk, customs, members):
    did = desk.file()
    deadline = chain.pending_timestamp + 3600
    signed = desk.decision(did, SHEKOU, deadline=deadline)
    signature = desk.sign(signed)
    chain.mine(timestamp=deadline)
    before = snapshot(customs, did, members.shekou_customs)

    chain.pending_timestamp = deadline + 1
    with reverts(customs.ClearanceExpiredSignature, deadline=deadline):
        desk.relay(signed, signature)
    assert snapshot(customs, did, members.shekou_customs) == before


def test_relayed_signature_with_a_deadline_in_the_past_is_refused(chain, desk, customs, members):
    did = desk.file()
    deadline = chain.blocks.head.timestamp - 1
    with reverts(customs.ClearanceExpiredSignature, deadline=deadline):
        desk.relay(desk.decision(did, SHEKOU, deadline=deadline))
    assert customs.nonces(members.shekou_customs.address) == 0


def test_relayed_signature_is_accepted_in_the_block_of_its_deadline(chain, desk, customs, members):
    did = desk.file()
    deadline = chain.pending_timestamp + 3600
    signed = desk.decision(did, SHEKOU, deadline=deadline)

    chain.pending_timestamp = deadline
    receipt = desk.relay(signed)
    assert receipt.timestamp == deadline
    assert customs.getDeclaration(did).originDecision == Decision.APPROVE


# ---------------------------------------------------------------------------------------------------- malleability


def test_relayed_malleable_twin_of_a_signature_is_refused(desk, customs, members):
    did = desk.file()
    officer = members.shekou_customs
    signed = desk.decision(did, SHEKOU)
    signature = desk.sign(signed)
    r, s, v = split(signature)
    assert s <= SECP256K1_N // 2  # eth-account signs low-s
    twin = join(r, SECP256K1_N - s, 55 - v)  # v flips between 27 and 28 (the parity bit `v - 27` ^ 1)
    # The twin is a valid secp256k1 signature of the same digest by the same key: only the low-s rule refuses it.
    digest = customs.decisionDigest(signed.to_chain())
    assert Account._recover_hash(digest, signature=twin) == officer.address
    before = snapshot(customs, did, officer)

    with reverts(customs.ClearanceInvalidSignature, officer=officer.address):
        desk.relay(signed, twin)
    assert snapshot(customs, did, officer) == before
    desk.relay(signed, signature)
    assert customs.getDeclaration(did).originOfficer == officer.address


def compact(signature: bytes) -> bytes:
    """The EIP-2098 64-byte form `r || (v - 27) << 255 | s`."""
    r, s, v = split(signature)
    return r.to_bytes(32, "big") + ((v - 27) << 255 | s).to_bytes(32, "big")


def with_v(v: int):
    return lambda signature: signature[:64] + bytes([v])


MALFORMED = {
    "eip2098-compact": compact,
    "empty": lambda _: b"",
    "garbage-65-bytes": lambda _: keccak(b"garbage") + keccak(b"more garbage") + b"\x1b",
    "v-0-or-1": lambda signature: signature[:64] + bytes([signature[64] - 27]),
    "v-29": with_v(29),
    "v-0xff": with_v(0xFF),
    "r-zero": lambda signature: bytes(32) + signature[32:],
    "s-zero": lambda signature: signature[:32] + bytes(32) + signature[64:],
    "66-bytes": lambda signature: signature + b"\x00",
    "64-bytes-truncated": lambda signature: signature[:64],
}


@pytest.mark.parametrize("mangle", MALFORMED.values(), ids=MALFORMED.keys())
def test_relayed_malformed_signature_is_refused_as_invalid(desk, customs, members, mangle):
    did = desk.file()
    officer = members.shekou_customs
    signed = desk.decision(did, SHEKOU)
    signature = desk.sign(signed)
    before = snapshot(customs, did, officer)

    with reverts(customs.ClearanceInvalidSignature, officer=officer.address):
        desk.relay(signed, mangle(signature))
    assert snapshot(customs, did, officer) == before
    desk.relay(signed, signature)  # the well-formed one is still good


# ------------------------------------------------------------------------------------------------ officers and ports


@pytest.fixture
def dual_officer(admit, members):
    """Shekou's customs officer, also granted CUSTOMS at Shunde by vote."""
    admit("proposeRoleGrant", members.shekou_customs, Role.CUSTOMS.id, SHUNDE)
    return members.shekou_customs


@pytest.mark.parametrize("first", [SHEKOU, SHUNDE], ids=["origin-first", "destination-first"])
def test_relayed_decision_reverts_if_same_officer_decided_the_other_side(desk, customs, dual_officer, first):
    did = desk.file()
    second = SHUNDE if first == SHEKOU else SHEKOU
    desk.relay(desk.decision(did, first, officer=dual_officer))
    before = snapshot(customs, did, dual_officer)

    with reverts(customs.ClearanceSameOfficer, declarationId=did, officer=dual_officer.address):
        desk.relay(desk.decision(did, second, officer=dual_officer))
    assert snapshot(customs, did, dual_officer) == before
    assert not customs.isCleared(did)


def test_relayed_decision_reverts_if_same_officer_decided_the_other_side_directly(desk, customs, dual_officer):
    did = desk.file()
    desk.decide(did, SHEKOU, Decision.REQUEST_INSPECTION, sender=dual_officer)

    with reverts(customs.ClearanceSameOfficer, declarationId=did, officer=dual_officer.address):
        desk.relay(desk.decision(did, SHUNDE, officer=dual_officer))
    with reverts(customs.ClearanceSameOfficer, declarationId=did, officer=dual_officer.address):
        desk.decide(did, SHUNDE, Decision.APPROVE, sender=dual_officer)


def test_relayed_decision_reverts_if_origin_officer_signs_for_destination_port(desk, customs, members):
    did = desk.file()
    desk.relay(desk.decision(did, SHEKOU))
    officer = members.shekou_customs
    before = snapshot(customs, did, officer)

    with reverts(customs.ClearanceUnauthorized, account=officer.address, role=Role.CUSTOMS.id, port=SHUNDE):
        desk.relay(desk.decision(did, SHUNDE, officer=officer))
    assert snapshot(customs, did, officer) == before


def test_relayed_decision_reverts_if_port_is_not_the_declarations(desk, customs, members, admit, three_ports):
    did = desk.file()
    hk_customs = members.newcomer2
    admit("proposeMember", hk_customs, "Hong Kong Customs", "HK-C", Role.CUSTOMS.id, HONG_KONG)
    before = snapshot(customs, did, hk_customs, members.shekou_customs)

    with reverts(customs.ClearanceNotDeclarationPort, declarationId=did, port=HONG_KONG):
        desk.relay(desk.decision(did, HONG_KONG, officer=hk_customs), sender=members.outsider)
    with reverts(customs.ClearanceNotDeclarationPort, declarationId=did, port=HONG_KONG):
        desk.relay(desk.decision(did, HONG_KONG, officer=members.shekou_customs))
    assert snapshot(customs, did, hk_customs, members.shekou_customs) == before


# ---------------------------------------------------------------------------------------------------- signer now


@pytest.mark.parametrize(
    "lose_role",
    [
        lambda admit, officer: admit("proposeRoleRevoke", officer, Role.CUSTOMS.id, SHEKOU),
        lambda admit, officer: admit("proposeSuspension", officer, SUSPENSION_REASON),
    ],
    ids=["role-revoked", "member-suspended"],
)
def test_relayed_decision_reverts_if_officer_lost_customs_role_after_signing(desk, customs, members, admit, lose_role):
    did = desk.file()
    officer = members.shekou_customs
    signed = desk.decision(did, SHEKOU)
    signature = desk.sign(signed)
    lose_role(admit, officer)
    before = snapshot(customs, did, officer)

    with reverts(customs.ClearanceUnauthorized, account=officer.address, role=Role.CUSTOMS.id, port=SHEKOU):
        desk.relay(signed, signature)
    assert snapshot(customs, did, officer) == before


def test_relayed_decision_is_accepted_again_once_suspended_officer_is_reinstated(desk, customs, members, admit):
    did = desk.file()
    officer = members.shekou_customs
    signed = desk.decision(did, SHEKOU)
    signature = desk.sign(signed)
    admit("proposeSuspension", officer, SUSPENSION_REASON)
    with reverts(customs.ClearanceUnauthorized, account=officer.address, role=Role.CUSTOMS.id, port=SHEKOU):
        desk.relay(signed, signature)

    admit("proposeReinstatement", officer)
    desk.relay(signed, signature)
    assert customs.getDeclaration(did).originOfficer == officer.address


@pytest.mark.parametrize("impostor", ["outsider", "shunde_customs", "shipper"])
def test_relayed_decision_reverts_if_signed_by_another_key_than_the_officers(desk, customs, members, impostor):
    did = desk.file()
    officer = members.shekou_customs
    signed = desk.decision(did, SHEKOU)
    before = snapshot(customs, did, officer)

    with reverts(customs.ClearanceInvalidSignature, officer=officer.address):
        desk.relay(signed, desk.sign(signed, signer=getattr(members, impostor)))
    assert snapshot(customs, did, officer) == before


# ---------------------------------------------------------------------------------------------------- nonces


def test_invalidate_nonce_voids_an_outstanding_signature(desk, customs, members):
    did = desk.file()
    officer = members.shekou_customs
    signed = desk.decision(did, SHEKOU)
    signature = desk.sign(signed)

    receipt = customs.invalidateNonce(0, sender=officer)
    assert [(e.officer, e.nonce) for e in receipt.events.filter(customs.NonceInvalidated)] == [(officer.address, 0)]
    assert customs.nonces(officer.address) == 1
    before = snapshot(customs, did, officer)
    with reverts(customs.InvalidAccountNonce, account=officer.address, currentNonce=1):
        desk.relay(signed, signature)
    assert snapshot(customs, did, officer) == before
    desk.relay(desk.decision(did, SHEKOU))  # a new signature with the next nonce works


def test_invalidate_nonce_voids_only_its_own_lane(desk, customs, members):
    first, second = desk.file(), another_declaration(desk, 1)
    officer = members.shekou_customs
    in_lane_7 = desk.decision(first, SHEKOU, nonce=lane(7))
    in_lane_8 = desk.decision(second, SHEKOU, nonce=lane(8))
    signatures = desk.sign(in_lane_7), desk.sign(in_lane_8)

    receipt = customs.invalidateNonce(7, sender=officer)
    assert [(e.officer, e.nonce) for e in receipt.events.filter(customs.NonceInvalidated)] == [
        (officer.address, lane(7))
    ]
    assert customs.nonces(officer.address, 7) == lane(7, 1)
    with reverts(customs.InvalidAccountNonce, account=officer.address, currentNonce=lane(7, 1)):
        desk.relay(in_lane_7, signatures[0])
    desk.relay(in_lane_8, signatures[1])
    assert customs.getDeclaration(second).originOfficer == officer.address
    assert customs.getDeclaration(first).originOfficer != officer.address


@pytest.mark.parametrize("order", [(0, 1), (1, 0)], ids=["in-order", "reversed"])
def test_relayed_decisions_in_different_nonce_lanes_are_accepted_in_either_order(desk, customs, members, order):
    dids = desk.file(), another_declaration(desk, 1)
    officer = members.shekou_customs
    signed = [desk.decision(did, SHEKOU, nonce=lane(int.from_bytes(did[:8], "big"))) for did in dids]
    signatures = [desk.sign(s) for s in signed]

    for i in order:
        desk.relay(signed[i], signatures[i])
    for did, s in zip(dids, signed, strict=True):
        assert customs.getDeclaration(did).originOfficer == officer.address
        assert customs.nonces(officer.address, s.nonce >> 64) == s.nonce + 1
    assert customs.nonces(officer.address) == 0  # lane 0 untouched


def test_relayed_decision_out_of_order_within_one_lane_is_refused(desk, customs, members):
    first, second = desk.file(), another_declaration(desk, 1)
    officer = members.shekou_customs
    earlier = desk.decision(first, SHEKOU, nonce=lane(5, 0))
    later = desk.decision(second, SHEKOU, nonce=lane(5, 1))
    signatures = desk.sign(earlier), desk.sign(later)
    before = snapshot(customs, second, officer)

    with reverts(customs.InvalidAccountNonce, account=officer.address, currentNonce=lane(5, 0)):
        desk.relay(later, signatures[1])
    assert snapshot(customs, second, officer) == before
    assert customs.nonces(officer.address, 5) == lane(5, 0)

    desk.relay(earlier, signatures[0])
    desk.relay(later, signatures[1])
    assert customs.nonces(officer.address, 5) == lane(5, 2)


def test_relayed_decision_with_a_skipped_nonce_is_refused(desk, customs, members):
    did = desk.file()
    officer = members.shekou_customs
    with reverts(customs.InvalidAccountNonce, account=officer.address, currentNonce=0):
        desk.relay(desk.decision(did, SHEKOU, nonce=1))
    assert customs.nonces(officer.address) == 0


# ------------------------------------------------------------------------------------------------ wallets and domain


def test_eip712_domain_names_portlink_customs_on_this_chain_and_contract(chain, customs):
    fields, name, version, chain_id, verifying_contract, salt, extensions = customs.eip712Domain()
    assert bytes(fields) == b"\x0f"
    assert name == "PortLink Customs Clearance"
    assert version == "1"
    assert chain_id == chain.chain_id
    assert verifying_contract == customs.address
    assert bytes(salt) == bytes(32)
    assert list(extensions) == []


def test_decision_digest_equals_eip712_hash_of_the_typed_data(desk, customs, domain):
    did = desk.file()
    signed = desk.decision(did, SHUNDE, Decision.REJECT, REASON, nonce=lane(3, 9), deadline=1_900_000_000)
    typed = decision_typed_data(domain, signed)
    message = encode_typed_data(full_message=typed)

    expected = keccak(b"\x19\x01" + message.header + message.body)
    assert customs.decisionDigest(signed.to_chain()) == expected
    assert message.body == keccak(
        customs.DECISION_TYPEHASH()
        + did
        + signed.version.to_bytes(32, "big")
        + bytes(customs.getDeclaration(did).digest)
        + SHUNDE.ljust(32, b"\0")
        + int(Decision.REJECT).to_bytes(32, "big")
        + REASON
        + bytes.fromhex(signed.officer[2:]).rjust(32, b"\0")
        + lane(3, 9).to_bytes(32, "big")
        + (1_900_000_000).to_bytes(32, "big")
    )
    assert customs.DECISION_TYPEHASH() == keccak(
        b"Decision(bytes32 declarationId,uint32 version,bytes32 declarationDigest,bytes5 port,uint8 decision,"
        b"bytes32 reasonCode,address officer,uint256 nonce,uint256 deadline)"
    )


def test_wallet_eth_sign_typed_data_v4_signature_equals_eth_account_and_is_accepted(chain, desk, customs, domain):
    did = desk.file()
    officer = desk.officer[SHEKOU]
    signed = desk.decision(did, SHEKOU, Decision.REQUEST_INSPECTION, REASON, deadline=2_000_000_000)
    typed = decision_typed_data(domain, signed)

    response = chain.provider.web3.provider.make_request("eth_signTypedData_v4", [officer.address, json.dumps(typed)])
    assert "error" not in response, response
    from_wallet = bytes.fromhex(response["result"].removeprefix("0x"))
    assert from_wallet == sign_typed_data(officer.private_key, typed) == desk.sign(signed)

    receipt = desk.relay(signed, from_wallet)
    [event] = receipt.events.filter(customs.DecisionRecorded)
    assert event.officer == officer.address
    assert event.decision == Decision.REQUEST_INSPECTION


# ---------------------------------------------------------------------------------------------------- relayers


def test_relayed_decision_names_officer_and_relayer_in_event(desk, customs, members):
    did = desk.file()
    signed = desk.decision(did, SHUNDE)
    receipt = desk.relay(signed, sender=members.outsider)

    [event] = receipt.events.filter(customs.DecisionRecorded)
    assert event.declarationId == did
    assert event.port == SHUNDE
    assert event.officer == members.shunde_customs.address
    assert event.version == 1
    assert event.decision == Decision.APPROVE
    assert event.reasonCode == bytes(32)
    assert event.submittedBy == members.outsider.address
    d = customs.getDeclaration(did)
    assert d.destinationOfficer == members.shunde_customs.address
    assert d.state == State.FILED
    assert customs.nonces(members.shunde_customs.address) == 1
    assert customs.nonces(members.outsider.address) == 0
