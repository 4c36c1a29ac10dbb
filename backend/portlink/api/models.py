"""Response models shared by several resources: the base of every response model, the operation resource, the
chain event, and the signed-transaction body. Each resource's own model family (``ShipmentCreate``,
``ShipmentPublic``, ``ShipmentsPublic``) lives beside its router.

Every response model is closed (``extra="forbid"``) and declares each field it sends: the OpenAPI document says
exactly what a client gets (a test walks it). Models are built from the services' typed records
(``ShipmentPublic.model_validate(record)``); fields are declared in snake case and sent in camel case.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel


class Public(BaseModel):
    """Base of response models: built from a service record, closed, camelCase on the wire."""

    model_config = ConfigDict(
        extra="forbid", alias_generator=to_camel, populate_by_name=True, from_attributes=True, frozen=True
    )


class Closed(BaseModel):
    """Base of request models: closed (an unknown field is a 422 naming it), spelled as on the wire."""

    model_config = ConfigDict(extra="forbid")


class RevertedErrorPublic(Public):
    """A contract's custom error as decoded from revert data."""

    name: str
    contract: str | None
    args: dict[str, Any] = Field(description="The error's arguments by name (JSON values).")


class OperationProblem(Public):
    """The RFC 9457 problem of a failed operation."""

    type: str
    title: str
    status: int
    detail: str
    error: RevertedErrorPublic | None = Field(None, description="The contract's custom error, if it reverted.")
    operation: str | None = None
    instance: str | None = Field(None, description="This occurrence: the operation.")


class DecodedEventPublic(Public):
    """An event of a succeeded operation's receipt."""

    contract: str
    event: str
    args: dict[str, Any] = Field(description="The event's arguments by name (JSON values).")


class OperationResultPublic(Public):
    """What a succeeded operation did."""

    events: list[DecodedEventPublic]


class UnsignedTransactionPublic(Public):
    """The EIP-1559 transaction a wallet signs (``eth_signTransaction`` fields)."""

    type: int
    chain_id: int
    from_: str = Field(alias="from")
    to: str
    data: str
    gas: int
    nonce: int
    max_fee_per_gas: int
    max_priority_fee_per_gas: int
    value: int


class OperationPublic(Public):
    """A write that reaches the chain: Initialized → Pending → Succeeded | Failed."""

    id: str
    kind: str = Field(description="What the operation does, e.g. shipments.register.")
    status: Literal["Initialized", "Pending", "Succeeded", "Failed"]
    signing: Literal["custodial", "wallet"]
    member: str
    sender: str
    contract: str
    function: str
    to: str
    calldata: str
    nonce: int | None
    gas: int | None
    max_fee_per_gas: str | None = Field(description="Wei, as a decimal string; raised by replacements.")
    max_priority_fee_per_gas: str | None
    tx_hash: str | None
    tx_hashes: list[str]
    broadcasts: int
    block_number: int | None
    block_hash: str | None
    gas_used: int | None
    result: OperationResultPublic | None = Field(
        description="The decoded events of the transaction, once it succeeded."
    )
    error: OperationProblem | None = Field(description="The problem (RFC 9457) of a failed operation.")
    unsigned_transaction: UnsignedTransactionPublic | None = Field(
        description="wallet signing: the EIP-1559 transaction to sign and POST back to /signed-transaction."
    )
    created_at: float
    updated_at: float


class ChainEventPublic(Public):
    """One on-chain event: contract, name, arguments, and where it is on the chain."""

    contract: str
    address: str
    event: str
    args: dict[str, Any] = Field(description="The event's arguments by name (JSON values).")
    block_number: int
    block_hash: str
    log_index: int
    transaction_hash: str
    block_timestamp: int | None
    confirmed: bool


class TypedDataField(Public):
    """A member of an EIP-712 struct type."""

    name: str
    type: str


class TypedDataPublic(Public):
    """An EIP-712 document as ``eth_signTypedData_v4`` takes it: sign it in the wallet as it is."""

    types: dict[str, list[TypedDataField]]
    primary_type: str
    domain: dict[str, Any] = Field(description="The EIP-712 domain, as the contract reports it (ERC-5267).")
    message: dict[str, Any] = Field(description="The struct to sign, its values as typed data JSON spells them.")


class SignedTransaction(Closed):
    """A wallet-signed transaction to relay."""

    signedTransaction: str = Field(pattern=r"^0x[0-9a-fA-F]+$", max_length=200_000)
