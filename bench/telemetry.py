"""Telemetry ingest benchmark: readings per second the backend accepts (device signature checked, sequence,
binding and rules evaluated, batched), against a plain eth-account baseline measured in the same run, and the
same through `POST /v1/telemetry` on Anvil and the API (`--http-readings`, 0 to skip).

    .venv/bin/python bench/telemetry.py [--readings 20000] [--devices 50] [--report docs/benchmarks-telemetry.md]

(a) baseline: per reading, eth-account's typed-data encoding and `Account.recover_message`, then the rule check;
(b) PortLink's `TelemetryIngestor.ingest` in gateway batches of 500, Merkle batch sealed at the end.
Both check the same signatures; the readings are signed beforehand (signing is the devices' work, not ours).
Writes the results to the report (`make bench` commits them to docs/) and prints them as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from portlink.chain.iot import DeviceRecord
from portlink.domain.eip712 import Eip712Domain, sign_typed_data
from portlink.domain.iot import DeviceKind, Reading, Rule, Rules, broken_rule, reading_typed_data
from portlink.telemetry.ingest import SignedReading, TelemetryIngestor

GATEWAY = to_checksum_address("0x" + "ab" * 20)
SHIPMENT = keccak(text="bench shipment")
CONTAINER = "CSQU3054383"
RULES = Rules(enabled=Rule.TEMPERATURE, min_temperature=200, max_temperature=800)
DOMAIN = Eip712Domain(15, "PortLink IoT Monitor", "1", 31337, to_checksum_address("0x" + "cd" * 20), b"")
BATCH = 500
ROOT = Path(__file__).resolve().parents[1]


class Directory:
    def __init__(self, devices: dict[bytes, DeviceRecord]) -> None:
        self.devices = devices

    def device(self, device_id: bytes) -> DeviceRecord | None:
        return self.devices.get(device_id)

    def rules(self, shipment_id: bytes) -> Rules:
        return RULES

    def authorised(self, shipment_id: bytes, gateway: str) -> bool:
        return gateway == GATEWAY


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readings", type=int, default=20_000)
    parser.add_argument("--devices", type=int, default=50)
    parser.add_argument("--report", type=Path, default=ROOT / "docs" / "benchmarks-telemetry.md")
    parser.add_argument("--http-readings", type=int, default=5_000, help="through POST /v1/telemetry (0: skip)")
    args = parser.parse_args()

    keys = [keccak(text=f"bench device {i}") for i in range(args.devices)]
    ids = [keccak(text=f"bench device id {i}") for i in range(args.devices)]
    devices = {
        device_id: DeviceRecord(
            device_id, True, DeviceKind.TEMPERATURE, GATEWAY, Account.from_key(key).address, SHIPMENT, CONTAINER, 0
        )
        for device_id, key in zip(ids, keys, strict=True)
    }
    readings: list[SignedReading] = []
    for n in range(args.readings):
        i = n % args.devices
        reading = Reading(
            ids[i], CONTAINER, DeviceKind.TEMPERATURE, 400 + n % 500, 1_700_000_000 + n, n // args.devices + 1
        )
        readings.append(SignedReading(reading, sign_typed_data(keys[i], reading_typed_data(DOMAIN, reading))))

    start = time.perf_counter()
    baseline_ok = 0
    for item in readings:
        message = encode_typed_data(full_message=reading_typed_data(DOMAIN, item.reading))
        signer = Account.recover_message(message, signature=item.signature)
        if signer == devices[item.reading.device_id].signer:
            broken_rule(RULES, item.reading.kind, item.reading.value)
            baseline_ok += 1
    baseline = time.perf_counter() - start

    ingestor = TelemetryIngestor(Directory(devices), DOMAIN, clock=lambda: 2_000_000_000.0)
    start = time.perf_counter()
    accepted = breaches = 0
    for k in range(0, len(readings), BATCH):
        for outcome in ingestor.ingest(GATEWAY, readings[k : k + BATCH]):
            accepted += outcome.accepted
            breaches += bool(outcome.breach)
    sealed = ingestor.seal(GATEWAY)
    portlink = time.perf_counter() - start
    assert accepted == baseline_ok == args.readings, (accepted, baseline_ok)
    assert sealed is not None
    assert sealed.count == args.readings

    results = {
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "readings": args.readings,
        "devices": args.devices,
        "breaches": breaches,
        "baseline": {"seconds": round(baseline, 3), "per_s": round(args.readings / baseline)},
        "portlink": {"seconds": round(portlink, 3), "per_s": round(args.readings / portlink)},
    }
    if args.http_readings:
        from telemetry_http import http_rate  # starts Anvil and the API: imported only when asked

        results["http"] = {"readings": args.http_readings, **http_rate(ROOT, args.http_readings, 10, BATCH)}
    write_report(args.report, results)
    print(json.dumps(results, indent=2))


def write_report(path: Path, r: dict[str, Any]) -> None:
    speedup = r["baseline"]["seconds"] / r["portlink"]["seconds"]
    lines = [
        "# Telemetry ingest benchmark",
        "",
        "Written by `make bench` (`bench/telemetry.py`); rerun it after changing `portlink.telemetry` or",
        "`portlink.domain.iot` and commit the new numbers. Compare the ratio, not the absolute numbers, across runs.",
        "",
        "Readings per second the backend accepts — the device's EIP-712 signature recovered and checked, binding,",
        "authorisation, sequence and clock checked, the shipment's rules evaluated, every reading sealed into one",
        "Merkle batch at the end — against a baseline doing per reading what a plain eth-account program would",
        "(`encode_typed_data` + `Account.recover_message`, then the rule check), in the same run.",
        "",
        f"Run {r['when']} on {r['machine']}; {r['readings']:,} readings from {r['devices']} devices "
        f"({r['breaches']:,} breaches), gateway batches of {BATCH}.",
        "",
        "| | seconds | readings/s | |",
        "|---|---:|---:|---:|",
        f"| baseline: eth-account typed data + recover | {r['baseline']['seconds']:.2f} | "
        f"{r['baseline']['per_s']:,} | 1.0x |",
        f"| PortLink `TelemetryIngestor`, sealed | {r['portlink']['seconds']:.2f} | {r['portlink']['per_s']:,} | "
        f"{speedup:.1f}x |",
        *(
            [
                f"| `POST /v1/telemetry` on Anvil + API (SQLite), {r['http']['readings']:,} readings in "
                f"{r['http']['requests']} requests, batch anchored and breaches posted per request | "
                f"{r['http']['seconds']:.2f} | {r['http']['per_s']:,} | |"
            ]
            if "http" in r
            else []
        ),
        "",
        "The HTTP row is the same work behind `POST /v1/telemetry` on a real stack (`bench/telemetry_http.py`:",
        "Anvil with the pilot deployment, the API on uvicorn with SQLite): JSON and pydantic validation of every",
        "reading, the idempotency record, and per request an `anchorBatch` operation plus one `reportBreach` per",
        "breach (one reading in 200 breaks the rule), signed with the gateway's custodial key and broadcast.",
        "",
        "Where the time goes (cProfile, 2026-12-01): secp256k1 public-key recovery (libsecp256k1 through coincurve,",
        "about 80 us) is about a fifth; the rest is three keccak-256 per reading (struct hash, digest, address)",
        "through eth-hash's pycryptodome backend and the ISO 6346 check of the container. The struct hash is encoded",
        "by hand (no eth-abi) and cached for the Merkle leaf.",
        "",
        "Gas per batch versus per-reading anchoring is in `snapshots/gas-iot.json` (see [iot.md](iot.md#gas)): a",
        "batch is about 82k gas whatever its size; each reading posted on its own costs 161k-196k.",
        "",
    ]
    path.write_text("\n".join(lines))


if __name__ == "__main__":
    main()
