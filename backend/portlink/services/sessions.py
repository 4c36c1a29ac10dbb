"""Console sessions: Sign-In with Ethereum (EIP-4361) from the member's own wallet.

A sign-in takes two requests. :meth:`SessionService.challenge` hands out a fresh nonce (stored, single use, valid
for ``console_nonce_seconds``); the console puts it into an EIP-4361 message with the domain and chain the API
names, the wallet signs it (``personal_sign``), and :meth:`SessionService.sign_in` checks the message: its domain
and URI are this site's, its chain is the deployment's, it is inside its validity window and carries an
expiration time, the nonce is one we issued and is consumed now (a second use of it is refused), the signature
recovers to the message's address, and that address is an active member in the index. The session is then a
``<id>.<secret>`` token (the console keeps it in an HttpOnly, SameSite=Strict cookie): the table keeps the id and
the secret's SHA-256, never the secret, so that several API processes on one database share sessions.

A session acts through :func:`portlink.services.access.member_caller`, like an API key of the same member: the
same roles, the same visibility, and the chain checks every write again.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from eth_account import Account
from eth_account.messages import encode_defunct
from sqlalchemy import Engine, delete, insert, select, update

from portlink.domain.siwe import SiweMessage, parse_message
from portlink.errors import AuthenticationError, InvalidInputError
from portlink.services.access import Caller, member_caller
from portlink.services.consortium import ConsortiumService
from portlink.store.schema import sessions, sign_in_nonces

#: How far a wallet's clock may be ahead of ours when it writes ``Issued At``.
CLOCK_SKEW_SECONDS = 60.0
STATEMENT = "Sign in to the PortLink console."


@dataclass(frozen=True)
class Challenge:
    """What the console needs to build the EIP-4361 message."""

    nonce: str
    domain: str
    chain_id: int
    statement: str
    issued_at: float
    nonce_expires_at: float
    session_expires_at: float


@dataclass(frozen=True)
class Session:
    """A signed-in member's session (the secret half of its token is not kept)."""

    session_id: str
    member: str
    chain_id: int
    domain: str
    created_at: float
    expires_at: float


