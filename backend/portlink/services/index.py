"""The index's position: how far the indexer has read the chain and which blocks are final."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, select

from portlink.store import schema


@dataclass(frozen=True)
class IndexHead:
    """The checkpoint (last block indexed), the last final block and the chain (all ``None`` before the first
    range is indexed)."""

    checkpoint_block: int | None
    final_block: int | None
    chain_id: int | None


class IndexStatus:
    """Reads of the index's bookkeeping."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def head(self) -> IndexHead:
        """The index's position."""
        with self.engine.connect() as conn:
            row = conn.execute(select(schema.index_state)).mappings().first()
        if row is None:
            return IndexHead(None, None, None)
        return IndexHead(row["checkpoint_block"], row["final_block"], row["chain_id"])
