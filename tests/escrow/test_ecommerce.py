"""E-commerce financing: request, offer, accept, fund, release on the export side's clearance, repay, withdraw."""

from __future__ import annotations

import pytest
from portlink.domain.consortium import Role
from portlink.domain.customs import Decision

from tests.conftest import SHUNDE, reverts
from tests.customs.conftest import REASON
from tests.escrow.conftest import (
    FEE_BPS,
    PRINCIPAL,
    Condition,
    Deadlines,
    Product,
    State,
    bit,
    fee,
    now,
)
from tests.shipments.conftest import ev, logs


def test_the_whole_ecommerce_financing_pays_exporter_and_financier(bank, escrow, hkd, members):
    sid = bank.shipment()
    fid = bank.request(sid)
    assert logs(bank.receipt) == [
        ev(escrow, "FinancingStateChanged", financingId=fid, previous=State.NONE, state=State.REQUESTED),
        ev(
            escrow,
            "FinancingRequested",
            financingId=fid,
            shipmentId=sid,
            exporter=members.shipper.address,
            product=Product.ECOMMERCE,
        ),
    ]
    terms = bank.terms()
    bank.offer(fid, terms)
    assert logs(bank.receipt)[-1] == ev(
        escrow,
        "FinancingOffered",
        financingId=fid,
        financier=members.financier.address,
        token=hkd.address,
        amount=PRINCIPAL,
        feeBps=FEE_BPS,
        condition=Condition.EXPORT_APPROVED,
        fundBy=terms[4],
        releaseBy=terms[5],
        maturity=terms[6],
    )
    bank.accept(fid)
    bank.fund(fid)
    due = PRINCIPAL + fee(PRINCIPAL, FEE_BPS)
    funded = [log for log in logs(bank.receipt) if log[0] == escrow.address]
    assert funded == [
        ev(escrow, "FinancingStateChanged", financingId=fid, previous=State.ACCEPTED, state=State.FUNDED),
        ev(
            escrow,
            "FinancingFunded",
            financingId=fid,
            shipmentId=sid,
            financier=members.financier.address,
            funded=PRINCIPAL,
            due=due,
        ),
    ]
    assert escrow.activeFinancingOf(sid) == fid
    assert hkd.balanceOf(escrow) == escrow.totalOwed(hkd) == PRINCIPAL

    assert not escrow.conditionMet(fid)
    bank.approve_export(sid)
    assert escrow.conditionMet(fid)
    receipt = escrow.release(fid, sender=members.outsider)
    assert logs(receipt) == [
        ev(escrow, "FinancingStateChanged", financingId=fid, previous=State.FUNDED, state=State.RELEASED),
        ev(escrow, "FinancingReleased", financingId=fid, exporter=members.shipper.address, amount=PRINCIPAL),
        ev(escrow, "Credited", token=hkd.address, account=members.shipper.address, financingId=fid, amount=PRINCIPAL),
    ]
    assert escrow.withdrawable(hkd, members.shipper) == PRINCIPAL
    escrow.withdraw(hkd, members.shipper, sender=members.shipper)
    assert hkd.balanceOf(members.shipper) == PRINCIPAL

    bank.repay(fid)
    f = escrow.getFinancing(fid)
    assert (f.state, f.funded, f.released, f.refunded, f.repaid, f.due) == (
        State.REPAID,
        PRINCIPAL,
        PRINCIPAL,
        0,
        due,
        due,
    )
    assert escrow.activeFinancingOf(sid) == 0
    assert escrow.withdrawable(hkd, members.financier) == due
    receipt = escrow.withdraw(hkd, members.financier, sender=members.financier)
    assert logs(receipt)[0] == ev(
        escrow,
        "Withdrawn",
        token=hkd.address,
        account=members.financier.address,
        to=members.financier.address,
        amount=due,
    )
    assert hkd.balanceOf(members.financier) == due
    assert hkd.balanceOf(escrow) == escrow.totalOwed(hkd) == 0


def test_release_on_full_clearance_waits_for_both_customs(bank, escrow, members):
    fid, sid = bank.financing(State.FUNDED, condition=Condition.CLEARED)
    bank.approve_export(sid)
    assert not escrow.conditionMet(fid)
    with reverts(escrow.EscrowConditionNotMet, financingId=fid, condition=Condition.CLEARED):
        escrow.release(fid, sender=members.outsider)
    bank.desk.decide(sid, SHUNDE, Decision.APPROVE)
    escrow.release(fid, sender=members.outsider)
    assert escrow.getFinancing(fid).state == State.RELEASED


def test_release_reverts_before_origin_customs_approves(bank, escrow, members):
    fid, _ = bank.financing(State.FUNDED)
    with reverts(escrow.EscrowConditionNotMet, financingId=fid, condition=Condition.EXPORT_APPROVED):
        escrow.release(fid, sender=members.outsider)


