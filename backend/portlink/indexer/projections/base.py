"""The projection machinery: :class:`Projector` (the rows a range of blocks changes, written once at the end of
the range, with what undoes each block), :func:`restore`, and the registry of handlers (:func:`handles`,
:func:`project`). The handlers themselves live in one module per contract beside this one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Connection, Select, Table, and_, bindparam, delete, insert, select

from portlink.domain.consortium import Role
from portlink.indexer.bulk import insert_rows, upsert_rows
from portlink.store import schema

Key = tuple[Any, ...]
Row = dict[str, Any]


@dataclass(frozen=True)
class Event:
    """A decoded log and where it is on the chain."""

    contract: str
    name: str
    args: dict[str, Any]
    block_number: int
    block_hash: str
    log_index: int
    transaction_hash: str
    block_timestamp: int | None


@cache
def _pk(table: Table) -> list[str]:
    return [c.name for c in table.primary_key.columns]


@cache
def _by_key(table: Table) -> Select[Any]:
    """``SELECT`` of one row by primary key, with bound parameters named as the key columns (compiled once)."""
    return select(table).where(and_(*(table.c[c] == bindparam(c) for c in _pk(table))))


class Projector:
    """The projection rows one range of blocks changes, written at :meth:`flush`."""

    def __init__(self, conn: Connection, *, undo_above: int) -> None:
        """``undo_above``: blocks above this one can still be reorganised away; record how to undo them."""
        self._conn = conn
        self._undo_above = undo_above
        self._rows: dict[tuple[str, Key], Row | None] = {}
        #: Whether the row is in the database: ``None`` when not known (written blind, see :meth:`_change`).
        self._stored: dict[tuple[str, Key], bool | None] = {}
        self._undo_block: dict[tuple[str, Key], int] = {}
        self._undo: list[Row] = []
        #: Undo entries of rows put blind whose before-image is still to be read: (position, table, key).
        self._unread: list[tuple[int, Table, Key]] = []
        self._appended: dict[str, list[Row]] = {}
        self._announced: list[Row] = []
        self.block_number = 0

    def _load(self, table: Table, key: Key) -> None:
        ref = (table.name, key)
        if ref in self._rows:
            return
        found = self._conn.execute(_by_key(table), dict(zip(_pk(table), key, strict=True))).mappings().first()
        self._rows[ref] = None if found is None else dict(found)
        self._stored[ref] = found is not None

    def get(self, table: Table, *key: Any) -> Row | None:
        """The row of ``table`` with primary key ``key`` as this range has it so far (a copy), or ``None``."""
        self._load(table, key)
        row = self._rows[(table.name, key)]
        return None if row is None else dict(row)

    def _change(self, table: Table, key: Key, row: Row | None, *, blind: bool = False) -> None:
        ref = (table.name, key)
        undo = self.block_number > self._undo_above and self._undo_block.get(ref) != self.block_number
        if blind and ref not in self._rows:
            # A whole row replaced, first touch in this range: no need to read what is stored. The flush deletes
            # whatever is under the key and inserts the row, and reads the before-images it needs in one query.
            self._stored[ref] = None
            if undo:
                self._undo_block[ref] = self.block_number
                self._undo.append(self._undo_entry(table, key, None))
                self._unread.append((len(self._undo) - 1, table, key))
            self._rows[ref] = row
            return
        self._load(table, key)
        if undo:
            self._undo_block[ref] = self.block_number
            self._undo.append(self._undo_entry(table, key, self._rows[ref]))
        self._rows[ref] = row

    def _undo_entry(self, table: Table, key: Key, before: Row | None) -> Row:
        return {
            "block_number": self.block_number,
            "table_name": table.name,
            "key": list(key),
            "before": None if before is None else {k: v for k, v in before.items() if k != "confirmed"},
        }

    def _read_unread(self) -> None:
        """Fill in the before-images of rows put blind: one ``SELECT`` per table and chunk of keys.

        The query names the keys' first column only (``WHERE shipment_id IN (...)``), which SQLite answers from
        the primary key index; a row-value ``(a, b) IN (...)`` made it scan the whole table."""
        by_table: dict[str, list[tuple[int, Key]]] = {}
        for position, table, key in self._unread:
            by_table.setdefault(table.name, []).append((position, key))
        for name, wanted in by_table.items():
            table = schema.TABLES[name]
            columns = [table.c[c] for c in _pk(table)]
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                keys = {key for _, key in chunk}
                firsts = sorted({key[0] for key in keys})
                found = {
                    key: dict(row)
                    for row in self._conn.execute(select(table).where(columns[0].in_(firsts))).mappings()
                    if (key := tuple(row[c.name] for c in columns)) in keys
                }
                for position, key in chunk:
                    before = found.get(key)
                    if before is not None:
                        self._undo[position]["before"] = {k: v for k, v in before.items() if k != "confirmed"}

    def put(self, table: Table, **row: Any) -> None:
        """Insert or replace a row of an entity table (every column but the bookkeeping ones given)."""
        row["block_number"] = self.block_number
        self._change(table, tuple(row[name] for name in _pk(table)), row, blind=True)

    def update(self, table: Table, key: Key, **changes: Any) -> None:
        """Change columns of an existing row; a row the events never created is left alone."""
        row = self.get(table, *key)
        if row is None:
            return
        row.update(changes, block_number=self.block_number)
        self._change(table, key, row)

    def remove(self, table: Table, *key: Any) -> None:
        """Delete a row of an entity table."""
        if self.get(table, *key) is not None:
            self._change(table, key, None)

    def append(self, table: Table, event: Event, **row: Any) -> None:
        """Add the row that ``event`` alone makes (milestones, documents, decisions)."""
        row.update(
            block_hash=event.block_hash,
            log_index=event.log_index,
            transaction_hash=event.transaction_hash,
            block_timestamp=event.block_timestamp,
            block_number=event.block_number,
        )
        self._appended.setdefault(table.name, []).append(row)

    def announce(self, topic: str, event: Event) -> None:
        """Put ``event`` in the notification outbox of ``topic``, in the range's transaction: the subscribers of
        the topic are sent it once its block is final (:mod:`portlink.services.notifications`)."""
        self._announced.append(
            {
                "topic": topic,
                "block_hash": event.block_hash,
                "log_index": event.log_index,
                "block_number": event.block_number,
            }
        )

    def flush(self, final_block: int) -> None:
        """Write every change of the range, marking rows up to ``final_block`` confirmed."""
        self._read_unread()
        by_table: dict[str, list[tuple[Key, Row | None]]] = {}
        for (name, key), row in self._rows.items():
            if self._stored[(name, key)] is not False or row is not None:
                by_table.setdefault(name, []).append((key, row))
        for name, changes in by_table.items():
            table = schema.TABLES[name]
            pk = _pk(table)
            gone = [
                dict(zip([f"k_{c}" for c in pk], key, strict=True))
                for key, row in changes
                if row is None and self._stored[(name, key)] is not False
            ]
            if gone:
                where = and_(*(table.c[c] == bindparam(f"k_{c}") for c in pk))
                self._conn.execute(delete(table).where(where), gone)
            rows = [{**row, "confirmed": row["block_number"] <= final_block} for _, row in changes if row is not None]
            if rows:
                upsert_rows(self._conn, table, rows)
        for name, rows in self._appended.items():
            for row in rows:
                row["confirmed"] = row["block_number"] <= final_block
            insert_rows(self._conn, schema.TABLES[name], rows)
        insert_rows(self._conn, schema.projection_undo, self._undo)
        insert_rows(self._conn, schema.outbox, self._announced)


def restore(conn: Connection, undo: list[Row], final_block: int) -> None:
    """Apply ``undo`` entries (newest first): put back each row as it was, or delete it if it was not there."""
    for entry in undo:
        table = schema.TABLES[entry["table_name"]]
        pk = _pk(table)
        key = entry["key"]
        conn.execute(delete(table).where(and_(*(table.c[c] == v for c, v in zip(pk, key, strict=True)))))
        before = entry["before"]
        if before is not None:
            conn.execute(insert(table), {**before, "confirmed": before["block_number"] <= final_block})


# ---------------------------------------------------------------------------------------------------- decoding helpers

# The events come decoded with PortLink's vocabulary (portlink.domain.readable): codes as text, enums by name,
# rule bits as names, times as numbers. A name the vocabulary did not know stays a number: str() keeps it.


def role_id(role: str) -> str:
    """The on-chain id of a role the event names (``CUSTOMS``), or the id itself if it is not a known role."""
    return "0x" + Role(role).id.hex() if role in Role.__members__ else role


# ---------------------------------------------------------------------------------------------------- handlers

Handler = Callable[[Projector, Event], None]
HANDLERS: dict[tuple[str, str], Handler] = {}


def handles(contract: str, event: str) -> Callable[[Handler], Handler]:
    """Register the decorated function as the projection of ``contract``'s ``event``."""

    def register(handler: Handler) -> Handler:
        HANDLERS[(contract, event)] = handler
        return handler

    return register


def project(projector: Projector, event: Event) -> None:
    """Apply ``event`` to the projections (nothing for an event without a projection)."""
    handler = HANDLERS.get((event.contract, event.name))
    if handler is not None:
        projector.block_number = event.block_number
        handler(projector, event)
