// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

// Event fields carry data, not search keys (indexing them costs more).
/* solhint-disable gas-indexed-events, gas-increment-by-one, gas-strict-inequalities */

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IAttestationRegistry} from "./interfaces/IAttestationRegistry.sol";
import {IRollForwardRegistry} from "./interfaces/IRollForwardRegistry.sol";
import {IGroth16Verifier4} from "./interfaces/IGroth16Verifier4.sol";
import {IGroth16Verifier6} from "./interfaces/IGroth16Verifier6.sol";
import {IPoseidon2} from "./interfaces/IPoseidon2.sol";
import {PoolAttestationCodec as Codec} from "./generated/PoolAttestationCodec.sol";
import {RollForwardCommitmentSignals as RSig} from "./generated/RollForwardCommitmentSignals.sol";
import {RollForwardAggregationSignals as GSig} from "./generated/RollForwardAggregationSignals.sol";
import {RollForwardWord} from "./libraries/RollForwardWord.sol";
import {ChunkSet} from "./libraries/ChunkSet.sol";

/// @title RollForwardRegistry
/// @notice Each pool's roll-forward chain (issue 15; docs/CONTRACTS.md, "Roll-forward"). The pool's originator
/// anchors the chain once, at the pool's current attestation in the AttestationRegistry (its first period, or the
/// attestation current when roll-forwards begin). From then on the chain moves only by a proven roll-forward: the
/// RollForwardCommitment proofs of every chunk, chained here as committed chunks are in the AttestationRegistry
/// (acc_1 = rfCommit_1, acc_i = Poseidon(acc_{i-1}, rfCommit_i)), and one RollForwardAggregation proof that opens
/// them and publishes the pool's period totals. The aggregation is accepted only if the roll-forward starts from
/// the chain's last tape (root, period, asOfDate) and ends at the pool's current attestation (its root, period,
/// asOfDate), under this registry's adjustment bound, its opening balance is the chain's last closing balance and
/// its closing balance the attested outstanding balance. A pool is continuous (isContinuous) while its current
/// attestation is the chain's last tape: an attestation that was never rolled forward is not, and the next
/// roll-forward must still start from the chain's last tape.
/// @dev No chunk's totals are published or stored; the period's totals are (three slots per period).
contract RollForwardRegistry is IRollForwardRegistry, Ownable {
    using RollForwardWord for uint256;
    using ChunkSet for ChunkSet.Set;

    uint8 public constant KIND_CHUNK = 0;
    uint8 public constant KIND_AGGREGATION = 1;

    /// @dev Chain word = closing (0-61) | period (62-93) | asOfDate (94-109) | ANCHORED (110).
    uint256 private constant CHAIN_PERIOD_SHIFT = 62;
    uint256 private constant CHAIN_AS_OF_SHIFT = 94;
    uint256 private constant ANCHORED = 1 << 110;
    /// @dev A recorded period's rfC slot = rfC (0-235) | period - prevPeriod (236-254) | RECORDED (255).
    uint256 private constant STEP_SHIFT = 236;
    uint256 private constant RECORDED = 1 << 255;
    /// @dev The largest period step one roll-forward may span (the 19 bits of the recorded step).
    uint256 private constant MAX_STEP = (1 << 19) - 1;
    /// @dev A batch's misc = chunkCount (0-15) | verifier version (16-31) | period (32-63) | OPEN (64) | ChunkSet tag
    /// (128-159: moves on at every new batch).
    uint256 private constant B_VERSION_SHIFT = 16;
    uint256 private constant B_PERIOD_SHIFT = 32;
    uint256 private constant B_OPEN = 1 << 64;
    uint256 private constant B_TAG_SHIFT = 128;
    /// @dev The value a batch slot holds from anchoring until first written (nonzero; B_OPEN clear).
    uint256 private constant ALLOCATED = 1 << 255;

    struct VerifierRecord {
        address verifier;
        bool retired;
        uint8 kind;
    }

    struct ChainState {
        uint256 root;
        uint256 word;
    }

    /// @dev A pool's roll-forward batch in progress: `binding` = keccak256(prevRoot, root, maxAdjustment, pool word
    /// without chunkIndex, circuitId, version); `acc` the chain of accepted commitments; `received` the accepted indices (ChunkSet).
    struct Batch {
        bytes32 binding;
        bytes32 circuitId;
        uint256 acc;
        ChunkSet.Set received;
        uint256 misc;
    }

    struct StoredTotals {
        uint256 rfA;
        uint256 rfB;
        uint256 rfC;
    }

    /// @inheritdoc IRollForwardRegistry
    // solhint-disable-next-line immutable-vars-naming
    IAttestationRegistry public immutable registry;

    /// @notice circomlibjs's Poseidon contract for two inputs, which chains the chunk commitments.
    // solhint-disable-next-line immutable-vars-naming
    IPoseidon2 public immutable chainHasher;

    /// @inheritdoc IRollForwardRegistry
    // solhint-disable-next-line immutable-vars-naming
    uint256 public immutable maxAdjustment;

    mapping(bytes32 circuitId => mapping(uint16 version => VerifierRecord)) private _verifiers;
    mapping(uint64 poolId => ChainState) private _chains;
    mapping(uint64 poolId => Batch) private _batches;
    mapping(uint64 poolId => mapping(uint32 period => StoredTotals)) private _totals;

    constructor(
        address governance,
        IAttestationRegistry attestations,
        IPoseidon2 hasher,
        uint256 maxAdjustmentBound
    ) Ownable(governance) {
        if (address(attestations) == address(0) || address(hasher) == address(0)) revert RollForward__ZeroAddress();
        if (maxAdjustmentBound >> 48 != 0) revert RollForward__WrongMaxAdjustment(maxAdjustmentBound, (1 << 48) - 1);
        registry = attestations;
        chainHasher = hasher;
        maxAdjustment = maxAdjustmentBound;
    }

    // ---------------------------------------------------------------- verifiers

    /// @notice Maps a catalogue instance (circuitId = keccak256(name)) and version to its verifier of `kind`:
    /// KIND_CHUNK (RollForwardCommitment, submitChunk) or KIND_AGGREGATION (RollForwardAggregation, submitAggregation).
    function addVerifier(bytes32 circuitId, uint16 version, address verifier, uint8 kind) external onlyOwner {
        if (kind > KIND_AGGREGATION) revert RollForward__BadVerifierKind(kind);
        if (verifier == address(0)) revert RollForward__ZeroAddress();
        if (_verifiers[circuitId][version].verifier != address(0)) revert RollForward__VerifierExists(circuitId, version);
        _verifiers[circuitId][version] = VerifierRecord(verifier, false, kind);
        emit VerifierAdded(circuitId, version, verifier, kind);
    }

    /// @notice Retires a verifier: later submissions through it are refused, and a batch of its chunks cannot close.
    function retireVerifier(bytes32 circuitId, uint16 version) external onlyOwner {
        VerifierRecord storage v = _verifiers[circuitId][version];
        if (v.verifier == address(0)) revert RollForward__UnknownVerifier(circuitId, version);
        v.retired = true;
        emit VerifierRetired(circuitId, version);
    }

    function _usableVerifier(bytes32 circuitId, uint16 version, uint8 kind) private view returns (address) {
        VerifierRecord memory v = _verifiers[circuitId][version];
        if (v.verifier == address(0)) revert RollForward__UnknownVerifier(circuitId, version);
        if (v.retired) revert RollForward__VerifierRetired(circuitId, version);
        if (v.kind != kind) revert RollForward__WrongVerifierKind(circuitId, version, v.kind, kind);
        return v.verifier;
    }

    // ---------------------------------------------------------------- the chain

    /// @notice Anchors the pool's chain at its current attestation; by the pool's originator, once.
    function anchor(uint64 poolId) external {
        if (registry.poolOriginator(poolId) != msg.sender) revert RollForward__NotOriginator(poolId, msg.sender);
        if (_chains[poolId].word & ANCHORED != 0) revert RollForward__AlreadyAnchored(poolId);
        (uint256 root, uint32 period) = registry.attestedRoot(poolId);
        if (period == 0) revert RollForward__NotAttested(poolId);
        IAttestationRegistry.Attestation memory a = registry.attestationFigures(poolId);
        uint256 closing = Codec.outstanding(a.figA);
        _chains[poolId] = ChainState(
            root,
            closing | (uint256(period) << CHAIN_PERIOD_SHIFT) | (uint256(a.asOfDate) << CHAIN_AS_OF_SHIFT) | ANCHORED
        );
        // The batch's slots, allocated now (made nonzero, no batch open) so that no roll-forward pays for fresh
        // ones: the chunk that opens the first batch costs what every later opening chunk does.
        Batch storage b = _batches[poolId];
        (b.binding, b.circuitId, b.acc, b.misc) = (bytes32(ALLOCATED), bytes32(ALLOCATED), ALLOCATED, ALLOCATED);
        b.received.allocate();
        emit ChainAnchored(poolId, period, root, closing);
    }

    /// @inheritdoc IRollForwardRegistry
    function chain(uint64 poolId) public view returns (Chain memory c) {
        ChainState storage s = _chains[poolId];
        uint256 w = s.word;
        if (w & ANCHORED == 0) return c;
        return Chain(true, uint32(w >> CHAIN_PERIOD_SHIFT), uint16(w >> CHAIN_AS_OF_SHIFT), s.root, w & RollForwardWord.AMOUNT_MASK);
    }

    /// @inheritdoc IRollForwardRegistry
    function isContinuous(uint64 poolId) external view returns (bool) {
        ChainState storage s = _chains[poolId];
        uint256 w = s.word;
        if (w & ANCHORED == 0) return false;
        (uint256 root, uint32 period) = registry.attestedRoot(poolId);
        return root == s.root && period == uint32(w >> CHAIN_PERIOD_SHIFT);
    }

    /// @inheritdoc IRollForwardRegistry
    function periodTotals(uint64 poolId, uint32 period) external view returns (bool recorded, PeriodTotals memory t) {
        StoredTotals storage s = _totals[poolId][period];
        uint256 c = s.rfC;
        if (c & RECORDED == 0) return (false, t);
        uint256 a = s.rfA;
        uint256 b = s.rfB;
        uint256 m = RollForwardWord.AMOUNT_MASK;
        t.prevPeriod = period - uint32((c >> STEP_SHIFT) & 0x7ffff);
        t.opening = a & m;
        t.principalCollected = (a >> 62) & m;
        t.interestCollected = (a >> 124) & m;
        t.recoveries = (a >> 186) & m;
        t.chargedOff = b & m;
        t.adjustmentsUp = (b >> 62) & m;
        t.adjustmentsDown = (b >> 124) & m;
        t.originations = (b >> 186) & m;
        t.closing = c & m;
        t.removedAtExit = (c >> 62) & m;
        return (true, t);
    }

    /// @notice The raw totals words of a recorded period (rfA, rfB, rfC as the aggregation published them).
    function periodWords(uint64 poolId, uint32 period) external view returns (bool recorded, uint256 rfA, uint256 rfB, uint256 rfC) {
        StoredTotals storage s = _totals[poolId][period];
        uint256 c = s.rfC;
        if (c & RECORDED == 0) return (false, 0, 0, 0);
        return (true, s.rfA, s.rfB, c & ((1 << RollForwardWord.RF_C_BITS) - 1));
    }

    /// @notice The pool's batch in progress: open or not, its period, the accepted chunk indices, how many are
    /// expected, and the chain of their commitments.
    function batch(uint64 poolId) external view returns (bool open, uint32 period, uint256[4] memory received, uint16 count, uint256 acc) {
        Batch storage b = _batches[poolId];
        uint256 misc = b.misc;
        if (misc & B_OPEN == 0) return (false, 0, received, 0, 0);
        count = uint16(misc);
        return (true, uint32(misc >> B_PERIOD_SHIFT), b.received.bits(uint32(misc >> B_TAG_SHIFT), count), count, b.acc);
    }

    // ---------------------------------------------------------------- submission

    /// @notice A RollForwardCommitment proof of one chunk. `s` = (prevRoot, root, pool, maxAdjustment, flowCommit,
    /// rfCommit). A chunk with the open batch's binding joins it; a chunk with another binding opens a new batch
    /// (replacing the open one) if it starts from the chain's last tape and ends at the pool's current attestation.
    /// A chunk index already accepted is refused (replay).
    function submitChunk(bytes32 circuitId, uint16 version, IAttestationRegistry.Proof calldata proof, uint256[6] calldata s) external {
        address v = _usableVerifier(circuitId, version, KIND_CHUNK);
        uint256 pool = s[RSig.POOL];
        if (pool >> RollForwardWord.POOL_BITS != 0) revert RollForward__MalformedSignal(RSig.POOL, pool);
        if (s[RSig.MAX_ADJUSTMENT] != maxAdjustment) revert RollForward__WrongMaxAdjustment(s[RSig.MAX_ADJUSTMENT], maxAdjustment);
        Batch storage b = _batches[pool.poolId()];
        (uint256 acc, bool opened) = _admit(b, s, circuitId, version);
        if (!IGroth16Verifier6(v).verifyProof(proof.a, proof.b, proof.c, s)) {
            revert RollForward__InvalidProof(pool.poolId(), pool.period(), pool.chunkIndex());
        }
        // The first accepted chunk starts the chain with its commitment (already a Poseidon hash).
        b.acc = opened ? s[RSig.RF_COMMIT] : chainHasher.poseidon([acc, s[RSig.RF_COMMIT]]);
        emit RollForwardChunkCommitted(pool.poolId(), pool.period(), pool.chunkIndex(), s[RSig.RF_COMMIT], s[RSig.FLOW_COMMIT]);
    }

    /// @dev Binds a chunk to its pool's batch (joining the open one, or opening a new one after _checkEnds) and
    /// refuses an index already accepted (ChunkSet). Returns the `acc` to chain onto and whether this chunk opened
    /// the batch.
    function _admit(
        Batch storage b,
        uint256[6] calldata s,
        bytes32 circuitId,
        uint16 version
    ) private returns (uint256 acc, bool opened) {
        uint256 pool = s[RSig.POOL];
        uint16 index = pool.chunkIndex();
        uint16 count = pool.chunkCount();
        if (count == 0 || index >= count || count > ChunkSet.MAX_CHUNKS) revert RollForward__BadChunk(index, count);
        bytes32 binding = _binding(s[RSig.PREV_ROOT], s[RSig.ROOT], s[RSig.MAX_ADJUSTMENT], pool, circuitId, version);
        uint256 misc = b.misc;
        if (misc & B_OPEN != 0 && b.binding == binding) {
            if (!b.received.add(uint32(misc >> B_TAG_SHIFT), index)) revert RollForward__ChunkAlreadySubmitted(pool.poolId(), pool.period(), index);
            return (b.acc, false);
        }
        _checkEnds(pool.poolId(), s[RSig.PREV_ROOT], s[RSig.ROOT], pool);
        if (misc & B_OPEN != 0) {
            _replaced(b, pool.poolId(), misc);
        }
        b.binding = binding;
        b.circuitId = circuitId;
        uint32 tag = ChunkSet.nextTag(uint32(misc >> B_TAG_SHIFT));
        b.misc = uint256(count) | (uint256(version) << B_VERSION_SHIFT) | (uint256(pool.period()) << B_PERIOD_SHIFT) | B_OPEN | (uint256(tag) << B_TAG_SHIFT);
        b.received.restart(tag, index);
        return (0, true);
    }

    /// @dev The open batch (`misc` its word) is replaced by a new one: says so, with how many chunks it had.
    function _replaced(Batch storage b, uint64 poolId, uint256 misc) private {
        emit RollForwardBatchReplaced(poolId, uint32(misc >> B_PERIOD_SHIFT), b.received.size(uint32(misc >> B_TAG_SHIFT), uint16(misc)));
    }

    /// @notice The RollForwardAggregation proof of the pool's batch once all of its chunks are accepted. `ctx` =
    /// (prevRoot, root, pool word, maxAdjustment) the chunks share (chunkIndex ignored); `totals` = (rfA, rfB, rfC).
    /// Checks again that the roll-forward starts from the chain's last tape and ends at the pool's current
    /// attestation, that its opening is the chain's last closing and its closing the attested outstanding balance;
    /// then verifies the proof against the batch's `acc`, moves the chain and records the period's totals.
    function submitAggregation(
        bytes32 circuitId,
        uint16 version,
        IAttestationRegistry.Proof calldata proof,
        uint256[4] calldata ctx,
        uint256[3] calldata totals
    ) external {
        address v = _usableVerifier(circuitId, version, KIND_AGGREGATION);
        uint256 pool = ctx[RSig.POOL].withoutIndex();
        if (pool >> RollForwardWord.POOL_BITS != 0) revert RollForward__MalformedSignal(RSig.POOL, pool);
        uint256[4] memory p;
        p[GSig.ACC] = _closeBatch(pool.poolId(), ctx, pool);
        _checkBalances(pool.poolId(), _checkEnds(pool.poolId(), ctx[RSig.PREV_ROOT], ctx[RSig.ROOT], pool), totals);
        p[GSig.RF_A] = totals[0];
        p[GSig.RF_B] = totals[1];
        p[GSig.RF_C] = totals[2];
        if (!IGroth16Verifier4(v).verifyProof(proof.a, proof.b, proof.c, p)) {
            revert RollForward__InvalidAggregation(pool.poolId(), pool.period());
        }
        _recordPeriod(pool, ctx[RSig.ROOT], totals);
    }

    /// @dev The totals words' range; the opening is the chain's last closing and the closing the attested
    /// outstanding balance of the current attestation `a`.
    function _checkBalances(uint64 poolId, IAttestationRegistry.Attestation memory a, uint256[3] calldata totals) private view {
        if (totals[0] >> RollForwardWord.RF_A_BITS != 0) revert RollForward__MalformedSignal(GSig.RF_A, totals[0]);
        if (totals[1] >> RollForwardWord.RF_B_BITS != 0) revert RollForward__MalformedSignal(GSig.RF_B, totals[1]);
        if (totals[2] >> RollForwardWord.RF_C_BITS != 0) revert RollForward__MalformedSignal(GSig.RF_C, totals[2]);
        uint256 lastClosing = _chains[poolId].word & RollForwardWord.AMOUNT_MASK;
        uint256 opening = totals[0] & RollForwardWord.AMOUNT_MASK;
        if (opening != lastClosing) revert RollForward__OpeningNotLastClosing(poolId, opening, lastClosing);
        uint256 closing = totals[2] & RollForwardWord.AMOUNT_MASK;
        uint256 attested = Codec.outstanding(a.figA);
        if (closing != attested) revert RollForward__ClosingNotAttested(poolId, closing, attested);
    }

    /// @dev Moves the chain to the roll-forward's tape and records the period's totals.
    function _recordPeriod(uint256 pool, uint256 root, uint256[3] calldata totals) private {
        uint64 poolId = pool.poolId();
        uint32 period = pool.period();
        ChainState storage c = _chains[poolId];
        c.root = root;
        c.word =
            (totals[2] & RollForwardWord.AMOUNT_MASK) |
            (uint256(period) << CHAIN_PERIOD_SHIFT) |
            (uint256(pool.asOfDate()) << CHAIN_AS_OF_SHIFT) |
            ANCHORED;
        _totals[poolId][period] = StoredTotals(
            totals[0],
            totals[1],
            totals[2] | (uint256(period - pool.prevPeriod()) << STEP_SHIFT) | RECORDED
        );
        emit RollForwardRecorded(poolId, period, pool.prevPeriod(), totals[0], totals[1], totals[2]);
    }

    /// @dev Closes the open batch that `ctx` names once all of its chunks are accepted and its chunk verifier is not
    /// retired; returns its `acc`.
    function _closeBatch(uint64 poolId, uint256[4] calldata ctx, uint256 pool) private returns (uint256) {
        Batch storage b = _batches[poolId];
        uint256 misc = b.misc;
        bytes32 chunkCircuit = b.circuitId;
        uint16 chunkVersion = uint16(misc >> B_VERSION_SHIFT);
        if (
            misc & B_OPEN == 0 ||
            b.binding != _binding(ctx[RSig.PREV_ROOT], ctx[RSig.ROOT], ctx[RSig.MAX_ADJUSTMENT], pool, chunkCircuit, chunkVersion)
        ) revert RollForward__NoBatch(poolId, pool.period());
        uint16 count = pool.chunkCount();
        uint32 tag = uint32(misc >> B_TAG_SHIFT);
        if (!b.received.isFull(tag, count)) revert RollForward__ChunksMissing(poolId, pool.period(), b.received.size(tag, count), count);
        if (_verifiers[chunkCircuit][chunkVersion].retired) revert RollForward__VerifierRetired(chunkCircuit, chunkVersion);
        b.misc = misc & ~B_OPEN;
        return b.acc;
    }

    /// @dev The roll-forward starts from the chain's last tape (root, period, asOfDate) and ends at the pool's
    /// current attestation (root, period, asOfDate); returns that attestation.
    function _checkEnds(
        uint64 poolId,
        uint256 prevRoot,
        uint256 root,
        uint256 pool
    ) private view returns (IAttestationRegistry.Attestation memory a) {
        ChainState storage c = _chains[poolId];
        uint256 w = c.word;
        if (w & ANCHORED == 0) revert RollForward__NotAnchored(poolId);
        if (prevRoot != c.root) revert RollForward__PrevRootNotLast(poolId, prevRoot, c.root);
        uint32 lastPeriod = uint32(w >> CHAIN_PERIOD_SHIFT);
        if (pool.prevPeriod() != lastPeriod) revert RollForward__PrevPeriodNotLast(poolId, pool.prevPeriod(), lastPeriod);
        uint16 lastAsOf = uint16(w >> CHAIN_AS_OF_SHIFT);
        if (pool.prevAsOfDate() != lastAsOf) revert RollForward__DateMismatch(poolId, pool.prevAsOfDate(), lastAsOf);
        (uint256 attestedRoot, uint32 attestedPeriod) = registry.attestedRoot(poolId);
        if (pool.period() != attestedPeriod || attestedPeriod == lastPeriod) {
            revert RollForward__NotCurrentAttestation(poolId, pool.period(), attestedPeriod);
        }
        if (root != attestedRoot) revert RollForward__RootNotAttested(poolId, root, attestedRoot);
        // attestedPeriod > lastPeriod: the registry's periods strictly increase and the chain's is one of them.
        if (attestedPeriod - uint256(lastPeriod) > MAX_STEP) revert RollForward__PeriodStepTooLarge(poolId, attestedPeriod, lastPeriod);
        a = registry.attestationFigures(poolId);
        if (pool.asOfDate() != a.asOfDate) revert RollForward__DateMismatch(poolId, pool.asOfDate(), a.asOfDate);
    }

    /// @dev What every chunk of one roll-forward shares. The instance and version are in it because the chunk size
    /// is not a public signal: chunk i of two instances covers different slots.
    function _binding(
        uint256 prevRoot,
        uint256 root,
        uint256 maxAdj,
        uint256 pool,
        bytes32 circuitId,
        uint16 version
    ) private pure returns (bytes32) {
        return keccak256(abi.encode(prevRoot, root, maxAdj, pool.withoutIndex(), circuitId, version));
    }
}
