"""The consortium: members and ports as indexed (public to every member), and the port authorities' governance:
proposals, votes and cancellations."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse
from pydantic import Field, model_validator

from portlink.api.deps import CallerDep, ConsortiumDep, Offset
from portlink.api.fields import Address, UnLocode
from portlink.api.models import Closed, OperationPublic, Public
from portlink.api.problems import responses
from portlink.api.writes import WRITE_RESPONSES, WriterDep
from portlink.domain.consortium import Role
from portlink.errors import NotFoundError
from portlink.services.consortium import Proposal, ProposalKind

members = APIRouter(prefix="/v1/members", tags=["members"])
ports = APIRouter(prefix="/v1/ports", tags=["members"])
proposals = APIRouter(prefix="/v1/proposals", tags=["governance"])

ProposalId = Annotated[int, Path(ge=1, lt=2**256, description="The governance proposal id.")]


class RolePublic(Public):
    """A role a member holds, at ``port`` for a port-scoped role (null: globally)."""

    role: str
    port: str | None


class MemberPublic(Public):
    """A member with its roles."""

    account: str
    name: str
    org_id: str
    status: str
    roles: list[RolePublic]
    confirmed: bool


class PortPublic(Public):
    """A port by UN/LOCODE with its authority."""

    code: str
    name: str
    authority: str
    confirmed: bool


#: What each kind of proposal needs besides its kind.
_NEEDS: dict[ProposalKind, tuple[str, ...]] = {
    ProposalKind.ADD_MEMBER: ("account", "name"),
    ProposalKind.ADD_PORT: ("port", "name", "account", "authorityName"),
    ProposalKind.GRANT_ROLE: ("account", "role"),
    ProposalKind.REVOKE_ROLE: ("account", "role"),
    ProposalKind.SUSPEND_MEMBER: ("account", "reason"),
    ProposalKind.REINSTATE_MEMBER: ("account",),
    ProposalKind.SET_PARAMETER: ("key", "value"),
}


class ProposalCreate(Closed):
    """A port authority's proposal; its own vote for it is cast with it. By ``kind``:

    - ``ADD_MEMBER``: ``account``, ``name``, ``orgId``, optionally a first ``role`` (with ``port`` if port-scoped);
    - ``ADD_PORT``: ``port``, ``name`` (the port's), ``account`` (its authority), ``authorityName``, ``orgId``;
    - ``GRANT_ROLE`` / ``REVOKE_ROLE``: ``account``, ``role`` (with ``port`` if port-scoped);
    - ``SUSPEND_MEMBER``: ``account``, ``reason`` (its keccak-256 goes on chain); ``REINSTATE_MEMBER``: ``account``;
    - ``SET_PARAMETER``: ``key`` (a parameter name such as ``portlink.governance.proposalLifetime``, or 32 bytes as
      0x-hex) and ``value``.
    """

    kind: Literal[
        "ADD_MEMBER", "ADD_PORT", "GRANT_ROLE", "REVOKE_ROLE", "SUSPEND_MEMBER", "REINSTATE_MEMBER", "SET_PARAMETER"
    ]
    account: Address | None = None
    role: Role | None = None
    port: UnLocode | None = None
    name: str | None = Field(None, min_length=1, max_length=200)
    orgId: str | None = Field(None, max_length=200)
    authorityName: str | None = Field(None, min_length=1, max_length=200)
    reason: str | None = Field(None, min_length=1, max_length=500)
    key: str | None = Field(None, min_length=1, max_length=200)
    value: int | None = Field(None, ge=0, lt=2**256)

    @model_validator(mode="after")
    def _complete(self) -> ProposalCreate:
        missing = [f for f in _NEEDS[ProposalKind(self.kind)] if getattr(self, f) is None]
        if missing:
            raise ValueError(f"a {self.kind} proposal needs {', '.join(missing)}")
        return self

    def proposal(self) -> Proposal:
        """The proposal as the service takes it."""
        return Proposal(
            kind=ProposalKind(self.kind),
            account=self.account,
            role=self.role,
            port=self.port,
            name=self.name,
            org_id=self.orgId,
            authority_name=self.authorityName,
            reason=self.reason,
            key=self.key,
            value=self.value,
        )


class VoteCreate(Closed):
    """A port authority's vote on an open proposal."""

    support: bool


@members.get("", response_model=list[MemberPublic], responses=responses(401))
def list_members(
    consortium: ConsortiumDep,
    caller: CallerDep,
    role: Annotated[Role | None, Query(description="Only members holding this role.")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
) -> list[MemberPublic]:
    """Consortium members in account order."""
    found = consortium.members(role=role.value if role else None, limit=limit, offset=offset)
    return [MemberPublic.model_validate(m) for m in found]


@members.get("/me", response_model=MemberPublic, responses=responses(401))
def who_am_i(consortium: ConsortiumDep, caller: CallerDep) -> MemberPublic:
    """The member the API key acts for."""
    return get_member(caller.member, consortium, caller)


@members.get("/{account}", response_model=MemberPublic, responses=responses(401, 404))
def get_member(account: Annotated[Address, Path()], consortium: ConsortiumDep, caller: CallerDep) -> MemberPublic:
    """One member."""
    member = consortium.member(account)
    if member is None:
        raise NotFoundError(f"{account} is not a consortium member")
    return MemberPublic.model_validate(member)


@ports.get("", response_model=list[PortPublic], responses=responses(401))
def list_ports(consortium: ConsortiumDep, caller: CallerDep) -> list[PortPublic]:
    """Every port of the consortium."""
    return [PortPublic.model_validate(p) for p in consortium.ports()]


@ports.get("/{code}", response_model=PortPublic, responses=responses(401, 404))
def get_port(
    code: Annotated[str, Path(pattern=r"^[A-Z]{2}[A-Z2-9]{3}$")], consortium: ConsortiumDep, caller: CallerDep
) -> PortPublic:
    """One port by UN/LOCODE."""
    port = consortium.port(code)
    if port is None:
        raise NotFoundError(f"no port {code} in the consortium (ports: {', '.join(consortium.port_codes())})")
    return PortPublic.model_validate(port)


@proposals.post("", status_code=202, response_model=OperationPublic, responses=WRITE_RESPONSES)
def propose(body: ProposalCreate, consortium: ConsortiumDep, writer: WriterDep) -> JSONResponse:
    """Propose a change to the consortium (caller: an active port authority); the operation's result carries the
    ``ProposalCreated`` event with the proposal id."""
    return writer.perform(consortium.propose(body.proposal()), body)


@proposals.post("/{proposal_id}/votes", status_code=202, response_model=OperationPublic, responses=WRITE_RESPONSES)
def vote(proposal_id: ProposalId, body: VoteCreate, consortium: ConsortiumDep, writer: WriterDep) -> JSONResponse:
    """Vote on an open proposal (caller: an active port authority that has not voted on it); the vote that makes
    a majority carries the proposal out."""
    return writer.perform(consortium.vote(proposal_id, body.support), body)


@proposals.post(
    "/{proposal_id}/cancellation", status_code=202, response_model=OperationPublic, responses=WRITE_RESPONSES
)
def cancel(proposal_id: ProposalId, consortium: ConsortiumDep, writer: WriterDep) -> JSONResponse:
    """Withdraw an open proposal (caller: its proposer)."""
    return writer.perform(consortium.cancel(proposal_id), {})
