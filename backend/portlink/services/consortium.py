"""The consortium: ports and members as indexed, and the port authorities' governance (proposals, votes,
cancellations) as writes of the governance contract, the registry's only writer."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from sqlalchemy import Engine, select

from portlink.domain.consortium import Role, parse_unlocode
from portlink.manifest import GOVERNANCE
from portlink.services.operations import Call, Write
from portlink.services.sql import rows
from portlink.store import schema


@dataclass(frozen=True)
class MemberRole:
    """A role a member holds, globally (``port`` ``None``) or at a port."""

    role: str
    port: str | None


@dataclass(frozen=True)
class Member:
    """A consortium member as indexed."""

    account: str
    name: str
    org_id: str
    status: str
    roles: tuple[MemberRole, ...]
    confirmed: bool


@dataclass(frozen=True)
class Port:
    """A port by UN/LOCODE with its authority."""

    code: str
    name: str
    authority: str
    confirmed: bool


class ProposalKind(StrEnum):
    """What a proposal changes in the registry (the governance contract's ``ProposalKind``)."""

    ADD_MEMBER = "ADD_MEMBER"
    ADD_PORT = "ADD_PORT"
    GRANT_ROLE = "GRANT_ROLE"
    REVOKE_ROLE = "REVOKE_ROLE"
    SUSPEND_MEMBER = "SUSPEND_MEMBER"
    REINSTATE_MEMBER = "REINSTATE_MEMBER"
    SET_PARAMETER = "SET_PARAMETER"


@dataclass(frozen=True)
class Proposal:
    """A change a port authority proposes. Fields a kind does not use are ``None``: ``account`` (the member
    concerned; a port's authority), ``role``/``port`` (a first or granted/revoked role; ``port`` is also the port
    admitted), ``name``/``org_id`` (a new member's, or a port's name and its authority's org id with
    ``authority_name``), ``reason`` (a suspension's, hashed on chain), ``key``/``value`` (a parameter)."""

    kind: ProposalKind
    account: str | None = None
    role: Role | None = None
    port: str | None = None
    name: str | None = None
    org_id: str | None = None
    authority_name: str | None = None
    reason: str | None = None
    key: str | None = None
    value: int | None = None


def parameter_key(key: str) -> bytes:
    """A registry parameter key: 32 bytes given as 0x-hex, or the keccak-256 of its name
    (``portlink.governance.proposalLifetime``)."""
    if key.startswith("0x") and len(key) == 66:
        return bytes.fromhex(key[2:])
    return keccak(text=key)


def _port(code: str | None) -> bytes:
    return parse_unlocode(code) if code else bytes(5)


def _role(role: Role | None) -> bytes:
    return role.id if role is not None else bytes(32)


class ConsortiumService:
    """Reads of ports and members; governance writes."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # ------------------------------------------------------------------ reading

    def member(self, account: str) -> Member | None:
        """A member with its roles, or ``None``."""
        account = to_checksum_address(account)
        spelled = [account, account.lower()]
        with self.engine.connect() as conn:
            found = rows(conn, select(schema.members).where(schema.members.c.account.in_(spelled)))
            if not found:
                return None
            roles = rows(conn, select(schema.member_roles).where(schema.member_roles.c.account.in_(spelled)))
        return self._member(found[0], roles)

    @staticmethod
    def _member(row: dict[str, object], roles: list[dict[str, object]]) -> Member:
        return Member(
            account=to_checksum_address(str(row["account"])),
            name=str(row["name"]),
            org_id=str(row["org_id"]),
            status=str(row["status"]),
            roles=tuple(
                sorted(
                    (MemberRole(str(r["role"]), str(r["port"]) if r["port"] else None) for r in roles),
                    key=lambda r: (r.role, r.port or ""),
                )
            ),
            confirmed=bool(row["confirmed"]),
        )

    def members(self, *, role: str | None = None, limit: int = 100, offset: int = 0) -> list[Member]:
        """Members in account order, optionally only those holding ``role``."""
        m, mr = schema.members, schema.member_roles
        with self.engine.connect() as conn:
            query = select(m).order_by(m.c.account)
            if role:
                query = query.where(m.c.account.in_(select(mr.c.account).where(mr.c.role == role)))
            found = rows(conn, query.limit(limit).offset(offset))
            roles = rows(conn, select(mr).where(mr.c.account.in_([x["account"] for x in found])))
        by_account: dict[object, list[dict[str, object]]] = {}
        for r in roles:
            by_account.setdefault(r["account"], []).append(r)
        return [self._member(x, by_account.get(x["account"], [])) for x in found]

    def ports(self) -> list[Port]:
        """Every port."""
        with self.engine.connect() as conn:
            found = rows(conn, select(schema.ports).order_by(schema.ports.c.code))
        return [self._port(r) for r in found]

    def port(self, code: str) -> Port | None:
        """One port by UN/LOCODE."""
        with self.engine.connect() as conn:
            found = rows(conn, select(schema.ports).where(schema.ports.c.code == code))
        return self._port(found[0]) if found else None

    @staticmethod
    def _port(r: dict[str, object]) -> Port:
        return Port(
            code=str(r["code"]),
            name=str(r["name"]),
            authority=to_checksum_address(str(r["authority"])),
            confirmed=bool(r["confirmed"]),
        )

    def port_codes(self) -> list[str]:
        """The UN/LOCODEs of the consortium's ports."""
        return [p.code for p in self.ports()]

    # ------------------------------------------------------------------ governance

    @staticmethod
    def propose(proposal: Proposal) -> Write:
        """A port authority's proposal (the proposer's vote for it is cast with it)."""
        p, kind = proposal, proposal.kind
        if kind is ProposalKind.ADD_MEMBER:
            call = Call(GOVERNANCE, "proposeMember", [p.account, p.name, p.org_id or "", _role(p.role), _port(p.port)])
        elif kind is ProposalKind.ADD_PORT:
            call = Call(
                GOVERNANCE,
                "proposePort",
                [_port(p.port), p.name, p.account, p.authority_name or "", p.org_id or ""],
            )
        elif kind in (ProposalKind.GRANT_ROLE, ProposalKind.REVOKE_ROLE):
            function = "proposeRoleGrant" if kind is ProposalKind.GRANT_ROLE else "proposeRoleRevoke"
            call = Call(GOVERNANCE, function, [p.account, _role(p.role), _port(p.port)])
        elif kind is ProposalKind.SUSPEND_MEMBER:
            call = Call(GOVERNANCE, "proposeSuspension", [p.account, keccak(text=p.reason or "")])
        elif kind is ProposalKind.REINSTATE_MEMBER:
            call = Call(GOVERNANCE, "proposeReinstatement", [p.account])
        else:
            call = Call(GOVERNANCE, "proposeParameter", [parameter_key(p.key or ""), p.value or 0])
        return Write(f"governance.propose.{kind.value.lower()}", call)

    @staticmethod
    def vote(proposal_id: int, support: bool) -> Write:
        """A port authority's vote."""
        return Write("governance.vote", Call(GOVERNANCE, "vote", [proposal_id, support]))

    @staticmethod
    def cancel(proposal_id: int) -> Write:
        """The proposer withdraws its proposal."""
        return Write("governance.cancel", Call(GOVERNANCE, "cancel", [proposal_id]))
