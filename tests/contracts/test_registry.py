"""ConsortiumRegistry: the pilot seed, governance-only changes, port-scoped roles, suspension, reads, constructor."""

from __future__ import annotations

import pytest
from ape.exceptions import ContractLogicError
from eth_abi import encode
from eth_utils.crypto import keccak
from hexbytes import HexBytes
from portlink.domain.consortium import Role
from web3.exceptions import ContractCustomError

from tests.conftest import HONG_KONG, NO_PORT, NO_ROLE, ROLE_IDS, SHEKOU, SHUNDE, error_data, reverts

# ---------------------------------------------------------------------------------------------------- helpers

DAY = 86_400
ZERO_ADDRESS = "0x" + "00" * 20
STATUS_NONE, STATUS_ACTIVE, STATUS_SUSPENDED = 0, 1, 2  # IConsortiumRegistry.MemberStatus
PORT_NONE, PORT_ACTIVE = 0, 1  # IConsortiumRegistry.PortStatus
PROPOSAL_EXECUTED = 2  # IConsortiumGovernance.ProposalState
REASON = keccak(text="pilot incident report 2026-042")
UNKNOWN_ROLE = keccak(text="HARBOUR_MASTER")
DEFAULT_ADMIN_ROLE = NO_ROLE

#: Every role deployments/pilot.yaml gives, as (member, role, port).
SEEDED_ROLES = [
    ("shekou_authority", Role.PORT_AUTHORITY, SHEKOU),
    ("shunde_authority", Role.PORT_AUTHORITY, SHUNDE),
    ("shekou_customs", Role.CUSTOMS, SHEKOU),
    ("shunde_customs", Role.CUSTOMS, SHUNDE),
    ("shekou_terminal", Role.TERMINAL, SHEKOU),
    ("shunde_terminal", Role.TERMINAL, SHUNDE),
    ("carrier", Role.CARRIER, NO_PORT),
    ("shipper", Role.SHIPPER, NO_PORT),
    ("consignee", Role.CONSIGNEE, NO_PORT),
    ("financier", Role.FINANCIER, NO_PORT),
    ("tax_authority", Role.TAX_AUTHORITY, NO_PORT),
    ("iot_gateway", Role.IOT_GATEWAY, NO_PORT),
    ("auditor", Role.AUDITOR, NO_PORT),
    ("issuer", Role.SETTLEMENT_ISSUER, NO_PORT),
]
SEEDED_MEMBERS = [member for member, _, _ in SEEDED_ROLES]
#: Everyone who may send a transaction except the governance contract: every seeded member, the deployer, an outsider.
NOT_GOVERNANCE = ["deployer", *SEEDED_MEMBERS, "outsider"]
#: Every (role, port) a role check can ask about in the pilot: global roles without a port, the others per port.
ROLE_SLOTS = [(role, NO_PORT) for role in Role if not role.port_scoped] + [
    (role, port) for role in Role if role.port_scoped for port in (SHEKOU, SHUNDE)
]


def port_role_id(role: bytes, port: bytes) -> bytes:
    """`keccak256(abi.encode(role, port))`, computed off-chain."""
    return keccak(encode(["bytes32", "bytes5"], [role, port]))


def holds(registry, account, role: Role, port: bytes) -> bool:
    """Whether the registry says `account` holds `role` (at `port` for port-scoped roles), asked both ways."""
    if port == NO_PORT:
        return registry.hasRole(role.id, account)
    by_port = registry.hasPortRole(role.id, port, account)
    assert registry.hasRole(port_role_id(role.id, port), account) == by_port
    return by_port


def governed_change_args(name: str, registry, members) -> tuple:
    """Arguments for registry function `name` that the registry would carry out if governance sent them."""
    calls = {
        "addMember": (members.newcomer, "Newcomer Logistics", "ORG-NEW", Role.CARRIER.id, NO_PORT),
        "addPort": (HONG_KONG, "Hong Kong", members.newcomer, "Hong Kong Marine Department", "HK-MD"),
        "grantMemberRole": (members.carrier, Role.AUDITOR.id, NO_PORT),
        "revokeMemberRole": (members.carrier, Role.CARRIER.id, NO_PORT),
        "suspendMember": (members.carrier, REASON),
        "reinstateMember": (members.carrier,),  # (the carrier must be suspended first for this one to succeed)
        "setParameter": (registry.WEIGHT_TOLERANCE_BPS(), 750),
    }
    return calls[name]


