// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {ITradeFinanceEscrow} from "../interfaces/ITradeFinanceEscrow.sol";

/// @title Transitions and arithmetic of a financing
/// @notice The escrow keeps roles, storage and token movements; this library keeps what a financing may become and
/// what it owes.
library Financings {
    uint256 internal constant BPS = 10_000;
    /// @notice The largest principal: with any fee up to 100% the amount due still fits in 128 bits.
    uint128 internal constant MAX_AMOUNT = type(uint120).max;

    /// @notice Bit `1 << state`, as the `expected` bitmap of `EscrowUnexpectedState` has it.
    function bit(ITradeFinanceEscrow.FinancingState state) internal pure returns (uint256) {
        return 1 << uint8(state);
    }

    /// @notice Revert unless the financing exists and is in one of the `expected` states (a bitmap of `bit`).
    function expect(ITradeFinanceEscrow.Financing storage f, uint256 id, uint256 expected) internal view {
        ITradeFinanceEscrow.FinancingState current = f.state;
        if (current == ITradeFinanceEscrow.FinancingState.None) revert ITradeFinanceEscrow.EscrowUnknownFinancing(id);
        if (bit(current) & expected == 0) revert ITradeFinanceEscrow.EscrowUnexpectedState(id, current, expected);
    }

    /// @notice Move the financing to `state`, with its event.
    function moveTo(ITradeFinanceEscrow.Financing storage f, uint256 id, ITradeFinanceEscrow.FinancingState state)
        internal
    {
        ITradeFinanceEscrow.FinancingState previous = f.state;
        f.state = state;
        emit ITradeFinanceEscrow.FinancingStateChanged(id, previous, state);
    }

    /// @notice Store offered terms (checked by `checkTerms`) and the financier.
    function setTerms(ITradeFinanceEscrow.Financing storage f, ITradeFinanceEscrow.Terms calldata t, address financier)
        internal
    {
        f.financier = financier;
        f.token = t.token;
        f.amount = t.amount;
        f.feeBps = t.feeBps;
        f.condition = t.condition;
        f.fundBy = t.fundBy;
        f.releaseBy = t.releaseBy;
        f.maturity = t.maturity;
    }

    /// @notice Revert unless `t` are terms the product can be offered on: a principal, a fee up to `maxFeeBps`, a
    /// condition of the product, and deadlines now <= fundBy <= releaseBy < maturity <= now + maxTenor.
    function checkTerms(
        ITradeFinanceEscrow.Terms calldata t,
        ITradeFinanceEscrow.Product product,
        uint16 maxFeeBps,
        uint256 maxTenor
    ) internal view {
        if (t.amount == 0 || t.amount > MAX_AMOUNT) revert ITradeFinanceEscrow.EscrowInvalidAmount();
        if (t.feeBps > maxFeeBps) revert ITradeFinanceEscrow.EscrowFeeTooHigh(t.feeBps, maxFeeBps);
        bool conditionFits = product == ITradeFinanceEscrow.Product.TaxRebate
            ? t.condition == ITradeFinanceEscrow.Condition.Cleared
            : t.condition != ITradeFinanceEscrow.Condition.None;
        if (!conditionFits) revert ITradeFinanceEscrow.EscrowInvalidCondition(product, t.condition);
        if (
            t.fundBy < block.timestamp || t.releaseBy < t.fundBy || t.maturity <= t.releaseBy
                || t.maturity > block.timestamp + maxTenor
        ) revert ITradeFinanceEscrow.EscrowInvalidDeadlines(t.fundBy, t.releaseBy, t.maturity);
    }

    /// @notice Record what arrived when funded and what repays it: `funded` plus the fee on it, rounded up (in the
    /// financier's favour, by at most one unit).
    function recordFunding(ITradeFinanceEscrow.Financing storage f, uint128 funded) internal {
        f.funded = funded;
        f.due = funded + fee(funded, f.feeBps);
    }

    /// @notice `amount * bps / 10_000`, rounded up; it fits in 128 bits since `bps` is at most 10,000.
    function fee(uint128 amount, uint16 bps) internal pure returns (uint128) {
        return uint128(Math.mulDiv(amount, bps, BPS, Math.Rounding.Ceil));
    }

    /// @notice What is still to be repaid.
    function outstanding(ITradeFinanceEscrow.Financing storage f) internal view returns (uint128) {
        return f.repaid >= f.due ? 0 : f.due - f.repaid;
    }
}
