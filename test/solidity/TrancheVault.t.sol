// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/* solhint-disable gas-strict-inequalities, gas-increment-by-one, func-name-mixedcase, max-line-length, no-empty-blocks */

import {ITrancheVault} from "../../contracts/interfaces/ITrancheVault.sol";
import {IERC7540Deposit, IERC7540Operator, IERC7540Redeem, IERC7575} from "../../contracts/interfaces/IERC7540.sol";
import {TrancheToken} from "../../contracts/vault/TrancheToken.sol";
import {TrancheVault} from "../../contracts/vault/TrancheVault.sol";
import {MockRegistry} from "./MockRegistry.sol";
import {TestBase} from "./TestBase.sol";
import {VaultHandler} from "./VaultHandler.sol";

/// @title Tranche vault invariants over random sequences (Hardhat's Solidity test runner)
/// @notice `npx hardhat test solidity` (CI profile) or `--test-profile bench` (>= 1,000 runs per property):
/// the handler drives random sequences and checks each close; these invariants also hold between steps.
contract TrancheVaultInvariants is TestBase {
    VaultHandler internal h;

    function setUp() public {
        h = new VaultHandler();
    }

    function targetContracts() public view returns (address[] memory t) {
        t = new address[](1);
        t[0] = address(h);
    }

    /// @notice The vault holds every unit it owes, and the realised ledgers add up to cash and principal.
    function invariant_assetsConserved() public view {
        TrancheVault v = h.vault();
        uint256 owed = v.cash() + v.escrowedDeposits() + v.reservedRedemptions();
        assertGe(h.token().balanceOf(address(v)), owed, "vault balance below what it owes");
        (uint256[3] memory b, uint256[3] memory d, , uint256 r) = v.ledgers();
        uint256 realised = r + v.pendingIncome() + b[0] - d[0] + b[1] - d[1] + b[2] - d[2];
        assertEq(realised, v.cash() + h._principal() + v.pendingLoss(), "realised ledgers != cash + principal");
    }

    /// @notice The handler reaches every action, the waterfall's paths and the markdown round trip on a
    /// seeded sequence of the fuzzer's length (a suite whose sequences never close an epoch would prove
    /// nothing).
    function test_handlerReachesEveryPath() public {
        for (uint256 i = 0; i < 600; ++i) {
            uint256 r = uint256(keccak256(abi.encode(i)));
            uint256 a = r >> 8;
            uint256 k = r % 13;
            if (k == 0) h.requestDeposit(a, a >> 8, a >> 16, (a >> 100) % 2 == 0);
            else if (k == 1) h.requestRedeem(a, a >> 8, a >> 16, (a >> 100) % 2 == 0);
            else if (k == 2) h.claim(a, a >> 8);
            else if (k == 3) h.cancel(a, a >> 8, (a >> 100) % 2 == 0);
            else if (k == 4) h.attest(a, a >> 8, a >> 16);
            else if (k == 5 || k == 6) h.include(a, a >> 8);
            else if (k == 7) h.repay(a, a >> 8, a >> 16);
            else if (k == 8) h.removePool(a);
            else if (k == 9) h.warp(a);
            else if (k == 10) h.close(a);
            else if (k == 11) h.attestAll(a, a >> 8, a >> 16);
            else h.markdownRoundTrip();
        }
        string[11] memory actions = [
            "close",
            "depositExecuted",
            "redeemExecuted",
            "include",
            "requestDeposit",
            "requestRedeem",
            "claimDeposit",
            "claimRedeem",
            "repay",
            "attest",
            "markdownRoundTrip"
        ];
        for (uint256 i = 0; i < actions.length; ++i) assertGe(h.calls(actions[i]), 1, actions[i]);
        assertGe(h.vault().cumulativeLoss(), 1, "no loss was ever realised");
        string memory why = h.violation();
        assertTrue(bytes(why).length == 0, why);
    }

    /// @notice No property checked at a close (see VaultHandler) has ever failed.
    function invariant_closesKeepTheWaterfallRules() public view {
        string memory why = h.violation();
        assertTrue(bytes(why).length == 0, why);
    }
}

