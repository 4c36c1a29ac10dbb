"""Projections of the consortium registry: ports, members and their roles."""

from __future__ import annotations

from sqlalchemy import Column, String, Table

from portlink.store.columns import ADDRESS, HASH, PORT, changed, metadata

ports = Table(
    "ports",
    metadata,
    Column("code", String(PORT), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("authority", String(ADDRESS), nullable=False),
    *changed(),
)

members = Table(
    "members",
    metadata,
    Column("account", String(ADDRESS), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("org_id", String(200), nullable=False),
    Column("status", String(20), nullable=False),
    Column("suspension_reason", String(HASH), nullable=True),
    *changed(),
)

member_roles = Table(
    "member_roles",
    metadata,
    Column("account", String(ADDRESS), primary_key=True),
    Column("role_id", String(HASH), primary_key=True),
    Column("port", String(PORT), primary_key=True, comment="Empty for a role held globally."),
    Column("role", String(40), nullable=False, comment="The role's name, or its id if PortLink does not know it."),
    *changed(),
)
