// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

/// @title The consortium's roles and governance parameter keys
/// @notice One source for the ids every PortLink contract checks against the registry.
library ConsortiumRoles {
    // Held per port: the registry stores them as `keccak256(abi.encode(role, port))`.
    bytes32 internal constant PORT_AUTHORITY = keccak256("PORT_AUTHORITY");
    bytes32 internal constant CUSTOMS = keccak256("CUSTOMS");
    bytes32 internal constant TERMINAL = keccak256("TERMINAL");
    // Held globally.
    bytes32 internal constant CARRIER = keccak256("CARRIER");
    bytes32 internal constant SHIPPER = keccak256("SHIPPER");
    bytes32 internal constant CONSIGNEE = keccak256("CONSIGNEE");
    bytes32 internal constant FINANCIER = keccak256("FINANCIER");
    bytes32 internal constant TAX_AUTHORITY = keccak256("TAX_AUTHORITY");
    bytes32 internal constant IOT_GATEWAY = keccak256("IOT_GATEWAY");
    bytes32 internal constant AUDITOR = keccak256("AUDITOR");
    /// @dev Mints (and redeems) the consortium's settlement token.
    bytes32 internal constant SETTLEMENT_ISSUER = keccak256("SETTLEMENT_ISSUER");

    /// @notice Seconds a governance proposal stays open for votes (default 7 days, 1 hour to 90 days).
    bytes32 internal constant PROPOSAL_LIFETIME = keccak256("portlink.governance.proposalLifetime");
    /// @notice Tolerance between declared and weighbridge weight in basis points (default 500, at most 10,000).
    bytes32 internal constant WEIGHT_TOLERANCE_BPS = keccak256("portlink.shipments.weightToleranceBps");
    /// @notice Prefix of the per-token allowlist keys of the escrow (see `settlementTokenKey`).
    bytes32 internal constant SETTLEMENT_TOKEN = keccak256("portlink.escrow.settlementToken");
    /// @notice `settlementTokenKey(token)` set to this value: the escrow accepts the token.
    uint256 internal constant TOKEN_ALLOWED = 1;
    /// @notice `settlementTokenKey(token)` set to this value: the escrow refuses the token, even the one it was
    /// deployed with.
    uint256 internal constant TOKEN_REFUSED = 2;

    /// @notice The governance parameter that lists (`TOKEN_ALLOWED`) or delists (`TOKEN_REFUSED`) `token`.
    function settlementTokenKey(address token) internal pure returns (bytes32) {
        return keccak256(abi.encode(SETTLEMENT_TOKEN, token));
    }

    /// @notice Whether `role` is held per port (port authority, customs, terminal).
    function isPortScoped(bytes32 role) internal pure returns (bool) {
        return role == PORT_AUTHORITY || role == CUSTOMS || role == TERMINAL;
    }

    /// @notice Whether `role` is one of the consortium roles.
    function isKnown(bytes32 role) internal pure returns (bool) {
        return isPortScoped(role) || role == CARRIER || role == SHIPPER || role == CONSIGNEE || role == FINANCIER
            || role == TAX_AUTHORITY || role == IOT_GATEWAY || role == AUDITOR || role == SETTLEMENT_ISSUER;
    }
}
