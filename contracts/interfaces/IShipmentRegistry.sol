// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

/// @title PortLink shipment registry
/// @notice The tamper-proof logistics record: consignments between consortium ports, their containers (ISO 6346),
/// DCSA Track & Trace milestones, anchored documents, and the automatic cross-check of declared against observed
/// weight and seals at gate-in.
/// @dev A shipment's id is its canonical business key, `keccak256(abi.encode(carrier, transportDocumentReference))`:
/// one transport document (B/L) of one carrier is one shipment, forever. Since whoever registers a B/L first holds
/// that key (and with it the right to finance the shipment), the carrier that issued the B/L binds it to its
/// shipper: the shipper registers with the carrier's EIP-712 `BillOfLading` attestation (domain from ERC-5267
/// `eip712Domain()`), which names the shipper, consignee, ports and container numbers. Equipment milestones (GTIN, LOAD, DISC,
/// GTOT) are recorded per container and move the shipment on once every container has had them; transport
/// milestones (DEPA, ARRI) are recorded once per shipment by its carrier.
interface IShipmentRegistry {
    // ------------------------------------------------------------------ types

    /// @notice Where a shipment is. It only moves forward, one state at a time.
    enum ShipmentState {
        None,
        Registered,
        GatedIn,
        Loaded,
        Departed,
        Arrived,
        Discharged,
        GatedOut
    }

    /// @notice DCSA Track & Trace 2.2 event codes PortLink records.
    enum Milestone {
        None,
        GTIN,
        LOAD,
        DEPA,
        ARRI,
        DISC,
        GTOT
    }

    /// @notice Documents that can be anchored to a shipment.
    enum DocumentType {
        None,
        BillOfLading,
        CommercialInvoice,
        PackingList,
        CertificateOfOrigin,
        CustomsDeclaration
    }

    /// @notice What a gate-in cross-check found (a bit each in `Container.discrepancies`).
    enum DiscrepancyKind {
        None,
        Weight,
        Seals
    }

    /// @notice A container as the shipper declares it.
    struct ContainerInput {
        /// @dev ISO 6346 number in ASCII, e.g. "CSQU3054383".
        bytes11 number;
        uint32 declaredGrossKg;
        /// @dev Seal numbers, upper-case ASCII left-aligned, strictly ascending (the backend sorts them).
        bytes16[] seals;
    }

    /// @notice What a shipper registers.
    struct Registration {
        address consignee;
        address carrier;
        bytes5 originPort;
        bytes5 destinationPort;
        /// @dev The carrier's transport document (B/L) number: 1-20 characters A-Z and 0-9 (DCSA
        /// transportDocumentReference), normalised by the backend so that one B/L has one spelling.
        string transportDocumentReference;
        /// @dev Digest of the commercial documents at registration.
        bytes32 documentsDigest;
        ContainerInput[] containers;
    }

    /// @notice A registered shipment.
    struct Shipment {
        ShipmentState state;
        bytes5 originPort;
        bytes5 destinationPort;
        uint16 containerCount;
        /// @dev Containers that have had the equipment milestone leading out of the current state.
        uint16 containersAdvanced;
        /// @dev Containers with an uncleared discrepancy; the shipment is held while it is not zero.
        uint16 containersHeld;
        uint64 registeredAt;
        address shipper;
        address consignee;
        address carrier;
        bytes32 documentsDigest;
    }

    /// @notice A container of a shipment.
    struct Container {
        bytes11 number;
        uint32 declaredGrossKg;
        uint32 observedGrossKg;
        /// @dev Bits `1 << DiscrepancyKind` of uncleared discrepancies.
        uint8 discrepancies;
        /// @dev The last shipment state this container reached by its own equipment milestone.
        ShipmentState state;
        bytes32 sealsDigest;
    }

    /// @notice Where and by whom a document digest was anchored.
    struct DocumentAnchor {
        bytes32 shipmentId;
        DocumentType docType;
        uint32 version;
        uint64 anchoredAt;
        address anchoredBy;
    }

    // ------------------------------------------------------------------ errors

