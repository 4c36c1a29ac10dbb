"""Indexer fixtures: a dev Anvil per test (so reorgs, restarts and resets touch no other test), the pilot deployed
on it by the real deployment path, and an index database on SQLite and on a throwaway PostgreSQL cluster.

PostgreSQL comes from Debian (`make postgres` installs it; CI does so as root). The cluster is created in a
temporary folder, owned by the `postgres` user when the tests run as root, and listens on a free port on
127.0.0.1 only. With CI=true a missing PostgreSQL fails the run instead of skipping it.
"""

from __future__ import annotations

import itertools
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from portlink.chain.client import NodeAccountSigner
from portlink.chain.devnode import DevNode
from portlink.chain.rpc import JsonRpc
from portlink.deployment.deploy import DeployResult, deploy
from portlink.indexer.catalog import EventCatalog
from portlink.indexer.indexer import Indexer, IndexerConfig
from portlink.indexer.writer import IndexWriter
from portlink.store import schema
from portlink.store.engine import migrate, open_engine
from sqlalchemy import Engine, select
from sqlalchemy.exc import NoResultFound
from web3 import Web3

from tests.deployment.test_deploy import _free_port
from tests.indexer import postgres
from tests.indexer.activity import Activity

#: Small ranges so that a few hundred blocks take many ranges (and many transactions) to index.
SMALL = IndexerConfig(
    confirmations=3, reorg_window=32, initial_block_range=4, max_block_range=16, target_logs=50, poll_seconds=0.05
)


class Chain:
    """A dev Anvil with the pilot deployed, restartable with or without its state."""

    last_start = 0.0

    def __init__(self, folder: Path, artifacts, pilot_seed) -> None:
        time.sleep(max(0.0, Chain.last_start + 1.1 - time.monotonic()))  # another genesis than the last chain
        Chain.last_start = time.monotonic()
        self.folder = folder
        self.port = _free_port()
        self.state_path = folder / "anvil-state.json"
        self.manifest_path = folder / "deployment" / "manifest.json"
        self.node = self._node()
        self.node.start()
        self.started = time.monotonic()
        try:
            self.w3 = Web3(Web3.HTTPProvider(self.node.rpc_url, request_kwargs={"timeout": 30}))
            seed, sha = pilot_seed
            self.deployment: DeployResult = deploy(
                self.w3, NodeAccountSigner(self.w3.eth.accounts[0]), artifacts, seed, sha, self.manifest_path
            )
            self.manifest = self.deployment.manifest
            self.activity = Activity(self.w3, self.manifest, self.manifest_path)
        except BaseException:
            self.node.stop()  # a failed setup leaves no Anvil behind
            raise

    def _node(self) -> DevNode:
        return DevNode(
            "anvil",
            host="127.0.0.1",
            port=self.port,
            chain_id=31337,
            state_path=self.state_path,
            log_path=self.folder / "anvil.log",
        )

    @property
    def rpc_url(self) -> str:
        return self.node.rpc_url

    def stop(self) -> None:
        self.node.stop()

    def restart(self, *, keep_state: bool = True) -> None:
        """Start Anvil again on the same port, from its saved state or (``keep_state=False``) from nothing."""
        self.node.stop()
        if not keep_state:
            self.state_path.unlink(missing_ok=True)
            # Anvil's genesis block carries a timestamp in seconds: started again within the same second, the
            # "new" chain would be the old one block for block.
            time.sleep(max(0.0, self.started + 1.1 - time.monotonic()))
        self.node = self._node()
        self.node.start()

    def catalog(self) -> EventCatalog:
        return EventCatalog.from_manifest(self.manifest, self.manifest_path)

    def indexer(self, url: str, config: IndexerConfig = SMALL) -> Indexer:
        engine = open_engine(url)
        migrate(engine)
        return Indexer(JsonRpc(self.rpc_url), IndexWriter(engine), self.manifest, self.catalog(), config)


@pytest.fixture
def anvil(tmp_path, artifacts, pilot_seed) -> Iterator[Chain]:
    chain = Chain(tmp_path / "chain", artifacts, pilot_seed)
    try:
        yield chain
    finally:
        chain.stop()


# ---------------------------------------------------------------------------------------------------- PostgreSQL


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[str]:
    """A throwaway PostgreSQL cluster; yields the URL of its server (no database)."""
    if postgres.bindir() is None:
        message = "PostgreSQL is not installed: `make postgres` (apt-get install -y postgresql)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    with postgres.cluster() as server:
        yield server


_databases = itertools.count()


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path) -> Any:
    """A factory of fresh, empty index databases of one kind: `database()` returns a URL."""

    def new() -> str:
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path}/index-{next(_databases)}.sqlite"
        else:
            server = request.getfixturevalue("postgres_cluster")
            url = postgres.create_database(server, f"index_{os.getpid()}_{next(_databases)}")
        return url

    return new


# ---------------------------------------------------------------------------------------------------- comparing


def dump(engine: Engine) -> dict[str, list[tuple]]:
    """Every row of the tables that follow from the chain alone, in key order: what two indexers must agree on."""
    out: dict[str, list[tuple]] = {}
    with engine.connect() as conn:
        for table in schema.CHAIN_TABLES:
            order = list(table.primary_key.columns)
            out[table.name] = [tuple(row) for row in conn.execute(select(table).order_by(*order))]
    return out


def fresh_dump(chain: Chain, url: str, config: IndexerConfig = SMALL) -> dict[str, list[tuple]]:
    """Index `chain` from scratch into `url` (up to the head) and dump it."""
    indexer = chain.indexer(url, config)
    indexer.run(until_head=True)
    return dump(indexer.store.engine)


def chain_logs(chain: Chain) -> list[dict[str, Any]]:
    """Every log of every manifest contract, as the node has it now."""
    addresses = [Web3.to_checksum_address(c.address) for c in chain.manifest.contracts.values()]
    return chain.w3.eth.get_logs({"fromBlock": 0, "toBlock": "latest", "address": addresses})


# ---------------------------------------------------------------------------------------------------- following


class Follower:
    """An indexer following the head in a thread; re-raises what stopped it."""

    def __init__(self, indexer) -> None:
        self.indexer = indexer
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            self.indexer.run()
        except BaseException as exc:
            self.error = exc

    def synced(self, w3, timeout: float = 60.0) -> None:
        """Wait until the index holds the node's head block, by hash."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.error is not None:
                raise self.error
            head = w3.eth.get_block("latest")
            try:
                state = self.indexer.store.state()
            except NoResultFound:  # the thread has not opened the store yet
                time.sleep(0.05)
                continue
            if (
                state.checkpoint_block == head["number"]
                and dict(self.indexer.store.block_hashes()).get(head["number"]) == head["hash"].to_0x_hex()
            ):
                return
            time.sleep(0.05)
        raise AssertionError("the indexer did not catch up with the head")

    def stop(self) -> None:
        self.indexer.stop_event.set()
        self.thread.join(30)


@pytest.fixture
def follow():
    followers: list[Follower] = []

    def start(indexer) -> Follower:
        followers.append(Follower(indexer))
        return followers[-1]

    yield start
    for follower in followers:
        follower.stop()
