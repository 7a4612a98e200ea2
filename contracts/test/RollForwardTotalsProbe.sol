// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IAttestationRegistry} from "../interfaces/IAttestationRegistry.sol";
import {IRollForwardRegistry} from "../interfaces/IRollForwardRegistry.sol";

/// @title RollForwardTotalsProbe
/// @notice A settable stand-in of the roll-forward registry for the vault's cash reconciliation tests: the
/// test records a pool's period totals and its continuity directly, without proofs (the registry's own
/// checks are the registry's tests).
contract RollForwardTotalsProbe is IRollForwardRegistry {
    // solhint-disable-next-line immutable-vars-naming
    IAttestationRegistry public immutable registry;
    mapping(uint64 poolId => mapping(uint32 period => PeriodTotals)) private _totals;
    mapping(uint64 poolId => mapping(uint32 period => bool)) private _recorded;
    mapping(uint64 poolId => bool) private _continuous;
    mapping(uint64 poolId => Chain) private _chains;

    constructor(IAttestationRegistry registry_) {
        registry = registry_;
    }

    function setPeriodTotals(uint64 poolId, uint32 period, PeriodTotals calldata t) external {
        _totals[poolId][period] = t;
        _recorded[poolId][period] = true;
        Chain storage c = _chains[poolId];
        c.anchored = true;
        if (period > c.period) {
            c.period = period;
            c.closing = t.closing;
        }
    }

    function setContinuous(uint64 poolId, bool continuous) external {
        _continuous[poolId] = continuous;
    }

    function maxAdjustment() external pure returns (uint256) {
        return 0;
    }

    function chain(uint64 poolId) external view returns (Chain memory) {
        return _chains[poolId];
    }

    function isContinuous(uint64 poolId) external view returns (bool) {
        return _continuous[poolId];
    }

    function periodTotals(uint64 poolId, uint32 period) external view returns (bool, PeriodTotals memory) {
        return (_recorded[poolId][period], _totals[poolId][period]);
    }
}