    /// @notice A constructor argument is the zero address.
    error ShipmentZeroAddress();
    /// @notice `account` lacks `role` (at `port`, or globally when `port` is zero) for this action.
    error ShipmentUnauthorized(address account, bytes32 role, bytes5 port);
    /// @notice Only the shipment's own carrier may record its transport events.
    error ShipmentNotCarrier(bytes32 shipmentId, address account);
    /// @notice The port is not a consortium port.
    error ShipmentUnknownPort(bytes5 port);
    /// @notice Origin and destination are the same port.
    error ShipmentSamePorts(bytes5 port);
    /// @notice The consignee or carrier does not hold the role the registration names it in.
    error ShipmentInvalidParty(address account, bytes32 role);
    /// @notice The transport document reference is empty, longer than 20 or not A-Z/0-9.
    error ShipmentInvalidTransportDocument(string transportDocumentReference);
    /// @notice This carrier's transport document is already registered (business keys never repeat).
    error ShipmentAlreadyRegistered(bytes32 shipmentId);
    /// @notice The carrier's attestation expired at `deadline`.
    error ShipmentExpiredAttestation(uint256 deadline);
    /// @notice The signature is not the carrier's `BillOfLading` attestation of this registration by this shipper
    /// (malformed, another signer, another shipper, consignee, port or container list, or an ERC-1271 wallet that
    /// did not return the magic value).
    error ShipmentInvalidCarrierSignature(bytes32 shipmentId, address carrier);
    /// @notice A shipment has 1 to `MAX_CONTAINERS` containers.
    error ShipmentContainerCount(uint256 count, uint256 max);
    /// @notice Not a valid ISO 6346 number (format or check digit).
    error ShipmentInvalidContainerNumber(bytes11 number);
    /// @notice The container is already in an open shipment (or twice in this one).
    error ShipmentContainerInUse(bytes11 number, bytes32 shipmentId);
    /// @notice A declared or observed weight of zero.
    error ShipmentInvalidWeight(bytes11 number);
    /// @notice Seals must be 1 to `MAX_SEALS` non-empty numbers in strictly ascending order.
    error ShipmentInvalidSeals(bytes11 number);
    /// @notice No shipment with this id.
    error ShipmentUnknown(bytes32 shipmentId);
    /// @notice No container at this index of the shipment.
    error ShipmentUnknownContainer(bytes32 shipmentId, uint256 index);
    /// @notice The milestone does not follow from where the shipment (and the container) are. `expected` has bit
    /// `1 << state` set for each state the milestone may be recorded in.
    error ShipmentUnexpectedState(bytes32 shipmentId, Milestone milestone, ShipmentState current, uint256 expected);
    /// @notice The container already had this milestone.
    error ShipmentContainerAlreadyAdvanced(bytes32 shipmentId, uint256 index, Milestone milestone);
    /// @notice The shipment is held (uncleared discrepancies) and cannot progress.
    error ShipmentOnHold(bytes32 shipmentId, uint256 containersHeld);
    /// @notice The container has no discrepancy to clear.
    error ShipmentNoDiscrepancy(bytes32 shipmentId, uint256 index);
    /// @notice A clearance needs a reason.
    error ShipmentEmptyReason();
    /// @notice The digest is zero or the document type None.
    error ShipmentInvalidDocument(bytes32 digest, DocumentType docType);
    /// @notice This exact document was anchored before (to `shipmentId`).
    error ShipmentDocumentAlreadyAnchored(bytes32 digest, bytes32 shipmentId);
    /// @notice The account may not anchor documents to this shipment.
    error ShipmentNotDocumentParty(bytes32 shipmentId, address account);

    // ------------------------------------------------------------------ events

    /// @notice A shipment was registered.
    event ShipmentRegistered(
        bytes32 indexed shipmentId,
        address indexed shipper,
        address indexed carrier,
        address consignee,
        bytes5 originPort,
        bytes5 destinationPort,
        string transportDocumentReference,
        bytes32 documentsDigest,
        uint256 containerCount
    );
    /// @notice A container of a shipment, as declared.
    event ContainerRegistered(
        bytes32 indexed shipmentId, uint256 index, bytes11 indexed number, uint32 declaredGrossKg, bytes16[] seals
    );
    /// @notice An equipment milestone of one container (GTIN, LOAD, DISC, GTOT). `observedGrossKg` and `seals` are
    /// set for GTIN only.
    event EquipmentEventRecorded(
        bytes32 indexed shipmentId,
        uint256 index,
        Milestone indexed milestone,
        bytes5 port,
        address indexed recordedBy,
        uint32 observedGrossKg,
        bytes16[] seals
    );
    /// @notice A transport milestone of the shipment (DEPA, ARRI).
    event TransportEventRecorded(
        bytes32 indexed shipmentId, Milestone indexed milestone, bytes5 port, address indexed recordedBy
    );
    /// @notice The shipment moved to `state`.
    event ShipmentStateChanged(bytes32 indexed shipmentId, ShipmentState previous, ShipmentState state);
    /// @notice Gate-in found observed data that differs from the declaration. For weights `declared`/`observed`
    /// are kilograms; for seals they are the digests of the declared and observed seal lists.
    event DiscrepancyRaised(
        bytes32 indexed shipmentId, uint256 index, DiscrepancyKind indexed kind, bytes32 declared, bytes32 observed
    );
    /// @notice The shipment is held for customs.
    event ShipmentHeld(bytes32 indexed shipmentId, uint256 containersHeld);
    /// @notice Customs cleared a container's discrepancies.
    event DiscrepancyCleared(bytes32 indexed shipmentId, uint256 index, address indexed clearedBy, string reason);
    /// @notice The last hold of the shipment was cleared.
    event ShipmentReleased(bytes32 indexed shipmentId);
    /// @notice A document was anchored (a new version if the type was anchored before).
    event DocumentAnchored(
        bytes32 indexed shipmentId, DocumentType indexed docType, bytes32 indexed digest, uint32 version, address by
    );

