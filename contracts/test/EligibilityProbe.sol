// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IAttestationRegistry} from "../interfaces/IAttestationRegistry.sol";

/// @title EligibilityProbe
/// @notice Measures, inside a transaction, the gas another contract pays to read a pool's eligibility.
contract EligibilityProbe {
    // solhint-disable-next-line gas-indexed-events
    event EligibilityMeasured(bool eligible, uint256 gasUsed);

    function probe(IAttestationRegistry registry, uint64 poolId, uint256 policyHash) external returns (bool ok) {
        uint256 before = gasleft();
        ok = registry.isEligible(poolId, policyHash);
        emit EligibilityMeasured(ok, before - gasleft());
    }
}
