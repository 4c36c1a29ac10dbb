"""EIP-712 typed data as wallets sign it (``eth_signTypedData_v4``), with the domain read from the contract.

Every PortLink contract that takes signatures (customs decisions, IoT readings) reports its domain through
ERC-5267 ``eip712Domain()``; :meth:`Eip712Domain.from_erc5267` turns that answer into the typed-data domain, so no
name, version, chain id or address is ever written down in the backend.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils.address import to_checksum_address

_DOMAIN_FIELDS = (
    ("name", "string"),
    ("version", "string"),
    ("chainId", "uint256"),
    ("verifyingContract", "address"),
    ("salt", "bytes32"),
)


@dataclass(frozen=True)
class Eip712Domain:
    """An EIP-712 domain as a contract reports it (ERC-5267)."""

    fields: int
    name: str
    version: str
    chain_id: int
    verifying_contract: str
    salt: bytes

    @classmethod
    def from_erc5267(cls, result: tuple[Any, ...] | list[Any]) -> Eip712Domain:
        """From the return value of ``eip712Domain()``: ``(fields, name, version, chainId, verifyingContract, salt,
        extensions)``. Refuses extensions, which no EIP-712 wallet can sign for."""
        fields, name, version, chain_id, verifying_contract, salt, extensions = result
        fields = int.from_bytes(fields, "big") if isinstance(fields, bytes | bytearray) else int(fields)
        if list(extensions):
            raise ValueError(f"EIP-712 domain extensions {list(extensions)} are not supported")
        if fields & ~0x1F:
            raise ValueError(f"EIP-712 domain fields {fields:#04x} name bits ERC-5267 does not define")
        return cls(fields, str(name), str(version), int(chain_id), to_checksum_address(verifying_contract), salt)

    def types(self) -> list[dict[str, str]]:
        """The ``EIP712Domain`` type: the fields bit set, in the standard order."""
        return [{"name": n, "type": t} for i, (n, t) in enumerate(_DOMAIN_FIELDS) if self.fields & (1 << i)]

    def values(self) -> dict[str, Any]:
        """The domain's values as typed-data JSON carries them."""
        every = {
            "name": self.name,
            "version": self.version,
            "chainId": self.chain_id,
            "verifyingContract": self.verifying_contract,
            "salt": "0x" + bytes(self.salt).hex(),
        }
        return {field["name"]: every[field["name"]] for field in self.types()}


def sign_typed_data(private_key: bytes | str, typed_data: dict[str, Any]) -> bytes:
    """Sign a typed-data document as a wallet's ``eth_signTypedData_v4`` does: 65 bytes ``r || s || v``."""
    signed = Account.sign_message(encode_typed_data(full_message=typed_data), private_key)
    return bytes(signed.signature)
