"""The node going away: restarted with its state the indexer waits, retries with backoff and resumes; restarted
without it (a new chain with another genesis block) the indexer refuses with a one-line error."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from portlink.errors import ChainResetError, StoreError
from portlink.indexer.indexer import IndexerConfig

from tests.conftest import ROOT
from tests.indexer.conftest import SMALL, Chain, dump, fresh_dump

PORTLINK = Path(sys.executable).with_name("portlink")
QUICK_RETRY = IndexerConfig(**{**SMALL.__dict__, "max_backoff_seconds": 0.5})


def test_anvil_restarted_with_its_state_the_indexer_waits_and_resumes(anvil, database, follow, caplog):
    anvil.activity.mixed(2)
    follower = follow(anvil.indexer(database(), QUICK_RETRY))
    follower.synced(anvil.w3)
    anvil.stop()
    time.sleep(1.5)  # the follower polls a node that is gone
    assert follower.error is None
    assert follower.thread.is_alive()
    anvil.restart(keep_state=True)
    anvil.activity.mixed(1)
    follower.synced(anvil.w3)
    assert any("retrying in" in r.getMessage() for r in caplog.records)
    assert dump(follower.indexer.store.engine) == fresh_dump(anvil, database())


def test_anvil_restarted_without_its_state_is_refused_as_another_chain(anvil, database, follow):
    anvil.activity.mixed(1)
    follower = follow(anvil.indexer(database(), QUICK_RETRY))
    follower.synced(anvil.w3)
    before = dump(follower.indexer.store.engine)
    anvil.restart(keep_state=False)
    follower.thread.join(30)
    assert isinstance(follower.error, ChainResetError)
    assert "the chain was reset or this is another chain" in str(follower.error)
    assert dump(follower.indexer.store.engine) == before  # nothing of the new chain mixed in


def test_portlink_index_on_a_reset_chain_exits_with_a_one_line_error(anvil, database):
    url = database()
    anvil.activity.mixed(1)
    anvil.indexer(url).run(until_head=True)
    anvil.restart(keep_state=False)
    env = {
        **os.environ,
        "PORTLINK_RPC_URL": anvil.rpc_url,
        "PORTLINK_MANIFEST_PATH": str(anvil.manifest_path),
        "PORTLINK_DATABASE_URL": url,
    }
    result = subprocess.run(
        [str(PORTLINK), "index"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("portlink: error: the node at ")
    assert "indexing stopped" in last


def test_a_store_of_another_chain_is_refused(anvil, database, tmp_path, artifacts, pilot_seed):
    url = database()
    anvil.indexer(url).run(until_head=True)
    other = Chain(tmp_path / "other", artifacts, pilot_seed)
    try:
        with pytest.raises(StoreError, match="index into a fresh database"):
            other.indexer(url).run(until_head=True)
    finally:
        other.stop()