def _sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class SessionService:
    """Sign-in nonces and sessions, in the services' database."""

    def __init__(
        self,
        engine: Engine,
        consortium: ConsortiumService,
        chain_id: int,
        *,
        session_seconds: float = 8 * 3600.0,
        nonce_seconds: float = 600.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.engine, self.consortium, self.chain_id = engine, consortium, chain_id
        self.session_seconds, self.nonce_seconds, self.clock = session_seconds, nonce_seconds, clock

    def challenge(self, domain: str) -> Challenge:
        """A fresh nonce for a sign-in at ``domain`` (stored; expired nonces and sessions are dropped here)."""
        now = self.clock()
        nonce = secrets.token_hex(16)
        with self.engine.begin() as conn:
            conn.execute(delete(sign_in_nonces).where(sign_in_nonces.c.expires_at < now - self.nonce_seconds))
            conn.execute(delete(sessions).where(sessions.c.expires_at < now - 86_400))
            conn.execute(
                insert(sign_in_nonces), {"nonce": nonce, "issued_at": now, "expires_at": now + self.nonce_seconds}
            )
        return Challenge(
            nonce, domain, self.chain_id, STATEMENT, now, now + self.nonce_seconds, now + self.session_seconds
        )

    def _consume(self, nonce: str, now: float) -> None:
        """Use ``nonce`` up, once: :class:`AuthenticationError` if it is unknown, used or expired."""
        with self.engine.begin() as conn:
            done = conn.execute(
                update(sign_in_nonces)
                .where(
                    sign_in_nonces.c.nonce == nonce,
                    sign_in_nonces.c.used_at.is_(None),
                    sign_in_nonces.c.expires_at > now,
                )
                .values(used_at=now)
            )
        if done.rowcount != 1:
            raise AuthenticationError("the sign-in nonce is unknown, already used or expired: sign in again")

    def _check(self, message: SiweMessage, domain: str, now: float) -> float:
        """The checks of the message's own fields; returns when the session must end."""
        if message.domain != domain:
            raise InvalidInputError(
                f"the message signs in to {message.domain}, but this is {domain}: sign in from this page",
                "body.message",
            )
        if urlsplit(message.uri).netloc != domain:
            raise InvalidInputError(f"the message's URI {message.uri} is not on {domain}", "body.message")
        if message.chain_id != self.chain_id:
            raise InvalidInputError(
                f"the message was signed for chain {message.chain_id}, but PortLink runs on chain {self.chain_id}: "
                "switch the wallet to that chain and sign in again",
                "body.message",
            )
        if message.issued_at.timestamp() > now + CLOCK_SKEW_SECONDS:
            raise InvalidInputError("the message is issued in the future: check the computer's clock", "body.message")
        if message.not_before is not None and message.not_before.timestamp() > now:
            raise InvalidInputError(f"the message is not valid before {message.not_before}", "body.message")
        if message.expiration_time is None:
            raise InvalidInputError("the message must carry an Expiration Time", "body.message")
        expires = message.expiration_time.timestamp()
        if expires <= now:
            raise AuthenticationError(f"the sign-in message expired at {_iso(expires)}: sign in again")
        return min(expires, now + self.session_seconds)

    def sign_in(self, text: str, signature: str, *, domain: str) -> tuple[str, Session, Caller]:
        """Check the signed EIP-4361 message ``text`` for ``domain`` and open a session: ``(token, session,
        caller)``. The nonce is used up whether or not the rest of the message passes."""
        try:
            message = parse_message(text)
        except ValueError as exc:
            raise InvalidInputError(f"not a valid sign-in message: {exc}", "body.message") from None
        now = self.clock()
        self._consume(message.nonce, now)
        expires = self._check(message, domain, now)
        try:
            signer = Account.recover_message(encode_defunct(text=text), signature=signature)
        except Exception:  # a malformed signature (bad length, v or s)
            raise InvalidInputError("the signature is malformed", "body.signature") from None
        if signer != message.address:
            raise AuthenticationError(f"the signature was made by {signer}, not by {message.address}")
        session_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
        caller = member_caller(self.consortium, message.address, f"session_{session_id}", "the signing account")
        session = Session(session_id, caller.member, message.chain_id, domain, now, expires)
        with self.engine.begin() as conn:
            conn.execute(
                insert(sessions),
                {
                    "session_id": session_id,
                    "secret_sha256": _sha256(secret),
                    "member": caller.member,
                    "chain_id": message.chain_id,
                    "domain": domain,
                    "nonce": message.nonce,
                    "created_at": now,
                    "expires_at": expires,
                },
            )
        return f"{session_id}.{secret}", session, caller

    def _row(self, token: str) -> Session:
        session_id, _, secret = token.partition(".")
        with self.engine.connect() as conn:
            row = conn.execute(select(sessions).where(sessions.c.session_id == session_id)).mappings().first()
        if row is None or not secret or not hmac.compare_digest(row["secret_sha256"], _sha256(secret)):
            raise AuthenticationError("unknown session: sign in again")
        if row["revoked_at"] is not None:
            raise AuthenticationError("you signed out of this session: sign in again")
        if row["expires_at"] <= self.clock():
            raise AuthenticationError(f"your session expired at {_iso(row['expires_at'])}: sign in again")
        return Session(
            row["session_id"], row["member"], row["chain_id"], row["domain"], row["created_at"], row["expires_at"]
        )

    def authenticate(self, token: str) -> tuple[Session, Caller]:
        """The session of ``token`` and the caller it acts as; :class:`AuthenticationError` if it is unknown,
        signed out or expired, or its member is no longer active."""
        session = self._row(token)
        return session, member_caller(self.consortium, session.member, f"session_{session.session_id}", "the member")

    def sign_out(self, token: str) -> None:
        """End the session of ``token`` (at once, for every API process)."""
        session = self._row(token)
        with self.engine.begin() as conn:
            conn.execute(
                update(sessions).where(sessions.c.session_id == session.session_id).values(revoked_at=self.clock())
            )
