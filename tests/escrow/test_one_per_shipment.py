"""At most one active financing per shipment, across financiers and products, keyed on the shipment's business key."""

from __future__ import annotations

from portlink.domain.consortium import Role

from tests.conftest import NO_PORT, reverts
from tests.escrow.conftest import Condition, Product, State


def test_a_second_funding_of_the_same_shipment_is_refused(bank, escrow, members, admit):
    """Two requests, two financiers, two offers accepted: only the first funding goes through."""
    admit("proposeMember", members.newcomer, "Second Bank", "BANK2", Role.FINANCIER.id, NO_PORT)
    sid = bank.shipment()
    first, second = bank.request(sid), bank.request(sid)
    bank.offer(first)
    bank.offer(second, sender=members.newcomer)
    bank.accept(first)
    bank.accept(second)
    bank.fund(first)
    with reverts(escrow.EscrowShipmentAlreadyFinanced, shipmentId=sid, financingId=first):
        bank.fund(second, sender=members.newcomer)
    with reverts(escrow.EscrowShipmentAlreadyFinanced, shipmentId=sid, financingId=first):
        bank.request(sid)
    assert escrow.activeFinancingOf(sid) == first


def test_an_ecommerce_financing_blocks_a_tax_rebate_advance_on_the_same_shipment(bank, escrow):
    sid = bank.shipment()
    ecommerce = bank.request(sid, Product.ECOMMERCE)
    rebate = bank.request(sid, Product.TAX_REBATE)
    bank.offer(ecommerce)
    bank.offer(rebate, condition=Condition.CLEARED)
    bank.accept(ecommerce)
    bank.accept(rebate)
    bank.fund(ecommerce)
    bank.clear(sid)
    with reverts(escrow.EscrowShipmentAlreadyFinanced, shipmentId=sid, financingId=ecommerce):
        bank.fund(rebate)
    # Once repaid, the shipment is free: the rebate may be advanced.
    bank.escrow.release(ecommerce, sender=bank.members.outsider)
    bank.repay(ecommerce)
    bank.fund(rebate)
    assert escrow.activeFinancingOf(sid) == rebate


def test_a_refunded_financing_frees_the_shipment(bank, escrow, chain):
    from tests.escrow.conftest import warp

    fid, sid = bank.financing(State.FUNDED)
    warp(chain, escrow.getFinancing(fid).releaseBy + 1)
    escrow.refund(fid, sender=bank.members.outsider)
    again = bank.request(sid)
    bank.offer(again)
    bank.accept(again)
    bank.fund(again)
    assert escrow.activeFinancingOf(sid) == again


def test_the_key_is_the_shipment_id_the_registry_derives_from_carrier_and_bill_of_lading(bank, escrow, shipments):
    from tests.shipments.conftest import shipment_id_of

    fid, sid = bank.financing(State.FUNDED)
    assert sid == shipment_id_of(bank.members.carrier, f"FIN{bank.serial}")
    assert escrow.getFinancing(fid).shipmentId == sid