#: The registry's governed changes and the event each emits.
GOVERNED_EVENTS = {
    "addMember": "MemberAdded",
    "addPort": "PortAdded",
    "grantMemberRole": "MemberRoleGranted",
    "revokeMemberRole": "MemberRoleRevoked",
    "suspendMember": "MemberSuspended",
    "reinstateMember": "MemberReinstated",
    "setParameter": "ParameterSet",
}
GOVERNED_CHANGES = list(GOVERNED_EVENTS)
ACCESS_CONTROL_ENTRY_POINTS = ["grantRole", "revokeRole", "renounceRole"]


def deploy_revert_data(project, deployer, governance_address, ports, members) -> HexBytes:
    """Deploy a registry that must revert, and return the revert data (ape does not decode constructor errors)."""
    with pytest.raises(ContractLogicError) as info:
        project.ConsortiumRegistry.deploy(governance_address, ports, members, sender=deployer)
    return HexBytes(info.value.revert_message)


def port_seed(code: bytes, authority, name: str = "Port") -> tuple:
    return (code, name, authority.address, f"{name} Authority", f"PA-{name}")


def member_seed(account, role: bytes, port: bytes = NO_PORT, name: str = "Member") -> tuple:
    return (account.address, name, f"ORG-{name}", role, port)


# ---------------------------------------------------------------------------------------------------- pilot seed


def test_registry_and_governance_point_at_each_other(registry, governance):
    assert registry.governance() == governance.address
    assert governance.registry() == registry.address


def test_pilot_ports_are_registered_with_their_authorities(registry, members, pilot_seed):
    seed, _ = pilot_seed
    assert [p.code for p in seed.ports] == ["CNSHK", "CNSUD"]
    for code, authority, name in (
        (SHEKOU, members.shekou_authority, "Shekou"),
        (SHUNDE, members.shunde_authority, "Shunde"),
    ):
        port = registry.getPort(code)
        assert (port.status, port.authority, port.name) == (PORT_ACTIVE, authority.address, name)
        member = registry.getMember(authority)
        assert member.status == STATUS_ACTIVE
        assert member.authorityOf == code


def test_pilot_has_two_active_authorities(registry):
    assert registry.activeAuthorityCount() == 2


@pytest.mark.parametrize(("member", "role", "port"), SEEDED_ROLES, ids=[m for m, _, _ in SEEDED_ROLES])
def test_pilot_member_is_active_with_its_seeded_name(registry, members, pilot_seed, member, role, port):
    seed, _ = pilot_seed
    account = getattr(members, member)
    specs = [p.authority for p in seed.ports] + list(seed.members)
    spec = next(s for s in specs if s.account == account.address)
    record = registry.getMember(account)
    assert (record.status, record.name, record.orgId) == (STATUS_ACTIVE, spec.name, spec.org_id)
    assert record.authorityOf == (port if role is Role.PORT_AUTHORITY else NO_PORT)
    assert registry.isActiveMember(account)


@pytest.mark.parametrize(("member", "role", "port"), SEEDED_ROLES, ids=[m for m, _, _ in SEEDED_ROLES])
def test_pilot_member_holds_exactly_its_seeded_role(registry, members, member, role, port):
    account = getattr(members, member)
    held = {(r, p) for r, p in ROLE_SLOTS if holds(registry, account, r, p)}
    assert held == {(role, port)}
    # The global PORT_AUTHORITY id is the vote; no other port-scoped role is held under its bare id.
    for scoped in (Role.PORT_AUTHORITY, Role.CUSTOMS, Role.TERMINAL):
        expected = scoped is Role.PORT_AUTHORITY and role is Role.PORT_AUTHORITY
        assert registry.hasRole(scoped.id, account) == expected


@pytest.mark.parametrize("account", ["deployer", "newcomer", "newcomer2", "outsider"])
def test_accounts_outside_the_seed_are_not_members(registry, members, account):
    who = getattr(members, account)
    assert not registry.isActiveMember(who)
    record = registry.getMember(who)
    assert (record.status, record.authorityOf, record.name, record.orgId) == (STATUS_NONE, NO_PORT, "", "")
    assert not any(holds(registry, who, r, p) for r, p in ROLE_SLOTS)
    assert not registry.hasRole(DEFAULT_ADMIN_ROLE, who)


