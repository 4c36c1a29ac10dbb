"""The indexer's writes to the store.

Every range of blocks is written in one transaction together with the checkpoint that says it was written, so
a crash (even SIGKILL) at any point leaves either the whole range or none of it, and the indexer resumes from
the checkpoint. ``raw_logs`` and ``events`` are keyed by (block hash, log index): a log can never be stored
twice. :meth:`IndexWriter.rollback` undoes everything above a block in one transaction.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass

import msgspec
from sqlalchemy import Connection, Engine, delete, insert, select, update
from sqlalchemy.exc import OperationalError

from portlink.errors import ReorgTooDeepError, StoreError, StoreUnavailableError
from portlink.indexer.bulk import insert_tuples
from portlink.indexer.projections import HANDLERS, Event, Projector, project, restore
from portlink.indexer.reader import EVENT_COLUMNS, RAW_COLUMNS, Rows
from portlink.manifest import Manifest
from portlink.store import schema
from portlink.store.notify import INDEX_CHANNEL, notify, supports_notify

log = logging.getLogger("portlink.indexer")


class IndexerRacedError(StoreUnavailableError):
    """Another indexer wrote to this database meanwhile: this range was rolled back (read again, or stand by)."""


@dataclass(frozen=True)
class State:
    """The index's bookkeeping row."""

    chain_id: int
    genesis_hash: str
    checkpoint_block: int
    head_block: int
    final_block: int
    rollback_floor: int


@dataclass(frozen=True)
class Lagging:
    """Contracts indexed only up to ``indexed_to``, below the checkpoint (added to the manifest later)."""

    indexed_to: int
    addresses: tuple[str, ...]


_decode_json = msgspec.json.Decoder().decode
_EVENT_NAME = EVENT_COLUMNS.index("event")


