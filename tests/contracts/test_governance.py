"""ConsortiumGovernance: proposals of every kind, who may vote, strict majorities, expiry, cancel, failed execution."""

from __future__ import annotations

import pytest
from ape.exceptions import ContractLogicError
from eth_abi import encode
from eth_utils.crypto import keccak
from hexbytes import HexBytes
from portlink.domain.consortium import Role
from web3.exceptions import ContractCustomError

from tests.conftest import HONG_KONG, MACAU, NO_PORT, NO_ROLE, SHEKOU, SHUNDE, error_data, reverts

# ---------------------------------------------------------------------------------------------------- helpers

# IConsortiumGovernance.ProposalState
NONE, ACTIVE, EXECUTED, DEFEATED, CANCELLED, FAILED, EXPIRED = range(7)
# IConsortiumGovernance.ProposalKind
ADD_MEMBER, ADD_PORT, GRANT_ROLE, REVOKE_ROLE, SUSPEND_MEMBER, REINSTATE_MEMBER, SET_PARAMETER = range(1, 8)
# IConsortiumRegistry.MemberStatus
MEMBER_ACTIVE, MEMBER_SUSPENDED = 1, 2

HOUR, DAY = 3_600, 86_400
ZERO_ADDRESS = "0x" + "00" * 20
REASON = keccak(text="pilot incident report 2026-042: seal telemetry tampering")
UNKNOWN_ROLE = keccak(text="HARBOUR_MASTER")
YES, NO = True, False

#: Seeded accounts that are not port authorities, plus accounts that are not members at all.
NON_AUTHORITIES = [
    "deployer",
    "shekou_customs",
    "shunde_customs",
    "shekou_terminal",
    "shunde_terminal",
    "carrier",
    "shipper",
    "consignee",
    "financier",
    "tax_authority",
    "iot_gateway",
    "auditor",
    "newcomer",
    "outsider",
]


def ev(contract, event: str, /, **args) -> tuple:
    """An expected log: emitted by `contract`, called `event`, with exactly `args`."""
    return (contract.address, event, args)


def logs(receipt) -> list[tuple]:
    """Every log of `receipt`, in order, as (emitter, event name, arguments)."""
    return [(log.contract_address, log.event_name, dict(log.event_arguments)) for log in receipt.events]


def vote_cast(governance, pid: int, voter, support: bool, for_votes: int, against_votes: int, electorate: int):
    return ev(
        governance,
        "VoteCast",
        proposalId=pid,
        voter=voter.address,
        support=support,
        forVotes=for_votes,
        againstVotes=against_votes,
        electorate=electorate,
    )


def created(governance, pid: int, kind: int, proposer, expires_at: int, **fields) -> tuple:
    """The expected ProposalCreated log; `fields` overrides the zero values of the fields a kind uses."""
    args = {
        "proposalId": pid,
        "kind": kind,
        "proposer": proposer.address,
        "account": ZERO_ADDRESS,
        "role": NO_ROLE,
        "port": NO_PORT,
        "key": NO_ROLE,
        "value": 0,
        "name": "",
        "orgId": "",
        "authorityName": "",
        "expiresAt": expires_at,
    }
    args.update(fields)
    return ev(governance, "ProposalCreated", **args)


def role_granted(registry, governance, account, role: bytes) -> tuple:
    """OpenZeppelin's RoleGranted, sent by the governance contract (`role` is the AccessControl id)."""
    return ev(registry, "RoleGranted", role=role, account=account.address, sender=governance.address)


def role_revoked(registry, governance, account, role: bytes) -> tuple:
    return ev(registry, "RoleRevoked", role=role, account=account.address, sender=governance.address)


def port_role_id(role: Role, port: bytes) -> bytes:
    return keccak(encode(["bytes32", "bytes5"], [role.id, port]))


def call_revert_data(chain, contract, function: str, *args) -> HexBytes:
    """The revert data of an eth_call of `contract.function(*args)`."""
    data = getattr(contract, function).encode_input(*args)
    with pytest.raises(ContractCustomError) as info:
        chain.provider.web3.eth.call({"to": contract.address, "data": data})
    return HexBytes(info.value.data)


def propose(governance, method: str, *args, sender) -> tuple[int, object]:
    """Send `governance.<method>(*args)` and return (the new proposal's id, the receipt)."""
    receipt = getattr(governance, method)(*args, sender=sender)
    return governance.proposalCount(), receipt


def lifetime(registry) -> int:
    return registry.parameter(registry.PROPOSAL_LIFETIME())


def latest_timestamp(chain) -> int:
    return chain.provider.web3.eth.get_block("latest")["timestamp"]


def new_member_args(members) -> tuple:
    return (members.newcomer, "Pearl Delta Customs Brokers", "ORG-PDCB", Role.CUSTOMS.id, SHEKOU)


# ---------------------------------------------------------------------------------------------------- proposing


def test_proposal_records_its_fields_and_the_proposers_yes_vote(chain, registry, governance, members):
    proposer = members.shekou_authority
    receipt = governance.proposeMember(*new_member_args(members), sender=proposer)
    pid = governance.proposalCount()
    expires_at = receipt.timestamp + 7 * DAY
    assert pid == 1
    assert receipt.return_value == pid
    assert logs(receipt) == [
        created(
            governance,
            pid,
            ADD_MEMBER,
            proposer,
            expires_at,
            account=members.newcomer.address,
            role=Role.CUSTOMS.id,
            port=SHEKOU,
            name="Pearl Delta Customs Brokers",
            orgId="ORG-PDCB",
        ),
        vote_cast(governance, pid, proposer, YES, 1, 0, 2),
    ]
    p = governance.getProposal(pid)
    assert (p.kind, p.state, p.proposer, p.createdAt, p.expiresAt) == (
        ADD_MEMBER,
        ACTIVE,
        proposer.address,
        receipt.timestamp,
        expires_at,
    )
    assert (p.forVotes, p.againstVotes, p.account, p.role, p.port) == (
        1,
        0,
        members.newcomer.address,
        Role.CUSTOMS.id,
        SHEKOU,
    )
    assert (p.key, p.value, p.name, p.orgId, p.authorityName) == (
        NO_ROLE,
        0,
        "Pearl Delta Customs Brokers",
        "ORG-PDCB",
        "",
    )
    assert governance.state(pid) == ACTIVE
    assert governance.hasVoted(pid, proposer)
    assert not governance.hasVoted(pid, members.shunde_authority)
    assert not registry.isActiveMember(members.newcomer)  # nothing happens before the majority


def test_proposal_ids_count_up_from_one(governance, members):
    assert governance.proposalCount() == 0
    for expected in (1, 2, 3):
        receipt = governance.proposeParameter(keccak(text="k"), expected, sender=members.shunde_authority)
        assert receipt.return_value == expected == governance.proposalCount()


# ---------------------------------------------------------------------------------------------------- every kind


def test_member_with_port_role_is_admitted_when_the_vote_passes(registry, governance, members):
    pid, _ = propose(governance, "proposeMember", *new_member_args(members), sender=members.shekou_authority)
    receipt = governance.vote(pid, YES, sender=members.shunde_authority)
    newcomer = members.newcomer
    assert logs(receipt) == [
        vote_cast(governance, pid, members.shunde_authority, YES, 2, 0, 2),
        ev(registry, "MemberAdded", account=newcomer.address, name="Pearl Delta Customs Brokers", orgId="ORG-PDCB"),
        role_granted(registry, governance, newcomer, port_role_id(Role.CUSTOMS, SHEKOU)),
        ev(registry, "MemberRoleGranted", account=newcomer.address, role=Role.CUSTOMS.id, port=SHEKOU),
        ev(governance, "ProposalExecuted", proposalId=pid),
    ]
    assert governance.state(pid) == EXECUTED
    assert governance.getProposal(pid).forVotes == 2
    member = registry.getMember(newcomer)
    assert (member.status, member.authorityOf, member.name, member.orgId) == (
        MEMBER_ACTIVE,
        NO_PORT,
        "Pearl Delta Customs Brokers",
        "ORG-PDCB",
    )
    assert registry.hasPortRole(Role.CUSTOMS.id, SHEKOU, newcomer)
    assert not registry.hasPortRole(Role.CUSTOMS.id, SHUNDE, newcomer)


def test_member_with_global_role_is_admitted_when_the_vote_passes(registry, governance, members, admit):
    pid, _ = admit("proposeMember", members.newcomer, "Lingding Barges", "ORG-LB", Role.CARRIER.id, NO_PORT)
    assert governance.state(pid) == EXECUTED
    assert registry.hasRole(Role.CARRIER.id, members.newcomer)


