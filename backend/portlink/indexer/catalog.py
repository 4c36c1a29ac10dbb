"""Every event of every contract in the deployment manifest, decoded generically from its ABI.

Nothing here names a PortLink event: a contract added to the manifest later (the trade-finance escrow, IoT) is
decoded as soon as the manifest lists it. Arguments become JSON-safe values: addresses EIP-55 checksummed,
``bytesN`` and ``bytes`` as ``0x`` hex, integers wider than 48 bits (``uint64`` and up) as decimal strings so
that no JSON reader rounds them, tuples as objects by component name. An indexed argument of a dynamic type
(``string``, ``bytes``, arrays, tuples) is only its keccak-256 in the log; it is stored as that hash.

A *vocabulary* (:data:`Vocabulary`) can be laid over that per ABI parameter; the manifest's catalog takes
PortLink's (:mod:`portlink.domain.readable`: UN/LOCODEs and reason codes as text, enums by name, times as numbers).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from eth_abi.abi import default_codec
from eth_abi.decoding import ContextFramesBytesIO, TupleDecoder
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from portlink.domain import readable
from portlink.errors import ConfigurationError
from portlink.manifest import Manifest, load_abi

_INT = re.compile(r"u?int(\d*)")
#: For an ABI parameter (and its event's name), how to turn its generic JSON value into the one people read.
Vocabulary = Callable[[dict[str, Any], str | None], Callable[[Any], Any] | None]
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
        return checksum(value.lower())
    if kind == "bool" or kind == "string":
        return value
    if kind.startswith("bytes"):
        return "0x" + bytes(value).hex()
    match = _INT.fullmatch(kind)
    if match:
        bits = int(match.group(1) or 256)
        return int(value) if bits <= _JSON_NUMBER_BITS else str(int(value))
    return str(value)


_STATIC = re.compile(r"(u?int\d*|address|bool|bytes([1-9]|[12]\d|3[012]))")

#: A JSON value from one 64-hex-digit ABI word.
WordReader = Callable[[str], Any]


@lru_cache(maxsize=1 << 16)
def checksum(address: str) -> str:
    """``address`` EIP-55 checksummed (cached: the same members and contracts appear in log after log, and each
    checksum costs a keccak-256)."""
    return to_checksum_address(address)


def _word_reader(param: dict[str, Any]) -> WordReader | None:
    """How to read a static elementary value of ``param``'s type straight from its word in hex, JSON-safe, as
    :func:`to_json` of eth-abi's decoding would give it; ``None`` for any other type."""
    kind = canonical_type(param)
    if not _STATIC.fullmatch(kind):
        return None
    if kind == "address":
        return lambda word: checksum("0x" + word[24:])
    if kind == "bool":
        return lambda word: word[-2:] == "01"
    if kind.startswith("bytes"):
        digits = 2 * int(kind[5:])
        return lambda word: "0x" + word[:digits]
    match = _INT.fullmatch(kind)
    assert match is not None
    bits = int(match.group(1) or 256)
    number = bits <= _JSON_NUMBER_BITS
    if kind.startswith("uint"):
        return (lambda word: int(word, 16)) if number else (lambda word: str(int(word, 16)))

    def signed(word: str) -> Any:
        value = int(word, 16)
        if value >= 1 << 255:
            value -= 1 << 256
        return value if number else str(value)

    return signed


class _MalformedError(Exception):
    """The data does not hold what the layout says: let eth-abi decode it (and raise its error)."""


def _data_reader(param: dict[str, Any]) -> Callable[[str, int], Any] | None:
    """How to read the data argument of ``param`` whose head word starts at hex digit ``at`` of the data (without
    ``0x``): static elementary values, ``string``, ``bytes`` and ``T[]`` of static elementary ``T``; ``None``
    for anything else (tuples, nested or fixed-size arrays), which eth-abi decodes."""
    kind = canonical_type(param)
    word = _word_reader(param)
    if word is not None:
        read = word

        def static(data: str, at: int) -> Any:
            head = data[at : at + 64]
            if len(head) != 64:
                raise _MalformedError
            return read(head)

        return static

    def body(data: str, at: int) -> tuple[int, int]:
        head = data[at : at + 64]
        if len(head) != 64:
            raise _MalformedError
        offset = 2 * int(head, 16)
        length = data[offset : offset + 64]
        if len(length) != 64:
            raise _MalformedError
        return offset + 64, int(length, 16)

    if kind in ("string", "bytes"):
        text = kind == "string"

        def dynamic(data: str, at: int) -> Any:
            start, length = body(data, at)
            raw = data[start : start + 2 * length]
            if len(raw) != 2 * length:
                raise _MalformedError
            if not text:
                return "0x" + raw
            try:
                return bytes.fromhex(raw).decode("utf-8")
            except (UnicodeDecodeError, ValueError):
                raise _MalformedError from None

        return dynamic
    element = _word_reader({**param, "type": kind[:-2]}) if kind.endswith("[]") else None
    if element is None:
        return None
    read_element = element

    def array(data: str, at: int) -> Any:
        start, length = body(data, at)
        words = data[start : start + 64 * length]
        if len(words) != 64 * length:
            raise _MalformedError
        return [read_element(words[i : i + 64]) for i in range(0, 64 * length, 64)]

    return array


