// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

// Event fields carry data, not search keys (indexing them costs more); a period equal to the funded or the
// last reconciled one is refused, so the non-strict comparisons are intended.
/* solhint-disable gas-indexed-events, gas-strict-inequalities */

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IAttestationRegistry} from "../interfaces/IAttestationRegistry.sol";
import {ICashReconciler} from "../interfaces/ICashReconciler.sol";
import {IRollForwardRegistry} from "../interfaces/IRollForwardRegistry.sol";

/// @dev What the reconciler reads of the vault: the position's principal and the attestation registry.
interface IReconciledVault {
    function registry() external view returns (IAttestationRegistry);

    function positions(
        uint64 poolId
    ) external view returns (uint128 principal, uint80 chargedOffSeen, uint32 lastPeriod, bool listed, bool funded);
}

/// @title CashReconciler
/// @notice The cash reconciliation of one TrancheVault (docs/CONTRACTS.md "Cash reconciliation"; the
/// TypeScript twin is sdk/vault/reconcile.ts). A contract of its own because the vault is within 500 bytes of
/// the 24,576-byte code limit: the vault only calls the two hooks and the funding check, and only once its
/// owner has set this reconciler (`TrancheVault.setReconciler`); until then it behaves as before.
/// @dev Rule, per pool, from its first funding after the reconciler was set (attested period `since`):
///  - `reconcile(poolId, period)` (anyone) takes the chain's periods in order, each once: `period` must be
///    recorded by the roll-forward registry, after `since`, after the last period reconciled, and its
///    `prevPeriod` must be that last period (or `since`): no period can be skipped.
///  - due = floor(min(exposure, opening · assetPerTapeUnit) · (principalCollected + interestCollected +
///    recoveries) / opening), in the vault's asset units, 0 when opening is 0 (the totals are in the tape's minor
///    units, `assetPerTapeUnit` of the vault's asset each); `exposure` is the vault's principal in the pool when the previous period was
///    reconciled (at the first funding for the first period). Rounded down: a breach is an accusation, so
///    rounding never makes one.
///  - expected += due; breach when (expected − remitted) · 10,000 > toleranceBps · expected, with `remitted`
///    the cash paid through the vault's `repay` since the first funding. A breach is cured by the first
///    later reconciliation that finds the cumulative shortfall within the tolerance (the arrears were paid).
contract CashReconciler is ICashReconciler {
    using SafeCast for uint256;

    uint256 private constant BPS = 10_000;
    /// @dev 10^36: any decimals difference a real asset and tape can have (and opening · unit stays far below 2^256).
    uint256 private constant MAX_UNIT = 1e36;

    // solhint-disable-next-line immutable-vars-naming
    address public immutable vault;
    // solhint-disable-next-line immutable-vars-naming
    IRollForwardRegistry public immutable rollForward;
    // solhint-disable-next-line immutable-vars-naming
    uint16 public immutable toleranceBps;
    /// @notice Units of the vault's asset per minor unit of the pool's tape currency (10^(asset decimals − tape
    /// decimals): 10,000 for a tape in cents and a 6-decimal stablecoin of the same currency).
    // solhint-disable-next-line immutable-vars-naming
    uint256 public immutable assetPerTapeUnit;

    mapping(uint64 poolId => Reconciliation) private _reconciliations;

    /// @dev The roll-forward registry must follow the vault's attestation registry: its chains then reach the
    /// attestations the vault funds on.
    constructor(address vault_, IRollForwardRegistry rollForward_, uint16 toleranceBps_, uint256 assetPerTapeUnit_) {
        if (toleranceBps_ > BPS) revert Reconcile__BadTolerance(toleranceBps_);
        if (assetPerTapeUnit_ == 0 || assetPerTapeUnit_ > MAX_UNIT) revert Reconcile__BadUnit(assetPerTapeUnit_);
        address followed = address(rollForward_.registry());
        address vaultRegistry = address(IReconciledVault(vault_).registry());
        if (followed != vaultRegistry) revert Reconcile__RegistryMismatch(followed, vaultRegistry);
        vault = vault_;
        rollForward = rollForward_;
        toleranceBps = toleranceBps_;
        assetPerTapeUnit = assetPerTapeUnit_;
    }

    /// @inheritdoc ICashReconciler
    /// @dev Cash of a pool whose reconciliation has not started (funded only before this reconciler was set)
    /// is not counted: its reconciliation starts, from nothing, at its next funding.
    function record(uint64 poolId, uint32 period, uint256 amount) external {
        if (msg.sender != vault) revert Reconcile__OnlyVault(msg.sender);
        Reconciliation storage r = _reconciliations[poolId];
        if (period == 0) {
            if (r.since != 0) r.remitted = (r.remitted + amount).toUint128();
        } else if (r.since == 0) {
            r.since = period;
            r.exposure = amount.toUint128();
            emit ReconciliationStarted(poolId, period, amount);
        }
    }

    /// @inheritdoc ICashReconciler
    function checkFunding(uint64 poolId) external view {
        Reconciliation storage r = _reconciliations[poolId];
        if (r.breached) revert Reconcile__RemittanceShortfall(poolId, r.expected, r.remitted);
        if (!rollForward.isContinuous(poolId)) revert Reconcile__NotContinuous(poolId);
    }

    /// @inheritdoc ICashReconciler
    function reconcile(uint64 poolId, uint32 period) external returns (bool breach) {
        Reconciliation memory r = _reconciliations[poolId];
        if (r.since == 0) revert Reconcile__NotStarted(poolId);
        if (period <= r.since) revert Reconcile__PeriodBeforeFunding(poolId, period, r.since);
        if (period <= r.lastPeriod) revert Reconcile__AlreadyReconciled(poolId, period, r.lastPeriod);
        (bool recorded, IRollForwardRegistry.PeriodTotals memory t) = rollForward.periodTotals(poolId, period);
        if (!recorded) revert Reconcile__PeriodNotRecorded(poolId, period);
        uint32 prev = r.lastPeriod == 0 ? r.since : r.lastPeriod;
        if (t.prevPeriod != prev) revert Reconcile__OutOfOrder(poolId, period, t.prevPeriod, prev);
        uint256 due = t.opening == 0
            ? 0
            : Math.mulDiv(
                Math.min(r.exposure, t.opening * assetPerTapeUnit),
                t.principalCollected + t.interestCollected + t.recoveries,
                t.opening
            );
        uint256 expected = r.expected + due;
        uint256 remitted = r.remitted;
        breach = expected > remitted && (expected - remitted) * BPS > uint256(toleranceBps) * expected;
        (uint128 principal, , , , ) = IReconciledVault(vault).positions(poolId);
        Reconciliation storage s = _reconciliations[poolId];
        s.lastPeriod = period;
        s.expected = expected.toUint128();
        s.exposure = principal;
        emit PeriodReconciled(poolId, period, r.exposure, due, expected, remitted);
        if (breach != r.breached) {
            s.breached = breach;
            if (breach) emit RemittanceBreach(poolId, period, expected, remitted);
            else emit RemittanceCured(poolId, period, expected, remitted);
        }
    }

    /// @inheritdoc ICashReconciler
    function reconciliation(uint64 poolId) external view returns (Reconciliation memory) {
        return _reconciliations[poolId];
    }
}
