// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

/// @title PortLink IoT monitor
/// @notice Devices that watch the containers of a shipment (seals, reefer temperature, position, shock), the rules
/// the shipper or customs set for the shipment, the batches of readings gateways anchor, and the alerts a reading
/// that breaks a rule raises. An open alert holds the shipment for customs (CustomsClearance will not clear it)
/// until customs of the shipment's origin or destination port resolves it.
/// @dev Readings are signed by the device (EIP-712 primary type `Reading`, domain from ERC-5267 `eip712Domain()`)
/// and relayed by the device's gateway. Most readings stay off chain: the gateway anchors each batch as the root of
/// a Merkle tree over the readings' leaves (`readingLeaf`) with their count, so that anyone can prove a reading was
/// in a batch (`verifyInclusion`); a reading that breaks a rule is posted on its own (`reportBreach`), checked
/// against the rules on chain and, if it breaks one, raises an alert.
/// IMPORTANT: while the shipment's declaration is open in `customs()` or a financing of it is active in `escrow()`,
/// its monitoring is locked: rules and gateway authorisations may be tightened by the shipper, customs or the
/// financier, but loosened only by customs of the shipment's origin or destination (or, with no declaration open,
/// by the active financing's financier). Every loosening emits `MonitoringLoosened`.
interface IIoTMonitor {
    // ------------------------------------------------------------------ types

    /// @notice What a device measures, and so what its readings' `value` means:
    /// Seal: 1 while the seal is intact, 0 once it is broken (any other value counts as broken).
    /// Temperature: degrees Celsius x 100 (e.g. -1850 is -18.5 °C).
    /// Position: the UN/LOCODE of the geofence the device is in, as the integer of its 5 ASCII bytes
    /// (`uint40(bytes5("CNSHK"))`); 0 when it is in none (at sea on the corridor, e.g.).
    /// Shock: peak acceleration in milli-g.
    enum DeviceKind {
        None,
        Seal,
        Temperature,
        Position,
        Shock
    }

    /// @notice A device is registered by its gateway and stays Active until the gateway revokes it (final).
    enum DeviceState {
        None,
        Active,
        Revoked
    }

    /// @notice An alert is Open from the breach until customs resolves it (final).
    enum AlertState {
        None,
        Open,
        Resolved
    }

    /// @notice A registered device.
    struct Device {
        DeviceState state;
        DeviceKind kind;
        /// @dev The container (index in its shipment) the device is bound to; meaningful when `shipmentId` is set.
        uint16 containerIndex;
        /// @dev The last sequence number of a reading accepted on chain (readings must come in increasing order).
        uint64 lastSequence;
        /// @dev The IOT_GATEWAY member that registered the device and relays its readings.
        address gateway;
        /// @dev The key (EOA) or contract wallet (ERC-1271) that signs the device's readings.
        address signer;
        /// @dev ISO 6346 number of the container the device is bound to (zero while unbound).
        bytes11 container;
        /// @dev The shipment the device is bound to (zero while unbound).
        bytes32 shipmentId;
        /// @dev Unix time (chain) of the binding to `shipmentId`: readings timestamped before it are refused.
        uint64 boundAt;
    }

    /// @notice A reading as the device signs it (EIP-712 primary type `Reading`).
    struct Reading {
        bytes32 deviceId;
        /// @dev ISO 6346 number of the container the device is bound to.
        bytes11 container;
        DeviceKind kind;
        /// @dev Meaning by `kind`: see `DeviceKind`.
        int64 value;
        /// @dev Unix time of the measurement, by the device's clock.
        uint64 timestamp;
        /// @dev Strictly increasing per device.
        uint64 sequence;
    }

    /// @notice Rules of a shipment. Each is checked only if its bit is set in `enabled`: 1 temperature range,
    /// 2 seal intact, 4 route corridor, 8 maximum shock.
    struct Rules {
        uint8 enabled;
        /// @dev Inclusive range in degrees Celsius x 100.
        int64 minTemperature;
        int64 maxTemperature;
        /// @dev Largest allowed peak acceleration in milli-g.
        int64 maxShock;
        /// @dev Geofences (UN/LOCODEs) the containers may be seen in, besides none (at sea).
        bytes5[] corridor;
    }

