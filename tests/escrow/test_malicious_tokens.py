"""Tokens that misbehave: fee on transfer, false instead of a revert, no return value, a blacklist, reentrancy.

Each is one of our mocks (contracts/mocks/TokenMocks.sol), allowlisted by governance vote like a real token would be.
"""

from __future__ import annotations

import pytest
from portlink.domain.consortium import Role

from tests.conftest import NO_PORT, error_data, reverts
from tests.escrow.conftest import FEE_BPS, PRINCIPAL, State, fee
from tests.shipments.conftest import container, pool_number

FOT_BPS = 100  # the fee-on-transfer token burns 1% of every transfer


@pytest.fixture
def fot(project, members, allowlist):
    return allowlist(project.FeeOnTransferTokenMock.deploy(FOT_BPS, sender=members.outsider))


def test_fee_on_transfer_credits_what_arrived(bank, escrow, members, fot):
    fid, sid = bank.financing(State.FUNDED, token=fot)
    funded = PRINCIPAL - PRINCIPAL * FOT_BPS // 10_000
    f = escrow.getFinancing(fid)
    assert (f.amount, f.funded, f.due) == (PRINCIPAL, funded, funded + fee(funded, FEE_BPS))
    assert fot.balanceOf(escrow) == escrow.totalOwed(fot) == funded

    bank.approve_export(sid)
    escrow.release(fid, sender=members.outsider)
    assert escrow.withdrawable(fot, members.shipper) == funded
    escrow.withdraw(fot, members.shipper, sender=members.shipper)
    assert fot.balanceOf(escrow) == escrow.totalOwed(fot) == 0

    # Repayments lose the fee too: what arrived counts, so the payer tops up until the amount due has arrived.
    bank.repay(fid)
    f = escrow.getFinancing(fid)
    assert f.state == State.RELEASED
    assert f.repaid == f.due - f.due * FOT_BPS // 10_000
    rounds = 1
    while f.state == State.RELEASED:
        bank.repay(fid)
        f = escrow.getFinancing(fid)
        rounds += 1
    assert (f.state, rounds) == (State.REPAID, 5)  # the shortfall shrinks a hundredfold a round
    assert f.repaid == f.due
    assert fot.balanceOf(escrow) == escrow.totalOwed(fot) == escrow.withdrawable(fot, members.financier) == f.repaid


def test_a_token_that_returns_false_is_refused(project, bank, escrow, members, allowlist):
    false = allowlist(project.FalseReturningTokenMock.deploy(sender=members.outsider))
    fid, _ = bank.financing(State.ACCEPTED, token=false)
    with reverts(escrow.SafeERC20FailedOperation, token=false.address):
        bank.fund(fid)
    assert escrow.getFinancing(fid).state == State.ACCEPTED
    assert escrow.totalOwed(false) == 0


def test_a_token_that_returns_nothing_works(project, bank, escrow, members, allowlist):
    noret = allowlist(project.NoReturnTokenMock.deploy(sender=members.outsider))
    fid, _ = bank.financing(State.RELEASED, token=noret)
    escrow.withdraw(noret, members.shipper, sender=members.shipper)
    assert noret.balanceOf(members.shipper) == PRINCIPAL
    bank.repay(fid)
    escrow.withdraw(noret, members.financier, sender=members.financier)
    assert noret.balanceOf(escrow) == escrow.totalOwed(noret) == 0
    assert escrow.getFinancing(fid).state == State.REPAID


