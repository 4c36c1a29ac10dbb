"""Projections: the tables the API reads, built from decoded events, and rolled back exactly on a reorg.

A handler per (contract, event) reads and writes rows through a :class:`Projector`, which keeps the rows a range
of blocks touches in memory and writes them once at the end of the range, in the range's transaction. For every
row and every block that changes it, the projector records the row as it was before that block in
``projection_undo`` (only for blocks a reorganisation can still reach), so that rolling back to any block
restores every projection exactly. Rows with one row per event (milestones, documents, decisions) carry their
log's key and are rolled back by block number like the log itself.

The handlers live in one module per contract (:mod:`.consortium`, :mod:`.shipments`, :mod:`.customs`,
:mod:`.escrow`, :mod:`.iot`, :mod:`.transportcalls`); importing this package registers them all. :mod:`.tnt`
writes the DCSA Track & Trace row of an event and announces it in the notification outbox. Events without a
handler (governance proposals, parameters, nonces, token transfers) are still stored, decoded, in ``events``; a
projection for one is a handler in its contract's module and a table in :mod:`portlink.store` (see
CONTRIBUTING.md).
"""

from __future__ import annotations

from portlink.indexer.projections import consortium, customs, escrow, iot, shipments, transportcalls
from portlink.indexer.projections.base import HANDLERS, Event, Projector, project, restore

__all__ = [
    "HANDLERS",
    "Event",
    "Projector",
    "consortium",
    "customs",
    "escrow",
    "iot",
    "project",
    "restore",
    "shipments",
    "transportcalls",
]