def test_release_reverts_without_a_declaration(bank, escrow, members):
    sid = bank.shipment(filed=False)
    fid = bank.request(sid)
    bank.offer(fid)
    bank.accept(fid)
    bank.fund(fid)
    with reverts(escrow.EscrowConditionNotMet, financingId=fid, condition=Condition.EXPORT_APPROVED):
        escrow.release(fid, sender=members.outsider)


def test_an_amendment_after_the_export_approval_withdraws_the_condition(bank, escrow, members):
    """An approval counts for the version approved: after a rejection and amendment it must be given again."""
    fid, sid = bank.financing(State.FUNDED)
    bank.approve_export(sid)
    bank.desk.decide(sid, SHUNDE, Decision.REJECT, REASON)
    assert not escrow.conditionMet(fid)
    with reverts(escrow.EscrowConditionNotMet, financingId=fid, condition=Condition.EXPORT_APPROVED):
        escrow.release(fid, sender=members.outsider)


def test_release_happens_once(bank, escrow, members):
    fid, _ = bank.financing(State.RELEASED)
    with reverts(escrow.EscrowUnexpectedState, financingId=fid, current=State.RELEASED, expected=bit(State.FUNDED)):
        escrow.release(fid, sender=members.outsider)


def test_partial_repayments_add_up_and_each_is_credited_to_the_financier(bank, escrow, hkd, members):
    fid, _ = bank.financing(State.RELEASED)
    due = escrow.getFinancing(fid).due
    bank.repay(fid, 400_000_00, sender=members.consignee)
    assert logs(bank.receipt)[-2:] == [
        ev(
            escrow,
            "RepaymentReceived",
            financingId=fid,
            payer=members.consignee.address,
            amount=400_000_00,
            repaid=400_000_00,
            due=due,
        ),
        ev(
            escrow, "Credited", token=hkd.address, account=members.financier.address, financingId=fid, amount=400_000_00
        ),
    ]
    assert escrow.getFinancing(fid).state == State.RELEASED
    bank.repay(fid, due, sender=members.shipper)  # more than outstanding: only the outstanding is taken
    f = escrow.getFinancing(fid)
    assert (f.state, f.repaid) == (State.REPAID, due)
    assert hkd.balanceOf(members.shipper) == 400_000_00  # of the `due` minted to it, the rest stayed
    assert escrow.withdrawable(hkd, members.financier) == due
    assert hkd.balanceOf(escrow) == escrow.totalOwed(hkd) == due + PRINCIPAL  # the exporter has not withdrawn


@pytest.mark.parametrize("who", ["carrier", "financier", "tax_authority", "outsider"])
def test_repay_reverts_for_anyone_but_consignee_and_exporter(bank, escrow, members, who):
    fid, _ = bank.financing(State.RELEASED)
    sender = getattr(members, who)
    with reverts(escrow.EscrowNotRepayer, financingId=fid, account=sender.address):
        escrow.repay(fid, 1, sender=sender)


def test_repay_reverts_on_zero(bank, escrow, members):
    fid, _ = bank.financing(State.RELEASED)
    with reverts(escrow.EscrowInvalidAmount):
        escrow.repay(fid, 0, sender=members.consignee)


@pytest.mark.parametrize("to", [State.REQUESTED, State.OFFERED, State.ACCEPTED, State.FUNDED], ids=lambda s: s.name)
def test_repay_reverts_before_release(bank, escrow, members, to):
    fid, _ = bank.financing(to)
    with reverts(escrow.EscrowUnexpectedState, financingId=fid, current=to, expected=bit(State.RELEASED)):
        escrow.repay(fid, 1, sender=members.consignee)


def test_request_reverts_for_someone_elses_shipment(bank, escrow, members, admit):
    sid = bank.shipment()
    with reverts(escrow.EscrowNotExporter, financingId=0, account=members.consignee.address):
        escrow.request(sid, Product.ECOMMERCE, sender=members.consignee)


def test_request_reverts_for_an_unknown_shipment_or_product(bank, escrow, members):
    with reverts(escrow.EscrowUnknownShipment, shipmentId=b"\x01" * 32):
        escrow.request(b"\x01" * 32, Product.ECOMMERCE, sender=members.shipper)
    sid = bank.shipment()
    with reverts(escrow.EscrowInvalidProduct):
        escrow.request(sid, Product.NONE, sender=members.shipper)


def test_request_reverts_for_a_suspended_shipper(bank, escrow, members, admit):
    sid = bank.shipment()
    admit("proposeSuspension", members.shipper, b"\x05" * 32)
    with reverts(escrow.EscrowUnauthorized, account=members.shipper.address, role=Role.SHIPPER.id):
        escrow.request(sid, Product.ECOMMERCE, sender=members.shipper)


@pytest.mark.parametrize("who", ["consignee", "shipper", "outsider", "tax_authority"])
def test_offer_reverts_for_a_non_financier(bank, escrow, members, who):
    fid = bank.request(bank.shipment())
    sender = getattr(members, who)
    with reverts(escrow.EscrowUnauthorized, account=sender.address, role=Role.FINANCIER.id):
        bank.offer(fid, sender=sender)


