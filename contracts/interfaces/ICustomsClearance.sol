// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

/// @title PortLink dual-sign customs clearance
/// @notice One combined declaration per shipment replaces the export and the import declaration. Customs of the
/// origin port (export side) and of the destination port (import side) each decide on it; the goods are cleared
/// when both have approved the current version and nothing holds the shipment (a customs hold, a gate-in
/// discrepancy or an open IoT alert).
/// @dev A declaration's id is its shipment's id (one combined declaration per shipment). Decisions are EIP-712
/// typed-data signatures (`Decision`) that anyone may relay, or transactions sent by the officer. The EIP-712
/// domain is the contract's ERC-5267 `eip712Domain()`. Signers are checked when the decision is executed, not when
/// it was signed: an officer whose CUSTOMS role was revoked or who was suspended since cannot be relayed.
interface ICustomsClearance {
    // ------------------------------------------------------------------ types

    /// @notice Where a declaration is.
    /// Filed: open for decisions (and for amendments until the first decision on its version).
    /// Rejected: a customs rejected the current version; only an amendment (a new version) reopens it.
    /// Cleared: both customs approved the current version with nothing holding the shipment. Final.
    enum DeclarationState {
        None,
        Filed,
        Rejected,
        Cleared
    }

    /// @notice What one customs decided on the current version.
    /// An inspection request may be followed by approval or rejection; approval and rejection are final for the
    /// version.
    enum Decision {
        None,
        Approve,
        Reject,
        RequestInspection
    }

    /// @notice A decision as an officer signs it (EIP-712 primary type `Decision`).
    struct DecisionInput {
        bytes32 declarationId;
        /// @dev The version decided on; it must be the current one.
        uint32 version;
        /// @dev The digest of that version's declaration data; it must be the current one.
        bytes32 declarationDigest;
        /// @dev The port whose customs decides: the shipment's origin (export) or destination (import).
        bytes5 port;
        Decision decision;
        /// @dev Required for Reject; optional otherwise.
        bytes32 reasonCode;
        /// @dev The officer: an EOA, or an ERC-1271 wallet, holding CUSTOMS at `port` when the decision executes.
        address officer;
        /// @dev The officer's next nonce in a lane: `key << 64 | sequence` (OpenZeppelin NoncesKeyed).
        uint256 nonce;
        /// @dev Unix time after which the signature is void.
        uint256 deadline;
    }

    /// @notice A declaration.
    struct Declaration {
        DeclarationState state;
        uint32 version;
        Decision originDecision;
        Decision destinationDecision;
        /// @dev Whether customs of the origin / destination port holds the shipment.
        bool originHold;
        bool destinationHold;
        bytes5 originPort;
        bytes5 destinationPort;
        /// @dev ISO 4217 alphabetic code of the customs value, e.g. "CNY".
        bytes3 currency;
        uint64 updatedAt;
        /// @dev The shipment's shipper, and who filed the current version (the shipper or its broker).
        address shipper;
        address filer;
        /// @dev Who made the current decision of each side (zero while it has none).
        address originOfficer;
        address destinationOfficer;
        /// @dev Declared customs value in the currency's minor units (fen, cents).
        uint128 customsValue;
        /// @dev Digest of the current version's declaration data.
        bytes32 digest;
    }

    // ------------------------------------------------------------------ errors