def test_member_without_role_is_admitted_when_the_vote_passes(registry, governance, members):
    pid, _ = propose(
        governance, "proposeMember", members.newcomer, "Observer", "", NO_ROLE, NO_PORT, sender=members.shekou_authority
    )
    receipt = governance.vote(pid, YES, sender=members.shunde_authority)
    assert logs(receipt) == [
        vote_cast(governance, pid, members.shunde_authority, YES, 2, 0, 2),
        ev(registry, "MemberAdded", account=members.newcomer.address, name="Observer", orgId=""),
        ev(governance, "ProposalExecuted", proposalId=pid),
    ]
    assert registry.isActiveMember(members.newcomer)


def test_port_with_new_authority_is_admitted_when_the_vote_passes(registry, governance, members):
    hk = members.newcomer
    pid, proposed = propose(
        governance,
        "proposePort",
        HONG_KONG,
        "Hong Kong",
        hk,
        "Hong Kong Marine Department",
        "HK-MD",
        sender=members.shekou_authority,
    )
    assert logs(proposed)[0] == created(
        governance,
        pid,
        ADD_PORT,
        members.shekou_authority,
        proposed.timestamp + 7 * DAY,
        account=hk.address,
        port=HONG_KONG,
        name="Hong Kong",
        orgId="HK-MD",
        authorityName="Hong Kong Marine Department",
    )
    receipt = governance.vote(pid, YES, sender=members.shunde_authority)
    assert logs(receipt) == [
        vote_cast(governance, pid, members.shunde_authority, YES, 2, 0, 2),
        ev(registry, "PortAdded", port=HONG_KONG, authority=hk.address, name="Hong Kong"),
        ev(registry, "MemberAdded", account=hk.address, name="Hong Kong Marine Department", orgId="HK-MD"),
        role_granted(registry, governance, hk, Role.PORT_AUTHORITY.id),
        ev(registry, "PortAuthorityChanged", port=HONG_KONG, previousAuthority=ZERO_ADDRESS, authority=hk.address),
        role_granted(registry, governance, hk, port_role_id(Role.PORT_AUTHORITY, HONG_KONG)),
        ev(registry, "MemberRoleGranted", account=hk.address, role=Role.PORT_AUTHORITY.id, port=HONG_KONG),
        ev(governance, "ProposalExecuted", proposalId=pid),
    ]
    port = registry.getPort(HONG_KONG)
    assert (port.status, port.authority, port.name) == (1, hk.address, "Hong Kong")
    assert registry.getMember(hk).authorityOf == HONG_KONG
    assert registry.activeAuthorityCount() == 3


def test_port_with_existing_member_as_authority_is_admitted_without_a_new_member(registry, governance, members):
    carrier = members.carrier
    pid, _ = propose(
        governance, "proposePort", HONG_KONG, "Hong Kong", carrier, "", "", sender=members.shekou_authority
    )
    receipt = governance.vote(pid, YES, sender=members.shunde_authority)
    assert [name for _, name, _ in logs(receipt)] == [
        "VoteCast",
        "PortAdded",
        "RoleGranted",
        "PortAuthorityChanged",
        "RoleGranted",
        "MemberRoleGranted",
        "ProposalExecuted",
    ]
    assert registry.getMember(carrier).name == "Pearl River Feeder Lines (pilot carrier)"
    assert registry.hasPortRole(Role.PORT_AUTHORITY.id, HONG_KONG, carrier)
    assert registry.hasRole(Role.CARRIER.id, carrier)


def test_global_role_grant_is_carried_out_when_the_vote_passes(registry, governance, members):
    carrier = members.carrier
    pid, proposed = propose(
        governance, "proposeRoleGrant", carrier, Role.AUDITOR.id, NO_PORT, sender=members.shekou_authority
    )
    assert logs(proposed)[0] == created(
        governance,
        pid,
        GRANT_ROLE,
        members.shekou_authority,
        proposed.timestamp + 7 * DAY,
        account=carrier.address,
        role=Role.AUDITOR.id,
    )
    receipt = governance.vote(pid, YES, sender=members.shunde_authority)
    assert logs(receipt) == [
        vote_cast(governance, pid, members.shunde_authority, YES, 2, 0, 2),
        role_granted(registry, governance, carrier, Role.AUDITOR.id),
        ev(registry, "MemberRoleGranted", account=carrier.address, role=Role.AUDITOR.id, port=NO_PORT),
        ev(governance, "ProposalExecuted", proposalId=pid),
    ]
    assert registry.hasRole(Role.AUDITOR.id, carrier)
    assert registry.hasRole(Role.CARRIER.id, carrier)


def test_port_role_grant_adds_the_role_at_that_port_only(registry, governance, members):
    terminal = members.shunde_terminal
    pid, _ = propose(
        governance, "proposeRoleGrant", terminal, Role.TERMINAL.id, SHEKOU, sender=members.shekou_authority
    )
    receipt = governance.vote(pid, YES, sender=members.shunde_authority)
    assert logs(receipt)[1:] == [
        role_granted(registry, governance, terminal, port_role_id(Role.TERMINAL, SHEKOU)),
        ev(registry, "MemberRoleGranted", account=terminal.address, role=Role.TERMINAL.id, port=SHEKOU),
        ev(governance, "ProposalExecuted", proposalId=pid),
    ]
    assert registry.hasPortRole(Role.TERMINAL.id, SHEKOU, terminal)
    assert registry.hasPortRole(Role.TERMINAL.id, SHUNDE, terminal)
    assert not registry.hasRole(Role.TERMINAL.id, terminal)


def test_role_revoke_is_carried_out_when_the_vote_passes(registry, governance, members):
    carrier = members.carrier
    pid, proposed = propose(
        governance, "proposeRoleRevoke", carrier, Role.CARRIER.id, NO_PORT, sender=members.shekou_authority
    )
    assert logs(proposed)[0] == created(
        governance,
        pid,
        REVOKE_ROLE,
        members.shekou_authority,
        proposed.timestamp + 7 * DAY,
        account=carrier.address,
        role=Role.CARRIER.id,
    )
    receipt = governance.vote(pid, YES, sender=members.shunde_authority)
    assert logs(receipt) == [
        vote_cast(governance, pid, members.shunde_authority, YES, 2, 0, 2),
        role_revoked(registry, governance, carrier, Role.CARRIER.id),
        ev(registry, "MemberRoleRevoked", account=carrier.address, role=Role.CARRIER.id, port=NO_PORT),
        ev(governance, "ProposalExecuted", proposalId=pid),
    ]
    assert not registry.hasRole(Role.CARRIER.id, carrier)
    assert registry.isActiveMember(carrier)  # still a member, without the role


def test_port_role_revoke_removes_the_role_at_that_port(registry, governance, members, admit):
    pid, _ = admit("proposeRoleRevoke", members.shekou_customs, Role.CUSTOMS.id, SHEKOU)
    assert governance.state(pid) == EXECUTED
    assert not registry.hasPortRole(Role.CUSTOMS.id, SHEKOU, members.shekou_customs)
    assert registry.hasPortRole(Role.CUSTOMS.id, SHUNDE, members.shunde_customs)


def test_suspension_is_carried_out_when_the_vote_passes(registry, governance, members):
    gateway = members.iot_gateway
    pid, proposed = propose(governance, "proposeSuspension", gateway, REASON, sender=members.shekou_authority)
    assert logs(proposed)[0] == created(
        governance,
        pid,
        SUSPEND_MEMBER,
        members.shekou_authority,
        proposed.timestamp + 7 * DAY,
        account=gateway.address,
        key=REASON,
    )
    receipt = governance.vote(pid, YES, sender=members.shunde_authority)
    assert logs(receipt) == [
        vote_cast(governance, pid, members.shunde_authority, YES, 2, 0, 2),
        ev(registry, "MemberSuspended", account=gateway.address, reason=REASON),
        ev(governance, "ProposalExecuted", proposalId=pid),
    ]
    assert registry.getMember(gateway).status == MEMBER_SUSPENDED
    assert not registry.hasRole(Role.IOT_GATEWAY.id, gateway)


def test_reinstatement_is_carried_out_when_the_vote_passes(registry, governance, members, admit):
    gateway = members.iot_gateway
    admit("proposeSuspension", gateway, REASON)
    pid, proposed = propose(governance, "proposeReinstatement", gateway, sender=members.shekou_authority)
    assert logs(proposed)[0] == created(
        governance,
        pid,
        REINSTATE_MEMBER,
        members.shekou_authority,
        proposed.timestamp + 7 * DAY,
        account=gateway.address,
    )
    receipt = governance.vote(pid, YES, sender=members.shunde_authority)
    assert logs(receipt) == [
        vote_cast(governance, pid, members.shunde_authority, YES, 2, 0, 2),
        ev(registry, "MemberReinstated", account=gateway.address),
        ev(governance, "ProposalExecuted", proposalId=pid),
    ]
    assert registry.getMember(gateway).status == MEMBER_ACTIVE
    assert registry.hasRole(Role.IOT_GATEWAY.id, gateway)