    // ------------------------------------------------------------------ registration

    /// @notice Register a shipment. Caller: a SHIPPER, holding the carrier's attestation: `carrierSignature` is the
    /// carrier's EIP-712 signature of `BillOfLading(carrier, transportDocumentReference, shipper (the caller),
    /// consignee, originPort, destinationPort, containers (their ISO 6346 numbers, in order), deadline)`, from its
    /// key (ECDSA) or its contract wallet (ERC-1271), valid until `deadline`. Returns the id (the business key).
    function register(Registration calldata registration, uint256 deadline, bytes calldata carrierSignature)
        external
        returns (bytes32 shipmentId);

    // ------------------------------------------------------------------ milestones

    /// @notice GTIN: the container passed the origin gate with this weighbridge weight and these seals. Caller: a
    /// TERMINAL of the origin port. A weight outside the governed tolerance or other seals hold the shipment.
    function gateIn(bytes32 shipmentId, uint256 index, uint32 observedGrossKg, bytes16[] calldata seals) external;

    /// @notice LOAD: the container was loaded at origin. Caller: a TERMINAL of the origin port.
    function load(bytes32 shipmentId, uint256 index) external;

    /// @notice DEPA: the vessel left the origin port. Caller: the shipment's carrier.
    function depart(bytes32 shipmentId) external;

    /// @notice ARRI: the vessel arrived at the destination port. Caller: the shipment's carrier.
    function arrive(bytes32 shipmentId) external;

    /// @notice DISC: the container was discharged at destination. Caller: a TERMINAL of the destination port.
    function discharge(bytes32 shipmentId, uint256 index) external;

    /// @notice GTOT: the container left the destination gate. Caller: a TERMINAL of the destination port.
    function gateOut(bytes32 shipmentId, uint256 index) external;

    /// @notice Clear a container's discrepancies after inspection. Caller: CUSTOMS of the origin port.
    function clearDiscrepancy(bytes32 shipmentId, uint256 index, string calldata reason) external;

    // ------------------------------------------------------------------ documents

    /// @notice Anchor a document's digest (keccak-256 of its bytes) to a shipment. Caller: the shipment's shipper or
    /// carrier, or CUSTOMS of its origin or destination port. Anchoring the same type again adds a version.
    function anchorDocument(bytes32 shipmentId, DocumentType docType, bytes32 digest) external;

    // ------------------------------------------------------------------ reads

    /// @notice The consortium registry asked for roles and the weight tolerance.
    function consortium() external view returns (address);

    /// @notice The EIP-712 hash the carrier signs to let `shipper` register `registration` until `deadline` (what
    /// `eth_signTypedData_v4` signs).
    function billOfLadingDigest(Registration calldata registration, address shipper, uint256 deadline)
        external
        view
        returns (bytes32);

    /// @notice The id of a carrier's transport document: `keccak256(abi.encode(carrier, reference))`.
    function shipmentIdOf(address carrier, string calldata transportDocumentReference)
        external
        pure
        returns (bytes32);

    /// @notice A shipment (state `None` if unknown).
    function getShipment(bytes32 shipmentId) external view returns (Shipment memory);

    /// @notice A container of a shipment.
    function getContainer(bytes32 shipmentId, uint256 index) external view returns (Container memory);

    /// @notice Whether the shipment is held (uncleared discrepancies).
    function isHeld(bytes32 shipmentId) external view returns (bool);

    /// @notice The open shipment a container is in, or zero.
    function shipmentOfContainer(bytes11 number) external view returns (bytes32);

    /// @notice Whether, when, by whom and to what a document digest was anchored, and whether it is the latest
    /// version of its type for that shipment. `anchor.shipmentId` is zero if it was never anchored.
    function verifyDocument(bytes32 digest) external view returns (DocumentAnchor memory anchor, bool isLatest);

    /// @notice The latest anchored digest of a document type for a shipment and its version (0 if none).
    function latestDocument(bytes32 shipmentId, DocumentType docType)
        external
        view
        returns (bytes32 digest, uint32 version);
}
