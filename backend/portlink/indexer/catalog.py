"""Every event of every contract in the deployment manifest, decoded generically from its ABI.

Nothing here names a PortLink event: a contract added to the manifest later (the trade-finance escrow, IoT) is
decoded as soon as the manifest lists it. Arguments become JSON-safe values: addresses EIP-55 checksummed,
``bytesN`` and ``bytes`` as ``0x`` hex, integers wider than 53 bits (``uint64`` and up) as decimal strings so
that no JSON reader rounds them, tuples as objects by component name. An indexed argument of a dynamic type
(``string``, ``bytes``, arrays, tuples) is only its keccak-256 in the log; it is stored as that hash.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_abi.abi import decode
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from portlink.deployment.manifest import Manifest, load_abi
from portlink.errors import ConfigurationError

_INT = re.compile(r"u?int(\d*)")
#: Integers up to this many bits are JSON numbers; wider ones decimal strings (JavaScript's safe range is 53).
_JSON_NUMBER_BITS = 48


def canonical_type(param: dict[str, Any]) -> str:
    """The ABI type of ``param`` as it appears in a signature (tuples spelled out)."""
    kind = str(param["type"])
    if kind.startswith("tuple"):
        inner = ",".join(canonical_type(c) for c in param.get("components") or [])
        return f"({inner}){kind[len('tuple') :]}"
    return kind


def _is_dynamic(kind: str) -> bool:
    return kind in ("string", "bytes") or kind.endswith("]") or kind.startswith("(")


def to_json(param: dict[str, Any], value: Any) -> Any:
    """``value`` decoded by eth-abi for ABI parameter ``param``, as a JSON-safe value."""
    kind = str(param["type"])
    if kind.endswith("]"):
        element = {**param, "type": kind[: kind.rindex("[")]}
        return [to_json(element, v) for v in value]
    if kind == "tuple":
        components = param.get("components") or []
        return {c.get("name") or str(i): to_json(c, v) for i, (c, v) in enumerate(zip(components, value, strict=True))}
    if kind == "address":
        return to_checksum_address(value)
    if kind == "bool" or kind == "string":
        return value
    if kind.startswith("bytes"):
        return "0x" + bytes(value).hex()
    match = _INT.fullmatch(kind)
    if match:
        bits = int(match.group(1) or 256)
        return int(value) if bits <= _JSON_NUMBER_BITS else str(int(value))
    return str(value)


@dataclass(frozen=True)
class EventType:
    """One event of one contract's ABI."""

    contract: str
    name: str
    signature: str
    topic0: str
    inputs: tuple[dict[str, Any], ...]
    _data_types: list[str] = field(default_factory=list)

    @classmethod
    def from_abi(cls, contract: str, item: dict[str, Any]) -> EventType:
        """The event ``item`` of ``contract``'s ABI."""
        inputs = tuple(item.get("inputs") or [])
        signature = f"{item['name']}({','.join(canonical_type(p) for p in inputs)})"
        data_types = [canonical_type(p) for p in inputs if not p.get("indexed")]
        return cls(contract, item["name"], signature, "0x" + keccak(text=signature).hex(), inputs, data_types)

    def decode(self, topics: list[str], data: str) -> dict[str, Any]:
        """The arguments of a log of this event, by name, JSON-safe."""
        indexed = [p for p in self.inputs if p.get("indexed")]
        if len(topics) != len(indexed) + 1:
            raise ValueError(f"{self.signature}: {len(topics) - 1} indexed topics, the ABI has {len(indexed)}")
        values = iter(decode(self._data_types, bytes.fromhex(data[2:])))
        topic_values = iter(topics[1:])
        args: dict[str, Any] = {}
        for i, param in enumerate(self.inputs):
            name = param.get("name") or str(i)
            if param.get("indexed"):
                topic = next(topic_values)
                kind = canonical_type(param)
                if _is_dynamic(kind):
                    args[name] = topic  # only the keccak-256 of the value is in the log
                else:
                    (value,) = decode([kind], bytes.fromhex(topic[2:]))
                    args[name] = to_json(param, value)
            else:
                args[name] = to_json(param, next(values))
        return args


class EventCatalog:
    """The events of every contract of a deployment, by emitting address and topic 0."""

    def __init__(self, contracts: dict[str, tuple[str, list[dict[str, Any]]]]) -> None:
        """``contracts``: contract name → (address, ABI)."""
        self.names: dict[str, str] = {}
        self._events: dict[tuple[str, str], EventType] = {}
        for name, (address, abi) in contracts.items():
            key = address.lower()
            self.names[key] = name
            for item in abi:
                if item.get("type") == "event" and not item.get("anonymous"):
                    event = EventType.from_abi(name, item)
                    self._events[(key, event.topic0)] = event

    @classmethod
    def from_manifest(cls, manifest: Manifest, manifest_path: Path) -> EventCatalog:
        """The catalog of every contract ``manifest`` lists (ABIs checked against their recorded SHA-256)."""
        return cls({name: (c.address, load_abi(manifest_path, c)) for name, c in manifest.contracts.items()})

    @property
    def addresses(self) -> list[str]:
        """Every contract address, lower-case, sorted."""
        return sorted(self.names)

    def event(self, address: str, topic0: str | None) -> EventType | None:
        """The event a log of ``address`` with first topic ``topic0`` is, if the ABI knows it."""
        if topic0 is None:
            return None
        return self._events.get((address.lower(), topic0.lower()))

    def event_types(self) -> list[EventType]:
        """Every known event."""
        return list(self._events.values())

    def require(self, contract: str, event: str) -> EventType:
        """The event called ``event`` of ``contract``; a :class:`ConfigurationError` naming what exists if not."""
        for e in self._events.values():
            if e.contract == contract and e.name == event:
                return e
        known = sorted({e.name for e in self._events.values() if e.contract == contract})
        raise ConfigurationError(f"{contract} has no event {event!r} (it has: {', '.join(known) or 'none'})")
