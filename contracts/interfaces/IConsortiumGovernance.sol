// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

/// @title PortLink consortium governance
/// @notice Port authorities propose and vote on every change to the consortium registry: new members, new ports,
/// role grants and revocations, suspensions and parameters. A proposal passes with a strict majority of the
/// active port authorities and is carried out by the vote that reaches it; it fails once that majority can no
/// longer be reached, and expires after the registry's `PROPOSAL_LIFETIME`.
/// IMPORTANT: votes are counted again at every vote, over the authorities active at that moment: the vote of an
/// authority suspended or stripped of the role since it voted does not count, for or against.
interface IConsortiumGovernance {
    // ------------------------------------------------------------------ types

    /// @notice What a proposal changes in the registry.
    enum ProposalKind {
        None,
        AddMember,
        AddPort,
        GrantRole,
        RevokeRole,
        SuspendMember,
        ReinstateMember,
        SetParameter
    }

    /// @notice Lifecycle of a proposal. `Expired` is never stored: it is what `state` reports for an `Active`
    /// proposal past its deadline. `Failed` means it passed but the registry refused the change (the reason is
    /// in the `ProposalFailed` event).
    enum ProposalState {
        None,
        Active,
        Executed,
        Defeated,
        Cancelled,
        Failed,
        Expired
    }

    /// @notice A proposal and its tally. Fields a kind does not use are zero.
    struct Proposal {
        ProposalKind kind;
        ProposalState state;
        address proposer;
        uint64 createdAt;
        uint64 expiresAt;
        /// @dev The tally counted at the last vote: votes of the voters that were active port authorities then.
        uint32 forVotes;
        uint32 againstVotes;
        /// @dev The member concerned (for AddPort: the port's authority).
        address account;
        bytes32 role;
        bytes5 port;
        /// @dev SetParameter: the key; SuspendMember: the digest of the reason.
        bytes32 key;
        uint256 value;
        string name;
        string orgId;
        /// @dev AddPort: the authority's name (`name` is the port's).
        string authorityName;
    }

    // ------------------------------------------------------------------ errors

    /// @notice Only active port authorities may propose and vote.
    error GovernanceNotPortAuthority(address account);
    /// @notice No proposal has this id.
    error GovernanceUnknownProposal(uint256 proposalId);
    /// @notice The proposal is not open for votes (the error carries its state).
    error GovernanceProposalNotActive(uint256 proposalId, ProposalState state);
    /// @notice Each port authority votes once per proposal.
    error GovernanceAlreadyVoted(uint256 proposalId, address voter);
    /// @notice Only the proposer may cancel a proposal (and only while it is an active port authority).
    error GovernanceNotProposer(uint256 proposalId, address caller);
    /// @notice The vote carrying the proposal ran the registry call out of gas; send it again with more gas (the
    /// proposal stays open and the vote is not counted).
    error GovernanceExecutionOutOfGas(uint256 proposalId);
    /// @notice The registry is the zero address, or a proposal names the zero address as its member or authority.
    error GovernanceZeroAddress();
    /// @notice The registry names another account (`governance`) as its governance: deploy the pair together.
    error GovernanceNotRegistryGovernance(address registry, address governance);
    /// @notice A proposed member or port has no name.
    error GovernanceEmptyName();
    /// @notice `code` is not a structurally valid UN/LOCODE (two letters, then three of A-Z or 2-9).
    error GovernanceInvalidUnLocode(bytes5 code);
    /// @notice `role` is not one of the consortium roles.
    error GovernanceUnknownRole(bytes32 role);
    /// @notice Customs, terminal and port-authority roles are held per port: name the port.
    error GovernanceRoleNeedsPort(bytes32 role);
    /// @notice This role is held globally (or no role is named): pass `bytes5(0)` as the port.
    error GovernanceRoleIsGlobal(bytes32 role, bytes5 port);
    // A malformed proposal is refused at once with these errors of the governance's own; what only the registry
    // can know at execution (a member admitted meanwhile, a parameter out of range) ends the proposal `Failed`
    // with the registry's error in `ProposalFailed`.

