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
import {CustomsCodes} from "./libraries/CustomsCodes.sol";

/// @title PortLink dual-sign customs clearance
/// @notice Combined declarations, decisions of origin and destination customs (signed in a wallet and relayed, or
/// sent by the officer), customs holds, and clearance.
/// @dev Roles come from the consortium registry when each call executes. Signatures are checked with
/// OpenZeppelin's SignatureChecker (ECDSA with low-s only and 65-byte signatures for EOAs, ERC-1271 for contract
/// wallets) against the EIP-712 domain of this contract and chain; nonces are OpenZeppelin's keyed nonces, so an
/// officer may keep independent lanes (the backend uses one lane per declaration) and relayers need not order
/// decisions across declarations.
contract CustomsClearance is ICustomsClearance, EIP712, NoncesKeyed {
    // ------------------------------------------------------------------ constants

    /// @notice The EIP-712 type an officer signs.
    bytes32 public constant DECISION_TYPEHASH = keccak256(
        "Decision(bytes32 declarationId,uint32 version,bytes32 declarationDigest,bytes5 port,uint8 decision,"
        "bytes32 reasonCode,address officer,uint256 nonce,uint256 deadline)"
    );
    /// @notice HS codes one declaration may list (a bound on the validation loop).
    uint256 public constant MAX_HS_CODES = 50;

    // ------------------------------------------------------------------ storage

    IShipmentRegistry private immutable _shipments;
    IConsortiumRegistry private immutable _consortium;
    IIoTMonitor private immutable _iot;

    mapping(bytes32 declarationId => Declaration) private _declarations;
    mapping(address shipper => mapping(address broker => bool)) private _brokers;

    /// @param shipments_ The shipment registry; its consortium registry answers every role question.
    /// @param iot_ The IoT monitor; a shipment with open alerts there is not cleared.
    constructor(address shipments_, address iot_) EIP712("PortLink Customs Clearance", "1") {
        if (shipments_ == address(0) || iot_ == address(0)) revert IConsortiumRegistry.ConsortiumZeroAddress();
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
        if (_declarations[declarationId].state != DeclarationState.None) revert ClearanceAlreadyFiled(declarationId);
        _requireDeclarationData(digest, hsCodes, customsValue, currency);

        Declaration storage d = _declarations[declarationId];
        d.state = DeclarationState.Filed;
        d.version = 1;
        d.originPort = s.originPort;
        d.destinationPort = s.destinationPort;
        d.shipper = s.shipper;
        _setData(d, digest, customsValue, currency);
        emit DeclarationFiled(declarationId, msg.sender, 1, digest, hsCodes, customsValue, currency);
        emit DeclarationStateChanged(declarationId, DeclarationState.None, DeclarationState.Filed);
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
        DeclarationState previous = d.state;
        if (previous == DeclarationState.Filed) {
            if (d.originDecision != Decision.None || d.destinationDecision != Decision.None) {
                revert ClearanceAmendmentLocked(declarationId, d.version);
            }
        } else if (previous != DeclarationState.Rejected) {
            revert ClearanceUnexpectedState(
                declarationId, previous, _bit(DeclarationState.Filed) | _bit(DeclarationState.Rejected)
            );
        }
        _requireDeclarationData(digest, hsCodes, customsValue, currency);

        version = d.version + 1;
        d.version = version;
        d.state = DeclarationState.Filed;
        d.originDecision = Decision.None;
        d.destinationDecision = Decision.None;
        d.originOfficer = address(0);
        d.destinationOfficer = address(0);
        _setData(d, digest, customsValue, currency);
        emit DeclarationFiled(declarationId, msg.sender, version, digest, hsCodes, customsValue, currency);
        if (previous != DeclarationState.Filed) {
            emit DeclarationStateChanged(declarationId, previous, DeclarationState.Filed);
        }
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
        _isOrigin(input.declarationId, d, input.port);
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
        _requireOpen(declarationId, d);
        bool origin = _isOrigin(declarationId, d, port);
        _requireCustoms(msg.sender, port);
        if (reasonCode == bytes32(0)) revert ClearanceReasonRequired();
        if (origin ? d.originHold : d.destinationHold) revert ClearanceAlreadyHeld(declarationId, port);
        if (origin) d.originHold = true;
        else d.destinationHold = true;
        d.updatedAt = uint64(block.timestamp);
        emit HoldPlaced(declarationId, port, msg.sender, reasonCode);
    }

    /// @inheritdoc ICustomsClearance
    function releaseHold(bytes32 declarationId, bytes5 port) external {
        Declaration storage d = _requireDeclaration(declarationId);
        _requireOpen(declarationId, d);
        bool origin = _isOrigin(declarationId, d, port);
        _requireCustoms(msg.sender, port);
        if (!(origin ? d.originHold : d.destinationHold)) revert ClearanceNotHeld(declarationId, port);
        if (origin) d.originHold = false;
        else d.destinationHold = false;
        d.updatedAt = uint64(block.timestamp);
        emit HoldReleased(declarationId, port, msg.sender);
        _tryClear(declarationId, d);
    }

    /// @inheritdoc ICustomsClearance
    function clear(bytes32 declarationId) external {
        Declaration storage d = _requireDeclaration(declarationId);
        if (d.state != DeclarationState.Filed) {
            revert ClearanceUnexpectedState(declarationId, d.state, _bit(DeclarationState.Filed));
        }
        if (d.originDecision != Decision.Approve || d.destinationDecision != Decision.Approve) {
            revert ClearanceApprovalsMissing(declarationId, d.originDecision, d.destinationDecision);
        }
        bool discrepancies = _shipments.isHeld(declarationId);
        bool alerts = _iot.openAlerts(declarationId) != 0;
        if (d.originHold || d.destinationHold || discrepancies || alerts) {
            revert ClearanceOnHold(declarationId, d.originHold, d.destinationHold, discrepancies, alerts);
        }
        _clear(declarationId, d);
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
    function isBroker(address shipper, address broker) external view returns (bool) {
        return _brokers[shipper][broker];
    }

    // ------------------------------------------------------------------ private: decisions

    /// @dev Records `officer`'s decision for `port` on the current version, after the checks both paths share.
    function _decide(
        bytes32 declarationId,
        Declaration storage d,
        bytes5 port,
        Decision decision,
        bytes32 reasonCode,
        address officer
    ) private {
        bool origin = _requireDecidable(declarationId, d, port, decision, reasonCode, officer);
        if (origin) {
            d.originDecision = decision;
            d.originOfficer = officer;
        } else {
            d.destinationDecision = decision;
            d.destinationOfficer = officer;
        }
        d.updatedAt = uint64(block.timestamp);
        emit DecisionRecorded(declarationId, port, officer, d.version, decision, reasonCode, msg.sender);
        if (decision == Decision.Reject) {
            d.state = DeclarationState.Rejected;
            emit DeclarationStateChanged(declarationId, DeclarationState.Filed, DeclarationState.Rejected);
        } else if (decision == Decision.Approve) {
            _tryClear(declarationId, d);
        }
    }

    /// @dev Whether `officer` may make `decision` for `port` now; returns whether `port` is the origin.
    function _requireDecidable(
        bytes32 declarationId,
        Declaration storage d,
        bytes5 port,
        Decision decision,
        bytes32 reasonCode,
        address officer
    ) private view returns (bool origin) {
        if (d.state != DeclarationState.Filed) {
            revert ClearanceUnexpectedState(declarationId, d.state, _bit(DeclarationState.Filed));
        }
        origin = _isOrigin(declarationId, d, port);
        _requireCustoms(officer, port);
        if (decision == Decision.None) revert ClearanceInvalidDecision();
        if (decision == Decision.Reject && reasonCode == bytes32(0)) revert ClearanceReasonRequired();
        if (officer == d.shipper || officer == d.filer || _brokers[d.shipper][officer]) {
            revert ClearanceSelfDecision(declarationId, officer);
        }
        Decision current = origin ? d.originDecision : d.destinationDecision;
        // Approval is final for the version (a rejection already left the Filed state); an inspection request may be
        // followed by approval or rejection, not by another request.
        if (current == Decision.Approve || current == decision) {
            revert ClearanceAlreadyDecided(declarationId, port, current);
        }
        if (officer == (origin ? d.destinationOfficer : d.originOfficer)) {
            revert ClearanceSameOfficer(declarationId, officer);
        }
    }

    /// @dev Clears the goods if both approvals are in and nothing holds them; otherwise leaves everything as it is.
    function _tryClear(bytes32 declarationId, Declaration storage d) private {
        if (d.state != DeclarationState.Filed) return;
        if (d.originDecision != Decision.Approve || d.destinationDecision != Decision.Approve) return;
        if (d.originHold || d.destinationHold || _shipments.isHeld(declarationId)) return;
        if (_iot.openAlerts(declarationId) != 0) return;
        _clear(declarationId, d);
    }

    function _clear(bytes32 declarationId, Declaration storage d) private {
        d.state = DeclarationState.Cleared;
        d.updatedAt = uint64(block.timestamp);
        emit DeclarationStateChanged(declarationId, DeclarationState.Filed, DeclarationState.Cleared);
        emit DeclarationCleared(declarationId, d.version, d.originOfficer, d.destinationOfficer);
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

    // ------------------------------------------------------------------ private: checks

    function _requireDeclaration(bytes32 declarationId) private view returns (Declaration storage d) {
        d = _declarations[declarationId];
        if (d.state == DeclarationState.None) revert ClearanceUnknownDeclaration(declarationId);
    }

    /// @dev Holds may be placed and released while the declaration is not cleared.
    function _requireOpen(bytes32 declarationId, Declaration storage d) private view {
        if (d.state == DeclarationState.Cleared) {
            revert ClearanceUnexpectedState(
                declarationId, d.state, _bit(DeclarationState.Filed) | _bit(DeclarationState.Rejected)
            );
        }
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

    function _isOrigin(bytes32 declarationId, Declaration storage d, bytes5 port) private view returns (bool) {
        if (port == d.originPort) return true;
        if (port == d.destinationPort) return false;
        revert ClearanceNotDeclarationPort(declarationId, port);
    }

    function _requireDeclarationData(bytes32 digest, bytes6[] calldata hsCodes, uint128 customsValue, bytes3 currency)
        private
        pure
    {
        if (digest == bytes32(0)) revert ClearanceInvalidDigest();
        uint256 count = hsCodes.length;
        if (count == 0 || count > MAX_HS_CODES) revert ClearanceHsCodeCount(count, MAX_HS_CODES);
        for (uint256 i = 0; i < count; ++i) {
            if (!CustomsCodes.isValidHsCode(hsCodes[i])) revert ClearanceInvalidHsCode(hsCodes[i]);
            if (i > 0 && hsCodes[i] <= hsCodes[i - 1]) revert ClearanceHsCodesUnordered(hsCodes[i]);
        }
        if (customsValue == 0) revert ClearanceInvalidValue();
        if (!CustomsCodes.isValidCurrency(currency)) revert ClearanceInvalidCurrency(currency);
    }

    function _setData(Declaration storage d, bytes32 digest, uint128 customsValue, bytes3 currency) private {
        d.digest = digest;
        d.customsValue = customsValue;
        d.currency = currency;
        d.filer = msg.sender;
        d.updatedAt = uint64(block.timestamp);
    }

    function _bit(DeclarationState state) private pure returns (uint256) {
        return 1 << uint8(state);
    }
}