    /// @notice A constructor argument is the zero address.
    error ClearanceZeroAddress();
    /// @notice The IoT monitor names another contract (`monitorCustoms`) as its customs: deploy them as a set.
    error ClearanceMonitorMismatch(address iotMonitor, address monitorCustoms);
    /// @notice `account` lacks `role` (at `port`, or globally when `port` is zero) for this action.
    error ClearanceUnauthorized(address account, bytes32 role, bytes5 port);
    /// @notice The shipment registry has no such shipment.
    error ClearanceUnknownShipment(bytes32 shipmentId);
    /// @notice Only the shipment's shipper, or a broker it authorised, may file or amend its declaration.
    error ClearanceNotFiler(bytes32 declarationId, address account);
    /// @notice A broker must be an active consortium member other than the shipper itself.
    error ClearanceInvalidBroker(address broker);
    /// @notice The shipment has a declaration already (one combined declaration per shipment).
    error ClearanceAlreadyFiled(bytes32 declarationId);
    /// @notice No declaration with this id.
    error ClearanceUnknownDeclaration(bytes32 declarationId);
    /// @notice The declaration digest is zero.
    error ClearanceInvalidDigest();
    /// @notice A declaration lists 1 to `MAX_HS_CODES` HS codes.
    error ClearanceHsCodeCount(uint256 count, uint256 max);
    /// @notice Not a 6-digit HS code of chapter 01-97 (77 is reserved).
    error ClearanceInvalidHsCode(bytes6 code);
    /// @notice HS codes must be strictly ascending (no duplicates); `code` is the first out of order.
    error ClearanceHsCodesUnordered(bytes6 code);
    /// @notice The customs value is zero.
    error ClearanceInvalidValue();
    /// @notice Not three upper-case letters (ISO 4217 alphabetic).
    error ClearanceInvalidCurrency(bytes3 currency);
    /// @notice The action needs another state. `expected` has bit `1 << state` set for each state it is allowed in.
    error ClearanceUnexpectedState(bytes32 declarationId, DeclarationState current, uint256 expected);
    /// @notice A version with decisions on it cannot be amended (unless a customs rejected it).
    error ClearanceAmendmentLocked(bytes32 declarationId, uint32 version);
    /// @notice The decision names another version than the current one.
    error ClearanceStaleVersion(bytes32 declarationId, uint32 version, uint32 current);
    /// @notice The decision names another declaration digest than the current one.
    error ClearanceStaleDigest(bytes32 declarationId, bytes32 digest, bytes32 current);
    /// @notice The port is neither the origin nor the destination of the declaration's shipment.
    error ClearanceNotDeclarationPort(bytes32 declarationId, bytes5 port);
    /// @notice `None` is not a decision.
    error ClearanceInvalidDecision();
    /// @notice A rejection needs a reason code.
    error ClearanceReasonRequired();
    /// @notice This port's customs already approved the current version, or requested inspection twice.
    error ClearanceAlreadyDecided(bytes32 declarationId, bytes5 port, Decision decision);
    /// @notice One officer cannot decide for both ports.
    error ClearanceSameOfficer(bytes32 declarationId, address officer);
    /// @notice An officer cannot decide on a declaration of its own: as the shipper, the filer of the current version,
    /// or a broker the shipper authorised.
    error ClearanceSelfDecision(bytes32 declarationId, address officer);
    /// @notice The signature's deadline has passed.
    error ClearanceExpiredSignature(uint256 deadline);
    /// @notice The signature is not the officer's for this decision (malformed, another signer, another decision,
    /// chain or contract, a malleable twin, or an ERC-1271 wallet that did not return the magic value).
    error ClearanceInvalidSignature(address officer);
    /// @notice This port's customs already holds the shipment.
    error ClearanceAlreadyHeld(bytes32 declarationId, bytes5 port);
    /// @notice This port's customs does not hold the shipment.
    error ClearanceNotHeld(bytes32 declarationId, bytes5 port);
    /// @notice Clearance needs both approvals on the current version.
    error ClearanceApprovalsMissing(bytes32 declarationId, Decision originDecision, Decision destinationDecision);
    /// @notice Something holds the shipment: customs holds (`originHold`, `destinationHold`), uncleared gate-in
    /// discrepancies in the shipment registry (`discrepancies`) or open IoT alerts in the IoT monitor (`alerts`).
    error ClearanceOnHold(
        bytes32 declarationId, bool originHold, bool destinationHold, bool discrepancies, bool alerts
    );

    // ------------------------------------------------------------------ events

