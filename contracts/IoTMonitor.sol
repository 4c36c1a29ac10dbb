// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";

import {IConsortiumRegistry} from "./interfaces/IConsortiumRegistry.sol";
import {ICustomsClearance} from "./interfaces/ICustomsClearance.sol";
import {IIoTMonitor} from "./interfaces/IIoTMonitor.sol";
import {IShipmentRegistry} from "./interfaces/IShipmentRegistry.sol";
import {ITradeFinanceEscrow} from "./interfaces/ITradeFinanceEscrow.sol";
import {ConsortiumRoles} from "./libraries/ConsortiumRoles.sol";
import {MonitoringRules} from "./libraries/MonitoringRules.sol";

/// @title PortLink IoT monitor
/// @notice Device registry, shipment rules, anchored batches of readings, and the alerts that hold cargo.
/// @dev Roles come from the consortium registry when each call executes, so a suspended gateway relays nothing
/// and a customs officer who lost the role resolves nothing. Device signatures are checked with OpenZeppelin's
/// SignatureChecker (low-s ECDSA for an EOA, ERC-1271 for a contract) against this contract's EIP-712 domain;
/// batch inclusion with OpenZeppelin's MerkleProof (sorted pairs). The monitoring lock asks the customs
/// clearance contract and the escrow, which are deployed after this contract (their addresses predicted) and check
/// in their constructors that this contract names them.
contract IoTMonitor is IIoTMonitor, EIP712 {
    using MonitoringRules for Rules;

    /// @dev Who changes a shipment's monitoring, as far as the lock is concerned.
    enum Setter {
        None,
        Shipper,
        Customs,
        Financier
    }

    // ------------------------------------------------------------------ constants

    /// @notice The EIP-712 type a device signs.
    bytes32 public constant READING_TYPEHASH = keccak256(
        "Reading(bytes32 deviceId,bytes11 container,uint8 kind,int64 value,uint64 timestamp,uint64 sequence)"
    );
    /// @notice Geofences a corridor may list (a bound on the rule loops).
    uint256 public constant MAX_CORRIDOR = 16;
    /// @notice Seconds a device's clock may run ahead of the chain's.
    uint64 public constant MAX_CLOCK_SKEW = 300;

    /// @notice The bits of `Rules.enabled` (and of an alert's `rule`).
    uint8 public constant RULE_TEMPERATURE = MonitoringRules.TEMPERATURE;
    uint8 public constant RULE_SEAL = MonitoringRules.SEAL;
    uint8 public constant RULE_CORRIDOR = MonitoringRules.CORRIDOR;
    uint8 public constant RULE_SHOCK = MonitoringRules.SHOCK;

    // ------------------------------------------------------------------ storage

    IShipmentRegistry private immutable _shipments;
    IConsortiumRegistry private immutable _consortium;
    ICustomsClearance private immutable _customs;
    ITradeFinanceEscrow private immutable _escrow;

    mapping(bytes32 deviceId => Device) private _devices;
    mapping(bytes32 shipmentId => Rules) private _rules;
    mapping(bytes32 shipmentId => mapping(address gateway => bool)) private _gateways;
    mapping(bytes32 shipmentId => uint256) private _openAlerts;
    mapping(bytes32 shipmentId => uint256) private _loosenings;
    mapping(uint256 batchId => Batch) private _batches;
    mapping(uint256 alertId => Alert) private _alerts;
    uint256 private _batchCount;
    uint256 private _alertCount;

    /// @param shipments_ The shipment registry; its consortium registry answers every role question.
    /// @param customs_ The customs clearance contract (deployed next: its predicted address), whose open
    /// declarations lock the monitoring of their shipments; its constructor checks that this contract names it.
    /// @param escrow_ The trade-finance escrow (deployed after customs: its predicted address), whose active
    /// financings lock the monitoring of their shipments; its constructor checks that this contract names it.
    constructor(address shipments_, address customs_, address escrow_) EIP712("PortLink IoT Monitor", "1") {
        if (shipments_ == address(0) || customs_ == address(0) || escrow_ == address(0)) revert IoTZeroAddress();
        _shipments = IShipmentRegistry(shipments_);
        _consortium = IConsortiumRegistry(IShipmentRegistry(shipments_).consortium());
        _customs = ICustomsClearance(customs_);
        _escrow = ITradeFinanceEscrow(escrow_);
    }

    // ------------------------------------------------------------------ devices

    /// @inheritdoc IIoTMonitor
    function registerDevice(bytes32 deviceId, address signer, DeviceKind kind) external {
        _requireGateway(msg.sender);
        if (deviceId == bytes32(0) || signer == address(0) || kind == DeviceKind.None) {
            revert IoTInvalidDevice(deviceId);
        }
        if (_devices[deviceId].state != DeviceState.None) revert IoTDeviceExists(deviceId);
        Device storage device = _devices[deviceId];
        device.state = DeviceState.Active;
        device.kind = kind;
        device.gateway = msg.sender;
        device.signer = signer;
        emit DeviceRegistered(deviceId, msg.sender, signer, kind);
    }

    /// @inheritdoc IIoTMonitor
    function revokeDevice(bytes32 deviceId) external {
        Device storage device = _requireManagedDevice(deviceId);
        device.state = DeviceState.Revoked;
        emit DeviceRevoked(deviceId, msg.sender);
    }

    /// @inheritdoc IIoTMonitor
    function bindDevice(bytes32 deviceId, bytes32 shipmentId, uint16 containerIndex) external {
        Device storage device = _requireManagedDevice(deviceId);
        IShipmentRegistry.Shipment memory s = _requireOpenShipment(shipmentId);
        if (!_gateways[shipmentId][msg.sender]) revert IoTGatewayNotAuthorised(shipmentId, msg.sender);
        if (containerIndex >= s.containerCount) revert IoTUnknownContainer(shipmentId, containerIndex);
        bytes11 number = _shipments.getContainer(shipmentId, containerIndex).number;
        device.shipmentId = shipmentId;
        device.containerIndex = containerIndex;
        device.container = number;
        device.boundAt = uint64(block.timestamp);
        emit DeviceBound(deviceId, shipmentId, containerIndex, number);
    }

    /// @inheritdoc IIoTMonitor
    function authoriseGateway(bytes32 shipmentId, address gateway, bool authorised) external {
        Setter setter = _requireRuleSetter(shipmentId);
        if (authorised) _requireGateway(gateway);
        // Withdrawing an authorisation stops that gateway's breach posts: it loosens the monitoring.
        bool loosening = !authorised && _gateways[shipmentId][gateway];
        (bool declarationOpen, uint256 financingId) = _checkLock(shipmentId, setter, loosening);
        _gateways[shipmentId][gateway] = authorised;
        emit GatewayAuthorised(shipmentId, gateway, authorised, msg.sender);
        if (loosening) _recordLoosening(shipmentId, declarationOpen, financingId);
    }

    // ------------------------------------------------------------------ rules

    /// @inheritdoc IIoTMonitor
    function setRules(bytes32 shipmentId, Rules calldata rules) external {
        Setter setter = _requireRuleSetter(shipmentId);
        if (!MonitoringRules.isValid(rules, MAX_CORRIDOR)) revert IoTInvalidRules(shipmentId);
        Rules storage current = _rules[shipmentId];
        bool loosening = current.loosens(rules);
        (bool declarationOpen, uint256 financingId) = _checkLock(shipmentId, setter, loosening);
        _rules[shipmentId] = rules;
        emit RulesSet(
            shipmentId,
            msg.sender,
            rules.enabled,
            rules.minTemperature,
            rules.maxTemperature,
            rules.maxShock,
            rules.corridor
        );
        if (loosening) _recordLoosening(shipmentId, declarationOpen, financingId);
    }

    // ------------------------------------------------------------------ readings

    /// @inheritdoc IIoTMonitor
    function anchorBatch(bytes32 root, uint32 count) external returns (uint256 batchId) {
        _requireGateway(msg.sender);
        if (root == bytes32(0) || count == 0) revert IoTInvalidBatch();
        batchId = ++_batchCount;
        _batches[batchId] = Batch({root: root, count: count, anchoredAt: uint64(block.timestamp), gateway: msg.sender});
        emit BatchAnchored(batchId, msg.sender, root, count);
    }

    /// @inheritdoc IIoTMonitor
    function reportBreach(Reading calldata reading, bytes calldata signature) external returns (uint256 alertId) {
        Device storage device = _requireManagedDevice(reading.deviceId);
        bytes32 shipmentId = device.shipmentId;
        if (shipmentId == bytes32(0)) revert IoTDeviceUnbound(reading.deviceId);
        if (!_gateways[shipmentId][msg.sender]) revert IoTGatewayNotAuthorised(shipmentId, msg.sender);
        if (reading.container != device.container || reading.kind != device.kind) {
            revert IoTReadingMismatch(reading.deviceId, reading.container, reading.kind);
        }
        if (reading.sequence <= device.lastSequence) {
            revert IoTStaleSequence(reading.deviceId, reading.sequence, device.lastSequence);
        }
        if (reading.timestamp > block.timestamp + MAX_CLOCK_SKEW) {
            revert IoTFutureReading(reading.deviceId, reading.timestamp);
        }
        // A reading from before the binding (from another shipment, or forged back in time) watches nothing here.
        if (reading.timestamp < device.boundAt) {
            revert IoTReadingOutsideBinding(reading.deviceId, reading.timestamp, device.boundAt);
        }
        _requireOpenShipment(shipmentId);
        if (!SignatureChecker.isValidSignatureNow(device.signer, _hashTypedDataV4(_structHash(reading)), signature)) {
            revert IoTInvalidSignature(reading.deviceId, device.signer);
        }
        uint8 rule = _rules[shipmentId].brokenRule(reading.kind, reading.value);
        if (rule == 0) revert IoTNoBreach(reading.deviceId, reading.sequence);

        device.lastSequence = reading.sequence;
        emit ReadingReported(
            reading.deviceId, shipmentId, reading.sequence, reading.kind, reading.value, reading.timestamp, msg.sender
        );
        alertId = ++_alertCount;
        _alerts[alertId] = Alert({
            state: AlertState.Open,
            kind: reading.kind,
            rule: rule,
            value: reading.value,
            readingTimestamp: reading.timestamp,
            raisedAt: uint64(block.timestamp),
            shipmentId: shipmentId,
            deviceId: reading.deviceId,
            resolvedBy: address(0)
        });
        ++_openAlerts[shipmentId];
        emit AlertRaised(alertId, shipmentId, reading.deviceId, rule, reading.value);
    }

    /// @inheritdoc IIoTMonitor
    function resolveAlert(uint256 alertId, string calldata reason) external {
        Alert storage alert = _alerts[alertId];
        if (alert.state == AlertState.None) revert IoTUnknownAlert(alertId);
        if (alert.state != AlertState.Open) revert IoTUnexpectedAlertState(alertId, alert.state);
        IShipmentRegistry.Shipment memory s = _shipments.getShipment(alert.shipmentId);
        if (!_isCustomsOf(s, msg.sender)) revert IoTNotShipmentCustoms(alert.shipmentId, msg.sender);
        if (bytes(reason).length == 0) revert IoTReasonRequired();
        alert.state = AlertState.Resolved;
        alert.resolvedBy = msg.sender;
        --_openAlerts[alert.shipmentId];
        emit AlertResolved(alertId, alert.shipmentId, msg.sender, reason);
    }

    // ------------------------------------------------------------------ reads

    /// @inheritdoc IIoTMonitor
    function shipments() external view returns (address) {
        return address(_shipments);
    }

    /// @inheritdoc IIoTMonitor
    function customs() external view returns (address) {
        return address(_customs);
    }

    /// @inheritdoc IIoTMonitor
    function escrow() external view returns (address) {
        return address(_escrow);
    }

    /// @inheritdoc IIoTMonitor
    function monitoringLock(bytes32 shipmentId)
        external
        view
        returns (bool declarationOpen, uint256 financingId, address financier)
    {
        declarationOpen = _declarationOpen(shipmentId);
        (financingId, financier) = _activeFinancing(shipmentId);
    }

    /// @inheritdoc IIoTMonitor
    function looseningCount(bytes32 shipmentId) external view returns (uint256) {
        return _loosenings[shipmentId];
    }

    /// @inheritdoc IIoTMonitor
    function readingDigest(Reading calldata reading) external view returns (bytes32) {
        return _hashTypedDataV4(_structHash(reading));
    }

    /// @inheritdoc IIoTMonitor
    function readingLeaf(Reading calldata reading) public pure returns (bytes32) {
        return keccak256(bytes.concat(_structHash(reading)));
    }

    /// @inheritdoc IIoTMonitor
    function verifyInclusion(uint256 batchId, Reading calldata reading, bytes32[] calldata proof)
        external
        view
        returns (bool)
    {
        if (batchId == 0 || batchId > _batchCount) revert IoTUnknownBatch(batchId);
        return MerkleProof.verifyCalldata(proof, _batches[batchId].root, readingLeaf(reading));
    }

    /// @inheritdoc IIoTMonitor
    function isAuthorisedGateway(bytes32 shipmentId, address gateway) external view returns (bool) {
        return _gateways[shipmentId][gateway];
    }

    /// @inheritdoc IIoTMonitor
    function getDevice(bytes32 deviceId) external view returns (Device memory) {
        return _devices[deviceId];
    }

    /// @inheritdoc IIoTMonitor
    function getRules(bytes32 shipmentId) external view returns (Rules memory) {
        return _rules[shipmentId];
    }

    /// @inheritdoc IIoTMonitor
    function getBatch(uint256 batchId) external view returns (Batch memory) {
        return _batches[batchId];
    }

    /// @inheritdoc IIoTMonitor
    function getAlert(uint256 alertId) external view returns (Alert memory) {
        return _alerts[alertId];
    }

    /// @inheritdoc IIoTMonitor
    function openAlerts(bytes32 shipmentId) external view returns (uint256) {
        return _openAlerts[shipmentId];
    }

    /// @inheritdoc IIoTMonitor
    function batchCount() external view returns (uint256) {
        return _batchCount;
    }

    /// @inheritdoc IIoTMonitor
    function alertCount() external view returns (uint256) {
        return _alertCount;
    }

    // ------------------------------------------------------------------ private

    function _structHash(Reading calldata r) private pure returns (bytes32) {
        return keccak256(abi.encode(READING_TYPEHASH, r.deviceId, r.container, r.kind, r.value, r.timestamp, r.sequence));
    }

    /// @dev An active device managed by the caller, which must be its gateway and still hold IOT_GATEWAY.
    function _requireManagedDevice(bytes32 deviceId) private view returns (Device storage device) {
        device = _devices[deviceId];
        if (device.state == DeviceState.None) revert IoTUnknownDevice(deviceId);
        if (device.state == DeviceState.Revoked) revert IoTDeviceRevoked(deviceId);
        if (device.gateway != msg.sender) revert IoTNotDeviceGateway(deviceId, msg.sender);
        _requireGateway(msg.sender);
    }

    /// @dev Who the caller is to the open shipment: its shipper (still holding SHIPPER), CUSTOMS of its origin or
    /// destination, or the financier (still holding FINANCIER) of its active financing; reverts for anyone else.
    function _requireRuleSetter(bytes32 shipmentId) private view returns (Setter) {
        IShipmentRegistry.Shipment memory s = _requireOpenShipment(shipmentId);
        if (msg.sender == s.shipper && _consortium.hasRole(ConsortiumRoles.SHIPPER, msg.sender)) return Setter.Shipper;
        if (_isCustomsOf(s, msg.sender)) return Setter.Customs;
        (uint256 financingId, address financier) = _activeFinancing(shipmentId);
        if (financingId != 0 && msg.sender == financier && _consortium.hasRole(ConsortiumRoles.FINANCIER, msg.sender)) {
            return Setter.Financier;
        }
        revert IoTNotRuleSetter(shipmentId, msg.sender);
    }

    /// @dev Revert if a `loosening` change by `setter` is not allowed under the shipment's locks, and return them
    /// (for the record) when it loosens: customs may always loosen; with the declaration open nobody else may; with a
    /// financing active only its financier may; with neither, the shipper may.
    function _checkLock(bytes32 shipmentId, Setter setter, bool loosening)
        private
        view
        returns (bool declarationOpen, uint256 financingId)
    {
        if (!loosening) return (false, 0);
        declarationOpen = _declarationOpen(shipmentId);
        (financingId,) = _activeFinancing(shipmentId);
        if (setter == Setter.Customs) return (declarationOpen, financingId);
        bool allowed = !declarationOpen && (financingId == 0 ? setter == Setter.Shipper : setter == Setter.Financier);
        if (!allowed) revert IoTMonitoringLocked(shipmentId, msg.sender, declarationOpen, financingId);
    }

    /// @dev Counts the loosening (the escrow compares the count at an offer with the count at funding) and records it.
    function _recordLoosening(bytes32 shipmentId, bool declarationOpen, uint256 financingId) private {
        ++_loosenings[shipmentId];
        emit MonitoringLoosened(shipmentId, msg.sender, declarationOpen, financingId);
    }

    /// @dev Filed or Rejected: not yet cleared, so customs still decide on the shipment.
    function _declarationOpen(bytes32 shipmentId) private view returns (bool) {
        ICustomsClearance.DeclarationState state = _customs.declarationState(shipmentId);
        return state == ICustomsClearance.DeclarationState.Filed || state == ICustomsClearance.DeclarationState.Rejected;
    }

    /// @dev The shipment's active financing (funded and not yet repaid or refunded) and its financier, or zeros.
    function _activeFinancing(bytes32 shipmentId) private view returns (uint256 financingId, address financier) {
        financingId = _escrow.activeFinancingOf(shipmentId);
        if (financingId != 0) financier = _escrow.getFinancing(financingId).financier;
    }

    function _requireOpenShipment(bytes32 shipmentId) private view returns (IShipmentRegistry.Shipment memory s) {
        s = _shipments.getShipment(shipmentId);
        if (s.state == IShipmentRegistry.ShipmentState.None) revert IoTUnknownShipment(shipmentId);
        if (s.state == IShipmentRegistry.ShipmentState.GatedOut) revert IoTShipmentCompleted(shipmentId);
    }

    function _requireGateway(address account) private view {
        if (!_consortium.hasRole(ConsortiumRoles.IOT_GATEWAY, account)) {
            revert IoTUnauthorized(account, ConsortiumRoles.IOT_GATEWAY, bytes5(0));
        }
    }

    function _isCustomsOf(IShipmentRegistry.Shipment memory s, address account) private view returns (bool) {
        return _consortium.hasPortRole(ConsortiumRoles.CUSTOMS, s.originPort, account)
            || _consortium.hasPortRole(ConsortiumRoles.CUSTOMS, s.destinationPort, account);
    }
}
