"""One ready API key per pilot member on the local development chain, in a git-ignored file a shell can source.

``portlink up`` calls :func:`ensure_dev_api_keys` once the index holds the seed's members: keys still valid from
an earlier run on the same chain are kept, others are issued (and only their hashes stored, as for any key). The
file names each key by the member's role (``PORTLINK_KEY_SHIPPER``, ``PORTLINK_KEY_CUSTOMS_CNSHK``) and is
written atomically, readable by its owner only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from portlink.chain.devwallets import PUBLIC_TEST_KEYS
from portlink.deployment.seed import MemberSpec, Seed
from portlink.errors import AuthenticationError
from portlink.files import write_atomically
from portlink.services.access import ApiKeys

_LINE = re.compile(r"^(PORTLINK_KEY_[A-Z0-9_]+)=(\S+)$")


@dataclass(frozen=True)
class DevApiKey:
    """A member's ready API key."""

    variable: str
    member: str
    name: str
    token: str


def variable_of(member: MemberSpec, *, authority_of: str | None = None) -> str:
    """The shell variable of ``member``'s key: its first role and port (``PORTLINK_KEY_CUSTOMS_CNSHK``)."""
    if authority_of is not None:
        return f"PORTLINK_KEY_PORT_AUTHORITY_{authority_of}"
    if not member.roles:
        return "PORTLINK_KEY_" + re.sub(r"[^A-Z0-9]+", "_", member.name.upper()).strip("_")
    grant = member.roles[0]
    return f"PORTLINK_KEY_{grant.role.value}" + (f"_{grant.port}" if grant.port else "")


def seed_members(seed: Seed) -> list[tuple[str, MemberSpec]]:
    """Every member of the seed (port authorities first) with its key's variable name."""
    return [(variable_of(p.authority, authority_of=p.code), p.authority) for p in seed.ports] + [
        (variable_of(m), m) for m in seed.members
    ]


def _read(path: Path, genesis_hash: str) -> dict[str, str]:
    """The keys an earlier run wrote for the chain with ``genesis_hash`` (none for another chain)."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        return {}
    lines = text.splitlines()
    if not lines or f"genesis {genesis_hash}" not in lines[0]:
        return {}
    return {m.group(1): m.group(2) for line in lines if (m := _LINE.match(line))}


def ensure_dev_api_keys(
    keys: ApiKeys, path: Path, seed: Seed, *, chain_id: int, genesis_hash: str
) -> tuple[list[DevApiKey], int]:
    """One valid API key per seed member in ``path``: earlier ones that still authenticate as their member are
    kept, the others issued. Returns the keys and how many were issued now."""
    earlier = _read(path, genesis_hash)
    ready: list[DevApiKey] = []
    issued = 0
    for variable, member in seed_members(seed):
        token = earlier.get(variable)
        if token is not None:
            try:
                if keys.authenticate(token).member != member.account:
                    token = None
            except AuthenticationError:
                token = None
        if token is None:
            _, token = keys.create(member.account, f"dev key {variable}")
            issued += 1
        ready.append(DevApiKey(variable, member.account, member.name, token))
    lines = [
        f"# PortLink dev API keys, chain {chain_id} genesis {genesis_hash}",
        f"# One per pilot member; they write through custodial {PUBLIC_TEST_KEYS}.",
        "# For this local development chain only: `source` this file, then use $PORTLINK_KEY_SHIPPER and the others.",
    ]
    for key in ready:
        lines += [f"# {key.name} {key.member}", f"{key.variable}={key.token}"]
    write_atomically(path, ("\n".join(lines) + "\n").encode(), mode=0o600)
    return ready, issued
