"""Telemetry over HTTP: readings per second `POST /v1/telemetry` accepts end to end on a real stack — Anvil with the
pilot deployment, the API (uvicorn, SQLite) with the gateway's custodial key — each request's batch anchored and its
breaches posted as operations. Run by `bench/telemetry.py --http`, which writes it into the same report beside the
in-process numbers, so the cost of HTTP, JSON and the operations shows against the ingest itself.
"""

from __future__ import annotations

import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from eth_account import Account
from eth_utils.crypto import keccak
from portlink.api.app import create_app
from portlink.chain.artifacts import load_artifacts
from portlink.chain.client import NodeAccountSigner
from portlink.chain.devnode import DevNode
from portlink.chain.keystore import write_key_file
from portlink.deployment.deploy import deploy
from portlink.deployment.seed import load_seed
from portlink.domain.eip712 import Eip712Domain, sign_typed_data
from portlink.domain.iot import DeviceKind, Reading, Rule, Rules, reading_typed_data
from portlink.domain.shipments import BillOfLading, bill_of_lading_typed_data
from portlink.manifest import IOT, SHIPMENTS
from portlink.services.runtime import Runtime
from portlink.settings import Settings
from web3 import Web3

MNEMONIC = "test test test test test test test test test test test junk"
SHIPPER, GATEWAY = 8, 12  # deployments/pilot.yaml
PASSPHRASE = "bench only"  # noqa: S105 - a throwaway keystore in a temporary folder
RULES = Rules(enabled=Rule.TEMPERATURE, min_temperature=200, max_temperature=800)

Account.enable_unaudited_hdwallet_features()


def _key(index: int) -> bytes:
    return bytes(Account.from_mnemonic(MNEMONIC, account_path=f"m/44'/60'/0'/0/{index}").key)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _send(w3: Web3, key: bytes, fn: Any) -> None:
    sender = Account.from_key(key).address
    tx = fn.build_transaction({"from": sender, "nonce": w3.eth.get_transaction_count(sender, "pending")})
    raw = Account.sign_transaction(tx, key).raw_transaction
    assert w3.eth.wait_for_transaction_receipt(w3.eth.send_raw_transaction(raw))["status"] == 1


