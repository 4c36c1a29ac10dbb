"""What every table is built from: the one ``MetaData``, the column types, and the column sets that mark where a
row comes from on the chain."""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Boolean, Column, Integer, MetaData, String
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData()

#: JSON documents: JSONB on PostgreSQL (indexable), JSON (text) on SQLite.
Json = JSON().with_variant(JSONB(), "postgresql")
#: A block number or other chain integer up to 2**63.
Block = BigInteger().with_variant(Integer(), "sqlite")

HASH = 66  # 0x + 64 hex digits
ADDRESS = 42
PORT = 5
#: A uint256 as a decimal string (78 digits).
AMOUNT = 80


def position() -> list[Column[object]]:
    """Where a log is: its key (block hash, log index) and its place on the chain."""
    return [
        Column("block_hash", String(HASH), primary_key=True),
        Column("log_index", Integer, primary_key=True),
        Column("block_number", Block, nullable=False, index=True),
        Column("block_timestamp", Block, nullable=True),
        Column("transaction_hash", String(HASH), nullable=False),
        Column("confirmed", Boolean, nullable=False),
    ]


def changed() -> list[Column[object]]:
    """The block that last changed a projection row, and whether it is confirmed."""
    return [
        Column("block_number", Block, nullable=False, index=True),
        Column("confirmed", Boolean, nullable=False),
    ]


def appended() -> list[Column[object]]:
    """Rows that record one event each (milestones, documents, decisions): keyed by the log."""
    return [
        Column("block_hash", String(HASH), primary_key=True),
        Column("log_index", Integer, primary_key=True),
        Column("transaction_hash", String(HASH), nullable=False),
        Column("block_timestamp", Block, nullable=True),
        *changed(),
    ]
