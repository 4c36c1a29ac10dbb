"""What the operation service takes and gives back: the call a write makes, the write a resource service plans,
and the operation record with its status, transaction and outcome."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, NotRequired, TypedDict


class Status(StrEnum):
    """An operation's lifecycle: Initialized → Pending → Succeeded | Failed."""

    INITIALIZED = "Initialized"
    PENDING = "Pending"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"


INITIALIZED, PENDING, SUCCEEDED, FAILED = Status.INITIALIZED, Status.PENDING, Status.SUCCEEDED, Status.FAILED
DONE = frozenset({SUCCEEDED, FAILED})


class Signing(StrEnum):
    """Who signs an operation's transaction: the backend with the member's custodial key, or the member's wallet."""

    CUSTODIAL = "custodial"
    WALLET = "wallet"


CUSTODIAL, WALLET = Signing.CUSTODIAL, Signing.WALLET


@dataclass(frozen=True)
class Call:
    """A contract function call an operation makes (contract by its manifest name)."""

    contract: str
    function: str
    args: list[Any]


@dataclass(frozen=True)
class Write:
    """A write a resource service planned: what kind it is (``shipments.register``), the call, and who sends it
    (``None``: the member itself; a relayer sends signed EIP-712 decisions)."""

    kind: str
    call: Call
    sender: str | None = None


class RevertedError(TypedDict):
    """A contract's custom error as decoded from revert data."""

    name: str
    contract: str | None
    args: dict[str, Any]


class ProblemBody(TypedDict):
    """An RFC 9457 problem as stored with a failed operation and answered for it."""

    type: str
    title: str
    status: int
    detail: str
    error: NotRequired[RevertedError]
    operation: NotRequired[str]
    instance: NotRequired[str]


class DecodedEvent(TypedDict):
    """An event of a succeeded operation's receipt."""

    contract: str
    event: str
    args: dict[str, Any]


class OperationResult(TypedDict):
    """What a succeeded operation did: the decoded events of its receipt."""

    events: list[DecodedEvent]


@dataclass(frozen=True)
class UnsignedTransaction:
    """The EIP-1559 transaction a wallet signs for a ``wallet`` operation."""

    type: int
    chain_id: int
    from_: str
    to: str
    data: str
    gas: int
    nonce: int
    max_fee_per_gas: int
    max_priority_fee_per_gas: int
    value: int

    def to_web3(self) -> dict[str, Any]:
        """The transaction as web3 and eth-account spell it."""
        return {
            "type": self.type,
            "chainId": self.chain_id,
            "from": self.from_,
            "to": self.to,
            "data": self.data,
            "gas": self.gas,
            "nonce": self.nonce,
            "maxFeePerGas": self.max_fee_per_gas,
            "maxPriorityFeePerGas": self.max_priority_fee_per_gas,
            "value": self.value,
        }


@dataclass(frozen=True)
class Operation:
    """A write that reaches the chain."""

    id: str
    kind: str
    status: Status
    signing: Signing
    member: str
    sender: str
    contract: str
    function: str
    to: str
    calldata: str
    nonce: int | None
    gas: int | None
    max_fee_per_gas: str | None
    max_priority_fee_per_gas: str | None
    tx_hash: str | None
    tx_hashes: list[str]
    broadcasts: int
    block_number: int | None
    block_hash: str | None
    gas_used: int | None
    result: OperationResult | None
    error: ProblemBody | None
    unsigned_transaction: UnsignedTransaction | None
    created_at: float
    updated_at: float

    @property
    def done(self) -> bool:
        """Whether it has succeeded or failed."""
        return self.status in DONE


@dataclass(frozen=True)
class StoredResponse:
    """What an earlier request with the same ``Idempotency-Key`` answered."""

    status_code: int
    body: dict[str, Any]