def http_rate(root: Path, readings: int, devices: int, batch: int) -> dict[str, Any]:
    """Readings per second through `POST /v1/telemetry` (``batch`` a request), on a fresh chain and API."""
    folder = Path(tempfile.mkdtemp(prefix="portlink-bench-telemetry-"))
    node = DevNode(
        "anvil",
        host="127.0.0.1",
        port=_free_port(),
        chain_id=31337,
        state_path=folder / "anvil.json",
        log_path=folder / "anvil.log",
    )
    with node:
        w3 = Web3(Web3.HTTPProvider(node.rpc_url, request_kwargs={"timeout": 60}))
        seed, sha = load_seed(root / "deployments" / "pilot.yaml")
        artifacts = load_artifacts(root / ".build" / "__local__.json")
        deployed = deploy(
            w3, NodeAccountSigner(w3.eth.accounts[0]), artifacts, seed, sha, folder / "deployment" / "manifest.json"
        )
        for index in (SHIPPER, GATEWAY):  # Anvil funds accounts 0-9 only
            address = Account.from_key(_key(index)).address
            w3.eth.wait_for_transaction_receipt(
                w3.eth.send_transaction({"from": w3.eth.accounts[0], "to": address, "value": 10**21})
            )
        write_key_file(folder / "keystore", _key(GATEWAY), PASSPHRASE)
        manifest = deployed.manifest
        iot = w3.eth.contract(address=manifest.contract(IOT).address, abi=artifacts[IOT].abi)
        registry = w3.eth.contract(address=manifest.contract(SHIPMENTS).address, abi=artifacts[SHIPMENTS].abi)
        carrier, consignee = (Account.from_key(_key(i)).address for i in (7, 9))
        container = "CSQU3054383"
        boxes = [(container.encode(), 20_000, [b"SL1".ljust(16, b"\0")])]
        registration = (consignee, carrier, b"CNSHK", b"CNSUD", "BENCH0001", bytes(32), boxes)
        shipper = Account.from_key(_key(SHIPPER)).address
        bill = bill_of_lading_typed_data(
            Eip712Domain.from_erc5267(registry.functions.eip712Domain().call()),
            BillOfLading(carrier, "BENCH0001", shipper, consignee, "CNSHK", "CNSUD", (container,), 2**48),
        )
        attestation = sign_typed_data(_key(7), bill)  # the carrier issued the B/L to the shipper
        _send(w3, _key(SHIPPER), registry.functions.register(registration, 2**48, attestation))
        sid = registry.functions.shipmentIdOf(carrier, "BENCH0001").call()
        gateway = Account.from_key(_key(GATEWAY)).address
        _send(w3, _key(SHIPPER), iot.functions.authoriseGateway(sid, gateway, True))
        _send(w3, _key(SHIPPER), iot.functions.setRules(sid, RULES.to_chain()))
        domain = Eip712Domain.from_erc5267(iot.functions.eip712Domain().call())
        keys = [keccak(text=f"http bench device {i}") for i in range(devices)]
        ids = [keccak(text=f"http bench device id {i}") for i in range(devices)]
        for device_id, key in zip(ids, keys, strict=True):
            signer = Account.from_key(key).address
            _send(w3, _key(GATEWAY), iot.functions.registerDevice(device_id, signer, int(DeviceKind.TEMPERATURE)))
            _send(w3, _key(GATEWAY), iot.functions.bindDevice(device_id, sid, 0))
        now = int(time.time())
        bodies = []
        for start in range(0, readings, batch):
            items = []
            for n in range(start, min(start + batch, readings)):
                i = n % devices
                # In range but for one reading in 200, which breaks the rule (posted as its own operation).
                value = 900 if n % 200 == 199 else 400 + n % 300
                reading = Reading(ids[i], container, DeviceKind.TEMPERATURE, value, now, n // devices + 1)
                signature = sign_typed_data(keys[i], reading_typed_data(domain, reading))
                items.append(
                    {
                        "deviceId": "0x" + ids[i].hex(),
                        "container": container,
                        "kind": "TEMPERATURE",
                        "value": value,
                        "timestamp": now,
                        "sequence": reading.sequence,
                        "signature": "0x" + signature.hex(),
                    }
                )
            bodies.append({"readings": items})

        settings = Settings(
            _env_file=None,
            rpc_url=node.rpc_url,
            manifest_path=folder / "deployment" / "manifest.json",
            database_url=f"sqlite:///{folder}/api.sqlite",
            api_keystore_path=folder / "keystore",
            api_keystore_passphrase=PASSPHRASE,
        )
        runtime = Runtime(settings)
        config = uvicorn.Config(create_app(runtime=runtime), host="127.0.0.1", port=_free_port(), log_level="warning")
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        try:
            while not server.started:
                time.sleep(0.02)
            url = f"http://127.0.0.1:{server.config.port}"
            deadline = time.monotonic() + 60
            while runtime.consortium.member(gateway) is None:  # the index must know the gateway's role
                assert time.monotonic() < deadline, "the index never saw the pilot gateway"
                time.sleep(0.05)
            _, token = runtime.keys.create(gateway)
            with httpx.Client(base_url=url, timeout=120, headers={"Authorization": f"Bearer {token}"}) as client:
                accepted = 0
                t0 = time.perf_counter()
                for k, body in enumerate(bodies):
                    response = client.post("/v1/telemetry", json=body, headers={"Idempotency-Key": f"bench-{k}"})
                    assert response.status_code == 202, response.text
                    accepted += sum(o["accepted"] for o in response.json()["outcomes"])
                seconds = time.perf_counter() - t0
            assert accepted == readings, accepted
            return {"seconds": round(seconds, 3), "per_s": round(readings / seconds), "requests": len(bodies)}
        finally:
            server.should_exit = True  # the app's lifespan stops the runtime's threads
            thread.join(15)
