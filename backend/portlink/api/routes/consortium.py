"""Members and ports of the consortium, as indexed (public to every member)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from portlink.api.deps import CallerDep, Offset, QueriesDep
from portlink.api.fields import Address
from portlink.api.models import Public
from portlink.api.problems import responses
from portlink.domain.consortium import Role
from portlink.errors import NotFoundError

members = APIRouter(prefix="/v1/members", tags=["members"])
ports = APIRouter(prefix="/v1/ports", tags=["ports"])


class MemberPublic(Public):
    """A member with its roles (``port`` null for a global role)."""

    account: str
    name: str
    orgId: str
    status: str
    roles: list[dict[str, str | None]]
    confirmed: bool


class PortPublic(Public):
    """A port by UN/LOCODE with its authority."""

    code: str
    name: str
    authority: str
    confirmed: bool


@members.get("", response_model=list[MemberPublic], responses=responses(401))
def list_members(
    queries: QueriesDep,
    caller: CallerDep,
    role: Annotated[Role | None, Query(description="Only members holding this role.")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
) -> list[MemberPublic]:
    """Consortium members in account order."""
    return [MemberPublic(**m) for m in queries.members(role=role.value if role else None, limit=limit, offset=offset)]


@members.get("/me", response_model=MemberPublic, responses=responses(401))
def who_am_i(queries: QueriesDep, caller: CallerDep) -> MemberPublic:
    """The member the API key acts for."""
    member = queries.member(caller.member)
    assert member is not None
    return MemberPublic(**member)


@members.get("/{account}", response_model=MemberPublic, responses=responses(401, 404))
def get_member(account: Annotated[Address, Path()], queries: QueriesDep, caller: CallerDep) -> MemberPublic:
    """One member."""
    member = queries.member(account)
    if member is None:
        raise NotFoundError(f"{account} is not a consortium member")
    return MemberPublic(**member)


@ports.get("", response_model=list[PortPublic], responses=responses(401))
def list_ports(queries: QueriesDep, caller: CallerDep) -> list[PortPublic]:
    """Every port of the consortium."""
    return [PortPublic(**p) for p in queries.ports()]


@ports.get("/{code}", response_model=PortPublic, responses=responses(401, 404))
def get_port(
    code: Annotated[str, Path(pattern=r"^[A-Z]{2}[A-Z2-9]{3}$")], queries: QueriesDep, caller: CallerDep
) -> PortPublic:
    """One port by UN/LOCODE."""
    port = queries.port(code)
    if port is None:
        known = ", ".join(p["code"] for p in queries.ports())
        raise NotFoundError(f"no port {code} in the consortium (ports: {known})")
    return PortPublic(**port)
