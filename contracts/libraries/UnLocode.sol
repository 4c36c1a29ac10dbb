// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

/// @title UN/LOCODE structure check
/// @notice A UN/LOCODE is the ISO 3166-1 alpha-2 country code (two letters A-Z) followed by a three-character
/// location code of letters A-Z or digits 2-9 (the UNECE code list never uses 0 and 1, which read like O and I).
/// @dev The chain checks structure only; the backend also checks the country against ISO 3166-1 before sending.
library UnLocode {
    /// @notice Whether `code` is a structurally valid UN/LOCODE such as `CNSHK` (Shekou) or `CNSUD` (Shunde).
    function isValid(bytes5 code) internal pure returns (bool) {
        for (uint256 i = 0; i < 5; ++i) {
            bytes1 c = code[i];
            bool letter = c >= "A" && c <= "Z";
            if (i < 2) {
                if (!letter) return false;
            } else if (!letter && !(c >= "2" && c <= "9")) {
                return false;
            }
        }
        return true;
    }
}
