"""The bootstrap seed file: the pilot loads, and every malformed seed gets a one-line reason."""

from __future__ import annotations

import pytest
from portlink.deployment.seed import load_seed
from portlink.domain.consortium import Role
from portlink.errors import ConfigurationError

from tests.conftest import NO_PORT, PILOT_SEED

A1 = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
A2 = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
A3 = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"

PORTS = f"""
ports:
  - {{code: CNSHK, name: Shekou, authority: {{account: "{A1}", name: Shekou PA}}}}
"""


def _load(tmp_path, text: str):
    path = tmp_path / "seed.yaml"
    path.write_text(text)
    return load_seed(path)


def test_pilot_seed_has_both_ports_and_every_role():
    seed, sha = load_seed(PILOT_SEED)
    assert [p.code for p in seed.ports] == ["CNSHK", "CNSUD"]
    held = {g.role for m in seed.members for g in m.roles} | {Role.PORT_AUTHORITY}
    assert held == set(Role)
    assert len(sha) == 64


def test_member_seeds_encode_one_entry_per_role_and_a_bare_entry_for_none(tmp_path):
    seed, _ = _load(
        tmp_path,
        PORTS
        + f"""
members:
  - {{account: "{A2}", name: Broker, roles: [CUSTOMS@cnshk, SHIPPER]}}
  - {{account: "{A3}", name: Observer}}
""",
    )
    assert seed.member_seeds() == [
        (A2, "Broker", "", Role.CUSTOMS.id, b"CNSHK"),
        (A2, "Broker", "", Role.SHIPPER.id, NO_PORT),
        (A3, "Observer", "", bytes(32), NO_PORT),
    ]
    assert seed.port_seeds() == [(b"CNSHK", "Shekou", A1, "Shekou PA", "")]


@pytest.mark.parametrize(
    ("members", "message"),
    [
        (f'[{{account: "{A2}", name: X, roles: [CUSTOMS]}}]', "held per port: write CUSTOMS@<UN/LOCODE>"),
        (f'[{{account: "{A2}", name: X, roles: [CARRIER@CNSHK]}}]', "held globally: drop '@CNSHK'"),
        (f'[{{account: "{A2}", name: X, roles: [PILOT]}}]', "unknown role 'PILOT'; known roles: PORT_AUTHORITY"),
        (f'[{{account: "{A2}", name: X, roles: [CUSTOMS@CNSUD]}}]', "CUSTOMS@CNSUD names a port not in `ports`"),
        (f'[{{account: "{A2}", name: X, roles: [CUSTOMS@CN1HK]}}]', "'CN1HK' is not a UN/LOCODE"),
        (f'[{{account: "{A2}", name: X, roles: [PORT_AUTHORITY@CNSHK]}}]', "port authorities are set under `ports`"),
        (f'[{{account: "{A2}", name: X}}, {{account: "{A2}", name: Y}}]', "a member is listed twice"),
        (f'[{{account: "{A1}", name: X}}]', "listed both as a port authority and as a member"),
        ('[{account: "0x1234", name: X}]', "members.0.account: Value error, '0x1234' is not an Ethereum address"),
        (f'[{{account: "{A2}", name: ""}}]', "members.0.name: String should have at least 1 character"),
        (f'[{{account: "{A2}", name: X, colour: red}}]', "members.0.colour: Extra inputs are not permitted"),
    ],
    ids=[
        "port-role-without-port",
        "global-role-with-port",
        "unknown-role",
        "port-not-listed",
        "bad-unlocode",
        "authority-as-member",
        "duplicate-member",
        "authority-and-member",
        "bad-address",
        "empty-name",
        "unknown-field",
    ],
)
def test_malformed_member_is_refused_with_a_one_line_reason(tmp_path, members, message):
    with pytest.raises(ConfigurationError) as raised:
        _load(tmp_path, PORTS + f"members: {members}\n")
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)
    assert str(raised.value).startswith(str(tmp_path / "seed.yaml"))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "top level: Input should be a valid dictionary"),
        ("ports: []\n", "ports: List should have at least 1 item"),
        ("ports: [\n", "not valid YAML"),
        (PORTS + PORTS.replace("ports:\n", ""), "a port is listed twice"),
        (
            PORTS + f'  - {{code: CNSUD, name: Shunde, authority: {{account: "{A1}", name: PA}}}}\n',
            "one account is the authority of two ports",
        ),
        (PORTS.replace("CNSHK", "cn-shk"), "'cn-shk' is not a UN/LOCODE"),
    ],
    ids=["empty", "no-ports", "bad-yaml", "duplicate-port", "shared-authority", "bad-port-code"],
)
def test_malformed_seed_is_refused(tmp_path, text, message):
    with pytest.raises(ConfigurationError, match=None) as raised:
        _load(tmp_path, text)
    assert message in str(raised.value)


def test_missing_seed_file_is_named(tmp_path):
    with pytest.raises(ConfigurationError, match="does not exist"):
        load_seed(tmp_path / "nope.yaml")
