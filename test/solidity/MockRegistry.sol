// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/* solhint-disable gas-increment-by-one */

import {IAttestationRegistry} from "../../contracts/interfaces/IAttestationRegistry.sol";

/// @title MockRegistry
/// @notice Stands in for the attestation registry in the Solidity property tests: the vault reads only
/// `attestation`, `maxAge` and `poolOriginator`, and the tests set attestations directly (the registry's own
/// checks and the proofs are tested in test/contracts with real proofs). Figures are packed as the circuit's
/// public signals (contracts/generated/PoolAttestationCodec.sol).
contract MockRegistry {
    struct Figures {
        uint256 outstanding;
        uint256 bucket30;
        uint256 bucket60;
        uint256 bucket90;
        uint256 defaulted;
        uint256 chargedOff;
        uint256 breaches;
    }

    uint64 public immutable maxAge;
    address public immutable originator;
    uint256 public immutable policyHash;
    mapping(uint64 poolId => IAttestationRegistry.Attestation) private _att;
    mapping(uint64 poolId => Figures) public figures;

    constructor(uint64 maxAge_, address originator_, uint256 policyHash_) {
        maxAge = maxAge_;
        originator = originator_;
        policyHash = policyHash_;
    }

    function set(uint64 poolId, uint16 asOfDate, Figures memory f) external {
        IAttestationRegistry.Attestation storage a = _att[poolId];
        a.poolId = poolId;
        a.period += 1;
        a.asOfDate = asOfDate;
        a.chunkCount = 1;
        a.policyHash = policyHash;
        a.figA = f.outstanding | (f.bucket30 << 186);
        a.figB = f.bucket60 | (f.bucket90 << 62) | (f.defaulted << 124) | (f.chargedOff << 186);
        // score 700 on average, largest loan 1% of the pool, 500 loans, min score 600, breach bits
        a.figC = (f.outstanding * 700) | ((f.outstanding / 100) << 72) | (500 << 120) | (600 << 144) | (f.breaches << 154);
        figures[poolId] = f;
    }

    function attestation(uint64 poolId) external view returns (IAttestationRegistry.Attestation memory) {
        return _att[poolId];
    }

    function attestationFigures(uint64 poolId) external view returns (IAttestationRegistry.Attestation memory) {
        return _att[poolId];
    }

    function poolOriginator(uint64) external view returns (address) {
        return originator;
    }
}
