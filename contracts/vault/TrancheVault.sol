// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

// Event fields carry data, not search keys (indexing them costs more); limits are inclusive by
// specification (docs/POLICY.md), so non-strict comparisons are intended.
/* solhint-disable gas-indexed-events, gas-strict-inequalities, gas-increment-by-one */

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IAttestationRegistry} from "../interfaces/IAttestationRegistry.sol";
import {ICashReconciler} from "../interfaces/ICashReconciler.sol";
import {ITrancheVault} from "../interfaces/ITrancheVault.sol";
import {PoolAttestationCodec as Codec} from "../generated/PoolAttestationCodec.sol";
import {TrancheToken} from "./TrancheToken.sol";
import {SENIOR, MEZZANINE, JUNIOR, TRANCHE_COUNT} from "./Tranches.sol";

/// @title TrancheVault
/// @notice Funds attested loan pools from three tranches and runs a rated-deal waterfall from attested figures.
/// @dev Accounting is internal: tokens sent to the vault without a call are ignored. Two ledgers per tranche
/// (docs/CONTRACTS.md has the rules with a worked example; sdk/vault/model.ts is the independent twin):
///  - realised: `balances[t]` (principal balance with capitalised coupons and residual) and `pdl[t]` (principal
///    deficiency). Only realised losses (attested charge-offs, a write-off on removal) enter a PDL, junior
///    first (after the trapped-residual reserve); income (collections' interest, recoveries) pays the senior
///    coupon, the mezzanine coupon, cures the PDLs senior first, and the residual goes to junior, or to
///    `excessReserve` while the trigger is on.
///  - provisional: the markdown (bucket haircuts, the stale/breach markdown) is a reserve recomputed at every
///    close from the latest attestations, allocated junior first; `claims[t]` = balance − PDL − markdown share
///    is the price at which money enters and leaves. A fresh clean attestation reverses it.
/// Flows execute only at a close, all-or-nothing per tranche batch, and are deferred when the vault is locked
/// (a funded pool stale or breached, or its attestation older than the epoch the batch's requests were made
/// in), when the tranche is impaired (deposits), when the trigger is on (mezzanine/junior redemptions), when
/// cash is short or when subordination would fall below the minimum.
// solhint-disable-next-line max-states-count
contract TrancheVault is ITrancheVault, Ownable2Step, ReentrancyGuard {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;
    using Codec for uint256;

    uint256 private constant BPS = 10_000;
    uint256 private constant DAY = 1 days;
    /// @notice At most this many pools are valued at a close; repaid or written-off pools can be removed.
    uint256 public constant MAX_ACTIVE_POOLS = 32;
    /// @notice A tranche whose claim is below this share of its realised claim takes no deposits.
    uint256 public constant IMPAIRED_CLAIM_BPS = 5_000;
    uint256 private constant VIRTUAL_SHARES = 1e6;
    uint256 private constant VIRTUAL_ASSETS = 1;
    uint8 internal constant LIMIT_EMPTY = 0;
    uint8 internal constant LIMIT_BUCKET30 = 1;
    uint8 internal constant LIMIT_BUCKET60 = 2;
    uint8 internal constant LIMIT_BUCKET90 = 3;
    uint8 internal constant LIMIT_CONCENTRATION = 4;
    uint8 internal constant LIMIT_SCORE = 5;
    uint8 internal constant LIMIT_EXPOSURE = 6;
    uint8 internal constant DEFER_LOCKED = 1;
    uint8 internal constant DEFER_IMPAIRED = 2;
    uint8 internal constant DEFER_TRIGGER = 3;
    uint8 internal constant DEFER_CASH = 4;
    uint8 internal constant DEFER_SUBORDINATION = 5;

    // solhint-disable-next-line immutable-vars-naming
    IERC20 public immutable asset;
    // solhint-disable-next-line immutable-vars-naming
    IAttestationRegistry public immutable registry;
    TrancheToken[3] public tranches;
    Config private _config;

    uint256[3] public balances;
    uint256[3] public pdl;
    uint256[3] public claims;
    uint256 public excessReserve;
    uint256 public cash;
    uint256 public escrowedDeposits;
    uint256 public reservedRedemptions;
    /// @notice Income and realised loss since the last close (one slot: both are read and reset at a close).
    uint128 public pendingIncome;
    uint128 public pendingLoss;
    /// @notice Principal ever funded and losses ever realised, the trigger's loss ratio (one slot).
    uint128 public cumulativeFunded;
    uint128 public cumulativeLoss;
    uint64 public epoch;
    uint64 public lastCloseAt;
    bool public triggered;

    mapping(uint256 policyHash => bool) public acceptedPolicy;
    uint64[] public poolIds;
    mapping(uint64 poolId => Position) public positions;

    uint64[3] public depositBatch;
    uint64[3] public redeemBatch;
    /// @notice Day (since 1970) of the epoch start of the newest request in the open batch: the batch runs
    /// only at a close where every funded pool is attested as of a later day (and none is stale or breached).
    uint64[3] public depositInfoDay;
    uint64[3] public redeemInfoDay;
    uint256[3] public pendingDeposits;
    uint256[3] public pendingRedeemShares;
    mapping(uint256 tranche => mapping(address user => Request)) public depositRequests;
    mapping(uint256 tranche => mapping(address user => Request)) public redeemRequests;
    mapping(uint256 tranche => mapping(uint64 batch => Settlement)) public depositSettlements;
    mapping(uint256 tranche => mapping(uint64 batch => Settlement)) public redeemSettlements;
    /// @notice The cash reconciliation (docs/CONTRACTS.md "Cash reconciliation"), set once by the owner; none
    /// (the vault as before issue 15) until then.
    ICashReconciler public reconciler;

    /// @dev What the marking of the pools found at a close.
    struct Marks {
        uint256 loss;
        uint256 principal;
        uint256 value;
        uint256 staleCut;
        uint256 delinquent60;
        uint64 minAsOf;
        bool locked;
    }

    constructor(
        IERC20 asset_,
        IAttestationRegistry registry_,
        address governance,
        Config memory config_
    ) Ownable(governance) {
        asset = asset_;
        registry = registry_;
        Config memory c = config_;
        if (
            c.seniorCouponBps > BPS ||
            c.mezzanineCouponBps > BPS ||
            c.minSubordinationBps > BPS ||
            c.haircut30Bps > BPS ||
            c.haircut60Bps > BPS ||
            c.haircut90Bps > BPS ||
            c.haircutDefaultedBps > BPS ||
            c.staleMarkdownBps > BPS ||
            c.triggerDelinquencyBps > BPS ||
            c.triggerLossBps > BPS ||
            c.epochLength == 0
        ) revert Vault__BadConfig();
        uint64 registryAge = registry_.maxAge();
        if (c.maxAge != registryAge) revert Vault__FreshnessMismatch(c.maxAge, registryAge);
        _config = c;
        lastCloseAt = block.timestamp.toUint64();
    }

    // ---------------------------------------------------------------- governance

    /// @notice Wires the three tranche tokens (once); each must be bound to this vault and asset.
    function setTranches(TrancheToken[3] calldata t) external onlyOwner {
        if (address(tranches[SENIOR]) != address(0)) revert Vault__BadConfig();
        for (uint256 i = 0; i < TRANCHE_COUNT; ++i) {
            if (address(t[i].vault()) != address(this) || t[i].tranche() != i || t[i].asset() != address(asset)) {
                revert Vault__BadConfig();
            }
            tranches[i] = t[i];
        }
    }

    function setPolicyAccepted(uint256 policyHash, bool accepted) external onlyOwner {
        acceptedPolicy[policyHash] = accepted;
        emit PolicyAccepted(policyHash, accepted);
    }

    /// @notice Sets the cash reconciler (once): from then on `repay` reports each pool's remittances to it,
    /// `include` reports each funding and refuses a pool it reports in breach or not continuous.
    /// A reconciler bound to another vault is refused by the empty report it is sent here (its `record`
    /// refuses any caller but its vault): the one call site `_record` keeps the vault under the code limit.
    function setReconciler(ICashReconciler r) external onlyOwner {
        if (address(reconciler) != address(0)) revert Vault__BadConfig();
        reconciler = r;
        _record(0, 0, 0);
        emit ReconcilerSet(address(r));
    }

    /// @notice The parameters, fixed at deployment (trigger thresholds included).
    function config() external view returns (Config memory) {
        return _config;
    }

    // ---------------------------------------------------------------- pools

    /// @notice Funds `amount` of free cash into a pool with a valid, fresh, compliant attestation.
    function include(uint64 poolId, uint256 amount) external onlyOwner nonReentrant {
        if (amount == 0) revert Vault__ZeroAmount();
        IAttestationRegistry.Attestation memory a = registry.attestation(poolId);
        Position storage pos = positions[poolId];
        if (pos.listed && a.period > pos.lastPeriod) _addLoss(_realise(poolId, pos, a));
        _checkEligible(poolId, a, pos.principal + amount);
        if (amount > cash) revert Vault__InsufficientCash(amount, cash);
        if (!pos.listed) {
            if (poolIds.length >= MAX_ACTIVE_POOLS) revert Vault__TooManyPools(MAX_ACTIVE_POOLS);
            pos.listed = true;
            pos.funded = true;
            pos.lastPeriod = a.period;
            pos.chargedOffSeen = a.figB.chargedOff().toUint80();
            poolIds.push(poolId);
        }
        pos.principal = (pos.principal + amount).toUint128();
        cash -= amount;
        cumulativeFunded = (cumulativeFunded + amount).toUint128();
        _record(poolId, a.period, pos.principal);
        asset.safeTransfer(registry.poolOriginator(poolId), amount);
        emit PoolIncluded(poolId, amount, a.period);
    }

    /// @notice Stops valuing a pool: one the vault has been repaid (principal 0), or one whose latest
    /// attestation has no outstanding balance left, whose remaining principal is written off as a realised
    /// loss (the default rule). Later collections on it are still accepted as income (recoveries).
    function removePool(uint64 poolId) external onlyOwner nonReentrant {
        Position storage pos = positions[poolId];
        if (!pos.listed) revert Vault__UnknownPool(poolId);
        IAttestationRegistry.Attestation memory a = registry.attestation(poolId);
        if (a.period > pos.lastPeriod) _addLoss(_realise(poolId, pos, a));
        uint256 principal = pos.principal;
        uint256 out = a.figA.outstanding();
        if (principal != 0 && out != 0) revert Vault__PoolActive(poolId, principal, out);
        _addLoss(principal);
        pos.principal = 0;
        pos.listed = false;
        uint256 n = poolIds.length;
        for (uint256 i = 0; i < n; ++i) {
            if (poolIds[i] == poolId) {
                poolIds[i] = poolIds[n - 1];
                poolIds.pop();
                break;
            }
        }
        emit PoolRemoved(poolId, principal);
    }

    /// @notice True when the pool could be funded now with `amount` more (same checks as include).
    function eligible(uint64 poolId, uint256 amount) external view returns (bool) {
        IAttestationRegistry.Attestation memory a = registry.attestation(poolId);
        try this.checkEligible(poolId, a, positions[poolId].principal + amount) {
            return true;
        } catch {
            return false;
        }
    }

    /// @notice Reverts with the reason a pool is not eligible for a total exposure (external for `eligible`).
    function checkEligible(uint64 poolId, IAttestationRegistry.Attestation calldata a, uint256 exposure) external view {
        _checkEligible(poolId, a, exposure);
    }

    function _checkEligible(uint64 poolId, IAttestationRegistry.Attestation memory a, uint256 exposure) private view {
        Config memory c = _config;
        if (a.period == 0) revert Vault__NoValidAttestation(poolId);
        if (!acceptedPolicy[a.policyHash]) revert Vault__PolicyNotAccepted(poolId, a.policyHash);
        if (uint256(a.asOfDate) * DAY + c.maxAge < block.timestamp) {
            revert Vault__StaleAttestation(poolId, a.asOfDate, ((block.timestamp - c.maxAge + DAY - 1) / DAY).toUint64());
        }
        if (a.figC.breaches() != 0) revert Vault__PoolBreached(poolId, a.figC.breaches());
        ICashReconciler rec = reconciler;
        if (address(rec) != address(0)) rec.checkFunding(poolId);
        uint256 out = a.figA.outstanding();
        if (out == 0) revert Vault__LimitExceeded(poolId, LIMIT_EMPTY, 0, 0);
        _ratio(poolId, LIMIT_BUCKET30, a.figA.bucket30(), out, c.maxBucket30Bps);
        _ratio(poolId, LIMIT_BUCKET60, a.figB.bucket60(), out, c.maxBucket60Bps);
        _ratio(poolId, LIMIT_BUCKET90, a.figB.bucket90(), out, c.maxBucket90Bps);
        _ratio(poolId, LIMIT_CONCENTRATION, a.figC.maxLoanBalance(), out, c.maxConcentrationBps);
        uint256 avgScore = a.figC.scoreWeightedBalance() / out;
        if (avgScore < c.minAverageScore) revert Vault__LimitExceeded(poolId, LIMIT_SCORE, avgScore, c.minAverageScore);
        if (exposure > c.maxExposurePerPool) {
            revert Vault__LimitExceeded(poolId, LIMIT_EXPOSURE, exposure, c.maxExposurePerPool);
        }
    }

    function _ratio(uint64 poolId, uint8 limit, uint256 part, uint256 out, uint256 maxBps) private pure {
        uint256 bps = Math.mulDiv(part, BPS, out, Math.Rounding.Ceil);
        if (bps > maxBps) revert Vault__LimitExceeded(poolId, limit, bps, maxBps);
    }

    /// @notice Pays collections of a funded pool into the vault: `principal` (capped at the position) reduces
    /// the position, the rest is income (interest, recoveries) for the next close's waterfall. The whole
    /// amount is the pool's remittance for the cash reconciliation.
    function repay(uint64 poolId, uint256 principal, uint256 interest) external nonReentrant {
        Position storage pos = positions[poolId];
        if (!pos.funded) revert Vault__UnknownPool(poolId);
        if (principal + interest == 0) revert Vault__ZeroAmount();
        asset.safeTransferFrom(msg.sender, address(this), principal + interest);
        _record(poolId, 0, principal + interest);
        if (principal > pos.principal) {
            interest += principal - pos.principal;
            principal = pos.principal;
        }
        pos.principal -= principal.toUint128();
        cash += principal + interest;
        pendingIncome = (pendingIncome + interest).toUint128();
        emit CollectionReceived(poolId, principal, interest);
    }

    /// @dev Realises the charge-offs new since the position last saw the pool (chargedOff is cumulative):
    /// delta = max(chargedOff − seen, 0); loss = ceil(principal · delta / (outstanding + delta)).
    function _realise(
        uint64 poolId,
        Position storage pos,
        IAttestationRegistry.Attestation memory a
    ) private returns (uint256 loss) {
        uint256 co = a.figB.chargedOff();
        uint256 seen = pos.chargedOffSeen;
        uint256 delta = co > seen ? co - seen : 0;
        uint256 base = a.figA.outstanding() + delta;
        loss = base == 0 ? 0 : Math.mulDiv(pos.principal, delta, base, Math.Rounding.Ceil);
        pos.principal -= loss.toUint128();
        pos.lastPeriod = a.period;
        pos.chargedOffSeen = co.toUint80();
        if (loss != 0) emit ChargeOffRealised(poolId, a.period, loss);
    }

    /// @dev Reports a funding (`period` its attestation's, `amount` the position's principal after it) or, with
    /// `period` 0, a remittance of `amount` to the reconciler, if one is set.
    function _record(uint64 poolId, uint32 period, uint256 amount) private {
        ICashReconciler rec = reconciler;
        if (address(rec) != address(0)) rec.record(poolId, period, amount);
    }

    function _addLoss(uint256 loss) private {
        if (loss != 0) pendingLoss = (pendingLoss + loss).toUint128();
    }

    /// @notice Provisional value of a position of `principal` under attestation `a`: principal less the
    /// bucket haircuts, times (1 − staleMarkdownBps) when the attestation is stale or breached; 0 when the
    /// pool has no outstanding balance. Returns the value and the part of the cut due to staleness/breach.
    function poolValue(
        uint256 principal,
        IAttestationRegistry.Attestation memory a
    ) public view returns (uint256 value, uint256 staleCut) {
        uint256 out = a.figA.outstanding();
        if (out == 0 || principal == 0) return (0, 0);
        Config memory c = _config;
        uint256 weighted = uint256(c.haircut30Bps) *
            a.figA.bucket30() +
            uint256(c.haircut60Bps) *
            a.figB.bucket60() +
            uint256(c.haircut90Bps) *
            a.figB.bucket90() +
            uint256(c.haircutDefaultedBps) *
            a.figB.defaulted();
        uint256 cut = Math.mulDiv(principal, weighted, BPS * out, Math.Rounding.Ceil);
        value = cut >= principal ? 0 : principal - cut;
        if (_stale(a, c.maxAge) || a.figC.breaches() != 0) {
            uint256 marked = (value * (BPS - c.staleMarkdownBps)) / BPS;
            staleCut = value - marked;
            value = marked;
        }
    }

    function _stale(IAttestationRegistry.Attestation memory a, uint64 maxAge) private view returns (bool) {
        return uint256(a.asOfDate) * DAY + maxAge < block.timestamp;
    }

    function poolCount() external view returns (uint256) {
        return poolIds.length;
    }

    // ---------------------------------------------------------------- requests

    /// @notice Requests a deposit of `assets` into tranche `t` (assets approved to this vault), executed at a
    /// later close. The ERC-7540 path is the tranche token's `requestDeposit(assets, controller, owner)`.
    function requestDeposit(uint256 t, uint256 assets) external nonReentrant {
        _tranche(t);
        asset.safeTransferFrom(msg.sender, address(this), assets);
        _requestDeposit(t, msg.sender, assets);
    }

    /// @inheritdoc ITrancheVault
    function requestDepositFor(
        uint256 t,
        address controller,
        uint256 assets
    ) external nonReentrant returns (uint64 batch) {
        _onlyTranche(t);
        return _requestDeposit(t, controller, assets);
    }

    /// @dev The assets are already in the vault. Only the request itself is checked against subordination:
    /// pending (cancellable) requests of others consume no headroom.
    function _requestDeposit(uint256 t, address controller, uint256 assets) private returns (uint64 batch) {
        if (assets == 0) revert Vault__ZeroAmount();
        _claimDeposit(t, controller, controller);
        if (t == SENIOR) _checkRequest(t, assets, 0);
        Request storage r = depositRequests[t][controller];
        r.amount += assets;
        batch = depositBatch[t];
        r.batch = batch;
        pendingDeposits[t] += assets;
        escrowedDeposits += assets;
        depositInfoDay[t] = lastCloseAt / uint64(DAY);
        emit DepositRequested(t, controller, assets, batch);
    }

    /// @notice Requests the redemption of `shares` of tranche `t`, executed at a later close.
    function requestRedeem(uint256 t, uint256 shares) external nonReentrant {
        _tranche(t);
        _requestRedeem(t, msg.sender, msg.sender, shares);
    }

    /// @inheritdoc ITrancheVault
    function requestRedeemFor(
        uint256 t,
        address controller,
        address owner,
        uint256 shares
    ) external nonReentrant returns (uint64) {
        _onlyTranche(t);
        return _requestRedeem(t, controller, owner, shares);
    }

    function _requestRedeem(uint256 t, address controller, address owner, uint256 shares) private returns (uint64 batch) {
        if (shares == 0) revert Vault__ZeroAmount();
        _claimRedeem(t, controller, controller);
        uint256 balance = tranches[t].balanceOf(owner);
        if (shares > balance) revert Vault__InsufficientShares(shares, balance);
        if (t != SENIOR) _checkRequest(t, 0, shares);
        tranches[t].vaultTransfer(owner, address(this), shares);
        Request storage r = redeemRequests[t][controller];
        r.amount += shares;
        batch = redeemBatch[t];
        r.batch = batch;
        pendingRedeemShares[t] += shares;
        redeemInfoDay[t] = lastCloseAt / uint64(DAY);
        emit RedeemRequested(t, controller, shares, batch);
    }

    /// @notice Delivers the shares of the caller's settled deposit request.
    function claimDeposit(uint256 t) external nonReentrant returns (uint256) {
        _tranche(t);
        return _claimDeposit(t, msg.sender, msg.sender);
    }

    /// @notice Delivers the assets of the caller's settled redemption request.
    function claimRedeem(uint256 t) external nonReentrant returns (uint256) {
        _tranche(t);
        return _claimRedeem(t, msg.sender, msg.sender);
    }

    /// @notice Withdraws the caller's not yet executed deposit request (e.g. deferred or locked).
    function cancelDeposit(uint256 t) external nonReentrant returns (uint256 assets) {
        _tranche(t);
        Request storage r = depositRequests[t][msg.sender];
        assets = r.amount;
        if (assets == 0 || r.batch != depositBatch[t]) revert Vault__NothingPending(t, msg.sender);
        delete depositRequests[t][msg.sender];
        pendingDeposits[t] -= assets;
        escrowedDeposits -= assets;
        asset.safeTransfer(msg.sender, assets);
        emit DepositCancelled(t, msg.sender, assets);
    }

    /// @notice Withdraws the caller's not yet executed redemption request; its shares come back.
    function cancelRedeem(uint256 t) external nonReentrant returns (uint256 shares) {
        _tranche(t);
        Request storage r = redeemRequests[t][msg.sender];
        shares = r.amount;
        if (shares == 0 || r.batch != redeemBatch[t]) revert Vault__NothingPending(t, msg.sender);
        delete redeemRequests[t][msg.sender];
        pendingRedeemShares[t] -= shares;
        tranches[t].vaultTransfer(address(this), msg.sender, shares);
        emit RedeemCancelled(t, msg.sender, shares);
    }

    function _claimDeposit(uint256 t, address user, address receiver) private returns (uint256 shares) {
        Request storage r = depositRequests[t][user];
        if (r.amount == 0 || r.batch >= depositBatch[t]) return 0;
        Settlement storage s = depositSettlements[t][r.batch];
        shares = Math.mulDiv(r.amount, s.amountOut, s.amountIn);
        delete depositRequests[t][user];
        tranches[t].vaultTransfer(address(this), receiver, shares);
        emit DepositClaimed(t, user, shares);
    }

    function _claimRedeem(uint256 t, address user, address receiver) private returns (uint256 assets) {
        Request storage r = redeemRequests[t][user];
        if (r.amount == 0 || r.batch >= redeemBatch[t]) return 0;
        Settlement storage s = redeemSettlements[t][r.batch];
        assets = Math.mulDiv(r.amount, s.amountOut, s.amountIn);
        delete redeemRequests[t][user];
        reservedRedemptions -= assets;
        asset.safeTransfer(receiver, assets);
        emit RedeemClaimed(t, user, assets);
    }

    /// @inheritdoc ITrancheVault
    /// @dev Exactly one of `assets` (ERC-4626 deposit) and `shares` (mint) is non-zero; partial claims allowed.
    function claimDepositFor(
        uint256 t,
        address controller,
        address receiver,
        uint256 assets,
        uint256 shares
    ) external nonReentrant returns (uint256, uint256) {
        _onlyTranche(t);
        Request storage r = depositRequests[t][controller];
        (uint256 claimable, ) = _claimable(r, depositBatch[t], depositSettlements[t]);
        Settlement storage s = depositSettlements[t][r.batch];
        if (assets != 0) shares = Math.mulDiv(assets, s.amountOut, s.amountIn);
        else if (shares != 0) assets = Math.mulDiv(shares, s.amountIn, s.amountOut, Math.Rounding.Ceil);
        if (assets == 0 || assets > claimable) revert Vault__NotClaimable(t, controller, assets, claimable);
        r.amount -= assets;
        tranches[t].vaultTransfer(address(this), receiver, shares);
        emit DepositClaimed(t, controller, shares);
        return (assets, shares);
    }

    /// @inheritdoc ITrancheVault
    /// @dev Exactly one of `shares` (ERC-4626 redeem) and `assets` (withdraw) is non-zero; partial claims allowed.
    function claimRedeemFor(
        uint256 t,
        address controller,
        address receiver,
        uint256 shares,
        uint256 assets
    ) external nonReentrant returns (uint256, uint256) {
        _onlyTranche(t);
        Request storage r = redeemRequests[t][controller];
        (uint256 claimable, ) = _claimable(r, redeemBatch[t], redeemSettlements[t]);
        Settlement storage s = redeemSettlements[t][r.batch];
        if (shares != 0) assets = Math.mulDiv(shares, s.amountOut, s.amountIn);
        else if (assets != 0) shares = Math.mulDiv(assets, s.amountIn, s.amountOut, Math.Rounding.Ceil);
        if (shares == 0 || shares > claimable) revert Vault__NotClaimable(t, controller, shares, claimable);
        r.amount -= shares;
        reservedRedemptions -= assets;
        asset.safeTransfer(receiver, assets);
        emit RedeemClaimed(t, controller, assets);
        return (shares, assets);
    }

    function _claimable(
        Request storage r,
        uint64 open,
        mapping(uint64 => Settlement) storage settlements
    ) private view returns (uint256 amountIn, uint256 amountOut) {
        if (r.amount == 0 || r.batch >= open) return (0, 0);
        Settlement storage s = settlements[r.batch];
        return (r.amount, Math.mulDiv(r.amount, s.amountOut, s.amountIn));
    }

    /// @inheritdoc ITrancheVault
    function pendingDeposit(uint256 t, address controller) external view returns (uint256) {
        Request storage r = depositRequests[t][controller];
        return r.batch == depositBatch[t] ? r.amount : 0;
    }

    /// @inheritdoc ITrancheVault
    function claimableDeposit(uint256 t, address controller) external view returns (uint256, uint256) {
        return _claimable(depositRequests[t][controller], depositBatch[t], depositSettlements[t]);
    }

    /// @inheritdoc ITrancheVault
    function pendingRedeem(uint256 t, address controller) external view returns (uint256) {
        Request storage r = redeemRequests[t][controller];
        return r.batch == redeemBatch[t] ? r.amount : 0;
    }

    /// @inheritdoc ITrancheVault
    function claimableRedeem(uint256 t, address controller) external view returns (uint256, uint256) {
        return _claimable(redeemRequests[t][controller], redeemBatch[t], redeemSettlements[t]);
    }

    /// @dev Refuses a request that would leave junior + mezzanine below the minimum subordination at current
    /// prices even if every pending request that helps it executed (mezzanine and junior deposits, senior
    /// redemptions) and none that hurts it did: a pending, cancellable request never blocks another one. The
    /// check at the close is the binding one.
    function _checkRequest(uint256 t, uint256 addAssets, uint256 redeemShares) private view {
        uint256[3] memory v = claims;
        v[SENIOR] -= _redeemValue(v[SENIOR], tranches[SENIOR].totalSupply(), pendingRedeemShares[SENIOR]);
        v[MEZZANINE] += pendingDeposits[MEZZANINE];
        v[JUNIOR] += pendingDeposits[JUNIOR];
        v[t] = v[t] + addAssets - Math.min(v[t], _redeemValue(claims[t], tranches[t].totalSupply(), redeemShares));
        (bool ok, uint256 bps) = _subordination(v);
        if (!ok) revert Vault__SubordinationBreached(bps, _config.minSubordinationBps);
    }

    function _subordination(uint256[3] memory v) private view returns (bool ok, uint256 bps) {
        uint256 subordinated = v[MEZZANINE] + v[JUNIOR];
        uint256 total = v[SENIOR] + subordinated;
        if (total == 0) return (true, BPS);
        bps = (subordinated * BPS) / total;
        ok = subordinated * BPS >= uint256(_config.minSubordinationBps) * total;
    }

    function _redeemValue(uint256 claim, uint256 supply, uint256 shares) private pure returns (uint256) {
        uint256 value = Math.mulDiv(shares, claim + VIRTUAL_ASSETS, supply + VIRTUAL_SHARES);
        return value > claim ? claim : value;
    }

    // ---------------------------------------------------------------- epoch close

    /// @notice Marks the pools, runs the realised waterfall, allocates the provisional markdown and executes
    /// the requests that may run at the new prices. The owner may close at any time, anyone after epochLength.
    function closeEpoch() external nonReentrant {
        Config memory cfg = _config;
        uint64 endsAt = lastCloseAt + cfg.epochLength;
        if (msg.sender != owner() && block.timestamp < endsAt) revert Vault__EpochNotOver(endsAt, uint64(block.timestamp));
        uint64 e = epoch + 1;
        Marks memory m = _markPools(cfg.maxAge);
        uint256 loss = pendingLoss + m.loss;
        uint256 income = pendingIncome;
        pendingLoss = 0;
        pendingIncome = 0;
        uint256 cumLoss = cumulativeLoss + loss;
        if (loss != 0) cumulativeLoss = cumLoss.toUint128();
        bool trig = _trigger(e, m, cumLoss, cfg);
        _realisedWaterfall(e, loss, income, trig, cfg);
        uint256 nav = _allocateMarkdown(e, m.principal - m.value, m.staleCut);
        uint256[3] memory c = claims;
        uint256[3] memory s;
        for (uint256 i = 0; i < TRANCHE_COUNT; ++i) s[i] = tranches[i].totalSupply();
        uint64 infoDay = m.locked ? 0 : m.minAsOf;
        _settleDeposit(JUNIOR, c[JUNIOR], s[JUNIOR], false, infoDay);
        _settleDeposit(MEZZANINE, c[MEZZANINE], s[MEZZANINE], false, infoDay);
        _settleRedeem(SENIOR, c[SENIOR], s[SENIOR], false, infoDay);
        _settleDeposit(SENIOR, c[SENIOR], s[SENIOR], true, infoDay);
        _settleRedeem(MEZZANINE, c[MEZZANINE], s[MEZZANINE], true, infoDay);
        _settleRedeem(JUNIOR, c[JUNIOR], s[JUNIOR], true, infoDay);
        epoch = e;
        lastCloseAt = uint64(block.timestamp);
        c = claims;
        emit EpochClosed(e, nav, c[SENIOR], c[MEZZANINE], c[JUNIOR]);
    }

    function _markPools(uint64 maxAge) private returns (Marks memory m) {
        m.minAsOf = type(uint64).max;
        uint256 n = poolIds.length;
        for (uint256 i = 0; i < n; ++i) {
            uint64 id = poolIds[i];
            Position storage pos = positions[id];
            if (pos.principal == 0) continue;
            // the figures without the loan count: one cold read fewer per pool at every close
            IAttestationRegistry.Attestation memory a = registry.attestationFigures(id);
            if (a.period > pos.lastPeriod) m.loss += _realise(id, pos, a);
            uint256 p = pos.principal;
            (uint256 v, uint256 cut) = poolValue(p, a);
            m.principal += p;
            m.value += v;
            m.staleCut += cut;
            uint256 out = a.figA.outstanding();
            m.delinquent60 += out == 0
                ? p
                : Math.mulDiv(p, a.figB.bucket60() + a.figB.bucket90() + a.figB.defaulted(), out);
            if (a.asOfDate < m.minAsOf) m.minAsOf = a.asOfDate;
            if (_stale(a, maxAge) || a.figC.breaches() != 0) m.locked = true;
        }
    }

    function _trigger(uint64 e, Marks memory m, uint256 cumLoss, Config memory cfg) private returns (bool trig) {
        uint256 dBps = m.principal == 0 ? 0 : (m.delinquent60 * BPS) / m.principal;
        uint256 funded = cumulativeFunded;
        uint256 lBps = funded == 0 ? 0 : (cumLoss * BPS) / funded;
        trig = dBps > cfg.triggerDelinquencyBps || lBps > cfg.triggerLossBps;
        if (trig != triggered) {
            triggered = trig;
            emit TriggerChanged(e, trig, dBps, lBps);
        }
    }

    /// @dev Losses: trapped reserve, then junior, mezzanine, senior PDLs. Income: senior coupon, mezzanine
    /// coupon (on the principal balances), then (with the reserve released when the trigger is off) PDL cures
    /// senior first, then the residual to junior, or to the reserve while the trigger is on.
    function _realisedWaterfall(uint64 e, uint256 realisedLoss, uint256 income_, bool trig, Config memory cfg) private {
        uint256 loss = realisedLoss;
        uint256 income = income_;
        uint256[3] memory b = balances;
        uint256[3] memory d = pdl;
        uint256 r = excessReserve;
        uint256 hit = Math.min(loss, r);
        r -= hit;
        loss -= hit;
        for (uint256 i = TRANCHE_COUNT; i > 0; --i) {
            hit = Math.min(loss, b[i - 1] - d[i - 1]);
            d[i - 1] += hit;
            loss -= hit;
        }
        // a loss beyond all capital (only possible when income arrives at the same close) nets income first
        income -= Math.min(loss, income);
        uint256 pay = Math.min(income, (b[SENIOR] * cfg.seniorCouponBps) / BPS);
        b[SENIOR] += pay;
        income -= pay;
        pay = Math.min(income, (b[MEZZANINE] * cfg.mezzanineCouponBps) / BPS);
        b[MEZZANINE] += pay;
        income -= pay;
        if (!trig) {
            income += r;
            r = 0;
        }
        for (uint256 i = 0; i < TRANCHE_COUNT; ++i) {
            pay = Math.min(income, d[i]);
            d[i] -= pay;
            income -= pay;
        }
        if (trig) r += income;
        else b[JUNIOR] += income;
        balances = b;
        pdl = d;
        excessReserve = r;
        emit WaterfallApplied(e, realisedLoss, income_, b, d, r);
    }

    /// @dev Allocates the provisional markdown junior first (reserve, junior, mezzanine, senior) over the
    /// realised claims; returns the marked NAV.
    function _allocateMarkdown(uint64 e, uint256 markdown, uint256 staleCut) private returns (uint256 nav) {
        uint256 left = markdown;
        uint256 r = excessReserve;
        uint256 hit = Math.min(left, r);
        left -= hit;
        nav = r - hit;
        uint256[3] memory c;
        for (uint256 i = TRANCHE_COUNT; i > 0; --i) {
            uint256 realised = balances[i - 1] - pdl[i - 1];
            hit = Math.min(left, realised);
            left -= hit;
            c[i - 1] = realised - hit;
            nav += c[i - 1];
        }
        claims = c;
        emit MarkdownApplied(e, markdown, staleCut, c);
    }

    /// @dev Deposits into a tranche are suspended while it or a tranche senior to it carries a PDL (cures go
    /// senior first, so a deficiency above would come before the depositor's claim), while its claim is below
    /// IMPAIRED_CLAIM_BPS of its realised claim (or 0 with shares outstanding), and for junior while the
    /// trigger is on or a trapped residual waits: no deposit inherits a loss or captures a cure or release.
    function _impaired(uint256 t, uint256 claim, uint256 supply) private view returns (bool) {
        for (uint256 i = 0; i <= t; ++i) if (pdl[i] != 0) return true;
        if (t == JUNIOR && (triggered || excessReserve != 0)) return true;
        if (supply == 0) return false;
        return claim == 0 || claim * BPS < balances[t] * IMPAIRED_CLAIM_BPS;
    }

    function _settleDeposit(uint256 t, uint256 claim, uint256 supply, bool check, uint64 infoDay) private {
        uint256 assets = pendingDeposits[t];
        if (assets == 0) return;
        uint64 batch = depositBatch[t];
        if (infoDay <= depositInfoDay[t]) return _defer(t, true, batch, DEFER_LOCKED);
        if (_impaired(t, claim, supply)) return _defer(t, true, batch, DEFER_IMPAIRED);
        if (check) {
            uint256[3] memory v = claims;
            v[t] += assets;
            (bool ok, ) = _subordination(v);
            if (!ok) return _defer(t, true, batch, DEFER_SUBORDINATION);
        }
        uint256 shares = Math.mulDiv(assets, supply + VIRTUAL_SHARES, claim + VIRTUAL_ASSETS);
        claims[t] += assets;
        balances[t] += assets;
        cash += assets;
        escrowedDeposits -= assets;
        pendingDeposits[t] = 0;
        depositBatch[t] = batch + 1;
        depositSettlements[t][batch] = Settlement(assets, shares);
        tranches[t].vaultMint(address(this), shares);
    }

    function _settleRedeem(uint256 t, uint256 claim, uint256 supply, bool check, uint64 infoDay) private {
        uint256 shares = pendingRedeemShares[t];
        if (shares == 0) return;
        uint64 batch = redeemBatch[t];
        if (infoDay <= redeemInfoDay[t]) return _defer(t, false, batch, DEFER_LOCKED);
        if (t != SENIOR && triggered) return _defer(t, false, batch, DEFER_TRIGGER);
        uint256 assets = _redeemValue(claim, supply, shares);
        if (assets > claims[t]) assets = claims[t];
        if (assets > cash) return _defer(t, false, batch, DEFER_CASH);
        if (check) {
            uint256[3] memory v = claims;
            v[t] -= assets;
            (bool ok, ) = _subordination(v);
            if (!ok) return _defer(t, false, batch, DEFER_SUBORDINATION);
        }
        claims[t] -= assets;
        balances[t] -= assets;
        cash -= assets;
        reservedRedemptions += assets;
        pendingRedeemShares[t] = 0;
        redeemBatch[t] = batch + 1;
        redeemSettlements[t][batch] = Settlement(shares, assets);
        tranches[t].vaultBurn(address(this), shares);
    }

    function _defer(uint256 t, bool deposit, uint64 batch, uint8 reason) private {
        emit BatchDeferred(t, deposit, batch, reason);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc ITrancheVault
    function trancheAssets(uint256 t) external view returns (uint256) {
        _tranche(t);
        return claims[t];
    }

    function getClaims() external view returns (uint256[3] memory) {
        return claims;
    }

    /// @notice Both ledgers at once: principal balances, PDLs, marked claims and the trapped reserve.
    function ledgers()
        external
        view
        returns (uint256[3] memory, uint256[3] memory, uint256[3] memory, uint256)
    {
        return (balances, pdl, claims, excessReserve);
    }

    function _tranche(uint256 t) private pure {
        if (t >= TRANCHE_COUNT) revert Vault__BadTranche(t);
    }

    function _onlyTranche(uint256 t) private view {
        _tranche(t);
        if (msg.sender != address(tranches[t])) revert Vault__OnlyTranche(msg.sender);
    }
}
