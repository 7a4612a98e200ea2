// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

// Event fields carry data, not search keys (indexing them costs more).
/* solhint-disable gas-indexed-events */

import {IRollForwardRegistry} from "./IRollForwardRegistry.sol";

/// @title ICashReconciler
/// @notice Cash reconciliation of a tranche vault (issue 15 item 4, docs/CONTRACTS.md "Cash reconciliation"):
/// per pool and period, the collections the roll-forward chain proves, attributed to the vault's funded share,
/// against the cash the pool remitted through the vault's `repay`. A cumulative shortfall beyond the tolerance
/// is a breach: the vault funds the pool no further until a later period's reconciliation finds it within
/// the tolerance again.
interface ICashReconciler {
    /// @notice A pool's reconciliation: cumulative cash remitted and cumulative collections expected since
    /// the pool's first funding after the reconciler was set (`since`, that funding's attested period), the
    /// last period reconciled (0: none yet), the breach flag and the exposure the next period is attributed
    /// at (the vault's principal in the pool when the previous period was reconciled, or at `since`).
    struct Reconciliation {
        uint128 remitted;
        uint32 since;
        uint32 lastPeriod;
        bool breached;
        uint128 expected;
        uint128 exposure;
    }

    error Reconcile__OnlyVault(address caller);
    error Reconcile__BadTolerance(uint256 toleranceBps);
    error Reconcile__BadUnit(uint256 assetPerTapeUnit);
    error Reconcile__RegistryMismatch(address rollForwardRegistry, address vaultRegistry);
    error Reconcile__NotStarted(uint64 poolId);
    error Reconcile__PeriodBeforeFunding(uint64 poolId, uint32 period, uint32 since);
    error Reconcile__AlreadyReconciled(uint64 poolId, uint32 period, uint32 lastPeriod);
    error Reconcile__PeriodNotRecorded(uint64 poolId, uint32 period);
    error Reconcile__OutOfOrder(uint64 poolId, uint32 period, uint32 prevPeriod, uint32 expectedPrev);
    error Reconcile__RemittanceShortfall(uint64 poolId, uint256 expected, uint256 remitted);
    error Reconcile__NotContinuous(uint64 poolId);

    event ReconciliationStarted(uint64 indexed poolId, uint32 since, uint256 exposure);
    /// @notice One period reconciled: `due` is the period's collections attributed to `exposure`, `expected`
    /// and `remitted` the cumulative figures compared.
    event PeriodReconciled(
        uint64 indexed poolId,
        uint32 period,
        uint256 exposure,
        uint256 due,
        uint256 expected,
        uint256 remitted
    );
    /// @notice The cumulative shortfall went beyond the tolerance at `period`: no new funding.
    event RemittanceBreach(uint64 indexed poolId, uint32 period, uint256 expected, uint256 remitted);
    /// @notice The cumulative shortfall is within the tolerance again at `period`.
    event RemittanceCured(uint64 indexed poolId, uint32 period, uint256 expected, uint256 remitted);

    /// @notice The vault whose pools are reconciled (the only caller of `record`).
    function vault() external view returns (address);

    /// @notice The roll-forward registry whose recorded period totals are the attested collections.
    function rollForward() external view returns (IRollForwardRegistry);

    /// @notice The shortfall allowed, in bps of the cumulative expected collections (fixed at deployment).
    function toleranceBps() external view returns (uint16);

    /// @notice The vault's hook (one function: the vault has little code room left). `period` ≠ 0: a funding
    /// on that period's attestation leaving the vault's principal in the pool at `amount` (the first starts
    /// the pool's reconciliation); `period` 0: `amount` remitted through `repay` (principal and interest).
    function record(uint64 poolId, uint32 period, uint256 amount) external;

    /// @notice Reverts with the reason the vault may not fund the pool: a remittance breach, or a roll-forward
    /// chain that has not reached the pool's latest attestation.
    function checkFunding(uint64 poolId) external view;

    /// @notice Reconciles the pool's next period (permissionless); returns whether the pool is in breach.
    function reconcile(uint64 poolId, uint32 period) external returns (bool breached);

    /// @notice The pool's reconciliation (the investor report's figures).
    function reconciliation(uint64 poolId) external view returns (Reconciliation memory);
}
