"""Dev wallets are Anvil's public test keys: derived for the pilot's members and a relayer on a local development
chain, refused on any other chain id, client or genesis."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from portlink.chain.devwallets import PUBLIC_TEST_KEYS, RELAYER_INDEX, dev_account, dev_wallets, require_dev_chain
from portlink.errors import DevChainRequiredError
from web3 import Web3

from tests.chain.test_devnode import _node, plain_node
from tests.conftest import ROOT
from tests.deployment.test_deploy import _free_port

#: The pilot seed's accounts (deployments/pilot.yaml): Anvil's development accounts 1-14.
PILOT = {dev_account(i).address for i in range(1, 15)}


@pytest.fixture
def anvil(tmp_path) -> Iterator[Web3]:
    node = _node(tmp_path)
    node.start()
    try:
        yield Web3(Web3.HTTPProvider(node.rpc_url))
    finally:
        node.stop()


def _genesis(w3: Web3) -> str:
    return w3.eth.get_block(0)["hash"].to_0x_hex()


def test_on_the_local_dev_chain_the_pilot_members_and_the_relayer_get_their_public_test_keys(anvil):
    wallets = dev_wallets(anvil, genesis_hash=_genesis(anvil), members=PILOT)
    assert set(wallets.members) == PILOT
    assert wallets.relayer.address == dev_account(RELAYER_INDEX).address
    assert wallets.relayer.address not in PILOT
    assert len(wallets.signers) == 15
    # They are the node's own dev accounts: the keys Anvil prints at start.
    assert set(wallets.signers) <= set(anvil.eth.accounts)


def test_another_chain_id_is_refused(tmp_path):
    node = _node(tmp_path)
    node.chain_id = 1337
    node.start()
    try:
        w3 = Web3(Web3.HTTPProvider(node.rpc_url))
        with pytest.raises(DevChainRequiredError, match="is chain 1337, not 31337") as refused:
            dev_wallets(w3, genesis_hash=_genesis(w3), members=PILOT)
        assert PUBLIC_TEST_KEYS in str(refused.value)
    finally:
        node.stop()


def test_another_genesis_than_the_manifests_is_refused(anvil):
    other = "0x" + "11" * 32
    with pytest.raises(DevChainRequiredError, match=f"the deployment manifest's {other}"):
        require_dev_chain(anvil, genesis_hash=other)


def test_a_node_that_is_not_anvil_is_refused_even_with_chain_id_31337():
    port = _free_port()
    ganache = str(ROOT / "node_modules" / ".bin" / "ganache")  # a real Ganache 7 from the npm toolchain
    node = plain_node([ganache, "--chain.chainId", "31337", "--server.port", str(port)], port)
    with node as w3, pytest.raises(DevChainRequiredError, match=r"Ganache.*not Anvil"):
        require_dev_chain(w3, genesis_hash=_genesis(w3))