    /// @notice An alert raised by a breaching reading.
    struct Alert {
        AlertState state;
        DeviceKind kind;
        /// @dev The rule bit the reading broke (see `Rules.enabled`).
        uint8 rule;
        int64 value;
        uint64 readingTimestamp;
        uint64 raisedAt;
        bytes32 shipmentId;
        bytes32 deviceId;
        /// @dev The customs officer that resolved it (zero while open).
        address resolvedBy;
    }

    /// @notice An anchored batch of readings.
    struct Batch {
        bytes32 root;
        uint32 count;
        uint64 anchoredAt;
        address gateway;
    }

    // ------------------------------------------------------------------ errors

    /// @notice A constructor argument is the zero address.
    error IoTZeroAddress();
    /// @notice `account` lacks `role` (at `port`, or globally when `port` is zero) for this action.
    error IoTUnauthorized(address account, bytes32 role, bytes5 port);
    /// @notice The device id is zero, its signer is the zero address, or its kind is None.
    error IoTInvalidDevice(bytes32 deviceId);
    /// @notice A device with this id exists already (ids are never reused, even after revocation).
    error IoTDeviceExists(bytes32 deviceId);
    /// @notice No device with this id.
    error IoTUnknownDevice(bytes32 deviceId);
    /// @notice The device was revoked.
    error IoTDeviceRevoked(bytes32 deviceId);
    /// @notice Only the device's own gateway may manage it and relay its readings.
    error IoTNotDeviceGateway(bytes32 deviceId, address account);
    /// @notice The device is bound to no shipment.
    error IoTDeviceUnbound(bytes32 deviceId);
    /// @notice The shipment registry has no such shipment.
    error IoTUnknownShipment(bytes32 shipmentId);
    /// @notice The shipment has no container at this index.
    error IoTUnknownContainer(bytes32 shipmentId, uint256 index);
    /// @notice The shipment's containers have all gated out: nothing left to watch.
    error IoTShipmentCompleted(bytes32 shipmentId);
    /// @notice Only the shipment's shipper, customs of its origin or destination port, or the financier of its
    /// active financing set its rules and authorise its gateways.
    error IoTNotRuleSetter(bytes32 shipmentId, address account);
    /// @notice The change loosens the shipment's monitoring (drops or widens a rule, withdraws a gateway) while it
    /// is locked: its declaration is open (`declarationOpen`) or financing `financingId` is active. Only customs of
    /// the shipment's origin or destination may loosen it then, or, with no declaration open, that financing's
    /// financier.
    error IoTMonitoringLocked(bytes32 shipmentId, address account, bool declarationOpen, uint256 financingId);
    /// @notice The shipment's shipper or customs has not authorised this gateway to watch the shipment.
    error IoTGatewayNotAuthorised(bytes32 shipmentId, address gateway);
    /// @notice The rules are inconsistent: unknown bits, an empty or reversed range, or a corridor too long or
    /// containing an invalid UN/LOCODE.
    error IoTInvalidRules(bytes32 shipmentId);
    /// @notice The reading names another container or kind than the device's.
    error IoTReadingMismatch(bytes32 deviceId, bytes11 container, DeviceKind kind);
    /// @notice The reading's sequence number is not above the device's last one (a replay or out of order).
    error IoTStaleSequence(bytes32 deviceId, uint64 sequence, uint64 lastSequence);
    /// @notice The reading's timestamp lies more than `MAX_CLOCK_SKEW` seconds in the future.
    error IoTFutureReading(bytes32 deviceId, uint64 timestamp);
    /// @notice The reading was taken before the device was bound to its shipment (`boundAt`): it belongs to no
    /// watch of this shipment and raises nothing.
    error IoTReadingOutsideBinding(bytes32 deviceId, uint64 timestamp, uint64 boundAt);
    /// @notice The signature is not the device signer's for this reading.
    error IoTInvalidSignature(bytes32 deviceId, address signer);
    /// @notice The reading breaks none of the shipment's rules, so it is not posted on chain (anchor it in a batch).
    error IoTNoBreach(bytes32 deviceId, uint64 sequence);
    /// @notice A batch needs a non-zero root and count.
    error IoTInvalidBatch();
    /// @notice No batch with this id.
    error IoTUnknownBatch(uint256 batchId);
    /// @notice No alert with this id.
    error IoTUnknownAlert(uint256 alertId);
    /// @notice The action needs another alert state.
    error IoTUnexpectedAlertState(uint256 alertId, AlertState current);
    /// @notice Only CUSTOMS of the shipment's origin or destination port resolves its alerts.
    error IoTNotShipmentCustoms(bytes32 shipmentId, address account);
    /// @notice Resolving an alert needs a reason.
    error IoTReasonRequired();