@dataclass(frozen=True)
class EventType:
    """One event of one contract's ABI."""

    contract: str
    name: str
    signature: str
    topic0: str
    inputs: tuple[dict[str, Any], ...]
    _data_types: list[str] = field(default_factory=list)
    vocabulary: Vocabulary | None = field(default=None, compare=False)

    @classmethod
    def from_abi(cls, contract: str, item: dict[str, Any], vocabulary: Vocabulary | None = None) -> EventType:
        """The event ``item`` of ``contract``'s ABI (its values read with ``vocabulary``, if given)."""
        inputs = tuple(item.get("inputs") or [])
        signature = f"{item['name']}({','.join(canonical_type(p) for p in inputs)})"
        data_types = [canonical_type(p) for p in inputs if not p.get("indexed")]
        topic0 = "0x" + keccak(text=signature).hex()
        return cls(contract, item["name"], signature, topic0, inputs, data_types, vocabulary)

    @cached_property
    def _readers(self) -> list[tuple[str, Callable[[Any], Any]]]:
        """The vocabulary's readers of this event's arguments, by name (those it reads as decoded left out)."""
        if self.vocabulary is None:
            return []
        readers = []
        for i, param in enumerate(self.inputs):
            # An indexed reference type is only its hash in the log: nothing to read.
            if param.get("indexed") and _word_reader(param) is None:
                continue
            read = self.vocabulary(param, self.name)
            if read is not None:
                readers.append((param.get("name") or str(i), read))
        return readers

    @cached_property
    def _data_decoder(self) -> TupleDecoder:
        # eth-abi's decode() looks up and assembles the decoders on every call; an event's never change.
        registry = default_codec._registry
        return TupleDecoder(decoders=tuple(registry.get_decoder(t) for t in self._data_types))  # type: ignore[no-untyped-call]

    @cached_property
    def _plan(
        self,
    ) -> tuple[list[tuple[str, WordReader]], list[tuple[str, Any, dict[str, Any]]], bool, list[str] | None]:
        """How to read each argument, worked out once: indexed ones from their topic, the others from the data
        (by word slicing when every data argument has a reader, else all by eth-abi), and the ABI's order of the
        names if it is not indexed ones first."""
        topics: list[tuple[str, WordReader]] = []
        data: list[tuple[str, Any, dict[str, Any]]] = []
        for i, param in enumerate(self.inputs):
            name = param.get("name") or str(i)
            if param.get("indexed"):
                word = _word_reader(param)  # None: a reference type, of which the topic is only the keccak-256
                topics.append((name, (lambda topic: topic) if word is None else _on_topic(word)))
            else:
                data.append((name, _data_reader(param), param))
        fast = all(reader is not None for _, reader, _ in data)
        order = [p.get("name") or str(i) for i, p in enumerate(self.inputs)]
        read_order = [name for name, _ in topics] + [name for name, _, _ in data]
        return topics, data, fast, None if order == read_order else order

    def decode(self, topics: list[str], data: str) -> dict[str, Any]:
        """The arguments of a log of this event, by name, JSON-safe."""
        indexed, readers, fast, order = self._plan
        if len(topics) != len(indexed) + 1:
            raise ValueError(f"{self.signature}: {len(topics) - 1} indexed topics, the ABI has {len(indexed)}")
        values = {name: read(topic) for (name, read), topic in zip(indexed, topics[1:], strict=True)}
        hexdata = data[2:].lower()
        try:
            if not fast:
                raise _MalformedError
            for i, (name, read, _) in enumerate(readers):
                values[name] = read(hexdata, 64 * i)
        except _MalformedError:
            stream = ContextFramesBytesIO(bytes.fromhex(hexdata))  # type: ignore[no-untyped-call]
            decoded = self._data_decoder(stream)
            for (name, _, param), value in zip(readers, decoded, strict=True):
                values[name] = to_json(param, value)
        for name, read in self._readers:
            values[name] = read(values[name])
        if order is None:
            return values
        return {name: values[name] for name in order}  # the ABI's order, as eth-abi lists them


def _on_topic(word: WordReader) -> WordReader:
    return lambda topic: word(topic[2:])


class EventCatalog:
    """The events of every contract of a deployment, by emitting address and topic 0."""

    def __init__(
        self, contracts: dict[str, tuple[str, list[dict[str, Any]]]], vocabulary: Vocabulary | None = None
    ) -> None:
        """``contracts``: contract name → (address, ABI); ``vocabulary``: how their values read (none: generic)."""
        self.contracts, self.vocabulary = contracts, vocabulary
        self.names: dict[str, str] = {}
        self._events: dict[tuple[str, str], EventType] = {}
        for name, (address, abi) in contracts.items():
            key = address.lower()
            self.names[key] = name
            for item in abi:
                if item.get("type") == "event" and not item.get("anonymous"):
                    event = EventType.from_abi(name, item, vocabulary)
                    self._events[(key, event.topic0)] = event

    @classmethod
    def from_manifest(cls, manifest: Manifest, manifest_path: Path) -> EventCatalog:
        """The catalog of every contract ``manifest`` lists (ABIs checked against their recorded SHA-256), its
        values read with PortLink's vocabulary (:func:`portlink.domain.readable.reader`)."""
        contracts = {name: (c.address, load_abi(manifest_path, c)) for name, c in manifest.contracts.items()}
        return cls(contracts, readable.reader)

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