    /// @notice A shipper authorised (or stopped authorising) a customs broker to file for it.
    event BrokerSet(address indexed shipper, address indexed broker, bool authorised);
    /// @notice A version of a declaration was filed: version 1 by `file`, each later one by `amend`. A version
    /// replaces every earlier one; decisions must name it.
    event DeclarationFiled(
        bytes32 indexed declarationId,
        address indexed filer,
        uint32 version,
        bytes32 digest,
        bytes6[] hsCodes,
        uint128 customsValue,
        bytes3 currency
    );
    /// @notice Customs of `port` decided on `version`. `submittedBy` sent the transaction (the officer, or a relayer
    /// of the officer's signature).
    event DecisionRecorded(
        bytes32 indexed declarationId,
        bytes5 indexed port,
        address indexed officer,
        uint32 version,
        Decision decision,
        bytes32 reasonCode,
        address submittedBy
    );
    /// @notice The declaration moved to `state`.
    event DeclarationStateChanged(bytes32 indexed declarationId, DeclarationState previous, DeclarationState state);
    /// @notice Customs of `port` holds the shipment.
    event HoldPlaced(bytes32 indexed declarationId, bytes5 indexed port, address indexed officer, bytes32 reasonCode);
    /// @notice Customs of `port` released its hold.
    event HoldReleased(bytes32 indexed declarationId, bytes5 indexed port, address indexed officer);
    /// @notice The goods are cleared: both customs approved `version` and nothing held them.
    event DeclarationCleared(
        bytes32 indexed declarationId, uint32 version, address originOfficer, address destinationOfficer
    );
    /// @notice An officer voided its unused signatures with `nonce`.
    event NonceInvalidated(address indexed officer, uint256 nonce);

    // ------------------------------------------------------------------ filing

    /// @notice Authorise `broker` (an active member) to file and amend declarations for the caller's shipments, or
    /// withdraw that. Caller: a SHIPPER.
    function setBroker(address broker, bool authorised) external;

    /// @notice File the combined declaration of a registered shipment. Caller: the shipment's shipper (holding
    /// SHIPPER) or its broker. HS codes are 6-digit ASCII strings, strictly ascending. Returns the declaration id.
    function file(bytes32 shipmentId, bytes32 digest, bytes6[] calldata hsCodes, uint128 customsValue, bytes3 currency)
        external
        returns (bytes32 declarationId);

    /// @notice Replace the declaration data with a new version. Allowed while no customs has decided on the current
    /// version, or after a rejection. Decisions on earlier versions no longer count. Returns the new version.
    function amend(
        bytes32 declarationId,
        bytes32 digest,
        bytes6[] calldata hsCodes,
        uint128 customsValue,
        bytes3 currency
    ) external returns (uint32 version);

    // ------------------------------------------------------------------ decisions

    /// @notice Decide as the calling officer (CUSTOMS of `port`). Clears the goods if this is the second approval
    /// and nothing holds them.
    function decide(bytes32 declarationId, uint32 version, bytes5 port, Decision decision, bytes32 reasonCode)
        external;

    /// @notice Relay an officer's signed decision; anyone may call. Checks the deadline, the officer's role now,
    /// the signature (ECDSA for an EOA, ERC-1271 for a contract wallet) and consumes the nonce. Clears the goods if
    /// this is the second approval and nothing holds them.
    function decideBySig(DecisionInput calldata input, bytes calldata signature) external;

    /// @notice Void the caller's next nonce in lane `key`, and with it any signature made with that nonce.
    function invalidateNonce(uint192 key) external;

    // ------------------------------------------------------------------ holds and clearance

    /// @notice Hold the shipment. Caller: CUSTOMS of `port` (origin or destination).
    function placeHold(bytes32 declarationId, bytes5 port, bytes32 reasonCode) external;

    /// @notice Release this port's hold; clears the goods if both approvals are in and nothing else holds them.
    /// Caller: CUSTOMS of `port`.
    function releaseHold(bytes32 declarationId, bytes5 port) external;

    /// @notice Clear the goods once both approvals are in and nothing holds them (e.g. after the shipment
    /// registry's discrepancies were cleared). Anyone may call.
    function clear(bytes32 declarationId) external;

    // ------------------------------------------------------------------ reads

    /// @notice The shipment registry (and through it the consortium registry) this contract trusts.
    function shipments() external view returns (address);

    /// @notice The IoT monitor whose open alerts hold a shipment.
    function iotMonitor() external view returns (address);

    /// @notice The EIP-712 hash an officer signs for `input` (what `eth_signTypedData_v4` signs).
    function decisionDigest(DecisionInput calldata input) external view returns (bytes32);

    /// @notice A declaration (state `None` if there is none).
    function getDeclaration(bytes32 declarationId) external view returns (Declaration memory);

    /// @notice Whether the goods are cleared.
    function isCleared(bytes32 declarationId) external view returns (bool);

    /// @notice The state of a declaration (`None` if there is none); Filed and Rejected are open.
    function declarationState(bytes32 declarationId) external view returns (DeclarationState);

    /// @notice Whether `broker` may file for `shipper`.
    function isBroker(address shipper, address broker) external view returns (bool);
}
