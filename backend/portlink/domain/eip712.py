"""EIP-712 typed data as wallets sign it (``eth_signTypedData_v4``), with the domain read from the contract.

Every PortLink contract that takes signatures (customs decisions, IoT readings) reports its domain through
ERC-5267 ``eip712Domain()``; :meth:`Eip712Domain.from_erc5267` turns that answer into the typed-data domain, so no
name, version, chain id or address is ever written down in the backend.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from coincurve import PublicKey
from eth_abi.abi import encode
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_typing import ChecksumAddress
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

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


def typed_data_signer(typed_data: dict[str, Any], signature: bytes | str) -> ChecksumAddress | None:
    """The account whose key made ``signature`` over ``typed_data`` (``eth_signTypedData_v4``), or ``None`` for a
    signature that recovers to no account (malformed, bad ``v``, ``s`` out of range)."""
    try:
        return to_checksum_address(
            Account.recover_message(encode_typed_data(full_message=typed_data), signature=signature)
        )
    except Exception:
        return None


#: The order of secp256k1; OpenZeppelin's ECDSA refuses ``s`` above half of it (the malleable twin).
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def domain_separator(domain: Eip712Domain) -> bytes:
    """The EIP-712 domain separator of ``domain`` (what ``_domainSeparatorV4()`` returns on chain)."""
    fields = domain.types()
    type_hash = keccak(text=f"EIP712Domain({','.join(f['type'] + ' ' + f['name'] for f in fields)})")
    every: dict[str, tuple[str, Any]] = {
        "name": ("bytes32", keccak(text=domain.name)),
        "version": ("bytes32", keccak(text=domain.version)),
        "chainId": ("uint256", domain.chain_id),
        "verifyingContract": ("address", domain.verifying_contract),
        "salt": ("bytes32", bytes(domain.salt)),
    }
    chosen = [every[f["name"]] for f in fields]
    return keccak(encode(["bytes32", *(t for t, _ in chosen)], [type_hash, *(v for _, v in chosen)]))


def recover_signer(digest: bytes, signature: bytes) -> ChecksumAddress | None:
    """The EOA whose key made ``signature`` over the EIP-712 ``digest``, or None where OpenZeppelin's ECDSA would
    refuse it: not 65 bytes, ``v`` not 27/28, ``s`` in the upper half (the malleable twin), or no valid point.

    This is the check ``SignatureChecker`` makes for an EOA, done off chain so that a backend can refuse a bad
    signature at once instead of paying for a revert.
    """
    address = recover_signer_bytes(digest, signature)
    return None if address is None else to_checksum_address(address)


def recover_signer_bytes(digest: bytes, signature: bytes) -> bytes | None:
    """:func:`recover_signer` as the 20 address bytes: what a hot path compares, skipping the EIP-55 checksum."""
    if len(signature) != 65 or signature[64] not in (27, 28):
        return None
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:64], "big")
    if not 0 < r < SECP256K1_N or not 0 < s <= SECP256K1_N // 2:
        return None
    try:
        public_key = PublicKey.from_signature_and_message(
            signature[:64] + bytes([signature[64] - 27]), digest, hasher=None
        )
    except ValueError:
        return None
    return keccak(public_key.format(compressed=False)[1:])[12:]
