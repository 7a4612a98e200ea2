// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

// Event fields carry data, not search keys (indexing them costs more); limits are inclusive by
// specification (docs/POLICY.md), so non-strict comparisons are intended.
/* solhint-disable gas-indexed-events, gas-strict-inequalities, gas-increment-by-one */

/// @title ITrancheVault
/// @notice A securitization vault with senior (0), mezzanine (1) and junior (2) tranches funding attested pools.
interface ITrancheVault {
    /// @notice Vault parameters; bps are basis points, coupons are per epoch.
    struct Config {
        uint16 seniorCouponBps;
        uint16 mezzanineCouponBps;
        uint16 minSubordinationBps;
        uint16 haircut30Bps;
        uint16 haircut60Bps;
        uint16 haircut90Bps;
        uint16 haircutDefaultedBps;
        uint16 staleMarkdownBps;
        uint16 maxBucket30Bps;
        uint16 maxBucket60Bps;
        uint16 maxBucket90Bps;
        uint16 maxConcentrationBps;
        uint16 minAverageScore;
        uint64 maxAge;
        uint64 epochLength;
        uint128 maxExposurePerPool;
    }

    /// @notice The vault's position in one pool.
    struct Position {
        uint128 principal;
        /// @dev The pool's cumulative chargedOff when the position last realised (or was funded): one slot.
        uint88 chargedOffSeen;
        uint32 lastPeriod;
        bool listed;
    }

    /// @notice A user's pending or settled request in a tranche's deposit or redemption batch.
    struct Request {
        uint128 amount;
        uint64 batch;
    }

    /// @notice How a batch was settled: `amountIn` (assets or shares) became `amountOut` (shares or assets).
    struct Settlement {
        uint128 amountIn;
        uint128 amountOut;
    }

    error Vault__BadTranche(uint256 tranche);
    error Vault__ZeroAmount();
    error Vault__BadConfig();
    error Vault__NoValidAttestation(uint64 poolId);
    error Vault__PolicyNotAccepted(uint64 poolId, uint256 policyHash);
    error Vault__StaleAttestation(uint64 poolId, uint64 asOf, uint64 minAllowed);
    error Vault__PoolBreached(uint64 poolId, uint256 breaches);
    error Vault__LimitExceeded(uint64 poolId, uint8 limit, uint256 value, uint256 max);
    error Vault__InsufficientCash(uint256 requested, uint256 available);
    error Vault__TooManyPools(uint256 max);
    error Vault__UnknownPool(uint64 poolId);
    error Vault__SubordinationBreached(uint256 subordinationBps, uint256 minBps);
    error Vault__EpochNotOver(uint64 endsAt, uint64 nowTime);
    error Vault__InsufficientShares(uint256 requested, uint256 available);
    error Vault__OnlyVault(address caller);
    error Vault__NothingPending(uint256 tranche, address user);

    event PolicyAccepted(uint256 indexed policyHash, bool accepted);
    event PoolIncluded(uint64 indexed poolId, uint256 amount, uint32 period);
    event CollectionReceived(uint64 indexed poolId, uint256 principal, uint256 interest);
    event ChargeOffRealised(uint64 indexed poolId, uint32 period, uint256 loss);
    event DepositRequested(uint256 indexed tranche, address indexed user, uint256 assets, uint64 batch);
    event RedeemRequested(uint256 indexed tranche, address indexed user, uint256 shares, uint64 batch);
    event DepositClaimed(uint256 indexed tranche, address indexed user, uint256 shares);
    event RedeemClaimed(uint256 indexed tranche, address indexed user, uint256 assets);
    event DepositCancelled(uint256 indexed tranche, address indexed user, uint256 assets);
    event RedeemCancelled(uint256 indexed tranche, address indexed user, uint256 shares);
    event BatchDeferred(uint256 indexed tranche, bool deposit, uint64 batch);
    event WaterfallApplied(uint64 indexed epoch, uint256 nav, uint256 senior, uint256 mezzanine, uint256 junior);
    event EpochClosed(uint64 indexed epoch, uint256 nav, uint256 senior, uint256 mezzanine, uint256 junior);

    function trancheAssets(uint256 tranche) external view returns (uint256);
}
