// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

import {ICustomsClearance} from "../interfaces/ICustomsClearance.sol";
import {CustomsCodes} from "./CustomsCodes.sol";

/// @title Transitions of a combined customs declaration
/// @notice CustomsClearance keeps roles, brokers, signatures, nonces and storage, and asks the shipment registry
/// and the IoT monitor what holds a shipment; this library keeps what a declaration may become: filing,
/// amendments, decisions, customs holds and clearance, each with its event.
/// @dev Uniswap v4 style: internal functions over the storage struct, so the contract reads as
/// `d.record(...)`. `msg.sender` in these functions is the caller of the contract.
library Declarations {
    /// @notice Bit `1 << state`, as the `expected` bitmap of `ClearanceUnexpectedState` has it.
    function bit(ICustomsClearance.DeclarationState state) internal pure returns (uint256) {
        return 1 << uint8(state);
    }

    /// @notice Revert unless the declaration is in one of the `expected` states (a bitmap of `bit`).
    function expect(ICustomsClearance.Declaration storage d, bytes32 id, uint256 expected) internal view {
        ICustomsClearance.DeclarationState current = d.state;
        if (bit(current) & expected == 0) revert ICustomsClearance.ClearanceUnexpectedState(id, current, expected);
    }

    /// @notice Whether `port` is the declaration's origin (true) or destination (false); reverts for another port.
    function side(ICustomsClearance.Declaration storage d, bytes32 id, bytes5 port) internal view returns (bool) {
        if (port == d.originPort) return true;
        if (port == d.destinationPort) return false;
        revert ICustomsClearance.ClearanceNotDeclarationPort(id, port);
    }

    /// @notice Revert unless `port` is the declaration's origin or destination.
    function checkPort(ICustomsClearance.Declaration storage d, bytes32 id, bytes5 port) internal view {
        side(d, id, port);
    }

    /// @notice Revert unless the declaration data is well formed: a digest, 1 to `maxHsCodes` valid HS codes in
    /// strictly ascending order, a customs value and an ISO 4217 currency.
    function checkData(
        bytes32 digest,
        bytes6[] calldata hsCodes,
        uint128 customsValue,
        bytes3 currency,
        uint256 maxHsCodes
    ) internal pure {
        if (digest == bytes32(0)) revert ICustomsClearance.ClearanceInvalidDigest();
        uint256 count = hsCodes.length;
        if (count == 0 || count > maxHsCodes) revert ICustomsClearance.ClearanceHsCodeCount(count, maxHsCodes);
        for (uint256 i = 0; i < count; ++i) {
            if (!CustomsCodes.isValidHsCode(hsCodes[i])) revert ICustomsClearance.ClearanceInvalidHsCode(hsCodes[i]);
            if (i > 0 && hsCodes[i] <= hsCodes[i - 1]) revert ICustomsClearance.ClearanceHsCodesUnordered(hsCodes[i]);
        }
        if (customsValue == 0) revert ICustomsClearance.ClearanceInvalidValue();
        if (!CustomsCodes.isValidCurrency(currency)) revert ICustomsClearance.ClearanceInvalidCurrency(currency);
    }

    /// @notice File version 1 (data checked by `checkData`) for a shipment between `originPort` and
    /// `destinationPort` of `shipper`, filed by the caller.
    function open(
        ICustomsClearance.Declaration storage d,
        bytes32 id,
        bytes5 originPort,
        bytes5 destinationPort,
        address shipper,
        bytes32 digest,
        bytes6[] calldata hsCodes,
        uint128 customsValue,
        bytes3 currency
    ) internal {
        d.state = ICustomsClearance.DeclarationState.Filed;
        d.version = 1;
        d.originPort = originPort;
        d.destinationPort = destinationPort;
        d.shipper = shipper;
        _setData(d, digest, customsValue, currency);
        emit ICustomsClearance.DeclarationFiled(id, msg.sender, 1, digest, hsCodes, customsValue, currency);
        emit ICustomsClearance.DeclarationStateChanged(
            id, ICustomsClearance.DeclarationState.None, ICustomsClearance.DeclarationState.Filed
        );
    }

    /// @notice Revert unless the declaration may be amended: Filed with no decision on the current version, or
    /// Rejected.
    function checkAmendable(ICustomsClearance.Declaration storage d, bytes32 id) internal view {
        ICustomsClearance.DeclarationState current = d.state;
        if (current == ICustomsClearance.DeclarationState.Filed) {
            if (
                d.originDecision != ICustomsClearance.Decision.None
                    || d.destinationDecision != ICustomsClearance.Decision.None
            ) revert ICustomsClearance.ClearanceAmendmentLocked(id, d.version);
        } else if (current != ICustomsClearance.DeclarationState.Rejected) {
            revert ICustomsClearance.ClearanceUnexpectedState(
                id,
                current,
                bit(ICustomsClearance.DeclarationState.Filed) | bit(ICustomsClearance.DeclarationState.Rejected)
            );
        }
    }

    /// @notice File the next version (checked by `checkAmendable` and `checkData`), filed by the caller: both
    /// decisions start again from nothing. Returns the new version.
    function amend(
        ICustomsClearance.Declaration storage d,
        bytes32 id,
        bytes32 digest,
        bytes6[] calldata hsCodes,
        uint128 customsValue,
        bytes3 currency
    ) internal returns (uint32 version) {
        ICustomsClearance.DeclarationState previous = d.state;
        version = d.version + 1;
        d.version = version;
        d.state = ICustomsClearance.DeclarationState.Filed;
        d.originDecision = ICustomsClearance.Decision.None;
        d.destinationDecision = ICustomsClearance.Decision.None;
        d.originOfficer = address(0);
        d.destinationOfficer = address(0);
        _setData(d, digest, customsValue, currency);
        emit ICustomsClearance.DeclarationFiled(id, msg.sender, version, digest, hsCodes, customsValue, currency);
        if (previous != ICustomsClearance.DeclarationState.Filed) {
            emit ICustomsClearance.DeclarationStateChanged(id, previous, ICustomsClearance.DeclarationState.Filed);
        }
    }

    /// @notice Revert unless `officer` (checked for CUSTOMS of `port` by the caller) may make `decision` for the
    /// side `origin` now: a decision with its reason, not by a party of the declaration (`isParty`: the shipper,
    /// the filer of the version or a broker of the shipper), not decided already, not the other side's officer.
    function checkDecision(
        ICustomsClearance.Declaration storage d,
        bytes32 id,
        bytes5 port,
        bool origin,
        ICustomsClearance.Decision decision,
        bytes32 reasonCode,
        address officer,
        bool isParty
    ) internal view {
        if (decision == ICustomsClearance.Decision.None) revert ICustomsClearance.ClearanceInvalidDecision();
        if (decision == ICustomsClearance.Decision.Reject && reasonCode == bytes32(0)) {
            revert ICustomsClearance.ClearanceReasonRequired();
        }
        if (isParty) revert ICustomsClearance.ClearanceSelfDecision(id, officer);
        ICustomsClearance.Decision current = origin ? d.originDecision : d.destinationDecision;
        // Approval is final for the version (a rejection already left the Filed state); an inspection request may be
        // followed by approval or rejection, not by another request.
        if (current == ICustomsClearance.Decision.Approve || current == decision) {
            revert ICustomsClearance.ClearanceAlreadyDecided(id, port, current);
        }
        if (officer == (origin ? d.destinationOfficer : d.originOfficer)) {
            revert ICustomsClearance.ClearanceSameOfficer(id, officer);
        }
    }

    /// @notice Record `officer`'s decision (checked by `checkDecision`) for the side `origin`; a rejection moves the
    /// declaration to Rejected.
    function record(
        ICustomsClearance.Declaration storage d,
        bytes32 id,
        bytes5 port,
        bool origin,
        ICustomsClearance.Decision decision,
        bytes32 reasonCode,
        address officer
    ) internal {
        if (origin) {
            d.originDecision = decision;
            d.originOfficer = officer;
        } else {
            d.destinationDecision = decision;
            d.destinationOfficer = officer;
        }
        d.updatedAt = uint64(block.timestamp);
        emit ICustomsClearance.DecisionRecorded(id, port, officer, d.version, decision, reasonCode, msg.sender);
        if (decision == ICustomsClearance.Decision.Reject) {
            d.state = ICustomsClearance.DeclarationState.Rejected;
            emit ICustomsClearance.DeclarationStateChanged(
                id, ICustomsClearance.DeclarationState.Filed, ICustomsClearance.DeclarationState.Rejected
            );
        }
    }

    /// @notice Place (`held` true) or release the customs hold of the side `origin`, by the caller.
    function setHold(
        ICustomsClearance.Declaration storage d,
        bytes32 id,
        bytes5 port,
        bool origin,
        bool held,
        bytes32 reasonCode
    ) internal {
        bool current = origin ? d.originHold : d.destinationHold;
        if (held && current) revert ICustomsClearance.ClearanceAlreadyHeld(id, port);
        if (!held && !current) revert ICustomsClearance.ClearanceNotHeld(id, port);
        if (origin) d.originHold = held;
        else d.destinationHold = held;
        d.updatedAt = uint64(block.timestamp);
        if (held) emit ICustomsClearance.HoldPlaced(id, port, msg.sender, reasonCode);
        else emit ICustomsClearance.HoldReleased(id, port, msg.sender);
    }

    /// @notice Whether the declaration is Filed with both approvals on the current version.
    function approved(ICustomsClearance.Declaration storage d) internal view returns (bool) {
        return d.state == ICustomsClearance.DeclarationState.Filed
            && d.originDecision == ICustomsClearance.Decision.Approve
            && d.destinationDecision == ICustomsClearance.Decision.Approve;
    }

    /// @notice Whether a customs hold of either side holds the shipment.
    function customsHeld(ICustomsClearance.Declaration storage d) internal view returns (bool) {
        return d.originHold || d.destinationHold;
    }

    /// @notice Clear the goods (checked by the caller: approved, nothing holds them). Final.
    function clear(ICustomsClearance.Declaration storage d, bytes32 id) internal {
        d.state = ICustomsClearance.DeclarationState.Cleared;
        d.updatedAt = uint64(block.timestamp);
        emit ICustomsClearance.DeclarationStateChanged(
            id, ICustomsClearance.DeclarationState.Filed, ICustomsClearance.DeclarationState.Cleared
        );
        emit ICustomsClearance.DeclarationCleared(id, d.version, d.originOfficer, d.destinationOfficer);
    }

    // ------------------------------------------------------------------ private

    function _setData(ICustomsClearance.Declaration storage d, bytes32 digest, uint128 customsValue, bytes3 currency)
        private
    {
        d.digest = digest;
        d.customsValue = customsValue;
        d.currency = currency;
        d.filer = msg.sender;
        d.updatedAt = uint64(block.timestamp);
    }
}
