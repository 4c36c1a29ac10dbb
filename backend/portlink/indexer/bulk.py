"""Inserting many rows at once: ``COPY`` on PostgreSQL, the driver's executemany elsewhere.

psycopg sends an executemany as one statement per row (pipelined); ``COPY ... FROM STDIN`` streams the rows in
one command, several times faster for the thousands of logs and events of one range. It runs on the
connection of the caller's transaction, so it commits or rolls back with the rest of the range.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import JSON, Connection, Insert, Table, insert
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

#: Below this many rows the plain INSERT is as fast and simpler.
COPY_THRESHOLD = 50


def insert_rows(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``table`` in the current transaction."""
    if not rows:
        return
    if conn.dialect.name != "postgresql" or len(rows) < COPY_THRESHOLD:
        conn.execute(insert(table), list(rows))
        return
    _copy(conn, table, table.name, rows)


def upsert_rows(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` into ``table``, replacing the rows with the same primary key."""
    if not rows:
        return
    if conn.dialect.name != "postgresql" or len(rows) < COPY_THRESHOLD:
        conn.execute(_upsert(conn.dialect.name, table), list(rows))
        return
    from psycopg import sql

    # COPY into a session-local staging table shaped like the target, then one INSERT ... ON CONFLICT.
    staging = f"staging_{table.name}"
    driver = _driver(conn)
    columns = list(rows[0])
    keys = [c.name for c in table.primary_key.columns]
    names = sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    with driver.cursor() as cursor:
        cursor.execute(
            sql.SQL("CREATE TEMP TABLE IF NOT EXISTS {} (LIKE {}) ON COMMIT DELETE ROWS").format(
                sql.Identifier(staging), sql.Identifier(table.name)
            )
        )
    _copy(conn, table, staging, rows)
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
def _upsert(dialect: str, table: Table) -> Insert:
    """``INSERT ... ON CONFLICT (key) DO UPDATE`` of whole rows, in the dialect's spelling (SQLite, PostgreSQL)."""
    make = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = make(table)
    pk = [c.name for c in table.primary_key.columns]
    return statement.on_conflict_do_update(
        index_elements=pk, set_={c.name: statement.excluded[c.name] for c in table.columns if c.name not in pk}
    )


def _driver(conn: Connection) -> Any:
    driver = conn.connection.driver_connection
    assert driver is not None
    return driver


def _copy(conn: Connection, table: Table, target: str, rows: Sequence[dict[str, Any]]) -> None:
    from psycopg import sql
    from psycopg.types.json import Jsonb

    columns = list(rows[0])
    json_columns = {c for c in columns if isinstance(table.c[c].type, JSON)}
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(target), sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    )
    with _driver(conn).cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([Jsonb(row[c]) if c in json_columns else row[c] for c in columns])
