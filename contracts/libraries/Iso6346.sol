// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

/// @title ISO 6346 container numbers
/// @notice An ISO 6346 number is an owner code (3 letters), an equipment category (U, J or Z), a 6-digit serial
/// number and a check digit, e.g. `CSQU3054383`. The check digit is the sum of the first ten characters' values
/// (digits as they are, letters 10-38 skipping multiples of 11) times 2^position, modulo 11, with 10 read as 0.
library Iso6346 {
    /// @notice Whether `number` is a well-formed ISO 6346 container number with a correct check digit.
    function isValid(bytes11 number) internal pure returns (bool) {
        uint256 sum = 0;
        for (uint256 i = 0; i < 10; ++i) {
            uint8 c = uint8(number[i]);
            uint256 value;
            if (i < 4) {
                if (c < 0x41 || c > 0x5A) return false; // A-Z
                if (i == 3 && c != 0x55 && c != 0x4A && c != 0x5A) return false; // U, J or Z
                value = _letterValue(c);
            } else {
                if (c < 0x30 || c > 0x39) return false; // 0-9
                value = c - 0x30;
            }
            sum += value << i;
        }
        uint8 check = uint8(number[10]);
        if (check < 0x30 || check > 0x39) return false;
        return (sum % 11) % 10 == check - 0x30;
    }

    /// @dev A=10, B=12 ... K=21, L=23 ... U=32, V=34 ... Z=38: consecutive values skipping 11, 22 and 33.
    function _letterValue(uint8 c) private pure returns (uint256) {
        uint256 n = uint256(c) - 0x41 + 10;
        return n < 11 ? n : n + (n - 11) / 10 + 1;
    }
}
