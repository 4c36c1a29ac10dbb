"""Deadlines: an unfunded offer expires, unreleased funds go back to the financier, an unpaid financing defaults;
and requests and offers can be withdrawn before funding."""

from __future__ import annotations

import pytest
from portlink.domain.finance import RefundReason as Reason

from tests.conftest import reverts
from tests.escrow.conftest import FEE_BPS, PRINCIPAL, State, bit, fee, warp
from tests.shipments.conftest import ev, logs

BEFORE_FUNDING = bit(State.REQUESTED, State.OFFERED, State.ACCEPTED)
OFFERED = bit(State.OFFERED, State.ACCEPTED)


@pytest.mark.parametrize("to", [State.OFFERED, State.ACCEPTED], ids=lambda s: s.name)
def test_an_offer_not_funded_by_its_deadline_expires(bank, escrow, members, chain, to):
    fid, _ = bank.financing(to)
    f = escrow.getFinancing(fid)
    with reverts(escrow.EscrowOfferNotExpired, financingId=fid, fundBy=f.fundBy):
        escrow.expire(fid, sender=members.outsider)
    warp(chain, f.fundBy + 1)
    with reverts(escrow.EscrowOfferExpired, financingId=fid, fundBy=f.fundBy):
        if to == State.OFFERED:
            bank.accept(fid)
        else:
            bank.fund(fid)
    receipt = escrow.expire(fid, sender=members.outsider)
    assert logs(receipt) == [ev(escrow, "FinancingStateChanged", financingId=fid, previous=to, state=State.EXPIRED)]
    with reverts(escrow.EscrowUnexpectedState, financingId=fid, current=State.EXPIRED, expected=OFFERED):
        escrow.expire(fid, sender=members.outsider)


def test_an_offer_can_be_funded_at_its_deadline(bank, escrow, chain):
    fid, _ = bank.financing(State.ACCEPTED)
    f = escrow.getFinancing(fid)
    bank.mint(bank.members.financier, f.amount)
    bank.hkd.approve(escrow, f.amount, sender=bank.members.financier)
    chain.pending_timestamp = f.fundBy
    escrow.fund(fid, sender=bank.members.financier)
    assert escrow.getFinancing(fid).state == State.FUNDED


def test_a_request_never_offered_does_not_expire(bank, escrow, members):
    fid = bank.request(bank.shipment())
    with reverts(escrow.EscrowUnexpectedState, financingId=fid, current=State.REQUESTED, expected=OFFERED):
        escrow.expire(fid, sender=members.outsider)


@pytest.mark.parametrize(
    ("to", "who"),
    [
        (State.REQUESTED, "shipper"),
        (State.OFFERED, "shipper"),
        (State.ACCEPTED, "shipper"),
        (State.OFFERED, "financier"),
        (State.ACCEPTED, "financier"),
    ],
    ids=["requested-exporter", "offered-exporter", "accepted-exporter", "offered-financier", "accepted-financier"],
)
def test_exporter_or_offering_financier_cancels_before_funding(bank, escrow, members, to, who):
    fid, sid = bank.financing(to)
    receipt = escrow.cancel(fid, sender=getattr(members, who))
    assert logs(receipt) == [ev(escrow, "FinancingStateChanged", financingId=fid, previous=to, state=State.CANCELLED)]
    fid2 = bank.request(sid)  # the shipment may be financed again
    assert fid2 == fid + 1


@pytest.mark.parametrize("who", ["financier", "consignee", "outsider"])
def test_cancel_reverts_for_others(bank, escrow, members, who):
    fid = bank.request(bank.shipment())  # no financier yet: the financier is an outsider too
    sender = getattr(members, who)
    with reverts(escrow.EscrowNotExporter, financingId=fid, account=sender.address):
        escrow.cancel(fid, sender=sender)


def test_cancel_reverts_once_funded(bank, escrow, members):
    fid, _ = bank.financing(State.FUNDED)
    with reverts(escrow.EscrowUnexpectedState, financingId=fid, current=State.FUNDED, expected=BEFORE_FUNDING):
        escrow.cancel(fid, sender=members.shipper)


