"""The index's bookkeeping and the log itself.

- bookkeeping: ``index_state`` (one row: chain, checkpoint, final block), ``indexed_contracts`` (how far each
  manifest contract is indexed), ``blocks`` (hashes of recent blocks, to notice reorganisations) and
  ``projection_undo`` (what each recent block changed in the projections, to roll it back);
- the log: ``raw_logs`` exactly as the node returned them and ``events`` decoded from the manifest ABIs, both keyed
  by (block hash, log index).
"""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, String, Table, Text

from portlink.store.columns import ADDRESS, HASH, Block, Json, metadata, position

index_state = Table(
    "index_state",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("chain_id", Block, nullable=False),
    Column("genesis_hash", String(HASH), nullable=False),
    Column("checkpoint_block", Block, nullable=False, comment="Last block indexed for every contract."),
    Column("head_block", Block, nullable=False, comment="The node's head when the checkpoint was written."),
    Column("final_block", Block, nullable=False, comment="Blocks up to this one are confirmed."),
    Column("rollback_floor", Block, nullable=False, comment="Reorganisations can roll back to this block, not below."),
)

indexed_contracts = Table(
    "indexed_contracts",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("address", String(ADDRESS), nullable=False, unique=True),
    Column("start_block", Block, nullable=False),
    Column("indexed_to", Block, nullable=False),
)

blocks = Table(
    "blocks",
    metadata,
    Column("number", Block, primary_key=True),
    Column("hash", String(HASH), nullable=False),
)

projection_undo = Table(
    "projection_undo",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("block_number", Block, nullable=False, index=True),
    Column("table_name", String(64), nullable=False),
    Column("key", Json, nullable=False),
    Column("before", Json, nullable=True, comment="The row before the block changed it; NULL: it did not exist."),
)

raw_logs = Table(
    "raw_logs",
    metadata,
    *position(),
    Column("transaction_index", Integer, nullable=False),
    Column("address", String(ADDRESS), nullable=False),
    Column("topic0", String(HASH), nullable=True),
    Column("topic1", String(HASH), nullable=True),
    Column("topic2", String(HASH), nullable=True),
    Column("topic3", String(HASH), nullable=True),
    Column("data", Text, nullable=False),
)

events = Table(
    "events",
    metadata,
    *position(),
    Column("contract", String(100), nullable=False),
    Column("address", String(ADDRESS), nullable=False),
    Column("event", String(100), nullable=False),
    Column("signature", String(500), nullable=False),
    Column("args", Json, nullable=False),
    Index("ix_events_contract_event", "contract", "event"),
)
