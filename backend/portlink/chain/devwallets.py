"""Dev wallets: custodial keys for a local development chain, derived from Anvil's public development mnemonic.

These are PUBLIC TEST KEYS: the mnemonic ("test test ... junk") is printed by Anvil, Hardhat and Foundry, and
anyone can sign with its accounts. They are used only when the node is a local development chain: Anvil, chain
id 31337, on a genesis it made itself (an empty state, no parent: not a fork of a network with value) that is
also the deployment manifest's genesis. Anywhere else :func:`dev_accounts` refuses
(:class:`DevChainRequiredError`). Nothing is written to disk: the keys are derived when a process starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3

from portlink.errors import DevChainRequiredError

#: Anvil's (and Hardhat's) public development mnemonic.
DEV_MNEMONIC = "test test test test test test test test test test test junk"
#: The chain id of a local development chain (Anvil's and Hardhat's default).
DEV_CHAIN_ID = 31337
#: The development accounts a dev node funds (``portlink up`` starts Anvil with 20).
DEV_ACCOUNTS = 20
#: The account that relays wallet signatures (EIP-712 customs decisions): not a consortium member in the pilot.
RELAYER_INDEX = 15
#: The root of an empty Merkle-Patricia trie: the state, transactions and receipts of Anvil's own genesis.
EMPTY_TRIE_ROOT = "0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421"
PUBLIC_TEST_KEYS = "PUBLIC TEST KEYS (Anvil's development mnemonic: anyone can sign with them)"


@cache
def dev_account(index: int) -> LocalAccount:
    """Development account ``index`` of the public mnemonic (``m/44'/60'/0'/0/index``)."""
    Account.enable_unaudited_hdwallet_features()
    account: LocalAccount = Account.from_mnemonic(DEV_MNEMONIC, account_path=f"m/44'/60'/0'/0/{index}")
    return account


def public_test_key_index(address: str) -> int | None:
    """The index of ``address`` among the public development accounts, if it is one."""
    wanted = address.lower()
    return next((i for i in range(DEV_ACCOUNTS) if dev_account(i).address.lower() == wanted), None)


@dataclass(frozen=True)
class DevWallets:
    """The public test keys a dev chain signs with: the members' and the relayer's."""

    members: dict[str, LocalAccount]
    relayer: LocalAccount

    @property
    def signers(self) -> dict[str, LocalAccount]:
        """Every key by address."""
        return {**self.members, self.relayer.address: self.relayer}


def require_dev_chain(w3: Web3, *, genesis_hash: str) -> None:
    """:class:`DevChainRequiredError` unless the node is a local development chain whose genesis is
    ``genesis_hash`` (the deployment manifest's)."""
    url = getattr(w3.provider, "endpoint_uri", "the node")
    chain_id = w3.eth.chain_id
    refusal = f"dev wallets sign with {PUBLIC_TEST_KEYS} and only on a local development chain"
    if chain_id != DEV_CHAIN_ID:
        raise DevChainRequiredError(f"{refusal}: {url} is chain {chain_id}, not {DEV_CHAIN_ID}")
    client = str(w3.client_version)
    if not client.lower().startswith("anvil/"):
        raise DevChainRequiredError(f"{refusal}: {url} is {client!r}, not Anvil")
    genesis = w3.eth.get_block(0)
    made_here = (
        genesis["stateRoot"].to_0x_hex() == EMPTY_TRIE_ROOT
        and int.from_bytes(genesis["parentHash"]) == 0
        and not bytes(genesis["extraData"])
    )
    if not made_here:
        raise DevChainRequiredError(
            f"{refusal}: the genesis of {url} ({genesis['hash'].to_0x_hex()}) holds state or extra data, so it is "
            "not a genesis Anvil made for a new chain (a fork or a network's own genesis)"
        )
    if genesis["hash"].to_0x_hex() != genesis_hash:
        raise DevChainRequiredError(
            f"{refusal}: the genesis of {url} is {genesis['hash'].to_0x_hex()}, the deployment manifest's "
            f"{genesis_hash}"
        )


def dev_wallets(w3: Web3, *, genesis_hash: str, members: set[str]) -> DevWallets:
    """The public test keys of the development accounts that are ``members`` (checksum addresses), and the
    relayer's, after :func:`require_dev_chain`."""
    require_dev_chain(w3, genesis_hash=genesis_hash)
    accounts = (dev_account(i) for i in range(DEV_ACCOUNTS))
    return DevWallets({a.address: a for a in accounts if a.address in members}, dev_account(RELAYER_INDEX))