def test_parameter_is_set_when_the_vote_passes(registry, governance, members):
    key = registry.WEIGHT_TOLERANCE_BPS()
    pid, proposed = propose(governance, "proposeParameter", key, 250, sender=members.shekou_authority)
    assert logs(proposed)[0] == created(
        governance, pid, SET_PARAMETER, members.shekou_authority, proposed.timestamp + 7 * DAY, key=key, value=250
    )
    receipt = governance.vote(pid, YES, sender=members.shunde_authority)
    assert logs(receipt) == [
        vote_cast(governance, pid, members.shunde_authority, YES, 2, 0, 2),
        ev(registry, "ParameterSet", key=key, previousValue=500, value=250),
        ev(governance, "ProposalExecuted", proposalId=pid),
    ]
    assert registry.parameter(key) == 250


def test_new_parameter_key_is_set_from_zero(registry, governance, members, admit):
    key = keccak(text="portlink.customs.inspectionRateBps")
    _, _ = admit("proposeParameter", key, 120)
    assert registry.parameter(key) == 120


# ---------------------------------------------------------------------------------------------------- who may vote


def open_proposal_calls(registry, members) -> dict[str, tuple]:
    """A valid call of every governance entry point that only port authorities may use."""
    return {
        "proposeMember": new_member_args(members),
        "proposePort": (HONG_KONG, "Hong Kong", members.newcomer2, "Hong Kong Marine Department", "HK-MD"),
        "proposeRoleGrant": (members.carrier, Role.AUDITOR.id, NO_PORT),
        "proposeRoleRevoke": (members.carrier, Role.CARRIER.id, NO_PORT),
        "proposeSuspension": (members.carrier, REASON),
        "proposeReinstatement": (members.carrier,),
        "proposeParameter": (registry.WEIGHT_TOLERANCE_BPS(), 250),
        "vote": (1, YES),  # proposal 1 is opened by the test
    }


AUTHORITY_ONLY = [
    "proposeMember",
    "proposePort",
    "proposeRoleGrant",
    "proposeRoleRevoke",
    "proposeSuspension",
    "proposeReinstatement",
    "proposeParameter",
    "vote",
]


@pytest.mark.parametrize("function", AUTHORITY_ONLY, ids=AUTHORITY_ONLY)
@pytest.mark.parametrize("caller", NON_AUTHORITIES, ids=NON_AUTHORITIES)
def test_proposing_and_voting_revert_if_caller_is_not_a_port_authority(registry, governance, members, caller, function):
    governance.proposeParameter(keccak(text="k"), 1, sender=members.shekou_authority)  # proposal 1
    sender = getattr(members, caller)
    with reverts(governance.GovernanceNotPortAuthority, account=sender.address):
        getattr(governance, function)(*open_proposal_calls(registry, members)[function], sender=sender)
    assert governance.proposalCount() == 1
    assert governance.getProposal(1).forVotes == 1


def test_suspended_authority_can_neither_propose_nor_vote(registry, governance, members, three_ports):
    hk = members.newcomer
    pid, _ = propose(governance, "proposeParameter", keccak(text="k"), 1, sender=members.shekou_authority)
    governance.proposeSuspension(hk, REASON, sender=members.shekou_authority)
    governance.vote(pid + 1, YES, sender=members.shunde_authority)  # 2 of 3
    assert registry.getMember(hk).status == MEMBER_SUSPENDED
    with reverts(governance.GovernanceNotPortAuthority, account=hk.address):
        governance.vote(pid, YES, sender=hk)
    with reverts(governance.GovernanceNotPortAuthority, account=hk.address):
        governance.proposeParameter(keccak(text="k"), 2, sender=hk)
    assert not governance.hasVoted(pid, hk)


def test_suspension_of_an_authority_shrinks_the_electorate_at_once(registry, governance, members, four_ports):
    shekou, shunde, hong_kong, macau = four_ports
    pid, proposed = propose(governance, "proposeParameter", keccak(text="k"), 1, sender=shekou)
    assert logs(proposed)[1] == vote_cast(governance, pid, shekou, YES, 1, 0, 4)
    assert logs(governance.vote(pid, YES, sender=shunde))[-1] == vote_cast(governance, pid, shunde, YES, 2, 0, 4)
    assert governance.state(pid) == ACTIVE  # 2 of 4 is no majority

    suspension, _ = propose(governance, "proposeSuspension", macau, REASON, sender=shekou)
    governance.vote(suspension, YES, sender=shunde)
    governance.vote(suspension, YES, sender=hong_kong)  # 3 of 4
    assert registry.activeAuthorityCount() == 3

    # Two yes votes are now a majority of the three active authorities, even with Hong Kong voting no.
    receipt = governance.vote(pid, NO, sender=hong_kong)
    assert logs(receipt)[0] == vote_cast(governance, pid, hong_kong, NO, 2, 1, 3)
    assert logs(receipt)[-1] == ev(governance, "ProposalExecuted", proposalId=pid)


def test_sole_active_authority_carries_a_proposal_alone(registry, governance, members, admit):
    admit("proposeSuspension", members.shunde_authority, REASON)
    assert registry.activeAuthorityCount() == 1
    key = registry.WEIGHT_TOLERANCE_BPS()
    pid, receipt = propose(governance, "proposeParameter", key, 300, sender=members.shekou_authority)
    assert logs(receipt)[1:] == [
        vote_cast(governance, pid, members.shekou_authority, YES, 1, 0, 1),
        ev(registry, "ParameterSet", key=key, previousValue=500, value=300),
        ev(governance, "ProposalExecuted", proposalId=pid),
    ]


def test_reinstated_authority_votes_again_and_the_electorate_grows_back(registry, governance, members, admit):
    shunde = members.shunde_authority
    admit("proposeSuspension", shunde, REASON)
    pid, _ = propose(governance, "proposeReinstatement", shunde, sender=members.shekou_authority)  # passes 1 of 1
    assert governance.state(pid) == EXECUTED
    assert registry.activeAuthorityCount() == 2
    pid, _ = propose(governance, "proposeParameter", keccak(text="k"), 1, sender=members.shekou_authority)
    assert logs(governance.vote(pid, YES, sender=shunde))[0] == vote_cast(governance, pid, shunde, YES, 2, 0, 2)


def test_suspended_proposers_vote_no_longer_counts_so_its_proposal_needs_a_majority_without_it(
    registry, governance, members, three_ports
):
    """Issue #16, 1: Hong Kong proposes admitting a member; Shekou and Shunde suspend Hong Kong; Shekou's yes is then
    one vote of an electorate of two, not two (the suspended proposer's vote no longer counts)."""
    shekou, shunde, hong_kong = three_ports
    pid, _ = propose(
        governance, "proposeMember", members.outsider, "Shell Co", "X", Role.FINANCIER.id, NO_PORT, sender=hong_kong
    )
    suspension, _ = propose(governance, "proposeSuspension", hong_kong, REASON, sender=shekou)
    governance.vote(suspension, YES, sender=shunde)
    assert registry.activeAuthorityCount() == 2

    receipt = governance.vote(pid, YES, sender=shekou)
    assert logs(receipt) == [vote_cast(governance, pid, shekou, YES, 1, 0, 2)]
    assert governance.state(pid) == ACTIVE
    assert registry.getMember(members.outsider).status == 0
    proposal = governance.getProposal(pid)
    assert (proposal.forVotes, proposal.againstVotes) == (1, 0)

    # With Shunde's yes, a majority of the active authorities wants it: now it passes.
    receipt = governance.vote(pid, YES, sender=shunde)
    assert logs(receipt)[0] == vote_cast(governance, pid, shunde, YES, 2, 0, 2)
    assert governance.state(pid) == EXECUTED
    assert registry.hasRole(Role.FINANCIER.id, members.outsider)


def test_vote_of_an_authority_stripped_of_the_role_no_longer_counts(registry, governance, members, three_ports):
    shekou, shunde, hong_kong = three_ports
    pid, _ = propose(governance, "proposeParameter", keccak(text="k"), 1, sender=hong_kong)
    revoke, _ = propose(governance, "proposeRoleRevoke", hong_kong, Role.PORT_AUTHORITY.id, HONG_KONG, sender=shekou)
    governance.vote(revoke, YES, sender=shunde)
    assert registry.isActiveMember(hong_kong)  # still a member, no longer an authority

    receipt = governance.vote(pid, YES, sender=shekou)
    assert logs(receipt) == [vote_cast(governance, pid, shekou, YES, 1, 0, 2)]
    assert governance.state(pid) == ACTIVE


