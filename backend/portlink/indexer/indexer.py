"""The indexing loop: backfill from the deployment blocks, follow the head, roll back reorganisations.

One step reads the next range of blocks for every manifest contract (:func:`reader.read_range`: one
``eth_getLogs`` between header reads that catch a reorganisation racing it) and writes it with its checkpoint in
one transaction (:meth:`IndexWriter.write_range`). The checkpoint block's hash read with the range must still be the
one stored, otherwise the chain reorganised: the index finds the newest stored block still on the chain (the
fork point), rolls back to it and indexes again from there.

While backfilling, the next range is read and decoded in a second process as the current one is written
(:class:`reader.Prefetcher`, ``PORTLINK_INDEXER_READ_AHEAD``); it is checked the same way when it is taken, so
reading ahead changes the speed, never what is stored. At the head, ranges are read in this process.

When the node does not answer, the loop waits with exponential backoff and, once it answers again, checks that
it is still the same chain (chain id and genesis block as in the manifest) before going on.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

from portlink.chain.finality import Finality, choose
from portlink.chain.rpc import JsonRpc
from portlink.errors import ChainResetError, ChainUnavailableError, ReorgTooDeepError, StoreUnavailableError
from portlink.indexer.catalog import EventCatalog
from portlink.indexer.reader import Prefetcher, RangeRead, Retry, Sizing, read_range
from portlink.indexer.writer import IndexWriter
from portlink.manifest import Manifest, load_manifest
from portlink.settings import Settings
from portlink.store.engine import migrate, open_engine
from portlink.store.locks import INDEXER_LOCK, SessionLock

log = logging.getLogger("portlink.indexer")


@dataclass(frozen=True)
class IndexerConfig:
    """How the indexer reads the chain (from :class:`Settings`)."""

    #: Blocks on top before a block is final; ``None``: chosen for the chain (:mod:`portlink.chain.finality`).
    confirmations: int | None = None
    reorg_window: int = 128
    initial_block_range: int = 100
    max_block_range: int = 20_000
    target_logs: int = 5_000
    poll_seconds: float = 0.5
    max_backoff_seconds: float = 30.0
    #: Read and decode the next range in a second process while writing the current one (backfill).
    read_ahead: bool = True

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
            read_ahead=settings.indexer_read_ahead,
        )


#: Ranges read without a refusal after which the learnt range ceiling is lifted again.
CEILING_LIFETIME = 200


class Indexer:
    """Indexes the contracts of ``manifest`` from the node behind ``rpc`` into ``store``."""

    def __init__(
        self, rpc: JsonRpc, store: IndexWriter, manifest: Manifest, catalog: EventCatalog, config: IndexerConfig
    ) -> None:
        self.rpc, self.store, self.manifest, self.catalog, self.config = rpc, store, manifest, catalog, config
        self.range_size = config.initial_block_range
        #: The most blocks to ask for: lowered below a range the node refused, lifted again after
        #: :data:`CEILING_LIFETIME` ranges read without a refusal (a refusal may have been a passing timeout).
        self.ceiling = config.max_block_range
        self._since_refusal = 0
        #: The second process reading ahead (it opens its own connection to ``rpc.url``).
        self.prefetcher = Prefetcher(rpc, catalog) if config.read_ahead else None
        self.stop_event = threading.Event()
        #: How a block becomes final on this chain (chosen when the loop starts, again after a reconnection).
        self.finality: Finality | None = None
        #: Called after each committed range with the new checkpoint (the benchmark measures head lag with it).
        self.on_commit: list[Any] = []
        #: PostgreSQL: the lock that makes this the one indexer of the database.
        self.lock = SessionLock(store.engine, INDEXER_LOCK) if store.engine.dialect.name == "postgresql" else None

    @classmethod
    def from_settings(cls, settings: Settings) -> Indexer:
        """The indexer the settings describe: manifest, node, database (migrated to the newest schema)."""
        manifest = load_manifest(settings.manifest_path)
        catalog = EventCatalog.from_manifest(manifest, settings.manifest_path)
        engine = open_engine(settings.database_url)
        migrate(engine)
        rpc = JsonRpc(settings.rpc_url, timeout=settings.indexer_rpc_timeout_seconds)
        return cls(rpc, IndexWriter(engine), manifest, catalog, IndexerConfig.from_settings(settings))

    # ------------------------------------------------------------------ the loop

    def run(self, *, until_head: bool = False) -> None:
        """Index until :attr:`stop_event` is set (or, with ``until_head``, until the head is reached)."""
        if self.store.checkpointer is not None:
            self.store.checkpointer.start()
        try:
            if self._hold():
                self._run(until_head)
        finally:
            if self.prefetcher is not None:
                self.prefetcher.close()
            if self.store.checkpointer is not None:
                self.store.checkpointer.stop()
            if self.lock is not None:
                self.lock.release()

    def _hold(self) -> bool:
        """PostgreSQL: wait until this is the one indexer of the database (others stand by, and one of them
        takes over when it stops or its connection drops); ``False`` if stopped meanwhile."""
        if self.lock is None:
            return True
        announced = False
        while not self.stop_event.is_set():
            try:
                if self.lock.try_acquire():
                    if announced:
                        log.info("this indexer is now the active one")
                    return True
            except StoreUnavailableError as exc:
                log.warning("%s", exc)
            if not announced:
                log.info("another indexer is active on this database; standing by")
                announced = True
            self.stop_event.wait(self.config.poll_seconds)
        return False

    def _run(self, until_head: bool) -> None:
        self.verify_chain()
        self.store.open(self.manifest)
        self._choose_finality()
        backoff = 0.0
        verify = False
        while not self.stop_event.is_set():
            try:
                if verify:
                    self.verify_chain()
                    self._choose_finality()
                    verify = False
                    log.info("the node answers again; resuming")
                if not self._hold():
                    return
                progressed = self.step()
                backoff = 0.0
            except StoreUnavailableError as exc:  # the database restarts, or another indexer raced this one
                if self.prefetcher is not None:
                    self.prefetcher.discard()
                backoff = min(self.config.max_backoff_seconds, max(0.25, backoff * 2))
                log.warning("%s; retrying in %.1fs", exc, backoff)
                self.stop_event.wait(backoff)
                continue
            except ChainUnavailableError as exc:
                if self.prefetcher is not None:
                    self.prefetcher.discard()
                backoff = min(self.config.max_backoff_seconds, max(0.25, backoff * 2))
                log.warning("%s; retrying in %.1fs", exc, backoff)
                verify = True
                self.stop_event.wait(backoff)
                continue
            if not progressed:
                if until_head:
                    return
                self.stop_event.wait(self.config.poll_seconds)

    def _choose_finality(self) -> None:
        finality = choose(self.rpc, self.config.confirmations)
        if finality != self.finality:
            log.info("blocks are final %s", finality)
        self.finality = finality

    def final_block(self, head: int) -> int:
        """The newest final block when the head is ``head``."""
        if self.finality is None:
            self._choose_finality()
        assert self.finality is not None
        return self.finality.final_block(self.rpc, head)

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
            self._catch_up(lagging.indexed_to, lagging.addresses, head)
            return True
        state = self.store.state()
        checkpoint = state.checkpoint_block
        stored = dict(self.store.block_hashes())
        if head < checkpoint:
            log.warning("the head went back from block %d to %d", checkpoint, head)
            self._reorganised(head)
            return True
        addresses = tuple(self.store.current_addresses())
        final = self.final_block(head)
        read = self.prefetcher.take(checkpoint + 1, addresses) if self.prefetcher else None
        if read is None:
            to_block = min(checkpoint + self.range_size, head)
            read = self._read(addresses, checkpoint, to_block, checkpoint in stored, final)
        self._adapt(read)
        if isinstance(read, Retry):
            log.info("%s; reading the range again", read.reason)
            return True
        if checkpoint in stored and read.parent_hash != stored[checkpoint]:
            log.warning(
                "block %d changed from %s to %s: reorganisation", checkpoint, stored[checkpoint], read.parent_hash
            )
            self._reorganised(head)
            return True
        if read.to_block == checkpoint:
            return False
        if self.prefetcher is not None and read.to_block < head:  # backfilling: read the next range meanwhile
            self.prefetcher.submit(
                addresses,
                read.to_block,
                min(read.to_block + self.range_size, head),
                range_size=self.range_size,
                sizing=self.sizing,
                final_block=final,
            )
        self.store.write_range(
            read.rows,
            addresses=addresses,
            to_block=read.to_block,
            block_hashes=read.hashes,
            head=head,
            final_block=final,
            reorg_window=self.config.reorg_window,
            advance_checkpoint=True,
            after=checkpoint,
        )
        for callback in self.on_commit:
            callback(read.to_block)
        return True

    # ------------------------------------------------------------------ pieces

    @property
    def sizing(self) -> Sizing:
        """How ranges adapt now: up to the learnt ceiling, towards the target number of logs."""
        return Sizing(self.ceiling, self.config.target_logs)

    def _adapt(self, read: RangeRead | Retry) -> None:
        """Take the range size the read suggests, and learn from a refusal not to ask for as much again."""
        if isinstance(read, Retry) and read.refused is not None:
            self.ceiling = max(1, min(self.ceiling, read.refused - 1))
            self._since_refusal = 0
        elif self.ceiling < self.config.max_block_range:
            self._since_refusal += 1
            if self._since_refusal >= CEILING_LIFETIME:
                log.info(
                    "no range refused for %d requests: asking for up to %d blocks again",
                    CEILING_LIFETIME,
                    self.config.max_block_range,
                )
                self.ceiling = self.config.max_block_range
        self.range_size = min(read.range_size, self.ceiling)

    def _read(
        self, addresses: tuple[str, ...], checkpoint: int, to_block: int, with_parent: bool, final_block: int
    ) -> RangeRead | Retry:
        return read_range(
            self.rpc,
            self.catalog,
            addresses,
            checkpoint,
            to_block,
            with_parent=with_parent,
            range_size=self.range_size,
            sizing=self.sizing,
            final_block=final_block,
        )

    def _catch_up(self, indexed_to: int, addresses: tuple[str, ...], head: int) -> None:
        """Index contracts added to the manifest after the checkpoint passed their deployment block.

        The blocks of their logs that the index keeps hashes of must still have those hashes: otherwise the
        chain reorganised under the index, which is rolled back first."""
        checkpoint = self.store.state().checkpoint_block
        to_block = min(indexed_to + self.range_size, checkpoint)
        final = self.final_block(head)
        read = self._read(addresses, indexed_to, to_block, False, final)
        self._adapt(read)
        if isinstance(read, Retry):
            log.info("%s; reading the range again", read.reason)
            return
        stored = dict(self.store.block_hashes())
        changed = sorted(n for n, h in read.hashes.items() if n in stored and stored[n] != h)
        if changed:
            log.warning("block %d changed while contracts added later were caught up: reorganisation", changed[0])
            self._reorganised(head)
            return
        self.store.write_range(
            read.rows,
            addresses=addresses,
            to_block=to_block,
            block_hashes={},
            head=head,
            final_block=final,
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
