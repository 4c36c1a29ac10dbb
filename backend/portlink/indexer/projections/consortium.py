"""Projections of the consortium registry's events: ports, members and their roles."""

from __future__ import annotations

from portlink.indexer.projections.base import Event, Projector, handles, role_id
from portlink.manifest import REGISTRY
from portlink.store import schema


@handles(REGISTRY, "PortAdded")
def _port_added(p: Projector, e: Event) -> None:
    a = e.args
    p.put(schema.ports, code=a["port"], name=a["name"], authority=a["authority"])


@handles(REGISTRY, "PortAuthorityChanged")
def _port_authority(p: Projector, e: Event) -> None:
    p.update(schema.ports, (e.args["port"],), authority=e.args["authority"])


@handles(REGISTRY, "MemberAdded")
def _member_added(p: Projector, e: Event) -> None:
    a = e.args
    p.put(
        schema.members, account=a["account"], name=a["name"], org_id=a["orgId"], status="ACTIVE", suspension_reason=None
    )


@handles(REGISTRY, "MemberSuspended")
def _member_suspended(p: Projector, e: Event) -> None:
    p.update(schema.members, (e.args["account"],), status="SUSPENDED", suspension_reason=e.args["reason"])


@handles(REGISTRY, "MemberReinstated")
def _member_reinstated(p: Projector, e: Event) -> None:
    p.update(schema.members, (e.args["account"],), status="ACTIVE", suspension_reason=None)


@handles(REGISTRY, "MemberRoleGranted")
def _role_granted(p: Projector, e: Event) -> None:
    a = e.args
    port = a["port"] or ""  # none: a role held globally
    p.put(schema.member_roles, account=a["account"], role_id=role_id(a["role"]), port=port, role=a["role"])


@handles(REGISTRY, "MemberRoleRevoked")
def _role_revoked(p: Projector, e: Event) -> None:
    a = e.args
    p.remove(schema.member_roles, a["account"], role_id(a["role"]), a["port"] or "")
