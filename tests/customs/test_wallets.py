"""Customs officers that are contract wallets (ERC-1271): an honest one decides, lying ones are refused.

The wallets are our mocks (contracts/mocks/ERC1271WalletMocks.sol), admitted as consortium members with CUSTOMS at
a port by a governance vote, as a customs authority's multisig or smart account would be.
"""

from __future__ import annotations

import dataclasses
from enum import IntEnum

import pytest
from portlink.domain.consortium import Role
from portlink.domain.customs import Decision

from tests.conftest import SHEKOU, SHUNDE, reverts


class Lie(IntEnum):
    """LyingERC1271WalletMock.Mode."""

    JUNK = 0
    MISALIGNED_MAGIC = 1
    SHORT_MAGIC = 2
    EMPTY = 3
    REVERTS = 4
    BURNS_GAS = 5


ERC1271_MAGIC = bytes.fromhex("1626ba7e")  # isValidSignature(bytes32,bytes)
#: Enough for a relay even when the wallet burns all it is given: the 1/64 the EVM keeps back must pay for the revert.
RELAY_GAS = 2_000_000


@pytest.fixture
def owner(accounts):
    """The EOA behind the wallets (not a pilot member)."""
    return accounts[14]


@pytest.fixture
def other_owner(accounts):
    return accounts[15]


@pytest.fixture
def customs_wallet(project, admit, owner):
    """Deploy an honest ERC1271WalletMock of `owner`'s and admit it by vote with CUSTOMS at `port`."""
    count = iter(range(1, 100))

    def _wallet(port: bytes = SHEKOU, *, wallet_owner=None):
        wallet = project.ERC1271WalletMock.deploy((wallet_owner or owner).address, sender=owner)
        n = next(count)
        admit("proposeMember", wallet, f"Customs smart account {n}", f"CUS-SA-{n}", Role.CUSTOMS.id, port)
        return wallet

    return _wallet


def relay(desk, decision, signature: bytes, **kwargs):
    return desk.customs.decideBySig(
        decision.to_chain(), signature, sender=kwargs.pop("sender", desk.members.outsider), **kwargs
    )


# ---------------------------------------------------------------------------------------------------- honest wallet


def test_relayed_decision_of_erc1271_wallet_signed_by_its_owner_is_accepted(desk, customs, customs_wallet, owner):
    did = desk.file()
    wallet = customs_wallet(SHEKOU)
    signed = desk.decision(did, SHEKOU, officer=wallet.address)
    signature = desk.sign(signed, signer=owner)
    assert wallet.isValidSignature(customs.decisionDigest(signed.to_chain()), signature) == ERC1271_MAGIC

    receipt = relay(desk, signed, signature)
    [event] = receipt.events.filter(customs.DecisionRecorded)
    assert event.officer == wallet.address
    assert event.submittedBy == desk.members.outsider.address
    assert customs.getDeclaration(did).originOfficer == wallet.address
    assert customs.nonces(wallet.address) == 1
    assert customs.nonces(owner.address) == 0
    desk.relay(desk.decision(did, SHUNDE))
    assert customs.isCleared(did)


@pytest.mark.parametrize("signer", ["other_owner", "officer"], ids=["another-eoa", "pilot-officer"])
def test_relayed_decision_of_erc1271_wallet_reverts_if_signed_by_another_key(
    desk, customs, members, customs_wallet, other_owner, signer
):
    did = desk.file()
    wallet = customs_wallet(SHEKOU)
    key = other_owner if signer == "other_owner" else members.shekou_customs
    signed = desk.decision(did, SHEKOU, officer=wallet.address)
    before = customs.getDeclaration(did)

    with reverts(customs.ClearanceInvalidSignature, officer=wallet.address):
        relay(desk, signed, desk.sign(signed, signer=key))
    assert customs.getDeclaration(did) == before
    assert customs.nonces(wallet.address) == 0


def test_relayed_signature_of_erc1271_wallet_cannot_be_used_twice(desk, customs, customs_wallet, owner):
    did = desk.file()
    wallet = customs_wallet(SHEKOU)
    signed = desk.decision(did, SHEKOU, Decision.REQUEST_INSPECTION, officer=wallet.address)
    signature = desk.sign(signed, signer=owner)
    relay(desk, signed, signature)

    with reverts(customs.InvalidAccountNonce, account=wallet.address, currentNonce=1):
        relay(desk, signed, signature)


