"""The indexing loop: backfill from the deployment blocks, follow the head, roll back reorganisations.

One step reads the next range of blocks for every manifest contract in one ``eth_getLogs`` and writes it with
its checkpoint in one transaction (:meth:`Store.write_range`). Around the logs request it reads the headers of
the checkpoint block and of the range's last block in JSON-RPC batches:

- the checkpoint block's hash must still be the one stored, otherwise the chain reorganised: the index finds
  the newest stored block still on the chain (the fork point), rolls back to it and indexes again from there;
- the last block's hash must be the same before and after the logs request, otherwise a reorganisation raced
  the request and the range is read again.

The range grows while requests return few logs and shrinks when the node refuses or times out. When the node
does not answer, the loop waits with exponential backoff and, once it answers again, checks that it is still
the same chain (chain id and genesis block as in the manifest) before going on.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

from portlink.chain.rpc import JsonRpc, RangeTooLargeError
from portlink.deployment.manifest import Manifest, load_manifest
from portlink.errors import ChainResetError, ChainUnavailableError, ReorgTooDeepError
from portlink.indexer.catalog import EventCatalog
from portlink.indexer.store import Store, migrate, open_engine
from portlink.settings import Settings

log = logging.getLogger("portlink.indexer")


@dataclass(frozen=True)
class IndexerConfig:
    """How the indexer reads the chain (from :class:`Settings`)."""

    confirmations: int = 12
    reorg_window: int = 128
    initial_block_range: int = 500
    max_block_range: int = 20_000
    target_logs: int = 5_000
    poll_seconds: float = 0.5
    max_backoff_seconds: float = 30.0

    @classmethod
    def from_settings(cls, settings: Settings) -> IndexerConfig:
        """The indexer settings."""
        return cls(
            confirmations=settings.indexer_confirmations,
            reorg_window=settings.indexer_reorg_window,
            initial_block_range=min(settings.indexer_initial_block_range, settings.indexer_max_block_range),
            max_block_range=settings.indexer_max_block_range,
            target_logs=settings.indexer_target_logs,
            poll_seconds=settings.indexer_poll_seconds,
            max_backoff_seconds=settings.indexer_max_backoff_seconds,
        )


class Indexer:
    """Indexes the contracts of ``manifest`` from the node behind ``rpc`` into ``store``."""

    def __init__(
        self, rpc: JsonRpc, store: Store, manifest: Manifest, catalog: EventCatalog, config: IndexerConfig
    ) -> None:
        self.rpc, self.store, self.manifest, self.catalog, self.config = rpc, store, manifest, catalog, config
        self.range_size = config.initial_block_range
        self.stop_event = threading.Event()
        #: Called after each committed range with the new checkpoint (the benchmark measures head lag with it).
        self.on_commit: list[Any] = []

    @classmethod
    def from_settings(cls, settings: Settings) -> Indexer:
        """The indexer the settings describe: manifest, node, database (migrated to the newest schema)."""
        manifest = load_manifest(settings.manifest_path)
        catalog = EventCatalog.from_manifest(manifest, settings.manifest_path)
        engine = open_engine(settings.database_url)
        migrate(engine)
        rpc = JsonRpc(settings.rpc_url, timeout=settings.indexer_rpc_timeout_seconds)
        return cls(rpc, Store(engine), manifest, catalog, IndexerConfig.from_settings(settings))

    # ------------------------------------------------------------------ the loop

    def run(self, *, until_head: bool = False) -> None:
        """Index until :attr:`stop_event` is set (or, with ``until_head``, until the head is reached)."""
        self.verify_chain()
        self.store.open(self.manifest)
        backoff = 0.0
        verify = False
        while not self.stop_event.is_set():
            try:
                if verify:
                    self.verify_chain()
                    verify = False
                    log.info("the node answers again; resuming")
                progressed = self.step()
                backoff = 0.0
            except ChainUnavailableError as exc:
                backoff = min(self.config.max_backoff_seconds, max(0.25, backoff * 2))
                log.warning("%s; retrying in %.1fs", exc, backoff)
                verify = True
                self.stop_event.wait(backoff)
                continue
            if not progressed:
                if until_head:
                    return
                self.stop_event.wait(self.config.poll_seconds)

    def verify_chain(self) -> None:
        """Refuse a node whose chain id or genesis block differ from the manifest's (a reset or another chain)."""
        chain_id = self.rpc.chain_id()
        genesis = self.rpc.headers([0])[0]
        genesis_hash = genesis["hash"] if genesis else None
        if (chain_id, genesis_hash) != (self.manifest.chain_id, self.manifest.genesis_hash):
            raise ChainResetError(
                f"the node at {self.rpc.url} is chain {chain_id} with genesis {genesis_hash}, but the deployment "
                f"manifest is for chain {self.manifest.chain_id} with genesis {self.manifest.genesis_hash}: "
                "the chain was reset or this is another chain; indexing stopped"
            )

    def step(self) -> bool:
        """Index one range (or roll back one reorganisation); ``False`` when there was nothing new."""
        head = self.rpc.block_number()
        lagging = self.store.lagging()
        if lagging is not None:
            self._catch_up(lagging.indexed_to, list(lagging.addresses), head)
            return True
        state = self.store.state()
        checkpoint = state.checkpoint_block
        stored = dict(self.store.block_hashes())
        if head < checkpoint:
            log.warning("the head went back from block %d to %d", checkpoint, head)
            self._reorganised(head)
            return True
        to_block = min(checkpoint + self.range_size, head)
        wanted = [checkpoint, to_block] if checkpoint in stored else [to_block]
        before = self.rpc.headers(wanted)
        if any(h is None for h in before):
            return True  # the node lost a block between two calls: a reorganisation in progress; look again
        if checkpoint in stored and before[0] is not None and before[0]["hash"] != stored[checkpoint]:
            log.warning(
                "block %d changed from %s to %s: reorganisation", checkpoint, stored[checkpoint], before[0]["hash"]
            )
            self._reorganised(head)
            return True
        if to_block == checkpoint:
            return False
        addresses = self.store.current_addresses()
        logs = self._fetch(addresses, checkpoint + 1, to_block)
        if logs is None:
            return True
        (after,) = self.rpc.headers([to_block])
        to_hash = before[-1]["hash"] if before[-1] else None
        if after is None or after["hash"] != to_hash:
            log.info("block %d changed while its logs were read; reading the range again", to_block)
            return True
        hashes, timestamps = self._blocks_of(logs, to_block, after)
        if hashes is None:
            return True
        self.store.write_range(
            self.catalog,
            logs,
            addresses=addresses,
            to_block=to_block,
            block_hashes=hashes,
            timestamps=timestamps,
            head=head,
            confirmations=self.config.confirmations,
            reorg_window=self.config.reorg_window,
            advance_checkpoint=True,
        )
        for callback in self.on_commit:
            callback(to_block)
        return True

    # ------------------------------------------------------------------ pieces

    def _fetch(self, addresses: list[str], from_block: int, to_block: int) -> list[dict[str, Any]] | None:
        """The logs of the range, adapting the range size; ``None`` when the range must be asked again smaller."""
        try:
            logs = self.rpc.logs(addresses, from_block, to_block)
        except RangeTooLargeError as exc:
            if to_block == from_block:
                raise
            self.range_size = max(1, (to_block - from_block + 1) // 2)
            log.info("%s; asking for %d blocks at a time", exc, self.range_size)
            return None
        if len(logs) > self.config.target_logs:
            self.range_size = max(1, self.range_size // 2)
        elif len(logs) < self.config.target_logs // 2 and to_block - from_block + 1 >= self.range_size:
            self.range_size = min(self.config.max_block_range, self.range_size * 2)
        return logs

    def _blocks_of(
        self, logs: list[dict[str, Any]], to_block: int, to_header: dict[str, Any]
    ) -> tuple[dict[int, str] | None, dict[int, int]]:
        """The hashes and timestamps of the blocks holding ``logs`` and of ``to_block``."""
        hashes = {to_block: str(to_header["hash"])}
        timestamps = {to_block: int(to_header["timestamp"], 16)}
        missing: set[int] = set()
        for raw in logs:
            number = int(raw["blockNumber"], 16)
            if number in hashes and hashes[number] != raw["blockHash"]:
                log.info("logs of block %d from two forks; reading the range again", number)
                return None, {}
            hashes[number] = raw["blockHash"]
            if raw.get("blockTimestamp"):
                timestamps[number] = int(raw["blockTimestamp"], 16)
            elif number not in timestamps:
                missing.add(number)
        if missing:  # nodes older than the blockTimestamp log field: one batch of headers
            numbers = sorted(missing)
            for number, header in zip(numbers, self.rpc.headers(numbers), strict=True):
                if header is None or header["hash"] != hashes[number]:
                    return None, {}
                timestamps[number] = int(header["timestamp"], 16)
        return hashes, timestamps

    def _catch_up(self, indexed_to: int, addresses: list[str], head: int) -> None:
        """Index contracts added to the manifest after the checkpoint passed their deployment block."""
        checkpoint = self.store.state().checkpoint_block
        to_block = min(indexed_to + self.range_size, checkpoint)
        logs = self._fetch(addresses, indexed_to + 1, to_block)
        if logs is None:
            return
        timestamps = {int(r["blockNumber"], 16): int(r["blockTimestamp"], 16) for r in logs if r.get("blockTimestamp")}
        self.store.write_range(
            self.catalog,
            logs,
            addresses=addresses,
            to_block=to_block,
            block_hashes={},
            timestamps=timestamps,
            head=head,
            confirmations=self.config.confirmations,
            reorg_window=self.config.reorg_window,
            advance_checkpoint=False,
        )

    def _reorganised(self, head: int) -> None:
        """Find the newest stored block still on the chain and roll back to it."""
        self.verify_chain()  # a node restarted without its state is a new chain, not a reorganisation
        state = self.store.state()
        stored = [(n, h) for n, h in self.store.block_hashes() if n <= head]
        if head < state.rollback_floor:
            raise ChainResetError(
                f"the node's head went back from block {state.checkpoint_block} to {head}, below block "
                f"{state.rollback_floor} that the index holds as final: the chain was reset; indexing stopped"
            )
        headers = self.rpc.headers([n for n, _ in stored]) if stored else []
        for (number, stored_hash), header in zip(stored, headers, strict=True):
            if header is not None and header["hash"] == stored_hash:
                log.warning("rolling back to block %d (fork point)", number)
                self.store.rollback(number)
                return
        if state.rollback_floor == min(c.block_number for c in self.manifest.contracts.values()) - 1:
            log.warning("no stored block is on the chain any more; indexing again from the deployment")
            self.store.rollback(state.rollback_floor)
            return
        raise ReorgTooDeepError(
            f"none of the blocks {stored[-1][0] if stored else state.rollback_floor}..{state.checkpoint_block} the "
            f"index holds is on the chain any more: the reorganisation is deeper than the "
            f"{self.config.reorg_window}-block window (PORTLINK_INDEXER_REORG_WINDOW); re-index into a fresh database"
        )
