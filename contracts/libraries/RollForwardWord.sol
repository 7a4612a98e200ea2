// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title RollForwardWord
/// @notice The roll-forward's packed words (declared in prover/rollforward/layout.ts; test/contracts/rollforward-registry.test.ts
/// checks these offsets against that declaration): the pool word poolId 64 | period 32 | prevPeriod 32 | asOfDate 16 |
/// prevAsOfDate 16 | chunkIndex 16 | chunkCount 16, and the 62-bit opening (rfA bits 0-61) and closing (rfC bits 0-61).
library RollForwardWord {
    uint256 internal constant POOL_BITS = 192;
    uint256 internal constant PERIOD_SHIFT = 64;
    uint256 internal constant PREV_PERIOD_SHIFT = 96;
    uint256 internal constant AS_OF_SHIFT = 128;
    uint256 internal constant PREV_AS_OF_SHIFT = 144;
    uint256 internal constant CHUNK_INDEX_SHIFT = 160;
    uint256 internal constant CHUNK_COUNT_SHIFT = 176;
    uint256 internal constant AMOUNT_MASK = (1 << 62) - 1;
    /// @dev Widths of the totals words (rfA, rfB: four 62-bit amounts; rfC: two amounts and seven 16-bit counts).
    uint256 internal constant RF_A_BITS = 248;
    uint256 internal constant RF_B_BITS = 248;
    uint256 internal constant RF_C_BITS = 236;

    function poolId(uint256 w) internal pure returns (uint64) {
        return uint64(w);
    }

    function period(uint256 w) internal pure returns (uint32) {
        return uint32(w >> PERIOD_SHIFT);
    }

    function prevPeriod(uint256 w) internal pure returns (uint32) {
        return uint32(w >> PREV_PERIOD_SHIFT);
    }

    function asOfDate(uint256 w) internal pure returns (uint16) {
        return uint16(w >> AS_OF_SHIFT);
    }

    function prevAsOfDate(uint256 w) internal pure returns (uint16) {
        return uint16(w >> PREV_AS_OF_SHIFT);
    }

    function chunkIndex(uint256 w) internal pure returns (uint16) {
        return uint16(w >> CHUNK_INDEX_SHIFT);
    }

    function chunkCount(uint256 w) internal pure returns (uint16) {
        return uint16(w >> CHUNK_COUNT_SHIFT);
    }

    /// @dev The pool word without its chunk index (what the chunks of one roll-forward share).
    function withoutIndex(uint256 w) internal pure returns (uint256) {
        return w & ~(uint256(0xffff) << CHUNK_INDEX_SHIFT);
    }
}
