// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title IPoseidon2
/// @notice The ABI of circomlibjs's generated Poseidon contract for two inputs (`poseidonContract.createCode(2)`),
/// the same permutation as circomlib's `Poseidon(2)`. It reduces its inputs modulo the BN254 scalar field.
interface IPoseidon2 {
    function poseidon(uint256[2] calldata inputs) external pure returns (uint256);
}
