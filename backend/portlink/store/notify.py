"""PostgreSQL LISTEN/NOTIFY: how one process tells every other on the database that something was committed.

The indexer notifies ``portlink_index`` in the transaction of each range it writes (PostgreSQL delivers it when that
transaction commits, and never if it rolls back), so an API process learns of new events the moment they are
readable. Telemetry warnings travel on ``portlink_telemetry`` to the alert streams of every API process. A
:class:`Listener` holds one connection per process, reconnects with backoff when the server goes away, and tells
its handlers it reconnected (notifications sent meanwhile are lost: a handler reads what it missed).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, Engine, text

log = logging.getLogger("portlink.store")

#: The indexer committed a range: ``{"to": block, "events": [event names]}``, or rolled back: ``{"rollback": block}``.
INDEX_CHANNEL = "portlink_index"
#: A telemetry warning found at ingest (see ``portlink.services.telemetry``).
TELEMETRY_CHANNEL = "portlink_telemetry"
#: PostgreSQL refuses payloads from 8000 bytes.
MAX_PAYLOAD = 7_900

Handler = Callable[[dict[str, Any] | None], None]


def supports_notify(engine: Engine) -> bool:
    """Whether the database pushes notifications (PostgreSQL) or must be polled (SQLite)."""
    return engine.dialect.name == "postgresql"


def notify(conn: Connection, channel: str, payload: dict[str, Any]) -> None:
    """Send ``payload`` on ``channel`` when ``conn``'s transaction commits (PostgreSQL only)."""
    body = json.dumps(payload, separators=(",", ":"))
    if len(body) > MAX_PAYLOAD:
        body = json.dumps({key: value for key, value in payload.items() if key != "events"})
    conn.execute(text("SELECT pg_notify(:channel, :payload)"), {"channel": channel, "payload": body})


class Listener:
    """One connection LISTENing on some channels in a thread; calls each channel's handlers with the decoded
    payload, and every handler with ``None`` after (re)connecting."""

    def __init__(self, engine: Engine, *, max_backoff: float = 5.0) -> None:
        self.engine, self.max_backoff = engine, max_backoff
        self._handlers: dict[str, list[Handler]] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        #: Set while the connection listens (tests wait for it).
        self.listening = threading.Event()

    def on(self, channel: str, handler: Handler) -> None:
        """Call ``handler`` for each notification on ``channel`` (before :meth:`start`)."""
        self._handlers.setdefault(channel, []).append(handler)

    def start(self) -> None:
        """Listen in a daemon thread."""
        self._thread = threading.Thread(target=self._run, name="portlink-listener", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop listening (within a second)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)

    def _run(self) -> None:
        backoff = 0.0
        while not self._stop.is_set():
            try:
                self._listen()
                backoff = 0.0
            except Exception as exc:  # the server went away: listen again once it answers
                self.listening.clear()
                backoff = min(self.max_backoff, max(0.1, backoff * 2))
                log.warning("LISTEN connection lost (%s); reconnecting in %.1fs", str(exc).splitlines()[0], backoff)
                self._stop.wait(backoff)

    def _listen(self) -> None:
        import psycopg

        url = self.engine.url.set(drivername="postgresql")
        with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as conn:
            for channel in self._handlers:
                conn.execute(f'LISTEN "{channel}"')
            self.listening.set()
            for handlers in self._handlers.values():  # whatever was sent while not listening: read it now
                for handler in handlers:
                    handler(None)
            while not self._stop.is_set():
                for note in conn.notifies(timeout=1.0):
                    try:
                        payload = json.loads(note.payload) if note.payload else {}
                    except ValueError:
                        payload = {}
                    for handler in self._handlers.get(note.channel, []):
                        try:
                            handler(payload)
                        except Exception:
                            log.exception("handling a notification on %s", note.channel)
                conn.execute("SELECT 1")  # notices a server that went away while it was quiet
