// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

// Event fields carry data, not search keys (indexing them costs more); limits are inclusive by
// specification (docs/POLICY.md), so non-strict comparisons are intended.
/* solhint-disable gas-indexed-events, gas-strict-inequalities, gas-increment-by-one */

/// @title ITrancheVault
/// @notice A securitization vault with senior (0), mezzanine (1) and junior (2) tranches funding attested pools.
/// The waterfall, its ledgers and every rule are described in docs/CONTRACTS.md ("Tranche vault").
interface ITrancheVault {
    /// @notice Vault parameters, fixed at deployment; bps are basis points, coupons are per epoch.
    /// `maxAge` must equal the registry's (checked at construction). The trigger switches principal to
    /// sequential and traps junior's residual when the principal-weighted attested 60+ days delinquency
    /// (60-89, 90+ and defaulted balances) exceeds `triggerDelinquencyBps` of the funded principal, or when the
    /// cumulative realised losses exceed `triggerLossBps` of the cumulative funded principal.
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
        uint16 triggerDelinquencyBps;
        uint16 triggerLossBps;
        uint64 maxAge;
        uint64 epochLength;
        uint128 maxExposurePerPool;
    }

    /// @notice The vault's position in one pool.
    struct Position {
        uint128 principal;
        /// @dev The pool's cumulative chargedOff when the position last realised (or was funded).
        uint80 chargedOffSeen;
        uint32 lastPeriod;
        /// @dev In `poolIds` (valued at every close).
        bool listed;
        /// @dev Funded at least once: collections (recoveries) are accepted even after removal.
        bool funded;
    }

    /// @notice A controller's pending or settled request in a tranche's deposit or redemption batch.
    struct Request {
        uint256 amount;
        uint64 batch;
    }

    /// @notice How a batch was settled: `amountIn` (assets or shares) became `amountOut` (shares or assets).
    struct Settlement {
        uint256 amountIn;
        uint256 amountOut;
    }

    /// @notice What one close did, for reports: realised loss and income, the provisional markdown and why
    /// the flows of each tranche did or did not execute (bit t: deposit of tranche t executed, bit 3+t:
    /// redemption executed).
    struct CloseReport {
        uint256 realisedLoss;
        uint256 income;
        uint256 markdown;
        uint256 staleOrBreachedMarkdown;
        uint256 delinquent60;
        uint64 informationDay;
        bool locked;
        bool triggered;
    }

    error Vault__BadTranche(uint256 tranche);
    error Vault__ZeroAmount();
    error Vault__BadConfig();
    error Vault__FreshnessMismatch(uint64 vaultMaxAge, uint64 registryMaxAge);
    error Vault__NoValidAttestation(uint64 poolId);
    error Vault__PolicyNotAccepted(uint64 poolId, uint256 policyHash);
    error Vault__StaleAttestation(uint64 poolId, uint64 asOf, uint64 minAllowed);
    error Vault__PoolBreached(uint64 poolId, uint256 breaches);
    error Vault__LimitExceeded(uint64 poolId, uint8 limit, uint256 value, uint256 max);
    error Vault__InsufficientCash(uint256 requested, uint256 available);
    error Vault__TooManyPools(uint256 max);
    error Vault__UnknownPool(uint64 poolId);
    error Vault__PoolActive(uint64 poolId, uint256 principal, uint256 outstanding);
    error Vault__SubordinationBreached(uint256 subordinationBps, uint256 minBps);
    error Vault__EpochNotOver(uint64 endsAt, uint64 nowTime);
    error Vault__InsufficientShares(uint256 requested, uint256 available);
    error Vault__OnlyVault(address caller);
    error Vault__OnlyTranche(address caller);
    error Vault__NothingPending(uint256 tranche, address user);
    error Vault__NotClaimable(uint256 tranche, address controller, uint256 requested, uint256 claimable);
    error Vault__NotOperator(address owner, address caller);
    error Vault__AsyncOnly();

    event PolicyAccepted(uint256 indexed policyHash, bool accepted);
    event ReconcilerSet(address reconciler);
    event PoolIncluded(uint64 indexed poolId, uint256 amount, uint32 period);
    event PoolRemoved(uint64 indexed poolId, uint256 writtenOff);
    event CollectionReceived(uint64 indexed poolId, uint256 principal, uint256 interest);
    event ChargeOffRealised(uint64 indexed poolId, uint32 period, uint256 loss);
    event DepositRequested(uint256 indexed tranche, address indexed user, uint256 assets, uint64 batch);
    event RedeemRequested(uint256 indexed tranche, address indexed user, uint256 shares, uint64 batch);
    event DepositClaimed(uint256 indexed tranche, address indexed user, uint256 shares);
    event RedeemClaimed(uint256 indexed tranche, address indexed user, uint256 assets);
    event DepositCancelled(uint256 indexed tranche, address indexed user, uint256 assets);
    event RedeemCancelled(uint256 indexed tranche, address indexed user, uint256 shares);
    /// @notice A batch did not execute at a close. reason: 1 locked (stale/breached pool or attestations
    /// older than the batch's epoch), 2 tranche impaired (PDL, heavy markdown, trapped residual), 3 trigger
    /// (sequential principal), 4 cash short, 5 subordination.
    event BatchDeferred(uint256 indexed tranche, bool deposit, uint64 batch, uint8 reason);
    /// @notice The realised waterfall of a close: loss written junior-first into the PDLs, income paid as
    /// senior coupon, mezzanine coupon, PDL cures senior-first, then residual (to junior, or trapped).
    event WaterfallApplied(
        uint64 indexed epoch,
        uint256 realisedLoss,
        uint256 income,
        uint256[3] balances,
        uint256[3] pdl,
        uint256 excessReserve
    );
    /// @notice The provisional markdown of a close, allocated junior-first; `claims` are the prices' basis.
    event MarkdownApplied(uint64 indexed epoch, uint256 markdown, uint256 staleOrBreached, uint256[3] claims);
    event TriggerChanged(uint64 indexed epoch, bool triggered, uint256 delinquent60Bps, uint256 lossBps);
    event EpochClosed(uint64 indexed epoch, uint256 nav, uint256 senior, uint256 mezzanine, uint256 junior);

    /// @notice The tranche's marked claim: its realised claim (balance − PDL) less its share of the
    /// provisional markdown. The ERC-4626 `totalAssets` of the tranche token.
    function trancheAssets(uint256 tranche) external view returns (uint256);

    // ERC-7540 entry points of the tranche tokens (only the tranche token `t` may call them).
    function requestDepositFor(uint256 t, address controller, uint256 assets) external returns (uint64 batch);

    function requestRedeemFor(uint256 t, address controller, address owner, uint256 shares) external returns (uint64);

    function claimDepositFor(
        uint256 t,
        address controller,
        address receiver,
        uint256 assets,
        uint256 shares
    ) external returns (uint256 assetsOut, uint256 sharesOut);

    function claimRedeemFor(
        uint256 t,
        address controller,
        address receiver,
        uint256 shares,
        uint256 assets
    ) external returns (uint256 sharesOut, uint256 assetsOut);

    function pendingDeposit(uint256 t, address controller) external view returns (uint256);

    function claimableDeposit(uint256 t, address controller) external view returns (uint256 assets, uint256 shares);

    function pendingRedeem(uint256 t, address controller) external view returns (uint256);

    function claimableRedeem(uint256 t, address controller) external view returns (uint256 shares, uint256 assets);
}
