"""The deployed contracts as the services use them: calldata from the manifest ABIs, return values and custom
errors decoded from them, and each custom error's stable RFC 9457 problem type and HTTP status.

Problem types are derived from the ABIs, never listed by hand: the component prefix of an error is dropped and
the rest written in kebab case (``EscrowShipmentAlreadyFinanced`` → ``/problems/shipment-already-financed``);
the shipment and transport call registries' errors keep their noun (``ShipmentUnknown`` →
``/problems/shipment-unknown``, ``TransportCallUnknown`` → ``/problems/transport-call-unknown``).
The status follows from the name: unauthorised or not the right party → 403, unknown → 404, a state that does not
allow it (already, unexpected state, on hold, stale, locked, expired...) → 409, anything else → 422.

The title is a sentence: the error's NatSpec ``@notice`` (its first clause, arguments named in words:
``EscrowAlertsOpen`` → "IoT alerts on the shipment are open"), read from the compiled contracts when they are the
ones the manifest records as deployed (same creation bytecode); otherwise the name in words ("ERC20 insufficient
balance"). The error's own name stays in the problem's ``error`` member.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from eth_abi.abi import decode, encode
from eth_utils.crypto import keccak

from portlink.chain.artifacts import load_artifacts
from portlink.chain.gateway import ChainGateway
from portlink.domain import readable
from portlink.domain.eip712 import Eip712Domain
from portlink.errors import ArtifactsError, ConfigurationError
from portlink.indexer.catalog import canonical_type, to_json
from portlink.manifest import Manifest, load_abi

PREFIXES = ("Governance", "Consortium", "Clearance", "IoT", "Settlement", "Shipment", "TransportCall", "Escrow")
#: Components whose problem types keep their noun (``ShipmentUnknown`` → ``/problems/shipment-unknown``).
NOUNS = ("Shipment", "TransportCall")
_CONFLICT_WORDS = (
    "Already",
    "Exists",
    "Unexpected",
    "OnHold",
    "AlertsOpen",
    "InUse",
    "Locked",
    "Stale",
    "NotCleared",
    "NotHeld",
    "ApprovalsMissing",
    "NotActive",
    "Expired",
    "NotDue",
    "NotMatured",
    "NotMet",
    "HasAuthority",
    "Passed",
    "Nothing",
    "NotGranted",
    "Completed",
    "Revoked",
    "Unbound",
    "Closed",
)
_NOT_A_PARTY = re.compile(
    r"Not(Filer|Carrier|Exporter|Financier|Repayer|Pauser|Proposer|PortAuthority|DocumentParty|DeviceGateway"
    r"|RuleSetter|ShipmentCustoms|Issuer|CallCarrier|ShipmentCarrier)$"
)


def _kebab(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "-", name).lower()


def _words(name: str) -> str:
    """``openAlerts`` → ``open alerts``; acronyms and numbers stay (``ERC20InsufficientBalance`` → ``ERC20
    insufficient balance``)."""
    parts = re.findall(r"[A-Z0-9]+(?![a-z])|[A-Z]?[a-z0-9]+", name)
    return " ".join(p if p.isupper() or any(c.isdigit() for c in p) else p.lower() for p in parts)


def _sentence(text: str) -> str:
    text = text.strip().rstrip(".").strip()
    return text[:1].upper() + text[1:]


def title_of(name: str, notice: str | None, inputs: tuple[str, ...] = ()) -> str:
    """The problem title of custom error ``name``: the first clause of its NatSpec ``notice`` (remarks in
    parentheses that name code dropped, a one-word argument named as "the account"), or the name in words."""
    if not notice:
        return _sentence(_words(name))
    text = " ".join(notice.split())
    text = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0]
    text = re.split(r":\s|;\s", text, maxsplit=1)[0]
    text = re.sub(r"\s*\([^()]*`[^()]*\)", "", text)

    def named(match: re.Match[str]) -> str:
        word = match.group(1)
        return f"the {word}" if word in inputs and word.isalpha() and word.islower() else word

    return _sentence(re.sub(r"`([^`]+)`", named, text))


@dataclass(frozen=True)
class ErrorType:
    """One custom error of a contract ABI, with the problem it maps to."""

    contract: str
    name: str
    inputs: tuple[dict[str, Any], ...]
    #: The NatSpec ``@notice`` of the error, when the compiled contracts are at hand.
    notice: str | None = None

    @property
    def signature(self) -> str:
        """``Name(type,...)``."""
        return f"{self.name}({','.join(canonical_type(i) for i in self.inputs)})"

    @property
    def title(self) -> str:
        """The problem's title: a sentence (:func:`title_of`)."""
        return title_of(self.name, self.notice, tuple(str(i.get("name") or "") for i in self.inputs))

    @property
    def selector(self) -> bytes:
        """The 4-byte selector of the error."""
        return keccak(text=self.signature)[:4]

    @property
    def rest(self) -> str:
        """The name without its component prefix."""
        for prefix in PREFIXES:
            if self.name.startswith(prefix) and len(self.name) > len(prefix) and self.name[len(prefix)].isupper():
                return self.name[len(prefix) :]
        return self.name

    @property
    def problem_type(self) -> str:
        """The stable problem type URI (relative), e.g. ``/problems/shipment-already-financed``."""
        rest = self.rest
        for noun in NOUNS:
            if self.name.startswith(noun) and self.name != rest and not rest.startswith(noun):
                rest = noun + rest
        return "/problems/" + _kebab(rest)

    @property
    def status(self) -> int:
        """The HTTP status of the problem."""
        rest = self.rest
        if "Unauthorized" in rest or "NotAuthorised" in rest or "Only" in rest or _NOT_A_PARTY.search(rest):
            return 403
        if rest.startswith("Unknown") or rest == "Unknown":
            return 404
        if any(word in rest for word in _CONFLICT_WORDS):
            return 409
        return 422

    def decode(self, data: bytes) -> dict[str, Any]:
        """The error's arguments from its revert data after the selector, as people read them (the ports, codes
        and enum names of :mod:`portlink.domain.readable`)."""
        types = [canonical_type(i) for i in self.inputs]
        values = decode(types, data)
        args = {}
        for n, (param, value) in enumerate(zip(self.inputs, values, strict=True)):
            read = readable.reader(param)
            args[param.get("name") or str(n)] = to_json(param, value) if read is None else read(to_json(param, value))
        return args


