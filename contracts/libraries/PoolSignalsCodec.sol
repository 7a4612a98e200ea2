// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title PoolSignalsCodec
/// @notice Unpacks the packed public signals of the pool attestation circuit (docs/INTERFACES.md).
library PoolSignalsCodec {
    uint256 internal constant SLOT62 = (1 << 62) - 1;
    /// @dev poolId 64, period 32, asOfDate 16, chunkIndex 16, chunkCount 16, loanCount 32 (issue 12).
    uint256 internal constant POOL_BITS = 176;
    uint256 internal constant FIG_AB_BITS = 248;
    uint256 internal constant FIG_C_BITS = 162;

    function poolId(uint256 pool) internal pure returns (uint64) {
        return uint64(pool);
    }

    function period(uint256 pool) internal pure returns (uint32) {
        return uint32(pool >> 64);
    }

    function asOfDate(uint256 pool) internal pure returns (uint16) {
        return uint16(pool >> 96);
    }

    function chunkIndex(uint256 pool) internal pure returns (uint16) {
        return uint16(pool >> 112);
    }

    function chunkCount(uint256 pool) internal pure returns (uint16) {
        return uint16(pool >> 128);
    }

    function domain(address registry, uint256 chainId) internal pure returns (uint256) {
        return uint256(uint160(registry)) | (uint256(uint64(chainId)) << 160);
    }

    /// @dev The i-th 62-bit slot (0..3) of figA or figB.
    function slot(uint256 fig, uint256 i) internal pure returns (uint256) {
        return (fig >> (62 * i)) & SLOT62;
    }

    // figA
    function outstanding(uint256 figA) internal pure returns (uint256) {
        return figA & SLOT62;
    }

    function scheduled(uint256 figA) internal pure returns (uint256) {
        return (figA >> 62) & SLOT62;
    }

    function collected(uint256 figA) internal pure returns (uint256) {
        return (figA >> 124) & SLOT62;
    }

    function bucket30(uint256 figA) internal pure returns (uint256) {
        return (figA >> 186) & SLOT62;
    }

    // figB
    function bucket60(uint256 figB) internal pure returns (uint256) {
        return figB & SLOT62;
    }

    function bucket90(uint256 figB) internal pure returns (uint256) {
        return (figB >> 62) & SLOT62;
    }

    function defaulted(uint256 figB) internal pure returns (uint256) {
        return (figB >> 124) & SLOT62;
    }

    function chargedOff(uint256 figB) internal pure returns (uint256) {
        return (figB >> 186) & SLOT62;
    }

    // figC
    function scoreWeightedBalance(uint256 figC) internal pure returns (uint256) {
        return figC & ((1 << 72) - 1);
    }

    function maxLoanBalance(uint256 figC) internal pure returns (uint256) {
        return (figC >> 72) & ((1 << 48) - 1);
    }

    function activeCount(uint256 figC) internal pure returns (uint256) {
        return (figC >> 120) & 0xffff;
    }

    function minScore(uint256 figC) internal pure returns (uint256) {
        return (figC >> 136) & 0x3ff;
    }

    function breaches(uint256 figC) internal pure returns (uint256) {
        return (figC >> 146) & 0xffff;
    }

    function packFigC(
        uint256 scoreWeighted,
        uint256 maxLoan,
        uint256 count,
        uint256 minScore_,
        uint256 breaches_
    ) internal pure returns (uint256) {
        return scoreWeighted | (maxLoan << 72) | (count << 120) | (minScore_ << 136) | (breaches_ << 146);
    }
}
