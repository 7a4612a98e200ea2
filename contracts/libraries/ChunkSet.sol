// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/* solhint-disable gas-strict-inequalities, no-inline-assembly */

/// @title ChunkSet
/// @notice The chunk indices a committed batch has accepted (the attestation registry's committed chunks and the
/// roll-forward registry's chunks), at most MAX_CHUNKS = 1,024. A replayed index is refused by `add`; an
/// aggregation is taken only once the set `isFull` for the batch's chunk count.
/// @dev Five words, each 224 chunk bits (index i at bit i % 224 of word i / 224) under a 32-bit tag (bits 224-255):
/// the batch's generation, which the registry keeps in its batch word and moves on at every new batch. A word
/// whose tag is not the batch's holds nothing of it, so a new batch clears nothing (its opening chunk writes one
/// word, as a one-word bitmap did) and never sees another batch's bits. Every word is allocated when the pool's
/// batch is (`allocate`: nonzero, tag 0, which no batch has), and no word ever returns to zero, so every write
/// costs 5k gas, not 22.1k: a chunk of a 1,024-chunk batch costs what a chunk of a 2-chunk batch does.
library ChunkSet {
    /// @dev The most chunks one batch may have (prover/attest.ts's MAX_COMMITTED_CHUNKS; test/prover/attestable.test.ts
    /// checks the two agree).
    uint16 internal constant MAX_CHUNKS = 1024;
    uint256 private constant BITS = 224;
    uint256 private constant WORDS = 5;
    uint256 private constant MASK = (uint256(1) << BITS) - 1;

    struct Set {
        uint256[5] words;
    }

    /// @dev Allocates the five words (nonzero, tag 0): once per pool, with the rest of its batch.
    function allocate(Set storage s) internal {
        for (uint256 w = 0; w < WORDS; ++w) s.words[w] = 1;
    }

    /// @dev The tag of the batch after the one tagged `tag`: never 0 (the allocated words' tag).
    function nextTag(uint32 tag) internal pure returns (uint32) {
        return tag == type(uint32).max ? 1 : tag + 1;
    }

    /// @dev Starts the set of the batch tagged `tag` (a new tag: nextTag of the last) holding `index` alone.
    function restart(Set storage s, uint32 tag, uint16 index) internal {
        s.words[index / BITS] = (uint256(tag) << BITS) | (uint256(1) << (index % BITS));
    }

    /// @dev Adds `index` (below MAX_CHUNKS: the registries check it against the batch's count first) to the set of
    /// the batch tagged `tag`; false, and nothing written, if it was in already. In assembly: every later chunk
    /// pays for this and chunks sit just under their 300k gas target (docs/BENCHMARKS.md); Solidity's array
    /// access and call cost about 90 gas more. The index is masked to 10 bits: the word is always one of the five.
    function add(Set storage s, uint32 tag, uint16 index) internal returns (bool added) {
        assembly ("memory-safe") {
            let i := and(index, 1023)
            let slot := add(s.slot, div(i, BITS))
            let bit := shl(mod(i, BITS), 1)
            let word := sload(slot)
            if iszero(eq(shr(BITS, word), tag)) {
                word := shl(BITS, tag)
            }
            added := iszero(and(word, bit))
            if added {
                sstore(slot, or(word, bit))
            }
        }
    }

    /// @dev Whether the set of the batch tagged `tag` holds exactly the indices 0 .. count - 1 (it holds none at or
    /// above count: the registries refuse an index at or above the batch's count).
    function isFull(Set storage s, uint32 tag, uint16 count) internal view returns (bool) {
        uint256 used = (uint256(count) + BITS - 1) / BITS;
        for (uint256 w = 0; w < used; ++w) {
            if (s.words[w] != (uint256(tag) << BITS) | _below(count, w)) return false;
        }
        return true;
    }

    /// @dev How many indices the set of the batch tagged `tag` holds below `count` (for events and views).
    function size(Set storage s, uint32 tag, uint16 count) internal view returns (uint16 n) {
        uint256 used = (uint256(count) + BITS - 1) / BITS;
        for (uint256 w = 0; w < used; ++w) {
            uint256 word = s.words[w];
            if (word >> BITS != tag) continue;
            n += _popcount(word & _below(count, w));
        }
    }

    /// @dev The set of the batch tagged `tag` as a bitmap of `count` chunks: index 256·w + b at bit b of word w.
    function bits(Set storage s, uint32 tag, uint16 count) internal view returns (uint256[4] memory out) {
        uint256 used = (uint256(count) + BITS - 1) / BITS;
        for (uint256 w = 0; w < used; ++w) {
            uint256 word = s.words[w];
            if (word >> BITS != tag) continue;
            for (uint256 i = w * BITS; i < (w + 1) * BITS && i < count; ++i) {
                if ((word >> (i - w * BITS)) & 1 != 0) out[i >> 8] |= uint256(1) << (i & 255);
            }
        }
    }

    /// @dev The bits of word `w` (of the `used` words a count needs) that stand for indices below `count`.
    function _below(uint16 count, uint256 w) private pure returns (uint256) {
        uint256 left = count - w * BITS;
        return left >= BITS ? MASK : (uint256(1) << left) - 1;
    }

    function _popcount(uint256 x) private pure returns (uint16 n) {
        while (x != 0) {
            x &= x - 1;
            ++n;
        }
    }
}