def test_erc1271_wallet_decides_directly_through_execute(desk, customs, customs_wallet, owner):
    did = desk.file()
    wallet = customs_wallet(SHUNDE)
    calldata = customs.decide.encode_input(did, 1, SHUNDE, int(Decision.APPROVE), bytes(32))

    receipt = wallet.execute(customs.address, calldata, sender=owner)
    [event] = receipt.events.filter(customs.DecisionRecorded)
    assert event.officer == wallet.address
    assert event.submittedBy == wallet.address
    assert customs.getDeclaration(did).destinationOfficer == wallet.address


@pytest.mark.parametrize("port_b", [SHEKOU, SHUNDE], ids=["same-port", "other-port"])
def test_relayed_signature_for_one_erc1271_wallet_cannot_be_used_for_another_of_same_owner(
    desk, customs, customs_wallet, owner, port_b
):
    did = desk.file()
    wallet_a, wallet_b = customs_wallet(SHEKOU), customs_wallet(port_b)
    assert wallet_a.owner() == wallet_b.owner() == owner.address
    for_a = desk.decision(did, SHEKOU, officer=wallet_a.address)
    signature = desk.sign(for_a, signer=owner)
    as_b = dataclasses.replace(for_a, officer=wallet_b.address, port=port_b.decode())
    assert customs.nonces(wallet_b.address) == for_a.nonce == 0  # nothing but the officer (and port) differs
    before = customs.getDeclaration(did)

    with reverts(customs.ClearanceInvalidSignature, officer=wallet_b.address):
        relay(desk, as_b, signature)
    assert customs.getDeclaration(did) == before
    assert customs.nonces(wallet_b.address) == 0
    relay(desk, for_a, signature)  # good for the wallet it was made for
    assert customs.getDeclaration(did).originOfficer == wallet_a.address


# ---------------------------------------------------------------------------------------------------- lying wallets


@pytest.fixture
def lying_wallet(project, admit, owner):
    """Deploy a LyingERC1271WalletMock answering in `mode`, admitted by vote with CUSTOMS at Shekou."""

    def _wallet(mode: Lie):
        wallet = project.LyingERC1271WalletMock.deploy(int(mode), sender=owner)
        admit("proposeMember", wallet, f"Lying wallet {mode.name}", f"LIE-{int(mode)}", Role.CUSTOMS.id, SHEKOU)
        return wallet

    return _wallet


@pytest.mark.parametrize("mode", list(Lie), ids=[m.name.lower().replace("_", "-") for m in Lie])
def test_relayed_decision_of_lying_erc1271_wallet_is_refused(chain, desk, customs, lying_wallet, owner, mode):
    did = desk.file()
    wallet = lying_wallet(mode)
    assert wallet.mode() == mode
    signed = desk.decision(did, SHEKOU, officer=wallet.address)
    signature = desk.sign(signed, signer=owner)
    before = customs.getDeclaration(did)

    # Estimation fails on a wallet that burns all its gas, so every relay names its gas: the refusal must still be
    # the named error, paid for by the 1/64 of the gas the EVM keeps back from the wallet, not an out-of-gas.
    with reverts(customs.ClearanceInvalidSignature, officer=wallet.address):
        relay(desk, signed, signature, gas=RELAY_GAS)
    if mode == Lie.BURNS_GAS:  # the refused relay was mined, and the wallet really was asked and burned its share
        assert chain.blocks.head.gas_used > RELAY_GAS * 63 // 64 * 0.95
    assert customs.getDeclaration(did) == before
    assert customs.nonces(wallet.address) == 0


def test_relayed_decision_of_lying_wallet_without_customs_role_fails_before_the_wallet_is_asked(
    desk, customs, project, owner
):
    did = desk.file()
    wallet = project.LyingERC1271WalletMock.deploy(int(Lie.BURNS_GAS), sender=owner)
    signed = desk.decision(did, SHEKOU, officer=wallet.address)

    with reverts(customs.ClearanceUnauthorized, account=wallet.address, role=Role.CUSTOMS.id, port=SHEKOU):
        relay(desk, signed, desk.sign(signed, signer=owner))