/// @title ERC-4626 / ERC-7540 properties of the tranche tokens through the asynchronous path
contract TrancheTokenAsyncProperties is TestBase {
    VaultHandler internal h;
    TrancheVault internal v;
    TrancheToken internal junior;
    TrancheToken internal senior;
    address internal alice = address(0xA11CE0);
    address internal bob = address(0xA11CE1);

    event Deposit(address indexed sender, address indexed owner, uint256 assets, uint256 shares);
    event Withdraw(address indexed sender, address indexed receiver, address indexed owner, uint256 assets, uint256 shares);

    function setUp() public {
        h = new VaultHandler();
        v = h.vault();
        junior = h.tranches(2);
        senior = h.tranches(0);
        // a seeded vault: 150k junior, 100k mezzanine, 750k senior, executed
        TrancheToken mezzanine = h.tranches(1);
        vm.prank(alice);
        junior.requestDeposit(150_000e6, alice, alice);
        vm.prank(alice);
        mezzanine.requestDeposit(100_000e6, alice, alice);
        vm.prank(bob);
        senior.requestDeposit(750_000e6, bob, bob);
        h.close(0);
        h.claim(0, 2);
        h.claim(0, 1);
        h.claim(1, 0);
    }

    function test_interfaceIdsAreTheStandards() public view {
        assertTrue(type(IERC7540Deposit).interfaceId == 0xce3bbe50, "ERC-7540 async deposit id");
        assertTrue(type(IERC7540Redeem).interfaceId == 0x620ee8e4, "ERC-7540 async redeem id");
        assertTrue(type(IERC7540Operator).interfaceId == 0xe3bc4e65, "ERC-7540 operator id");
        assertTrue(type(IERC7575).interfaceId == 0x2f0a18c5, "ERC-7575 share id");
        for (uint256 i = 0; i < 4; ++i) {
            bytes4 id = [bytes4(0xce3bbe50), 0x620ee8e4, 0xe3bc4e65, 0x2f0a18c5][i];
            assertTrue(junior.supportsInterface(id), "supportsInterface");
        }
        assertTrue(junior.share() == address(junior), "share()");
    }

    function testFuzz_previewsRevertForAsyncFlows(uint256 x) public {
        vm.expectRevert(abi.encodeWithSelector(ITrancheVault.Vault__AsyncOnly.selector));
        junior.previewDeposit(x);
        vm.expectRevert(abi.encodeWithSelector(ITrancheVault.Vault__AsyncOnly.selector));
        junior.previewMint(x);
        vm.expectRevert(abi.encodeWithSelector(ITrancheVault.Vault__AsyncOnly.selector));
        junior.previewRedeem(x);
        vm.expectRevert(abi.encodeWithSelector(ITrancheVault.Vault__AsyncOnly.selector));
        junior.previewWithdraw(x);
    }

    /// @notice request -> pending -> close -> claimable (max*) -> claim with the ERC-4626 Deposit event; the
    /// shares are never worth more than the assets paid (rounding favours the vault).
    function testFuzz_depositRequestClaim(uint256 assets) public {
        assets = bound(assets, 1, 1e13);
        vm.prank(bob);
        junior.requestDeposit(assets, bob, bob);
        assertEq(junior.pendingDepositRequest(0, bob), assets, "pending");
        assertEq(junior.claimableDepositRequest(0, bob), 0, "claimable before the close");
        assertEq(junior.maxDeposit(bob), 0, "maxDeposit before the close");
        h.attest(0, 0, 0);
        h.close(31);
        assertEq(junior.pendingDepositRequest(0, bob), 0, "pending after the close");
        assertEq(junior.claimableDepositRequest(0, bob), assets, "claimable");
        assertEq(junior.maxDeposit(bob), assets, "maxDeposit");
        uint256 shares = junior.maxMint(bob);
        vm.expectEmit(true, true, false, true, address(junior));
        emit Deposit(bob, bob, assets, shares);
        vm.prank(bob);
        assertEq(junior.deposit(assets, bob, bob), shares, "deposit returns maxMint");
        assertEq(junior.balanceOf(bob), shares, "shares received");
        assertLe(junior.convertToAssets(shares), assets, "shares worth more than the assets paid");
        assertEq(junior.maxDeposit(bob), 0, "maxDeposit after the claim");
    }

    /// @notice Partial claims (mint then deposit) never deliver more shares than one full claim.
    function testFuzz_partialClaimsNeverExceedTheWhole(uint256 assets, uint256 part) public {
        assets = bound(assets, 2, 1e13);
        vm.prank(bob);
        junior.requestDeposit(assets, bob, bob);
        h.attest(0, 0, 0);
        h.close(31);
        uint256 whole = junior.maxMint(bob);
        part = bound(part, 1, whole);
        vm.prank(bob);
        uint256 paid = junior.mint(part, bob, bob);
        uint256 rest = junior.maxDeposit(bob);
        assertEq(rest, assets - paid, "assets left to claim");
        if (rest != 0) {
            vm.prank(bob);
            junior.deposit(rest, bob, bob);
        }
        assertLe(junior.balanceOf(bob), whole, "partial claims exceed the whole");
    }

    /// @notice A deposit-redeem round trip through the asynchronous path never returns more than it put in,
    /// and the claim emits the ERC-4626 Withdraw event.
    function testFuzz_roundTripNeverProfits(uint256 assets) public {
        assets = bound(assets, 1e6, 1e11);
        vm.prank(bob);
        junior.requestDeposit(assets, bob, bob);
        h.attest(0, 0, 0);
        h.close(31);
        vm.prank(bob);
        uint256 shares = junior.deposit(assets, bob, bob);
        vm.prank(bob);
        junior.requestRedeem(shares, bob, bob);
        assertEq(junior.pendingRedeemRequest(0, bob), shares, "pending redeem");
        h.attest(0, 0, 0);
        h.close(31);
        assertEq(junior.claimableRedeemRequest(0, bob), shares, "claimable redeem");
        uint256 out = junior.maxWithdraw(bob);
        vm.expectEmit(true, true, true, true, address(junior));
        emit Withdraw(bob, bob, bob, out, shares);
        vm.prank(bob);
        assertEq(junior.redeem(shares, bob, bob), out, "redeem returns maxWithdraw");
        assertLe(out, assets, "round trip profit");
    }

    /// @notice Only the controller or its operator claims; an operator may.
    function testFuzz_operatorsOnly(uint256 assets, address stranger) public {
        vm.assume(stranger != bob && stranger != address(0));
        assets = bound(assets, 1, 1e12);
        vm.prank(bob);
        junior.requestDeposit(assets, bob, bob);
        h.attest(0, 0, 0);
        h.close(31);
        vm.expectRevert(abi.encodeWithSelector(ITrancheVault.Vault__NotOperator.selector, bob, stranger));
        vm.prank(stranger);
        junior.deposit(assets, stranger, bob);
        vm.prank(bob);
        junior.setOperator(stranger, true);
        vm.prank(stranger);
        junior.deposit(assets, stranger, bob);
        assertEq(junior.maxDeposit(bob), 0, "claimed by the operator");
    }

    /// @notice Recovery sniping: whatever the loss, the sniper's deposit and the later recovery, a deposit
    /// requested just before the loss close is worth at most what it paid once the recovery is in.
    function testFuzz_snipingUnprofitable(uint256 lossBps, uint256 snipe, uint256 recovery) public {
        h.include(0, 800_000e6);
        snipe = bound(snipe, 1, 1e9);
        address sniper = address(0xA11CE3);
        vm.prank(sniper);
        junior.requestDeposit(snipe, sniper, sniper);
        h.attest(0, 2, lossBps); // a charge-off of up to 15% of the pool
        h.close(31);
        h.attest(0, 0, 0);
        h.close(31); // the sniper's deposit would execute here if a tranche with a PDL took deposits
        vm.prank(address(h));
        v.repay(1, 0, bound(recovery, 1, 600_000e6));
        h.attest(0, 0, 0);
        h.close(31);
        uint256 shares = junior.maxMint(sniper);
        if (shares != 0) {
            vm.prank(sniper);
            junior.mint(shares, sniper, sniper);
        }
        assertLe(junior.convertToAssets(junior.balanceOf(sniper)), snipe, "the sniper captured part of the cure");
    }

    /// @notice The vault values at most 32 pools at a time, but repaid ones leave and new ones come: 40 over
    /// its life.
    function test_moreThan32PoolsOverItsLife() public {
        MockRegistry reg = h.registry();
        for (uint64 id = 100; id < 140; ++id) {
            reg.set(id, uint16(block.timestamp / 1 days), MockRegistry.Figures(1e10, 0, 0, 0, 0, 0, 0));
            if (v.poolCount() == 32) {
                uint64 old = v.poolIds(0);
                vm.expectRevert(abi.encodeWithSelector(ITrancheVault.Vault__TooManyPools.selector, 32));
                vm.prank(address(h));
                v.include(id, 1e6);
                (uint128 p, , , , ) = v.positions(old);
                vm.prank(address(h));
                v.repay(old, p, 0);
                vm.prank(address(h));
                v.removePool(old);
            }
            vm.prank(address(h));
            v.include(id, 1e6);
        }
        assertEq(v.poolCount(), 32, "active pools");
        vm.prank(address(h));
        v.closeEpoch();
    }
}