def test_parameters_start_at_their_defaults(registry):
    assert registry.PROPOSAL_LIFETIME() == keccak(text="portlink.governance.proposalLifetime")
    assert registry.WEIGHT_TOLERANCE_BPS() == keccak(text="portlink.shipments.weightToleranceBps")
    assert registry.parameter(registry.PROPOSAL_LIFETIME()) == 7 * DAY
    assert registry.parameter(registry.WEIGHT_TOLERANCE_BPS()) == 500
    assert registry.parameter(keccak(text="portlink.never.set")) == 0


def test_nobody_holds_the_access_control_admin_role(registry, governance, members):
    for name in NOT_GOVERNANCE:
        assert not registry.hasRole(DEFAULT_ADMIN_ROLE, getattr(members, name))
    assert not registry.hasRole(DEFAULT_ADMIN_ROLE, governance.address)


# ---------------------------------------------------------------------------------------------------- governance only


@pytest.mark.parametrize("function", GOVERNED_CHANGES, ids=GOVERNED_CHANGES)
@pytest.mark.parametrize("caller", NOT_GOVERNANCE, ids=NOT_GOVERNANCE)
def test_governed_change_reverts_if_caller_is_not_governance(registry, members, caller, function):
    sender = getattr(members, caller)
    args = governed_change_args(function, registry, members)
    with reverts(registry.ConsortiumOnlyGovernance, caller=sender.address):
        getattr(registry, function)(*args, sender=sender)


@pytest.mark.parametrize("function", GOVERNED_CHANGES, ids=GOVERNED_CHANGES)
def test_governed_change_is_carried_out_if_caller_is_governance(
    chain, accounts, registry, governance, members, function
):
    # The positive control of the test above: the same calls, sent from the governance contract's own address.
    chain.set_balance(governance.address, 10**18)
    as_governance = accounts[governance.address]
    if function == "reinstateMember":
        registry.suspendMember(members.carrier, REASON, sender=as_governance)
    args = governed_change_args(function, registry, members)
    receipt = getattr(registry, function)(*args, sender=as_governance)
    assert not receipt.failed
    assert GOVERNED_EVENTS[function] in [log.event_name for log in receipt.events]
    assert registry.isActiveMember(members.carrier) == (function != "suspendMember")


# grantRole/revokeRole/renounceRole are `pure`, so ape would only eth_call them (and cannot decode errors of
# calls on Anvil); `.transact` sends them as the transactions a member's wallet would send.


@pytest.mark.parametrize("function", ACCESS_CONTROL_ENTRY_POINTS, ids=ACCESS_CONTROL_ENTRY_POINTS)
@pytest.mark.parametrize("caller", NOT_GOVERNANCE, ids=NOT_GOVERNANCE)
def test_access_control_entry_point_reverts_for_every_caller(registry, members, caller, function):
    sender = getattr(members, caller)
    with reverts(registry.ConsortiumRolesChangeOnlyByVote):
        getattr(registry, function).transact(Role.CARRIER.id, sender, sender=sender)


@pytest.mark.parametrize("function", ACCESS_CONTROL_ENTRY_POINTS, ids=ACCESS_CONTROL_ENTRY_POINTS)
def test_access_control_entry_point_reverts_even_for_governance(
    chain, accounts, registry, governance, members, function
):
    chain.set_balance(governance.address, 10**18)
    as_governance = accounts[governance.address]
    with reverts(registry.ConsortiumRolesChangeOnlyByVote):
        getattr(registry, function).transact(Role.CARRIER.id, members.carrier, sender=as_governance)


@pytest.mark.parametrize("function", ACCESS_CONTROL_ENTRY_POINTS, ids=ACCESS_CONTROL_ENTRY_POINTS)
def test_access_control_entry_point_reverts_in_a_call_too(chain, registry, members, function):
    data = getattr(registry, function).encode_input(Role.CARRIER.id, members.carrier)
    with pytest.raises(ContractCustomError) as info:
        chain.provider.web3.eth.call({"from": members.shekou_authority.address, "to": registry.address, "data": data})
    assert HexBytes(info.value.data) == error_data(registry, "ConsortiumRolesChangeOnlyByVote")


def test_access_control_entry_points_change_nothing(registry, members):
    for function in ACCESS_CONTROL_ENTRY_POINTS:
        with reverts(registry.ConsortiumRolesChangeOnlyByVote):
            getattr(registry, function).transact(Role.CARRIER.id, members.carrier, sender=members.carrier)
    assert registry.hasRole(Role.CARRIER.id, members.carrier)


