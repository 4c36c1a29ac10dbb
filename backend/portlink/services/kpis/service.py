"""The KPI service: events read from the index, receipts read from the node once and kept, the figures of a
period."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from sqlalchemy import Engine, func, select

from portlink.chain.rpc import Call, JsonRpc
from portlink.errors import ChainUnavailableError, InvalidInputError
from portlink.services.kpis.compute import (
    compute_kpis,
    journeys,
)
from portlink.services.kpis.records import (
    CONTRACTS,
    RECEIPT_BATCH,
    JourneyRecord,
    Kpis,
    LoggedEvent,
    Period,
    Receipt,
)
from portlink.store import schema
from portlink.store.schema import transaction_receipts

# ---------------------------------------------------------------------------------------------------- the service


class KpiService:
    """KPIs over the index, with receipts read from the node (``rpc``) the first time they are needed."""

    def __init__(self, engine: Engine, rpc: Callable[[], JsonRpc] | None) -> None:
        self.engine = engine
        self._rpc = rpc

    def ports(self) -> list[str]:
        """The consortium's ports, as the index knows them."""
        with self.engine.connect() as conn:
            return [str(c) for c in conn.execute(select(schema.ports.c.code).order_by(schema.ports.c.code)).scalars()]

    def check_port(self, port: str | None) -> None:
        """:class:`InvalidInputError` naming ``port`` unless it is a consortium port."""
        if port is None:
            return
        known = self.ports()
        if port not in known:
            close = [k for k in known if k[:2] == port[:2]] or known
            hint = f"; did you mean {' or '.join(close)}?" if close else " (the index holds no ports yet)"
            raise InvalidInputError(f"{port} is not a consortium port{hint}", "query.port")

    def default_end(self) -> int:
        """Just after the newest indexed event, or now if that is later (a period that ends now)."""
        with self.engine.connect() as conn:
            newest = conn.execute(select(func.max(schema.events.c.block_timestamp))).scalar()
        return max(int(time.time()), int(newest or 0)) + 1

    def events(self, end: int) -> list[LoggedEvent]:
        """The events KPIs read, before ``end``, in chain order."""
        e = schema.events
        query = (
            select(e)
            .where(e.c.contract.in_(CONTRACTS), e.c.block_timestamp < end)
            .order_by(e.c.block_number, e.c.log_index)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [
            LoggedEvent(
                r["contract"],
                r["event"],
                r["args"],
                r["block_number"],
                r["block_hash"],
                r["log_index"],
                r["block_timestamp"],
                r["transaction_hash"],
            )
            for r in rows
        ]

    def receipts(self, events: Sequence[LoggedEvent]) -> dict[str, Receipt]:
        """The receipts of the events' transactions: stored ones whose block is the event's, the rest read from
        the node in batches and stored. Without a node, the ones missing are left out."""
        wanted = {e.transaction_hash: e.block_hash for e in events}
        r = transaction_receipts
        with self.engine.connect() as conn:
            stored = {
                row.transaction_hash: row
                for row in conn.execute(select(r))
                if wanted.get(row.transaction_hash) == row.block_hash
            }
        found = {tx: Receipt(int(row.gas_used), int(row.effective_gas_price)) for tx, row in stored.items()}
        missing = [tx for tx in wanted if tx not in stored]
        if not missing or self._rpc is None:
            return found
        try:
            rpc = self._rpc()
        except ChainUnavailableError:
            return found
        rows = []
        try:
            for start in range(0, len(missing), RECEIPT_BATCH):
                chunk = missing[start : start + RECEIPT_BATCH]
                for tx, receipt in zip(
                    chunk, rpc.batch([Call("eth_getTransactionReceipt", [tx]) for tx in chunk]), strict=True
                ):
                    if receipt is None or receipt.get("blockHash") != wanted[tx]:
                        continue  # not mined where the index has it (a reorganisation the index has not seen yet)
                    rows.append(
                        {
                            "transaction_hash": tx,
                            "block_hash": receipt["blockHash"],
                            "block_number": int(receipt["blockNumber"], 16),
                            "sender": receipt["from"],
                            "gas_used": int(receipt["gasUsed"], 16),
                            "effective_gas_price": str(int(receipt.get("effectiveGasPrice") or "0x0", 16)),
                            "status": int(receipt.get("status") or "0x1", 16),
                        }
                    )
        except ChainUnavailableError:
            pass
        if rows:
            with self.engine.begin() as conn:
                conn.execute(r.delete().where(r.c.transaction_hash.in_([row["transaction_hash"] for row in rows])))
                conn.execute(r.insert(), rows)
        for row in rows:
            found[row["transaction_hash"]] = Receipt(row["gas_used"], int(row["effective_gas_price"]))
        return found

    def kpis(self, period: Period, *, port: str | None = None) -> Kpis:
        """Every KPI of ``period`` (and ``port``, which must be a consortium port)."""
        self.check_port(port)
        events = self.events(period.end)
        return compute_kpis(events, self.receipts(events), period, port=port)

    def journeys(self, period: Period, *, port: str | None = None) -> list[JourneyRecord]:
        """The journeys with events in ``period`` (and ``port``)."""
        self.check_port(port)
        events = self.events(period.end)
        return journeys(events, self.receipts(events), period, port=port)
