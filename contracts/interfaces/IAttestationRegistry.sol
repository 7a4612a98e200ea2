// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

// Event fields carry data, not search keys (indexing them costs more); limits are inclusive by
// specification (docs/POLICY.md), so non-strict comparisons are intended.
/* solhint-disable gas-indexed-events, gas-strict-inequalities, gas-increment-by-one */

/// @title IAttestationRegistry
/// @notice Originator keys, circuit verifiers, policies and the latest complete attestation of each pool.
interface IAttestationRegistry {
    /// @notice A Groth16 proof in the snarkjs Solidity calldata layout.
    struct Proof {
        uint256[2] a;
        uint256[2][2] b;
        uint256[2] c;
    }

    /// @notice Covenant limits of a policy, in docs/INTERFACES.md order.
    struct PolicyParams {
        uint16 minCreditScore;
        uint16 maxDaysPastDue;
        uint16 maxLtvBps;
        uint16 maxBucket30Bps;
        uint16 maxBucket60Bps;
        uint16 maxBucket90Bps;
        uint16 maxConcentrationBps;
        uint64 minPoolBalance;
        uint16 minActiveLoans;
    }

    /// @notice An approved originator key, identified by its hash in this registry,
    /// keyHash = Poseidon(Ax, Ay, domainSignal()) (`approved` is always true for a recorded key). validFrom and
    /// validUntil are days since 1970-01-01 (inclusive) on which the key may be used to submit; `index` is its
    /// approval number, which each recorded attestation keeps (revoking the key makes them ineligible).
    struct KeyRecord {
        address originator;
        uint32 validFrom;
        uint32 validUntil;
        bool approved;
        bool revoked;
        uint16 index;
    }

    /// @notice A verifier contract registered for a circuit instance and version.
    /// @dev `kind`: which statement the verifier checks, and so which submission function takes its proofs:
    /// KIND_POOL_ATTESTATION (submitAttestation), KIND_CHUNK_COMMITMENT (submitChunkCommitment) or
    /// KIND_POOL_AGGREGATION (submitAggregation).
    struct VerifierRecord {
        address verifier;
        bool retired;
        uint8 kind;
    }

    /// @notice The latest complete attestation of a pool (figures packed as in the public signals); loanCount
    /// is the committed number of loans of the whole tape. A return value, never stored: loanCount is appended
    /// last so that the fields before it keep their ABI positions.
    // solhint-disable-next-line gas-struct-packing
    struct Attestation {
        uint64 poolId;
        uint32 period;
        uint16 asOfDate;
        uint16 chunkCount;
        uint256 policyHash;
        uint256 figA;
        uint256 figB;
        uint256 figC;
        uint32 loanCount;
    }

    error Registry__NotOriginator(address caller);
    error Registry__KeyExists(uint256 keyHash);
    error Registry__UnknownKey(uint256 keyHash);
    error Registry__KeyNotApproved(uint256 keyHash);
    error Registry__NoProposal(address originator, uint256 keyHash);
    error Registry__KeyRevoked(uint256 keyHash);
    error Registry__KeyNotForOriginator(uint256 keyHash, address keyOriginator, address poolOriginator);
    error Registry__KeyNotValidOn(uint256 keyHash, uint32 day, uint32 validFrom, uint32 validUntil);
    error Registry__NotOnCurve(uint256 ax, uint256 ay);
    error Registry__TooManyKeys(uint256 count);
    error Registry__TooManyPolicies(uint256 count);
    error Registry__PolicyExists(uint256 policyHash);
    error Registry__UnknownPolicy(uint256 policyHash);
    error Registry__VerifierExists(bytes32 circuitId, uint16 version);
    error Registry__UnknownVerifier(bytes32 circuitId, uint16 version);
    error Registry__VerifierRetired(bytes32 circuitId, uint16 version);
    error Registry__PoolExists(uint64 poolId, address originator);
    error Registry__UnknownPool(uint64 poolId);
    error Registry__WrongChain(uint256 chainId, uint256 expected);
    error Registry__NotFieldElement(uint256 ax, uint256 ay);
    error Registry__MalformedSignal(uint256 index, uint256 value);
    error Registry__PeriodNotAfterLast(uint64 poolId, uint32 period, uint32 last);
    error Registry__PeriodStepTooLarge(uint64 poolId, uint32 period, uint32 last, uint32 maxPeriod);
    error Registry__AsOfNotAfterLast(uint64 poolId, uint16 asOfDate, uint16 lastAsOfDate);
    error Registry__StalePeriod(uint64 asOf, uint64 minAllowed);
    error Registry__FutureAsOf(uint64 asOf, uint64 today);
    error Registry__BadChunk(uint16 chunkIndex, uint16 chunkCount);
    error Registry__ChunkAlreadySubmitted(uint64 poolId, uint32 period, uint16 chunkIndex);
    error Registry__ChunkMismatch(uint64 poolId, uint32 period, uint16 chunkIndex);
    error Registry__InvalidProof(uint64 poolId, uint32 period, uint16 chunkIndex);
    error Registry__ZeroAddress();
    error Registry__BadMaxAge(uint64 maxAge);
    error Registry__ChainIdTooLarge(uint256 chainId, uint256 maxChainId);
    error Registry__BadVerifierKind(uint8 kind);
    error Registry__WrongVerifierKind(bytes32 circuitId, uint16 version, uint8 kind, uint8 expected);
    error Registry__NoChunkBatch(uint64 poolId, uint32 period);
    error Registry__ChunksMissing(uint64 poolId, uint32 period, uint16 seen, uint16 chunkCount);
    error Registry__InvalidAggregation(uint64 poolId, uint32 period);
    /// @notice A plain PoolAttestation proof (submitAttestation) whose pool word does not say chunkCount 1: a pool
    /// of several chunks publishes no chunk's figures, its chunks go through submitChunkCommitment and its figures
    /// through submitAggregation.
    error Registry__ChunkedPlainAttestation(uint16 chunkCount);

