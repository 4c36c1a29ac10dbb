"""Reading one range of blocks from the node: the logs, checked against the block headers, decoded into rows.

:func:`read_range` is everything the indexer does for a range before it touches the database, so it can run in
another process while the indexer writes the previous range (:class:`Prefetcher`). It reads the headers of the
checkpoint block and of the range's last block in one JSON-RPC batch, the logs of every contract in one
``eth_getLogs``, and the last block's header again:

- the checkpoint block's hash comes back with the range; the indexer compares it with the hash it stored, and a
  difference means the chain reorganised below the range;
- the last block's hash must be the same before and after the logs request, and every log of one block must
  name the same block hash, otherwise a reorganisation raced the request and the range is read again.

The range grows while requests return few logs and shrinks when the node refuses or times out.
"""

from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.connection
import os
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

from eth_abi.exceptions import DecodingError

from portlink.chain.rpc import JsonRpc, RangeTooLargeError
from portlink.indexer.bulk import json_text
from portlink.indexer.catalog import EventCatalog, Vocabulary
from portlink.store import schema

log = logging.getLogger("portlink.indexer")

#: The columns of a ``raw_logs`` row as :func:`decode_logs` builds it: the table's, in its order.
RAW_COLUMNS = tuple(c.name for c in schema.raw_logs.columns)
#: The columns of an ``events`` row (``args`` JSON-encoded).
EVENT_COLUMNS = tuple(c.name for c in schema.events.columns)


@dataclass(frozen=True)
class Rows:
    """The ``raw_logs`` and ``events`` rows of a range, as tuples in :data:`RAW_COLUMNS` / :data:`EVENT_COLUMNS`
    order (cheap to send between processes and to hand to the database driver)."""

    logs: list[tuple[Any, ...]] = field(default_factory=list)
    events: list[tuple[Any, ...]] = field(default_factory=list)


@dataclass(frozen=True)
class RangeRead:
    """Blocks ``from_block..to_block`` as the node had them while they were read."""

    from_block: int
    to_block: int
    addresses: tuple[str, ...]
    #: The hash of block ``from_block - 1`` (the checkpoint) read before the logs; ``None`` if not asked.
    parent_hash: str | None
    #: Hashes of the blocks holding logs and of ``to_block``.
    hashes: dict[int, str]
    rows: Rows
    #: The range size to ask for next.
    range_size: int


@dataclass(frozen=True)
class Retry:
    """The range could not be read consistently (or was too large): ask again, ``range_size`` blocks at a time."""

    reason: str
    range_size: int
    #: The size of the range the node refused as too large, if that was the reason.
    refused: int | None = None


@dataclass(frozen=True)
class Sizing:
    """How the range adapts (from the indexer's settings)."""

    max_block_range: int
    target_logs: int


def decode_logs(
    catalog: EventCatalog, raw_logs: list[dict[str, Any]], timestamps: dict[int, int], final_block: int
) -> Rows:
    """The rows of ``raw_logs``: every log raw, and decoded where the catalog knows its event. A log the ABI
    cannot decode is kept raw and logged, not fatal."""
    rows = Rows()
    event_of = catalog.event
    for raw in raw_logs:
        number = int(raw["blockNumber"], 16)
        topics: list[str] = raw.get("topics") or []
        padded = [*topics, None, None, None, None]
        block_hash, log_index = raw["blockHash"], int(raw["logIndex"], 16)
        address = raw["address"].lower()
        timestamp = timestamps.get(number)
        confirmed = number <= final_block
        data = raw.get("data") or "0x"
        rows.logs.append(
            (
                block_hash,
                log_index,
                number,
                timestamp,
                raw["transactionHash"],
                confirmed,
                int(raw["transactionIndex"], 16),
                address,
                padded[0],
                padded[1],
                padded[2],
                padded[3],
                data,
            )
        )
        event_type = event_of(address, padded[0])
        if event_type is None:
            continue
        try:
            args = event_type.decode(topics, data)
        except (DecodingError, ValueError) as exc:
            log.warning("log %s/%d does not decode as %s: %s", block_hash, log_index, event_type.signature, exc)
            continue
        rows.events.append(
            (
                block_hash,
                log_index,
                number,
                timestamp,
                raw["transactionHash"],
                confirmed,
                event_type.contract,
                address,
                event_type.name,
                event_type.signature,
                json_text(args),
            )
        )
    return rows


