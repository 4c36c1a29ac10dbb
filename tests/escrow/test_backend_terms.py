"""FinancingTerms and amounts as the backend takes them from a financier: what it accepts the chain takes as is, and
what the chain refuses the backend refuses first with a message."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from portlink.domain.finance import (
    Condition,
    FinancingState,
    FinancingTerms,
    Product,
    amount_due,
    parse_amount,
    settlement_token_key,
)
from pydantic import ValidationError

from tests.conftest import reverts
from tests.escrow.conftest import State, now


@pytest.mark.parametrize(
    ("text", "units"),
    [
        ("1,234.56", 123_456),
        ("HKD 1 000 000", 100_000_000),
        ("hk$ 0.1", 10),
        ("7", 700),
        ("1_000.00", 100_000),
    ],
    ids=["commas", "hkd-spaces", "hk-dollar-sign", "whole", "underscores"],
)
def test_amounts_in_hk_dollars_become_cents(text, units):
    assert parse_amount(text) == units


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1.234", "more than 2 decimal places"),
        ("0", "must be above zero"),
        ("0.00", "must be above zero"),
        ("-5", "is not a number"),
        ("1e3", "is not a number"),
        ("", "is not a number"),
        ("HKD", "is not a number"),
    ],
    ids=["three-decimals", "zero", "zero-cents", "negative", "exponent", "empty", "currency-only"],
)
def test_what_is_not_an_amount_is_refused(text, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_amount(text)


def terms(default_token: str, at: datetime, **overrides) -> FinancingTerms:
    fields = {
        "token": default_token,
        "amount": 1_000_000_00,
        "fee_bps": 150,
        "condition": Condition.EXPORT_APPROVED,
        "fund_by": at + timedelta(days=7),
        "release_by": at + timedelta(days=60),
        "maturity": at + timedelta(days=120),
    } | overrides
    return FinancingTerms(**fields)


def chain_time(chain) -> datetime:
    return datetime.fromtimestamp(now(chain), UTC)


def test_terms_the_backend_accepts_are_offered_as_they_are(bank, escrow, hkd, chain):
    at = chain_time(chain)
    t = terms(hkd.address.lower(), at).check(Product.ECOMMERCE, at)
    fid = bank.request(bank.shipment())
    bank.offer(fid, t.to_chain())
    f = escrow.getFinancing(fid)
    assert (f.state, f.token, f.amount, f.feeBps, f.condition) == (
        State.OFFERED,
        hkd.address,
        t.amount,
        t.fee_bps,
        Condition.EXPORT_APPROVED,
    )
    assert f.maturity == int(t.maturity.timestamp())


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"fee_bps": 2_001}, "less than or equal to 2000"),
        ({"amount": 0}, "greater than 0"),
        ({"amount": 2**120}, "less than or equal to"),
        ({"condition": Condition.NONE}, "name the condition"),
        ({"release_by": "fund_by-1"}, "release_by is before fund_by"),
        ({"maturity": "release_by"}, "maturity must come after release_by"),
        ({"fund_by": datetime(2030, 1, 1)}, "give the time zone"),
        ({"token": "0x1234"}, "token '0x1234' is not an Ethereum address"),
    ],
    ids=[
        "fee-over-cap",
        "zero",
        "too-large",
        "no-condition",
        "release-before-funding",
        "maturity-early",
        "naive",
        "bad-token",
    ],
)
def test_malformed_terms_are_refused(hkd, overrides, message):
    at = datetime(2026, 12, 1, tzinfo=UTC)
    base = terms(hkd.address, at)
    if overrides.get("release_by") == "fund_by-1":
        overrides = {"release_by": base.fund_by - timedelta(seconds=1)}
    if overrides.get("maturity") == "release_by":
        overrides = {"maturity": base.release_by}
    with pytest.raises(ValidationError, match=re.escape(message)):
        terms(hkd.address, at, **overrides)


@pytest.mark.parametrize(
    ("product", "overrides", "message"),
    [
        (Product.TAX_REBATE, {}, "released on full clearance only"),
        (Product.NONE, {}, "name the product"),
        (Product.ECOMMERCE, {"fund_by": "past"}, "has passed"),
        (Product.ECOMMERCE, {"maturity": "731 days"}, "more than 730 days away"),
    ],
    ids=["rebate-on-export-approval", "no-product", "fund-by-passed", "tenor"],
)
def test_terms_the_escrow_would_refuse_are_refused_first(bank, escrow, hkd, chain, product, overrides, message):
    at = chain_time(chain)
    fields = {}
    if overrides.get("fund_by") == "past":
        fields = {"fund_by": at - timedelta(seconds=1)}
    if overrides.get("maturity") == "731 days":
        fields = {"maturity": at + timedelta(days=731)}
    t = terms(hkd.address, at, **fields)
    with pytest.raises(ValueError, match=re.escape(message)):
        t.check(product, at)
    if product is Product.NONE:
        return
    fid = bank.request(bank.shipment(), product)
    chain_terms = t.to_chain()
    if product is Product.TAX_REBATE:  # and the chain agrees
        refusal = reverts(escrow.EscrowInvalidCondition, product=product, condition=t.condition)
    else:
        fund_by, release_by, maturity = chain_terms[4:]
        refusal = reverts(escrow.EscrowInvalidDeadlines, fundBy=fund_by, releaseBy=release_by, maturity=maturity)
    with refusal:
        bank.offer(fid, chain_terms)


@pytest.mark.parametrize(("amount", "fee_bps"), [(1, 1), (1, 2_000), (999, 150), (1_000_000_00, 150), (7, 0)])
def test_the_amount_due_is_the_chains(bank, escrow, amount, fee_bps):
    fid, _ = bank.financing(State.FUNDED, amount=amount, fee_bps=fee_bps)
    assert escrow.getFinancing(fid).due == amount_due(amount, fee_bps)


def test_the_allowlist_key_is_the_chains(escrow, hkd):
    assert settlement_token_key(hkd.address) == escrow.settlementTokenKey(hkd)


def test_the_states_are_the_contracts():
    assert [s.name for s in FinancingState] == [s.name for s in State]
