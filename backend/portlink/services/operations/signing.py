"""Custodial keys and nonces: the keystore's signers, and one persisted nonce allocator per signing account.

Nonces are allocated and persisted before broadcast, under the sending account's lock (a database lock on
PostgreSQL, shared by every API process): the next nonce is taken from ``signing_accounts`` and the signed
transaction stored in the same database transaction, and only then sent, still under the lock, so that one
account's transactions reach the node in nonce order whichever process sends them. A crash after the commit
leaves the exact signed bytes in the database, which recovery sends again (never a second signature).
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager

from eth_account.signers.local import LocalAccount
from eth_utils.address import to_checksum_address
from sqlalchemy import Connection, Engine, case, insert, select, text, update
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


#: ``pg_advisory_lock(SENDER_LOCKS, key)``: the namespace of the signing accounts' broadcast locks.
SENDER_LOCKS = 0x706C_6E6F  # "plno"


def sender_lock_key(sender: str) -> int:
    """The 32-bit advisory lock key of ``sender`` (its address's first four bytes, signed)."""
    return int.from_bytes(bytes.fromhex(sender[2:10]), "big", signed=True)


class NonceAllocator:
    """The next nonce of each signing account, persisted in ``signing_accounts``, and the lock under which one
    account's nonces are taken, its transactions signed, stored and broadcast, in nonce order.

    On PostgreSQL the lock is a session advisory lock of the database, so every API process on it takes turns
    (and a process that dies, even by SIGKILL, loses its connection and with it the lock); before it, the threads
    of one process queue on a local lock, so that each process keeps at most one connection waiting. On SQLite
    (one API process) the local lock alone."""

    def __init__(self, engine: Engine, gateway: ChainGateway) -> None:
        self.engine, self.gateway = engine, gateway
        self._locks: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)
        self._guard = threading.Lock()
        self._shared = engine.dialect.name == "postgresql"
        self._synced: set[str] = set()

    @contextmanager
    def locked(self, sender: str) -> Iterator[Connection]:
        """A connection holding ``sender``'s lock until the block ends (commit what must be durable on it)."""
        with self._guard:
            local = self._locks[sender]
        with local, self.engine.connect() as conn:
            if not self._shared:
                yield conn
                return
            key = sender_lock_key(sender)
            conn.execute(text("SELECT pg_advisory_lock(:ns, :key)"), {"ns": SENDER_LOCKS, "key": key})
            conn.commit()
            try:
                yield conn
            finally:
                try:
                    conn.rollback()
                    conn.execute(text("SELECT pg_advisory_unlock(:ns, :key)"), {"ns": SENDER_LOCKS, "key": key})
                    conn.commit()
                except Exception:
                    conn.invalidate()  # closes the session, and with it the lock

    def allocate(self, conn: Connection, sender: str) -> int:
        """The next nonce of ``sender``, persisted in ``conn``'s transaction (under :meth:`locked`). Never one the
        chain has mined already (another tool may have used the key): the chain is asked at this process's first
        allocation for ``sender`` and again after the node refused a nonce (:meth:`resync`)."""
        mined = 0 if sender in self._synced else self.gateway.mined_nonce(sender)
        self._synced.add(sender)
        sa = signing_accounts
        if conn.execute(select(sa.c.next_nonce).where(sa.c.address == sender)).first() is None:
            try:
                with conn.begin_nested():
                    conn.execute(insert(sa), {"address": sender, "next_nonce": self.gateway.pending_nonce(sender)})
            except IntegrityError:
                pass  # another process created it first
        start = case((sa.c.next_nonce > mined, sa.c.next_nonce), else_=mined)
        allocated = conn.execute(
            update(sa).where(sa.c.address == sender).values(next_nonce=start + 1).returning(sa.c.next_nonce)
        ).scalar_one()
        return int(allocated) - 1

    def resync(self, sender: str) -> None:
        """Ask the chain for ``sender``'s mined count at its next allocation (the node refused a nonce)."""
        self._synced.discard(sender)

    @staticmethod
    def release(conn: Connection, sender: str, nonce: int) -> None:
        """Give back ``nonce`` when its transaction was refused (under the lock, before any later nonce)."""
        conn.execute(
            update(signing_accounts)
            .where(signing_accounts.c.address == sender, signing_accounts.c.next_nonce == nonce + 1)
            .values(next_nonce=nonce)
        )