    // ------------------------------------------------------------------ events

    /// @notice `gateway` registered a device that `signer` signs for.
    event DeviceRegistered(bytes32 indexed deviceId, address indexed gateway, address signer, DeviceKind kind);
    /// @notice The device's gateway revoked it; its readings are refused from now on.
    event DeviceRevoked(bytes32 indexed deviceId, address indexed gateway);
    /// @notice `setBy` (the shipper or customs) authorised `gateway` to watch the shipment, or withdrew that.
    event GatewayAuthorised(bytes32 indexed shipmentId, address indexed gateway, bool authorised, address setBy);
    /// @notice The device now watches container `containerIndex` (number `container`) of the shipment.
    event DeviceBound(bytes32 indexed deviceId, bytes32 indexed shipmentId, uint16 containerIndex, bytes11 container);
    /// @notice The shipment's rules were set (replacing earlier ones) by `setBy`.
    event RulesSet(
        bytes32 indexed shipmentId,
        address indexed setBy,
        uint8 enabled,
        int64 minTemperature,
        int64 maxTemperature,
        int64 maxShock,
        bytes5[] corridor
    );
    /// @notice `loosenedBy` loosened the shipment's monitoring (the `RulesSet` or `GatewayAuthorised` just before
    /// says how); `declarationOpen` and `financingId` (0 for none) are the locks it was under.
    event MonitoringLoosened(
        bytes32 indexed shipmentId, address indexed loosenedBy, bool declarationOpen, uint256 financingId
    );
    /// @notice A gateway anchored a batch of `count` readings whose Merkle root is `root`.
    event BatchAnchored(uint256 indexed batchId, address indexed gateway, bytes32 root, uint32 count);
    /// @notice A breaching reading was accepted on chain (relayed by `gateway`).
    event ReadingReported(
        bytes32 indexed deviceId,
        bytes32 indexed shipmentId,
        uint64 sequence,
        DeviceKind kind,
        int64 value,
        uint64 timestamp,
        address gateway
    );
    /// @notice A reading broke `rule`: the shipment is held until customs resolves the alert.
    event AlertRaised(
        uint256 indexed alertId, bytes32 indexed shipmentId, bytes32 indexed deviceId, uint8 rule, int64 value
    );
    /// @notice Customs resolved the alert.
    event AlertResolved(uint256 indexed alertId, bytes32 indexed shipmentId, address indexed officer, string reason);

    // ------------------------------------------------------------------ devices

    /// @notice Register a device. Caller: an IOT_GATEWAY member, which becomes the device's gateway.
    function registerDevice(bytes32 deviceId, address signer, DeviceKind kind) external;

    /// @notice Revoke a device for good (lost, tampered with, decommissioned). Caller: its gateway.
    function revokeDevice(bytes32 deviceId) external;

    /// @notice Bind the device to a container of a shipment that has not completed, replacing any earlier binding.
    /// Caller: its gateway, authorised for the shipment (`authoriseGateway`).
    function bindDevice(bytes32 deviceId, bytes32 shipmentId, uint16 containerIndex) external;

    /// @notice Authorise `gateway` (or withdraw its authorisation) to bind devices to the shipment and post their
    /// breaches: a gateway cannot hold cargo nobody asked it to watch. Caller: the shipment's shipper, CUSTOMS of
    /// its origin or destination port, or the financier of its active financing. Withdrawing an authorisation
    /// loosens the monitoring: see `IoTMonitoringLocked`.
    function authoriseGateway(bytes32 shipmentId, address gateway, bool authorised) external;

