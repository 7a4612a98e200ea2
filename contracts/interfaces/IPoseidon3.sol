// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title IPoseidon3
/// @notice The ABI of circomlibjs's generated Poseidon contract for three inputs (`poseidonContract.createCode(3)`),
/// the same permutation as circomlib's `Poseidon(3)`. It reduces its inputs modulo the BN254 scalar field.
interface IPoseidon3 {
    function poseidon(uint256[3] calldata inputs) external pure returns (uint256);
}
