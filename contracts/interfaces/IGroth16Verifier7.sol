// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title IGroth16Verifier7
/// @notice The ABI of a snarkjs Groth16 verifier with seven public signals (the pool attestation circuit's).
interface IGroth16Verifier7 {
    function verifyProof(
        uint256[2] calldata pA,
        uint256[2][2] calldata pB,
        uint256[2] calldata pC,
        uint256[7] calldata pubSignals
    ) external view returns (bool);
}
