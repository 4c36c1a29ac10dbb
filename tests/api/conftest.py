"""API fixtures: one dev Anvil with the pilot deployed (the real deployment path), the API with its indexer and
operation tracker served by a real uvicorn on a free loopback port, custodial keys in an encrypted keystore, and
an API key per pilot member. Tests talk HTTP to it with httpx."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from eth_account import Account
from portlink.api.app import create_app
from portlink.manifest import SHIPMENTS
from portlink.services.runtime import Runtime
from portlink.settings import Settings

from tests.api.stack import PASSPHRASE, ROLES, attested, fund, private_key, write_keystore
from tests.conftest import ROOT
from tests.deployment.test_cli import PORTLINK
from tests.deployment.test_deploy import _free_port
from tests.indexer.activity import container_number
from tests.indexer.conftest import Chain


@dataclass
class Participant:
    """A pilot member as its system sees the API: an account, its key (for wallet signing) and an API key."""

    name: str
    address: str
    key: bytes
    client: httpx.Client

    def write(self, method: str, path: str, body: Any = None, *, key: str | None = None, **params: Any):
        headers = {"Idempotency-Key": key or f"{self.name}-{time.monotonic_ns()}"}
        return self.client.request(method, path, json=body, headers=headers, params=params)

    def confirmed(self, method: str, path: str, body: Any = None, **params: Any) -> dict[str, Any]:
        """A custodial write waited for; asserts it succeeded and returns the operation."""
        response = self.write(method, path, body, confirm="true", **params)
        assert response.status_code == 200, response.text
        op = response.json()
        assert op["status"] == "Succeeded", op
        return op


class Api:
    """The running API, its runtime and a participant per pilot role."""

    def __init__(self, base_url: str, runtime: Runtime, chain: Chain, participants: dict[str, Participant]):
        self.base_url, self.runtime, self.chain, self.participants = base_url, runtime, chain, participants
        self.serial = 0

    def __getattr__(self, name: str) -> Participant:
        try:
            return self.participants[name]
        except KeyError:
            raise AttributeError(name) from None

    def synced(self, block: int | None = None, timeout: float = 30.0) -> None:
        """Wait until the index holds `block` (default: the chain head)."""
        target = self.chain.w3.eth.block_number if block is None else block
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            head = self.runtime.index.head().checkpoint_block
            if head is not None and head >= target:
                return
            time.sleep(0.05)
        raise AssertionError(f"the index did not reach block {target}")

    def attestation(self, body: dict[str, Any], shipper: str | None = None, deadline: int | None = None) -> dict:
        """The carrier's ``carrierAttestation`` of registration ``body`` by ``shipper`` (default: the pilot
        shipper), signed in its wallet (its key here) over the registry's EIP-712 domain."""
        domain = self.runtime.views.eip712_domain(SHIPMENTS)
        signed = attested(body, domain, shipper=shipper or self.shipper.address, deadline=deadline)
        return dict(signed["carrierAttestation"])

    def registration(self, containers: int = 1, owner: str = "APU", shipper: str | None = None) -> dict[str, Any]:
        """A valid new shipment body (unique containers and B/L), attested by the carrier for ``shipper`` (default:
        the pilot shipper)."""
        self.serial += 1
        boxes = []
        for _ in range(containers):
            self.serial += 1
            boxes.append(
                {
                    "number": container_number(owner, self.serial).decode(),
                    "declaredGrossKg": 20_000,
                    "seals": [f"SL{self.serial:08d}"],
                }
            )
        body: dict[str, Any] = {
            "consignee": self.consignee.address,
            "carrier": self.carrier.address,
            "originPort": "CNSHK",
            "destinationPort": "CNSUD",
            "transportDocumentReference": f"{owner}{self.serial:08d}",
            "documentsDigest": "0x" + f"{self.serial:064x}",
            "containers": boxes,
            "carrierAttestation": {"deadline": 1, "signature": "0x" + "00" * 65},
        }
        body["carrierAttestation"] = self.attestation(body, shipper)
        return body


