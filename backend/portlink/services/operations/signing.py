"""Custodial keys and nonces: the keystore's signers, and one persisted nonce allocator per signing account.

Nonces are allocated and persisted before broadcast, under the sending account's lock: the next nonce is taken
from ``signing_accounts`` and the signed transaction stored in the same step, and only then sent. A crash after
that leaves the exact signed bytes in the database, which recovery sends again (never a second signature).
"""

from __future__ import annotations

import threading
from collections import defaultdict

from eth_account.signers.local import LocalAccount
from eth_utils.address import to_checksum_address
from sqlalchemy import Engine, case, insert, select, update
from sqlalchemy.exc import IntegrityError

from portlink.chain.gateway import ChainGateway
from portlink.errors import SigningUnavailableError
from portlink.store.schema import signing_accounts


class Signers:
    """The custodial keys of the keystore, by address."""

    def __init__(self, signers: dict[str, LocalAccount]) -> None:
        self.accounts = {to_checksum_address(a): s for a, s in signers.items()}

    def __len__(self) -> int:
        return len(self.accounts)

    def has(self, address: str) -> bool:
        """Whether the keystore holds ``address``'s key."""
        return to_checksum_address(address) in self.accounts

    def signer_for(self, member: str) -> LocalAccount:
        """The custodial key of ``member``; :class:`SigningUnavailableError` if the keystore has none."""
        signer = self.accounts.get(to_checksum_address(member))
        if signer is None:
            raise SigningUnavailableError(
                f"the keystore holds no key of {member}: sign in your wallet (?signing=wallet) instead"
            )
        return signer


class NonceAllocator:
    """The next nonce of each signing account, persisted in ``signing_accounts``."""

    def __init__(self, engine: Engine, gateway: ChainGateway) -> None:
        self.engine, self.gateway = engine, gateway
        self._locks: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)
        self._guard = threading.Lock()

    def lock(self, sender: str) -> threading.Lock:
        """The lock under which ``sender``'s nonces are taken and its transactions signed and sent."""
        with self._guard:
            return self._locks[sender]

    def allocate(self, sender: str) -> int:
        """The next nonce of ``sender``, persisted (call under :meth:`lock`). One atomic ``UPDATE … RETURNING``, so
        two API processes on one database never hand out the same nonce either."""
        mined = self.gateway.mined_nonce(sender)
        sa = signing_accounts
        with self.engine.begin() as conn:
            if conn.execute(select(sa.c.next_nonce).where(sa.c.address == sender)).first() is None:
                try:
                    with conn.begin_nested():
                        conn.execute(insert(sa), {"address": sender, "next_nonce": self.gateway.pending_nonce(sender)})
                except IntegrityError:
                    pass  # another process created it first
            # Another tool may have used the key: never hand out a nonce the chain has already mined.
            start = case((sa.c.next_nonce > mined, sa.c.next_nonce), else_=mined)
            allocated = conn.execute(
                update(sa).where(sa.c.address == sender).values(next_nonce=start + 1).returning(sa.c.next_nonce)
            ).scalar_one()
            return int(allocated) - 1

    def release(self, sender: str, nonce: int) -> None:
        """Give back ``nonce`` when its transaction was refused (under the lock, before any later nonce)."""
        with self.engine.begin() as conn:
            conn.execute(
                update(signing_accounts)
                .where(signing_accounts.c.address == sender, signing_accounts.c.next_nonce == nonce + 1)
                .values(next_nonce=nonce)
            )
