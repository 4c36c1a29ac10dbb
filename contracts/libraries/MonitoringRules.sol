// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

import {IIoTMonitor} from "../interfaces/IIoTMonitor.sol";
import {UnLocode} from "./UnLocode.sol";

/// @title The rules a shipment is watched by
/// @notice What breaks a rule, what makes rules consistent, and what loosens them. The IoT monitor keeps devices,
/// gateways, locks and alerts; this library keeps the arithmetic of `IIoTMonitor.Rules`.
library MonitoringRules {
    /// @notice The bits of `Rules.enabled` (and of an alert's `rule`).
    uint8 internal constant TEMPERATURE = 1;
    uint8 internal constant SEAL = 2;
    uint8 internal constant CORRIDOR = 4;
    uint8 internal constant SHOCK = 8;
    uint8 internal constant ALL = TEMPERATURE | SEAL | CORRIDOR | SHOCK;

    /// @notice The rule bit `value` breaks for a reading of `kind`, or 0 if it breaks none of the enabled rules.
    function brokenRule(IIoTMonitor.Rules storage rules, IIoTMonitor.DeviceKind kind, int64 value)
        internal
        view
        returns (uint8)
    {
        uint8 enabled = rules.enabled;
        if (kind == IIoTMonitor.DeviceKind.Temperature) {
            bool outside = value < rules.minTemperature || value > rules.maxTemperature;
            return enabled & TEMPERATURE != 0 && outside ? TEMPERATURE : 0;
        }
        if (kind == IIoTMonitor.DeviceKind.Seal) return enabled & SEAL != 0 && value != 1 ? SEAL : 0;
        if (kind == IIoTMonitor.DeviceKind.Shock) return enabled & SHOCK != 0 && value > rules.maxShock ? SHOCK : 0;
        // Position: 0 is "in no geofence" (under way on the corridor); anything else must be a listed geofence.
        if (enabled & CORRIDOR == 0 || value == 0) return 0;
        if (value < 0 || value > int64(uint64(type(uint40).max))) return CORRIDOR;
        return _listed(rules.corridor, bytes5(uint40(uint64(value)))) ? 0 : CORRIDOR;
    }

    /// @notice Whether `rules` are consistent: known bits, an ordered temperature range, a positive shock limit,
    /// 1 to `maxCorridor` valid UN/LOCODEs for a corridor rule (at most `maxCorridor` in any case).
    function isValid(IIoTMonitor.Rules calldata rules, uint256 maxCorridor) internal pure returns (bool) {
        uint8 enabled = rules.enabled;
        if (enabled & ~ALL != 0) return false;
        if (enabled & TEMPERATURE != 0 && rules.minTemperature > rules.maxTemperature) return false;
        if (enabled & SHOCK != 0 && rules.maxShock <= 0) return false;
        uint256 count = rules.corridor.length;
        if (count > maxCorridor || (enabled & CORRIDOR != 0 && count == 0)) return false;
        for (uint256 i = 0; i < count; ++i) {
            if (!UnLocode.isValid(rules.corridor[i])) return false;
        }
        return true;
    }

    /// @notice Whether replacing `current` by `next` loosens the monitoring: a rule bit dropped, the temperature
    /// range widened at either end, the shock limit raised, or a geofence added to the corridor. A rule enabled
    /// anew tightens whatever its limits; the limits of a rule that stays disabled do not count.
    function loosens(IIoTMonitor.Rules storage current, IIoTMonitor.Rules calldata next) internal view returns (bool) {
        uint8 was = current.enabled;
        uint8 kept = was & next.enabled;
        if (kept != was) return true;
        if (kept & TEMPERATURE != 0) {
            if (next.minTemperature < current.minTemperature || next.maxTemperature > current.maxTemperature) {
                return true;
            }
        }
        if (kept & SHOCK != 0 && next.maxShock > current.maxShock) return true;
        if (kept & CORRIDOR != 0) {
            bytes5[] storage allowed = current.corridor;
            for (uint256 i = 0; i < next.corridor.length; ++i) {
                if (!_listed(allowed, next.corridor[i])) return true;
            }
        }
        return false;
    }

    function _listed(bytes5[] storage corridor, bytes5 zone) private view returns (bool) {
        for (uint256 i = 0; i < corridor.length; ++i) {
            if (corridor[i] == zone) return true;
        }
        return false;
    }
}
