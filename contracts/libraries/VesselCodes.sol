// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

/// @title Vessel and voyage codes of DCSA Track & Trace
/// @notice Structure checks for what a carrier records of a vessel call: the IMO ship identification number (seven
/// digits, the last a check digit), voyage numbers, the carrier's service code and booking references.
library VesselCodes {
    /// @notice The longest voyage number (DCSA `exportVoyageNumber`, `importVoyageNumber`).
    uint256 internal constant MAX_VOYAGE_LENGTH = 50;
    /// @notice The longest vessel name (DCSA `vesselName`).
    uint256 internal constant MAX_VESSEL_NAME_LENGTH = 35;
    /// @notice The longest carrier booking reference (DCSA `carrierBookingReference`).
    uint256 internal constant MAX_BOOKING_LENGTH = 35;
    /// @notice The longest carrier service code (DCSA `carrierServiceCode`).
    uint256 internal constant MAX_SERVICE_CODE_LENGTH = 5;

    /// @notice Whether `imo` is an IMO number: seven digits whose last is the check digit, the sum of the first six
    /// weighted 7, 6, 5, 4, 3, 2, modulo 10 (`9321483`: 9*7 + 3*6 + 2*5 + 1*4 + 4*3 + 8*2 = 123, check digit 3).
    function isImoNumber(uint32 imo) internal pure returns (bool) {
        if (imo < 1_000_000 || imo > 9_999_999) return false;
        uint256 rest = imo / 10;
        uint256 sum = 0;
        for (uint256 weight = 2; weight <= 7; ++weight) {
            sum += (rest % 10) * weight;
            rest /= 10;
        }
        return sum % 10 == imo % 10;
    }

    /// @notice Whether `value` has 1 to `maxLength` characters, each A-Z, 0-9 or (with `dash`) a hyphen: one
    /// reference has exactly one spelling on chain.
    function isReference(string calldata value, uint256 maxLength, bool dash) internal pure returns (bool) {
        bytes calldata b = bytes(value);
        if (b.length == 0 || b.length > maxLength) return false;
        for (uint256 i = 0; i < b.length; ++i) {
            if (!_isUpperAlnum(b[i]) && !(dash && b[i] == "-")) return false;
        }
        return true;
    }

    /// @notice Whether `name` has at most `MAX_VESSEL_NAME_LENGTH` printable ASCII characters (may be empty).
    function isVesselName(string calldata name) internal pure returns (bool) {
        bytes calldata b = bytes(name);
        if (b.length > MAX_VESSEL_NAME_LENGTH) return false;
        for (uint256 i = 0; i < b.length; ++i) {
            if (b[i] < 0x20 || b[i] > 0x7E) return false;
        }
        return true;
    }

    function _isUpperAlnum(bytes1 c) private pure returns (bool) {
        return (c >= "A" && c <= "Z") || (c >= "0" && c <= "9");
    }
}
