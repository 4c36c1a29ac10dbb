"""The decoded event log as indexed: every event of the manifest contracts, with where it is on the chain. The
audit trail, a financing's or an alert's history and the alert feed read it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_utils.address import to_checksum_address
from sqlalchemy import Engine, or_, select

from portlink.services.sql import rows
from portlink.store import schema


@dataclass(frozen=True)
class ChainEvent:
    """One decoded on-chain event: contract, name, arguments, and where it is on the chain."""

    contract: str
    address: str
    event: str
    args: dict[str, Any]
    block_number: int
    block_hash: str
    log_index: int
    transaction_hash: str
    block_timestamp: int | None
    confirmed: bool

    @property
    def position(self) -> tuple[int, int]:
        """(block, log index): the event's place in chain order."""
        return (self.block_number, self.log_index)


class EventLog:
    """Reads of the decoded events."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def events(
        self,
        *,
        contract: str | None = None,
        names: list[str] | None = None,
        arg: tuple[str, str | int] | None = None,
        after_block: int | None = None,
        limit: int = 1000,
    ) -> list[ChainEvent]:
        """Decoded events in chain order, filtered by contract, names, one argument's value, and block."""
        e = schema.events
        query = select(e)
        if contract:
            query = query.where(e.c.contract == contract)
        if names:
            query = query.where(e.c.event.in_(names))
        if arg is not None:
            name, value = arg
            if isinstance(value, int):
                query = query.where(or_(e.c.args[name].as_integer() == value, e.c.args[name].as_string() == str(value)))
            else:
                query = query.where(e.c.args[name].as_string() == value)
        if after_block is not None:
            query = query.where(e.c.block_number > after_block)
        with self.engine.connect() as conn:
            return _chain_events(rows(conn, query.order_by(e.c.block_number, e.c.log_index).limit(limit)))

    def announced(self, topic: str, *, after_seq: int, upto_seq: int) -> list[ChainEvent]:
        """The events of the notification outbox rows of ``topic`` with ``after_seq < seq <= upto_seq``, in outbox
        order."""
        e, o = schema.events, schema.outbox
        query = (
            select(e)
            .join(o, (o.c.block_hash == e.c.block_hash) & (o.c.log_index == e.c.log_index))
            .where(o.c.topic == topic, o.c.seq > after_seq, o.c.seq <= upto_seq)
            .order_by(o.c.seq)
        )
        with self.engine.connect() as conn:
            return _chain_events(rows(conn, query))


def _chain_events(found: list[dict[str, Any]]) -> list[ChainEvent]:
    return [
        ChainEvent(
            contract=r["contract"],
            address=to_checksum_address(r["address"]),
            event=r["event"],
            args=r["args"],
            block_number=r["block_number"],
            block_hash=r["block_hash"],
            log_index=r["log_index"],
            transaction_hash=r["transaction_hash"],
            block_timestamp=r["block_timestamp"],
            confirmed=bool(r["confirmed"]),
        )
        for r in found
    ]