# ---------------------------------------------------------------------------------------------------- port scoping


def test_shunde_terminal_is_a_terminal_at_shunde_only(registry, members):
    terminal, role = members.shunde_terminal, Role.TERMINAL.id
    assert registry.hasPortRole(role, SHUNDE, terminal)
    assert registry.hasRole(registry.portRoleId(role, SHUNDE), terminal)
    assert not registry.hasPortRole(role, SHEKOU, terminal)
    assert not registry.hasRole(registry.portRoleId(role, SHEKOU), terminal)
    assert not registry.hasRole(role, terminal)  # the bare TERMINAL id is never held


@pytest.mark.parametrize(
    ("member", "role", "port", "other_port"),
    [(m, r, p, SHUNDE if p == SHEKOU else SHEKOU) for m, r, p in SEEDED_ROLES if r.port_scoped],
    ids=[m for m, r, _ in SEEDED_ROLES if r.port_scoped],
)
def test_port_scoped_role_is_held_at_its_port_and_not_at_the_other(registry, members, member, role, port, other_port):
    account = getattr(members, member)
    assert registry.hasPortRole(role.id, port, account)
    assert not registry.hasPortRole(role.id, other_port, account)
    assert not registry.hasPortRole(role.id, NO_PORT, account)
    assert not registry.hasPortRole(role.id, HONG_KONG, account)  # not a consortium port


def test_port_authority_also_holds_the_global_port_authority_id_its_vote(registry, members):
    for authority in (members.shekou_authority, members.shunde_authority):
        assert registry.hasRole(Role.PORT_AUTHORITY.id, authority)
    for member in ("shekou_customs", "shekou_terminal", "carrier"):
        assert not registry.hasRole(Role.PORT_AUTHORITY.id, getattr(members, member))


@pytest.mark.parametrize(
    ("member", "role"),
    [(m, r) for m, r, _ in SEEDED_ROLES if not r.port_scoped],
    ids=[m for m, r, _ in SEEDED_ROLES if not r.port_scoped],
)
def test_global_role_is_not_held_under_a_port_id(registry, members, member, role):
    account = getattr(members, member)
    assert registry.hasRole(role.id, account)
    assert not registry.hasPortRole(role.id, SHEKOU, account)
    assert not registry.hasPortRole(role.id, SHUNDE, account)
    assert not registry.hasPortRole(role.id, NO_PORT, account)  # portRoleId(role, 0) is not the global id


# ---------------------------------------------------------------------------------------------------- suspension


SUSPENDABLE = [s for s in SEEDED_ROLES if s[0] in ("shekou_customs", "shunde_terminal", "carrier", "auditor")]


@pytest.mark.parametrize(("member", "role", "port"), SUSPENDABLE, ids=[m for m, _, _ in SUSPENDABLE])
def test_suspended_member_fails_every_role_check_until_reinstated(registry, members, admit, member, role, port):
    account = getattr(members, member)
    admit("proposeSuspension", account, REASON)
    assert registry.getMember(account).status == STATUS_SUSPENDED
    assert not registry.isActiveMember(account)
    assert not holds(registry, account, role, port)
    assert not registry.hasRole(port_role_id(role.id, port) if role.port_scoped else role.id, account)
    assert registry.activeAuthorityCount() == 2  # not an authority

    admit("proposeReinstatement", account)
    assert registry.getMember(account).status == STATUS_ACTIVE
    assert registry.isActiveMember(account)
    assert holds(registry, account, role, port)


@pytest.mark.parametrize(("member", "role", "port"), SUSPENDABLE, ids=[m for m, _, _ in SUSPENDABLE])
def test_role_revoked_while_suspended_stays_revoked_after_reinstatement(
    registry, governance, members, admit, member, role, port
):
    # Regression: AccessControl's _revokeRole asks the suspension-aware hasRole, so the role stayed stored.
    account = getattr(members, member)
    admit("proposeSuspension", account, REASON)
    pid, _ = admit("proposeRoleRevoke", account, role.id, port)
    assert governance.state(pid) == PROPOSAL_EXECUTED
    admit("proposeReinstatement", account)
    assert registry.isActiveMember(account)
    assert not holds(registry, account, role, port)


