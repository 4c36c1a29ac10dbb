// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";

/// @title PortLink consortium registry
/// @notice The membership layer every PortLink contract asks "may this account do that?". Ports are identified
/// by UN/LOCODE and each has one port authority; members hold roles, and the roles of customs, terminals and
/// port authorities are held per port (a Shunde terminal cannot act at Shekou).
/// @dev Every mutation is made by the consortium governance contract after a vote of the port authorities; the
/// registry itself only checks that the change is consistent and records it with an event.
interface IConsortiumRegistry is IAccessControl {
    // ------------------------------------------------------------------ types

    /// @notice Lifecycle of a member. `Suspended` members keep their roles but every role check fails until
    /// they are reinstated.
    enum MemberStatus {
        None,
        Active,
        Suspended
    }

    /// @notice Lifecycle of a port.
    enum PortStatus {
        None,
        Active
    }

    /// @notice A consortium member: an organisation acting through one account.
    struct Member {
        MemberStatus status;
        /// @dev The port this member is the authority of, or `bytes5(0)`.
        bytes5 authorityOf;
        string name;
        /// @dev The organisation's registry identifier (e.g. a LEI or a Chinese unified social credit code).
        string orgId;
    }

    /// @notice A port of the consortium.
    struct Port {
        PortStatus status;
        address authority;
        string name;
    }

    /// @notice A port set up at deployment, with its authority (created as a member if new).
    struct PortSeed {
        bytes5 code;
        string name;
        address authority;
        string authorityName;
        string authorityOrgId;
    }

    /// @notice A member set up at deployment, with one role (`port` is `bytes5(0)` for roles held globally).
    struct MemberSeed {
        address account;
        string name;
        string orgId;
        bytes32 role;
        bytes5 port;
    }

    // ------------------------------------------------------------------ errors

    /// @notice Only the governance contract may change the registry.
    error ConsortiumOnlyGovernance(address caller);
    /// @notice Roles are granted and revoked by vote, never directly through AccessControl.
    error ConsortiumRolesChangeOnlyByVote();
    /// @notice The zero address cannot be a member or the governance contract.
    error ConsortiumZeroAddress();
    /// @notice Member and port names must not be empty.
    error ConsortiumEmptyName();
    /// @notice `code` is not a structurally valid UN/LOCODE (two letters, then three of A-Z or 2-9).
    error ConsortiumInvalidUnLocode(bytes5 code);
    /// @notice A port with this UN/LOCODE is already registered.
    error ConsortiumPortExists(bytes5 port);
    /// @notice No port with this UN/LOCODE is registered.
    error ConsortiumUnknownPort(bytes5 port);
    /// @notice The port already has an authority; revoke it before granting the role to another member.
    error ConsortiumPortHasAuthority(bytes5 port, address authority);
    /// @notice The account is already the authority of another port (one port per authority account).
    error ConsortiumAlreadyAuthority(address account, bytes5 port);
    /// @notice The account is already a member.
    error ConsortiumMemberExists(address account);
    /// @notice The account is not a member.
    error ConsortiumUnknownMember(address account);
    /// @notice The member is not in the status the action needs.
    error ConsortiumUnexpectedMemberStatus(address account, MemberStatus status, MemberStatus expected);
    /// @notice `role` is not one of the consortium roles.
    error ConsortiumUnknownRole(bytes32 role);
    /// @notice Customs, terminal and port-authority roles are held per port: name the port.
    error ConsortiumRoleNeedsPort(bytes32 role);
    /// @notice This role is held globally: pass `bytes5(0)` as the port.
    error ConsortiumRoleIsGlobal(bytes32 role, bytes5 port);
    /// @notice The member already holds this role (at this port).
    error ConsortiumRoleAlreadyGranted(address account, bytes32 role, bytes5 port);
    /// @notice The member does not hold this role (at this port).
    error ConsortiumRoleNotGranted(address account, bytes32 role, bytes5 port);
    /// @notice A known parameter was set outside its allowed range.
    error ConsortiumParameterOutOfRange(bytes32 key, uint256 value, uint256 min, uint256 max);

    // ------------------------------------------------------------------ events

    /// @notice A port joined the consortium with `authority` as its port authority.
    event PortAdded(bytes5 indexed port, address indexed authority, string name);
    /// @notice The authority of `port` changed (`authority` is zero while the port has none).
    event PortAuthorityChanged(bytes5 indexed port, address indexed previousAuthority, address indexed authority);
    /// @notice An organisation joined the consortium.
    event MemberAdded(address indexed account, string name, string orgId);
    /// @notice `account` was granted `role`, at `port` for port-scoped roles (`bytes5(0)` otherwise).
    event MemberRoleGranted(address indexed account, bytes32 indexed role, bytes5 indexed port);
    /// @notice `account` lost `role`, at `port` for port-scoped roles (`bytes5(0)` otherwise).
    event MemberRoleRevoked(address indexed account, bytes32 indexed role, bytes5 indexed port);
    /// @notice `account` was suspended; `reason` is a digest of the off-chain reasoning.
    event MemberSuspended(address indexed account, bytes32 reason);
    /// @notice `account` was reinstated after a suspension.
    event MemberReinstated(address indexed account);
    /// @notice A governance parameter changed.
    event ParameterSet(bytes32 indexed key, uint256 previousValue, uint256 value);

    // ------------------------------------------------------------------ governed changes

    /// @notice Admits an organisation, optionally with a first role (`role == 0` for none).
    function addMember(address account, string calldata name, string calldata orgId, bytes32 role, bytes5 port)
        external;

    /// @notice Admits a port with its authority; the authority is admitted as a member too if it is new.
    function addPort(
        bytes5 code,
        string calldata name,
        address authority,
        string calldata authorityName,
        string calldata authorityOrgId
    ) external;

    /// @notice Grants `role` to a member; `port` names the port for port-scoped roles and is zero otherwise.
    function grantMemberRole(address account, bytes32 role, bytes5 port) external;

    /// @notice Revokes `role` (at `port` for port-scoped roles) from a member.
    function revokeMemberRole(address account, bytes32 role, bytes5 port) external;

    /// @notice Suspends a member at once: every role check for the account fails until it is reinstated.
    function suspendMember(address account, bytes32 reason) external;

    /// @notice Lifts a suspension.
    function reinstateMember(address account) external;

    /// @notice Sets a governance parameter read by the PortLink contracts.
    function setParameter(bytes32 key, uint256 value) external;

    // ------------------------------------------------------------------ reads

    /// @notice The governance contract, the only account that may change the registry.
    function governance() external view returns (address);

    /// @notice Whether `account` is an active member holding `role` at `port`.
    function hasPortRole(bytes32 role, bytes5 port, address account) external view returns (bool);

    /// @notice Whether `account` is an active member (not suspended).
    function isActiveMember(address account) external view returns (bool);

    /// @notice The member record of `account` (status `None` if it is not a member).
    function getMember(address account) external view returns (Member memory);

    /// @notice The port record of `code` (status `None` if it is not registered).
    function getPort(bytes5 code) external view returns (Port memory);

    /// @notice The number of active (not suspended) port authorities: the electorate of governance votes.
    function activeAuthorityCount() external view returns (uint256);

    /// @notice The value of a governance parameter (0 if never set).
    function parameter(bytes32 key) external view returns (uint256);

    /// @notice Whether `role` is one held per port (port authority, customs, terminal).
    function isPortScoped(bytes32 role) external pure returns (bool);

    /// @notice Whether `role` is one of the consortium roles.
    function isKnownRole(bytes32 role) external pure returns (bool);
}
