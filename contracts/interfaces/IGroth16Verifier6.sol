// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title IGroth16Verifier6
/// @notice The ABI of a snarkjs Groth16 verifier with 6 public signals (the roll-forward chunk commitment's:
/// prevRoot, root, pool, maxAdjustment, flowCommit, rfCommit).
interface IGroth16Verifier6 {
    function verifyProof(
        uint256[2] calldata pA,
        uint256[2][2] calldata pB,
        uint256[2] calldata pC,
        uint256[6] calldata pubSignals
    ) external view returns (bool);
}