def test_suspended_authoritys_vote_against_no_longer_defeats(registry, governance, members, four_ports):
    shekou, shunde, hong_kong, macau = four_ports
    pid, _ = propose(governance, "proposeParameter", keccak(text="k"), 1, sender=shekou)
    governance.vote(pid, NO, sender=macau)
    suspension, _ = propose(governance, "proposeSuspension", macau, REASON, sender=shekou)
    governance.vote(suspension, YES, sender=shunde)
    governance.vote(suspension, YES, sender=hong_kong)  # 3 of 4: Macau suspended

    # Against: Hong Kong only (Macau's no is gone); for: Shekou; 1 of 3 against cannot defeat, 2 of 3 for pass.
    receipt = governance.vote(pid, NO, sender=hong_kong)
    assert logs(receipt) == [vote_cast(governance, pid, hong_kong, NO, 1, 1, 3)]
    assert governance.state(pid) == ACTIVE
    receipt = governance.vote(pid, YES, sender=shunde)
    assert logs(receipt)[0] == vote_cast(governance, pid, shunde, YES, 2, 1, 3)
    assert governance.state(pid) == EXECUTED


def test_reinstated_authoritys_earlier_vote_counts_again(registry, governance, members, four_ports):
    """The count is of the authorities active when it is made: a vote of an authority suspended and reinstated
    since counts, as the authority would vote the same again."""
    shekou, shunde, hong_kong, macau = four_ports
    pid, _ = propose(governance, "proposeParameter", keccak(text="k"), 1, sender=macau)
    suspension, _ = propose(governance, "proposeSuspension", macau, REASON, sender=shekou)
    governance.vote(suspension, YES, sender=shunde)
    governance.vote(suspension, YES, sender=hong_kong)
    reinstatement, _ = propose(governance, "proposeReinstatement", macau, sender=shekou)
    governance.vote(reinstatement, YES, sender=shunde)  # 2 of 3 active
    assert registry.activeAuthorityCount() == 4

    receipt = governance.vote(pid, YES, sender=shekou)
    assert logs(receipt) == [vote_cast(governance, pid, shekou, YES, 2, 0, 4)]
    receipt = governance.vote(pid, YES, sender=shunde)
    assert logs(receipt)[0] == vote_cast(governance, pid, shunde, YES, 3, 0, 4)
    assert governance.state(pid) == EXECUTED


# ---------------------------------------------------------------------------------------------------- majorities

# (id, active authorities, votes after the proposer's yes, in port order, final state)
MAJORITIES = [
    ("2:proposer-only", 2, [], ACTIVE),
    ("2:yes", 2, [YES], EXECUTED),
    ("2:no-tie", 2, [NO], DEFEATED),
    ("3:proposer-only", 3, [], ACTIVE),
    ("3:yes", 3, [YES], EXECUTED),
    ("3:no", 3, [NO], ACTIVE),
    ("3:no-yes", 3, [NO, YES], EXECUTED),
    ("3:no-no", 3, [NO, NO], DEFEATED),
    ("4:proposer-only", 4, [], ACTIVE),
    ("4:yes-half", 4, [YES], ACTIVE),
    ("4:yes-yes", 4, [YES, YES], EXECUTED),
    ("4:no", 4, [NO], ACTIVE),
    ("4:no-no", 4, [NO, NO], DEFEATED),
    ("4:yes-no", 4, [YES, NO], ACTIVE),
    ("4:yes-no-no-tie", 4, [YES, NO, NO], DEFEATED),
    ("4:yes-no-yes", 4, [YES, NO, YES], EXECUTED),
    ("4:no-yes-yes", 4, [NO, YES, YES], EXECUTED),
]


@pytest.fixture
def authorities(request, members):
    """The active port authorities of a consortium of `request.param` ports."""
    fixture = {2: None, 3: "three_ports", 4: "four_ports"}[request.param]
    return request.getfixturevalue(fixture) if fixture else (members.shekou_authority, members.shunde_authority)


@pytest.mark.parametrize(
    ("authorities", "votes", "final"),
    [m[1:] for m in MAJORITIES],
    ids=[m[0] for m in MAJORITIES],
    indirect=["authorities"],
)
def test_proposal_passes_with_a_strict_majority_and_is_defeated_once_it_cannot(
    registry, governance, authorities, votes, final
):
    electorate = len(authorities)
    assert registry.activeAuthorityCount() == electorate
    key = registry.WEIGHT_TOLERANCE_BPS()
    pid, _ = propose(governance, "proposeParameter", key, 321, sender=authorities[0])
    tally = [1, 0]
    for voter, support in zip(authorities[1:], votes, strict=False):
        tally[0 if support else 1] += 1
        receipt = governance.vote(pid, support, sender=voter)
        names = [name for _, name, _ in logs(receipt)]
        assert logs(receipt)[0] == vote_cast(governance, pid, voter, support, *tally, electorate)
        passed, beaten = tally[0] * 2 > electorate, tally[1] * 2 >= electorate
        assert ("ProposalExecuted" in names) == passed
        assert ("ProposalDefeated" in names) == beaten
        if passed or beaten:
            assert len(names) == (3 if passed else 2)  # + ParameterSet when passed
    assert governance.state(pid) == final
    assert (governance.getProposal(pid).forVotes, governance.getProposal(pid).againstVotes) == tuple(tally)
    assert registry.parameter(key) == (321 if final == EXECUTED else 500)


def test_tie_of_one_to_one_is_defeated(registry, governance, members):
    pid, _ = propose(
        governance, "proposeParameter", registry.WEIGHT_TOLERANCE_BPS(), 1, sender=members.shekou_authority
    )
    receipt = governance.vote(pid, NO, sender=members.shunde_authority)
    assert logs(receipt) == [
        vote_cast(governance, pid, members.shunde_authority, NO, 1, 1, 2),
        ev(governance, "ProposalDefeated", proposalId=pid),
    ]
    assert governance.state(pid) == DEFEATED
    assert registry.parameter(registry.WEIGHT_TOLERANCE_BPS()) == 500


def test_tie_of_two_to_two_is_defeated(registry, governance, four_ports):
    shekou, shunde, hong_kong, macau = four_ports
    pid, _ = propose(governance, "proposeParameter", registry.WEIGHT_TOLERANCE_BPS(), 1, sender=shekou)
    governance.vote(pid, YES, sender=shunde)
    governance.vote(pid, NO, sender=hong_kong)
    assert governance.state(pid) == ACTIVE
    receipt = governance.vote(pid, NO, sender=macau)
    assert logs(receipt) == [
        vote_cast(governance, pid, macau, NO, 2, 2, 4),
        ev(governance, "ProposalDefeated", proposalId=pid),
    ]
    assert governance.state(pid) == DEFEATED


def test_three_of_four_is_the_smallest_majority_of_four(registry, governance, four_ports):
    shekou, shunde, hong_kong, _ = four_ports
    pid, _ = propose(governance, "proposeParameter", registry.WEIGHT_TOLERANCE_BPS(), 1, sender=shekou)
    governance.vote(pid, YES, sender=shunde)
    assert governance.state(pid) == ACTIVE  # 2 of 4 is half, not a majority
    receipt = governance.vote(pid, YES, sender=hong_kong)
    assert logs(receipt)[0] == vote_cast(governance, pid, hong_kong, YES, 3, 0, 4)
    assert governance.state(pid) == EXECUTED


# ---------------------------------------------------------------------------------------------------- vote errors


def test_vote_reverts_if_proposer_votes_again(governance, members):
    pid, _ = propose(governance, "proposeParameter", keccak(text="k"), 1, sender=members.shekou_authority)
    for support in (YES, NO):
        with reverts(governance.GovernanceAlreadyVoted, proposalId=pid, voter=members.shekou_authority.address):
            governance.vote(pid, support, sender=members.shekou_authority)


def test_vote_reverts_if_voter_already_voted(governance, members, three_ports):
    pid, _ = propose(governance, "proposeParameter", keccak(text="k"), 1, sender=members.shekou_authority)
    governance.vote(pid, NO, sender=members.shunde_authority)
    with reverts(governance.GovernanceAlreadyVoted, proposalId=pid, voter=members.shunde_authority.address):
        governance.vote(pid, YES, sender=members.shunde_authority)
    p = governance.getProposal(pid)
    assert (p.forVotes, p.againstVotes, p.state) == (1, 1, ACTIVE)


