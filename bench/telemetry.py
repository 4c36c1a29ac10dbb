"""Telemetry ingest benchmark: readings per second the backend accepts (device signature checked, sequence,
binding and rules evaluated, batched), against a plain eth-account baseline measured in the same run.

    .venv/bin/python bench/telemetry.py [--readings 20000] [--devices 50]

(a) baseline: per reading, eth-account's typed-data encoding and `Account.recover_message`, then the rule check;
(b) PortLink's `TelemetryIngestor.ingest` in gateway batches of 500, Merkle batch sealed at the end.
Both check the same signatures; the readings are signed beforehand (signing is the devices' work, not ours).
Prints one JSON document.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from datetime import UTC, datetime

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

    print(
        json.dumps(
            {
                "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
                "machine": f"{platform.machine()}, Python {platform.python_version()}",
                "readings": args.readings,
                "devices": args.devices,
                "breaches": breaches,
                "baseline_eth_account": {
                    "seconds": round(baseline, 3),
                    "readings_per_s": round(args.readings / baseline),
                },
                "portlink_ingest": {"seconds": round(portlink, 3), "readings_per_s": round(args.readings / portlink)},
                "speedup": round(baseline / portlink, 2),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