    // ------------------------------------------------------------------ rules

    /// @notice Set the shipment's rules, replacing earlier ones. Caller: its shipper, CUSTOMS of its origin or
    /// destination port, or the financier of its active financing. At most `MAX_CORRIDOR` geofences. Rules that
    /// drop a rule bit, widen the temperature range, raise the shock limit or add a geofence to the corridor loosen
    /// the monitoring: see `IoTMonitoringLocked`.
    function setRules(bytes32 shipmentId, Rules calldata rules) external;

    // ------------------------------------------------------------------ readings

    /// @notice Anchor a batch of readings as a Merkle root over their `readingLeaf`s. Caller: an IOT_GATEWAY
    /// member. Returns the batch id.
    function anchorBatch(bytes32 root, uint32 count) external returns (uint256 batchId);

    /// @notice Post a reading that breaks a rule of its shipment: checks the device (active, bound, this
    /// container and kind), the gateway's authorisation for the shipment, the sequence, the clock (not ahead of the
    /// chain, not before the device's binding), the device's signature and the rule, then raises an alert that
    /// holds the shipment. Caller: the device's gateway. Returns the alert id.
    function reportBreach(Reading calldata reading, bytes calldata signature) external returns (uint256 alertId);

    /// @notice Resolve an open alert. Caller: CUSTOMS of the shipment's origin or destination port.
    function resolveAlert(uint256 alertId, string calldata reason) external;

    // ------------------------------------------------------------------ reads

    /// @notice The shipment registry (and through it the consortium registry) this contract trusts.
    function shipments() external view returns (address);

    /// @notice The customs clearance contract whose open declarations lock a shipment's monitoring.
    function customs() external view returns (address);

    /// @notice The trade-finance escrow whose active financings lock a shipment's monitoring.
    function escrow() external view returns (address);

    /// @notice How many times the shipment's monitoring was loosened (by anyone): the escrow refuses to fund a
    /// financing whose shipment's monitoring was loosened since the offer.
    function looseningCount(bytes32 shipmentId) external view returns (uint256);

    /// @notice What locks the shipment's monitoring now: an open declaration, and the active financing (0 if none)
    /// with its financier.
    function monitoringLock(bytes32 shipmentId)
        external
        view
        returns (bool declarationOpen, uint256 financingId, address financier);

    /// @notice The EIP-712 hash a device signs for `reading` (what `eth_signTypedData_v4` signs).
    function readingDigest(Reading calldata reading) external view returns (bytes32);

    /// @notice The Merkle leaf of a reading in an anchored batch: `keccak256(bytes.concat(keccak256(abi.encode(
    /// READING_TYPEHASH, ...fields))))`, the EIP-712 struct hash hashed again (so no leaf is an inner node).
    function readingLeaf(Reading calldata reading) external pure returns (bytes32);

    /// @notice Whether `reading` is in batch `batchId`, given its Merkle proof (sorted-pair hashing, as
    /// OpenZeppelin's MerkleProof).
    function verifyInclusion(uint256 batchId, Reading calldata reading, bytes32[] calldata proof)
        external
        view
        returns (bool);

    /// @notice Whether `gateway` may watch the shipment.
    function isAuthorisedGateway(bytes32 shipmentId, address gateway) external view returns (bool);

    /// @notice A device (state None if unknown).
    function getDevice(bytes32 deviceId) external view returns (Device memory);

    /// @notice The shipment's rules (`enabled` zero if none were set).
    function getRules(bytes32 shipmentId) external view returns (Rules memory);

    /// @notice A batch (zero if unknown).
    function getBatch(uint256 batchId) external view returns (Batch memory);

    /// @notice An alert (state None if unknown).
    function getAlert(uint256 alertId) external view returns (Alert memory);

    /// @notice Alerts of the shipment that are still open: while not zero, the shipment is held.
    function openAlerts(bytes32 shipmentId) external view returns (uint256);

    /// @notice Batches anchored so far (ids run from 1).
    function batchCount() external view returns (uint256);

    /// @notice Alerts raised so far (ids run from 1).
    function alertCount() external view returns (uint256);
}
