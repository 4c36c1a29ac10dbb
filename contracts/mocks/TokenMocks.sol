// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

// Test doubles for the escrow: an honest token and the misbehaving kinds the escrow must survive. OpenZeppelin's npm
// package ships no mocks; these are ours. Test-only: never deployed by `portlink deploy`.

/// @title An honest ERC-20 anyone can mint (test double)
contract ERC20Mock is ERC20 {
    constructor(string memory name_, string memory symbol_) ERC20(name_, symbol_) {}

    /// @notice Mint `amount` to `to`; anyone may (a test double).
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}

/// @title A token that takes a fee on every transfer (test double)
/// @notice `feeBps` of each transfer is burnt, so the recipient receives less than was sent.
contract FeeOnTransferTokenMock is ERC20Mock {
    uint256 public immutable feeBps;

    constructor(uint256 feeBps_) ERC20Mock("Fee On Transfer", "FOT") {
        feeBps = feeBps_;
    }

    function _update(address from, address to, uint256 value) internal override {
        if (from == address(0) || to == address(0)) return super._update(from, to, value);
        uint256 fee = value * feeBps / 10_000;
        super._update(from, address(0), fee);
        super._update(from, to, value - fee);
    }
}

/// @title A token whose transfers return false instead of reverting, and move nothing (test double)
contract FalseReturningTokenMock is ERC20Mock {
    constructor() ERC20Mock("False Returning", "FALSE") {}

    function transfer(address, uint256) public pure override returns (bool) {
        return false;
    }

    function transferFrom(address, address, uint256) public pure override returns (bool) {
        return false;
    }
}

/// @title A token that refuses to pay blacklisted accounts, as regulated stablecoins do (test double)
contract BlacklistTokenMock is ERC20Mock {
    error BlacklistTokenBlocked(address account);

    mapping(address account => bool) public blacklisted;

    constructor() ERC20Mock("Blacklisting", "BLK") {}

    /// @notice Block or unblock transfers to and from `account`; anyone may (a test double).
    function setBlacklisted(address account, bool blocked) external {
        blacklisted[account] = blocked;
    }

    function _update(address from, address to, uint256 value) internal override {
        if (blacklisted[from]) revert BlacklistTokenBlocked(from);
        if (blacklisted[to]) revert BlacklistTokenBlocked(to);
        super._update(from, to, value);
    }
}

/// @title A token that calls back into a target during its transfers (test double)
/// @notice Armed with a target and calldata, the next transfer (or transferFrom) calls the target once, then moves
/// the tokens. Whether the call succeeded and what it returned are kept for the test to read.
contract ReentrantTokenMock is ERC20Mock {
    address public target;
    bytes public payload;
    bool public attempted;
    bool public reentered;
    bytes public returnData;

    constructor() ERC20Mock("Reentrant", "REENT") {}

    /// @notice Call `target_` with `payload_` during the next transfer; anyone may (a test double).
    function arm(address target_, bytes calldata payload_) external {
        target = target_;
        payload = payload_;
        attempted = false;
    }

    function _update(address from, address to, uint256 value) internal override {
        if (target != address(0) && !attempted && from != address(0)) {
            attempted = true;
            (reentered, returnData) = target.call(payload);
        }
        super._update(from, to, value);
    }
}

/// @title A token whose transfer functions return nothing, like USDT on Ethereum (test double)
/// @notice A minimal ERC-20 written out by hand, since OpenZeppelin's returns `bool`.
contract NoReturnTokenMock {
    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);

    error NoReturnTokenInsufficient();

    string public constant name = "No Return";
    string public constant symbol = "NORET";
    uint8 public constant decimals = 6;
    uint256 public totalSupply;
    mapping(address account => uint256) public balanceOf;
    mapping(address owner => mapping(address spender => uint256)) public allowance;

    /// @notice Mint `amount` to `to`; anyone may (a test double).
    function mint(address to, uint256 amount) external {
        totalSupply += amount;
        balanceOf[to] += amount;
        emit Transfer(address(0), to, amount);
    }

    function approve(address spender, uint256 amount) external {
        allowance[msg.sender][spender] = amount;
        emit Approval(msg.sender, spender, amount);
    }

    function transfer(address to, uint256 amount) external {
        _move(msg.sender, to, amount);
    }

    function transferFrom(address from, address to, uint256 amount) external {
        if (allowance[from][msg.sender] < amount) revert NoReturnTokenInsufficient();
        allowance[from][msg.sender] -= amount;
        _move(from, to, amount);
    }

    function _move(address from, address to, uint256 amount) private {
        if (balanceOf[from] < amount) revert NoReturnTokenInsufficient();
        balanceOf[from] -= amount;
        balanceOf[to] += amount;
        emit Transfer(from, to, amount);
    }
}
