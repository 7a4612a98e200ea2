// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title IGroth16Verifier4
/// @notice The ABI of a snarkjs Groth16 verifier with 4 public signals (the pool aggregation circuit's: acc, figA, figB, figC).
interface IGroth16Verifier4 {
    function verifyProof(
        uint256[2] calldata pA,
        uint256[2][2] calldata pB,
        uint256[2] calldata pC,
        uint256[4] calldata pubSignals
    ) external view returns (bool);
}