@dataclass(frozen=True)
class DecodedError:
    """A revert decoded against the manifest ABIs."""

    problem_type: str
    status: int
    name: str
    contract: str | None
    args: dict[str, Any]
    title: str = "The chain refused the transaction"


class Contracts:
    """Addresses, functions and errors of every manifest contract."""

    def __init__(self, manifest: Manifest, manifest_path: Path, *, artifacts_path: Path | None = None) -> None:
        """``artifacts_path``: the compiled contracts, for the errors' NatSpec (titles), if at hand."""
        self.manifest = manifest
        self.addresses: dict[str, str] = {n: c.address for n, c in manifest.contracts.items()}
        self.abis: dict[str, list[dict[str, Any]]] = {
            n: load_abi(manifest_path, c) for n, c in manifest.contracts.items()
        }
        notices = self._notices(artifacts_path) if artifacts_path is not None else {}
        self.errors: dict[bytes, ErrorType] = {}
        for contract, abi in self.abis.items():
            for item in abi:
                if item.get("type") == "error":
                    error = ErrorType(contract, item["name"], tuple(item.get("inputs") or []))
                    error = replace(error, notice=notices.get((contract, error.signature)))
                    self.errors.setdefault(error.selector, error)

    def _notices(self, artifacts_path: Path) -> dict[tuple[str, str], str]:
        """The ``@notice`` of each error, by (contract, signature), from the compiled contracts that are the
        deployed ones (the same creation bytecode as the manifest records)."""
        try:
            artifacts = load_artifacts(artifacts_path)
        except ArtifactsError:
            return {}
        notices: dict[tuple[str, str], str] = {}
        for name, deployed in self.manifest.contracts.items():
            artifact = artifacts.get(name)
            if artifact is None or artifact.bytecode_hash != deployed.bytecode_hash:
                continue
            for signature, docs in (artifact.userdoc.get("errors") or {}).items():
                notice = next((d.get("notice") for d in docs if d.get("notice")), None)
                if notice:
                    notices[(name, signature)] = str(notice)
        return notices

    def _function(self, contract: str, function: str, arity: int | None = None) -> dict[str, Any]:
        """The ABI entry of ``function`` (with ``arity`` inputs, for overloaded names)."""
        abi = self.abis.get(contract)
        if abi is None:
            raise ConfigurationError(f"the manifest has no contract {contract!r}")
        for item in abi:
            if (
                item.get("type") == "function"
                and item.get("name") == function
                and (arity is None or len(item.get("inputs") or []) == arity)
            ):
                return item
        raise ConfigurationError(f"{contract} has no function {function!r}")

    def calldata(self, contract: str, function: str, args: list[Any]) -> bytes:
        """ABI-encoded call of ``contract.function(*args)``."""
        item = self._function(contract, function, len(args))
        types = [canonical_type(i) for i in item.get("inputs") or []]
        selector = keccak(text=f"{function}({','.join(types)})")[:4]
        return selector + encode(types, args)

    def decode_output(self, contract: str, function: str, data: bytes, arity: int | None = None) -> list[Any]:
        """The return values of a call (JSON-safe)."""
        item = self._function(contract, function, arity)
        outputs = item.get("outputs") or []
        values = decode([canonical_type(o) for o in outputs], data)
        return [to_json(o, v) for o, v in zip(outputs, values, strict=True)]

    def decode_error(self, data: bytes, fallback: str = "") -> DecodedError:
        """The custom error in revert ``data``; an ``Error(string)`` or undecodable revert as a 422 problem."""
        error = self.errors.get(data[:4]) if len(data) >= 4 else None
        if error is not None:
            try:
                args = error.decode(data[4:])
            except Exception:
                args = {}
            return DecodedError(error.problem_type, error.status, error.name, error.contract, args, error.title)
        if data[:4] == keccak(text="Error(string)")[:4]:
            (reason,) = decode(["string"], data[4:])
            return DecodedError("/problems/transaction-reverted", 422, "Error", None, {"reason": reason})
        return DecodedError("/problems/transaction-reverted", 422, "Revert", None, {"reason": fallback[:300]})

    def problem_types(self) -> dict[str, tuple[int, list[str]]]:
        """Every problem type the ABIs define: status and the errors that map to it (for docs and OpenAPI)."""
        out: dict[str, tuple[int, list[str]]] = {}
        for error in self.errors.values():
            _, names = out.setdefault(error.problem_type, (error.status, []))
            names.append(f"{error.contract}.{error.name}")
        return out