def test_suspended_authority_loses_its_vote_and_the_electorate_shrinks(registry, members, admit):
    admit("proposeSuspension", members.shunde_authority, REASON)
    assert not registry.hasRole(Role.PORT_AUTHORITY.id, members.shunde_authority)
    assert not registry.hasPortRole(Role.PORT_AUTHORITY.id, SHUNDE, members.shunde_authority)
    assert registry.activeAuthorityCount() == 1
    # The suspended authority is still the port's authority: the slot is not freed by a suspension.
    assert registry.getPort(SHUNDE).authority == members.shunde_authority.address
    assert registry.getMember(members.shunde_authority).authorityOf == SHUNDE


def test_suspension_keeps_the_member_record(registry, members, admit):
    before = registry.getMember(members.carrier)
    admit("proposeSuspension", members.carrier, REASON)
    after = registry.getMember(members.carrier)
    assert (after.name, after.orgId, after.authorityOf) == (before.name, before.orgId, before.authorityOf)


# ---------------------------------------------------------------------------------------------------- reads


@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
def test_role_constant_equals_the_python_role_id(registry, role):
    assert getattr(registry, f"{role.value}_ROLE")() == ROLE_IDS[role] == keccak(text=role.value)


@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
def test_known_role_is_port_scoped_as_the_python_mirror_says(registry, role):
    assert registry.isKnownRole(role.id)
    assert registry.isPortScoped(role.id) == role.port_scoped


@pytest.mark.parametrize(
    "role",
    [NO_ROLE, UNKNOWN_ROLE, keccak(text="customs"), port_role_id(Role.CUSTOMS.id, SHEKOU)],
    ids=["zero", "unknown-name", "lowercase-name", "port-role-id"],
)
def test_unknown_role_is_neither_known_nor_port_scoped(registry, role):
    assert not registry.isKnownRole(role)
    assert not registry.isPortScoped(role)


@pytest.mark.parametrize(
    ("role", "port"),
    [(Role.CUSTOMS, SHEKOU), (Role.TERMINAL, SHUNDE), (Role.PORT_AUTHORITY, HONG_KONG), (Role.CARRIER, NO_PORT)],
    ids=["customs@CNSHK", "terminal@CNSUD", "authority@HKHKG", "carrier@none"],
)
def test_port_role_id_is_keccak_of_abi_encoded_role_and_port(registry, role, port):
    assert registry.portRoleId(role.id, port) == port_role_id(role.id, port)


def test_port_role_id_differs_per_port_and_from_the_bare_role(registry):
    ids = {registry.portRoleId(Role.CUSTOMS.id, port) for port in (SHEKOU, SHUNDE, NO_PORT)}
    assert len(ids) == 3
    assert Role.CUSTOMS.id not in ids


def test_get_port_of_unknown_code_is_empty(registry):
    port = registry.getPort(HONG_KONG)
    assert (port.status, port.authority, port.name) == (PORT_NONE, ZERO_ADDRESS, "")


# ---------------------------------------------------------------------------------------------------- constructor


def test_constructor_seeds_ports_members_and_repeated_roles(project, members):
    registry = project.ConsortiumRegistry.deploy(
        members.deployer.address,  # any non-zero governance will do here
        [port_seed(HONG_KONG, members.newcomer, "Hong Kong")],
        [
            member_seed(members.carrier, Role.CARRIER.id, name="Carrier"),
            member_seed(members.carrier, Role.CUSTOMS.id, HONG_KONG, name="ignored on repeat"),
            member_seed(members.outsider, NO_ROLE, name="Bare"),
        ],
        sender=members.deployer,
    )
    assert registry.governance() == members.deployer.address
    assert registry.activeAuthorityCount() == 1
    assert registry.hasPortRole(Role.PORT_AUTHORITY.id, HONG_KONG, members.newcomer)
    assert registry.getMember(members.newcomer).name == "Hong Kong Authority"
    assert registry.getMember(members.carrier).name == "Carrier"
    assert registry.hasRole(Role.CARRIER.id, members.carrier)
    assert registry.hasPortRole(Role.CUSTOMS.id, HONG_KONG, members.carrier)
    assert registry.isActiveMember(members.outsider)
    assert not any(holds(registry, members.outsider, r, p) for r, p in ROLE_SLOTS)
    assert registry.parameter(registry.PROPOSAL_LIFETIME()) == 7 * DAY


