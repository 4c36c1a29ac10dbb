"""The bootstrap consortium (ports, authorities, members) set at deployment, read from a YAML file."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Annotated, Any

import yaml
from eth_typing import ChecksumAddress
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from portlink.domain.consortium import Role, parse_address, parse_unlocode, role_named
from portlink.errors import ConfigurationError


def _address(value: str) -> ChecksumAddress:
    return parse_address(value)


def _unlocode(value: str) -> str:
    return parse_unlocode(value).decode()


Address = Annotated[str, AfterValidator(_address)]
UnLocode = Annotated[str, AfterValidator(_unlocode)]


class RoleGrant(BaseModel):
    """One role of a member, written ``ROLE`` or ``ROLE@UNLOCODE`` in the seed file."""

    model_config = ConfigDict(frozen=True)

    role: Role
    port: str | None = None

    @classmethod
    def parse(cls, text: str) -> RoleGrant:
        """Parse ``CUSTOMS@CNSHK`` or ``CARRIER``."""
        name, _, port = text.partition("@")
        role = role_named(name)
        if role.port_scoped and not port:
            raise ValueError(f"role {role.value} is held per port: write {role.value}@<UN/LOCODE>")
        if not role.port_scoped and port:
            raise ValueError(f"role {role.value} is held globally: drop '@{port}'")
        return cls(role=role, port=_unlocode(port) if port else None)


class MemberSpec(BaseModel):
    """A bootstrap member and its roles."""

    model_config = ConfigDict(extra="forbid")

    account: Address
    name: str = Field(min_length=1)
    org_id: str = ""
    roles: list[RoleGrant] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _parse_roles(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("roles"), list):
            data = {**data, "roles": [RoleGrant.parse(r) if isinstance(r, str) else r for r in data["roles"]]}
        return data


class PortSpec(BaseModel):
    """A bootstrap port and its authority."""

    model_config = ConfigDict(extra="forbid")

    code: UnLocode
    name: str = Field(min_length=1)
    authority: MemberSpec


class Seed(BaseModel):
    """The whole bootstrap consortium."""

    model_config = ConfigDict(extra="forbid")

    ports: list[PortSpec] = Field(min_length=1)
    members: list[MemberSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> Seed:
        codes = [p.code for p in self.ports]
        if len(set(codes)) != len(codes):
            raise ValueError(f"a port is listed twice: {codes}")
        authorities = [p.authority.account for p in self.ports]
        if len(set(authorities)) != len(authorities):
            raise ValueError("one account is the authority of two ports; each port needs its own")
        accounts = [m.account for m in self.members]
        if len(set(accounts)) != len(accounts):
            raise ValueError("a member is listed twice; give one entry several roles instead")
        clash = set(accounts) & set(authorities)
        if clash:
            raise ValueError(f"{sorted(clash)} listed both as a port authority and as a member")
        for m in self.members:
            for g in m.roles:
                if g.role is Role.PORT_AUTHORITY:
                    raise ValueError(f"{m.name}: port authorities are set under `ports`, not `members`")
                if g.port is not None and g.port not in codes:
                    raise ValueError(f"{m.name}: role {g.role.value}@{g.port} names a port not in `ports`")
        return self

    def port_seeds(self) -> list[tuple[bytes, str, str, str, str]]:
        """``IConsortiumRegistry.PortSeed[]`` constructor argument."""
        return [
            (parse_unlocode(p.code), p.name, p.authority.account, p.authority.name, p.authority.org_id)
            for p in self.ports
        ]

    def member_seeds(self) -> list[tuple[str, str, str, bytes, bytes]]:
        """``IConsortiumRegistry.MemberSeed[]`` constructor argument: one entry per role (a bare entry for none)."""
        seeds: list[tuple[str, str, str, bytes, bytes]] = []
        for m in self.members:
            grants: list[RoleGrant | None] = list(m.roles) or [None]
            for g in grants:
                role = g.role.id if g else bytes(32)
                port = parse_unlocode(g.port) if g and g.port else bytes(5)
                seeds.append((m.account, m.name, m.org_id, role, port))
        return seeds


def load_seed(path: Path) -> tuple[Seed, str]:
    """The seed in ``path`` and the SHA-256 of its bytes; a :class:`ConfigurationError` if it is invalid."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigurationError(f"seed file {path} does not exist") from None
    try:
        seed = Seed.model_validate(yaml.safe_load(raw))
    except yaml.YAMLError as exc:
        raise ConfigurationError(f"{path}: not valid YAML: {exc}".replace("\n", " ")) from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "top level"
        raise ConfigurationError(f"{path}: {where}: {first['msg']}") from None
    return seed, hashlib.sha256(raw).hexdigest()