@pytest.mark.parametrize("pid", [0, 2, 2**256 - 1], ids=["zero", "next", "max"])
def test_vote_reverts_if_proposal_is_unknown(chain, governance, members, pid):
    governance.proposeParameter(keccak(text="k"), 1, sender=members.shekou_authority)  # proposal 1 exists
    with reverts(governance.GovernanceUnknownProposal, proposalId=pid):
        governance.vote(pid, YES, sender=members.shunde_authority)
    with reverts(governance.GovernanceUnknownProposal, proposalId=pid):
        governance.cancel(pid, sender=members.shekou_authority)
    # (a view: ape cannot decode the error of an eth_call on Anvil, so compare the revert data)
    assert call_revert_data(chain, governance, "getProposal", pid) == error_data(
        governance, "GovernanceUnknownProposal", pid
    )
    assert governance.state(pid) == NONE
    assert not governance.hasVoted(pid, members.shekou_authority)


def end_proposal(governance, members, how: str) -> int:
    """Open a proposal as Shekou and end it `how`: executed, defeated, cancelled or failed."""
    shekou, shunde = members.shekou_authority, members.shunde_authority
    if how == "failed":  # the carrier is a member already
        pid, _ = propose(governance, "proposeMember", members.carrier, "Again", "", NO_ROLE, NO_PORT, sender=shekou)
    else:
        pid, _ = propose(governance, "proposeParameter", keccak(text="k"), 1, sender=shekou)
    if how == "cancelled":
        governance.cancel(pid, sender=shekou)
    else:
        governance.vote(pid, how != "defeated", sender=shunde)
    return pid


ENDINGS = [("executed", EXECUTED), ("defeated", DEFEATED), ("cancelled", CANCELLED), ("failed", FAILED)]


@pytest.mark.parametrize(("how", "state"), ENDINGS, ids=[h for h, _ in ENDINGS])
def test_vote_reverts_if_proposal_is_not_active(governance, members, how, state):
    pid = end_proposal(governance, members, how)
    assert governance.state(pid) == state
    # Both have voted (Shunde not on the cancelled one): the state is checked before the double vote.
    for voter in (members.shunde_authority, members.shekou_authority):
        with reverts(governance.GovernanceProposalNotActive, proposalId=pid, state=state):
            governance.vote(pid, YES, sender=voter)


# ---------------------------------------------------------------------------------------------------- expiry


def test_proposal_expires_once_its_lifetime_has_passed(chain, registry, governance, members):
    pid, receipt = propose(governance, "proposeParameter", keccak(text="k"), 1, sender=members.shekou_authority)
    p = governance.getProposal(pid)
    assert lifetime(registry) == 7 * DAY
    assert p.expiresAt == p.createdAt + 7 * DAY == receipt.timestamp + 7 * DAY

    chain.mine(timestamp=p.expiresAt)
    assert latest_timestamp(chain) == p.expiresAt
    assert governance.state(pid) == ACTIVE  # open up to and including expiresAt

    chain.mine(timestamp=p.expiresAt + 1)
    assert governance.state(pid) == EXPIRED
    assert governance.getProposal(pid).state == ACTIVE  # Expired is reported, never stored
    with reverts(governance.GovernanceProposalNotActive, proposalId=pid, state=EXPIRED):
        governance.vote(pid, YES, sender=members.shunde_authority)
    with reverts(governance.GovernanceProposalNotActive, proposalId=pid, state=EXPIRED):
        governance.cancel(pid, sender=members.shekou_authority)


def test_vote_at_the_last_second_before_expiry_still_counts(chain, registry, governance, members):
    key = registry.WEIGHT_TOLERANCE_BPS()
    pid, _ = propose(governance, "proposeParameter", key, 42, sender=members.shekou_authority)
    expires_at = governance.getProposal(pid).expiresAt
    chain.pending_timestamp = expires_at
    receipt = governance.vote(pid, YES, sender=members.shunde_authority)
    assert receipt.timestamp == expires_at
    assert logs(receipt)[-1] == ev(governance, "ProposalExecuted", proposalId=pid)
    assert registry.parameter(key) == 42


def test_vote_one_second_after_expiry_reverts(chain, governance, members):
    pid, _ = propose(governance, "proposeParameter", keccak(text="k"), 1, sender=members.shekou_authority)
    chain.pending_timestamp = governance.getProposal(pid).expiresAt + 1
    with reverts(governance.GovernanceProposalNotActive, proposalId=pid, state=EXPIRED):
        governance.vote(pid, YES, sender=members.shunde_authority)


def test_lifetime_change_applies_to_new_proposals_only(chain, registry, governance, members, admit):
    before, _ = propose(governance, "proposeParameter", keccak(text="k"), 1, sender=members.shekou_authority)
    admit("proposeParameter", registry.PROPOSAL_LIFETIME(), HOUR)
    assert lifetime(registry) == HOUR
    after, receipt = propose(governance, "proposeParameter", keccak(text="k"), 2, sender=members.shekou_authority)
    assert governance.getProposal(after).expiresAt == receipt.timestamp + HOUR
    assert governance.getProposal(before).expiresAt == governance.getProposal(before).createdAt + 7 * DAY

    chain.mine(timestamp=receipt.timestamp + HOUR + 1)
    assert governance.state(after) == EXPIRED
    assert governance.state(before) == ACTIVE


# ---------------------------------------------------------------------------------------------------- cancel


def test_proposer_cancels_an_active_proposal(registry, governance, members):
    pid, _ = propose(
        governance, "proposeParameter", registry.WEIGHT_TOLERANCE_BPS(), 1, sender=members.shekou_authority
    )
    receipt = governance.cancel(pid, sender=members.shekou_authority)
    assert logs(receipt) == [ev(governance, "ProposalCancelled", proposalId=pid)]
    assert governance.state(pid) == CANCELLED
    assert registry.parameter(registry.WEIGHT_TOLERANCE_BPS()) == 500


@pytest.mark.parametrize("caller", ["shunde_authority", "carrier", "outsider"])
def test_cancel_reverts_if_caller_is_not_the_proposer(governance, members, caller):
    pid, _ = propose(governance, "proposeParameter", keccak(text="k"), 1, sender=members.shekou_authority)
    sender = getattr(members, caller)
    with reverts(governance.GovernanceNotProposer, proposalId=pid, caller=sender.address):
        governance.cancel(pid, sender=sender)
    assert governance.state(pid) == ACTIVE


@pytest.mark.parametrize(("how", "state"), ENDINGS, ids=[h for h, _ in ENDINGS])
def test_cancel_reverts_if_proposal_is_not_active(governance, members, how, state):
    pid = end_proposal(governance, members, how)
    with reverts(governance.GovernanceProposalNotActive, proposalId=pid, state=state):
        governance.cancel(pid, sender=members.shekou_authority)


def test_suspended_proposer_cannot_cancel_its_proposal(governance, members, three_ports):
    """Issue #16, 2: a suspended member has no say over its proposal any more; the others may still carry it."""
    shekou, shunde, hong_kong = three_ports
    pid, _ = propose(governance, "proposeParameter", keccak(text="k"), 1, sender=hong_kong)
    suspension, _ = propose(governance, "proposeSuspension", hong_kong, REASON, sender=shekou)
    governance.vote(suspension, YES, sender=shunde)
    with reverts(governance.GovernanceNotPortAuthority, account=hong_kong.address):
        governance.cancel(pid, sender=hong_kong)
    assert governance.state(pid) == ACTIVE
    governance.vote(pid, YES, sender=shekou)
    governance.vote(pid, YES, sender=shunde)
    assert governance.state(pid) == EXECUTED


def test_proposer_stripped_of_the_authority_role_cannot_cancel(governance, members, three_ports):
    shekou, shunde, hong_kong = three_ports
    pid, _ = propose(governance, "proposeParameter", keccak(text="k"), 1, sender=hong_kong)
    revoke, _ = propose(governance, "proposeRoleRevoke", hong_kong, Role.PORT_AUTHORITY.id, HONG_KONG, sender=shekou)
    governance.vote(revoke, YES, sender=shunde)
    with reverts(governance.GovernanceNotPortAuthority, account=hong_kong.address):
        governance.cancel(pid, sender=hong_kong)
    assert governance.state(pid) == ACTIVE


# ---------------------------------------------------------------------------------------------------- failed execution


