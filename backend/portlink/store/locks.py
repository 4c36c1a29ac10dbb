"""PostgreSQL session advisory locks held on a connection of their own: released when the holder releases them, or
when its connection closes (the process died, the server restarted). Keys are ``(namespace, key)`` int4 pairs."""

from __future__ import annotations

import contextlib

from sqlalchemy import Connection, Engine, text

#: The one indexer of a database (``portlink index``, or an API process's indexer thread).
INDEXER_LOCK = (0x706C_6978, 1)  # "plix"
#: The one risk worker of a database (whichever API process takes it first; the others stand by).
RISK_WORKER_LOCK = (0x706C_6978, 2)


class SessionLock:
    """One advisory lock, taken without waiting and checked while held."""

    def __init__(self, engine: Engine, lock: tuple[int, int]) -> None:
        self.engine, self.lock = engine, lock
        self._conn: Connection | None = None

    def try_acquire(self) -> bool:
        """Take the lock if nobody holds it; whether this holds it now."""
        if self.held():
            return True
        conn = self.engine.connect()
        try:
            got = conn.execute(
                text("SELECT pg_try_advisory_lock(:ns, :key)"), {"ns": self.lock[0], "key": self.lock[1]}
            ).scalar_one()
            conn.commit()
        except Exception:
            conn.invalidate()
            conn.close()
            raise
        if got:
            self._conn = conn
        else:
            conn.close()
        return bool(got)

    def held(self) -> bool:
        """Whether this still holds the lock (its connection still answers)."""
        if self._conn is None:
            return False
        try:
            self._conn.execute(text("SELECT 1"))
            self._conn.commit()
            return True
        except Exception:
            self._drop()
            return False

    def release(self) -> None:
        """Let the lock go (closing the connection ends the session, and with it the lock)."""
        self._drop()

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.invalidate()
                conn.close()
