// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IConsortiumGovernance} from "./interfaces/IConsortiumGovernance.sol";
import {IConsortiumRegistry} from "./interfaces/IConsortiumRegistry.sol";
import {ConsortiumRoles} from "./libraries/ConsortiumRoles.sol";
import {UnLocode} from "./libraries/UnLocode.sol";

/// @title PortLink consortium governance
/// @notice Proposals and votes of the port authorities; the only account allowed to change the registry.
/// @dev The electorate is the registry's count of active port authorities at the time of each vote, so a
/// suspension shrinks it at once, and the tally is counted again at each vote over the proposal's voters: only the
/// votes of voters that are active port authorities at that moment count. A vote of an authority suspended (or
/// stripped of the role) since it voted does not count while it stays so. A proposal is carried out by the vote
/// that gives it a strict majority; if the registry then refuses the change (say the member was admitted by an
/// earlier proposal meanwhile) the proposal ends `Failed` with the registry's revert data in the event, and the vote
/// still stands. The recount loops over the proposal's voters: at most one per port authority that held the role
/// while the proposal was open, and ports are only added by vote.
contract ConsortiumGovernance is IConsortiumGovernance {
    /// @dev How a voter voted on a proposal.
    enum Ballot {
        None,
        For,
        Against
    }

    // ------------------------------------------------------------------ storage

    /// @notice The registry governed; it names this contract as its governance.
    IConsortiumRegistry private immutable _registry;

    uint256 private _proposalCount;
    mapping(uint256 proposalId => Proposal) private _proposals;
    mapping(uint256 proposalId => mapping(address voter => Ballot)) private _ballots;
    mapping(uint256 proposalId => address[]) private _voters;

    /// @param registry_ The consortium registry, which must name this contract as its governance.
    constructor(address registry_) {
        if (registry_ == address(0)) revert GovernanceZeroAddress();
        address named = IConsortiumRegistry(registry_).governance();
        if (named != address(this)) revert GovernanceNotRegistryGovernance(registry_, named);
        _registry = IConsortiumRegistry(registry_);
    }

    modifier onlyPortAuthority() {
        _requirePortAuthority(msg.sender);
        _;
    }

    // ------------------------------------------------------------------ proposals

    /// @inheritdoc IConsortiumGovernance
    function proposeMember(address account, string calldata name, string calldata orgId, bytes32 role, bytes5 port)
        external
        onlyPortAuthority
        returns (uint256 proposalId)
    {
        _requireAccount(account);
        _requireName(name);
        if (role != bytes32(0)) _requireRole(role, port);
        else if (port != bytes5(0)) revert GovernanceRoleIsGlobal(role, port);
        Proposal storage p = _newProposal(ProposalKind.AddMember);
        p.account = account;
        p.name = name;
        p.orgId = orgId;
        p.role = role;
        p.port = port;
        return _open(p);
    }

    /// @inheritdoc IConsortiumGovernance
    function proposePort(
        bytes5 code,
        string calldata name,
        address authority,
        string calldata authorityName,
        string calldata authorityOrgId
    ) external onlyPortAuthority returns (uint256 proposalId) {
        if (!UnLocode.isValid(code)) revert GovernanceInvalidUnLocode(code);
        _requireName(name);
        _requireAccount(authority);
        if (!_registry.isActiveMember(authority)) _requireName(authorityName);
        Proposal storage p = _newProposal(ProposalKind.AddPort);
        p.port = code;
        p.name = name;
        p.account = authority;
        p.authorityName = authorityName;
        p.orgId = authorityOrgId;
        return _open(p);
    }

    /// @inheritdoc IConsortiumGovernance
    function proposeRoleGrant(address account, bytes32 role, bytes5 port)
        external
        onlyPortAuthority
        returns (uint256 proposalId)
    {
        return _proposeRoleChange(ProposalKind.GrantRole, account, role, port);
    }

    /// @inheritdoc IConsortiumGovernance
    function proposeRoleRevoke(address account, bytes32 role, bytes5 port)
        external
        onlyPortAuthority
        returns (uint256 proposalId)
    {
        return _proposeRoleChange(ProposalKind.RevokeRole, account, role, port);
    }

    /// @inheritdoc IConsortiumGovernance
    function proposeSuspension(address account, bytes32 reason) external onlyPortAuthority returns (uint256 proposalId) {
        _requireAccount(account);
        Proposal storage p = _newProposal(ProposalKind.SuspendMember);
        p.account = account;
        p.key = reason;
        return _open(p);
    }

    /// @inheritdoc IConsortiumGovernance
    function proposeReinstatement(address account) external onlyPortAuthority returns (uint256 proposalId) {
        _requireAccount(account);
        Proposal storage p = _newProposal(ProposalKind.ReinstateMember);
        p.account = account;
        return _open(p);
    }

    /// @inheritdoc IConsortiumGovernance
    function proposeParameter(bytes32 key, uint256 value) external onlyPortAuthority returns (uint256 proposalId) {
        Proposal storage p = _newProposal(ProposalKind.SetParameter);
        p.key = key;
        p.value = value;
        return _open(p);
    }

    /// @inheritdoc IConsortiumGovernance
    function vote(uint256 proposalId, bool support) external onlyPortAuthority {
        _vote(proposalId, support);
    }

    /// @inheritdoc IConsortiumGovernance
    function cancel(uint256 proposalId) external {
        Proposal storage p = _requireActive(proposalId);
        if (p.proposer != msg.sender) revert GovernanceNotProposer(proposalId, msg.sender);
        // A proposer suspended or stripped of its role since has no say over the proposal any more.
        _requirePortAuthority(msg.sender);
        p.state = ProposalState.Cancelled;
        emit ProposalCancelled(proposalId);
    }

    // ------------------------------------------------------------------ reads

    /// @inheritdoc IConsortiumGovernance
    function registry() external view returns (address) {
        return address(_registry);
    }

    /// @inheritdoc IConsortiumGovernance
    function getProposal(uint256 proposalId) external view returns (Proposal memory) {
        // slither-disable-next-line incorrect-equality (an enum, not a balance)
        if (_proposals[proposalId].kind == ProposalKind.None) revert GovernanceUnknownProposal(proposalId);
        return _proposals[proposalId];
    }

    /// @inheritdoc IConsortiumGovernance
    function state(uint256 proposalId) public view returns (ProposalState) {
        Proposal storage p = _proposals[proposalId];
        if (p.state == ProposalState.Active && block.timestamp > p.expiresAt) return ProposalState.Expired;
        return p.state;
    }

    /// @inheritdoc IConsortiumGovernance
    function hasVoted(uint256 proposalId, address voter) external view returns (bool) {
        return _ballots[proposalId][voter] != Ballot.None;
    }

    /// @inheritdoc IConsortiumGovernance
    function proposalCount() external view returns (uint256) {
        return _proposalCount;
    }

    // ------------------------------------------------------------------ internal

    function _proposeRoleChange(ProposalKind kind, address account, bytes32 role, bytes5 port)
        private
        returns (uint256)
    {
        _requireAccount(account);
        _requireRole(role, port);
        Proposal storage p = _newProposal(kind);
        p.account = account;
        p.role = role;
        p.port = port;
        return _open(p);
    }

    function _newProposal(ProposalKind kind) private returns (Proposal storage p) {
        uint256 id = ++_proposalCount;
        p = _proposals[id];
        p.kind = kind;
        p.state = ProposalState.Active;
        p.proposer = msg.sender;
        p.createdAt = uint64(block.timestamp);
        p.expiresAt = uint64(block.timestamp + _registry.parameter(ConsortiumRoles.PROPOSAL_LIFETIME));
    }

    /// @dev Emits the creation and casts the proposer's vote for it (which passes it at once in a consortium
    /// of one port).
    function _open(Proposal storage p) private returns (uint256 id) {
        id = _proposalCount;
        emit ProposalCreated(
            id, p.kind, p.proposer, p.account, p.role, p.port, p.key, p.value, p.name, p.orgId, p.authorityName, p.expiresAt
        );
        _vote(id, true);
    }

    function _vote(uint256 proposalId, bool support) private {
        Proposal storage p = _requireActive(proposalId);
        if (_ballots[proposalId][msg.sender] != Ballot.None) revert GovernanceAlreadyVoted(proposalId, msg.sender);
        _ballots[proposalId][msg.sender] = support ? Ballot.For : Ballot.Against;
        _voters[proposalId].push(msg.sender);
        (p.forVotes, p.againstVotes) = _count(proposalId);
        uint256 electorate = _registry.activeAuthorityCount();
        emit VoteCast(proposalId, msg.sender, support, p.forVotes, p.againstVotes, electorate);

        if (uint256(p.forVotes) * 2 > electorate) {
            _execute(proposalId, p);
        } else if (uint256(p.againstVotes) * 2 >= electorate) {
            // Even if every remaining authority voted for it, the proposal could at most tie.
            p.state = ProposalState.Defeated;
            emit ProposalDefeated(proposalId);
        }
    }

    /// @dev Effects first: the proposal is marked executed before the registry is called, and marked failed
    /// with the registry's revert data if the registry refuses. A registry call that ran out of gas is no
    /// refusal: the call gets at most 63/64 of the gas left, so a vote sent with too low a gas limit (such as
    /// the one `eth_estimateGas` finds) could still succeed after it and end the proposal `Failed` for good.
    /// The whole vote reverts instead, to be sent again with more gas.
    function _execute(uint256 proposalId, Proposal storage p) private {
        p.state = ProposalState.Executed;
        bytes memory data = _registryCall(p);
        uint256 gasBefore = gasleft();
        // slither-disable-next-line low-level-calls,reentrancy-events
        (bool ok, bytes memory reason) = address(_registry).call(data);
        if (ok) {
            emit ProposalExecuted(proposalId);
        } else {
            if (reason.length == 0 && gasleft() <= gasBefore / 63) revert GovernanceExecutionOutOfGas(proposalId);
            p.state = ProposalState.Failed;
            emit ProposalFailed(proposalId, reason);
        }
    }

    /// @dev The votes for and against of the proposal's voters that are active port authorities now.
    function _count(uint256 proposalId) private view returns (uint32 forVotes, uint32 againstVotes) {
        address[] storage voters = _voters[proposalId];
        mapping(address voter => Ballot) storage ballots = _ballots[proposalId];
        for (uint256 i = 0; i < voters.length; ++i) {
            address voter = voters[i];
            // slither-disable-next-line calls-loop (one call per voter; voters are port authorities, added by vote)
            if (!_registry.hasRole(ConsortiumRoles.PORT_AUTHORITY, voter)) continue;
            if (ballots[voter] == Ballot.For) ++forVotes;
            else ++againstVotes;
        }
    }

    function _registryCall(Proposal storage p) private view returns (bytes memory) {
        ProposalKind kind = p.kind;
        if (kind == ProposalKind.AddMember) {
            return abi.encodeCall(IConsortiumRegistry.addMember, (p.account, p.name, p.orgId, p.role, p.port));
        }
        if (kind == ProposalKind.AddPort) {
            return abi.encodeCall(IConsortiumRegistry.addPort, (p.port, p.name, p.account, p.authorityName, p.orgId));
        }
        if (kind == ProposalKind.GrantRole) {
            return abi.encodeCall(IConsortiumRegistry.grantMemberRole, (p.account, p.role, p.port));
        }
        if (kind == ProposalKind.RevokeRole) {
            return abi.encodeCall(IConsortiumRegistry.revokeMemberRole, (p.account, p.role, p.port));
        }
        if (kind == ProposalKind.SuspendMember) {
            return abi.encodeCall(IConsortiumRegistry.suspendMember, (p.account, p.key));
        }
        if (kind == ProposalKind.ReinstateMember) {
            return abi.encodeCall(IConsortiumRegistry.reinstateMember, (p.account));
        }
        return abi.encodeCall(IConsortiumRegistry.setParameter, (p.key, p.value));
    }

    function _requireActive(uint256 proposalId) private view returns (Proposal storage p) {
        p = _proposals[proposalId];
        if (p.kind == ProposalKind.None) revert GovernanceUnknownProposal(proposalId);
        ProposalState current = state(proposalId);
        if (current != ProposalState.Active) revert GovernanceProposalNotActive(proposalId, current);
    }

    function _requirePortAuthority(address account) private view {
        if (!_registry.hasRole(ConsortiumRoles.PORT_AUTHORITY, account)) revert GovernanceNotPortAuthority(account);
    }

    function _requireAccount(address account) private pure {
        if (account == address(0)) revert GovernanceZeroAddress();
    }

    function _requireName(string calldata name) private pure {
        if (bytes(name).length == 0) revert GovernanceEmptyName();
    }

    function _requireRole(bytes32 role, bytes5 port) private pure {
        if (!ConsortiumRoles.isKnown(role)) revert GovernanceUnknownRole(role);
        if (ConsortiumRoles.isPortScoped(role)) {
            if (port == bytes5(0)) revert GovernanceRoleNeedsPort(role);
        } else if (port != bytes5(0)) {
            revert GovernanceRoleIsGlobal(role, port);
        }
    }
}