def test_second_admission_of_the_same_member_ends_failed(registry, governance, members):
    shekou, shunde, newcomer = members.shekou_authority, members.shunde_authority, members.newcomer
    first, _ = propose(governance, "proposeMember", newcomer, "Newcomer", "ORG-1", NO_ROLE, NO_PORT, sender=shekou)
    second, _ = propose(
        governance, "proposeMember", newcomer, "Newcomer again", "ORG-2", Role.AUDITOR.id, NO_PORT, sender=shekou
    )
    governance.vote(first, YES, sender=shunde)
    assert governance.state(first) == EXECUTED

    receipt = governance.vote(second, YES, sender=shunde)
    reason = keccak(text="ConsortiumMemberExists(address)")[:4] + encode(["address"], [newcomer.address])
    assert reason == error_data(registry, "ConsortiumMemberExists", newcomer.address)
    assert logs(receipt) == [
        vote_cast(governance, second, shunde, YES, 2, 0, 2),
        ev(governance, "ProposalFailed", proposalId=second, reason=reason),
    ]
    assert governance.state(second) == FAILED
    assert governance.getProposal(second).state == FAILED
    assert governance.hasVoted(second, shunde)  # the vote stands
    assert registry.getMember(newcomer).name == "Newcomer"
    assert not registry.hasRole(Role.AUDITOR.id, newcomer)


# (id, proposal method, its arguments, the registry's error, its arguments); m is the `members` fixture.
# fmt: off
REFUSED_AT_EXECUTION = [
    ("member-role-at-unknown-port", "proposeMember", lambda m: (m.newcomer, "N", "", Role.CUSTOMS.id, HONG_KONG),
     "ConsortiumUnknownPort", lambda m: (HONG_KONG,)),
    ("member-exists", "proposeMember", lambda m: (m.carrier, "Carrier again", "", NO_ROLE, NO_PORT),
     "ConsortiumMemberExists", lambda m: (m.carrier.address,)),
    ("port-exists", "proposePort", lambda m: (SHEKOU, "Shekou again", m.newcomer, "Someone", ""),
     "ConsortiumPortExists", lambda m: (SHEKOU,)),
    ("port-authority-of-another-port", "proposePort", lambda m: (HONG_KONG, "Hong Kong", m.shunde_authority, "", ""),
     "ConsortiumAlreadyAuthority", lambda m: (m.shunde_authority.address, SHUNDE)),
    ("grant-to-non-member", "proposeRoleGrant", lambda m: (m.newcomer, Role.AUDITOR.id, NO_PORT),
     "ConsortiumUnknownMember", lambda m: (m.newcomer.address,)),
    ("grant-role-already-held", "proposeRoleGrant", lambda m: (m.carrier, Role.CARRIER.id, NO_PORT),
     "ConsortiumRoleAlreadyGranted", lambda m: (m.carrier.address, Role.CARRIER.id, NO_PORT)),
    ("grant-at-unknown-port", "proposeRoleGrant", lambda m: (m.shekou_terminal, Role.TERMINAL.id, MACAU),
     "ConsortiumUnknownPort", lambda m: (MACAU,)),
    ("second-authority-for-a-port", "proposeRoleGrant", lambda m: (m.carrier, Role.PORT_AUTHORITY.id, SHEKOU),
     "ConsortiumPortHasAuthority", lambda m: (SHEKOU, m.shekou_authority.address)),
    ("authority-of-two-ports", "proposeRoleGrant", lambda m: (m.shekou_authority, Role.PORT_AUTHORITY.id, SHUNDE),
     "ConsortiumPortHasAuthority", lambda m: (SHUNDE, m.shunde_authority.address)),
    ("revoke-role-not-held", "proposeRoleRevoke", lambda m: (m.carrier, Role.AUDITOR.id, NO_PORT),
     "ConsortiumRoleNotGranted", lambda m: (m.carrier.address, Role.AUDITOR.id, NO_PORT)),
    ("revoke-port-role-held-elsewhere", "proposeRoleRevoke", lambda m: (m.shunde_customs, Role.CUSTOMS.id, SHEKOU),
     "ConsortiumRoleNotGranted", lambda m: (m.shunde_customs.address, Role.CUSTOMS.id, SHEKOU)),
    ("revoke-at-unknown-port", "proposeRoleRevoke", lambda m: (m.shekou_customs, Role.CUSTOMS.id, MACAU),
     "ConsortiumUnknownPort", lambda m: (MACAU,)),
    ("suspend-non-member", "proposeSuspension", lambda m: (m.outsider, REASON),
     "ConsortiumUnknownMember", lambda m: (m.outsider.address,)),
    ("reinstate-active-member", "proposeReinstatement", lambda m: (m.carrier,),
     "ConsortiumUnexpectedMemberStatus", lambda m: (m.carrier.address, MEMBER_ACTIVE, MEMBER_SUSPENDED)),
    ("reinstate-non-member", "proposeReinstatement", lambda m: (m.outsider,),
     "ConsortiumUnknownMember", lambda m: (m.outsider.address,)),
]
# fmt: on


@pytest.mark.parametrize(
    ("method", "args", "error", "error_args"),
    [r[1:] for r in REFUSED_AT_EXECUTION],
    ids=[r[0] for r in REFUSED_AT_EXECUTION],
)
def test_registry_refusal_at_execution_ends_the_proposal_failed(
    registry, governance, members, method, args, error, error_args
):
    pid, _ = propose(governance, method, *args(members), sender=members.shekou_authority)
    receipt = governance.vote(pid, YES, sender=members.shunde_authority)
    assert logs(receipt) == [
        vote_cast(governance, pid, members.shunde_authority, YES, 2, 0, 2),
        ev(governance, "ProposalFailed", proposalId=pid, reason=error_data(registry, error, *error_args(members))),
    ]
    assert governance.state(pid) == FAILED
    assert registry.getPort(HONG_KONG).status == 0  # an AddPort refused half-way leaves no trace
    assert registry.activeAuthorityCount() == 2


def test_suspending_a_suspended_member_ends_failed(registry, governance, members, admit):
    admit("proposeSuspension", members.carrier, REASON)
    pid, _ = propose(governance, "proposeSuspension", members.carrier, REASON, sender=members.shekou_authority)
    receipt = governance.vote(pid, YES, sender=members.shunde_authority)
    reason = error_data(
        registry, "ConsortiumUnexpectedMemberStatus", members.carrier.address, MEMBER_SUSPENDED, MEMBER_ACTIVE
    )
    assert logs(receipt)[1:] == [ev(governance, "ProposalFailed", proposalId=pid, reason=reason)]
    assert governance.state(pid) == FAILED


def test_vote_sent_with_the_node_gas_estimate_still_ends_failed_on_a_refusal(chain, registry, governance, members):
    # The out-of-gas guard in _execute must not take a genuine refusal for a lack of gas.
    pid, _ = propose(
        governance, "proposeMember", members.carrier, "Again", "", NO_ROLE, NO_PORT, sender=members.shekou_authority
    )
    status = send_vote_with_gas(chain, governance, pid, members.shunde_authority, gas=None)
    assert status == 1
    assert governance.state(pid) == FAILED


# ---------------------------------------------------------------------------------------------------- malformed
# Refused at once, with the registry's own errors, so that no vote is wasted on them.

# Proposals naming an account, with the account set to zero.
ZERO_ACCOUNT_CALLS = {
    "proposeMember": (ZERO_ADDRESS, "Nobody", "", Role.CARRIER.id, NO_PORT),
    "proposePort": (HONG_KONG, "Hong Kong", ZERO_ADDRESS, "Nobody", ""),
    "proposeRoleGrant": (ZERO_ADDRESS, Role.CARRIER.id, NO_PORT),
    "proposeRoleRevoke": (ZERO_ADDRESS, Role.CARRIER.id, NO_PORT),
    "proposeSuspension": (ZERO_ADDRESS, REASON),
    "proposeReinstatement": (ZERO_ADDRESS,),
}


@pytest.mark.parametrize("method", list(ZERO_ACCOUNT_CALLS), ids=list(ZERO_ACCOUNT_CALLS))
def test_proposal_reverts_if_account_is_zero(governance, members, method):
    with reverts(governance.GovernanceZeroAddress):
        getattr(governance, method)(*ZERO_ACCOUNT_CALLS[method], sender=members.shekou_authority)
    assert governance.proposalCount() == 0


# (id, role, port, error, its inputs)
ROLE_PORT_MISMATCHES = [
    ("unknown-role", UNKNOWN_ROLE, NO_PORT, "GovernanceUnknownRole", {"role": UNKNOWN_ROLE}),
    ("unknown-role-with-port", UNKNOWN_ROLE, SHEKOU, "GovernanceUnknownRole", {"role": UNKNOWN_ROLE}),
    ("customs-without-port", Role.CUSTOMS.id, NO_PORT, "GovernanceRoleNeedsPort", {"role": Role.CUSTOMS.id}),
    ("terminal-without-port", Role.TERMINAL.id, NO_PORT, "GovernanceRoleNeedsPort", {"role": Role.TERMINAL.id}),
    (
        "authority-without-port",
        Role.PORT_AUTHORITY.id,
        NO_PORT,
        "GovernanceRoleNeedsPort",
        {"role": Role.PORT_AUTHORITY.id},
    ),
    ("carrier-with-port", Role.CARRIER.id, SHEKOU, "GovernanceRoleIsGlobal", {"role": Role.CARRIER.id, "port": SHEKOU}),
    ("auditor-with-port", Role.AUDITOR.id, SHUNDE, "GovernanceRoleIsGlobal", {"role": Role.AUDITOR.id, "port": SHUNDE}),
]
ROLE_METHODS = ["proposeMember", "proposeRoleGrant", "proposeRoleRevoke"]


