// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";

import {IConsortiumRegistry} from "./interfaces/IConsortiumRegistry.sol";
import {IShipmentRegistry} from "./interfaces/IShipmentRegistry.sol";
import {ConsortiumRoles} from "./libraries/ConsortiumRoles.sol";
import {Iso6346} from "./libraries/Iso6346.sol";

/// @title PortLink shipment registry
/// @notice Shipments, containers, DCSA milestones, document anchors and the gate-in cross-check.
/// @dev Roles come from the consortium registry at the time of each call, so a suspended or revoked member is
/// refused at once. Every loop runs over the containers of one registration (at most `MAX_CONTAINERS`) or the
/// seals of one container (at most `MAX_SEALS`). The carrier's attestation of a registration is checked with
/// OpenZeppelin's SignatureChecker (low-s ECDSA for an EOA, ERC-1271 for a contract wallet) against this
/// contract's EIP-712 domain; it needs no nonce, since a shipment id is registered once only.
contract ShipmentRegistry is IShipmentRegistry, EIP712 {
    // ------------------------------------------------------------------ constants

    /// @notice The EIP-712 type a carrier signs to bind its transport document to a shipper's registration.
    bytes32 public constant BILL_OF_LADING_TYPEHASH = keccak256(
        "BillOfLading(address carrier,string transportDocumentReference,address shipper,address consignee,"
        "bytes5 originPort,bytes5 destinationPort,bytes11[] containers,uint256 deadline)"
    );
    /// @notice Containers one shipment may carry (a bound on the registration loop).
    uint256 public constant MAX_CONTAINERS = 100;
    /// @notice Seals one container may carry.
    uint256 public constant MAX_SEALS = 4;
    uint256 private constant _MAX_REFERENCE_LENGTH = 20;
    uint256 private constant _BPS = 10_000;

    // ------------------------------------------------------------------ storage

    IConsortiumRegistry private immutable _consortium;

    mapping(bytes32 shipmentId => Shipment) private _shipments;
    mapping(bytes32 shipmentId => mapping(uint256 index => Container)) private _containers;
    mapping(bytes11 number => bytes32 shipmentId) private _openShipmentOf;
    mapping(bytes32 digest => DocumentAnchor) private _anchors;
    mapping(bytes32 shipmentId => mapping(DocumentType docType => bytes32 digest)) private _latest;

    /// @param consortium_ The consortium registry.
    constructor(address consortium_) EIP712("PortLink Shipment Registry", "1") {
        if (consortium_ == address(0)) revert ShipmentZeroAddress();
        _consortium = IConsortiumRegistry(consortium_);
    }

    // ------------------------------------------------------------------ registration

    /// @inheritdoc IShipmentRegistry
    function register(Registration calldata r, uint256 deadline, bytes calldata carrierSignature)
        external
        returns (bytes32 shipmentId)
    {
        if (!_consortium.hasRole(ConsortiumRoles.SHIPPER, msg.sender)) {
            revert ShipmentUnauthorized(msg.sender, ConsortiumRoles.SHIPPER, bytes5(0));
        }
        _requirePort(r.originPort);
        _requirePort(r.destinationPort);
        if (r.originPort == r.destinationPort) revert ShipmentSamePorts(r.originPort);
        if (!_consortium.hasRole(ConsortiumRoles.CONSIGNEE, r.consignee)) {
            revert ShipmentInvalidParty(r.consignee, ConsortiumRoles.CONSIGNEE);
        }
        if (!_consortium.hasRole(ConsortiumRoles.CARRIER, r.carrier)) {
            revert ShipmentInvalidParty(r.carrier, ConsortiumRoles.CARRIER);
        }
        _requireTransportDocument(r.transportDocumentReference);
        uint256 count = r.containers.length;
        if (count == 0 || count > MAX_CONTAINERS) revert ShipmentContainerCount(count, MAX_CONTAINERS);
        shipmentId = shipmentIdOf(r.carrier, r.transportDocumentReference);
        if (_shipments[shipmentId].state != ShipmentState.None) revert ShipmentAlreadyRegistered(shipmentId);
        // The carrier issued this B/L to the caller: without it any shipper could take another's business key.
        if (block.timestamp > deadline) revert ShipmentExpiredAttestation(deadline);
        if (!SignatureChecker.isValidSignatureNow(r.carrier, _billOfLadingDigest(r, msg.sender, deadline), carrierSignature)) {
            revert ShipmentInvalidCarrierSignature(shipmentId, r.carrier);
        }

        _shipments[shipmentId] = Shipment({
            state: ShipmentState.Registered,
            originPort: r.originPort,
            destinationPort: r.destinationPort,
            containerCount: uint16(count),
            containersAdvanced: 0,
            containersHeld: 0,
            registeredAt: uint64(block.timestamp),
            shipper: msg.sender,
            consignee: r.consignee,
            carrier: r.carrier,
            documentsDigest: r.documentsDigest
        });
        emit ShipmentRegistered(
            shipmentId,
            msg.sender,
            r.carrier,
            r.consignee,
            r.originPort,
            r.destinationPort,
            r.transportDocumentReference,
            r.documentsDigest,
            count
        );
        for (uint256 i = 0; i < count; ++i) {
            _registerContainer(shipmentId, i, r.containers[i]);
        }
    }

    // ------------------------------------------------------------------ milestones

    /// @inheritdoc IShipmentRegistry
    function gateIn(bytes32 shipmentId, uint256 index, uint32 observedGrossKg, bytes16[] calldata seals) external {
        (Shipment storage s, Container storage c) =
            _startEquipmentEvent(shipmentId, index, Milestone.GTIN, ShipmentState.Registered, true);
        if (observedGrossKg == 0) revert ShipmentInvalidWeight(c.number);
        bytes32 observedSeals = _sealsDigest(c.number, seals);
        c.state = ShipmentState.GatedIn;
        c.observedGrossKg = observedGrossKg;
        emit EquipmentEventRecorded(
            shipmentId, index, Milestone.GTIN, s.originPort, msg.sender, observedGrossKg, seals
        );
        _crossCheck(shipmentId, index, s, c, observedSeals);
        _countAdvance(shipmentId, s, ShipmentState.GatedIn);
    }

    /// @inheritdoc IShipmentRegistry
    function load(bytes32 shipmentId, uint256 index) external {
        _equipmentEvent(shipmentId, index, Milestone.LOAD, ShipmentState.GatedIn, ShipmentState.Loaded, true);
    }

    /// @inheritdoc IShipmentRegistry
    function depart(bytes32 shipmentId) external {
        _transportEvent(shipmentId, Milestone.DEPA, ShipmentState.Loaded, ShipmentState.Departed);
    }

    /// @inheritdoc IShipmentRegistry
    function arrive(bytes32 shipmentId) external {
        _transportEvent(shipmentId, Milestone.ARRI, ShipmentState.Departed, ShipmentState.Arrived);
    }

    /// @inheritdoc IShipmentRegistry
    function discharge(bytes32 shipmentId, uint256 index) external {
        _equipmentEvent(shipmentId, index, Milestone.DISC, ShipmentState.Arrived, ShipmentState.Discharged, false);
    }

    /// @inheritdoc IShipmentRegistry
    function gateOut(bytes32 shipmentId, uint256 index) external {
        bytes11 number =
            _equipmentEvent(shipmentId, index, Milestone.GTOT, ShipmentState.Discharged, ShipmentState.GatedOut, false);
        // The container has left the consignment: it may be registered in a new shipment.
        delete _openShipmentOf[number];
    }

    /// @inheritdoc IShipmentRegistry
    function clearDiscrepancy(bytes32 shipmentId, uint256 index, string calldata reason) external {
        Shipment storage s = _requireShipment(shipmentId);
        if (!_consortium.hasPortRole(ConsortiumRoles.CUSTOMS, s.originPort, msg.sender)) {
            revert ShipmentUnauthorized(msg.sender, ConsortiumRoles.CUSTOMS, s.originPort);
        }
        Container storage c = _requireContainer(shipmentId, s, index);
        if (c.discrepancies == 0) revert ShipmentNoDiscrepancy(shipmentId, index);
        if (bytes(reason).length == 0) revert ShipmentEmptyReason();
        c.discrepancies = 0;
        --s.containersHeld;
        emit DiscrepancyCleared(shipmentId, index, msg.sender, reason);
        if (s.containersHeld == 0) emit ShipmentReleased(shipmentId);
    }

    // ------------------------------------------------------------------ documents

    /// @inheritdoc IShipmentRegistry
    function anchorDocument(bytes32 shipmentId, DocumentType docType, bytes32 digest) external {
        Shipment storage s = _requireShipment(shipmentId);
        if (digest == bytes32(0) || docType == DocumentType.None) revert ShipmentInvalidDocument(digest, docType);
        if (!_isDocumentParty(s, msg.sender)) revert ShipmentNotDocumentParty(shipmentId, msg.sender);
        bytes32 anchoredTo = _anchors[digest].shipmentId;
        if (anchoredTo != bytes32(0)) revert ShipmentDocumentAlreadyAnchored(digest, anchoredTo);

        bytes32 previous = _latest[shipmentId][docType];
        uint32 version = previous == bytes32(0) ? 1 : _anchors[previous].version + 1;
        _anchors[digest] = DocumentAnchor({
            shipmentId: shipmentId,
            docType: docType,
            version: version,
            anchoredAt: uint64(block.timestamp),
            anchoredBy: msg.sender
        });
        _latest[shipmentId][docType] = digest;
        emit DocumentAnchored(shipmentId, docType, digest, version, msg.sender);
    }

    // ------------------------------------------------------------------ reads

    /// @inheritdoc IShipmentRegistry
    function consortium() external view returns (address) {
        return address(_consortium);
    }

    /// @inheritdoc IShipmentRegistry
    function billOfLadingDigest(Registration calldata registration, address shipper, uint256 deadline)
        external
        view
        returns (bytes32)
    {
        return _billOfLadingDigest(registration, shipper, deadline);
    }

    /// @inheritdoc IShipmentRegistry
    function shipmentIdOf(address carrier, string calldata transportDocumentReference) public pure returns (bytes32) {
        return keccak256(abi.encode(carrier, transportDocumentReference));
    }

    /// @inheritdoc IShipmentRegistry
    function getShipment(bytes32 shipmentId) external view returns (Shipment memory) {
        return _shipments[shipmentId];
    }

    /// @inheritdoc IShipmentRegistry
    function getContainer(bytes32 shipmentId, uint256 index) external view returns (Container memory) {
        return _containers[shipmentId][index];
    }

    /// @inheritdoc IShipmentRegistry
    function isHeld(bytes32 shipmentId) external view returns (bool) {
        return _shipments[shipmentId].containersHeld != 0;
    }

    /// @inheritdoc IShipmentRegistry
    function shipmentOfContainer(bytes11 number) external view returns (bytes32) {
        return _openShipmentOf[number];
    }

    /// @inheritdoc IShipmentRegistry
    function verifyDocument(bytes32 digest) external view returns (DocumentAnchor memory anchor, bool isLatest) {
        anchor = _anchors[digest];
        isLatest = anchor.shipmentId != bytes32(0) && _latest[anchor.shipmentId][anchor.docType] == digest;
    }

    /// @inheritdoc IShipmentRegistry
    function latestDocument(bytes32 shipmentId, DocumentType docType)
        external
        view
        returns (bytes32 digest, uint32 version)
    {
        digest = _latest[shipmentId][docType];
        version = _anchors[digest].version;
    }

    // ------------------------------------------------------------------ internal: registration

    function _registerContainer(bytes32 shipmentId, uint256 index, ContainerInput calldata input) private {
        bytes11 number = input.number;
        if (!Iso6346.isValid(number)) revert ShipmentInvalidContainerNumber(number);
        bytes32 openIn = _openShipmentOf[number];
        if (openIn != bytes32(0)) revert ShipmentContainerInUse(number, openIn);
        if (input.declaredGrossKg == 0) revert ShipmentInvalidWeight(number);
        _containers[shipmentId][index] = Container({
            number: number,
            declaredGrossKg: input.declaredGrossKg,
            observedGrossKg: 0,
            discrepancies: 0,
            state: ShipmentState.Registered,
            sealsDigest: _sealsDigest(number, input.seals)
        });
        _openShipmentOf[number] = shipmentId;
        emit ContainerRegistered(shipmentId, index, number, input.declaredGrossKg, input.seals);
    }

    /// @dev EIP-712: the string hashed, the container numbers as an array of bytes11 (each a word, left-aligned).
    function _billOfLadingDigest(Registration calldata r, address shipper, uint256 deadline)
        private
        view
        returns (bytes32)
    {
        uint256 count = r.containers.length;
        bytes32[] memory numbers = new bytes32[](count);
        for (uint256 i = 0; i < count; ++i) {
            numbers[i] = bytes32(r.containers[i].number);
        }
        bytes32 structHash = keccak256(
            abi.encode(
                BILL_OF_LADING_TYPEHASH,
                r.carrier,
                keccak256(bytes(r.transportDocumentReference)),
                shipper,
                r.consignee,
                r.originPort,
                r.destinationPort,
                keccak256(abi.encodePacked(numbers)),
                deadline
            )
        );
        return _hashTypedDataV4(structHash);
    }

    function _requirePort(bytes5 port) private view {
        if (_consortium.getPort(port).status != IConsortiumRegistry.PortStatus.Active) revert ShipmentUnknownPort(port);
    }

    /// @dev 1-20 characters, A-Z and 0-9 only: one B/L number has exactly one spelling on chain.
    function _requireTransportDocument(string calldata ref) private pure {
        bytes calldata b = bytes(ref);
        if (b.length == 0 || b.length > _MAX_REFERENCE_LENGTH) revert ShipmentInvalidTransportDocument(ref);
        for (uint256 i = 0; i < b.length; ++i) {
            bytes1 ch = b[i];
            if (!((ch >= "A" && ch <= "Z") || (ch >= "0" && ch <= "9"))) {
                revert ShipmentInvalidTransportDocument(ref);
            }
        }
    }

    /// @dev Seals are compared as a list: 1 to MAX_SEALS non-empty numbers in strictly ascending order, so one set
    /// of seals has one digest whatever order they were read in.
    function _sealsDigest(bytes11 number, bytes16[] calldata seals) private pure returns (bytes32) {
        uint256 n = seals.length;
        if (n == 0 || n > MAX_SEALS || seals[0] == bytes16(0)) revert ShipmentInvalidSeals(number);
        for (uint256 i = 1; i < n; ++i) {
            if (seals[i] <= seals[i - 1]) revert ShipmentInvalidSeals(number);
        }
        return keccak256(abi.encodePacked(seals));
    }

    // ------------------------------------------------------------------ internal: milestones

    /// @dev Checks an equipment milestone of one container: the shipment exists, is not held and is in `from`, the
    /// caller is a terminal of the port (origin or destination) and the container has not had the milestone yet.
    function _startEquipmentEvent(bytes32 shipmentId, uint256 index, Milestone milestone, ShipmentState from, bool atOrigin)
        private
        view
        returns (Shipment storage s, Container storage c)
    {
        s = _requireShipment(shipmentId);
        bytes5 port = atOrigin ? s.originPort : s.destinationPort;
        if (!_consortium.hasPortRole(ConsortiumRoles.TERMINAL, port, msg.sender)) {
            revert ShipmentUnauthorized(msg.sender, ConsortiumRoles.TERMINAL, port);
        }
        if (s.containersHeld != 0) revert ShipmentOnHold(shipmentId, s.containersHeld);
        if (s.state != from) revert ShipmentUnexpectedState(shipmentId, milestone, s.state, 1 << uint8(from));
        c = _requireContainer(shipmentId, s, index);
        // Containers stay Loaded while the vessel departs and arrives (transport events are per shipment).
        ShipmentState containerFrom = from == ShipmentState.Arrived ? ShipmentState.Loaded : from;
        if (c.state != containerFrom) revert ShipmentContainerAlreadyAdvanced(shipmentId, index, milestone);
    }

    function _equipmentEvent(
        bytes32 shipmentId,
        uint256 index,
        Milestone milestone,
        ShipmentState from,
        ShipmentState to,
        bool atOrigin
    ) private returns (bytes11 number) {
        (Shipment storage s, Container storage c) = _startEquipmentEvent(shipmentId, index, milestone, from, atOrigin);
        c.state = to;
        emit EquipmentEventRecorded(
            shipmentId, index, milestone, atOrigin ? s.originPort : s.destinationPort, msg.sender, 0, new bytes16[](0)
        );
        _countAdvance(shipmentId, s, to);
        return c.number;
    }

    function _transportEvent(bytes32 shipmentId, Milestone milestone, ShipmentState from, ShipmentState to) private {
        Shipment storage s = _requireShipment(shipmentId);
        if (msg.sender != s.carrier) revert ShipmentNotCarrier(shipmentId, msg.sender);
        if (!_consortium.hasRole(ConsortiumRoles.CARRIER, msg.sender)) {
            revert ShipmentUnauthorized(msg.sender, ConsortiumRoles.CARRIER, bytes5(0));
        }
        if (s.containersHeld != 0) revert ShipmentOnHold(shipmentId, s.containersHeld);
        if (s.state != from) revert ShipmentUnexpectedState(shipmentId, milestone, s.state, 1 << uint8(from));
        s.state = to;
        emit TransportEventRecorded(
            shipmentId, milestone, milestone == Milestone.DEPA ? s.originPort : s.destinationPort, msg.sender
        );
        emit ShipmentStateChanged(shipmentId, from, to);
    }

    /// @dev Moves the shipment to `to` once every container has had the milestone leading there.
    function _countAdvance(bytes32 shipmentId, Shipment storage s, ShipmentState to) private {
        uint16 advanced = s.containersAdvanced + 1;
        if (advanced < s.containerCount) {
            s.containersAdvanced = advanced;
            return;
        }
        ShipmentState previous = s.state;
        s.containersAdvanced = 0;
        s.state = to;
        emit ShipmentStateChanged(shipmentId, previous, to);
    }

    /// @dev The gate-in cross-check: weighbridge weight against the declared weight within the governed tolerance,
    /// and the seal list against the declared one. Any difference holds the shipment for customs.
    function _crossCheck(bytes32 shipmentId, uint256 index, Shipment storage s, Container storage c, bytes32 seals)
        private
    {
        uint256 declared = c.declaredGrossKg;
        uint256 observed = c.observedGrossKg;
        uint256 difference = declared > observed ? declared - observed : observed - declared;
        uint256 toleranceBps = _consortium.parameter(ConsortiumRoles.WEIGHT_TOLERANCE_BPS);
        uint8 found = 0;
        if (difference * _BPS > declared * toleranceBps) {
            found |= uint8(1 << uint8(DiscrepancyKind.Weight));
            emit DiscrepancyRaised(shipmentId, index, DiscrepancyKind.Weight, bytes32(declared), bytes32(observed));
        }
        if (seals != c.sealsDigest) {
            found |= uint8(1 << uint8(DiscrepancyKind.Seals));
            emit DiscrepancyRaised(shipmentId, index, DiscrepancyKind.Seals, c.sealsDigest, seals);
        }
        if (found != 0) {
            c.discrepancies = found;
            ++s.containersHeld;
            emit ShipmentHeld(shipmentId, s.containersHeld);
        }
    }

    function _requireShipment(bytes32 shipmentId) private view returns (Shipment storage s) {
        s = _shipments[shipmentId];
        if (s.state == ShipmentState.None) revert ShipmentUnknown(shipmentId);
    }

    function _requireContainer(bytes32 shipmentId, Shipment storage s, uint256 index)
        private
        view
        returns (Container storage)
    {
        if (index >= s.containerCount) revert ShipmentUnknownContainer(shipmentId, index);
        return _containers[shipmentId][index];
    }

    function _isDocumentParty(Shipment storage s, address account) private view returns (bool) {
        if (account == s.shipper) return _consortium.hasRole(ConsortiumRoles.SHIPPER, account);
        if (account == s.carrier) return _consortium.hasRole(ConsortiumRoles.CARRIER, account);
        return _consortium.hasPortRole(ConsortiumRoles.CUSTOMS, s.originPort, account)
            || _consortium.hasPortRole(ConsortiumRoles.CUSTOMS, s.destinationPort, account);
    }
}