def test_a_blacklisted_beneficiary_blocks_only_its_own_withdrawal(project, bank, escrow, members, allowlist, admit):
    """A regulated token that refuses to pay the exporter: other financings go on, and the exporter can still collect
    to an account the token pays."""
    blk = allowlist(project.BlacklistTokenMock.deploy(sender=members.outsider))
    admit("proposeMember", members.newcomer, "Second Exporter", "EXP2", Role.SHIPPER.id, NO_PORT)
    blocked, _ = bank.financing(State.RELEASED, token=blk)
    blk.setBlacklisted(members.shipper, True, sender=members.outsider)
    with reverts(blk.BlacklistTokenBlocked, account=members.shipper.address):
        escrow.withdraw(blk, members.shipper, sender=members.shipper)

    # Another exporter's financing in the same token is funded, released and paid out meanwhile.
    sid = bank.desk.shipment(
        containers=[container(pool_number(777))], reference="OTHEREXPORTER", sender=members.newcomer
    )
    bank.desk.file(sid, sender=members.newcomer)
    other = bank.request(sid, sender=members.newcomer)
    bank.offer(other, token=blk)
    bank.accept(other, sender=members.newcomer)
    bank.fund(other)
    bank.approve_export(sid)
    escrow.release(other, sender=members.outsider)
    escrow.withdraw(blk, members.newcomer, sender=members.newcomer)
    assert blk.balanceOf(members.newcomer) == PRINCIPAL
    # The blocked financing is repaid and the financier paid as usual.
    bank.repay(blocked)
    escrow.withdraw(blk, members.financier, sender=members.financier)
    assert escrow.getFinancing(blocked).state == State.REPAID

    # The exporter collects to an account the token pays.
    escrow.withdraw(blk, members.outsider, sender=members.shipper)
    assert blk.balanceOf(members.outsider) == PRINCIPAL
    assert blk.balanceOf(escrow) == escrow.totalOwed(blk) == 0


def test_a_reentrant_token_cannot_withdraw_twice(project, bank, escrow, members, allowlist):
    evil = allowlist(project.ReentrantTokenMock.deploy(sender=members.outsider))
    bank.financing(State.RELEASED, token=evil)
    # During the exporter's withdrawal the token calls withdraw again: the guard refuses it before any other check
    # (and the credit is zeroed before the transfer anyway).
    evil.arm(escrow, escrow.withdraw.encode_input(evil, members.shipper), sender=members.outsider)
    escrow.withdraw(evil, members.shipper, sender=members.shipper)
    assert evil.attempted()
    assert not evil.reentered()
    assert bytes(evil.returnData()) == error_data(escrow, "ReentrancyGuardReentrantCall")
    assert evil.balanceOf(members.shipper) == PRINCIPAL
    assert evil.balanceOf(escrow) == escrow.totalOwed(evil) == 0


@pytest.mark.parametrize("function", ["release", "refund", "repay", "withdraw", "fund", "markDefaulted"])
def test_a_reentrant_token_is_refused_by_every_guarded_function_during_funding(
    project, bank, escrow, members, allowlist, function
):
    evil = allowlist(project.ReentrantTokenMock.deploy(sender=members.outsider))
    fid, sid = bank.financing(State.ACCEPTED, token=evil)
    bank.approve_export(sid)  # so that a release would otherwise be possible right after funding
    args = {
        "release": [fid],
        "refund": [fid],
        "repay": [fid, 1],
        "withdraw": [evil, members.outsider],
        "fund": [fid],
        "markDefaulted": [fid],
    }[function]
    evil.arm(escrow, getattr(escrow, function).encode_input(*args), sender=members.outsider)
    bank.fund(fid)
    assert evil.attempted()
    assert not evil.reentered()
    assert bytes(evil.returnData()) == error_data(escrow, "ReentrancyGuardReentrantCall")
    f = escrow.getFinancing(fid)
    assert (f.state, f.released, f.refunded) == (State.FUNDED, 0, 0)
    assert evil.balanceOf(escrow) == escrow.totalOwed(evil) == PRINCIPAL


def test_a_transfer_that_delivers_nothing_is_refused(project, bank, escrow, members, allowlist):
    """A token that takes everything as its fee: the balance does not grow, so nothing is funded."""
    black_hole = allowlist(project.FeeOnTransferTokenMock.deploy(10_000, sender=members.outsider))
    fid, _ = bank.financing(State.ACCEPTED, token=black_hole)
    with reverts(escrow.EscrowNothingReceived, token=black_hole.address):
        bank.fund(fid)
    assert escrow.getFinancing(fid).state == State.ACCEPTED
