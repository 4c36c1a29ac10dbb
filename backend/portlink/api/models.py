"""Models shared by several resources: the operation resource and list envelopes. Each resource's own model
family (``ShipmentCreate``, ``ShipmentPublic``, ``ShipmentsPublic``) lives beside its router."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Public(BaseModel):
    """Base of response models: extra keys from the services pass through."""

    model_config = ConfigDict(extra="allow")


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
    maxFeePerGas: str | None = Field(description="Wei, as a decimal string; raised by replacements.")
    maxPriorityFeePerGas: str | None
    txHash: str | None
    txHashes: list[str]
    broadcasts: int
    blockNumber: int | None
    blockHash: str | None
    gasUsed: int | None
    result: dict[str, Any] | None = Field(description="The decoded events of the transaction, once it succeeded.")
    error: dict[str, Any] | None = Field(description="The problem (RFC 9457) of a failed operation.")
    unsignedTransaction: dict[str, Any] | None = Field(
        description="wallet signing: the EIP-1559 transaction to sign and POST back to /signed-transaction."
    )
    createdAt: float
    updatedAt: float


class SignedTransaction(BaseModel):
    """A wallet-signed transaction to relay."""

    model_config = ConfigDict(extra="forbid")

    signedTransaction: str = Field(pattern=r"^0x[0-9a-fA-F]+$", max_length=200_000)
