// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title BabyJubjub
/// @notice The curve check for public keys the registries accept: (x, y) is on the twisted Edwards curve
/// Baby Jubjub, a·x² + y² = 1 + d·x²·y² over the BN254 scalar field, a = 168700, d = 168696 (EIP-2494, the
/// curve of circomlib's EdDSA-Poseidon). A point off the curve can never sign a statement the circuits accept,
/// so registering it is refused instead of recorded.
library BabyJubjub {
    uint256 internal constant FIELD =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;
    uint256 internal constant A = 168700;
    uint256 internal constant D = 168696;

    /// @dev Both coordinates must already be below FIELD (the registries refuse others first).
    function isOnCurve(uint256 x, uint256 y) internal pure returns (bool) {
        uint256 x2 = mulmod(x, x, FIELD);
        uint256 y2 = mulmod(y, y, FIELD);
        uint256 lhs = addmod(mulmod(A, x2, FIELD), y2, FIELD);
        uint256 rhs = addmod(1, mulmod(D, mulmod(x2, y2, FIELD), FIELD), FIELD);
        return lhs == rhs;
    }
}
