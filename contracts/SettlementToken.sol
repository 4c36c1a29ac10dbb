// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";

import {IConsortiumRegistry} from "./interfaces/IConsortiumRegistry.sol";
import {ISettlementToken} from "./interfaces/ISettlementToken.sol";
import {ConsortiumRoles} from "./libraries/ConsortiumRoles.sol";

/// @title PortLink settlement token (tokenised HKD deposit)
/// @notice OpenZeppelin ERC-20 with 2 decimals; minting and redemption by SETTLEMENT_ISSUER members of the consortium.
/// @dev The issuer role is asked of the consortium registry at each call, so governance grants, revokes and suspends
/// it by vote like every other role. Transfers are unrestricted ERC-20 transfers.
contract SettlementToken is ERC20, ISettlementToken {
    IConsortiumRegistry private immutable _consortium;

    /// @param consortium_ The consortium registry.
    constructor(address consortium_) ERC20("PortLink Settlement HKD", "HKDP") {
        if (consortium_ == address(0)) revert SettlementZeroAddress();
        _consortium = IConsortiumRegistry(consortium_);
    }

    modifier onlyIssuer() {
        if (!_consortium.hasRole(ConsortiumRoles.SETTLEMENT_ISSUER, msg.sender)) revert SettlementNotIssuer(msg.sender);
        _;
    }

    /// @inheritdoc ISettlementToken
    function mint(address to, uint256 amount, bytes32 paymentRef) external onlyIssuer {
        if (amount == 0) revert SettlementZeroAmount();
        _mint(to, amount);
        emit Minted(msg.sender, to, amount, paymentRef);
    }

    /// @inheritdoc ISettlementToken
    function redeem(uint256 amount, bytes32 paymentRef) external onlyIssuer {
        if (amount == 0) revert SettlementZeroAmount();
        _burn(msg.sender, amount);
        emit Redeemed(msg.sender, amount, paymentRef);
    }

    /// @inheritdoc ISettlementToken
    function consortium() external view returns (address) {
        return address(_consortium);
    }

    /// @notice 2: one unit is one HK cent.
    function decimals() public pure override(ERC20, IERC20Metadata) returns (uint8) {
        return 2;
    }
}
