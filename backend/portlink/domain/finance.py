"""Trade-finance vocabulary and the terms a financier offers, mirroring ``TradeFinanceEscrow`` and ``Financings.sol``.

The checks are the contract's, so an offer the chain would refuse gets a message naming what is wrong instead of a
revert: amounts in the settlement token's minor units (HK cents: the token has 2 decimals), a fee of at most
:data:`MAX_FEE_BPS`, a condition the product can be released on, and deadlines in the order
``now <= fund_by <= release_by < maturity <= now + MAX_TENOR``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from enum import IntEnum

from eth_abi.abi import encode
from eth_utils.crypto import keccak
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from portlink.domain.consortium import parse_address

#: Decimals of the PortLink settlement token: one unit is one HK cent.
SETTLEMENT_DECIMALS = 2
MAX_FEE_BPS = 2_000
BPS = 10_000
MAX_TENOR = timedelta(days=730)
#: The largest principal the escrow takes (``Financings.MAX_AMOUNT``).
MAX_AMOUNT = 2**120 - 1
#: ``keccak256("portlink.escrow.settlementToken")``, the prefix of the allowlist parameter keys.
SETTLEMENT_TOKEN_PREFIX = keccak(text="portlink.escrow.settlementToken")
TOKEN_ALLOWED = 1
TOKEN_REFUSED = 2

_AMOUNT = re.compile(r"[0-9]+(\.[0-9]+)?")


class Product(IntEnum):
    """``ITradeFinanceEscrow.Product``."""

    NONE = 0
    ECOMMERCE = 1
    TAX_REBATE = 2


class Condition(IntEnum):
    """``ITradeFinanceEscrow.Condition``: what releases the funds to the exporter."""

    NONE = 0
    EXPORT_APPROVED = 1
    CLEARED = 2


class FinancingState(IntEnum):
    """``ITradeFinanceEscrow.FinancingState``."""

    NONE = 0
    REQUESTED = 1
    OFFERED = 2
    ACCEPTED = 3
    FUNDED = 4
    RELEASED = 5
    REPAID = 6
    REFUNDED = 7
    DEFAULTED = 8
    EXPIRED = 9
    CANCELLED = 10


class RefundReason(IntEnum):
    """``ITradeFinanceEscrow.RefundReason``: why funds went back to the financier."""

    NONE = 0
    DECLARATION_REJECTED = 1
    RELEASE_DEADLINE_PASSED = 2


#: A financing in these states holds its shipment: no other may be funded.
ACTIVE_STATES = frozenset({FinancingState.FUNDED, FinancingState.RELEASED, FinancingState.DEFAULTED})


def parse_amount(text: str, decimals: int = SETTLEMENT_DECIMALS) -> int:
    """``"1,234.56"`` (or ``"HKD 1 234.56"``) as token units (123456 with 2 decimals); ``ValueError`` otherwise.

    Thousands separators (commas, spaces, underscores) and a leading ``HKD``/``HK$`` are dropped; more decimal
    places than the token has are refused rather than rounded, since a rounded principal is not what was agreed.
    """
    normal = text.strip().upper().removeprefix("HKD").removeprefix("HK$").strip()
    normal = re.sub(r"[,_ ]", "", normal)
    if not _AMOUNT.fullmatch(normal):
        raise ValueError(f"amount {text!r} is not a number such as 1,234.56")
    try:
        value = Decimal(normal)
    except InvalidOperation:  # pragma: no cover - the pattern admits only what Decimal reads
        raise ValueError(f"amount {text!r} is not a number such as 1,234.56") from None
    units = value.scaleb(decimals)
    if units != units.to_integral_value():
        raise ValueError(f"amount {text!r} has more than {decimals} decimal places")
    amount = int(units)
    if not 0 < amount <= MAX_AMOUNT:
        raise ValueError(f"amount {text!r} must be above zero and at most {MAX_AMOUNT} units")
    return amount


def fee(amount: int, fee_bps: int) -> int:
    """The fee on ``amount`` at ``fee_bps`` basis points, rounded up (as ``Financings.fee``)."""
    return -(-amount * fee_bps // BPS)


def amount_due(funded: int, fee_bps: int) -> int:
    """What repays a financing funded with ``funded``: principal plus fee."""
    return funded + fee(funded, fee_bps)


def settlement_token_key(token: str) -> bytes:
    """The governance parameter that lists (:data:`TOKEN_ALLOWED`) or delists (:data:`TOKEN_REFUSED`) ``token``."""
    return keccak(encode(["bytes32", "address"], [SETTLEMENT_TOKEN_PREFIX, parse_address(token, "token")]))


class FinancingTerms(BaseModel):
    """What a financier offers, checked in the backend before ``offer`` is sent.

    ``amount`` is in token units (use :func:`parse_amount` for what a person types); the deadlines are aware
    datetimes. :meth:`check` takes the product and the time the offer is made.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    token: str
    amount: int = Field(strict=True, gt=0, le=MAX_AMOUNT)
    fee_bps: int = Field(strict=True, ge=0, le=MAX_FEE_BPS)
    condition: Condition
    fund_by: datetime
    release_by: datetime
    maturity: datetime

    @field_validator("token")
    @classmethod
    def _token(cls, value: str) -> str:
        return parse_address(value, "token")

    @field_validator("fund_by", "release_by", "maturity")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("give the time zone (e.g. 2026-12-01T12:00:00+08:00)")
        return value

    @model_validator(mode="after")
    def _order(self) -> FinancingTerms:
        if self.condition is Condition.NONE:
            raise ValueError("name the condition that releases the funds")
        if self.release_by < self.fund_by:
            raise ValueError("release_by is before fund_by: the funds could never be released")
        if self.maturity <= self.release_by:
            raise ValueError("maturity must come after release_by")
        return self

    def check(self, product: Product, now: datetime | None = None) -> FinancingTerms:
        """The terms, if the escrow would take them for ``product`` at ``now``; ``ValueError`` naming why not."""
        at = now or datetime.now(UTC)
        if product is Product.NONE:
            raise ValueError("name the product: e-commerce or tax rebate")
        if product is Product.TAX_REBATE and self.condition is not Condition.CLEARED:
            raise ValueError("a tax-rebate advance is released on full clearance only (condition CLEARED)")
        if self.fund_by < at:
            raise ValueError(f"fund_by {self.fund_by.isoformat()} has passed")
        if self.maturity > at + MAX_TENOR:
            raise ValueError(f"maturity is more than {MAX_TENOR.days} days away")
        return self

    @property
    def due(self) -> int:
        """What repays the financing if the whole principal arrives."""
        return amount_due(self.amount, self.fee_bps)

    def to_chain(self) -> tuple[str, int, int, int, int, int, int]:
        """``ITradeFinanceEscrow.Terms`` as ``offer`` takes it after the financing id."""
        return (
            self.token,
            self.amount,
            self.fee_bps,
            int(self.condition),
            int(self.fund_by.timestamp()),
            int(self.release_by.timestamp()),
            int(self.maturity.timestamp()),
        )
