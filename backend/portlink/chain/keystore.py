"""Custodial keys: Web3 Secret Storage files (the encrypted JSON key files geth, ape and eth-account write).

The API decrypts them once at start-up with the passphrase from the settings; private keys never touch the
database, the logs or a plain-text file.
"""

from __future__ import annotations

import json
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils.address import to_checksum_address

from portlink.errors import ConfigurationError


def load_keystore(folder: Path, passphrase: str) -> dict[str, LocalAccount]:
    """Every key file in ``folder`` decrypted with ``passphrase``, by checksum address."""
    accounts: dict[str, LocalAccount] = {}
    if not folder.is_dir():
        return accounts
    for path in sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")):
        try:
            encrypted = json.loads(path.read_text())
            key = Account.decrypt(encrypted, passphrase)
        except (ValueError, KeyError, TypeError) as exc:
            raise ConfigurationError(f"keystore file {path} cannot be decrypted: {exc}") from None
        account: LocalAccount = Account.from_key(key)
        declared = encrypted.get("address")
        if declared and to_checksum_address("0x" + declared.removeprefix("0x")) != account.address:
            raise ConfigurationError(f"keystore file {path} says address {declared}, but its key is {account.address}")
        accounts[account.address] = account
    return accounts


def write_key_file(folder: Path, private_key: bytes | str, passphrase: str) -> Path:
    """Encrypt ``private_key`` into a new key file in ``folder`` (mode 0600); returns its path."""
    account: LocalAccount = Account.from_key(private_key)
    encrypted = Account.encrypt(account.key, passphrase)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{account.address.lower()}.json"
    path.write_text(json.dumps(encrypted))
    path.chmod(0o600)
    return path
