// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/* solhint-disable gas-indexed-events, gas-strict-inequalities, immutable-vars-naming */

import {IAttestationRegistry} from "./interfaces/IAttestationRegistry.sol";
import {AuditSampling} from "./libraries/AuditSampling.sol";

/// @title AuditSeeds
/// @notice Audit sampling seeds the originator cannot predict: once a pool's period is attested (its tape
/// root is committed), anyone requests a seed; it becomes the hash of a block `delay` blocks later, fixed by
/// anyone within the 256 blocks the EVM keeps hashes for (a missed window can be requested again). The seed
/// string is the block hash as 0x-prefixed lowercase hex; the indices follow the public rule
/// (AuditSampling, verifier-api/sampling.ts), so the SDK, the CLI and this contract agree.
contract AuditSeeds {
    struct Request {
        uint64 targetBlock;
        bytes32 seed;
    }

    error Seeds__NotAttested(uint64 poolId, uint32 period, uint32 attestedPeriod);
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

    /// @notice Requests the seed of an attested (pool, period): the hash of block `block.number + delay`.
    function requestSeed(uint64 poolId, uint32 period) external {
        uint32 attested = registry.attestation(poolId).period;
        if (attested != period) revert Seeds__NotAttested(poolId, period, attested);
        Request storage r = _requests[poolId][period];
        if (r.seed != 0 || (r.targetBlock != 0 && block.number <= uint256(r.targetBlock) + 256)) {
            revert Seeds__AlreadyRequested(poolId, period, r.targetBlock);
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

    /// @notice The loan indices to open for a tape of `size` loans (the public rule, version 1).
    function sampleIndices(uint64 poolId, uint32 period, uint32 size, uint256 count)
        external
        view
        returns (uint256[] memory)
    {
        return AuditSampling.sampleIndices(bytes(seedString(poolId, period)), size, count);
    }
}
