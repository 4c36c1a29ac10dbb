"""The pilot's own local stack: a fresh Anvil, the pilot consortium deployed, custodial keys of Anvil's public
development accounts in a keystore, ``portlink serve`` in a child process, and an API key per member.

Everything lives in one work folder (default ``.portlink/pilot``) and is made anew on each run; the chain and the
index stay there after the run (``anvil-state.json``, ``index.sqlite``) for ``portlink report`` and inspection.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from eth_account import Account

from portlink.chain.client import connect
from portlink.chain.devnode import DevNode
from portlink.deployment.service import deploy_configured
from portlink.errors import PortLinkError
from portlink.manifest import Manifest
from portlink.pilot.replay import PilotError
from portlink.services.access import ApiKeys
from portlink.services.consortium import ConsortiumService
from portlink.settings import Settings
from portlink.store.engine import open_engine

#: Anvil's public development mnemonic: the pilot seed's accounts (deployments/pilot.yaml) come from it.
DEV_MNEMONIC = "test test test test test test test test test test test junk"
#: The pilot members by role: their index in the mnemonic (deployments/pilot.yaml).
ROLES = {
    "shekou_customs": 3,
    "shunde_customs": 4,
    "shekou_terminal": 5,
    "shunde_terminal": 6,
    "carrier": 7,
    "shipper": 8,
    "consignee": 9,
    "financier": 10,
    "tax_authority": 11,
    "iot_gateway": 12,
    "auditor": 13,
    "issuer": 14,
}
#: What a run leaves in the work folder (and removes there first).
_FILES = ("anvil-state.json", "anvil.log", "manifest.json", "index.sqlite", "serve.log")


def dev_key(index: int) -> bytes:
    """The private key of Anvil's development account ``index`` (public knowledge: local chains only)."""
    Account.enable_unaudited_hdwallet_features()
    return bytes(Account.from_mnemonic(DEV_MNEMONIC, account_path=f"m/44'/60'/0'/0/{index}").key)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Stack:
    """The running pilot stack."""

    workdir: Path
    settings: Settings
    manifest: Manifest
    base_url: str
    tokens: dict[str, str]
    keys: dict[str, bytes]


def _clean(workdir: Path) -> None:
    workdir.mkdir(parents=True, exist_ok=True)
    for name in _FILES:
        for path in workdir.glob(name + "*"):
            path.unlink()
    keystore = workdir / "keystore"
    if keystore.is_dir():
        for path in keystore.glob("key-*.json"):
            path.unlink()


def _write_keystore(folder: Path, passphrase: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for index in [0, *ROLES.values()]:
        # A light KDF: these are Anvil's public development keys on a throwaway chain.
        encrypted = Account.encrypt(dev_key(index), passphrase, kdf="pbkdf2", iterations=1000)
        (folder / f"key-{index}.json").write_text(json.dumps(encrypted))


def _env(settings: Settings) -> dict[str, str]:
    passphrase = settings.api_keystore_passphrase
    assert passphrase is not None
    return {
        **os.environ,
        "PORTLINK_RPC_URL": settings.rpc_url,
        "PORTLINK_MANIFEST_PATH": str(settings.manifest_path),
        "PORTLINK_DATABASE_URL": settings.database_url,
        "PORTLINK_API_KEYSTORE_PATH": str(settings.api_keystore_path),
        "PORTLINK_API_KEYSTORE_PASSPHRASE": passphrase.get_secret_value(),
        "PORTLINK_API_RELAYER_ADDRESS": str(settings.api_relayer_address),
        "PORTLINK_INDEXER_POLL_SECONDS": str(settings.indexer_poll_seconds),
        "PORTLINK_INDEXER_CONFIRMATIONS": str(settings.indexer_confirmations),
        "PORTLINK_API_TRACKER_POLL_SECONDS": str(settings.api_tracker_poll_seconds),
        "PORTLINK_API_CONFIRM_TIMEOUT_SECONDS": str(settings.api_confirm_timeout_seconds),
    }


@contextmanager
def pilot_stack(workdir: Path, settings: Settings) -> Iterator[Stack]:
    """Start the stack in ``workdir`` (emptied of an earlier run's files first), yield it, stop it."""
    workdir = workdir.resolve()
    _clean(workdir)
    node = DevNode(
        settings.anvil_binary,
        host="127.0.0.1",
        port=_free_port(),
        chain_id=31337,
        state_path=workdir / "anvil-state.json",
        log_path=workdir / "anvil.log",
    )
    node.start()
    server: subprocess.Popen[bytes] | None = None
    try:
        api_port = _free_port()
        settings = Settings(
            **{
                **settings.model_dump(),
                "rpc_url": node.rpc_url,
                "manifest_path": workdir / "manifest.json",
                "database_url": f"sqlite:///{workdir / 'index.sqlite'}",
                "api_keystore_path": workdir / "keystore",
                "api_keystore_passphrase": secrets.token_urlsafe(16),
                "api_relayer_address": Account.from_key(dev_key(0)).address,
                "indexer_poll_seconds": 0.05,
                "indexer_confirmations": 2,
                "api_tracker_poll_seconds": 0.02,
                "api_confirm_timeout_seconds": 60.0,
                "api_port": api_port,
            }
        )
        result = deploy_configured(connect(node.rpc_url), settings)
        _write_keystore(settings.api_keystore_path, _secret(settings))
        log = (workdir / "serve.log").open("ab")
        server = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "portlink.cli", "serve", "--host", "127.0.0.1", "--port", str(api_port)],
            env=_env(settings),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        base_url = f"http://127.0.0.1:{api_port}"
        _wait_healthy(base_url, server, workdir)
        tokens = _api_keys(settings)
        keys = {role: dev_key(index) for role, index in ROLES.items()}
        yield Stack(workdir, settings, result.manifest, base_url, tokens, keys)
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        node.stop()


def _secret(settings: Settings) -> str:
    assert settings.api_keystore_passphrase is not None
    return settings.api_keystore_passphrase.get_secret_value()


def _wait_healthy(base_url: str, server: subprocess.Popen[bytes], workdir: Path, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise PilotError(f"`portlink serve` exited with status {server.returncode}; see {workdir / 'serve.log'}")
        try:
            if httpx.get(f"{base_url}/v1/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise PilotError(f"the API did not answer at {base_url} within {timeout:.0f}s; see {workdir / 'serve.log'}")


def _api_keys(settings: Settings, timeout: float = 60.0) -> dict[str, str]:
    """An API key per member, once the index holds the members (as `portlink keys create` issues them)."""
    engine = open_engine(settings.database_url)
    keys = ApiKeys(engine, ConsortiumService(engine))
    tokens: dict[str, str] = {}
    deadline = time.monotonic() + timeout
    try:
        for role, index in ROLES.items():
            address = Account.from_key(dev_key(index)).address
            while True:
                try:
                    tokens[role] = keys.create(address, f"pilot {role}")[1]
                    break
                except PortLinkError:
                    if time.monotonic() > deadline:
                        raise PilotError(f"the index never saw the pilot member {role} ({address})") from None
                    time.sleep(0.2)
    finally:
        engine.dispose()
    return tokens


def wait_indexed(base_url: str, token: str, block: int, timeout: float = 120.0) -> None:
    """Wait until the API's index holds ``block``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        index = httpx.get(f"{base_url}/v1/health", timeout=10, headers={"Authorization": f"Bearer {token}"}).json()
        checkpoint = index["index"].get("checkpointBlock")
        if checkpoint is not None and checkpoint >= block:
            return
        time.sleep(0.1)
    raise PilotError(f"the index did not reach block {block} within {timeout:.0f}s")
