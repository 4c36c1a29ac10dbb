"""The index's changes as they are committed, for readers that wait for them (the alert stream).

On PostgreSQL the indexer announces every range it commits, with the names of the events in it, by NOTIFY in the
range's own transaction (:mod:`portlink.store.notify`); one LISTEN connection per API process wakes exactly the
readers that want one of those events, whichever process runs the indexer. On SQLite (one process) a single thread
per process polls the checkpoint instead, however many readers wait.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Engine, select

from portlink.store.notify import INDEX_CHANNEL, Listener
from portlink.store.schema import index_state

log = logging.getLogger("portlink.services")


class Wakeup:
    """What one reader waits on."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def set(self) -> None:
        """Something the reader wants may have arrived."""
        self._event.set()

    def wait(self, timeout: float) -> bool:
        """Wait until woken or ``timeout`` seconds; whether it was woken (and reset it)."""
        woken = self._event.wait(timeout)
        self._event.clear()
        return woken


class IndexChanges:
    """Wakes subscribers when the index commits events they want (or rolls back)."""

    def __init__(self, engine: Engine, listener: Listener | None, *, poll_seconds: float = 0.2) -> None:
        self.engine, self.listener, self.poll_seconds = engine, listener, poll_seconds
        self._lock = threading.Lock()
        self._subscribers: dict[Wakeup, frozenset[str] | None] = {}
        self._poller: threading.Thread | None = None
        self._stop = threading.Event()
        if listener is not None:
            listener.on(INDEX_CHANNEL, self._notified)

    @property
    def pushed(self) -> bool:
        """Whether changes are pushed by the database (PostgreSQL) rather than polled."""
        return self.listener is not None

    def subscribe(self, names: Iterable[str] | None = None) -> Wakeup:
        """A wakeup for changes with any of the event ``names`` (``None``: any change)."""
        wakeup = Wakeup()
        with self._lock:
            self._subscribers[wakeup] = frozenset(names) if names is not None else None
            if self.listener is None and self._poller is None:
                self._poller = threading.Thread(target=self._poll, name="portlink-index-poll", daemon=True)
                self._poller.start()
        return wakeup

    def unsubscribe(self, wakeup: Wakeup) -> None:
        """Stop waking ``wakeup``."""
        with self._lock:
            self._subscribers.pop(wakeup, None)

    def stop(self) -> None:
        """Stop polling (SQLite)."""
        self._stop.set()

    def changed(self, names: set[str] | None) -> None:
        """Wake the subscribers wanting any of ``names`` (``None``: everyone: anything may have changed)."""
        with self._lock:
            subscribers = list(self._subscribers.items())
        for wakeup, wanted in subscribers:
            if names is None or wanted is None or names & wanted:
                wakeup.set()

    def _notified(self, payload: dict[str, Any] | None) -> None:
        # None: the listener (re)connected and may have missed announcements; a rollback changes what was read;
        # a payload too large to carry its event names carries none.
        if payload is None or "rollback" in payload or "events" not in payload:
            self.changed(None)
        elif payload["events"]:
            self.changed(set(payload["events"]))

    def _poll(self) -> None:
        seen: int | None = None
        while not self._stop.wait(self.poll_seconds):
            try:
                with self.engine.connect() as conn:
                    checkpoint = conn.execute(select(index_state.c.checkpoint_block)).scalar()
            except Exception as exc:  # the database is away for a moment: poll again
                log.debug("polling the index checkpoint: %s", exc)
                continue
            if checkpoint != seen:
                seen = checkpoint
                self.changed(None)
