"""Pausing by a port authority (funding and release stop; refunds, repayments and withdrawals stay open) and the
settlement-token allowlist governance keeps as registry parameters."""

from __future__ import annotations

import pytest

from tests.conftest import reverts
from tests.escrow.conftest import ALLOWED, PRINCIPAL, REFUSED, State, token_key, warp
from tests.shipments.conftest import ev, logs


@pytest.fixture
def paused(escrow, members):
    escrow.pause(sender=members.shekou_authority)
    return escrow


@pytest.mark.parametrize("who", ["shekou_customs", "financier", "auditor", "outsider", "deployer"])
def test_only_a_port_authority_pauses(escrow, members, who):
    sender = getattr(members, who)
    with reverts(escrow.EscrowNotPauser, account=sender.address):
        escrow.pause(sender=sender)


def test_pause_and_unpause_are_recorded(escrow, members):
    receipt = escrow.pause(sender=members.shunde_authority)
    assert logs(receipt) == [ev(escrow, "Paused", account=members.shunde_authority.address)]
    assert escrow.paused()
    with reverts(escrow.EnforcedPause):
        escrow.pause(sender=members.shekou_authority)
    with reverts(escrow.EscrowNotPauser, account=members.outsider.address):
        escrow.unpause(sender=members.outsider)
    receipt = escrow.unpause(sender=members.shekou_authority)
    assert logs(receipt) == [ev(escrow, "Unpaused", account=members.shekou_authority.address)]
    with reverts(escrow.ExpectedPause):
        escrow.unpause(sender=members.shekou_authority)


def test_a_suspended_port_authority_cannot_pause(escrow, members, governance, three_ports):
    shekou, shunde, hong_kong = three_ports
    governance.proposeSuspension(shekou, b"\x01" * 32, sender=shunde)
    governance.vote(governance.proposalCount(), True, sender=hong_kong)
    with reverts(escrow.EscrowNotPauser, account=shekou.address):
        escrow.pause(sender=shekou)


def test_paused_refuses_funding_and_release(bank, escrow, members):
    accepted, _ = bank.financing(State.ACCEPTED)
    funded, sid = bank.financing(State.FUNDED)
    bank.approve_export(sid)
    escrow.pause(sender=members.shekou_authority)
    with reverts(escrow.EnforcedPause):
        bank.fund(accepted)
    with reverts(escrow.EnforcedPause):
        escrow.release(funded, sender=members.outsider)
    escrow.unpause(sender=members.shunde_authority)
    bank.fund(accepted, mint=False)
    escrow.release(funded, sender=members.outsider)


def test_paused_keeps_refunds_repayments_and_withdrawals_open(bank, escrow, hkd, members, chain):
    funded, _ = bank.financing(State.FUNDED)
    released, _ = bank.financing(State.RELEASED)
    escrow.pause(sender=members.shekou_authority)
    escrow.withdraw(hkd, members.shipper, sender=members.shipper)
    bank.repay(released)
    warp(chain, escrow.getFinancing(funded).releaseBy + 1)
    escrow.refund(funded, sender=members.outsider)
    escrow.withdraw(hkd, members.financier, sender=members.financier)
    assert escrow.getFinancing(released).state == State.REPAID
    assert escrow.getFinancing(funded).state == State.REFUNDED
    assert hkd.balanceOf(escrow) == escrow.totalOwed(hkd) == 0


def test_the_settlement_token_is_allowlisted_from_deployment(escrow, hkd, registry):
    assert escrow.settlementToken() == hkd.address
    assert escrow.settlementTokenKey(hkd) == token_key(hkd)
    assert registry.parameter(token_key(hkd)) == 0
    assert escrow.isAllowlisted(hkd)


def test_an_unlisted_token_is_refused_in_offers(project, bank, escrow, members):
    other = project.ERC20Mock.deploy("Other", "OTH", sender=members.outsider)
    assert not escrow.isAllowlisted(other)
    fid = bank.request(bank.shipment())
    with reverts(escrow.EscrowTokenNotAllowed, token=other.address):
        bank.offer(fid, token=other)


def test_governance_lists_a_token_by_vote(project, bank, escrow, members, registry, allowlist):
    other = allowlist(project.ERC20Mock.deploy("Other", "OTH", sender=members.outsider))
    assert registry.parameter(token_key(other)) == ALLOWED
    assert escrow.isAllowlisted(other)
    bank.financing(State.FUNDED, token=other)
    assert other.balanceOf(escrow) == escrow.totalOwed(other) == PRINCIPAL


def test_governance_delists_the_settlement_token_and_funding_stops(bank, escrow, hkd, members, allowlist):
    accepted, _ = bank.financing(State.ACCEPTED)
    released, _ = bank.financing(State.RELEASED)
    allowlist(hkd, REFUSED)
    assert not escrow.isAllowlisted(hkd)
    with reverts(escrow.EscrowTokenNotAllowed, token=hkd.address):
        bank.fund(accepted)
    fid = bank.request(bank.shipment())
    with reverts(escrow.EscrowTokenNotAllowed, token=hkd.address):
        bank.offer(fid)
    # What is in the escrow already still comes out.
    bank.repay(released)
    escrow.withdraw(hkd, members.shipper, sender=members.shipper)
    escrow.withdraw(hkd, members.financier, sender=members.financier)


@pytest.mark.parametrize("value", [0, 3], ids=["unset", "other-value"])
def test_only_the_allowed_value_lists_another_token(project, escrow, members, allowlist, value):
    other = project.ERC20Mock.deploy("Other", "OTH", sender=members.outsider)
    allowlist(other, ALLOWED)
    allowlist(other, value)
    assert not escrow.isAllowlisted(other)
