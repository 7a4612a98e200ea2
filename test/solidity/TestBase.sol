// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/* solhint-disable gas-strict-inequalities, gas-increment-by-one, func-name-mixedcase, max-line-length */

import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";

/// @notice The cheatcodes these tests use (Foundry's cheatcode interface as Hardhat's EDR runner implements it).
interface Vm {
    function warp(uint256 timestamp) external;

    function prank(address sender) external;

    function startPrank(address sender) external;

    function stopPrank() external;

    function expectRevert(bytes calldata revertData) external;

    function expectEmit(bool checkTopic1, bool checkTopic2, bool checkTopic3, bool checkData, address emitter) external;

    function assume(bool condition) external pure;
}

/// @title TestBase
/// @notice A minimal base for the project's Solidity tests, written for this project (the npm `forge-std`
/// 1.1.2 is a 2022 flat copy that needs ds-test and predates the cheatcodes used here): the cheatcode handle,
/// assertions that revert with the values, and `bound`.
abstract contract TestBase {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    function fail(string memory why) internal pure {
        revert(why);
    }

    function assertTrue(bool ok, string memory why) internal pure {
        if (!ok) revert(why);
    }

    function assertEq(uint256 a, uint256 b, string memory why) internal pure {
        if (a != b) revert(string.concat(why, ": ", Strings.toString(a), " != ", Strings.toString(b)));
    }

    function assertLe(uint256 a, uint256 b, string memory why) internal pure {
        if (a > b) revert(string.concat(why, ": ", Strings.toString(a), " > ", Strings.toString(b)));
    }

    function assertGe(uint256 a, uint256 b, string memory why) internal pure {
        if (a < b) revert(string.concat(why, ": ", Strings.toString(a), " < ", Strings.toString(b)));
    }

    /// @dev `x` mapped into [lo, hi] (uniform enough for fuzzing; lo <= hi).
    function bound(uint256 x, uint256 lo, uint256 hi) internal pure returns (uint256) {
        return lo + (x % (hi - lo + 1));
    }
}