def read_range(
    rpc: JsonRpc,
    catalog: EventCatalog,
    addresses: tuple[str, ...],
    checkpoint: int,
    to_block: int,
    *,
    with_parent: bool,
    range_size: int,
    sizing: Sizing,
    final_block: int,
) -> RangeRead | Retry:
    """Read blocks ``checkpoint + 1 .. to_block`` (none if ``to_block == checkpoint``: then only the checkpoint's
    hash is read), and the checkpoint's hash if ``with_parent``."""
    wanted = [checkpoint, to_block] if with_parent else [to_block]
    before = rpc.headers(wanted)
    if any(h is None for h in before):
        return Retry("the node lost a block between two calls: a reorganisation in progress", range_size)
    parent_hash = str(before[0]["hash"]) if with_parent and before[0] else None
    if to_block <= checkpoint:
        return RangeRead(checkpoint + 1, checkpoint, addresses, parent_hash, {}, Rows(), range_size)
    try:
        logs = rpc.logs(list(addresses), checkpoint + 1, to_block)
    except RangeTooLargeError as exc:
        if to_block == checkpoint + 1:
            raise
        smaller = max(1, (to_block - checkpoint) // 2)
        log.info("%s; asking for %d blocks at a time", exc, smaller)
        return Retry(str(exc), smaller, refused=to_block - checkpoint)
    if len(logs) > sizing.target_logs:  # straight to the size that would have held the target
        range_size = max(1, min(range_size // 2, (to_block - checkpoint) * sizing.target_logs // len(logs)))
    elif len(logs) < sizing.target_logs // 2 and to_block - checkpoint >= range_size:
        range_size = min(sizing.max_block_range, range_size * 2)
    (after,) = rpc.headers([to_block])
    last = before[-1]
    if after is None or last is None or after["hash"] != last["hash"]:
        return Retry(f"block {to_block} changed while its logs were read", range_size)
    found = _blocks_of(rpc, logs, to_block, after)
    if found is None:
        return Retry(f"the logs of blocks {checkpoint + 1}..{to_block} came from two forks", range_size)
    hashes, timestamps = found
    rows = decode_logs(catalog, logs, timestamps, final_block)
    return RangeRead(checkpoint + 1, to_block, addresses, parent_hash, hashes, rows, range_size)


def _blocks_of(
    rpc: JsonRpc, logs: list[dict[str, Any]], to_block: int, to_header: dict[str, Any]
) -> tuple[dict[int, str], dict[int, int]] | None:
    """The hashes and timestamps of the blocks holding ``logs`` and of ``to_block``; ``None`` if they disagree."""
    hashes = {to_block: str(to_header["hash"])}
    timestamps = {to_block: int(to_header["timestamp"], 16)}
    missing: set[int] = set()
    for raw in logs:
        number = int(raw["blockNumber"], 16)
        known = hashes.get(number)
        if known is None:
            hashes[number] = raw["blockHash"]
        elif known != raw["blockHash"]:
            return None
        if number not in timestamps:
            stamp = raw.get("blockTimestamp")
            if stamp:
                timestamps[number] = int(stamp, 16)
            else:
                missing.add(number)
    if missing:  # nodes older than the blockTimestamp log field: one batch of headers
        numbers = sorted(missing)
        for number, header in zip(numbers, rpc.headers(numbers), strict=True):
            if header is None or header["hash"] != hashes[number]:
                return None
            timestamps[number] = int(header["timestamp"], 16)
    return hashes, timestamps


# ---------------------------------------------------------------------------------------------------- the other process

Contracts = dict[str, tuple[str, list[dict[str, Any]]]]
#: The worker process's connection to the node and catalog.
_worker: dict[str, Any] = {}


def _start_worker(url: str, timeout: float) -> None:
    _worker["rpc"] = JsonRpc(url, timeout=timeout)
    parent = multiprocessing.parent_process()
    if parent is not None:  # the indexer was killed (even SIGKILL): nothing is left to read for
        threading.Thread(target=_exit_with, args=(parent.sentinel,), daemon=True).start()


def _exit_with(sentinel: int) -> None:
    multiprocessing.connection.wait([sentinel])
    os._exit(0)


def _read_in_worker(
    contracts: Contracts, vocabulary: Vocabulary | None, *args: Any, **kwargs: Any
) -> RangeRead | Retry:
    # The ABIs come with each range rather than at start: a large first message would block the indexer until
    # the new process has imported everything. The vocabulary is a module's function: pickled by its name.
    if _worker.get("contracts") != contracts or _worker.get("vocabulary") is not vocabulary:
        _worker["contracts"], _worker["vocabulary"] = contracts, vocabulary
        _worker["catalog"] = EventCatalog(contracts, vocabulary)
    return read_range(_worker["rpc"], _worker["catalog"], *args, **kwargs)


class Prefetcher:
    """Reads the next range in another process while the indexer writes the current one.

    Decoding and JSON parsing cost about as much CPU as writing; with them in a second process both cores work.
    At most one range is read ahead; a range is only taken for the position it was asked for.
    """

    def __init__(self, rpc: JsonRpc, catalog: EventCatalog) -> None:
        self._url, self._timeout, self._contracts = rpc.url, rpc.timeout, catalog.contracts
        self._vocabulary = catalog.vocabulary
        self._pool: ProcessPoolExecutor | None = None
        self._pending: tuple[tuple[int, tuple[str, ...]], Future[RangeRead | Retry]] | None = None
        self.broken = False
        #: Ranges taken as read ahead (the tests check that the second process did the reading).
        self.taken = 0

    def submit(self, addresses: tuple[str, ...], checkpoint: int, to_block: int, **kwargs: Any) -> None:
        """Start reading ``checkpoint + 1 .. to_block`` (see :func:`read_range` for ``kwargs``)."""
        self.discard()
        if self.broken:
            return
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),  # never fork a process that may run threads
                initializer=_start_worker,
                initargs=(self._url, self._timeout),
            )
        future = self._pool.submit(
            _read_in_worker,
            self._contracts,
            self._vocabulary,
            addresses,
            checkpoint,
            to_block,
            with_parent=True,
            **kwargs,
        )
        self._pending = ((checkpoint + 1, addresses), future)

    def take(self, from_block: int, addresses: tuple[str, ...]) -> RangeRead | Retry | None:
        """The range read ahead from ``from_block`` for ``addresses`` (waiting for it), or ``None`` if none was."""
        if self._pending is None:
            return None
        key, future = self._pending
        self._pending = None
        if key != (from_block, addresses):
            future.cancel()
            return None
        try:
            read = future.result()
        except BrokenProcessPool:
            log.warning("the indexer's read-ahead process died; reading in this process from now on")
            self.broken = True
            self.close()
            return None
        self.taken += 1
        return read

    def discard(self) -> None:
        """Forget the range read ahead, if any."""
        if self._pending is not None:
            self._pending[1].cancel()
            self._pending = None

    def close(self) -> None:
        """Stop the worker process."""
        self.discard()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
