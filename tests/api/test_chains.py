"""Any EVM chain by configuration: the HTTP journey of test_workflow on Ganache 7.9.2 (npm, package-lock.json) and
on Anvil mining a block every second instead of one per transaction, and a proof-of-authority chain (blocks with
more than 32 bytes of extraData, as Besu QBFT, IBFT and Clique write them) detected without configuration."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from portlink.chain.client import NodeAccountSigner, connect, is_poa
from portlink.deployment.deploy import deploy
from web3 import Web3
from web3.exceptions import ExtraDataLengthError

from tests.api.conftest import running_api
from tests.api.test_workflow import Custodial, Wallet, journey
from tests.conftest import ROOT
from tests.indexer.postgres import free_port

GANACHE = ROOT / "node_modules" / ".bin" / "ganache"
MNEMONIC = "test test test test test test test test test test test junk"


class Node:
    """A node process started from a command line, with the pilot deployed on it by the real deployment path;
    what `running_api` needs of a chain (``w3``, ``rpc_url``, ``manifest_path``)."""

    def __init__(self, folder: Path, command: list[str], port: int, artifacts, pilot_seed) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder, self.port = folder, port
        self.manifest_path = folder / "deployment" / "manifest.json"
        log = (folder / "node.log").open("ab")
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        try:
            self.w3 = Web3(Web3.HTTPProvider(self.rpc_url, request_kwargs={"timeout": 60}))
            deadline = time.monotonic() + 60
            while not self.w3.is_connected():
                assert self.process.poll() is None, (folder / "node.log").read_text()
                assert time.monotonic() < deadline, "the node did not start"
                time.sleep(0.2)
            seed, sha = pilot_seed
            deploy(self.w3, NodeAccountSigner(self.w3.eth.accounts[0]), artifacts, seed, sha, self.manifest_path)
        except BaseException:
            self.stop()
            raise

    @property
    def rpc_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()


@pytest.fixture(scope="module")
def ganache(tmp_path_factory, artifacts, pilot_seed) -> Iterator[Node]:
    assert GANACHE.exists(), "ganache missing: `make install` (npm ci)"
    port = free_port()
    command = [
        str(GANACHE), "--server.host", "127.0.0.1", "--server.port", str(port), "--wallet.mnemonic", MNEMONIC,
        "--wallet.totalAccounts", "20", "--wallet.defaultBalance", "100000", "--chain.chainId", "1337",
        "--logging.quiet",
    ]  # fmt: skip
    node = Node(tmp_path_factory.mktemp("ganache"), command, port, artifacts, pilot_seed)
    yield node
    node.stop()


def test_the_journey_runs_on_ganache_with_custodial_keys(ganache, tmp_path):
    with running_api(ganache, tmp_path) as api:
        assert api.runtime.gateway.chain_id == 1337
        journey(api, Custodial())


def test_the_journey_runs_on_ganache_with_wallet_signatures(ganache, tmp_path):
    with running_api(ganache, tmp_path) as api:
        api.serial = 10_000  # other shipments than the custodial journey's on this chain
        journey(api, Wallet())


def test_the_journey_runs_on_a_chain_with_a_block_time(tmp_path, artifacts, pilot_seed):
    port = free_port()
    anvil = shutil.which("anvil")
    assert anvil is not None
    command = [anvil, "--host", "127.0.0.1", "--port", str(port), "--block-time", "1", "--accounts", "20"]
    node = Node(tmp_path / "chain", command, port, artifacts, pilot_seed)
    try:
        first = node.w3.eth.block_number
        time.sleep(2.2)
        assert node.w3.eth.block_number >= first + 2  # blocks come by the clock, not by transaction
        with running_api(node, tmp_path / "api") as api:
            journey(api, Custodial())
    finally:
        node.stop()


class PoaProxy:
    """A JSON-RPC front of a node whose blocks carry 97 bytes of extraData (32 of vanity, a validator, a 65-byte
    seal: the Clique layout; QBFT's RLP is longer still), as every block of a proof-of-authority chain does. No
    PoA client installs from Debian or npm here, so Anvil's blocks are given the field on their way out."""

    EXTRA = "0x" + "00" * 32 + "f39fd6e51aad88f6f4ce6ab8827279cfffb92266" + "ab" * 45

    def __init__(self, upstream: str) -> None:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                answer = httpx.post(upstream, content=body, headers={"Content-Type": "application/json"}).json()
                payload = json.dumps(proxy.rewrite(answer)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def rewrite(self, answer: Any) -> Any:
        if isinstance(answer, list):
            return [self.rewrite(a) for a in answer]
        result = answer.get("result") if isinstance(answer, dict) else None
        if isinstance(result, dict) and "extraData" in result and "miner" in result:
            result["extraData"] = self.EXTRA
        return answer

    def stop(self) -> None:
        self.server.shutdown()


def test_a_proof_of_authority_chain_is_detected_and_the_api_writes_on_it(api_chain, tmp_path):
    proxy = PoaProxy(api_chain.rpc_url)
    try:
        plain = Web3(Web3.HTTPProvider(proxy.url))
        with pytest.raises(ExtraDataLengthError):  # what web3 does with such blocks unless told
            plain.eth.get_block("latest")
        assert is_poa(plain)
        assert not is_poa(api_chain.w3)
        detected = connect(proxy.url)  # PORTLINK_POA unset: detected
        assert len(detected.eth.get_block("latest")["proofOfAuthorityData"]) == 97
        with pytest.raises(ExtraDataLengthError):
            connect(proxy.url, poa=False).eth.get_block("latest")  # configured off: web3's refusal

        with running_api(api_chain, tmp_path, rpc_url=proxy.url) as api:  # the API and its indexer through it
            op = api.shipper.confirmed("POST", "/v1/shipments", api.registration())
            api.synced(op["blockNumber"])
            sid = next(e for e in op["result"]["events"] if e["event"] == "ShipmentRegistered")["args"]["shipmentId"]
            assert api.shipper.client.get(f"/v1/shipments/{sid}").json()["state"] == "REGISTERED"
    finally:
        proxy.stop()
