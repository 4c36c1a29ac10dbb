"""The console's session: Sign-In with Ethereum (EIP-4361) from the member's wallet, kept in an HttpOnly,
SameSite=Strict cookie. API keys stay for systems; a session acts as the same member would with one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Cookie, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from portlink.api.deps import SESSION_COOKIE, RuntimeDep
from portlink.api.problems import responses
from portlink.errors import AuthenticationError
from portlink.services.access import Caller
from portlink.services.runtime import Runtime
from portlink.services.sessions import Session

router = APIRouter(prefix="/v1/session", tags=["session"])

SessionCookie = Annotated[str | None, Cookie(alias=SESSION_COOKIE, description="The console's session.")]


class ChallengePublic(BaseModel):
    """What the wallet's EIP-4361 message must say: this site's domain, the deployment's chain, the nonce."""

    model_config = ConfigDict(extra="forbid")

    nonce: str
    domain: str
    chainId: int
    statement: str
    issuedAt: float = Field(description="Unix seconds.")
    nonceExpiresAt: float = Field(description="Sign before this (unix seconds), or ask for a new nonce.")
    sessionExpiresAt: float = Field(description="The latest Expiration Time a session may have (unix seconds).")


class SignIn(BaseModel):
    """The EIP-4361 message as the wallet signed it, and its ``personal_sign`` signature."""

    model_config = ConfigDict(extra="forbid")

    message: str = Field(min_length=1, max_length=4096)
    signature: str = Field(pattern=r"^0x[0-9a-fA-F]{130}$", description="65 bytes: r, s, v.")


class RolePublic(BaseModel):
    """A role the member holds, globally (``port`` null) or at one port."""

    model_config = ConfigDict(extra="forbid")

    role: str
    port: str | None


class SessionPublic(BaseModel):
    """The signed-in member, what it may do, and how it signs."""

    model_config = ConfigDict(extra="forbid")

    member: str
    name: str
    roles: list[RolePublic]
    chainId: int
    expiresAt: float = Field(description="Unix seconds.")
    custodial: bool = Field(description="The API's keystore holds the member's key: it can act without a wallet.")
    relayer: bool = Field(description="The API relays signed customs decisions itself (the officer pays no gas).")


def _domain(runtime: Runtime, request: Request) -> str:
    return runtime.settings.console_domain or request.headers.get("host") or request.url.netloc


def _public(runtime: Runtime, session: Session, caller: Caller) -> SessionPublic:
    ops = runtime.operations
    return SessionPublic(
        member=caller.member,
        name=caller.name,
        roles=[RolePublic(role=r, port=p) for r, p in caller.roles],
        chainId=session.chain_id,
        expiresAt=session.expires_at,
        custodial=ops.signers.has(caller.member),
        relayer=ops.relayer is not None and ops.signers.has(ops.relayer),
    )


@router.post("/nonce", response_model=ChallengePublic, responses=responses())
def challenge(request: Request, runtime: RuntimeDep) -> ChallengePublic:
    """A fresh single-use nonce (valid for ``PORTLINK_CONSOLE_NONCE_SECONDS``) and the domain and chain the
    sign-in message must name."""
    c = runtime.sessions.challenge(_domain(runtime, request))
    return ChallengePublic(
        nonce=c.nonce,
        domain=c.domain,
        chainId=c.chain_id,
        statement=c.statement,
        issuedAt=c.issued_at,
        nonceExpiresAt=c.nonce_expires_at,
        sessionExpiresAt=c.session_expires_at,
    )


@router.post("", response_model=SessionPublic, responses=responses(401, 413))
def sign_in(body: SignIn, request: Request, response: Response, runtime: RuntimeDep) -> SessionPublic:
    """Sign in with the signed EIP-4361 message: domain, URI, chain id, validity window, nonce (used up) and
    signature are checked, and the signer must be an active member. Sets the session cookie."""
    token, session, caller = runtime.sessions.sign_in(body.message, body.signature, domain=_domain(runtime, request))
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=max(int(session.expires_at - session.created_at), 1),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    return _public(runtime, session, caller)


@router.get("", response_model=SessionPublic, responses=responses(401))
def current(runtime: RuntimeDep, session: SessionCookie = None) -> SessionPublic:
    """The signed-in member of the session cookie (401 without one, or once it expired or was signed out)."""
    if not session:
        raise AuthenticationError("not signed in")
    found, caller = runtime.sessions.authenticate(session)
    return _public(runtime, found, caller)


@router.delete("", status_code=204, responses=responses(401))
def sign_out(response: Response, runtime: RuntimeDep, session: SessionCookie = None) -> Response:
    """Sign out: the session ends for every API process, and the cookie is cleared."""
    if not session:
        raise AuthenticationError("not signed in")
    runtime.sessions.sign_out(session)
    response.status_code = 204
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    return response