def test_funds_not_released_by_the_deadline_are_refunded_by_anyone(bank, escrow, hkd, members, chain):
    fid, sid = bank.financing(State.FUNDED)
    f = escrow.getFinancing(fid)
    with reverts(escrow.EscrowRefundNotDue, financingId=fid, releaseBy=f.releaseBy):
        escrow.refund(fid, sender=members.outsider)
    with reverts(escrow.EscrowRefundNotDue, financingId=fid, releaseBy=f.releaseBy):
        escrow.refund(fid, sender=members.financier)  # the declaration is only filed, not rejected
    bank.approve_export(sid)
    warp(chain, f.releaseBy + 1)
    with reverts(escrow.EscrowReleaseDeadlinePassed, financingId=fid, releaseBy=f.releaseBy):
        escrow.release(fid, sender=members.outsider)
    receipt = escrow.refund(fid, sender=members.outsider)
    assert logs(receipt) == [
        ev(escrow, "FinancingStateChanged", financingId=fid, previous=State.FUNDED, state=State.REFUNDED),
        ev(
            escrow,
            "FinancingRefunded",
            financingId=fid,
            financier=members.financier.address,
            amount=PRINCIPAL,
            reason=Reason.RELEASE_DEADLINE_PASSED,
        ),
        ev(escrow, "Credited", token=hkd.address, account=members.financier.address, financingId=fid, amount=PRINCIPAL),
    ]
    f = escrow.getFinancing(fid)
    assert (f.funded, f.released, f.refunded) == (PRINCIPAL, 0, PRINCIPAL)
    assert escrow.activeFinancingOf(sid) == 0
    escrow.withdraw(hkd, members.financier, sender=members.financier)
    assert hkd.balanceOf(members.financier) == PRINCIPAL
    with reverts(escrow.EscrowUnexpectedState, financingId=fid, current=State.REFUNDED, expected=bit(State.FUNDED)):
        escrow.refund(fid, sender=members.outsider)


def test_the_financier_refunds_at_once_when_the_declaration_is_rejected(bank, escrow, members):
    fid, sid = bank.financing(State.FUNDED)
    bank.reject(sid)
    f = escrow.getFinancing(fid)
    for who in ("outsider", "shipper"):
        with reverts(escrow.EscrowRefundNotDue, financingId=fid, releaseBy=f.releaseBy):
            escrow.refund(fid, sender=getattr(members, who))
    receipt = escrow.refund(fid, sender=members.financier)
    refunded = [log for log in logs(receipt) if log[1] == "FinancingRefunded"]
    assert refunded[0][2]["reason"] == Reason.DECLARATION_REJECTED
    assert escrow.withdrawable(bank.hkd, members.financier) == PRINCIPAL


def test_released_funds_are_never_refunded(bank, escrow, members, chain):
    fid, _ = bank.financing(State.RELEASED)
    warp(chain, escrow.getFinancing(fid).releaseBy + 1)
    with reverts(escrow.EscrowUnexpectedState, financingId=fid, current=State.RELEASED, expected=bit(State.FUNDED)):
        escrow.refund(fid, sender=members.financier)


def test_unpaid_financing_past_maturity_is_marked_defaulted(bank, escrow, hkd, members, chain):
    fid, sid = bank.financing(State.RELEASED)
    bank.repay(fid, 100_000_00)
    f = escrow.getFinancing(fid)
    with reverts(escrow.EscrowNotMatured, financingId=fid, maturity=f.maturity):
        escrow.markDefaulted(fid, sender=members.outsider)
    warp(chain, f.maturity + 1)
    receipt = escrow.markDefaulted(fid, sender=members.auditor)
    due = PRINCIPAL + fee(PRINCIPAL, FEE_BPS)
    assert logs(receipt) == [
        ev(escrow, "FinancingStateChanged", financingId=fid, previous=State.RELEASED, state=State.DEFAULTED),
        ev(
            escrow,
            "FinancingDefaulted",
            financingId=fid,
            shipmentId=sid,
            exporter=members.shipper.address,
            financier=members.financier.address,
            token=hkd.address,
            outstanding=due - 100_000_00,
            maturity=f.maturity,
        ),
    ]
    # The receivable stays pledged: the shipment cannot be financed again.
    assert escrow.activeFinancingOf(sid) == fid
    with reverts(escrow.EscrowShipmentAlreadyFinanced, shipmentId=sid, financingId=fid):
        bank.request(sid)
    with reverts(escrow.EscrowUnexpectedState, financingId=fid, current=State.DEFAULTED, expected=bit(State.RELEASED)):
        escrow.repay(fid, 1, sender=members.consignee)
    # The partial repayment is the financier's.
    assert escrow.withdrawable(hkd, members.financier) == 100_000_00


def test_a_late_repayment_before_the_default_is_marked_settles(bank, escrow, members, chain):
    fid, sid = bank.financing(State.RELEASED)
    warp(chain, escrow.getFinancing(fid).maturity + 1)
    bank.repay(fid)
    assert escrow.getFinancing(fid).state == State.REPAID
    with reverts(escrow.EscrowUnexpectedState, financingId=fid, current=State.REPAID, expected=bit(State.RELEASED)):
        escrow.markDefaulted(fid, sender=members.outsider)
    assert escrow.activeFinancingOf(sid) == 0
