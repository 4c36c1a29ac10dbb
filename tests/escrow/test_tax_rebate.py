"""Export tax-rebate financing: advanced after full clearance, settled by the tax authority."""

from __future__ import annotations

import pytest
from portlink.domain.consortium import Role
from portlink.domain.customs import Decision

from tests.conftest import SHUNDE, reverts
from tests.escrow.conftest import PAYMENT_REF, REBATE, Condition, Product, State
from tests.shipments.conftest import ev, logs


def test_a_rebate_advance_needs_full_clearance(bank, escrow, members):
    sid = bank.shipment()
    fid = bank.request(sid, Product.TAX_REBATE)
    with reverts(escrow.EscrowInvalidCondition, product=Product.TAX_REBATE, condition=Condition.EXPORT_APPROVED):
        bank.offer(fid, condition=Condition.EXPORT_APPROVED)
    bank.offer(fid, condition=Condition.CLEARED, amount=REBATE)
    bank.accept(fid)
    bank.approve_export(sid)
    with reverts(escrow.EscrowNotCleared, shipmentId=sid):
        bank.fund(fid)
    bank.desk.decide(sid, SHUNDE, Decision.APPROVE)
    bank.fund(fid, mint=False)  # minted by the refused attempt
    escrow.release(fid, sender=members.outsider)
    assert escrow.withdrawable(bank.hkd, members.shipper) == REBATE


def test_the_tax_authority_records_the_rebate_paid_to_the_financier(bank, escrow, members):
    fid, sid = bank.financing(State.RELEASED, Product.TAX_REBATE, amount=REBATE)
    receipt = escrow.recordRebatePaid(fid, PAYMENT_REF, sender=members.tax_authority)
    assert logs(receipt) == [
        ev(
            escrow,
            "RebateRecorded",
            financingId=fid,
            taxAuthority=members.tax_authority.address,
            paymentRef=PAYMENT_REF,
        ),
        ev(escrow, "FinancingStateChanged", financingId=fid, previous=State.RELEASED, state=State.REPAID),
    ]
    assert escrow.activeFinancingOf(sid) == 0
    assert escrow.withdrawable(bank.hkd, members.financier) == 0  # paid outside the escrow


def test_the_tax_authority_may_pay_the_rebate_into_the_escrow(bank, escrow, members):
    fid, _ = bank.financing(State.RELEASED, Product.TAX_REBATE, amount=REBATE)
    bank.repay(fid, sender=members.tax_authority)
    f = escrow.getFinancing(fid)
    assert (f.state, f.repaid) == (State.REPAID, f.due)
    assert escrow.withdrawable(bank.hkd, members.financier) == f.due


@pytest.mark.parametrize("who", ["consignee", "financier", "outsider"])
def test_only_the_tax_authority_records_a_rebate(bank, escrow, members, who):
    fid, _ = bank.financing(State.RELEASED, Product.TAX_REBATE, amount=REBATE)
    sender = getattr(members, who)
    with reverts(escrow.EscrowUnauthorized, account=sender.address, role=Role.TAX_AUTHORITY.id):
        escrow.recordRebatePaid(fid, PAYMENT_REF, sender=sender)


def test_a_consignee_does_not_repay_a_rebate_advance(bank, escrow, members):
    fid, _ = bank.financing(State.RELEASED, Product.TAX_REBATE, amount=REBATE)
    with reverts(escrow.EscrowNotRepayer, financingId=fid, account=members.consignee.address):
        escrow.repay(fid, 1, sender=members.consignee)


def test_no_rebate_is_recorded_on_ecommerce_financing(bank, escrow, members):
    fid, _ = bank.financing(State.RELEASED)
    with reverts(escrow.EscrowWrongProduct, financingId=fid, product=Product.ECOMMERCE):
        escrow.recordRebatePaid(fid, PAYMENT_REF, sender=members.tax_authority)


def test_no_rebate_is_recorded_before_release(bank, escrow, members):
    from tests.escrow.conftest import bit

    fid, _ = bank.financing(State.FUNDED, Product.TAX_REBATE, amount=REBATE)
    with reverts(escrow.EscrowUnexpectedState, financingId=fid, current=State.FUNDED, expected=bit(State.RELEASED)):
        escrow.recordRebatePaid(fid, PAYMENT_REF, sender=members.tax_authority)
