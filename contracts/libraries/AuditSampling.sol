// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/* solhint-disable gas-increment-by-one, gas-strict-inequalities */

/// @title AuditSampling
/// @notice The public audit sampling rule version 1 (prover/audit-sample.ts), so a contract or
/// anyone with an RPC node computes the same loan indices from a seed as the SDK, the CLI and the API: for
/// k = 0, 1, … take sha256(RULE ‖ u32be(len(seed)) ‖ seed ‖ u32be(size) ‖ u32be(k)) mod
/// size (RULE the tag "rwa-attest/sample" followed by the version suffix), skip indices already drawn, stop after min(count, size) distinct indices (in draw order).
library AuditSampling {
    error AuditSampling__BadArguments(uint256 seedLength, uint256 size, uint256 count);

    function sampleIndices(bytes memory seed, uint32 size, uint256 count) internal pure returns (uint256[] memory) {
        if (seed.length == 0 || seed.length > 1024 || size == 0 || count == 0) {
            revert AuditSampling__BadArguments(seed.length, size, count);
        }
        uint256 want = count < size ? count : size;
        uint256[] memory out = new uint256[](want);
        uint256 n = 0;
        for (uint32 k = 0; n < want; k++) {
            uint256 index = uint256(
                sha256(abi.encodePacked("rwa-attest/sample@1", uint32(seed.length), seed, size, k))
            ) % size;
            bool seen = false;
            for (uint256 j = 0; j < n; j++) {
                if (out[j] == index) {
                    seen = true;
                    break;
                }
            }
            if (!seen) out[n++] = index;
        }
        return out;
    }
}
