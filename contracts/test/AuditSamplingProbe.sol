// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {AuditSampling} from "../libraries/AuditSampling.sol";

/// @notice Exposes AuditSampling for the cross-implementation test (test/scores/sampling.test.ts).
contract AuditSamplingProbe {
    function sampleIndices(bytes calldata seed, uint32 size, uint256 count) external pure returns (uint256[] memory) {
        return AuditSampling.sampleIndices(seed, size, count);
    }
}
