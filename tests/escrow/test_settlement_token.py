"""The settlement token: a 2-decimal tokenised HKD deposit minted and redeemed by SETTLEMENT_ISSUER members."""

from __future__ import annotations

import pytest
from ape.exceptions import ContractLogicError
from portlink.domain.consortium import Role

from tests.conftest import NO_PORT, error_data, reverts
from tests.escrow.conftest import MINT_REF
from tests.shipments.conftest import ZERO_ADDRESS, ev, logs


def test_the_token_counts_hk_cents(hkd, registry):
    assert (hkd.name(), hkd.symbol(), hkd.decimals()) == ("PortLink Settlement HKD", "HKDP", 2)
    assert hkd.consortium() == registry.address


def test_the_issuer_mints_and_redeems(hkd, members):
    receipt = hkd.mint(members.financier, 5_000_00, MINT_REF, sender=members.issuer)
    assert logs(receipt) == [
        ev(hkd, "Transfer", **{"from": ZERO_ADDRESS, "to": members.financier.address, "value": 5_000_00}),
        ev(
            hkd,
            "Minted",
            issuer=members.issuer.address,
            to=members.financier.address,
            amount=5_000_00,
            paymentRef=MINT_REF,
        ),
    ]
    hkd.transfer(members.issuer, 2_000_00, sender=members.financier)
    receipt = hkd.redeem(2_000_00, MINT_REF, sender=members.issuer)
    assert logs(receipt)[-1] == ev(hkd, "Redeemed", issuer=members.issuer.address, amount=2_000_00, paymentRef=MINT_REF)
    assert hkd.totalSupply() == 3_000_00
    assert hkd.balanceOf(members.financier) == 3_000_00


@pytest.mark.parametrize("who", ["financier", "shekou_authority", "outsider", "deployer"])
def test_only_an_issuer_mints_or_redeems(hkd, members, who):
    sender = getattr(members, who)
    with reverts(hkd.SettlementNotIssuer, account=sender.address):
        hkd.mint(sender, 1, MINT_REF, sender=sender)
    with reverts(hkd.SettlementNotIssuer, account=sender.address):
        hkd.redeem(1, MINT_REF, sender=sender)


def test_zero_is_not_minted_or_redeemed(hkd, members):
    with reverts(hkd.SettlementZeroAmount):
        hkd.mint(members.financier, 0, MINT_REF, sender=members.issuer)
    with reverts(hkd.SettlementZeroAmount):
        hkd.redeem(0, MINT_REF, sender=members.issuer)


def test_governance_grants_and_suspends_the_issuer_role(hkd, members, admit):
    admit("proposeMember", members.newcomer, "Second Issuer", "ISS2", Role.SETTLEMENT_ISSUER.id, NO_PORT)
    hkd.mint(members.newcomer, 1_00, MINT_REF, sender=members.newcomer)
    admit("proposeSuspension", members.issuer, b"\x07" * 32)
    with reverts(hkd.SettlementNotIssuer, account=members.issuer.address):
        hkd.mint(members.financier, 1_00, MINT_REF, sender=members.issuer)


def test_token_and_escrow_refuse_a_zero_address_at_deployment(project, registry, hkd, members):
    """ape cannot decode a constructor's revert, so the revert data is compared with the error's encoding."""
    with pytest.raises(ContractLogicError) as refused:
        project.SettlementToken.deploy(ZERO_ADDRESS, sender=members.deployer)
    assert refused.value.revert_message == "0x" + error_data(hkd, "SettlementZeroAddress").hex()
    with pytest.raises(ContractLogicError) as refused:
        project.TradeFinanceEscrow.deploy(ZERO_ADDRESS, hkd, sender=members.deployer)
    assert refused.value.revert_message == "0x" + error_data(project.TradeFinanceEscrow, "EscrowZeroAddress").hex()
