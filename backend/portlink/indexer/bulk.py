"""Inserting many rows at once: ``COPY`` on PostgreSQL, the driver's executemany elsewhere.

psycopg sends an executemany as one statement per row (pipelined); ``COPY ... FROM STDIN`` streams the rows in
one command, several times faster for the thousands of logs and events of one range. It runs on the
connection of the caller's transaction, so it commits or rolls back with the rest of the range.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import JSON, Connection, Table, insert

#: Below this many rows the plain INSERT is as fast and simpler.
COPY_THRESHOLD = 50


def insert_rows(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``table`` in the current transaction."""
    if not rows:
        return
    if conn.dialect.name != "postgresql" or len(rows) < COPY_THRESHOLD:
        conn.execute(insert(table), list(rows))
        return
    from psycopg import sql
    from psycopg.types.json import Jsonb

    columns = list(rows[0])
    json_columns = {c for c in columns if isinstance(table.c[c].type, JSON)}
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    )
    driver = conn.connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([Jsonb(row[c]) if c in json_columns else row[c] for c in columns])
