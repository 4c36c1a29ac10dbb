"""Projections of the trade-finance escrow: financings and the credits the escrow owes."""

from __future__ import annotations

from sqlalchemy import Column, Integer, String, Table

from portlink.store.columns import ADDRESS, AMOUNT, HASH, Block, changed, metadata

financings = Table(
    "financings",
    metadata,
    Column("financing_id", Block, primary_key=True, autoincrement=False),
    Column("shipment_id", String(HASH), nullable=False, index=True),
    Column("exporter", String(ADDRESS), nullable=False, index=True, comment="The shipment's shipper, who requested."),
    Column("product", String(20), nullable=False),
    Column("state", String(20), nullable=False, index=True),
    Column("financier", String(ADDRESS), nullable=True, index=True, comment="NULL until offered."),
    Column("token", String(ADDRESS), nullable=True),
    Column("amount", String(AMOUNT), nullable=True, comment="The principal offered (uint128, decimal string)."),
    Column("fee_bps", Integer, nullable=True),
    Column("condition", String(20), nullable=True),
    Column("fund_by", Block, nullable=True, comment="Unix time."),
    Column("release_by", Block, nullable=True, comment="Unix time."),
    Column("maturity", Block, nullable=True, comment="Unix time."),
    Column("funded", String(AMOUNT), nullable=True, comment="What the escrow received when funded."),
    Column("due", String(AMOUNT), nullable=True, comment="Funded plus the fee: what repays the financing."),
    Column("released", String(AMOUNT), nullable=False),
    Column("refunded", String(AMOUNT), nullable=False),
    Column("repaid", String(AMOUNT), nullable=False),
    Column("refund_reason", String(30), nullable=True),
    Column("rebate_payment_ref", String(HASH), nullable=True),
    Column("rebate_recorded_by", String(ADDRESS), nullable=True),
    Column("requested_block", Block, nullable=False),
    Column("requested_transaction", String(HASH), nullable=False),
    Column("requested_at", Block, nullable=True, comment="Block time of the request."),
    Column("funded_at", Block, nullable=True, comment="Block time of the funding."),
    Column("released_at", Block, nullable=True, comment="Block time of the release."),
    *changed(),
)

escrow_credits = Table(
    "escrow_credits",
    metadata,
    Column("token", String(ADDRESS), primary_key=True),
    Column("account", String(ADDRESS), primary_key=True),
    Column("withdrawable", String(AMOUNT), nullable=False, comment="What the escrow's `withdrawable` answers."),
    Column("credited", String(AMOUNT), nullable=False, comment="Every credit so far."),
    Column("withdrawn", String(AMOUNT), nullable=False, comment="Every withdrawal so far."),
    *changed(),
)
