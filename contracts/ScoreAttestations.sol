// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/* solhint-disable gas-indexed-events, gas-strict-inequalities, gas-increment-by-one, immutable-vars-naming */

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {IProviderRegistry} from "./interfaces/IProviderRegistry.sol";
import {IAttestationRegistry} from "./interfaces/IAttestationRegistry.sol";
import {PoolAttestationCodec as Codec} from "./generated/PoolAttestationCodec.sol";
import {DomainWord} from "./generated/DomainWord.sol";
import {ScoreBackingSignals as Sig} from "./generated/ScoreBackingSignals.sol";

/// @notice The ABI of a snarkjs Groth16 verifier with six public signals (the score-backing instances).
interface IGroth16Verifier6 {
    function verifyProof(
        uint256[2] calldata pA,
        uint256[2][2] calldata pB,
        uint256[2] calldata pC,
        uint256[6] calldata pubSignals
    ) external view returns (bool);
}

/// @title ScoreAttestations
/// @notice Records that the whole committed tape of a pool's period has provider-backed scores, chunk by chunk,
/// from ScoreBacking proofs (circuits/scores/score_backing.circom; public signals root, pool, domain,
/// providerKeyHash, modelId, maxAgeDays). Checks, before the verifier call: the verifier is registered and not
/// retired, the domain is this contract on this chain, the pool is registered in the attestation registry,
/// the provider key is approved, not revoked and valid on the tape's asOfDate, the provider registered the
/// model, the registry's latest complete attestation of the pool is for the same period and asOfDate and has
/// the same root, the proof's freshness bound is at most the governance maximum, and every chunk of a
/// (pool, period) agrees on root, chunkCount, circuit, provider and model.
/// @dev Coverage is a proven fact: the score circuit's last chunk (chunkIndex = chunkCount - 1) proves that
/// every leaf after it is empty, so chunks 0 .. chunkCount - 1 of one circuit cover every loan of the tape,
/// whatever chunk size the pool attestation used (docs/SCORES.md).
contract ScoreAttestations is Ownable2Step {
    using Codec for uint256;

    struct Verifier {
        address verifier;
        bool retired;
    }

    /// @notice What every chunk of a (pool, period) must share, and how many chunks are in.
    struct PeriodRecord {
        uint256 root;
        bytes32 circuitId;
        uint256 modelId;
        uint16 chunkCount;
        uint16 received;
        address provider;
    }

    error Scores__UnknownVerifier(bytes32 circuitId, uint16 version);
    error Scores__VerifierRetired(bytes32 circuitId, uint16 version);
    error Scores__VerifierExists(bytes32 circuitId, uint16 version);
    error Scores__ZeroAddress();
    error Scores__WrongDomain(uint256 domain, uint256 expected);
    error Scores__UnknownPool(uint64 poolId);
    error Scores__NotAttested(uint64 poolId, uint32 period, uint16 asOfDate, uint32 attestedPeriod, uint16 attestedAsOf);
    /// @dev The score circuit's `pool` word is the pool word below its loan count.
    uint256 private constant SCORE_POOL_BITS = Codec.LOAN_COUNT_SHIFT;
    error Scores__RootMismatch(uint64 poolId, uint32 period, uint256 root, uint256 attestedRoot);
    error Scores__MaxAgeTooLong(uint256 maxAgeDays, uint256 allowed);
    error Scores__MalformedSignal(uint256 index, uint256 value);
    error Scores__AlreadyRecorded(uint64 poolId, uint32 period, uint16 chunkIndex);
    error Scores__ChunkMismatch(uint64 poolId, uint32 period, uint16 chunkIndex);
    error Scores__ProviderMismatch(uint64 poolId, uint32 period, address provider, address expected);
    error Scores__ModelMismatch(uint64 poolId, uint32 period, uint256 modelId, uint256 expected);
    error Scores__InvalidProof(uint64 poolId, uint32 period, uint16 chunkIndex);

    event ScoreVerifierAdded(bytes32 indexed circuitId, uint16 indexed version, address verifier);
    event ScoreVerifierRetired(bytes32 indexed circuitId, uint16 indexed version);
    event MaxScoreAgeSet(uint16 maxAgeDays);
    event ScoresBacked(
        uint64 indexed poolId,
        uint32 indexed period,
        uint16 chunkIndex,
        uint256 root,
        uint256 providerKeyHash,
        uint256 modelId,
        uint16 maxAgeDays
    );

    IProviderRegistry public immutable providers;
    IAttestationRegistry public immutable registry;
    /// @notice The policy's freshness rule: a proof's maxAgeDays may not exceed it.
    uint16 public maxScoreAgeDays;

    mapping(bytes32 circuitId => mapping(uint16 version => Verifier)) private _verifiers;
    mapping(uint64 poolId => mapping(uint32 period => PeriodRecord)) private _periods;
    mapping(uint64 poolId => mapping(uint32 period => mapping(uint16 chunkIndex => uint256 providerKeyHash)))
        public chunkProvider;

    constructor(address governance, IProviderRegistry providers_, IAttestationRegistry registry_, uint16 maxAgeDays)
        Ownable(governance)
    {
        if (address(providers_) == address(0) || address(registry_) == address(0)) revert Scores__ZeroAddress();
        providers = providers_;
        registry = registry_;
        maxScoreAgeDays = maxAgeDays;
        emit MaxScoreAgeSet(maxAgeDays);
    }

    function setMaxScoreAge(uint16 maxAgeDays) external onlyOwner {
        maxScoreAgeDays = maxAgeDays;
        emit MaxScoreAgeSet(maxAgeDays);
    }

    function addVerifier(bytes32 circuitId, uint16 version, address verifier) external onlyOwner {
        if (verifier == address(0)) revert Scores__ZeroAddress();
        if (_verifiers[circuitId][version].verifier != address(0)) revert Scores__VerifierExists(circuitId, version);
        _verifiers[circuitId][version] = Verifier(verifier, false);
        emit ScoreVerifierAdded(circuitId, version, verifier);
    }

    function retireVerifier(bytes32 circuitId, uint16 version) external onlyOwner {
        Verifier storage v = _verifiers[circuitId][version];
        if (v.verifier == address(0)) revert Scores__UnknownVerifier(circuitId, version);
        v.retired = true;
        emit ScoreVerifierRetired(circuitId, version);
    }

    /// @notice The `domain` signal a proof for this contract on this chain must carry.
    function domainSignal() public view returns (uint256) {
        return DomainWord.domain(address(this), block.chainid);
    }

    /// @notice Verifies a score-backing proof of one chunk and records it.
    function submitScores(
        bytes32 circuitId,
        uint16 version,
        uint256[2] calldata a,
        uint256[2][2] calldata b,
        uint256[2] calldata c,
        uint256[6] calldata s
    ) external {
        Verifier memory v = _verifiers[circuitId][version];
        if (v.verifier == address(0)) revert Scores__UnknownVerifier(circuitId, version);
        if (v.retired) revert Scores__VerifierRetired(circuitId, version);
        if (s[Sig.DOMAIN] != domainSignal()) revert Scores__WrongDomain(s[Sig.DOMAIN], domainSignal());
        uint256 pool = s[Sig.POOL];
        if (pool >> SCORE_POOL_BITS != 0) revert Scores__MalformedSignal(Sig.POOL, pool);
        uint64 poolId = pool.poolId();
        uint32 period = pool.period();
        uint16 chunkIndex = pool.chunkIndex();
        if (registry.poolOriginator(poolId) == address(0)) revert Scores__UnknownPool(poolId);
        if (s[Sig.MAX_AGE_DAYS] > maxScoreAgeDays) revert Scores__MaxAgeTooLong(s[Sig.MAX_AGE_DAYS], maxScoreAgeDays);
        providers.checkKey(s[Sig.PROVIDER_KEY_HASH], pool.asOfDate());
        address provider = providers.checkModel(s[Sig.PROVIDER_KEY_HASH], s[Sig.MODEL_ID]);
        _checkAttested(poolId, period, pool, s[Sig.ROOT]);
        if (chunkProvider[poolId][period][chunkIndex] != 0) revert Scores__AlreadyRecorded(poolId, period, chunkIndex);
        PeriodRecord storage r = _periods[poolId][period];
        if (r.received == 0) {
            _periods[poolId][period] = PeriodRecord(
                s[Sig.ROOT],
                circuitId,
                s[Sig.MODEL_ID],
                pool.chunkCount(),
                0,
                provider
            );
        } else {
            if (r.root != s[Sig.ROOT] || r.circuitId != circuitId || r.chunkCount != pool.chunkCount()) {
                revert Scores__ChunkMismatch(poolId, period, chunkIndex);
            }
            if (r.provider != provider) revert Scores__ProviderMismatch(poolId, period, provider, r.provider);
            if (r.modelId != s[Sig.MODEL_ID]) revert Scores__ModelMismatch(poolId, period, s[Sig.MODEL_ID], r.modelId);
        }
        if (!IGroth16Verifier6(v.verifier).verifyProof(a, b, c, s)) {
            revert Scores__InvalidProof(poolId, period, chunkIndex);
        }
        _periods[poolId][period].received += 1;
        chunkProvider[poolId][period][chunkIndex] = s[Sig.PROVIDER_KEY_HASH];
        emit ScoresBacked(poolId, period, chunkIndex, s[Sig.ROOT], s[Sig.PROVIDER_KEY_HASH], s[Sig.MODEL_ID], uint16(s[Sig.MAX_AGE_DAYS]));
    }

    /// @dev The registry's latest complete attestation of the pool must be for this period, with the same
    /// asOfDate (the date the freshness rule is measured from). The scores must be about the very tape the
    /// pool attestation proved: same root. The chunking may differ from the pool attestation's: the score
    /// circuit proves its own coverage of the tape.
    function _checkAttested(uint64 poolId, uint32 period, uint256 pool, uint256 root) private view {
        IAttestationRegistry.Attestation memory att = registry.attestation(poolId);
        if (att.period != period || att.asOfDate != pool.asOfDate()) {
            revert Scores__NotAttested(poolId, period, pool.asOfDate(), att.period, att.asOfDate);
        }
        (uint256 attested, ) = registry.attestedRoot(poolId);
        if (attested != root) revert Scores__RootMismatch(poolId, period, root, attested);
    }

    /// @notice True when every chunk of the (pool, period) has a recorded score-backing proof.
    function isBacked(uint64 poolId, uint32 period) external view returns (bool) {
        PeriodRecord storage r = _periods[poolId][period];
        return r.chunkCount != 0 && r.received == r.chunkCount;
    }

    /// @notice The tape root the (pool, period)'s score proofs were about (0 if none).
    function backedRoot(uint64 poolId, uint32 period) external view returns (uint256) {
        return _periods[poolId][period].root;
    }

    /// @notice The provider and model every chunk of the (pool, period) was scored by.
    function backedModel(uint64 poolId, uint32 period) external view returns (address provider, uint256 modelId) {
        PeriodRecord storage r = _periods[poolId][period];
        return (r.provider, r.modelId);
    }
}
