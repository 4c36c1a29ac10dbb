// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";

import {IConsortiumRegistry} from "./interfaces/IConsortiumRegistry.sol";
import {IIoTMonitor} from "./interfaces/IIoTMonitor.sol";
import {IShipmentRegistry} from "./interfaces/IShipmentRegistry.sol";
import {ConsortiumRoles} from "./libraries/ConsortiumRoles.sol";
import {UnLocode} from "./libraries/UnLocode.sol";

/// @title PortLink IoT monitor
/// @notice Device registry, shipment rules, anchored batches of readings, and the alerts that hold cargo.
/// @dev Roles come from the consortium registry when each call executes, so a suspended gateway relays nothing
/// and a customs officer who lost the role resolves nothing. Device signatures are checked with OpenZeppelin's
/// SignatureChecker (low-s ECDSA for an EOA, ERC-1271 for a contract) against this contract's EIP-712 domain;
/// batch inclusion with OpenZeppelin's MerkleProof (sorted pairs).
contract IoTMonitor is IIoTMonitor, EIP712 {
    // ------------------------------------------------------------------ constants

    /// @notice The EIP-712 type a device signs.
    bytes32 public constant READING_TYPEHASH = keccak256(
        "Reading(bytes32 deviceId,bytes11 container,uint8 kind,int64 value,uint64 timestamp,uint64 sequence)"
    );
    /// @notice Geofences a corridor may list (a bound on the rule loops).
    uint256 public constant MAX_CORRIDOR = 16;
    /// @notice Seconds a device's clock may run ahead of the chain's.
    uint64 public constant MAX_CLOCK_SKEW = 300;

    uint8 internal constant RULE_TEMPERATURE = 1;
    uint8 internal constant RULE_SEAL = 2;
    uint8 internal constant RULE_CORRIDOR = 4;
    uint8 internal constant RULE_SHOCK = 8;
    uint8 internal constant ALL_RULES = RULE_TEMPERATURE | RULE_SEAL | RULE_CORRIDOR | RULE_SHOCK;

    // ------------------------------------------------------------------ storage

    IShipmentRegistry private immutable _shipments;
    IConsortiumRegistry private immutable _consortium;

    mapping(bytes32 deviceId => Device) private _devices;
    mapping(bytes32 shipmentId => Rules) private _rules;
    mapping(bytes32 shipmentId => uint256) private _openAlerts;
    mapping(uint256 batchId => Batch) private _batches;
    mapping(uint256 alertId => Alert) private _alerts;
    uint256 private _batchCount;
    uint256 private _alertCount;

    /// @param shipments_ The shipment registry; its consortium registry answers every role question.
    constructor(address shipments_) EIP712("PortLink IoT Monitor", "1") {
        if (shipments_ == address(0)) revert IConsortiumRegistry.ConsortiumZeroAddress();
        _shipments = IShipmentRegistry(shipments_);
        _consortium = IConsortiumRegistry(IShipmentRegistry(shipments_).consortium());
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
        if (containerIndex >= s.containerCount) revert IoTUnknownContainer(shipmentId, containerIndex);
        bytes11 number = _shipments.getContainer(shipmentId, containerIndex).number;
        device.shipmentId = shipmentId;
        device.containerIndex = containerIndex;
        device.container = number;
        emit DeviceBound(deviceId, shipmentId, containerIndex, number);
    }

    // ------------------------------------------------------------------ rules

    /// @inheritdoc IIoTMonitor
    function setRules(bytes32 shipmentId, Rules calldata rules) external {
        IShipmentRegistry.Shipment memory s = _requireOpenShipment(shipmentId);
        bool shipper = msg.sender == s.shipper && _consortium.hasRole(ConsortiumRoles.SHIPPER, msg.sender);
        if (!shipper && !_isCustomsOf(s, msg.sender)) revert IoTNotRuleSetter(shipmentId, msg.sender);
        _requireValidRules(shipmentId, rules);
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
        if (reading.container != device.container || reading.kind != device.kind) {
            revert IoTReadingMismatch(reading.deviceId, reading.container, reading.kind);
        }
        if (reading.sequence <= device.lastSequence) {
            revert IoTStaleSequence(reading.deviceId, reading.sequence, device.lastSequence);
        }
        if (reading.timestamp > block.timestamp + MAX_CLOCK_SKEW) {
            revert IoTFutureReading(reading.deviceId, reading.timestamp);
        }
        _requireOpenShipment(shipmentId);
        if (!SignatureChecker.isValidSignatureNow(device.signer, _hashTypedDataV4(_structHash(reading)), signature)) {
            revert IoTInvalidSignature(reading.deviceId, device.signer);
        }
        uint8 rule = _brokenRule(_rules[shipmentId], reading.kind, reading.value);
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

    /// @dev The rule bit `value` breaks for a reading of `kind`, or 0 if it breaks none of the enabled rules.
    function _brokenRule(Rules storage rules, DeviceKind kind, int64 value) private view returns (uint8) {
        uint8 enabled = rules.enabled;
        if (kind == DeviceKind.Temperature) {
            bool outside = value < rules.minTemperature || value > rules.maxTemperature;
            return enabled & RULE_TEMPERATURE != 0 && outside ? RULE_TEMPERATURE : 0;
        }
        if (kind == DeviceKind.Seal) return enabled & RULE_SEAL != 0 && value != 1 ? RULE_SEAL : 0;
        if (kind == DeviceKind.Shock) return enabled & RULE_SHOCK != 0 && value > rules.maxShock ? RULE_SHOCK : 0;
        // Position: 0 is "in no geofence" (under way on the corridor); anything else must be a listed geofence.
        if (enabled & RULE_CORRIDOR == 0 || value == 0) return 0;
        if (value < 0 || value > int64(uint64(type(uint40).max))) return RULE_CORRIDOR;
        bytes5 zone = bytes5(uint40(uint64(value)));
        bytes5[] storage corridor = rules.corridor;
        for (uint256 i = 0; i < corridor.length; ++i) {
            if (corridor[i] == zone) return 0;
        }
        return RULE_CORRIDOR;
    }

    function _requireValidRules(bytes32 shipmentId, Rules calldata rules) private pure {
        uint8 enabled = rules.enabled;
        bool invalid = enabled & ~ALL_RULES != 0;
        if (enabled & RULE_TEMPERATURE != 0 && rules.minTemperature > rules.maxTemperature) invalid = true;
        if (enabled & RULE_SHOCK != 0 && rules.maxShock <= 0) invalid = true;
        uint256 count = rules.corridor.length;
        if (count > MAX_CORRIDOR || (enabled & RULE_CORRIDOR != 0 && count == 0)) invalid = true;
        for (uint256 i = 0; i < count && !invalid; ++i) {
            if (!UnLocode.isValid(rules.corridor[i])) invalid = true;
        }
        if (invalid) revert IoTInvalidRules(shipmentId);
    }

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
