// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";

/// @title PortLink settlement token
/// @notice A tokenised Hong Kong dollar deposit for settling trade finance between consortium members: one token
/// unit is one HK cent (2 decimals, as the customs values and the bank's ledger count), minted against deposits by a
/// SETTLEMENT_ISSUER member and burnt when redeemed.
interface ISettlementToken is IERC20Metadata {
    /// @notice The consortium registry given to the constructor is the zero address.
    error SettlementZeroAddress();
    /// @notice `account` lacks the SETTLEMENT_ISSUER role (or is suspended).
    error SettlementNotIssuer(address account);
    /// @notice Minting or redeeming zero is refused (it would only clutter the audit trail).
    error SettlementZeroAmount();

    /// @notice The issuer minted `amount` to `to` against a deposit; `paymentRef` is the bank's booking reference.
    event Minted(address indexed issuer, address indexed to, uint256 amount, bytes32 paymentRef);
    /// @notice The issuer redeemed (burnt) `amount` of its own balance; `paymentRef` is the payout's reference.
    event Redeemed(address indexed issuer, uint256 amount, bytes32 paymentRef);

    /// @notice Mint `amount` to `to`. Caller: a SETTLEMENT_ISSUER.
    function mint(address to, uint256 amount, bytes32 paymentRef) external;

    /// @notice Burn `amount` of the caller's balance when it is paid out in fiat. Caller: a SETTLEMENT_ISSUER (holders
    /// redeem by transferring to the issuer).
    function redeem(uint256 amount, bytes32 paymentRef) external;

    /// @notice The consortium registry that says who is an issuer.
    function consortium() external view returns (address);
}
