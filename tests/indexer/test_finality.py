"""Finality chosen for the chain: at once on an automine dev chain (rows become `confirmed` with no further
traffic, and a rewritten chain is still rolled back by the hash checks), the node's `finalized` block where it
has one, a configured depth when one is set."""

from __future__ import annotations

import shutil
from dataclasses import replace

from portlink.chain.finality import Finality, choose
from portlink.chain.rpc import JsonRpc
from portlink.store import schema
from sqlalchemy import func, select

from tests.chain.test_devnode import plain_node
from tests.deployment.test_deploy import _free_port
from tests.indexer.conftest import SMALL, dump, fresh_dump
from tests.indexer.test_reorg import _replacement

#: The tests' small ranges, with the depth left to the chain.
AUTO = replace(SMALL, confirmations=None)


def _unconfirmed(engine) -> int:
    with engine.connect() as conn:
        return sum(
            conn.execute(select(func.count()).select_from(t).where(t.c.confirmed.is_(False))).scalar_one()
            for t in (*schema.LOG_TABLES, *schema.ENTITY_TABLES)
        )


def test_on_an_automine_dev_chain_every_row_is_confirmed_without_further_blocks(anvil, database):
    anvil.activity.mixed(2)
    head = anvil.w3.eth.block_number
    indexer = anvil.indexer(database(), AUTO)
    indexer.run(until_head=True)
    assert indexer.finality == Finality("automine", 0)
    state = indexer.store.state()
    assert (state.checkpoint_block, state.final_block) == (head, head)
    assert anvil.w3.eth.block_number == head  # nothing mined to get there
    assert _unconfirmed(indexer.store.engine) == 0


def test_with_zero_depth_a_rewritten_automine_chain_is_still_rolled_back(anvil, database, follow):
    w3 = anvil.w3
    anvil.activity.mixed(1)
    follower = follow(anvil.indexer(database(), AUTO))
    follower.synced(w3)
    for depth in (1, 3):
        anvil.activity.journey(1)
        follower.synced(w3)
        assert _unconfirmed(follower.indexer.store.engine) == 0
        result = w3.provider.make_request(
            "anvil_reorg", [depth, [[tx, 0] for tx in _replacement(anvil.activity, depth)]]
        )
        assert "error" not in result, result
        follower.synced(w3)
        assert dump(follower.indexer.store.engine) == fresh_dump(anvil, database(), AUTO), f"after a reorg of {depth}"


def test_a_configured_depth_wins(anvil):
    rpc = JsonRpc(anvil.rpc_url)
    assert choose(rpc, 5) == Finality("configured", 5)
    assert choose(rpc, 5).final_block(rpc, 100) == 95
    assert choose(rpc, 0).final_block(rpc, 100) == 100


def test_a_node_mining_on_a_timer_is_final_at_its_finalized_block():
    port = _free_port()
    anvil = shutil.which("anvil") or "anvil"
    with plain_node([anvil, "--port", str(port), "--block-time", "1"], port) as w3:
        w3.provider.make_request("anvil_mine", [100])
        rpc = JsonRpc(f"http://127.0.0.1:{port}")
        finality = choose(rpc, None)
        assert finality == Finality("finalized")
        head = w3.eth.block_number
        finalized = w3.eth.get_block("finalized")["number"]
        assert 0 < finalized < head
        assert finality.final_block(rpc, head) == finalized