def test_constructor_reverts_if_governance_is_zero(project, members):
    data = deploy_revert_data(project, members.deployer, ZERO_ADDRESS, [], [])
    assert data == error_data(project.ConsortiumRegistry, "ConsortiumZeroAddress")


# (id, port seeds, member seeds, the error, its arguments); m is the `members` fixture.
# fmt: off
CONSTRUCTOR_REFUSALS = [
    ("invalid-unlocode", lambda m: [port_seed(b"cnshk", m.shekou_authority)], lambda m: [],
     "ConsortiumInvalidUnLocode", lambda m: (b"cnshk",)),
    ("duplicate-port", lambda m: [port_seed(SHEKOU, m.shekou_authority), port_seed(SHEKOU, m.shunde_authority)],
     lambda m: [], "ConsortiumPortExists", lambda m: (SHEKOU,)),
    ("port-role-without-port", lambda m: [port_seed(SHEKOU, m.shekou_authority)],
     lambda m: [member_seed(m.shekou_customs, Role.CUSTOMS.id, NO_PORT)],
     "ConsortiumRoleNeedsPort", lambda m: (Role.CUSTOMS.id,)),
    ("global-role-with-port", lambda m: [port_seed(SHEKOU, m.shekou_authority)],
     lambda m: [member_seed(m.carrier, Role.CARRIER.id, SHEKOU)],
     "ConsortiumRoleIsGlobal", lambda m: (Role.CARRIER.id, SHEKOU)),
    ("unknown-role", lambda m: [port_seed(SHEKOU, m.shekou_authority)],
     lambda m: [member_seed(m.carrier, UNKNOWN_ROLE)],
     "ConsortiumUnknownRole", lambda m: (UNKNOWN_ROLE,)),
    ("one-authority-for-two-ports",
     lambda m: [port_seed(SHEKOU, m.shekou_authority), port_seed(SHUNDE, m.shekou_authority)],
     lambda m: [], "ConsortiumAlreadyAuthority", lambda m: (m.shekou_authority.address, SHEKOU)),
    ("port-role-at-unknown-port", lambda m: [port_seed(SHEKOU, m.shekou_authority)],
     lambda m: [member_seed(m.shunde_customs, Role.CUSTOMS.id, SHUNDE)],
     "ConsortiumUnknownPort", lambda m: (SHUNDE,)),
    ("second-authority-for-a-port", lambda m: [port_seed(SHEKOU, m.shekou_authority)],
     lambda m: [member_seed(m.carrier, Role.PORT_AUTHORITY.id, SHEKOU)],
     "ConsortiumPortHasAuthority", lambda m: (SHEKOU, m.shekou_authority.address)),
    ("same-role-twice", lambda m: [port_seed(SHEKOU, m.shekou_authority)],
     lambda m: [member_seed(m.carrier, Role.CARRIER.id), member_seed(m.carrier, Role.CARRIER.id)],
     "ConsortiumRoleAlreadyGranted", lambda m: (m.carrier.address, Role.CARRIER.id, NO_PORT)),
    ("zero-port-authority", lambda m: [(SHEKOU, "Shekou", ZERO_ADDRESS, "Nobody", "")], lambda m: [],
     "ConsortiumZeroAddress", lambda m: ()),
    ("zero-member", lambda m: [port_seed(SHEKOU, m.shekou_authority)],
     lambda m: [(ZERO_ADDRESS, "Nobody", "", Role.CARRIER.id, NO_PORT)],
     "ConsortiumZeroAddress", lambda m: ()),
    ("empty-port-name", lambda m: [port_seed(SHEKOU, m.shekou_authority, name="")], lambda m: [],
     "ConsortiumEmptyName", lambda m: ()),
    ("empty-member-name", lambda m: [port_seed(SHEKOU, m.shekou_authority)],
     lambda m: [member_seed(m.carrier, Role.CARRIER.id, name="")],
     "ConsortiumEmptyName", lambda m: ()),
]
# fmt: on


@pytest.mark.parametrize(
    ("ports", "seeds", "error", "args"), [c[1:] for c in CONSTRUCTOR_REFUSALS], ids=[c[0] for c in CONSTRUCTOR_REFUSALS]
)
def test_constructor_reverts_on_inconsistent_seed(project, governance, members, ports, seeds, error, args):
    data = deploy_revert_data(project, members.deployer, governance.address, ports(members), seeds(members))
    assert data == error_data(project.ConsortiumRegistry, error, *args(members))
