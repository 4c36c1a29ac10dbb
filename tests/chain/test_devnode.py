"""The dev node's saved chain: Anvil adds a new block 0 to its state file on every start, and loads whichever block
0 comes last in the file; the dev node keeps only the chain's own genesis, so a restart is always the same chain.
A saved chain that cannot be restored is refused with a message that says what is kept."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from portlink.chain.devnode import DevNode
from portlink.errors import BrokenChainStateError
from web3 import Web3

from tests.deployment.test_deploy import _free_port

PILOT_SHIPPER = "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f"


def _node(folder: Path) -> DevNode:
    return DevNode(
        "anvil",
        host="127.0.0.1",
        port=_free_port(),
        chain_id=31337,
        state_path=folder / "anvil-state.json",
        log_path=folder / "anvil.log",
    )


def _genesis(node: DevNode) -> str:
    return Web3(Web3.HTTPProvider(node.rpc_url)).eth.get_block(0)["hash"].to_0x_hex()


def _genesis_time(node: DevNode) -> int:
    return int(Web3(Web3.HTTPProvider(node.rpc_url)).eth.get_block(0)["timestamp"])


def _blocks_numbered(path: Path, number: int) -> list[dict]:
    return [b for b in json.loads(path.read_text())["blocks"] if int(b["header"]["number"], 16) == number]


def _transfer(node: DevNode, value: int) -> int:
    w3 = Web3(Web3.HTTPProvider(node.rpc_url))
    tx = w3.eth.send_transaction({"from": w3.eth.accounts[0], "to": PILOT_SHIPPER, "value": value})
    return int(w3.eth.wait_for_transaction_receipt(tx)["blockNumber"])


@contextmanager
def plain_node(command: list[str], port: int) -> Iterator[Web3]:
    """A node process started from ``command`` (listening on ``port``) until it answers; stopped at the end."""
    node = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        w3 = Web3(Web3.HTTPProvider(f"http://127.0.0.1:{port}"))
        deadline = time.monotonic() + 60
        while not w3.is_connected():
            assert node.poll() is None, f"{command[0]} exited"
            assert time.monotonic() < deadline, f"{command[0]} did not start"
            time.sleep(0.1)
        yield w3
    finally:
        node.terminate()
        node.wait(30)


def _plain_anvil_genesis(state: Path) -> str:
    """The genesis a plain Anvil (without the dev node's care) starts on from ``state``."""
    port = _free_port()
    anvil = shutil.which("anvil") or "anvil"
    with plain_node([anvil, "--port", str(port), "--state", str(state), "--max-persisted-states", "0"], port) as w3:
        return w3.eth.get_block(0)["hash"].to_0x_hex()


def test_anvil_adds_a_block_0_per_start_and_the_dev_node_keeps_the_chains_own(tmp_path):
    node = _node(tmp_path)
    node.start()
    genesis, born = _genesis(node), _genesis_time(node)
    block = _transfer(node, 7)
    node.stop()
    time.sleep(1.1)  # a genesis of another second
    node.start()
    node.stop()
    state = tmp_path / "anvil-state.json"
    zeros = _blocks_numbered(state, 0)
    assert len(zeros) == 2, "Anvil saved the block 0 it made at start beside the chain's own"
    # Anvil writes its blocks in hash-map order and loads the last block 0 of the file as the genesis: sooner or
    # later the stray one is last, and a plain Anvil starts on another chain.
    saved = json.loads(state.read_text())
    own = next(b for b in zeros if int(b["header"]["timestamp"], 16) == born)
    stray = next(b for b in zeros if b is not own)
    saved["blocks"] = [own, *(b for b in saved["blocks"] if b["header"]["number"] != "0x0"), stray]
    state.write_text(json.dumps(saved))
    copy = tmp_path / "copy.json"
    copy.write_text(state.read_text())
    assert _plain_anvil_genesis(copy) != genesis

    node.start()
    try:
        assert _genesis(node) == genesis
        w3 = Web3(Web3.HTTPProvider(node.rpc_url))
        assert w3.eth.block_number >= block
        assert w3.eth.get_balance(PILOT_SHIPPER) >= 7
    finally:
        node.stop()


@pytest.mark.parametrize(
    ("damage", "words"),
    [
        (lambda text: text[: len(text) // 2], "is not readable"),
        (
            lambda text: json.dumps(
                {
                    **json.loads(text),
                    "blocks": [b for b in json.loads(text)["blocks"] if b["header"]["number"] != "0x1"],
                }
            ),
            "block 1",
        ),
        (lambda text: "[]", "is not readable"),
    ],
    ids=["truncated", "block-missing", "not-a-state"],
)
def test_a_broken_saved_chain_is_refused_with_what_is_kept_and_nothing_changed(tmp_path, damage, words):
    node = _node(tmp_path)
    node.start()
    _transfer(node, 1)
    _transfer(node, 2)
    node.stop()
    state = tmp_path / "anvil-state.json"
    state.write_text(damage(state.read_text()))
    before = state.read_bytes()
    with pytest.raises(BrokenChainStateError) as refused:
        node.start()
    message = str(refused.value)
    assert words in message
    assert str(state) in message
    assert "nothing was changed" in message
    assert "portlink up --reset" in message
    assert "\n" not in message
    assert state.read_bytes() == before
    assert node._process is None  # no Anvil left running