def role_call(method: str, members, role: bytes, port: bytes) -> tuple:
    if method == "proposeMember":
        return (members.newcomer, "Newcomer", "", role, port)
    return (members.carrier, role, port)


@pytest.mark.parametrize(
    ("role", "port", "error", "inputs"),
    [c[1:] for c in ROLE_PORT_MISMATCHES],
    ids=[c[0] for c in ROLE_PORT_MISMATCHES],
)
@pytest.mark.parametrize("method", ROLE_METHODS, ids=ROLE_METHODS)
def test_proposal_reverts_if_role_is_unknown_or_does_not_fit_the_port(
    governance, members, method, role, port, error, inputs
):
    with reverts(getattr(governance, error), **inputs):
        getattr(governance, method)(*role_call(method, members, role, port), sender=members.shekou_authority)
    assert governance.proposalCount() == 0


@pytest.mark.parametrize("method", ["proposeRoleGrant", "proposeRoleRevoke"])
def test_role_change_reverts_if_role_is_zero(governance, members, method):
    with reverts(governance.GovernanceUnknownRole, role=NO_ROLE):
        getattr(governance, method)(members.carrier, NO_ROLE, NO_PORT, sender=members.shekou_authority)


def test_member_proposal_reverts_if_it_names_a_port_but_no_role(governance, members):
    # role 0 means "no first role"; a port beside it is a mistake, not something to ignore.
    with reverts(governance.GovernanceRoleIsGlobal, role=NO_ROLE, port=SHEKOU):
        governance.proposeMember(members.newcomer, "Observer", "", NO_ROLE, SHEKOU, sender=members.shekou_authority)
    assert governance.proposalCount() == 0


# (id, method, arguments (m: the members fixture))
EMPTY_NAMES = [
    ("member-name", "proposeMember", lambda m: (m.newcomer, "", "ORG", Role.CARRIER.id, NO_PORT)),
    ("port-name", "proposePort", lambda m: (HONG_KONG, "", m.newcomer, "Hong Kong Marine Department", "")),
    ("new-authority-name", "proposePort", lambda m: (HONG_KONG, "Hong Kong", m.newcomer, "", "HK-MD")),
]


@pytest.mark.parametrize(("method", "args"), [c[1:] for c in EMPTY_NAMES], ids=[c[0] for c in EMPTY_NAMES])
def test_proposal_reverts_if_a_name_is_empty(governance, members, method, args):
    with reverts(governance.GovernanceEmptyName):
        getattr(governance, method)(*args(members), sender=members.shekou_authority)
    assert governance.proposalCount() == 0


def test_port_proposal_with_an_existing_member_as_authority_needs_no_authority_name(governance, members):
    governance.proposePort(HONG_KONG, "Hong Kong", members.carrier, "", "", sender=members.shekou_authority)
    assert governance.proposalCount() == 1


def test_port_proposal_reverts_if_code_is_not_a_unlocode(governance, members):
    with reverts(governance.GovernanceInvalidUnLocode, code=b"HK-HG"):
        governance.proposePort(b"HK-HG", "Hong Kong", members.newcomer, "HKMD", "", sender=members.shekou_authority)


def test_constructor_refuses_a_zero_registry_or_one_that_names_another_governance(project, registry, members):
    """Governance reverts with errors of its own (ape does not decode a constructor's revert: compare the data)."""
    with pytest.raises(ContractLogicError) as info:
        project.ConsortiumGovernance.deploy(ZERO_ADDRESS, sender=members.deployer)
    assert HexBytes(info.value.revert_message) == error_data(project.ConsortiumGovernance, "GovernanceZeroAddress")
    with pytest.raises(ContractLogicError) as info:
        project.ConsortiumGovernance.deploy(registry.address, sender=members.deployer)
    expected = error_data(
        project.ConsortiumGovernance, "GovernanceNotRegistryGovernance", registry.address, registry.governance()
    )
    assert HexBytes(info.value.revert_message) == expected


# ---------------------------------------------------------------------------------------------------- parameters

MAX_LIFETIME, MAX_BPS = 90 * DAY, 10_000
# (id, key name, value, range (min, max) if out of it)
PARAMETER_BOUNDS = [
    ("lifetime-zero", "PROPOSAL_LIFETIME", 0, (HOUR, MAX_LIFETIME)),
    ("lifetime-below-1-hour", "PROPOSAL_LIFETIME", HOUR - 1, (HOUR, MAX_LIFETIME)),
    ("lifetime-1-hour", "PROPOSAL_LIFETIME", HOUR, None),
    ("lifetime-90-days", "PROPOSAL_LIFETIME", MAX_LIFETIME, None),
    ("lifetime-above-90-days", "PROPOSAL_LIFETIME", MAX_LIFETIME + 1, (HOUR, MAX_LIFETIME)),
    ("lifetime-max-uint", "PROPOSAL_LIFETIME", 2**256 - 1, (HOUR, MAX_LIFETIME)),
    ("tolerance-zero", "WEIGHT_TOLERANCE_BPS", 0, None),
    ("tolerance-100-percent", "WEIGHT_TOLERANCE_BPS", MAX_BPS, None),
    ("tolerance-above-100-percent", "WEIGHT_TOLERANCE_BPS", MAX_BPS + 1, (0, MAX_BPS)),
]


@pytest.mark.parametrize(
    ("key_name", "value", "bounds"), [b[1:] for b in PARAMETER_BOUNDS], ids=[b[0] for b in PARAMETER_BOUNDS]
)
def test_parameter_outside_its_range_ends_the_proposal_failed(registry, governance, members, key_name, value, bounds):
    key = getattr(registry, key_name)()
    before = registry.parameter(key)
    pid, _ = propose(governance, "proposeParameter", key, value, sender=members.shekou_authority)
    receipt = governance.vote(pid, YES, sender=members.shunde_authority)
    if bounds is None:
        assert logs(receipt)[1:] == [
            ev(registry, "ParameterSet", key=key, previousValue=before, value=value),
            ev(governance, "ProposalExecuted", proposalId=pid),
        ]
        assert registry.parameter(key) == value
    else:
        reason = error_data(registry, "ConsortiumParameterOutOfRange", key, value, *bounds)
        assert logs(receipt)[1:] == [ev(governance, "ProposalFailed", proposalId=pid, reason=reason)]
        assert governance.state(pid) == FAILED
        assert registry.parameter(key) == before


# ------------------------------------------------------------------------------------------ ports and authorities


def test_admitted_port_authority_becomes_a_voter(registry, governance, members, three_ports):
    hk = members.newcomer
    assert registry.activeAuthorityCount() == 3
    assert registry.hasRole(Role.PORT_AUTHORITY.id, hk)
    assert registry.hasPortRole(Role.PORT_AUTHORITY.id, HONG_KONG, hk)
    assert not registry.hasPortRole(Role.PORT_AUTHORITY.id, SHEKOU, hk)
    pid, receipt = propose(governance, "proposeParameter", keccak(text="k"), 1, sender=hk)
    assert logs(receipt)[1] == vote_cast(governance, pid, hk, YES, 1, 0, 3)
    assert logs(governance.vote(pid, YES, sender=members.shekou_authority))[-1] == ev(
        governance, "ProposalExecuted", proposalId=pid
    )


def test_customs_member_of_an_admitted_port_can_be_admitted(registry, governance, members, three_ports):
    hk, customs = members.newcomer, members.outsider
    pid, _ = propose(
        governance,
        "proposeMember",
        customs,
        "Hong Kong Customs and Excise",
        "HK-C&ED",
        Role.CUSTOMS.id,
        HONG_KONG,
        sender=hk,
    )
    receipt = governance.vote(pid, YES, sender=members.shunde_authority)
    assert logs(receipt)[0] == vote_cast(governance, pid, members.shunde_authority, YES, 2, 0, 3)
    assert governance.state(pid) == EXECUTED
    assert registry.hasPortRole(Role.CUSTOMS.id, HONG_KONG, customs)
    assert not registry.hasPortRole(Role.CUSTOMS.id, SHEKOU, customs)
    assert registry.activeAuthorityCount() == 3  # customs do not vote


