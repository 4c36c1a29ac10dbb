// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {NoncesKeyed} from "@openzeppelin/contracts/utils/NoncesKeyed.sol";

import {IConsortiumRegistry} from "./interfaces/IConsortiumRegistry.sol";
import {ICustomsClearance} from "./interfaces/ICustomsClearance.sol";
import {IIoTMonitor} from "./interfaces/IIoTMonitor.sol";
import {IShipmentRegistry} from "./interfaces/IShipmentRegistry.sol";
import {ConsortiumRoles} from "./libraries/ConsortiumRoles.sol";
import {Declarations} from "./libraries/Declarations.sol";

/// @title PortLink dual-sign customs clearance
/// @notice Combined declarations, decisions of origin and destination customs (signed in a wallet and relayed, or
/// sent by the officer), customs holds, and clearance.
/// @dev Roles come from the consortium registry when each call executes. Signatures are checked with
/// OpenZeppelin's SignatureChecker (ECDSA with low-s only and 65-byte signatures for EOAs, ERC-1271 for contract
/// wallets) against the EIP-712 domain of this contract and chain; nonces are OpenZeppelin's keyed nonces, so an
/// officer may keep independent lanes (the backend uses one lane per declaration) and relayers need not order
/// decisions across declarations. What a declaration may become is the `Declarations` library's; this contract
/// keeps roles, brokers, signatures and what holds a shipment in the other contracts.
contract CustomsClearance is ICustomsClearance, EIP712, NoncesKeyed {
    using Declarations for Declaration;

    // ------------------------------------------------------------------ constants

    /// @notice The EIP-712 type an officer signs.
    bytes32 public constant DECISION_TYPEHASH = keccak256(
        "Decision(bytes32 declarationId,uint32 version,bytes32 declarationDigest,bytes5 port,uint8 decision,"
        "bytes32 reasonCode,address officer,uint256 nonce,uint256 deadline)"
    );
    /// @notice HS codes one declaration may list (a bound on the validation loop).
    uint256 public constant MAX_HS_CODES = 50;

    uint256 private constant _FILED = 1 << uint8(DeclarationState.Filed);
    uint256 private constant _OPEN = _FILED | (1 << uint8(DeclarationState.Rejected));

    // ------------------------------------------------------------------ storage

    IShipmentRegistry private immutable _shipments;
    IConsortiumRegistry private immutable _consortium;
    IIoTMonitor private immutable _iot;

    mapping(bytes32 declarationId => Declaration) private _declarations;
    mapping(address shipper => mapping(address broker => bool)) private _brokers;

    /// @param shipments_ The shipment registry; its consortium registry answers every role question.
    /// @param iot_ The IoT monitor; a shipment with open alerts there is not cleared. It must name this contract as
    /// its customs (it is deployed just before, with this contract's address predicted).
    constructor(address shipments_, address iot_) EIP712("PortLink Customs Clearance", "1") {
        if (shipments_ == address(0) || iot_ == address(0)) revert ClearanceZeroAddress();
        address monitorCustoms = IIoTMonitor(iot_).customs();
        if (monitorCustoms != address(this)) revert ClearanceMonitorMismatch(iot_, monitorCustoms);
        _shipments = IShipmentRegistry(shipments_);
        _iot = IIoTMonitor(iot_);
        _consortium = IConsortiumRegistry(IShipmentRegistry(shipments_).consortium());
    }

    // ------------------------------------------------------------------ filing

    /// @inheritdoc ICustomsClearance
    function setBroker(address broker, bool authorised) external {
        _requireRole(ConsortiumRoles.SHIPPER, msg.sender);
        if (authorised && (broker == msg.sender || !_consortium.isActiveMember(broker))) {
            revert ClearanceInvalidBroker(broker);
        }
        _brokers[msg.sender][broker] = authorised;
        emit BrokerSet(msg.sender, broker, authorised);
    }

    /// @inheritdoc ICustomsClearance
    function file(bytes32 shipmentId, bytes32 digest, bytes6[] calldata hsCodes, uint128 customsValue, bytes3 currency)
        external
        returns (bytes32 declarationId)
    {
        declarationId = shipmentId;
        IShipmentRegistry.Shipment memory s = _shipments.getShipment(shipmentId);
        if (s.state == IShipmentRegistry.ShipmentState.None) revert ClearanceUnknownShipment(shipmentId);
        _requireFiler(declarationId, s.shipper);
        Declaration storage d = _declarations[declarationId];
        if (d.state != DeclarationState.None) revert ClearanceAlreadyFiled(declarationId);
        Declarations.checkData(digest, hsCodes, customsValue, currency, MAX_HS_CODES);
        d.open(declarationId, s.originPort, s.destinationPort, s.shipper, digest, hsCodes, customsValue, currency);
    }

    /// @inheritdoc ICustomsClearance
    function amend(
        bytes32 declarationId,
        bytes32 digest,
        bytes6[] calldata hsCodes,
        uint128 customsValue,
        bytes3 currency
    ) external returns (uint32 version) {
        Declaration storage d = _requireDeclaration(declarationId);
        _requireFiler(declarationId, d.shipper);
        d.checkAmendable(declarationId);
        Declarations.checkData(digest, hsCodes, customsValue, currency, MAX_HS_CODES);
        return d.amend(declarationId, digest, hsCodes, customsValue, currency);
    }

    // ------------------------------------------------------------------ decisions

    /// @inheritdoc ICustomsClearance
    function decide(bytes32 declarationId, uint32 version, bytes5 port, Decision decision, bytes32 reasonCode)
        external
    {
        Declaration storage d = _requireDeclaration(declarationId);
        if (version != d.version) revert ClearanceStaleVersion(declarationId, version, d.version);
        _decide(declarationId, d, port, decision, reasonCode, msg.sender);
    }

    /// @inheritdoc ICustomsClearance
    function decideBySig(DecisionInput calldata input, bytes calldata signature) external {
        if (block.timestamp > input.deadline) revert ClearanceExpiredSignature(input.deadline);
        Declaration storage d = _requireDeclaration(input.declarationId);
        if (input.version != d.version) revert ClearanceStaleVersion(input.declarationId, input.version, d.version);
        if (input.declarationDigest != d.digest) {
            revert ClearanceStaleDigest(input.declarationId, input.declarationDigest, d.digest);
        }
        // The port and the officer's role are checked before the wallet is asked: an outsider's contract is never
        // called, and a stale or misdirected decision fails on what is wrong with it, not on its signature.
        d.checkPort(input.declarationId, input.port);
        _requireCustoms(input.officer, input.port);
        if (!SignatureChecker.isValidSignatureNow(input.officer, _hashDecision(input), signature)) {
            revert ClearanceInvalidSignature(input.officer);
        }
        _useCheckedNonce(input.officer, input.nonce);
        _decide(input.declarationId, d, input.port, input.decision, input.reasonCode, input.officer);
    }

    /// @inheritdoc ICustomsClearance
    function invalidateNonce(uint192 key) external {
        uint256 nonce = nonces(msg.sender, key);
        _useNonce(msg.sender, key);
        emit NonceInvalidated(msg.sender, nonce);
    }

    // ------------------------------------------------------------------ holds and clearance

    /// @inheritdoc ICustomsClearance
    function placeHold(bytes32 declarationId, bytes5 port, bytes32 reasonCode) external {
        Declaration storage d = _requireDeclaration(declarationId);
        d.expect(declarationId, _OPEN);
        bool origin = d.side(declarationId, port);
        _requireCustoms(msg.sender, port);
        if (reasonCode == bytes32(0)) revert ClearanceReasonRequired();
        d.setHold(declarationId, port, origin, true, reasonCode);
    }

    /// @inheritdoc ICustomsClearance
    function releaseHold(bytes32 declarationId, bytes5 port) external {
        Declaration storage d = _requireDeclaration(declarationId);
        d.expect(declarationId, _OPEN);
        bool origin = d.side(declarationId, port);
        _requireCustoms(msg.sender, port);
        d.setHold(declarationId, port, origin, false, bytes32(0));
        _tryClear(declarationId, d);
    }

    /// @inheritdoc ICustomsClearance
    function clear(bytes32 declarationId) external {
        Declaration storage d = _requireDeclaration(declarationId);
        d.expect(declarationId, _FILED);
        if (!d.approved()) revert ClearanceApprovalsMissing(declarationId, d.originDecision, d.destinationDecision);
        bool discrepancies = _shipments.isHeld(declarationId);
        bool alerts = _iot.openAlerts(declarationId) != 0;
        if (d.customsHeld() || discrepancies || alerts) {
            revert ClearanceOnHold(declarationId, d.originHold, d.destinationHold, discrepancies, alerts);
        }
        d.clear(declarationId);
    }

    // ------------------------------------------------------------------ reads

    /// @inheritdoc ICustomsClearance
    function shipments() external view returns (address) {
        return address(_shipments);
    }

    /// @inheritdoc ICustomsClearance
    function iotMonitor() external view returns (address) {
        return address(_iot);
    }

    /// @inheritdoc ICustomsClearance
    function decisionDigest(DecisionInput calldata input) external view returns (bytes32) {
        return _hashDecision(input);
    }

    /// @inheritdoc ICustomsClearance
    function getDeclaration(bytes32 declarationId) external view returns (Declaration memory) {
        return _declarations[declarationId];
    }

    /// @inheritdoc ICustomsClearance
    function isCleared(bytes32 declarationId) external view returns (bool) {
        return _declarations[declarationId].state == DeclarationState.Cleared;
    }

    /// @inheritdoc ICustomsClearance
    function declarationState(bytes32 declarationId) external view returns (DeclarationState) {
        return _declarations[declarationId].state;
    }

    /// @inheritdoc ICustomsClearance
    function isBroker(address shipper, address broker) external view returns (bool) {
        return _brokers[shipper][broker];
    }

    // ------------------------------------------------------------------ private

    /// @dev Records `officer`'s decision for `port` on the current version, after the checks both paths share, and
    /// clears the goods if it is the second approval and nothing holds them.
    function _decide(
        bytes32 declarationId,
        Declaration storage d,
        bytes5 port,
        Decision decision,
        bytes32 reasonCode,
        address officer
    ) private {
        d.expect(declarationId, _FILED);
        bool origin = d.side(declarationId, port);
        _requireCustoms(officer, port);
        bool party = officer == d.shipper || officer == d.filer || _brokers[d.shipper][officer];
        d.checkDecision(declarationId, port, origin, decision, reasonCode, officer, party);
        d.record(declarationId, port, origin, decision, reasonCode, officer);
        if (decision == Decision.Approve) _tryClear(declarationId, d);
    }

    /// @dev Clears the goods if both approvals are in and nothing holds them; otherwise leaves everything as it is.
    function _tryClear(bytes32 declarationId, Declaration storage d) private {
        if (!d.approved() || d.customsHeld() || _shipments.isHeld(declarationId)) return;
        if (_iot.openAlerts(declarationId) != 0) return;
        d.clear(declarationId);
    }

    function _hashDecision(DecisionInput calldata input) private view returns (bytes32) {
        return _hashTypedDataV4(
            keccak256(
                abi.encode(
                    DECISION_TYPEHASH,
                    input.declarationId,
                    input.version,
                    input.declarationDigest,
                    input.port,
                    input.decision,
                    input.reasonCode,
                    input.officer,
                    input.nonce,
                    input.deadline
                )
            )
        );
    }

    function _requireDeclaration(bytes32 declarationId) private view returns (Declaration storage d) {
        d = _declarations[declarationId];
        if (d.state == DeclarationState.None) revert ClearanceUnknownDeclaration(declarationId);
    }

    /// @dev The caller is the shipment's shipper (still holding SHIPPER) or a broker it authorised (still active).
    function _requireFiler(bytes32 declarationId, address shipper) private view {
        if (msg.sender != shipper) {
            if (!_brokers[shipper][msg.sender] || !_consortium.isActiveMember(msg.sender)) {
                revert ClearanceNotFiler(declarationId, msg.sender);
            }
        }
        // A broker files for a shipper only while the shipper itself may.
        _requireRole(ConsortiumRoles.SHIPPER, shipper);
    }

    function _requireRole(bytes32 role, address account) private view {
        if (!_consortium.hasRole(role, account)) revert ClearanceUnauthorized(account, role, bytes5(0));
    }

    function _requireCustoms(address account, bytes5 port) private view {
        if (!_consortium.hasPortRole(ConsortiumRoles.CUSTOMS, port, account)) {
            revert ClearanceUnauthorized(account, ConsortiumRoles.CUSTOMS, port);
        }
    }
}
