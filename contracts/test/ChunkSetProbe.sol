// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/* solhint-disable gas-strict-inequalities */

import {ChunkSet} from "../libraries/ChunkSet.sol";

/// @title ChunkSetProbe
/// @notice ChunkSet behind external functions for its property test (test/contracts/chunk-set.test.ts): one set
/// holding one batch at a time, with the batch's chunk count kept here and the registries' precondition (an index
/// below the count, a count of 1 to MAX_CHUNKS) checked here as they check it.
contract ChunkSetProbe {
    using ChunkSet for ChunkSet.Set;

    error ChunkSetProbe__BadChunk(uint16 index, uint16 count);

    ChunkSet.Set private _set;
    uint16 public count;
    uint32 public tag;

    constructor() {
        _set.allocate();
    }

    /// @notice Opens a new batch of `count_` chunks holding `index`.
    function open(uint16 count_, uint16 index) external {
        if (count_ == 0 || index >= count_ || count_ > ChunkSet.MAX_CHUNKS) revert ChunkSetProbe__BadChunk(index, count_);
        count = count_;
        tag = ChunkSet.nextTag(tag);
        _set.restart(tag, index);
    }

    /// @notice Adds each of `indices` to the open batch in turn; whether each was new.
    function add(uint16[] calldata indices) external returns (bool[] memory added) {
        added = new bool[](indices.length);
        for (uint256 i = 0; i < indices.length; ++i) {
            if (indices[i] >= count) revert ChunkSetProbe__BadChunk(indices[i], count);
            added[i] = _set.add(tag, indices[i]);
        }
    }

    function nextTag(uint32 t) external pure returns (uint32) {
        return ChunkSet.nextTag(t);
    }

    function isFull() external view returns (bool) {
        return _set.isFull(tag, count);
    }

    function size() external view returns (uint16) {
        return _set.size(tag, count);
    }

    function bits() external view returns (uint256[4] memory) {
        return _set.bits(tag, count);
    }
}
