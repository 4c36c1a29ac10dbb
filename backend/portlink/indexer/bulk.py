"""Inserting many rows at once, below SQLAlchemy's per-row parameter processing: the driver's ``executemany`` on
SQLite, ``COPY ... FROM STDIN`` on PostgreSQL.

The rows of a range (thousands of logs, events and projection rows) are tuples in a given column order, with
JSON columns already encoded as text (:func:`json_text`, msgspec: several times faster than the standard
library) and Python ``None`` as SQL ``NULL``. Both paths run on the connection of the caller's transaction, so
they commit or roll back with the rest of the range. psycopg would send an executemany as one statement per row
(pipelined); ``COPY`` streams the rows in one command. SQLAlchemy's own insert is several times slower than
either for rows this many, because it processes every parameter of every row in Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from operator import itemgetter
from typing import Any

import msgspec
from sqlalchemy import JSON, Connection, Table

_encode = msgspec.json.Encoder().encode


def json_text(value: Any) -> str | None:
    """``value`` as the text of a JSON column (``None``: SQL ``NULL``)."""
    return None if value is None else _encode(value).decode()


@cache
def json_columns(table: Table) -> frozenset[str]:
    """The JSON columns of ``table``."""
    return frozenset(c.name for c in table.columns if isinstance(c.type, JSON))


def as_tuples(table: Table, rows: Sequence[dict[str, Any]]) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
    """``rows`` (dicts with the same keys, JSON values as Python values) as columns and encoded tuples."""
    columns = tuple(rows[0])
    pick = itemgetter(*columns) if len(columns) > 1 else lambda row: (row[columns[0]],)
    encoded = json_columns(table).intersection(columns)
    if not encoded:
        return columns, [pick(row) for row in rows]
    return columns, [pick({**row, **{c: json_text(row[c]) for c in encoded}}) for row in rows]


def insert_rows(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``table`` in the current transaction."""
    if rows:
        insert_tuples(conn, table, *as_tuples(table, rows))


def upsert_rows(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` into ``table``, replacing the rows with the same primary key."""
    if rows:
        upsert_tuples(conn, table, *as_tuples(table, rows))


def insert_tuples(conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Insert ``rows`` (tuples in ``columns`` order, JSON encoded) into ``table``."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        _copy(conn, table.name, columns, rows)
        return
    _driver(conn).cursor().executemany(_sqlite_insert(table.name, tuple(columns), ()), rows)


def upsert_tuples(conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Insert ``rows`` (tuples in ``columns`` order), replacing the rows with the same primary key."""
    if not rows:
        return
    keys = tuple(c.name for c in table.primary_key.columns)
    if conn.dialect.name != "postgresql":
        _driver(conn).cursor().executemany(_sqlite_insert(table.name, tuple(columns), keys), rows)
        return
    from psycopg import sql

    # COPY into a session-local staging table shaped like the target, then one INSERT ... ON CONFLICT.
    staging = f"staging_{table.name}"
    driver = _driver(conn)
    names = sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    with driver.cursor() as cursor:
        cursor.execute(
            sql.SQL("CREATE TEMP TABLE IF NOT EXISTS {} (LIKE {}) ON COMMIT DELETE ROWS").format(
                sql.Identifier(staging), sql.Identifier(table.name)
            )
        )
    _copy(conn, staging, columns, rows)
    with driver.cursor() as cursor:
        cursor.execute(
            sql.SQL("INSERT INTO {} ({}) SELECT {} FROM {} ON CONFLICT ({}) DO UPDATE SET {}").format(
                sql.Identifier(table.name),
                names,
                names,
                sql.Identifier(staging),
                sql.SQL(", ").join(sql.Identifier(k) for k in keys),
                sql.SQL(", ").join(
                    sql.SQL("{} = EXCLUDED.{}").format(sql.Identifier(c), sql.Identifier(c))
                    for c in columns
                    if c not in keys
                ),
            )
        )
        cursor.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(staging)))


@cache
def _sqlite_insert(table: str, columns: tuple[str, ...], keys: tuple[str, ...]) -> str:
    """``INSERT`` of ``columns``; with ``keys``, replacing the row under that primary key (``ON CONFLICT``)."""
    names = ", ".join(f'"{c}"' for c in columns)
    # Table and column names come from the schema module, never from input.
    statement = f'INSERT INTO "{table}" ({names}) VALUES ({", ".join("?" for _ in columns)})'  # noqa: S608
    if keys:
        key_names = ", ".join(f'"{k}"' for k in keys)
        changes = ", ".join(f'"{c}" = excluded."{c}"' for c in columns if c not in keys)
        statement += f" ON CONFLICT ({key_names}) " + (f"DO UPDATE SET {changes}" if changes else "DO NOTHING")
    return statement


def _driver(conn: Connection) -> Any:
    driver = conn.connection.driver_connection
    assert driver is not None
    return driver


def _copy(conn: Connection, target: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    from psycopg import sql

    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(target), sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    )
    with _driver(conn).cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
