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
import {IAttestationRegistry} from "../interfaces/IAttestationRegistry.sol";
import {ITrancheVault} from "../interfaces/ITrancheVault.sol";
import {PoolSignalsCodec as Codec} from "../libraries/PoolSignalsCodec.sol";
import {TrancheToken} from "./TrancheToken.sol";

/// @title TrancheVault
/// @notice Funds attested loan pools from three tranches and runs the waterfall from attested figures.
/// @dev Accounting is internal (`cash`, `claims`): tokens sent to the vault without a call are ignored.
/// Pool value rule (sdk/vault/model.ts is the independent twin):
///  - a pool's newer attestation realises the charge-offs new since the position last saw the pool as a loss
///    of principal (the attested chargedOff is cumulative over the tape's loans, so only its increase is new):
///    delta = max(chargedOff - chargedOffSeen, 0); loss = ceil(principal * delta / (outstanding + delta));
///    a new position starts from the chargedOff of the attestation it was funded on (it inherits no old loss);
///  - value = principal - ceil(principal * (h30*b30 + h60*b60 + h90*b90 + hD*defaulted) / (10000 * outstanding)),
///    0 when outstanding is 0;
///  - a stale (asOfDate older than maxAge) or breached attestation marks the value down by staleMarkdownBps.
/// NAV = cash + sum of pool values. At epoch close the change in NAV runs the waterfall (gains pay the senior
/// then the mezzanine coupon, junior takes the residual; losses hit junior, then mezzanine, then senior), then
/// the epoch's requests execute at the post-waterfall prices, each tranche batch all or nothing, deferred when
/// cash is short or when it would leave junior + mezzanine below minSubordinationBps of assets.
// solhint-disable-next-line max-states-count
contract TrancheVault is ITrancheVault, Ownable2Step, ReentrancyGuard {
    using SafeERC20 for IERC20;
    using Codec for uint256;

    uint256 private constant BPS = 10_000;
    uint256 private constant MAX_POOLS = 32;
    uint256 private constant VIRTUAL_SHARES = 1e6;
    uint256 private constant VIRTUAL_ASSETS = 1;
    uint8 internal constant LIMIT_EMPTY = 0;
    uint8 internal constant LIMIT_BUCKET30 = 1;
    uint8 internal constant LIMIT_BUCKET60 = 2;
    uint8 internal constant LIMIT_BUCKET90 = 3;
    uint8 internal constant LIMIT_CONCENTRATION = 4;
    uint8 internal constant LIMIT_SCORE = 5;
    uint8 internal constant LIMIT_EXPOSURE = 6;

    // solhint-disable-next-line immutable-vars-naming
    IERC20 public immutable asset;
    // solhint-disable-next-line immutable-vars-naming
    IAttestationRegistry public immutable registry;
    TrancheToken[3] public tranches;
    Config private _config;

    uint256[3] public claims;
    uint256 public cash;
    uint256 public escrowedDeposits;
    uint256 public reservedRedemptions;
    uint64 public epoch;
    uint64 public lastCloseAt;

    mapping(uint256 policyHash => bool) public acceptedPolicy;
    uint64[] public poolIds;
    mapping(uint64 poolId => Position) public positions;

    uint64[3] public depositBatch;
    uint64[3] public redeemBatch;
    uint256[3] public pendingDeposits;
    uint256[3] public pendingRedeemShares;
    mapping(uint256 tranche => mapping(address user => Request)) public depositRequests;
    mapping(uint256 tranche => mapping(address user => Request)) public redeemRequests;
    mapping(uint256 tranche => mapping(uint64 batch => Settlement)) public depositSettlements;
    mapping(uint256 tranche => mapping(uint64 batch => Settlement)) public redeemSettlements;

    constructor(
        IERC20 asset_,
        IAttestationRegistry registry_,
        address governance,
        Config memory config_
    ) Ownable(governance) {
        asset = asset_;
        registry = registry_;
        _setConfig(config_);
        lastCloseAt = uint64(block.timestamp);
    }

    // ---------------------------------------------------------------- governance

    /// @notice Wires the three tranche tokens (once); each must be bound to this vault and asset.
    function setTranches(TrancheToken[3] calldata t) external onlyOwner {
        if (address(tranches[0]) != address(0)) revert Vault__BadConfig();
        for (uint256 i = 0; i < 3; ++i) {
            if (address(t[i].vault()) != address(this) || t[i].tranche() != i || t[i].asset() != address(asset)) {
                revert Vault__BadConfig();
            }
            tranches[i] = t[i];
        }
    }

    function setConfig(Config calldata config_) external onlyOwner {
        _setConfig(config_);
    }

    function setPolicyAccepted(uint256 policyHash, bool accepted) external onlyOwner {
        acceptedPolicy[policyHash] = accepted;
        emit PolicyAccepted(policyHash, accepted);
    }

    function config() external view returns (Config memory) {
        return _config;
    }

    function _setConfig(Config memory c) private {
        if (
            c.seniorCouponBps > BPS ||
            c.mezzanineCouponBps > BPS ||
            c.minSubordinationBps > BPS ||
            c.haircut30Bps > BPS ||
            c.haircut60Bps > BPS ||
            c.haircut90Bps > BPS ||
            c.haircutDefaultedBps > BPS ||
            c.staleMarkdownBps > BPS ||
            c.maxAge == 0 ||
            c.epochLength == 0
        ) revert Vault__BadConfig();
        _config = c;
    }

    // ---------------------------------------------------------------- pools

    /// @notice Funds `amount` of free cash into a pool with a valid, fresh, compliant attestation.
    function include(uint64 poolId, uint256 amount) external onlyOwner nonReentrant {
        if (amount == 0) revert Vault__ZeroAmount();
        IAttestationRegistry.Attestation memory a = registry.attestation(poolId);
        Position storage pos = positions[poolId];
        if (pos.listed && a.period > pos.lastPeriod) _realise(poolId, pos, a);
        _checkEligible(poolId, a, pos.principal + amount);
        if (amount > cash) revert Vault__InsufficientCash(amount, cash);
        if (!pos.listed) {
            if (poolIds.length >= MAX_POOLS) revert Vault__TooManyPools(MAX_POOLS);
            pos.listed = true;
            pos.lastPeriod = a.period;
            pos.chargedOffSeen = uint88(a.figB.chargedOff());
            poolIds.push(poolId);
        }
        pos.principal += uint128(amount);
        cash -= amount;
        asset.safeTransfer(registry.poolOriginator(poolId), amount);
        emit PoolIncluded(poolId, amount, a.period);
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
        if (uint256(a.asOfDate) * 1 days + c.maxAge < block.timestamp) {
            revert Vault__StaleAttestation(poolId, a.asOfDate, uint64((block.timestamp - c.maxAge + 1 days - 1) / 1 days));
        }
        if (a.figC.breaches() != 0) revert Vault__PoolBreached(poolId, a.figC.breaches());
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

    /// @notice Pays collections of a funded pool into the vault: `principal` reduces the position.
    function repay(uint64 poolId, uint256 principal, uint256 interest) external nonReentrant {
        Position storage pos = positions[poolId];
        if (!pos.listed) revert Vault__UnknownPool(poolId);
        if (principal + interest == 0) revert Vault__ZeroAmount();
        asset.safeTransferFrom(msg.sender, address(this), principal + interest);
        if (principal > pos.principal) {
            interest += principal - pos.principal;
            principal = pos.principal;
        }
        pos.principal -= uint128(principal);
        cash += principal + interest;
        emit CollectionReceived(poolId, principal, interest);
    }

    function _realise(uint64 poolId, Position storage pos, IAttestationRegistry.Attestation memory a) private {
        uint256 co = a.figB.chargedOff();
        uint256 seen = pos.chargedOffSeen;
        uint256 delta = co > seen ? co - seen : 0;
        uint256 base = a.figA.outstanding() + delta;
        uint256 loss = base == 0 ? 0 : Math.mulDiv(pos.principal, delta, base, Math.Rounding.Ceil);
        pos.principal -= uint128(loss);
        pos.lastPeriod = a.period;
        pos.chargedOffSeen = uint88(co);
        if (loss != 0) emit ChargeOffRealised(poolId, a.period, loss);
    }

    /// @notice Value of a position of `principal` under attestation `a`, by the rule in the contract header.
    function poolValue(uint256 principal, IAttestationRegistry.Attestation memory a) public view returns (uint256 value) {
        uint256 out = a.figA.outstanding();
        if (out == 0 || principal == 0) return 0;
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
        bool stale = uint256(a.asOfDate) * 1 days + c.maxAge < block.timestamp;
        if (stale || a.figC.breaches() != 0) value = (value * (BPS - c.staleMarkdownBps)) / BPS;
    }

    function poolCount() external view returns (uint256) {
        return poolIds.length;
    }

    // ---------------------------------------------------------------- requests (ERC-7540 pattern)

    /// @notice Requests a deposit of `assets` into tranche `t`, executed at the next epoch close.
    function requestDeposit(uint256 t, uint256 assets) external nonReentrant {
        _tranche(t);
        if (assets == 0) revert Vault__ZeroAmount();
        _claimDeposit(t, msg.sender);
        if (t == 0) _checkProjected(t, assets, 0);
        asset.safeTransferFrom(msg.sender, address(this), assets);
        Request storage r = depositRequests[t][msg.sender];
        r.amount += uint128(assets);
        r.batch = depositBatch[t];
        pendingDeposits[t] += assets;
        escrowedDeposits += assets;
        emit DepositRequested(t, msg.sender, assets, r.batch);
    }

    /// @notice Requests the redemption of `shares` of tranche `t`, executed at the next epoch close.
    function requestRedeem(uint256 t, uint256 shares) external nonReentrant {
        _tranche(t);
        if (shares == 0) revert Vault__ZeroAmount();
        _claimRedeem(t, msg.sender);
        uint256 balance = tranches[t].balanceOf(msg.sender);
        if (shares > balance) revert Vault__InsufficientShares(shares, balance);
        if (t != 0) _checkProjected(t, 0, shares);
        tranches[t].vaultTransfer(msg.sender, address(this), shares);
        Request storage r = redeemRequests[t][msg.sender];
        r.amount += uint128(shares);
        r.batch = redeemBatch[t];
        pendingRedeemShares[t] += shares;
        emit RedeemRequested(t, msg.sender, shares, r.batch);
    }

    /// @notice Delivers the shares of the caller's settled deposit request.
    function claimDeposit(uint256 t) external nonReentrant returns (uint256) {
        _tranche(t);
        return _claimDeposit(t, msg.sender);
    }

    /// @notice Delivers the assets of the caller's settled redemption request.
    function claimRedeem(uint256 t) external nonReentrant returns (uint256) {
        _tranche(t);
        return _claimRedeem(t, msg.sender);
    }

    /// @notice Withdraws the caller's not yet executed deposit request (e.g. deferred for subordination).
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

    function _claimDeposit(uint256 t, address user) private returns (uint256 shares) {
        Request storage r = depositRequests[t][user];
        if (r.amount == 0 || r.batch >= depositBatch[t]) return 0;
        Settlement memory s = depositSettlements[t][r.batch];
        shares = Math.mulDiv(r.amount, s.amountOut, s.amountIn);
        delete depositRequests[t][user];
        tranches[t].vaultTransfer(address(this), user, shares);
        emit DepositClaimed(t, user, shares);
    }

    function _claimRedeem(uint256 t, address user) private returns (uint256 assets) {
        Request storage r = redeemRequests[t][user];
        if (r.amount == 0 || r.batch >= redeemBatch[t]) return 0;
        Settlement memory s = redeemSettlements[t][r.batch];
        assets = Math.mulDiv(r.amount, s.amountOut, s.amountIn);
        delete redeemRequests[t][user];
        reservedRedemptions -= assets;
        asset.safeTransfer(user, assets);
        emit RedeemClaimed(t, user, assets);
    }

    /// @dev Refuses a request that, executed with every pending request at current prices, would leave
    /// junior + mezzanine below the minimum subordination.
    function _checkProjected(uint256 t, uint256 addAssets, uint256 addShares) private view {
        uint256[3] memory v;
        for (uint256 i = 0; i < 3; ++i) {
            uint256 shares = pendingRedeemShares[i] + (i == t ? addShares : 0);
            uint256 out = _redeemValue(claims[i], tranches[i].totalSupply(), shares);
            v[i] = claims[i] + pendingDeposits[i] + (i == t ? addAssets : 0) - out;
        }
        _requireSubordination(v);
    }

    function _requireSubordination(uint256[3] memory v) private view {
        (bool ok, uint256 bps) = _subordination(v);
        if (!ok) revert Vault__SubordinationBreached(bps, _config.minSubordinationBps);
    }

    function _subordination(uint256[3] memory v) private view returns (bool ok, uint256 bps) {
        uint256 total = v[0] + v[1] + v[2];
        if (total == 0) return (true, BPS);
        bps = ((v[1] + v[2]) * BPS) / total;
        ok = (v[1] + v[2]) * BPS >= uint256(_config.minSubordinationBps) * total;
    }

    function _redeemValue(uint256 claim, uint256 supply, uint256 shares) private pure returns (uint256) {
        uint256 value = Math.mulDiv(shares, claim + VIRTUAL_ASSETS, supply + VIRTUAL_SHARES);
        return value > claim ? claim : value;
    }

    // ---------------------------------------------------------------- epoch close

    /// @notice Marks the pools, runs the waterfall and executes the epoch's requests at the new prices.
    function closeEpoch() external nonReentrant {
        uint64 endsAt = lastCloseAt + _config.epochLength;
        if (msg.sender != owner() && block.timestamp < endsAt) revert Vault__EpochNotOver(endsAt, uint64(block.timestamp));
        uint256 nav = cash + _markPools();
        _waterfall(nav);
        uint256[3] memory c = claims;
        emit WaterfallApplied(epoch + 1, nav, c[0], c[1], c[2]);
        uint256[3] memory s;
        for (uint256 i = 0; i < 3; ++i) s[i] = tranches[i].totalSupply();
        _settleDeposit(2, c[2], s[2], false);
        _settleDeposit(1, c[1], s[1], false);
        _settleRedeem(0, c[0], s[0], false);
        _settleDeposit(0, c[0], s[0], true);
        _settleRedeem(1, c[1], s[1], true);
        _settleRedeem(2, c[2], s[2], true);
        epoch += 1;
        lastCloseAt = uint64(block.timestamp);
        emit EpochClosed(epoch, nav, claims[0], claims[1], claims[2]);
    }

    function _markPools() private returns (uint256 total) {
        uint256 n = poolIds.length;
        for (uint256 i = 0; i < n; ++i) {
            uint64 id = poolIds[i];
            Position storage pos = positions[id];
            if (pos.principal == 0) continue;
            IAttestationRegistry.Attestation memory a = registry.attestation(id);
            if (a.period > pos.lastPeriod) _realise(id, pos, a);
            total += poolValue(pos.principal, a);
        }
    }

    function _waterfall(uint256 nav) private {
        uint256[3] memory c = claims;
        uint256 prev = c[0] + c[1] + c[2];
        if (nav >= prev) {
            uint256 gain = nav - prev;
            uint256 pay = Math.min(gain, (c[0] * _config.seniorCouponBps) / BPS);
            c[0] += pay;
            gain -= pay;
            pay = Math.min(gain, (c[1] * _config.mezzanineCouponBps) / BPS);
            c[1] += pay;
            c[2] += gain - pay;
        } else {
            uint256 loss = prev - nav;
            for (uint256 i = 3; i > 0; --i) {
                uint256 hit = Math.min(loss, c[i - 1]);
                c[i - 1] -= hit;
                loss -= hit;
            }
        }
        claims = c;
    }

    function _settleDeposit(uint256 t, uint256 claim, uint256 supply, bool check) private {
        uint256 assets = pendingDeposits[t];
        if (assets == 0) return;
        if (check) {
            uint256[3] memory v = claims;
            v[t] += assets;
            (bool ok, ) = _subordination(v);
            if (!ok) return _defer(t, true, depositBatch[t]);
        }
        uint256 shares = Math.mulDiv(assets, supply + VIRTUAL_SHARES, claim + VIRTUAL_ASSETS);
        claims[t] += assets;
        cash += assets;
        escrowedDeposits -= assets;
        pendingDeposits[t] = 0;
        uint64 batch = depositBatch[t]++;
        depositSettlements[t][batch] = Settlement(uint128(assets), uint128(shares));
        tranches[t].vaultMint(address(this), shares);
    }

    function _settleRedeem(uint256 t, uint256 claim, uint256 supply, bool check) private {
        uint256 shares = pendingRedeemShares[t];
        if (shares == 0) return;
        uint256 assets = _redeemValue(claim, supply, shares);
        if (assets > claims[t]) assets = claims[t];
        if (assets > cash) return _defer(t, false, redeemBatch[t]);
        if (check) {
            uint256[3] memory v = claims;
            v[t] -= assets;
            (bool ok, ) = _subordination(v);
            if (!ok) return _defer(t, false, redeemBatch[t]);
        }
        claims[t] -= assets;
        cash -= assets;
        reservedRedemptions += assets;
        pendingRedeemShares[t] = 0;
        uint64 batch = redeemBatch[t]++;
        redeemSettlements[t][batch] = Settlement(uint128(shares), uint128(assets));
        tranches[t].vaultBurn(address(this), shares);
    }

    function _defer(uint256 t, bool deposit, uint64 batch) private {
        emit BatchDeferred(t, deposit, batch);
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

    function _tranche(uint256 t) private pure {
        if (t > 2) revert Vault__BadTranche(t);
    }
}