class WalCheckpointer:
    """Copies SQLite's write-ahead log into the database file from a thread of its own while the indexer writes.

    SQLite otherwise does it inside the commit that fills the log past 1,000 pages, on the indexer's own thread:
    about a sixth of a backfill's time. The checkpoint runs in SQLite's C code, which releases the GIL, so it
    overlaps with the indexer's work on the second core. It is ``PASSIVE``: it never waits for nor blocks a
    reader or the writer. The writer's own checkpoints stay on as a safety net at :data:`WRITER_WAL_PAGES`.
    """

    #: The writer's own checkpoint threshold (pages of 4 KiB) while this runs.
    WRITER_WAL_PAGES = 10_000

    def __init__(self, engine: Engine, *, interval: float = 0.05) -> None:
        self.engine, self.interval = engine, interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start checkpointing in the background."""
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="portlink-wal-checkpoint", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop, leaving the log to SQLite's own checkpoints."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _loop(self) -> None:
        with self.engine.connect() as conn:
            while not self._stop.wait(self.interval):
                try:
                    conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").all()
                except OperationalError as exc:  # busy: the next round copies it
                    log.debug("background checkpoint: %s", exc)


class IndexWriter:
    """Reads and writes the index through one engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        #: SQLite files only: the write-ahead log copied back in the background (see :class:`WalCheckpointer`).
        sqlite_file = engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:")
        self.checkpointer = WalCheckpointer(engine) if sqlite_file else None
        #: PostgreSQL: every committed range and rollback is announced on ``portlink_index`` (LISTEN/NOTIFY).
        self.notifies = supports_notify(engine)

    # ------------------------------------------------------------------ opening

    def open(self, manifest: Manifest) -> State:
        """Create the bookkeeping for ``manifest``'s chain, or check that the index belongs to that chain.

        Contracts new in the manifest are registered; one deployed below the checkpoint is caught up first.
        """
        start = min(c.block_number for c in manifest.contracts.values()) - 1
        with self.engine.begin() as conn:
            row = conn.execute(select(schema.index_state)).mappings().first()
            if row is None:
                conn.execute(
                    insert(schema.index_state),
                    {
                        "id": 1,
                        "chain_id": manifest.chain_id,
                        "genesis_hash": manifest.genesis_hash,
                        "checkpoint_block": start,
                        "head_block": start,
                        "final_block": start,
                        "rollback_floor": start,
                    },
                )
            elif (row["chain_id"], row["genesis_hash"]) != (manifest.chain_id, manifest.genesis_hash):
                raise StoreError(
                    f"the index at {self.engine.url!r} holds chain {row['chain_id']} with genesis "
                    f"{row['genesis_hash']}, but the manifest is for chain {manifest.chain_id} with genesis "
                    f"{manifest.genesis_hash}: index into a fresh database (PORTLINK_DATABASE_URL)"
                )
            checkpoint = start if row is None else int(row["checkpoint_block"])
            known = {r.name: r for r in conn.execute(select(schema.indexed_contracts))}
            for name, contract in manifest.contracts.items():
                address = contract.address.lower()
                if name in known:
                    if known[name].address != address:
                        raise StoreError(
                            f"the index has {name} at {known[name].address}, the manifest at {address}: "
                            "the contracts were redeployed; index into a fresh database"
                        )
                    continue
                indexed_to = checkpoint if contract.block_number > checkpoint else contract.block_number - 1
                if indexed_to < checkpoint:
                    log.info("%s is new in the manifest: indexing it from block %d", name, contract.block_number)
                conn.execute(
                    insert(schema.indexed_contracts),
                    {
                        "name": name,
                        "address": address,
                        "start_block": contract.block_number,
                        "indexed_to": indexed_to,
                    },
                )
        return self.state()

    # ------------------------------------------------------------------ reading

    def state(self) -> State:
        """The bookkeeping row."""
        with self.engine.connect() as conn:
            row = conn.execute(select(schema.index_state)).mappings().one()
        return State(**{k: v for k, v in row.items() if k != "id"})

    def lagging(self) -> Lagging | None:
        """The contracts furthest behind the checkpoint, if any."""
        with self.engine.connect() as conn:
            checkpoint = conn.execute(select(schema.index_state.c.checkpoint_block)).scalar_one()
            rows = conn.execute(
                select(schema.indexed_contracts.c.address, schema.indexed_contracts.c.indexed_to).where(
                    schema.indexed_contracts.c.indexed_to < checkpoint
                )
            ).all()
        if not rows:
            return None
        lowest = min(r.indexed_to for r in rows)
        return Lagging(lowest, tuple(sorted(r.address for r in rows if r.indexed_to == lowest)))

    def current_addresses(self) -> list[str]:
        """Addresses indexed up to the checkpoint: the ones the next range asks for."""
        with self.engine.connect() as conn:
            checkpoint = conn.execute(select(schema.index_state.c.checkpoint_block)).scalar_one()
            rows = conn.execute(
                select(schema.indexed_contracts.c.address).where(schema.indexed_contracts.c.indexed_to >= checkpoint)
            )
            return sorted(r.address for r in rows)

    def block_hashes(self) -> list[tuple[int, str]]:
        """The recent blocks whose hashes the index keeps, newest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(schema.blocks).order_by(schema.blocks.c.number.desc()))
            return [(int(r.number), str(r.hash)) for r in rows]

    # ------------------------------------------------------------------ writing

    def write_range(
        self,
        rows: Rows,
        *,
        addresses: Iterable[str],
        to_block: int,
        block_hashes: dict[int, str],
        head: int,
        final_block: int,
        reorg_window: int,
        advance_checkpoint: bool,
        after: int | None = None,
    ) -> None:
        """Store ``rows`` (every log of ``addresses`` up to ``to_block``, see :func:`reader.decode_logs`), the
        projections of their events, the block hashes, and the new position (rows up to ``final_block`` are
        confirmed), in one transaction. ``after``: the checkpoint the range was read from; if another indexer moved
        it meanwhile, nothing is written (:class:`IndexerRacedError`)."""
        undo_above = head - reorg_window
        decode = _decode_json
        with self.engine.begin() as conn:
            if self.checkpointer is not None:
                conn.exec_driver_sql(f"PRAGMA wal_autocheckpoint={WalCheckpointer.WRITER_WAL_PAGES}")
            insert_tuples(conn, schema.raw_logs, RAW_COLUMNS, rows.logs)
            insert_tuples(conn, schema.events, EVENT_COLUMNS, rows.events)
            projector = Projector(conn, undo_above=undo_above)
            for block_hash, log_index, number, timestamp, tx, _, contract, _, name, _, args in rows.events:
                if (contract, name) in HANDLERS:  # the columns are EVENT_COLUMNS
                    project(
                        projector, Event(contract, name, decode(args), number, block_hash, log_index, tx, timestamp)
                    )
            projector.flush(final_block)
            if block_hashes:
                conn.execute(delete(schema.blocks).where(schema.blocks.c.number.in_(list(block_hashes))))
                conn.execute(insert(schema.blocks), [{"number": n, "hash": h} for n, h in block_hashes.items()])
            ic = schema.indexed_contracts
            conn.execute(update(ic).where(ic.c.address.in_(list(addresses))).values(indexed_to=to_block))
            if advance_checkpoint:
                self._advance(
                    conn, to_block=to_block, head=head, final_block=final_block, reorg_window=reorg_window, after=after
                )
            if self.notifies:  # delivered when this transaction commits: the events are readable by then
                names = sorted({row[_EVENT_NAME] for row in rows.events})
                notify(conn, INDEX_CHANNEL, {"to": to_block, "events": names})

    def _advance(
        self, conn: Connection, *, to_block: int, head: int, final_block: int, reorg_window: int, after: int | None
    ) -> None:
        state = conn.execute(select(schema.index_state)).mappings().one()
        if after is not None and state["checkpoint_block"] != after:
            raise IndexerRacedError(
                f"the checkpoint moved from {after} to {state['checkpoint_block']} under this range"
            )
        final_block = min(final_block, to_block)
        if final_block > state["final_block"]:
            for table in (*schema.LOG_TABLES, *schema.ENTITY_TABLES):
                conn.execute(
                    update(table)
                    .where(
                        # Rows up to the previous final block are confirmed already: only the new ones, by index.
                        table.c.block_number > state["final_block"],
                        table.c.block_number <= final_block,
                        table.c.confirmed.is_(False),
                    )
                    .values(confirmed=True)
                )
        floor = max(state["rollback_floor"], min(head - reorg_window, to_block))
        if floor > state["rollback_floor"]:
            conn.execute(delete(schema.projection_undo).where(schema.projection_undo.c.block_number <= floor))
            conn.execute(delete(schema.blocks).where(schema.blocks.c.number < floor))
        moved = conn.execute(
            update(schema.index_state)
            .where(schema.index_state.c.checkpoint_block == state["checkpoint_block"])
            .values(
                checkpoint_block=to_block,
                head_block=head,
                final_block=max(final_block, state["final_block"]),
                rollback_floor=floor,
            )
        )
        if moved.rowcount != 1:  # another indexer committed a range first (PostgreSQL re-checks the condition)
            raise IndexerRacedError("another indexer advanced the checkpoint first")

    def rollback(self, fork_block: int) -> None:
        """Undo every block above ``fork_block``: logs, events, projections, hashes, checkpoint."""
        with self.engine.begin() as conn:
            state = conn.execute(select(schema.index_state)).mappings().one()
            if fork_block < state["rollback_floor"]:
                raise ReorgTooDeepError(
                    f"the chain reorganised below block {state['rollback_floor']}, deeper than the "
                    f"{state['checkpoint_block'] - state['rollback_floor']} blocks the index can roll back "
                    "(PORTLINK_INDEXER_REORG_WINDOW): re-index into a fresh database"
                )
            if fork_block < state["final_block"]:
                log.warning(
                    "reorganisation to block %d reaches confirmed block %d: raise PORTLINK_INDEXER_CONFIRMATIONS",
                    fork_block,
                    state["final_block"],
                )
            undo = schema.projection_undo
            entries = conn.execute(
                select(undo).where(undo.c.block_number > fork_block).order_by(undo.c.id.desc())
            ).mappings()
            restore(conn, [dict(e) for e in entries], min(state["final_block"], fork_block))
            conn.execute(delete(undo).where(undo.c.block_number > fork_block))
            for table in (*schema.LOG_TABLES, *schema.OUTBOX_TABLES):
                conn.execute(delete(table).where(table.c.block_number > fork_block))
            conn.execute(delete(schema.blocks).where(schema.blocks.c.number > fork_block))
            ic = schema.indexed_contracts
            conn.execute(update(ic).where(ic.c.indexed_to > fork_block).values(indexed_to=fork_block))
            conn.execute(
                update(schema.index_state).values(
                    checkpoint_block=min(state["checkpoint_block"], fork_block),
                    final_block=min(state["final_block"], fork_block),
                )
            )
            if self.notifies:
                notify(conn, INDEX_CHANNEL, {"rollback": fork_block})
