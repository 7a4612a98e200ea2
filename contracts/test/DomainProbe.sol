// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {DomainWord} from "../generated/DomainWord.sol";
import {BabyJubjub} from "../libraries/BabyJubjub.sol";

/// @notice Test probe: the domain word and the curve check for any chain id and point (a local chain's id
/// cannot be set above 2^64, so chain ids beyond it are tested here).
contract DomainProbe {
    function domain(address registry, uint256 chainId) external pure returns (uint256) {
        return DomainWord.domain(registry, chainId);
    }

    function isOnCurve(uint256 x, uint256 y) external pure returns (bool) {
        return BabyJubjub.isOnCurve(x, y);
    }
}
