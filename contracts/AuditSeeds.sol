// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/* solhint-disable gas-indexed-events, gas-strict-inequalities, immutable-vars-naming */

import {IAttestationRegistry} from "./interfaces/IAttestationRegistry.sol";
import {AuditSampling} from "./libraries/AuditSampling.sol";

/// @title AuditSeeds
/// @notice Audit sampling seeds the originator cannot predict: once a pool's period is attested (its tape
/// root and loan count are committed), anyone requests a seed; it becomes the hash of a block `delay` blocks
/// later, fixed by anyone within the 256 blocks the EVM keeps hashes for (a missed window can be requested
/// again). The sample is drawn over the loan count the registry recorded for that pool and period (copied at
/// the request), never over a size a caller supplies; a period stays requestable after later periods are
/// attested, for as long as the registry's history keeps it (at least AUDIT_WINDOW_DAYS days after it was
/// recorded). The seed string is the block hash as 0x-prefixed lowercase hex; the indices follow the public
/// rule (AuditSampling, prover/audit-sample.ts), so the SDK, the CLI and this contract agree.
contract AuditSeeds {
    struct Request {
        uint64 targetBlock;
        /// @dev The registry's recorded loan count of the (pool, period), copied at the first request.
        uint32 loanCount;
        bytes32 seed;
    }

    error Seeds__NotAttested(uint64 poolId, uint32 period);
    error Seeds__NoLoans(uint64 poolId, uint32 period);
    error Seeds__AlreadyRequested(uint64 poolId, uint32 period, uint64 targetBlock);
    error Seeds__NotRequested(uint64 poolId, uint32 period);
    error Seeds__TooEarly(uint64 targetBlock, uint256 blockNumber);
    error Seeds__Expired(uint64 targetBlock, uint256 blockNumber);
    error Seeds__NotFixed(uint64 poolId, uint32 period);
    error Seeds__BadDelay(uint64 delay);

    event SeedRequested(uint64 indexed poolId, uint32 indexed period, uint64 targetBlock, address requester);
    event SeedFixed(uint64 indexed poolId, uint32 indexed period, bytes32 seed);

    IAttestationRegistry public immutable registry;
    uint64 public immutable delay;
    mapping(uint64 poolId => mapping(uint32 period => Request)) private _requests;

    constructor(IAttestationRegistry registry_, uint64 delay_) {
        if (delay_ == 0 || delay_ > 200) revert Seeds__BadDelay(delay_);
        registry = registry_;
        delay = delay_;
    }

    /// @notice Requests the seed of an attested (pool, period), the latest or an earlier one still in the
    /// registry's history: the hash of block `block.number + delay`.
    function requestSeed(uint64 poolId, uint32 period) external {
        Request storage r = _requests[poolId][period];
        if (r.seed != 0 || (r.targetBlock != 0 && block.number <= uint256(r.targetBlock) + 256)) {
            revert Seeds__AlreadyRequested(poolId, period, r.targetBlock);
        }
        if (r.loanCount == 0) {
            (bool recorded, uint32 loanCount) = registry.recordedLoanCount(poolId, period);
            if (!recorded) revert Seeds__NotAttested(poolId, period);
            if (loanCount == 0) revert Seeds__NoLoans(poolId, period);
            r.loanCount = loanCount;
        }
        uint64 target = uint64(block.number) + delay;
        r.targetBlock = target;
        emit SeedRequested(poolId, period, target, msg.sender);
    }

    /// @notice Fixes a requested seed once its block exists (within 256 blocks of it).
    function fixSeed(uint64 poolId, uint32 period) external returns (bytes32 seed) {
        Request storage r = _requests[poolId][period];
        if (r.seed != 0) return r.seed;
        uint64 target = r.targetBlock;
        if (target == 0) revert Seeds__NotRequested(poolId, period);
        if (block.number <= target) revert Seeds__TooEarly(target, block.number);
        if (block.number > uint256(target) + 256) revert Seeds__Expired(target, block.number);
        seed = blockhash(target);
        r.seed = seed;
        emit SeedFixed(poolId, period, seed);
    }

    function request(uint64 poolId, uint32 period) external view returns (Request memory) {
        return _requests[poolId][period];
    }

    /// @notice The seed as the string the sampling rule takes ("0x" and 64 lowercase hex digits).
    function seedString(uint64 poolId, uint32 period) public view returns (string memory) {
        bytes32 seed = _requests[poolId][period].seed;
        if (seed == 0) revert Seeds__NotFixed(poolId, period);
        bytes memory out = new bytes(66);
        bytes16 digits = "0123456789abcdef";
        out[0] = "0";
        out[1] = "x";
        for (uint256 i = 0; i < 32; ++i) {
            out[2 + 2 * i] = digits[uint8(seed[i]) >> 4];
            out[3 + 2 * i] = digits[uint8(seed[i]) & 0x0f];
        }
        return string(out);
    }

    /// @notice The `count` loan indices to open (the public rule, version 1), drawn over the loan count the
    /// registry recorded for the (pool, period).
    function sampleIndices(uint64 poolId, uint32 period, uint256 count) external view returns (uint256[] memory) {
        return AuditSampling.sampleIndices(bytes(seedString(poolId, period)), _requests[poolId][period].loanCount, count);
    }
}