def env_of(api: Api, **extra: str) -> dict[str, str]:
    """The environment that points a `portlink` command at `api`'s chain, manifest, database and keystore."""
    s = api.runtime.settings
    return {
        **os.environ,
        "PORTLINK_RPC_URL": s.rpc_url,
        "PORTLINK_MANIFEST_PATH": str(s.manifest_path),
        "PORTLINK_DATABASE_URL": s.database_url,
        "PORTLINK_API_KEYSTORE_PATH": str(s.api_keystore_path),
        "PORTLINK_API_KEYSTORE_PASSPHRASE": PASSPHRASE,
        **extra,
    }


def portlink_cli(api: Api, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run `portlink *args` as a user would, against `api`'s deployment; never raises on a non-zero exit."""
    return subprocess.run(
        [str(PORTLINK), *args], cwd=ROOT, env=env_of(api), capture_output=True, text=True, timeout=timeout, check=False
    )


def api_settings(chain: Chain, folder: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "rpc_url": chain.rpc_url,
        "manifest_path": chain.manifest_path,
        "database_url": f"sqlite:///{folder}/api.sqlite",
        "indexer_confirmations": 2,
        "indexer_poll_seconds": 0.05,
        "api_keystore_path": folder / "keystore",
        "api_keystore_passphrase": PASSPHRASE,
        "api_relayer_address": Account.from_key(private_key(0)).address,
        "api_tracker_poll_seconds": 0.05,
        "api_rebroadcast_seconds": 0.5,
        "api_stuck_seconds": 1.0,
        "api_confirm_timeout_seconds": 30.0,
        "api_max_body_bytes": 65_536,
    }
    values.update(overrides)
    return Settings(**values)


class Server:
    """uvicorn serving `app` on a free loopback port in a thread."""

    def __init__(self, app: Any) -> None:
        self.port = _free_port()
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", timeout_graceful_shutdown=5)
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.02)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(15)


@pytest.fixture(scope="module")
def api_chain(tmp_path_factory, artifacts, pilot_seed) -> Iterator[Chain]:
    chain = Chain(tmp_path_factory.mktemp("api-chain"), artifacts, pilot_seed)
    try:
        yield chain
    finally:
        chain.stop()


@contextmanager
def running_api(chain: Chain, folder: Path, **overrides: Any) -> Iterator[Api]:
    """The API over `chain` with its own database (SQLite in `folder` unless `database_url` is given)."""
    fund(chain.w3)  # a default Anvil funds accounts 0-9 only
    write_keystore(folder / "keystore", sorted(ROLES.values()))
    runtime = Runtime(api_settings(chain, folder, **overrides))
    server = Server(create_app(runtime=runtime))
    participants: dict[str, Participant] = {}
    try:
        with httpx.Client(base_url=server.url, timeout=60) as probe:
            assert probe.get("/v1/health").status_code == 200
        deadline = time.monotonic() + 30
        while runtime.consortium.member(Account.from_key(private_key(ROLES["auditor"])).address) is None:
            assert time.monotonic() < deadline, "the index never saw the pilot members"
            time.sleep(0.05)
        for name, index in ROLES.items():
            address = Account.from_key(private_key(index)).address
            if name == "deployer":
                continue
            _, token = runtime.keys.create(address)
            client = httpx.Client(base_url=server.url, timeout=60, headers={"Authorization": f"Bearer {token}"})
            participants[name] = Participant(name, address, private_key(index), client)
        yield Api(server.url, runtime, chain, participants)
    finally:
        for p in participants.values():
            p.client.close()
        server.stop()


@pytest.fixture(scope="module")
def api(api_chain, tmp_path_factory) -> Iterator[Api]:
    with running_api(api_chain, tmp_path_factory.mktemp("api")) as running:
        yield running


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    """The published DCSA Track & Trace 2.2.0 OpenAPI document (a copy per test module)."""
    from tests.api.dcsa import published  # it imports this module

    return published()


@pytest.fixture(scope="module")
def validators(spec: dict[str, Any]) -> Any:
    """Validators of the published event schemas (see :func:`tests.api.dcsa.event_validators`)."""
    from tests.api.dcsa import event_validators

    return event_validators(spec)
