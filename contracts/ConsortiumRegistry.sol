// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";

import {IConsortiumRegistry} from "./interfaces/IConsortiumRegistry.sol";
import {ConsortiumRoles} from "./libraries/ConsortiumRoles.sol";
import {UnLocode} from "./libraries/UnLocode.sol";

/// @title PortLink consortium registry
/// @notice Members, ports and roles of the PortLink consortium, changed only by the governance contract.
/// @dev Built on OpenZeppelin AccessControl. Global roles are AccessControl roles as they are; a port-scoped role
/// is stored as the AccessControl role `keccak256(abi.encode(role, port))`, so `hasRole` answers both and the
/// standard `RoleGranted`/`RoleRevoked` events are emitted beside PortLink's own. A port authority also holds
/// the global `PORT_AUTHORITY_ROLE`: that is its right to vote. `hasRole` is false for suspended members.
/// Nobody holds `DEFAULT_ADMIN_ROLE`, and the direct AccessControl entry points are disabled.
contract ConsortiumRegistry is AccessControl, IConsortiumRegistry {
    // ------------------------------------------------------------------ roles and parameters

    bytes32 public constant PORT_AUTHORITY_ROLE = ConsortiumRoles.PORT_AUTHORITY;
    bytes32 public constant CUSTOMS_ROLE = ConsortiumRoles.CUSTOMS;
    bytes32 public constant TERMINAL_ROLE = ConsortiumRoles.TERMINAL;
    bytes32 public constant CARRIER_ROLE = ConsortiumRoles.CARRIER;
    bytes32 public constant SHIPPER_ROLE = ConsortiumRoles.SHIPPER;
    bytes32 public constant CONSIGNEE_ROLE = ConsortiumRoles.CONSIGNEE;
    bytes32 public constant FINANCIER_ROLE = ConsortiumRoles.FINANCIER;
    bytes32 public constant TAX_AUTHORITY_ROLE = ConsortiumRoles.TAX_AUTHORITY;
    bytes32 public constant IOT_GATEWAY_ROLE = ConsortiumRoles.IOT_GATEWAY;
    bytes32 public constant AUDITOR_ROLE = ConsortiumRoles.AUDITOR;
    bytes32 public constant SETTLEMENT_ISSUER_ROLE = ConsortiumRoles.SETTLEMENT_ISSUER;

    /// @notice Seconds a governance proposal stays open for votes.
    bytes32 public constant PROPOSAL_LIFETIME = ConsortiumRoles.PROPOSAL_LIFETIME;
    /// @notice Tolerance between declared and weighbridge weight, in basis points.
    bytes32 public constant WEIGHT_TOLERANCE_BPS = ConsortiumRoles.WEIGHT_TOLERANCE_BPS;

    uint256 private constant _DEFAULT_PROPOSAL_LIFETIME = 7 days;
    uint256 private constant _MIN_PROPOSAL_LIFETIME = 1 hours;
    uint256 private constant _MAX_PROPOSAL_LIFETIME = 90 days;
    uint256 private constant _DEFAULT_WEIGHT_TOLERANCE_BPS = 500;
    uint256 private constant _MAX_BPS = 10_000;

    // ------------------------------------------------------------------ storage

    /// @inheritdoc IConsortiumRegistry
    address public immutable governance;

    mapping(address account => Member) private _members;
    mapping(bytes5 code => Port) private _ports;
    mapping(bytes32 key => uint256) private _parameters;
    uint256 private _activeAuthorities;

    // ------------------------------------------------------------------ construction

    /// @param governance_ The governance contract, the only account that may change the registry afterwards.
    /// @param ports The bootstrap ports with their authorities.
    /// @param members The bootstrap members, one role each (repeat a member's account to give it more roles).
    constructor(address governance_, PortSeed[] memory ports, MemberSeed[] memory members) {
        if (governance_ == address(0)) revert ConsortiumZeroAddress();
        governance = governance_;
        _setParameter(PROPOSAL_LIFETIME, _DEFAULT_PROPOSAL_LIFETIME);
        _setParameter(WEIGHT_TOLERANCE_BPS, _DEFAULT_WEIGHT_TOLERANCE_BPS);
        for (uint256 i = 0; i < ports.length; ++i) {
            PortSeed memory p = ports[i];
            _addPort(p.code, p.name, p.authority, p.authorityName, p.authorityOrgId);
        }
        for (uint256 i = 0; i < members.length; ++i) {
            MemberSeed memory m = members[i];
            if (_members[m.account].status == MemberStatus.None) _addMember(m.account, m.name, m.orgId);
            _grantFirstRole(m.account, m.role, m.port);
        }
    }

    modifier onlyGovernance() {
        if (msg.sender != governance) revert ConsortiumOnlyGovernance(msg.sender);
        _;
    }

    // ------------------------------------------------------------------ governed changes

    /// @inheritdoc IConsortiumRegistry
    function addMember(address account, string calldata name, string calldata orgId, bytes32 role, bytes5 port)
        external
        onlyGovernance
    {
        _addMember(account, name, orgId);
        _grantFirstRole(account, role, port);
    }

    /// @inheritdoc IConsortiumRegistry
    function addPort(
        bytes5 code,
        string calldata name,
        address authority,
        string calldata authorityName,
        string calldata authorityOrgId
    ) external onlyGovernance {
        _addPort(code, name, authority, authorityName, authorityOrgId);
    }

    /// @inheritdoc IConsortiumRegistry
    function grantMemberRole(address account, bytes32 role, bytes5 port) external onlyGovernance {
        _grantMemberRole(account, role, port);
    }

    /// @inheritdoc IConsortiumRegistry
    function revokeMemberRole(address account, bytes32 role, bytes5 port) external onlyGovernance {
        _checkRole(role, port);
        if (!super.hasRole(_roleId(role, port), account)) revert ConsortiumRoleNotGranted(account, role, port);
        _revokeRole(_roleId(role, port), account);
        if (role == PORT_AUTHORITY_ROLE) {
            Member storage m = _members[account];
            m.authorityOf = bytes5(0);
            _revokeRole(PORT_AUTHORITY_ROLE, account);
            if (m.status == MemberStatus.Active) --_activeAuthorities;
            _ports[port].authority = address(0);
            emit PortAuthorityChanged(port, account, address(0));
        }
        emit MemberRoleRevoked(account, role, port);
    }

    /// @inheritdoc IConsortiumRegistry
    function suspendMember(address account, bytes32 reason) external onlyGovernance {
        Member storage m = _requireStatus(account, MemberStatus.Active);
        m.status = MemberStatus.Suspended;
        if (m.authorityOf != bytes5(0)) --_activeAuthorities;
        emit MemberSuspended(account, reason);
    }

    /// @inheritdoc IConsortiumRegistry
    function reinstateMember(address account) external onlyGovernance {
        Member storage m = _requireStatus(account, MemberStatus.Suspended);
        m.status = MemberStatus.Active;
        if (m.authorityOf != bytes5(0)) ++_activeAuthorities;
        emit MemberReinstated(account);
    }

    /// @inheritdoc IConsortiumRegistry
    function setParameter(bytes32 key, uint256 value) external onlyGovernance {
        _setParameter(key, value);
    }

    // ------------------------------------------------------------------ AccessControl entry points, disabled

    /// @notice Disabled: roles change only through governance proposals.
    function grantRole(bytes32, address) public pure override(AccessControl, IAccessControl) {
        revert ConsortiumRolesChangeOnlyByVote();
    }

    /// @notice Disabled: roles change only through governance proposals.
    function revokeRole(bytes32, address) public pure override(AccessControl, IAccessControl) {
        revert ConsortiumRolesChangeOnlyByVote();
    }

    /// @notice Disabled: a member leaves a role through a governance proposal, which keeps the electorate right.
    function renounceRole(bytes32, address) public pure override(AccessControl, IAccessControl) {
        revert ConsortiumRolesChangeOnlyByVote();
    }

    // ------------------------------------------------------------------ reads

    /// @notice Whether `account` holds `role` and is an active member. For port-scoped roles pass
    /// `portRoleId(role, port)`, or call `hasPortRole`.
    function hasRole(bytes32 role, address account) public view override(AccessControl, IAccessControl) returns (bool) {
        return _members[account].status == MemberStatus.Active && super.hasRole(role, account);
    }

    /// @inheritdoc IConsortiumRegistry
    function hasPortRole(bytes32 role, bytes5 port, address account) external view returns (bool) {
        return hasRole(portRoleId(role, port), account);
    }

    /// @notice The AccessControl role id under which `role` is held at `port`.
    function portRoleId(bytes32 role, bytes5 port) public pure returns (bytes32) {
        return keccak256(abi.encode(role, port));
    }

    /// @inheritdoc IConsortiumRegistry
    function isActiveMember(address account) external view returns (bool) {
        return _members[account].status == MemberStatus.Active;
    }

    /// @inheritdoc IConsortiumRegistry
    function getMember(address account) external view returns (Member memory) {
        return _members[account];
    }

    /// @inheritdoc IConsortiumRegistry
    function getPort(bytes5 code) external view returns (Port memory) {
        return _ports[code];
    }

    /// @inheritdoc IConsortiumRegistry
    function activeAuthorityCount() external view returns (uint256) {
        return _activeAuthorities;
    }

    /// @inheritdoc IConsortiumRegistry
    function parameter(bytes32 key) external view returns (uint256) {
        return _parameters[key];
    }

    /// @inheritdoc IConsortiumRegistry
    function isPortScoped(bytes32 role) external pure returns (bool) {
        return ConsortiumRoles.isPortScoped(role);
    }

    /// @inheritdoc IConsortiumRegistry
    function isKnownRole(bytes32 role) external pure returns (bool) {
        return ConsortiumRoles.isKnown(role);
    }

    // ------------------------------------------------------------------ internal

    function _addMember(address account, string memory name, string memory orgId) private {
        if (account == address(0)) revert ConsortiumZeroAddress();
        if (bytes(name).length == 0) revert ConsortiumEmptyName();
        if (_members[account].status != MemberStatus.None) revert ConsortiumMemberExists(account);
        _members[account] = Member({status: MemberStatus.Active, authorityOf: bytes5(0), name: name, orgId: orgId});
        emit MemberAdded(account, name, orgId);
    }

    function _addPort(
        bytes5 code,
        string memory name,
        address authority,
        string memory authorityName,
        string memory authorityOrgId
    ) private {
        if (!UnLocode.isValid(code)) revert ConsortiumInvalidUnLocode(code);
        if (bytes(name).length == 0) revert ConsortiumEmptyName();
        if (_ports[code].status != PortStatus.None) revert ConsortiumPortExists(code);
        _ports[code] = Port({status: PortStatus.Active, authority: address(0), name: name});
        emit PortAdded(code, authority, name);
        if (_members[authority].status == MemberStatus.None) _addMember(authority, authorityName, authorityOrgId);
        _grantMemberRole(authority, PORT_AUTHORITY_ROLE, code);
    }

    /// @dev `role` zero means "no role yet", and then no port may be named either.
    function _grantFirstRole(address account, bytes32 role, bytes5 port) private {
        if (role != bytes32(0)) _grantMemberRole(account, role, port);
        else if (port != bytes5(0)) revert ConsortiumRoleIsGlobal(role, port);
    }

    function _grantMemberRole(address account, bytes32 role, bytes5 port) private {
        _checkRole(role, port);
        Member storage m = _members[account];
        if (m.status == MemberStatus.None) revert ConsortiumUnknownMember(account);
        bytes32 id = _roleId(role, port);
        if (super.hasRole(id, account)) revert ConsortiumRoleAlreadyGranted(account, role, port);
        if (role == PORT_AUTHORITY_ROLE) {
            Port storage p = _ports[port];
            if (p.authority != address(0)) revert ConsortiumPortHasAuthority(port, p.authority);
            if (m.authorityOf != bytes5(0)) revert ConsortiumAlreadyAuthority(account, m.authorityOf);
            m.authorityOf = port;
            p.authority = account;
            _grantRole(PORT_AUTHORITY_ROLE, account);
            // slither-disable-next-line costly-loop (the constructor's loop runs over the bootstrap seed only)
            if (m.status == MemberStatus.Active) ++_activeAuthorities;
            emit PortAuthorityChanged(port, address(0), account);
        }
        _grantRole(id, account);
        emit MemberRoleGranted(account, role, port);
    }

    /// @dev Checks that `role` is known and that `port` is given exactly when the role is port-scoped.
    function _checkRole(bytes32 role, bytes5 port) private view {
        if (!ConsortiumRoles.isKnown(role)) revert ConsortiumUnknownRole(role);
        if (ConsortiumRoles.isPortScoped(role)) {
            if (port == bytes5(0)) revert ConsortiumRoleNeedsPort(role);
            if (_ports[port].status == PortStatus.None) revert ConsortiumUnknownPort(port);
        } else if (port != bytes5(0)) {
            revert ConsortiumRoleIsGlobal(role, port);
        }
    }

    function _roleId(bytes32 role, bytes5 port) private pure returns (bytes32) {
        return port == bytes5(0) ? role : portRoleId(role, port);
    }

    /// @dev AccessControl's `_revokeRole` only revokes what `hasRole` reports, and `hasRole` is false while the
    /// member is suspended: a role revoked from a suspended member would silently stay stored (and be back on
    /// reinstatement; for a port authority, a vote outside the electorate). Revoke as if the member were active.
    function _revokeRole(bytes32 role, address account) internal override returns (bool revoked) {
        Member storage m = _members[account];
        MemberStatus status = m.status;
        m.status = MemberStatus.Active;
        revoked = super._revokeRole(role, account);
        m.status = status;
    }

    function _requireStatus(address account, MemberStatus expected) private view returns (Member storage m) {
        m = _members[account];
        if (m.status == MemberStatus.None) revert ConsortiumUnknownMember(account);
        if (m.status != expected) revert ConsortiumUnexpectedMemberStatus(account, m.status, expected);
    }

    function _setParameter(bytes32 key, uint256 value) private {
        if (key == PROPOSAL_LIFETIME && (value < _MIN_PROPOSAL_LIFETIME || value > _MAX_PROPOSAL_LIFETIME)) {
            revert ConsortiumParameterOutOfRange(key, value, _MIN_PROPOSAL_LIFETIME, _MAX_PROPOSAL_LIFETIME);
        }
        if (key == WEIGHT_TOLERANCE_BPS && value > _MAX_BPS) {
            revert ConsortiumParameterOutOfRange(key, value, 0, _MAX_BPS);
        }
        uint256 previous = _parameters[key];
        _parameters[key] = value;
        emit ParameterSet(key, previous, value);
    }
}
