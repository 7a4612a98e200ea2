// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/* solhint-disable gas-strict-inequalities, gas-increment-by-one, max-line-length, no-empty-blocks */

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IAttestationRegistry} from "../../contracts/interfaces/IAttestationRegistry.sol";
import {ITrancheVault} from "../../contracts/interfaces/ITrancheVault.sol";
import {TrancheToken} from "../../contracts/vault/TrancheToken.sol";
import {TrancheVault} from "../../contracts/vault/TrancheVault.sol";
import {TestStablecoin} from "../../contracts/test/TestStablecoin.sol";
import {MockRegistry} from "./MockRegistry.sol";
import {TestBase} from "./TestBase.sol";

/// @title VaultHandler
/// @notice The random-sequence driver of the vault invariants: investors request, claim (through the ERC-7540
/// tranche tokens or the vault), cancel; pools are attested (clean, delinquent, charged off, breached),
/// funded, repaid, removed; time passes; epochs close. Every close is checked as it happens and the first
/// broken property is kept in `violation` (the invariant test then fails with it):
///  - realised conservation: Σ(balance − PDL) + reserve = cash + Σ principal;
///  - PDLs fill junior first;
///  - no tranche gains from another's loss: realised gains ≤ the close's income + the released reserve;
///  - a deposit executes only into a tranche with no PDL on it or above it (no inherited loss, no captured cure);
///  - senior's price never falls while mezzanine or junior still has a claim;
///  - a breach markdown followed by a clean attestation of the same figures restores every claim;
///  - ERC-7540 claims deliver exactly what `maxMint` / `maxWithdraw` announced.
contract VaultHandler is TestBase {
    uint256 internal constant USD = 1e6;
    uint256 internal constant DAY = 1 days;

    TestStablecoin public immutable token;
    MockRegistry public immutable registry;
    TrancheVault public immutable vault;
    TrancheToken[3] public tranches;
    address[4] public actors;
    uint64[5] public pools = [uint64(1), 2, 3, 4, 5];
    string public violation;
    mapping(string action => uint256) public calls;

    struct Snap {
        uint256[3] balances;
        uint256[3] pdl;
        uint256[3] claims;
        uint256 reserve;
        uint256[3] supplies;
        uint256[3] pendingDeposits;
        uint64[3] depositBatch;
        uint256 income;
    }

    constructor() {
        vm.warp(1_790_000_000); // late 2026
        token = new TestStablecoin();
        registry = new MockRegistry(45 days, address(this), 42);
        ITrancheVault.Config memory c = ITrancheVault.Config({
            seniorCouponBps: 100,
            mezzanineCouponBps: 200,
            minSubordinationBps: 1_500,
            haircut30Bps: 2_500,
            haircut60Bps: 5_000,
            haircut90Bps: 7_500,
            haircutDefaultedBps: 10_000,
            staleMarkdownBps: 5_000,
            maxBucket30Bps: 1_500,
            maxBucket60Bps: 1_000,
            maxBucket90Bps: 500,
            maxConcentrationBps: 2_500,
            minAverageScore: 600,
            triggerDelinquencyBps: 1_000,
            triggerLossBps: 2_000, // a cumulative-loss trigger never cures: high enough that sequences also run untriggered
            maxAge: 45 days,
            epochLength: 30 days,
            maxExposurePerPool: 1e15
        });
        vault = new TrancheVault(IERC20(address(token)), IAttestationRegistry(address(registry)), address(this), c);
        string[3] memory names = ["Senior", "Mezzanine", "Junior"];
        for (uint256 i = 0; i < 3; ++i) {
            tranches[i] = new TrancheToken(IERC20(address(token)), names[i], names[i], i, ITrancheVault(address(vault)));
        }
        vault.setTranches(tranches);
        vault.setPolicyAccepted(42, true);
        token.mint(address(this), 1e30);
        token.approve(address(vault), type(uint256).max);
        for (uint256 i = 0; i < 4; ++i) {
            address a = address(uint160(0xA11CE0 + i));
            actors[i] = a;
            token.mint(a, 1e30);
            vm.startPrank(a);
            token.approve(address(vault), type(uint256).max);
            for (uint256 t = 0; t < 3; ++t) token.approve(address(tranches[t]), type(uint256).max);
            vm.stopPrank();
        }
        for (uint256 i = 0; i < 5; ++i) registry.set(pools[i], _today(), _clean(1e10));
    }

    // ---------------------------------------------------------------- investors

    function requestDeposit(uint256 actor, uint256 t, uint256 amount, bool viaToken) external {
        address a = actors[actor % 4];
        t %= 3;
        amount = bound(amount, USD, 300_000 * USD);
        calls["requestDeposit"]++;
        vm.prank(a);
        if (viaToken) {
            try tranches[t].requestDeposit(amount, a, a) {} catch {}
        } else {
            try vault.requestDeposit(t, amount) {} catch {}
        }
    }

    function requestRedeem(uint256 actor, uint256 t, uint256 pct, bool viaToken) external {
        address a = actors[actor % 4];
        t %= 3;
        _claim(a, t);
        uint256 shares = (tranches[t].balanceOf(a) * bound(pct, 1, 100)) / 100;
        if (shares == 0) return;
        calls["requestRedeem"]++;
        vm.prank(a);
        if (viaToken) {
            try tranches[t].requestRedeem(shares, a, a) {} catch {}
        } else {
            try vault.requestRedeem(t, shares) {} catch {}
        }
    }

    function claim(uint256 actor, uint256 t) external {
        _claim(actors[actor % 4], t % 3);
    }

    function cancel(uint256 actor, uint256 t, bool deposit) external {
        address a = actors[actor % 4];
        vm.prank(a);
        if (deposit) {
            try vault.cancelDeposit(t % 3) {} catch {}
        } else {
            try vault.cancelRedeem(t % 3) {} catch {}
        }
    }

    /// @dev Claims through the ERC-7540 entry points and checks they deliver what the max* views announced.
    function _claim(address a, uint256 t) private {
        TrancheToken tr = tranches[t];
        uint256 assets = tr.maxDeposit(a);
        if (assets != 0) {
            uint256 announced = tr.maxMint(a);
            vm.prank(a);
            uint256 shares = tr.deposit(assets, a, a);
            _check(shares == announced && tr.maxDeposit(a) == 0, "ERC-7540 deposit claim != maxMint");
            calls["claimDeposit"]++;
        }
        uint256 shares_ = tr.maxRedeem(a);
        if (shares_ != 0) {
            uint256 announced = tr.maxWithdraw(a);
            uint256 before = token.balanceOf(a);
            vm.prank(a);
            uint256 out = tr.redeem(shares_, a, a);
            _check(out == announced && token.balanceOf(a) - before == out, "ERC-7540 redeem claim != maxWithdraw");
            calls["claimRedeem"]++;
        }
    }

    // ---------------------------------------------------------------- pools

    /// @notice The monthly cycle: every pool attested again (same figures), one of them per `kind`.
    function attestAll(uint256 pool, uint256 kind, uint256 amount) external {
        vm.warp(block.timestamp + DAY);
        for (uint256 i = 0; i < 5; ++i) _reattest(pools[i], 0);
        _attest(pool, kind, amount);
    }

    function attest(uint256 pool, uint256 kind, uint256 amount) external {
        vm.warp(block.timestamp + DAY); // the month's tape is attested after the month-end
        _attest(pool, kind, amount);
    }

    function _attest(uint256 pool, uint256 kind, uint256 amount) private {
        uint64 id = pools[pool % 5];
        (uint256 out, , , , , uint256 co, ) = registry.figures(id);
        MockRegistry.Figures memory f = _clean(out);
        f.chargedOff = co;
        kind %= 5;
        if (kind == 1) {
            f.bucket30 = (out * bound(amount, 0, 1_500)) / 10_000;
            f.bucket60 = (out * bound(amount >> 16, 0, 1_000)) / 10_000;
            f.bucket90 = (out * bound(amount >> 32, 0, 500)) / 10_000;
            f.defaulted = (out * bound(amount >> 48, 0, 500)) / 10_000;
        } else if (kind == 2) {
            uint256 delta = (out * bound(amount, 1, 1_500)) / 10_000;
            f.outstanding = out - delta;
            f.chargedOff = co + delta;
        } else if (kind == 3) {
            f.breaches = 1 << 3;
        }
        registry.set(id, _today(), f);
        calls["attest"]++;
    }

    function include(uint256 pool, uint256 amount) external {
        uint256 cash = vault.cash();
        if (cash == 0) return;
        try vault.include(pools[pool % 5], bound(amount, 1, cash / 2 + 1)) {
            calls["include"]++;
        } catch {}
    }

    function repay(uint256 pool, uint256 principal, uint256 interest) external {
        uint64 id = pools[pool % 5];
        (uint128 p, , , , bool funded) = vault.positions(id);
        if (!funded) return;
        principal = bound(principal, 0, uint256(p) / 2);
        interest = bound(interest, 1, uint256(p) / 50 + 1_000 * USD);
        vault.repay(id, principal, interest);
        calls["repay"]++;
    }

    function removePool(uint256 pool) external {
        try vault.removePool(pools[pool % 5]) {
            calls["removePool"]++;
        } catch {}
    }

    function warp(uint256 d) external {
        vm.warp(block.timestamp + bound(d, 1, 20) * DAY);
    }

    // ---------------------------------------------------------------- closes

    function close(uint256 d) external {
        vm.warp(block.timestamp + bound(d, 0, 15) * DAY);
        _close();
    }

    /// @dev From any state with funded pools: every pending request is cancelled and a baseline close runs on
    /// fresh clean attestations of the current figures (absorbing any pending income or loss); then a breach
    /// bit on every pool (same figures) and a close must leave the realised ledgers untouched, and a clean
    /// attestation of the same figures and a close must restore every claim to the baseline exactly.
    function markdownRoundTrip() external {
        uint256 n = vault.poolCount();
        if (n == 0) return;
        for (uint256 i = 0; i < 4; ++i) {
            for (uint256 t = 0; t < 3; ++t) {
                vm.prank(actors[i]);
                try vault.cancelDeposit(t) {} catch {}
                vm.prank(actors[i]);
                try vault.cancelRedeem(t) {} catch {}
            }
        }
        vm.warp(block.timestamp + DAY);
        for (uint256 i = 0; i < n; ++i) _reattest(vault.poolIds(i), 0);
        _close();
        Snap memory s0 = _snap();
        for (uint256 i = 0; i < n; ++i) _reattest(vault.poolIds(i), 1 << 3);
        _close();
        Snap memory s1 = _snap();
        _check(
            _eq(s0.balances, s1.balances) && _eq(s0.pdl, s1.pdl) && s0.reserve == s1.reserve,
            "a breach markdown touched the realised ledgers"
        );
        for (uint256 i = 0; i < n; ++i) _reattest(vault.poolIds(i), 0);
        _close();
        Snap memory s2 = _snap();
        _check(_eq(s0.claims, s2.claims), "a breach markdown followed by a clean attestation did not restore the claims");
        calls["markdownRoundTrip"]++;
    }

    function _reattest(uint64 id, uint256 breaches) private {
        (uint256 out, uint256 b30, uint256 b60, uint256 b90, uint256 def, uint256 co, ) = registry.figures(id);
        registry.set(id, _today(), MockRegistry.Figures(out, b30, b60, b90, def, co, breaches));
    }

    function _close() private {
        Snap memory b = _snap();
        uint64[3] memory rb = [vault.redeemBatch(0), vault.redeemBatch(1), vault.redeemBatch(2)];
        vault.closeEpoch();
        Snap memory a = _snap();
        calls["close"]++;
        for (uint256 t = 0; t < 3; ++t) {
            if (a.depositBatch[t] != b.depositBatch[t]) calls["depositExecuted"]++;
            if (vault.redeemBatch(t) != rb[t]) calls["redeemExecuted"]++;
        }
        // realised conservation
        uint256 realised = a.reserve;
        for (uint256 t = 0; t < 3; ++t) realised += a.balances[t] - a.pdl[t];
        _check(realised == vault.cash() + _principal(), "realised claims + reserve != cash + principal");
        // PDLs junior first
        if (a.pdl[0] != 0) _check(a.balances[1] == a.pdl[1] && a.balances[2] == a.pdl[2], "senior PDL before mezzanine and junior were wiped");
        if (a.pdl[1] != 0) _check(a.balances[2] == a.pdl[2], "mezzanine PDL before junior was wiped");
        // no gains beyond income (deposits executed at this close are inflows, not gains)
        uint256 gains;
        for (uint256 t = 0; t < 3; ++t) {
            uint256 inflow = a.depositBatch[t] != b.depositBatch[t] ? b.pendingDeposits[t] : 0;
            uint256 now_ = a.balances[t] - a.pdl[t];
            uint256 was = b.balances[t] - b.pdl[t] + inflow;
            if (now_ > was) gains += now_ - was;
            // deposits only into tranches without a PDL on them or above them
            if (inflow != 0) {
                for (uint256 i = 0; i <= t; ++i) _check(a.pdl[i] == 0, "a deposit executed below or into a PDL");
            }
        }
        uint256 released = b.reserve > a.reserve ? b.reserve - a.reserve : 0;
        _check(gains <= b.income + released, "a tranche gained more than the close's income");
        // senior's price never falls while a junior tranche still has a claim
        bool fell = (a.claims[0] + 1) * (b.supplies[0] + 1e6) < (b.claims[0] + 1) * (a.supplies[0] + 1e6);
        if (fell) _check(a.claims[1] == 0 && a.claims[2] == 0, "senior's price fell while junior or mezzanine had a claim");
    }

    // ---------------------------------------------------------------- helpers

    function _snap() private view returns (Snap memory s) {
        (s.balances, s.pdl, s.claims, s.reserve) = vault.ledgers();
        for (uint256 t = 0; t < 3; ++t) {
            s.supplies[t] = tranches[t].totalSupply();
            s.pendingDeposits[t] = vault.pendingDeposits(t);
            s.depositBatch[t] = vault.depositBatch(t);
        }
        s.income = vault.pendingIncome();
    }

    function _principal() public view returns (uint256 sum) {
        for (uint256 i = 0; i < 5; ++i) {
            (uint128 p, , , , ) = vault.positions(pools[i]);
            sum += p;
        }
    }

    function _eq(uint256[3] memory x, uint256[3] memory y) private pure returns (bool) {
        return x[0] == y[0] && x[1] == y[1] && x[2] == y[2];
    }

    function _check(bool ok, string memory why) private {
        if (!ok && bytes(violation).length == 0) violation = why;
    }

    function _today() private view returns (uint16) {
        return uint16(block.timestamp / DAY);
    }

    function _clean(uint256 out) private pure returns (MockRegistry.Figures memory f) {
        f.outstanding = out == 0 ? 1e10 : out;
    }
}
