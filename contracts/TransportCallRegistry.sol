// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IConsortiumRegistry} from "./interfaces/IConsortiumRegistry.sol";
import {IShipmentRegistry} from "./interfaces/IShipmentRegistry.sol";
import {ITransportCallRegistry} from "./interfaces/ITransportCallRegistry.sol";
import {ConsortiumRoles} from "./libraries/ConsortiumRoles.sol";
import {VesselCodes} from "./libraries/VesselCodes.sol";

/// @title PortLink transport call registry
/// @notice Vessel calls as carriers record them, the shipments that sail on each, and the carriers' booking
/// references: what DCSA Track & Trace calls the transport call of an event.
/// @dev Roles and ports come from the consortium registry, shipments (their carrier, route and state) from the
/// shipment registry, both at the time of each call; this contract writes only its own storage.
contract TransportCallRegistry is ITransportCallRegistry {
    // ------------------------------------------------------------------ storage

    IShipmentRegistry private immutable _shipments;
    IConsortiumRegistry private immutable _consortium;

    mapping(bytes32 callId => TransportCall) private _calls;
    mapping(bytes32 shipmentId => mapping(bytes5 port => bytes32 callId)) private _assigned;
    mapping(bytes32 shipmentId => string) private _bookings;

    /// @param shipments_ The shipment registry; its consortium registry answers every role and port question.
    constructor(address shipments_) {
        if (shipments_ == address(0)) revert IConsortiumRegistry.ConsortiumZeroAddress();
        _shipments = IShipmentRegistry(shipments_);
        _consortium = IConsortiumRegistry(IShipmentRegistry(shipments_).consortium());
    }

    // ------------------------------------------------------------------ writes

    /// @inheritdoc ITransportCallRegistry
    function recordCall(CallInput calldata c) external returns (bytes32 callId) {
        _requireCarrier();
        if (!VesselCodes.isImoNumber(c.vesselIMONumber)) revert TransportCallInvalidVessel(c.vesselIMONumber);
        if (_consortium.getPort(c.port).status != IConsortiumRegistry.PortStatus.Active) {
            revert TransportCallUnknownPort(c.port);
        }
        if (c.sequenceNumber == 0) revert TransportCallInvalidSequence(c.sequenceNumber);
        if (
            bytes(c.carrierServiceCode).length != 0
                && !VesselCodes.isReference(c.carrierServiceCode, VesselCodes.MAX_SERVICE_CODE_LENGTH, false)
        ) {
            revert TransportCallInvalidService(c.carrierServiceCode);
        }
        if (!VesselCodes.isReference(c.exportVoyageNumber, VesselCodes.MAX_VOYAGE_LENGTH, true)) {
            revert TransportCallInvalidVoyage(c.exportVoyageNumber);
        }
        if (
            bytes(c.importVoyageNumber).length != 0
                && !VesselCodes.isReference(c.importVoyageNumber, VesselCodes.MAX_VOYAGE_LENGTH, true)
        ) {
            revert TransportCallInvalidVoyage(c.importVoyageNumber);
        }
        if (!VesselCodes.isVesselName(c.vesselName)) revert TransportCallInvalidVesselName(c.vesselName);
        callId = callIdOf(msg.sender, c.vesselIMONumber, c.exportVoyageNumber, c.port, c.sequenceNumber);
        if (_calls[callId].carrier != address(0)) revert TransportCallAlreadyRecorded(callId);

        _calls[callId] = TransportCall({
            carrier: msg.sender,
            vesselIMONumber: c.vesselIMONumber,
            port: c.port,
            sequenceNumber: c.sequenceNumber,
            recordedAt: uint64(block.timestamp)
        });
        emit TransportCallRecorded(
            callId,
            msg.sender,
            c.vesselIMONumber,
            c.port,
            c.sequenceNumber,
            c.carrierServiceCode,
            c.exportVoyageNumber,
            c.importVoyageNumber,
            c.vesselName
        );
    }

    /// @inheritdoc ITransportCallRegistry
    function assignShipment(bytes32 callId, bytes32 shipmentId) external {
        TransportCall storage call = _calls[callId];
        if (call.carrier == address(0)) revert TransportCallUnknown(callId);
        if (call.carrier != msg.sender) revert TransportCallNotCallCarrier(callId, msg.sender);
        IShipmentRegistry.Shipment memory s = _requireCarriedShipment(shipmentId);
        bytes5 port = call.port;
        if (port != s.originPort && port != s.destinationPort) revert TransportCallPortNotOnRoute(shipmentId, port);
        // The origin call is history once the vessel left with the shipment, the destination call once it arrived.
        IShipmentRegistry.ShipmentState closedFrom = port == s.originPort
            ? IShipmentRegistry.ShipmentState.Departed
            : IShipmentRegistry.ShipmentState.Arrived;
        if (s.state >= closedFrom) revert TransportCallAssignmentClosed(shipmentId, port, s.state);
        bytes32 previous = _assigned[shipmentId][port];
        if (previous == callId) revert TransportCallAlreadyAssigned(shipmentId, callId);

        _assigned[shipmentId][port] = callId;
        emit ShipmentAssigned(callId, shipmentId, msg.sender, port, previous);
    }

    /// @inheritdoc ITransportCallRegistry
    function recordBooking(bytes32 shipmentId, string calldata carrierBookingReference) external {
        _requireCarriedShipment(shipmentId);
        if (!VesselCodes.isReference(carrierBookingReference, VesselCodes.MAX_BOOKING_LENGTH, false)) {
            revert TransportCallInvalidBooking(carrierBookingReference);
        }
        if (bytes(_bookings[shipmentId]).length != 0) revert TransportCallBookingAlreadyRecorded(shipmentId);

        _bookings[shipmentId] = carrierBookingReference;
        emit BookingRecorded(shipmentId, msg.sender, carrierBookingReference);
    }

    // ------------------------------------------------------------------ reads

    /// @inheritdoc ITransportCallRegistry
    function shipments() external view returns (address) {
        return address(_shipments);
    }

    /// @inheritdoc ITransportCallRegistry
    function callIdOf(
        address carrier,
        uint32 vesselIMONumber,
        string calldata exportVoyageNumber,
        bytes5 port,
        uint16 sequenceNumber
    ) public pure returns (bytes32) {
        return keccak256(abi.encode(carrier, vesselIMONumber, exportVoyageNumber, port, sequenceNumber));
    }

    /// @inheritdoc ITransportCallRegistry
    function getCall(bytes32 callId) external view returns (TransportCall memory) {
        return _calls[callId];
    }

    /// @inheritdoc ITransportCallRegistry
    function callOf(bytes32 shipmentId, bytes5 port) external view returns (bytes32) {
        return _assigned[shipmentId][port];
    }

    /// @inheritdoc ITransportCallRegistry
    function bookingOf(bytes32 shipmentId) external view returns (string memory) {
        return _bookings[shipmentId];
    }

    // ------------------------------------------------------------------ internal

    function _requireCarrier() private view {
        if (!_consortium.hasRole(ConsortiumRoles.CARRIER, msg.sender)) {
            revert TransportCallUnauthorized(msg.sender, ConsortiumRoles.CARRIER);
        }
    }

    /// @dev The shipment exists, the caller is its carrier and still holds the CARRIER role.
    function _requireCarriedShipment(bytes32 shipmentId) private view returns (IShipmentRegistry.Shipment memory s) {
        s = _shipments.getShipment(shipmentId);
        if (s.state == IShipmentRegistry.ShipmentState.None) revert TransportCallUnknownShipment(shipmentId);
        if (s.carrier != msg.sender) revert TransportCallNotShipmentCarrier(shipmentId, msg.sender);
        _requireCarrier();
    }
}
