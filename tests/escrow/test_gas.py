"""Gas of each escrow step - request, offer, accept, fund, release, repay, refund, withdraw, rebate, default, expiry -
against snapshots/gas-escrow.json (`make gas-snapshot` rewrites it).

Every measurement is deterministic: fixed transport document references (so fixed shipment ids), fixed accounts,
amounts and order on the state the test starts from. The financier, consignee and tax authority hold tokens and have
approved the escrow before anything is measured (as in steady operation), so a funding or repayment costs the
transfer and no allowance set-up. Deadlines are offsets from the block time, which does not change the gas.
"""

from __future__ import annotations

from portlink.manifest import ESCROW, SETTLEMENT_TOKEN

from tests.conftest import ROOT, check_gas_snapshot
from tests.escrow.conftest import MINT_REF, PAYMENT_REF, REBATE, Condition, Product, warp

SNAPSHOT = ROOT / "snapshots" / "gas-escrow.json"
LOTS = 10**12
MAX = 2**256 - 1


def test_gas_matches_the_committed_snapshot(chain, deployment, escrow, hkd, bank, members):
    web3 = chain.provider.web3
    gas: dict[str, int] = {
        f"{name}.deploy": web3.eth.get_transaction_receipt(deployment.manifest.contract(name).transaction_hash)[
            "gasUsed"
        ]
        for name in (SETTLEMENT_TOKEN, ESCROW)
    }
    gas["SettlementToken.mint"] = hkd.mint(members.financier, LOTS, MINT_REF, sender=members.issuer).gas_used
    for payer in (members.consignee, members.tax_authority):
        hkd.mint(payer, LOTS, MINT_REF, sender=members.issuer)
    for account in (members.financier, members.consignee, members.tax_authority):
        hkd.approve(escrow, MAX, sender=account)

    def measure(label: str, receipt) -> None:
        gas[label] = receipt.gas_used

    # E-commerce financing, released on the export approval, repaid in two parts.
    sid = bank.shipment()
    fid = bank.request(sid)
    measure("request: e-commerce", bank.receipt)
    measure("offer", bank.offer(fid))
    measure("accept", bank.accept(fid))
    measure("fund", escrow.fund(fid, sender=members.financier))
    bank.approve_export(sid)
    measure("release: export approved", escrow.release(fid, sender=members.outsider))
    measure("withdraw: exporter", escrow.withdraw(hkd, members.shipper, sender=members.shipper))
    due = escrow.getFinancing(fid).due
    measure("repay: part", escrow.repay(fid, due // 2, sender=members.consignee))
    measure("repay: the rest (settles)", escrow.repay(fid, due, sender=members.consignee))
    measure("withdraw: financier", escrow.withdraw(hkd, members.financier, sender=members.financier))

    # Released on full clearance.
    sid = bank.shipment()
    fid = bank.request(sid)
    bank.offer(fid, condition=Condition.CLEARED)
    bank.accept(fid)
    escrow.fund(fid, sender=members.financier)
    bank.clear(sid)
    measure("release: cleared", escrow.release(fid, sender=members.outsider))

    # Refunds: the declaration rejected, or the release deadline passed.
    sid = bank.shipment()
    fid = bank.request(sid)
    bank.offer(fid)
    bank.accept(fid)
    escrow.fund(fid, sender=members.financier)
    bank.reject(sid)
    measure("refund: declaration rejected", escrow.refund(fid, sender=members.financier))

    sid = bank.shipment()
    late = bank.request(sid)
    bank.offer(late)
    bank.accept(late)
    escrow.fund(late, sender=members.financier)

    # Export tax rebate: advanced after clearance, recorded as paid by the tax authority, or paid in.
    sid = bank.shipment()
    bank.clear(sid)
    rebate = bank.request(sid, Product.TAX_REBATE)
    measure("request: tax rebate", bank.receipt)
    bank.offer(rebate, condition=Condition.CLEARED, amount=REBATE)
    bank.accept(rebate)
    measure("fund: tax rebate (checks clearance)", escrow.fund(rebate, sender=members.financier))
    escrow.release(rebate, sender=members.outsider)
    measure("recordRebatePaid", escrow.recordRebatePaid(rebate, PAYMENT_REF, sender=members.tax_authority))

    sid = bank.shipment()
    bank.clear(sid)
    paid_in = bank.request(sid, Product.TAX_REBATE)
    bank.offer(paid_in, condition=Condition.CLEARED, amount=REBATE)
    bank.accept(paid_in)
    escrow.fund(paid_in, sender=members.financier)
    escrow.release(paid_in, sender=members.outsider)
    measure("repay: tax authority pays the rebate in", escrow.repay(paid_in, LOTS, sender=members.tax_authority))

    # A financing left unpaid, an offer left unfunded, a request withdrawn; then time passes.
    sid = bank.shipment()
    unpaid = bank.request(sid)
    bank.offer(unpaid)
    bank.accept(unpaid)
    escrow.fund(unpaid, sender=members.financier)
    bank.approve_export(sid)
    escrow.release(unpaid, sender=members.outsider)
    unfunded = bank.request(bank.shipment())
    bank.offer(unfunded)
    cancelled = bank.request(bank.shipment())
    measure("cancel: request", escrow.cancel(cancelled, sender=members.shipper))

    f = escrow.getFinancing(late)
    warp(chain, f.releaseBy + 1)
    measure("refund: release deadline passed", escrow.refund(late, sender=members.outsider))
    measure("expire", escrow.expire(unfunded, sender=members.outsider))
    warp(chain, escrow.getFinancing(unpaid).maturity + 1)
    measure("markDefaulted", escrow.markDefaulted(unpaid, sender=members.outsider))

    measure("pause", escrow.pause(sender=members.shekou_authority))
    measure("unpause", escrow.unpause(sender=members.shekou_authority))

    check_gas_snapshot(SNAPSHOT, gas)