def test_offer_reverts_on_a_financing_already_offered(bank, escrow, members):
    fid, _ = bank.financing(State.OFFERED)
    with reverts(escrow.EscrowUnexpectedState, financingId=fid, current=State.OFFERED, expected=bit(State.REQUESTED)):
        bank.offer(fid)


def test_offer_reverts_on_an_unknown_financing(bank, escrow):
    with reverts(escrow.EscrowUnknownFinancing, financingId=99):
        bank.offer(99)


def test_offer_terms_are_checked(bank, escrow, chain):
    fid = bank.request(bank.shipment())
    with reverts(escrow.EscrowInvalidAmount):
        bank.offer(fid, amount=0)
    with reverts(escrow.EscrowInvalidAmount):
        bank.offer(fid, amount=2**120)
    with reverts(escrow.EscrowFeeTooHigh, feeBps=2_001, max=2_000):
        bank.offer(fid, fee_bps=2_001)
    with reverts(escrow.EscrowInvalidCondition, product=Product.ECOMMERCE, condition=Condition.NONE):
        bank.offer(fid, condition=Condition.NONE)
    for deadlines in (
        Deadlines(fund_by=-1),  # already past
        Deadlines(fund_by=10, release_by=9),
        Deadlines(release_by=60, maturity=60),
        Deadlines(maturity=731 * 86_400),  # beyond MAX_TENOR
    ):
        terms = bank.terms(deadlines=deadlines)
        # the offer is mined in the next block, one second later at least: deadlines relative to it
        with reverts(escrow.EscrowInvalidDeadlines, fundBy=terms[4], releaseBy=terms[5], maturity=terms[6]):
            bank.offer(fid, terms)
    bank.offer(fid, fee_bps=2_000, deadlines=Deadlines(fund_by=5, release_by=5, maturity=6))
    assert escrow.getFinancing(fid).state == State.OFFERED


def test_accept_is_for_the_exporter_only(bank, escrow, members):
    fid, _ = bank.financing(State.OFFERED)
    with reverts(escrow.EscrowNotExporter, financingId=fid, account=members.financier.address):
        escrow.accept(fid, sender=members.financier)


def test_fund_is_for_the_offering_financier_only(bank, escrow, members, admit):
    fid, _ = bank.financing(State.ACCEPTED)
    with reverts(escrow.EscrowNotFinancier, financingId=fid, account=members.outsider.address):
        escrow.fund(fid, sender=members.outsider)
    admit("proposeRoleRevoke", members.financier, Role.FINANCIER.id, bytes(5))
    with reverts(escrow.EscrowUnauthorized, account=members.financier.address, role=Role.FINANCIER.id):
        bank.fund(fid)


def test_fund_reverts_before_acceptance(bank, escrow, members):
    fid, _ = bank.financing(State.OFFERED)
    with reverts(escrow.EscrowUnexpectedState, financingId=fid, current=State.OFFERED, expected=bit(State.ACCEPTED)):
        bank.fund(fid)


def test_fund_reverts_without_allowance(bank, escrow, hkd, members):
    fid, _ = bank.financing(State.ACCEPTED)
    bank.mint(members.financier, PRINCIPAL)
    with reverts(hkd.ERC20InsufficientAllowance, spender=escrow.address, allowance=0, needed=PRINCIPAL):
        escrow.fund(fid, sender=members.financier)


def test_withdraw_reverts_with_nothing_credited_or_to_zero(escrow, hkd, members):
    with reverts(escrow.EscrowNothingToWithdraw, token=hkd.address, account=members.shipper.address):
        escrow.withdraw(hkd, members.shipper, sender=members.shipper)
    with reverts(escrow.EscrowZeroAddress):
        escrow.withdraw(hkd, "0x" + "00" * 20, sender=members.shipper)


def test_withdraw_to_another_account(bank, escrow, hkd, members):
    bank.financing(State.RELEASED)
    escrow.withdraw(hkd, members.newcomer, sender=members.shipper)
    assert hkd.balanceOf(members.newcomer) == PRINCIPAL
    assert escrow.withdrawable(hkd, members.shipper) == 0


def test_terms_are_stored(bank, escrow, hkd, members):
    fid, sid = bank.financing(State.OFFERED)
    f = escrow.getFinancing(fid)
    t = now(bank.chain)
    assert (f.product, f.condition, f.feeBps, f.shipmentId, f.exporter, f.financier, f.token, f.amount) == (
        Product.ECOMMERCE,
        Condition.EXPORT_APPROVED,
        FEE_BPS,
        sid,
        members.shipper.address,
        members.financier.address,
        hkd.address,
        PRINCIPAL,
    )
    assert f.fundBy <= t + 7 * 86_400
    assert f.fundBy < f.releaseBy < f.maturity
