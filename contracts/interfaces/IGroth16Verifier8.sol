// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title IGroth16Verifier8
/// @notice The ABI of a snarkjs Groth16 verifier with eight public signals (one contract per catalogue instance).
interface IGroth16Verifier8 {
    function verifyProof(
        uint256[2] calldata pA,
        uint256[2][2] calldata pB,
        uint256[2] calldata pC,
        uint256[8] calldata pubSignals
    ) external view returns (bool);
}
