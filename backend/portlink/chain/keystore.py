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

from portlink.chain.devwallets import public_test_key_index
from portlink.errors import ConfigurationError
from portlink.files import write_atomically


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


def write_key_file(folder: Path, private_key: bytes | str, passphrase: str, **kdf: int | str) -> Path:
    """Encrypt ``private_key`` into a new key file in ``folder`` (mode 0600, written atomically); returns its path.
    ``kdf`` passes eth-account's ``kdf``/``iterations`` through (the default is its scrypt)."""
    account: LocalAccount = Account.from_key(private_key)
    encrypted = Account.encrypt(account.key, passphrase, **kdf)  # type: ignore[arg-type]
    path = folder / f"{account.address.lower()}.json"
    write_atomically(path, json.dumps(encrypted).encode(), mode=0o600)
    return path


def import_key(folder: Path, private_key: bytes | str, passphrase: str) -> Path:
    """Add ``private_key`` to the keystore in ``folder``, encrypted with the keystore's ``passphrase``.

    Refuses (and changes nothing) a key of Anvil's public development mnemonic, a key already in the keystore,
    and a passphrase that does not open the key files already there (one passphrase opens the whole keystore)."""
    try:
        account: LocalAccount = Account.from_key(private_key)
    except (ValueError, TypeError) as exc:
        raise ConfigurationError(f"not a private key: {exc}") from None
    public = public_test_key_index(account.address)
    if public is not None:
        raise ConfigurationError(
            f"{account.address} is development account {public} of Anvil's public mnemonic: anyone can sign with "
            "it, so it is no custodial key (on the local dev chain `portlink up` signs with it already)"
        )
    existing = load_keystore(folder, passphrase)
    if account.address in existing:
        raise ConfigurationError(f"{account.address} is in the keystore {folder} already; nothing was changed")
    return write_key_file(folder, account.key, passphrase)
