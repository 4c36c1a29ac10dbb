"""PortLink's production layout as real processes, for the fault tests and the API benchmark: one `portlink index`
and any number of `portlink serve` replicas on one database, against a deployed chain, with custodial keys in an
encrypted keystore and an API key per pilot member. Nothing here imports ape (the benchmark uses it too)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from eth_account import Account
from eth_utils.crypto import keccak
from portlink.pilot.stack import DEV_MNEMONIC, dev_key
from portlink.pilot.stack import ROLES as PILOT_ROLES
from portlink.services.runtime import Runtime
from portlink.settings import Settings

from tests.indexer.postgres import free_port

ROOT = Path(__file__).resolve().parents[2]
PORTLINK = Path(sys.executable).with_name("portlink")
MNEMONIC = DEV_MNEMONIC
PASSPHRASE = "correct horse battery staple"
#: The pilot's accounts by role (deployments/pilot.yaml), indexes of the mnemonic.
ROLES = {"deployer": 0, "shekou_authority": 1, "shunde_authority": 2, **PILOT_ROLES}
private_key = dev_key


def declaration_of(shipment_id: str) -> dict[str, Any]:
    """A valid declaration body for ``shipment_id``."""
    return {
        "shipmentId": shipment_id,
        "digest": "0x" + keccak(text=shipment_id).hex(),
        "hsCodes": ["850440"],
        "customsValue": 9_900,
        "currency": "HKD",
    }


def sse_events(response: httpx.Response) -> Iterator[dict[str, str]]:
    """The server-sent events of a streamed response, each as its fields (``id``, ``event``, ``data``)."""
    event: dict[str, str] = {}
    for line in response.iter_lines():
        if line.startswith(("id:", "event:", "data:")):
            field_name, _, value = line.partition(": ")
            event[field_name] = value
        elif not line and "data" in event:
            yield event
            event = {}


def address_of(role: str) -> str:
    return str(Account.from_key(private_key(ROLES[role])).address)


def write_keystore(folder: Path, indexes: list[int]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for index in indexes:
        # A light KDF keeps the fixture fast; production key files use eth-account's default scrypt parameters.
        encrypted = Account.encrypt(private_key(index), PASSPHRASE, kdf="pbkdf2", iterations=1000)
        (folder / f"key-{index}.json").write_text(json.dumps(encrypted))


def fund(w3: Any) -> None:
    """Give every pilot account ether (a default node funds only its first accounts)."""
    for index in ROLES.values():
        address = Account.from_key(private_key(index)).address
        if w3.eth.get_balance(address) < 10**20:
            w3.eth.wait_for_transaction_receipt(
                w3.eth.send_transaction({"from": w3.eth.accounts[0], "to": address, "value": 10**21})
            )


class Process:
    """A `portlink` command running in its own session, its output in a log file."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.args, self.env, self.log = args, env, log
        self.process: subprocess.Popen[bytes] | None = None
        self.start()

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [str(PORTLINK), *self.args], cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: no clean-up of any kind."""
        if self.alive():
            assert self.process is not None
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self, timeout: float = 20) -> None:
        if self.alive():
            assert self.process is not None
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()


class Replica(Process):
    """`portlink serve` on a port of its own."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        super().__init__(["serve", "--port", str(self.port)], env, log)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def restart(self) -> None:
        self.stop()
        self.port = free_port()
        self.args = ["serve", "--port", str(self.port)]
        self.start()
        self.wait_ready()

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                raise AssertionError(f"portlink serve exited; see {self.log}:\n{self.log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{self.url}/v1/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"portlink serve did not answer; see {self.log}")


@dataclass
class Stack:
    """`portlink index` and `replicas` times `portlink serve` over one database."""

    folder: Path
    rpc_url: str
    manifest_path: Path
    database_url: str
    replicas: int = 2
    settings: dict[str, str] = field(default_factory=dict)
    indexer: Process | None = None
    servers: list[Replica] = field(default_factory=list)
    tokens: dict[str, str] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "PORTLINK_RPC_URL": self.rpc_url,
            "PORTLINK_MANIFEST_PATH": str(self.manifest_path),
            "PORTLINK_DATABASE_URL": self.database_url,
            "PORTLINK_API_KEYSTORE_PATH": str(self.folder / "keystore"),
            "PORTLINK_API_KEYSTORE_PASSPHRASE": PASSPHRASE,
            "PORTLINK_API_RELAYER_ADDRESS": address_of("deployer"),
            "PORTLINK_API_RUN_INDEXER": "false",
            "PORTLINK_INDEXER_CONFIRMATIONS": "0",
            "PORTLINK_INDEXER_POLL_SECONDS": "0.05",
            "PORTLINK_INDEXER_READ_AHEAD": "false",
            "PORTLINK_API_TRACKER_POLL_SECONDS": "0.05",
            "PORTLINK_API_LEASE_SECONDS": "2",
            "PORTLINK_API_REBROADCAST_SECONDS": "1",
            "PORTLINK_API_CONFIRM_TIMEOUT_SECONDS": "30",
            **self.settings,
        }

    def start(self) -> Stack:
        self.folder.mkdir(parents=True, exist_ok=True)
        write_keystore(self.folder / "keystore", sorted(ROLES.values()))
        env = self.env()
        self.indexer = Process(["index"], env, self.folder / "index.log")
        self.servers = [Replica(env, self.folder / f"serve-{i}.log") for i in range(self.replicas)]
        for server in self.servers:
            server.wait_ready()
        self._issue_keys()
        return self

    def runtime(self) -> Runtime:
        """A runtime on the stack's database (not started: for keys and for looking at the rows)."""
        return Runtime(
            Settings(
                rpc_url=self.rpc_url,
                manifest_path=self.manifest_path,
                database_url=self.database_url,
                api_keystore_path=self.folder / "keystore",
            )
        )

    def _issue_keys(self) -> None:
        runtime = self.runtime()
        deadline = time.monotonic() + 60
        while runtime.consortium.member(address_of("auditor")) is None:
            assert time.monotonic() < deadline, f"the indexer never indexed the members; see {self.folder}/index.log"
            time.sleep(0.1)
        for name in ROLES:
            if name != "deployer":
                _, self.tokens[name] = runtime.keys.create(address_of(name))
        runtime.engine.dispose()

    def client(self, role: str, replica: int = 0, **kwargs: Any) -> httpx.Client:
        """An HTTP client of `role` talking to replica `replica`."""
        return httpx.Client(
            base_url=self.servers[replica].url,
            headers={"Authorization": f"Bearer {self.tokens[role]}"},
            timeout=kwargs.pop("timeout", 60),
            **kwargs,
        )

    def stop(self) -> None:
        for server in self.servers:
            server.stop()
        if self.indexer is not None:
            self.indexer.stop()

    def logs(self) -> str:
        return "\n".join(f"== {p.name}\n{p.read_text()[-4000:]}" for p in sorted(self.folder.glob("*.log")))