    event KeyProposed(address indexed originator, uint256 indexed keyHash, uint256 ax, uint256 ay, uint32 validFrom);
    event KeyApproved(address indexed originator, uint256 indexed keyHash, uint32 validFrom);
    event KeyRotated(address indexed originator, uint256 indexed oldKeyHash, uint32 validUntil);
    event KeyRevoked(address indexed originator, uint256 indexed keyHash);
    event PolicyRegistered(uint256 indexed policyHash, uint16 index, PolicyParams params);
    event VerifierAdded(bytes32 indexed circuitId, uint16 indexed version, address verifier, uint8 kind);
    event VerifierRetired(bytes32 indexed circuitId, uint16 indexed version);
    event PoolRegistered(uint64 indexed poolId, address indexed originator);
    /// @notice A committed chunk (PoolChunkCommitment) was accepted and chained: its hiding commitment and index,
    /// never its figures. The batch's chunk count is `committedBatch`'s (not repeated here: 256 gas a chunk).
    event ChunkCommitted(uint64 indexed poolId, uint32 indexed period, uint16 chunkIndex, uint256 figCommit);
    /// @notice A committed batch in progress was dropped for a newer one (docs/CONTRACTS.md, "Committed chunks").
    event ChunkBatchReplaced(uint64 indexed poolId, uint32 indexed period, uint16 chunksDropped);
    event AttestationRecorded(
        uint64 indexed poolId,
        uint32 indexed period,
        uint256 root,
        uint256 policyHash,
        uint256 figA,
        uint256 figB,
        uint256 figC,
        uint32 loanCount
    );

    /// @notice Records the attestation of a pool of one chunk from a PoolAttestation proof, whose figures are the
    /// pool's. Any other chunkCount is refused (Registry__ChunkedPlainAttestation) before the proof is verified: a
    /// pool of several chunks is attested with submitChunkCommitment and submitAggregation.
    function submitAttestation(
        bytes32 circuitId,
        uint16 version,
        Proof calldata proof,
        uint256[7] calldata pubSignals
    ) external;

    /// @notice Accepts one chunk of a pool of several chunks from a PoolChunkCommitment proof, which publishes a
    /// hiding commitment to the chunk's figures, never the figures (ChunkCommitted).
    function submitChunkCommitment(
        bytes32 circuitId,
        uint16 version,
        Proof calldata proof,
        uint256[5] calldata pubSignals
    ) external;

    /// @notice Records the pool's figures from one PoolAggregation proof over the commitments of all of its chunks
    /// accepted by submitChunkCommitment.
    function submitAggregation(
        bytes32 circuitId,
        uint16 version,
        Proof calldata proof,
        uint256[4] calldata chunk,
        uint256[3] calldata figures
    ) external;

    function attestation(uint64 poolId) external view returns (Attestation memory);

    /// @notice The latest recorded attestation of `poolId` without its loan and chunk counts (`loanCount` and
    /// `chunkCount` are 0): one cold storage read fewer than `attestation`, for a vault that values many pools at
    /// every epoch close.
    function attestationFigures(uint64 poolId) external view returns (Attestation memory);

    function isEligible(uint64 poolId, uint256 policyHash) external view returns (bool);

    function isFresh(uint64 poolId) external view returns (bool);

    function policyParams(uint256 policyHash) external view returns (PolicyParams memory);

    function maxAge() external view returns (uint64);

    function poolOriginator(uint64 poolId) external view returns (address);

    /// @notice The tape root and period of the pool's latest recorded attestation ((0, 0) if none): companion
    /// proofs about the same tape (provider-backed scores, borrower proofs) check their root against it.
    function attestedRoot(uint64 poolId) external view returns (uint256 root, uint32 period);

    /// @notice The committed loan count of the pool's recorded attestation of `period`, kept for the last
    /// historyLength() attestations of the pool (`recorded` false otherwise): audit seeds sample over it.
    function recordedLoanCount(uint64 poolId, uint32 period) external view returns (bool recorded, uint32 loanCount);

    function domainSignal() external view returns (uint256);

    /// @notice The hash under which this registry knows the Baby Jubjub key (ax, ay):
    /// Poseidon(ax, ay, domainSignal()), the `keyHash` public signal of proofs signed with it.
    function keyHashOf(uint256 ax, uint256 ay) external view returns (uint256);
}
