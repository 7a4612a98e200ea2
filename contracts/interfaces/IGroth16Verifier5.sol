// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title IGroth16Verifier5
/// @notice The ABI of a snarkjs Groth16 verifier with 5 public signals (the chunk commitment circuit's: root, pool, policyHash, keyHash, figCommit).
interface IGroth16Verifier5 {
    function verifyProof(
        uint256[2] calldata pA,
        uint256[2][2] calldata pB,
        uint256[2] calldata pC,
        uint256[5] calldata pubSignals
    ) external view returns (bool);
}
