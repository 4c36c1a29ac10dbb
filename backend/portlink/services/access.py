"""API keys and who may read what.

A key is ``plk_<key_id>_<secret>``: the id finds the row, the secret is compared with its stored SHA-256 in
constant time (the secret is 256 random bits, so a plain hash is enough; a slow password hash would only slow
every request). A key is bound to an on-chain member read from the index and acts only as that member; the
chain checks its roles again on every write.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from eth_utils.address import to_checksum_address
from sqlalchemy import Engine, insert, select, update

from portlink.errors import AuthenticationError, ConfigurationError, ForbiddenError, NotFoundError
from portlink.services.consortium import ConsortiumService
from portlink.store.schema import api_keys

PREFIX = "plk"
#: Roles that may read every shipment's commercial detail.
OVERSIGHT_ROLES = frozenset({"CUSTOMS", "AUDITOR"})


@dataclass(frozen=True)
class Caller:
    """The member an API key (or a console session) acts for, with its roles as indexed."""

    key_id: str
    member: str
    name: str
    roles: tuple[tuple[str, str | None], ...]

    def has_role(self, role: str, port: str | None = None) -> bool:
        """Whether the member holds ``role`` (at ``port``, or globally)."""
        return any(r == role and (port is None or p in (None, port)) for r, p in self.roles)

    @property
    def oversight(self) -> bool:
        """Customs or auditor: may read every shipment."""
        return any(r in OVERSIGHT_ROLES for r, _ in self.roles)

    @property
    def viewer(self) -> str | None:
        """Whose view a list is restricted to: ``None`` (everything) for customs and auditors, else the member."""
        return None if self.oversight else self.member

    def ports_of(self, role: str) -> list[str]:
        """The ports at which the member holds ``role``."""
        return sorted({p for r, p in self.roles if r == role and p})

    def require_party(self, shipment_id: str, parties: tuple[str, ...], *, handled_at: tuple[str, ...] = ()) -> None:
        """:class:`ForbiddenError` unless the caller is one of ``parties`` of shipment ``shipment_id``, customs or
        an auditor, or (reading the shipment itself: ``handled_at``, its origin and destination ports) a terminal
        of one of those ports, which gates, loads and discharges its containers."""
        if self.member in parties or self.oversight:
            return
        if handled_at and set(self.ports_of("TERMINAL")) & set(handled_at):
            return
        raise ForbiddenError(f"{self.member} is not a party of shipment {shipment_id}, nor customs or an auditor")


@dataclass(frozen=True)
class ApiKey:
    """An issued API key (its secret is never stored)."""

    key_id: str
    member: str
    label: str
    created_at: float
    revoked_at: float | None


def _sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiKeys:
    """Issuing and checking API keys."""

    def __init__(self, engine: Engine, consortium: ConsortiumService) -> None:
        self.engine, self.consortium = engine, consortium

    def create(self, member: str, label: str = "") -> tuple[str, str]:
        """A new key for ``member``, which must be an active member in the index: ``(key_id, token)``. The token
        is shown once; only its hash is stored."""
        account = to_checksum_address(member)
        found = self.consortium.member(account)
        if found is None:
            raise ConfigurationError(
                f"{account} is not a consortium member in the index (run `portlink index` first, or admit it)"
            )
        if found.status != "ACTIVE":
            raise ConfigurationError(f"{account} is {found.status.lower()}, not an active member")
        key_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
        with self.engine.begin() as conn:
            conn.execute(
                insert(api_keys),
                {
                    "key_id": key_id,
                    "secret_sha256": _sha256(secret),
                    "member": account,
                    "label": label or found.name,
                    "created_at": time.time(),
                },
            )
        return key_id, f"{PREFIX}_{key_id}_{secret}"

    def list(self, member: str | None = None) -> list[ApiKey]:
        """The keys (never their secrets), optionally of one member."""
        query = select(api_keys).order_by(api_keys.c.created_at)
        if member:
            query = query.where(api_keys.c.member == to_checksum_address(member))
        with self.engine.connect() as conn:
            return [
                ApiKey(r["key_id"], r["member"], r["label"], r["created_at"], r["revoked_at"])
                for r in conn.execute(query).mappings()
            ]

    def revoke(self, key_id: str) -> None:
        """Revoke a key; :class:`NotFoundError` if there is no such key."""
        with self.engine.begin() as conn:
            done = conn.execute(
                update(api_keys)
                .where(api_keys.c.key_id == key_id, api_keys.c.revoked_at.is_(None))
                .values(revoked_at=time.time())
            )
        if done.rowcount == 0:
            raise NotFoundError(f"no active API key {key_id}")

    def authenticate(self, token: str | None) -> Caller:
        """The caller ``token`` belongs to; :class:`AuthenticationError` if it is missing, unknown or revoked, or
        its member is no longer active."""
        if not token:
            raise AuthenticationError("send your API key as `Authorization: Bearer plk_...` or `X-API-Key`")
        parts = token.split("_", 2)
        if len(parts) != 3 or parts[0] != PREFIX:
            raise AuthenticationError("the API key is malformed (expected plk_<id>_<secret>)")
        _, key_id, secret = parts
        with self.engine.connect() as conn:
            row = conn.execute(select(api_keys).where(api_keys.c.key_id == key_id)).mappings().first()
        if row is None or not hmac.compare_digest(row["secret_sha256"], _sha256(secret)):
            raise AuthenticationError("unknown API key")
        if row["revoked_at"] is not None:
            raise AuthenticationError("the API key was revoked")
        return member_caller(self.consortium, row["member"], key_id, "the API key's member")


def member_caller(consortium: ConsortiumService, account: str, key_id: str, what: str) -> Caller:
    """The caller acting as ``account`` (a key or a console session ``key_id``) with its roles as indexed;
    :class:`AuthenticationError` (naming ``what`` the account is) unless it is an active member. API keys and
    console sessions both end here, so a session acts exactly as a key of the same member would."""
    member = consortium.member(account)
    if member is None or member.status != "ACTIVE":
        raise AuthenticationError(f"{what} {account} is not an active member")
    return Caller(key_id, member.account, member.name, tuple((r.role, r.port) for r in member.roles))