class ContractViews:
    """Read-only calls of the manifest contracts on the node, decoded (JSON-safe values)."""

    def __init__(self, gateway: ChainGateway, contracts: Contracts) -> None:
        self.gateway, self.contracts = gateway, contracts
        self._domains: dict[str, Eip712Domain] = {}

    def call(self, contract: str, function: str, args: list[Any]) -> list[Any]:
        """``contract.function(*args)`` at the latest block."""
        data = self.gateway.call(self.contracts.addresses[contract], self.contracts.calldata(contract, function, args))
        return self.contracts.decode_output(contract, function, data, len(args))

    def eip712_domain(self, contract: str) -> Eip712Domain:
        """The EIP-712 domain of ``contract``'s typed data, as the contract reports it (ERC-5267)."""
        if contract not in self._domains:
            fields, name, version, chain_id, address, salt, extensions = self.call(contract, "eip712Domain", [])
            self._domains[contract] = Eip712Domain.from_erc5267(
                (bytes.fromhex(fields[2:]), name, version, int(chain_id), address, bytes.fromhex(salt[2:]), extensions)
            )
        return self._domains[contract]

    def has_code(self, address: str) -> bool:
        """Whether ``address`` is a contract (an ERC-1271 wallet, say) rather than a key."""
        return self.gateway.has_code(address)
