// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

import {IShipmentRegistry} from "./IShipmentRegistry.sol";

/// @title PortLink transport call registry
/// @notice The carrier's side of DCSA Track & Trace: the vessel calls it operates (vessel by IMO number, voyage
/// numbers, service, port and the call's sequence in the voyage), which of its shipments sail on each call, and the
/// carrier's booking reference of a shipment. Every milestone of a shipment at a port belongs to the call the
/// shipment is assigned to there, so all events of one call share one `transportCallID` and name its vessel.
/// @dev A call's id is its business key, `keccak256(abi.encode(carrier, vesselIMONumber, exportVoyageNumber, port,
/// sequenceNumber))`: one carrier's call of one vessel on one voyage at one port, forever. A shipment has at most
/// one call at its origin port (where it is loaded and departs) and one at its destination port (where it arrives
/// and is discharged); the carrier may move it to another call (a rollover) until the vessel has left (origin) or
/// arrived (destination). The shipment registry is read, never written.
interface ITransportCallRegistry {
    // ------------------------------------------------------------------ types

    /// @notice What a carrier records of a vessel call.
    struct CallInput {
        /// @dev IMO number: seven digits, the last a check digit.
        uint32 vesselIMONumber;
        /// @dev UN/LOCODE of a consortium port.
        bytes5 port;
        /// @dev DCSA `transportCallSequenceNumber`: tells two calls at one port within one voyage apart (from 1).
        uint16 sequenceNumber;
        /// @dev DCSA `carrierServiceCode`: 1-5 characters A-Z/0-9; empty when the call is on no published service.
        string carrierServiceCode;
        /// @dev 1-50 characters A-Z, 0-9 and hyphen.
        string exportVoyageNumber;
        /// @dev Empty, or as the export voyage number (the voyage the vessel arrived on, when it differs).
        string importVoyageNumber;
        /// @dev Up to 35 printable ASCII characters; may be empty.
        string vesselName;
    }

    /// @notice A recorded call.
    struct TransportCall {
        address carrier;
        uint32 vesselIMONumber;
        bytes5 port;
        uint16 sequenceNumber;
        uint64 recordedAt;
    }

    // ------------------------------------------------------------------ errors

    /// @notice `account` does not hold the consortium's CARRIER role.
    error TransportCallUnauthorized(address account, bytes32 role);
    /// @notice Not an IMO number (seven digits with a correct check digit).
    error TransportCallInvalidVessel(uint32 vesselIMONumber);
    /// @notice The port is not an active consortium port.
    error TransportCallUnknownPort(bytes5 port);
    /// @notice A voyage number that is empty (export), longer than 50 or not A-Z/0-9/hyphen.
    error TransportCallInvalidVoyage(string voyageNumber);
    /// @notice A service code that is not empty nor 1-5 characters A-Z/0-9.
    error TransportCallInvalidService(string carrierServiceCode);
    /// @notice A vessel name longer than 35 characters or not printable ASCII.
    error TransportCallInvalidVesselName(string vesselName);
    /// @notice The sequence number of a call starts at 1.
    error TransportCallInvalidSequence(uint16 sequenceNumber);
    /// @notice This carrier's call of this vessel, voyage, port and sequence is recorded already.
    error TransportCallAlreadyRecorded(bytes32 callId);
    /// @notice No call with this id.
    error TransportCallUnknown(bytes32 callId);
    /// @notice Only the carrier that recorded the call may assign shipments to it.
    error TransportCallNotCallCarrier(bytes32 callId, address account);
    /// @notice Only the shipment's own carrier may assign it to a call or record its booking.
    error TransportCallNotShipmentCarrier(bytes32 shipmentId, address account);
    /// @notice No shipment with this id in the shipment registry.
    error TransportCallUnknownShipment(bytes32 shipmentId);
    /// @notice The call is at a port that is neither the shipment's origin nor its destination.
    error TransportCallPortNotOnRoute(bytes32 shipmentId, bytes5 port);
    /// @notice The vessel has left the origin (or arrived at the destination) with the shipment: its call there is
    /// history.
    error TransportCallAssignmentClosed(bytes32 shipmentId, bytes5 port, IShipmentRegistry.ShipmentState state);
    /// @notice The shipment is assigned to this call already.
    error TransportCallAlreadyAssigned(bytes32 shipmentId, bytes32 callId);
    /// @notice A booking reference that is empty, longer than 35 or not A-Z/0-9.
    error TransportCallInvalidBooking(string carrierBookingReference);
    /// @notice The shipment's booking reference is recorded already (it never changes).
    error TransportCallBookingAlreadyRecorded(bytes32 shipmentId);

    // ------------------------------------------------------------------ events

    /// @notice A carrier recorded a vessel call.
    event TransportCallRecorded(
        bytes32 indexed callId,
        address indexed carrier,
        uint32 indexed vesselIMONumber,
        bytes5 port,
        uint16 sequenceNumber,
        string carrierServiceCode,
        string exportVoyageNumber,
        string importVoyageNumber,
        string vesselName
    );
    /// @notice A shipment sails on the call at `port` (its origin or destination); `previousCallId` is the call it
    /// was assigned to there before (zero: none).
    event ShipmentAssigned(
        bytes32 indexed callId, bytes32 indexed shipmentId, address indexed carrier, bytes5 port, bytes32 previousCallId
    );
    /// @notice The carrier recorded its booking reference of a shipment.
    event BookingRecorded(bytes32 indexed shipmentId, address indexed carrier, string carrierBookingReference);

    // ------------------------------------------------------------------ writes

    /// @notice Record a vessel call. Caller: a CARRIER. Returns the call's id (its business key).
    function recordCall(CallInput calldata input) external returns (bytes32 callId);

    /// @notice Assign a shipment to a call at its origin or destination port, replacing the call it had there
    /// (while the vessel has not left the origin, or arrived at the destination, with it). Caller: the carrier
    /// that recorded the call, which must be the shipment's carrier and still hold the CARRIER role.
    function assignShipment(bytes32 callId, bytes32 shipmentId) external;

    /// @notice Record the carrier's booking reference of a shipment (1-35 characters A-Z/0-9), once. Caller: the
    /// shipment's carrier, holding the CARRIER role.
    function recordBooking(bytes32 shipmentId, string calldata carrierBookingReference) external;

    // ------------------------------------------------------------------ reads

    /// @notice The shipment registry whose shipments are assigned (and whose consortium answers role questions).
    function shipments() external view returns (address);

    /// @notice The id of a call: `keccak256(abi.encode(carrier, vesselIMONumber, exportVoyageNumber, port,
    /// sequenceNumber))`.
    function callIdOf(
        address carrier,
        uint32 vesselIMONumber,
        string calldata exportVoyageNumber,
        bytes5 port,
        uint16 sequenceNumber
    ) external pure returns (bytes32);

    /// @notice A recorded call (`carrier` zero if unknown).
    function getCall(bytes32 callId) external view returns (TransportCall memory);

    /// @notice The call a shipment is assigned to at `port` (zero: none).
    function callOf(bytes32 shipmentId, bytes5 port) external view returns (bytes32);

    /// @notice The carrier's booking reference of a shipment (empty: none recorded).
    function bookingOf(bytes32 shipmentId) external view returns (string memory);
}
