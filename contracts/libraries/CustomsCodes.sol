// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

/// @title Customs code structure checks
/// @notice Harmonized System (HS) subheadings and ISO 4217 currency codes as a declaration carries them.
/// @dev The chain checks structure only; the backend checks the same rules before sending (portlink.domain.customs).
library CustomsCodes {
    /// @notice Whether `code` is a 6-digit HS subheading in ASCII ("850440") of chapter 01-97, chapter 77 excepted
    /// (reserved by the WCO for future use; 98 and 99 are for national use and not part of the international code).
    function isValidHsCode(bytes6 code) internal pure returns (bool) {
        for (uint256 i = 0; i < 6; ++i) {
            if (code[i] < "0" || code[i] > "9") return false;
        }
        uint256 chapter = (uint8(code[0]) - 0x30) * 10 + (uint8(code[1]) - 0x30);
        return chapter >= 1 && chapter <= 97 && chapter != 77;
    }

    /// @notice Whether `currency` is three upper-case ASCII letters, the shape of an ISO 4217 alphabetic code.
    function isValidCurrency(bytes3 currency) internal pure returns (bool) {
        for (uint256 i = 0; i < 3; ++i) {
            if (currency[i] < "A" || currency[i] > "Z") return false;
        }
        return true;
    }
}