    // ------------------------------------------------------------------ events

    /// @notice A port authority proposed a change; its own vote for it follows as a `VoteCast`.
    event ProposalCreated(
        uint256 indexed proposalId,
        ProposalKind indexed kind,
        address indexed proposer,
        address account,
        bytes32 role,
        bytes5 port,
        bytes32 key,
        uint256 value,
        string name,
        string orgId,
        string authorityName,
        uint64 expiresAt
    );
    /// @notice A port authority voted; the tally of the active authorities' votes and the electorate (the active port
    /// authorities) at the time of the vote follow.
    event VoteCast(
        uint256 indexed proposalId, address indexed voter, bool support, uint32 forVotes, uint32 againstVotes, uint256 electorate
    );
    /// @notice The proposal passed and the registry carried it out.
    event ProposalExecuted(uint256 indexed proposalId);
    /// @notice The proposal passed but the registry refused it; `reason` is the registry's revert data.
    event ProposalFailed(uint256 indexed proposalId, bytes reason);
    /// @notice A strict majority for the proposal can no longer be reached.
    event ProposalDefeated(uint256 indexed proposalId);
    /// @notice The proposer withdrew the proposal.
    event ProposalCancelled(uint256 indexed proposalId);

    // ------------------------------------------------------------------ proposals

    /// @notice Proposes admitting `account` as a member with a first `role` (`role == 0` for none; `port` for
    /// port-scoped roles, zero otherwise).
    function proposeMember(address account, string calldata name, string calldata orgId, bytes32 role, bytes5 port)
        external
        returns (uint256 proposalId);

    /// @notice Proposes admitting the port `code` with `authority` as its port authority (admitted as a member
    /// under `authorityName`/`authorityOrgId` if it is not one yet).
    function proposePort(
        bytes5 code,
        string calldata name,
        address authority,
        string calldata authorityName,
        string calldata authorityOrgId
    ) external returns (uint256 proposalId);

    /// @notice Proposes granting `role` (at `port` for port-scoped roles) to a member.
    function proposeRoleGrant(address account, bytes32 role, bytes5 port) external returns (uint256 proposalId);

    /// @notice Proposes revoking `role` (at `port` for port-scoped roles) from a member.
    function proposeRoleRevoke(address account, bytes32 role, bytes5 port) external returns (uint256 proposalId);

    /// @notice Proposes suspending a member; it takes effect the moment the vote passes.
    /// @param reason A digest of the off-chain reasoning, for the record.
    function proposeSuspension(address account, bytes32 reason) external returns (uint256 proposalId);

    /// @notice Proposes lifting a member's suspension.
    function proposeReinstatement(address account) external returns (uint256 proposalId);

    /// @notice Proposes setting a registry parameter.
    function proposeParameter(bytes32 key, uint256 value) external returns (uint256 proposalId);

    /// @notice Votes for or against an active proposal. The tally is counted again over the voters that are active
    /// port authorities now; the vote that makes a strict majority of the active port authorities carries the
    /// proposal out in the same transaction.
    function vote(uint256 proposalId, bool support) external;

    /// @notice Withdraws an active proposal; only its proposer may, while it is an active port authority.
    function cancel(uint256 proposalId) external;

    // ------------------------------------------------------------------ reads

    /// @notice The registry this contract governs.
    function registry() external view returns (address);

    /// @notice The proposal `proposalId` with its stored state.
    function getProposal(uint256 proposalId) external view returns (Proposal memory);

    /// @notice The state of `proposalId`, `Expired` included.
    function state(uint256 proposalId) external view returns (ProposalState);

    /// @notice Whether `voter` has voted on `proposalId`.
    function hasVoted(uint256 proposalId, address voter) external view returns (bool);

    /// @notice The number of proposals made so far; ids run from 1 to this number.
    function proposalCount() external view returns (uint256);
}
