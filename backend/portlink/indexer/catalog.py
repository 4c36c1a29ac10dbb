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
from functools import cached_property
from pathlib import Path
from typing import Any

from eth_abi.abi import decode, default_codec
from eth_abi.decoding import ContextFramesBytesIO, TupleDecoder
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


def _topic_value(param: dict[str, Any], topic: str) -> Any:
    """An indexed argument from its 32-byte topic (static types read directly, the common case)."""
    kind = canonical_type(param)
    if _is_dynamic(kind):
        return topic  # only the keccak-256 of the value is in the log
    if kind == "address":
        return to_checksum_address("0x" + topic[-40:])
    if kind.startswith("bytes"):
        return topic[: 2 + 2 * int(kind[5:])]
    if kind.startswith("uint"):
        return to_json(param, int(topic, 16))
    (value,) = decode([kind], bytes.fromhex(topic[2:]))  # int (two's complement), bool
    return to_json(param, value)


_STATIC = re.compile(r"(u?int\d*|address|bool|bytes([1-9]|[12]\d|3[012]))")


def _word(kind: str, word: bytes) -> Any:
    """A static elementary ABI value from its 32-byte word, as eth-abi would decode it."""
    if kind == "address":
        return "0x" + word[12:].hex()
    if kind == "bool":
        return word[-1] == 1
    if kind.startswith("bytes"):
        return word[: int(kind[5:])]
    return int.from_bytes(word, "big", signed=kind.startswith("int"))


def _fast_decode(types: list[str], data: bytes) -> list[Any] | None:
    """Decode the common layouts (static elementary values, ``string``, ``bytes``, ``T[]`` of those) by slicing
    words; ``None`` for anything else (tuples, nested or fixed-size arrays) or malformed data."""
    values: list[Any] = []
    try:
        for i, kind in enumerate(types):
            head = data[32 * i : 32 * i + 32]
            if len(head) != 32:
                return None
            if _STATIC.fullmatch(kind):
                values.append(_word(kind, head))
                continue
            offset = int.from_bytes(head, "big")
            length = int.from_bytes(data[offset : offset + 32], "big")
            body = offset + 32
            if kind in ("string", "bytes"):
                raw = data[body : body + length]
                if len(raw) != length:
                    return None
                values.append(raw.decode("utf-8") if kind == "string" else raw)
            elif kind.endswith("[]") and _STATIC.fullmatch(kind[:-2]):
                words = data[body : body + 32 * length]
                if len(words) != 32 * length:
                    return None
                values.append([_word(kind[:-2], words[32 * j : 32 * j + 32]) for j in range(length)])
            else:
                return None
    except UnicodeDecodeError:
        return None
    return values


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

    @cached_property
    def _data_decoder(self) -> TupleDecoder:
        # eth-abi's decode() looks up and assembles the decoders on every call; an event's never change.
        registry = default_codec._registry
        return TupleDecoder(decoders=tuple(registry.get_decoder(t) for t in self._data_types))  # type: ignore[no-untyped-call]

    def decode(self, topics: list[str], data: str) -> dict[str, Any]:
        """The arguments of a log of this event, by name, JSON-safe."""
        indexed = [p for p in self.inputs if p.get("indexed")]
        if len(topics) != len(indexed) + 1:
            raise ValueError(f"{self.signature}: {len(topics) - 1} indexed topics, the ABI has {len(indexed)}")
        raw = bytes.fromhex(data[2:])
        fast = _fast_decode(self._data_types, raw)
        if fast is None:
            stream = ContextFramesBytesIO(raw)  # type: ignore[no-untyped-call]
            fast = list(self._data_decoder(stream))
        values = iter(fast)
        topic_values = iter(topics[1:])
        args: dict[str, Any] = {}
        for i, param in enumerate(self.inputs):
            name = param.get("name") or str(i)
            if param.get("indexed"):
                args[name] = _topic_value(param, next(topic_values))
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
