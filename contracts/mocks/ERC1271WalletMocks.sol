// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @title An honest ERC-1271 contract wallet (test double)
/// @notice Accepts a hash when its owner's EOA signed it, and sends calls for its owner, as a multisig or smart
/// account of a customs authority would. OpenZeppelin's npm package ships no mocks; this one is ours.
/// @dev Test-only: never deployed by `portlink deploy`.
contract ERC1271WalletMock is IERC1271 {
    error WalletNotOwner(address caller);
    error WalletCallFailed(bytes returnData);

    address public immutable owner;

    constructor(address owner_) {
        owner = owner_;
    }

    /// @notice Send `data` to `target` from the wallet (so the wallet itself is `msg.sender`). Caller: the owner.
    function execute(address target, bytes calldata data) external returns (bytes memory) {
        if (msg.sender != owner) revert WalletNotOwner(msg.sender);
        (bool ok, bytes memory returnData) = target.call(data);
        if (!ok) revert WalletCallFailed(returnData);
        return returnData;
    }

    /// @inheritdoc IERC1271
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        (address recovered, ECDSA.RecoverError err,) = ECDSA.tryRecover(hash, signature);
        return err == ECDSA.RecoverError.NoError && recovered == owner ? IERC1271.isValidSignature.selector : bytes4(0);
    }
}

/// @title An ERC-1271 wallet that lies (test double)
/// @notice Answers `isValidSignature` in one of the broken ways a hostile or buggy wallet might. None of them may be
/// taken for a valid signature. It can also send calls, so that it can hold a role and act as a member.
/// @dev Test-only: never deployed by `portlink deploy`.
contract LyingERC1271WalletMock {
    /// @notice How the wallet answers.
    enum Mode {
        /// Returns a 32-byte word that is not the magic value.
        Junk,
        /// Returns the magic value right-aligned (as a uint32 would be), not left-aligned as bytes4 is.
        MisalignedMagic,
        /// Returns only the 4 magic bytes, shorter than an ABI word.
        ShortMagic,
        /// Returns nothing.
        Empty,
        /// Reverts with a reason.
        Reverts,
        /// Spends all the gas it is given.
        BurnsGas
    }

    error WalletCallFailed(bytes returnData);

    Mode public immutable mode;

    constructor(Mode mode_) {
        mode = mode_;
    }

    /// @notice Send `data` to `target` from the wallet. Anyone may call (it is a test double).
    function execute(address target, bytes calldata data) external returns (bytes memory) {
        (bool ok, bytes memory returnData) = target.call(data);
        if (!ok) revert WalletCallFailed(returnData);
        return returnData;
    }

    /// @notice The broken answer `mode` names.
    fallback(bytes calldata) external returns (bytes memory) {
        if (msg.sig != IERC1271.isValidSignature.selector) return "";
        if (mode == Mode.Junk) return abi.encode(bytes32(keccak256("not the magic value")));
        if (mode == Mode.MisalignedMagic) return abi.encode(uint256(uint32(IERC1271.isValidSignature.selector)));
        if (mode == Mode.ShortMagic) return abi.encodePacked(IERC1271.isValidSignature.selector);
        if (mode == Mode.Empty) return "";
        if (mode == Mode.Reverts) revert("wallet: no");
        uint256 spin = 0;
        while (gasleft() > 0) {
            ++spin;
        }
        return abi.encode(spin);
    }
}