def test_revoking_an_authority_removes_its_vote_and_frees_the_port(registry, governance, members, three_ports):
    shekou, shunde, hk = three_ports
    pid, _ = propose(governance, "proposeRoleRevoke", hk, Role.PORT_AUTHORITY.id, HONG_KONG, sender=shekou)
    receipt = governance.vote(pid, YES, sender=shunde)
    assert logs(receipt) == [
        vote_cast(governance, pid, shunde, YES, 2, 0, 3),
        role_revoked(registry, governance, hk, port_role_id(Role.PORT_AUTHORITY, HONG_KONG)),
        role_revoked(registry, governance, hk, Role.PORT_AUTHORITY.id),
        ev(registry, "PortAuthorityChanged", port=HONG_KONG, previousAuthority=hk.address, authority=ZERO_ADDRESS),
        ev(registry, "MemberRoleRevoked", account=hk.address, role=Role.PORT_AUTHORITY.id, port=HONG_KONG),
        ev(governance, "ProposalExecuted", proposalId=pid),
    ]
    assert registry.activeAuthorityCount() == 2
    assert registry.getPort(HONG_KONG).authority == ZERO_ADDRESS
    assert registry.getPort(HONG_KONG).status == 1  # the port stays
    member = registry.getMember(hk)
    assert (member.status, member.authorityOf) == (MEMBER_ACTIVE, NO_PORT)
    with reverts(governance.GovernanceNotPortAuthority, account=hk.address):
        governance.proposeParameter(keccak(text="k"), 1, sender=hk)

    # The slot is free: another member becomes Hong Kong's authority, and a voter.
    carrier = members.carrier
    pid, _ = propose(governance, "proposeRoleGrant", carrier, Role.PORT_AUTHORITY.id, HONG_KONG, sender=shekou)
    receipt = governance.vote(pid, YES, sender=shunde)
    assert ev(
        registry, "PortAuthorityChanged", port=HONG_KONG, previousAuthority=ZERO_ADDRESS, authority=carrier.address
    ) in logs(receipt)
    assert registry.activeAuthorityCount() == 3
    assert registry.getPort(HONG_KONG).authority == carrier.address
    pid, receipt = propose(governance, "proposeParameter", keccak(text="k"), 1, sender=carrier)
    assert logs(receipt)[1] == vote_cast(governance, pid, carrier, YES, 1, 0, 3)


def test_second_authority_for_a_port_ends_failed_with_port_has_authority(registry, governance, members):
    customs = members.shekou_customs
    pid, _ = propose(
        governance, "proposeRoleGrant", customs, Role.PORT_AUTHORITY.id, SHEKOU, sender=members.shekou_authority
    )
    receipt = governance.vote(pid, YES, sender=members.shunde_authority)
    reason = error_data(registry, "ConsortiumPortHasAuthority", SHEKOU, members.shekou_authority.address)
    assert logs(receipt)[1:] == [ev(governance, "ProposalFailed", proposalId=pid, reason=reason)]
    assert governance.state(pid) == FAILED
    assert not registry.hasPortRole(Role.PORT_AUTHORITY.id, SHEKOU, customs)
    assert registry.getPort(SHEKOU).authority == members.shekou_authority.address
    assert registry.activeAuthorityCount() == 2


def test_authority_revoked_while_suspended_has_no_vote_after_reinstatement(registry, governance, members, admit):
    # Regression: the revoke left the AccessControl roles of a suspended member stored, so the reinstated
    # ex-authority voted again without being counted in the electorate.
    shekou, shunde = members.shekou_authority, members.shunde_authority
    admit("proposeSuspension", shunde, REASON)  # Shekou is now the only active authority
    pid, receipt = propose(governance, "proposeRoleRevoke", shunde, Role.PORT_AUTHORITY.id, SHUNDE, sender=shekou)
    assert logs(receipt)[2:] == [
        role_revoked(registry, governance, shunde, port_role_id(Role.PORT_AUTHORITY, SHUNDE)),
        role_revoked(registry, governance, shunde, Role.PORT_AUTHORITY.id),
        ev(registry, "PortAuthorityChanged", port=SHUNDE, previousAuthority=shunde.address, authority=ZERO_ADDRESS),
        ev(registry, "MemberRoleRevoked", account=shunde.address, role=Role.PORT_AUTHORITY.id, port=SHUNDE),
        ev(governance, "ProposalExecuted", proposalId=pid),
    ]
    pid, _ = propose(governance, "proposeReinstatement", shunde, sender=shekou)
    assert governance.state(pid) == EXECUTED
    assert registry.activeAuthorityCount() == 1
    assert not registry.hasRole(Role.PORT_AUTHORITY.id, shunde)
    assert not registry.hasPortRole(Role.PORT_AUTHORITY.id, SHUNDE, shunde)
    with reverts(governance.GovernanceNotPortAuthority, account=shunde.address):
        governance.proposeParameter(keccak(text="k"), 1, sender=shunde)


def test_authority_counter_stays_right_through_suspension_revoke_and_grant(registry, governance, members, three_ports):
    shekou, shunde, hk = three_ports

    def passes(method: str, *args) -> None:
        pid, _ = propose(governance, method, *args, sender=shekou)
        if governance.state(pid) == ACTIVE:
            governance.vote(pid, YES, sender=shunde)
        assert governance.state(pid) == EXECUTED

    passes("proposeSuspension", hk, REASON)
    assert registry.activeAuthorityCount() == 2
    passes("proposeRoleRevoke", hk, Role.PORT_AUTHORITY.id, HONG_KONG)  # a suspended authority was not counted
    assert registry.activeAuthorityCount() == 2
    passes("proposeReinstatement", hk)  # no longer an authority: not counted again
    assert registry.activeAuthorityCount() == 2
    assert not registry.hasRole(Role.PORT_AUTHORITY.id, hk)

    passes("proposeSuspension", members.carrier, REASON)
    passes("proposeRoleGrant", members.carrier, Role.PORT_AUTHORITY.id, HONG_KONG)  # suspended: not counted yet
    assert registry.activeAuthorityCount() == 2
    assert not registry.hasRole(Role.PORT_AUTHORITY.id, members.carrier)
    passes("proposeReinstatement", members.carrier)
    assert registry.activeAuthorityCount() == 3
    assert registry.hasPortRole(Role.PORT_AUTHORITY.id, HONG_KONG, members.carrier)


# ---------------------------------------------------------------------------------------------------- gas


def send_vote_with_gas(chain, governance, pid: int, voter, gas: int | None) -> int:
    """Vote yes through web3 as the backend does (Anvil holds the key); `gas=None` takes the node's estimate.

    Returns the receipt status.
    """
    w3 = chain.provider.web3
    tx = {"from": voter.address, "to": governance.address, "data": governance.vote.encode_input(pid, YES)}
    tx["gas"] = w3.eth.estimate_gas(tx) if gas is None else gas
    return w3.eth.wait_for_transaction_receipt(w3.eth.send_transaction(tx))["status"]


def propose_hong_kong(governance, members) -> int:
    pid, _ = propose(
        governance,
        "proposePort",
        HONG_KONG,
        "Hong Kong",
        members.newcomer,
        "Hong Kong Marine Department",
        "HK-MD",
        sender=members.shekou_authority,
    )
    return pid


def test_vote_sent_with_the_node_gas_estimate_carries_out_the_proposal(chain, registry, governance, members):
    # Regression: before the out-of-gas guard in _execute, eth_estimateGas found a limit at which the vote
    # succeeded but the registry call ran out of gas, so admitting a port this way always ended Failed.
    pid = propose_hong_kong(governance, members)
    assert send_vote_with_gas(chain, governance, pid, members.shunde_authority, gas=None) == 1
    assert governance.state(pid) == EXECUTED
    assert registry.getPort(HONG_KONG).authority == members.newcomer.address


def test_vote_reverts_if_the_registry_call_runs_out_of_gas(chain, registry, governance, members):
    pid = propose_hong_kong(governance, members)
    w3 = chain.provider.web3
    tx = {
        "from": members.shunde_authority.address,
        "to": governance.address,
        "data": governance.vote.encode_input(pid, YES),
    }
    enough = w3.eth.estimate_gas(tx)
    for shortfall in (1, 100, 1_000, 2_500, 5_000, 10_000, 20_000, 40_000, 80_000, 120_000):
        assert send_vote_with_gas(chain, governance, pid, members.shunde_authority, gas=enough - shortfall) == 0
        assert governance.state(pid) == ACTIVE, f"gas {enough - shortfall}"
        assert not governance.hasVoted(pid, members.shunde_authority)
    assert send_vote_with_gas(chain, governance, pid, members.shunde_authority, gas=enough) == 1
    assert governance.state(pid) == EXECUTED
