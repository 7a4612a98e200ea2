// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

// Event fields carry data, not search keys (indexing them costs more); limits are inclusive by
// specification (docs/POLICY.md), so non-strict comparisons are intended.
/* solhint-disable gas-indexed-events, gas-strict-inequalities, gas-increment-by-one */

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IAttestationRegistry} from "./interfaces/IAttestationRegistry.sol";
import {IGroth16Verifier4} from "./interfaces/IGroth16Verifier4.sol";
import {IGroth16Verifier5} from "./interfaces/IGroth16Verifier5.sol";
import {IGroth16Verifier7} from "./interfaces/IGroth16Verifier7.sol";
import {IPoseidon2} from "./interfaces/IPoseidon2.sol";
import {IPoseidon3} from "./interfaces/IPoseidon3.sol";
import {PoolAttestationCodec as Codec} from "./generated/PoolAttestationCodec.sol";
import {DomainWord} from "./generated/DomainWord.sol";
import {ChunkSet} from "./libraries/ChunkSet.sol";
import {PoolAttestationSignals as Sig} from "./generated/PoolAttestationSignals.sol";
import {PoolChunkCommitmentSignals as CSig} from "./generated/PoolChunkCommitmentSignals.sol";
import {PoolAggregationSignals as ASig} from "./generated/PoolAggregationSignals.sol";
import {KeyRegistry} from "./KeyRegistry.sol";

/// @title AttestationRegistry
/// @notice Records fresh, non-replayed pool attestations proven with the pool attestation circuit.
/// @dev Every binding check (verifier, chain, pool, period order, freshness, key, policy, chunk) runs before the
/// verifier call. This registry and chain are bound through the key: the registry computes each key's hash
/// itself, keyHash = Poseidon(Ax, Ay, domainSignal()), and the circuit proves that the signing key hashes
/// with its (private) domain to the public keyHash, so a proof made for another registry or chain names a
/// key hash this registry never issued. Each pool keeps its latest attestation in four slots (figA, figB,
/// meta, root) and a ring of historyLength() history slots, each holding the pool's originator and one
/// attestation's (period, loanCount, asOfDate); all are allocated (made nonzero) when the pool is registered,
/// so a submission rewrites five nonzero slots and never pays for a fresh one (docs/CONTRACTS.md).
/// Governance (the owner) approves keys, registers policies and adds or retires verifiers. The originator keys
/// follow KeyRegistry's life-cycle; this registry adds the key index and the revocation bitmap.
contract AttestationRegistry is IAttestationRegistry, KeyRegistry {
    using Codec for uint256;
    using ChunkSet for ChunkSet.Set;

    /// @dev Marker bit kept set in the figure slots so that they never return to zero.
    uint256 private constant MARK = 1 << 255;
    uint256 private constant DAY = 1 days;
    uint256 private constant FIG_C_MASK = Codec.FIG_C_MAX;
    /// @dev `meta` = figC (0-169, Codec.FIG_C_BITS) | period (170-201) | asOfDate (202-217) | policy index
    /// (218-229) | key index (230-245) | history cursor (246-254) | MARK (255): the word is full. Literals, not
    /// expressions of Codec.FIG_C_BITS (solc did not fold those: about 1,100 gas more per submission);
    /// test/contracts/codegen.test.ts checks them against circuits/layout.json.
    uint256 private constant PERIOD_SHIFT = 170;
    uint256 private constant AS_OF_SHIFT = 202;
    uint256 private constant POLICY_SHIFT = 218;
    uint256 private constant KEY_SHIFT = 230;
    uint256 private constant CURSOR_SHIFT = 246;
    uint256 private constant POLICY_MASK = 0xfff;
    uint256 private constant KEY_MASK = 0xffff;
    uint256 private constant CURSOR_MASK = 0x1ff;
    /// @dev A history entry = originator (0-159) | period (160-191) | loanCount (192-223) | asOfDate (224-239) |
    /// chunkCount (240-255).
    uint256 private constant ENTRY_PERIOD_SHIFT = 160;
    uint256 private constant ENTRY_LOANS_SHIFT = 192;
    uint256 private constant ENTRY_AS_OF_SHIFT = 224;
    uint256 private constant ENTRY_CHUNKS_SHIFT = 240;
    /// @dev The revocation bitmap: key index i is bit (i & REVOKED_BIT_MASK) of word (i >> REVOKED_WORD_SHIFT).
    uint256 private constant REVOKED_WORD_SHIFT = 8;
    uint256 private constant REVOKED_BIT_MASK = 255;
    uint256 private constant MAX_POLICIES = 1 << 12;
    uint256 private constant MAX_KEYS = 1 << 16;
    uint256 private constant MAX_AGE_LIMIT = 366 days;

    /// @notice The largest step from a pool's recorded period to its next one (docs/CONTRACTS.md).
    uint32 public constant MAX_PERIOD_STEP = 10_000;
    /// @notice The largest period of a pool's first attestation. With asOfDate strictly increasing (16 bits:
    /// at most 65,536 attestations per pool) a pool's period stays below 2^31 + 65,536 * 10,000 < 2^32.
    uint32 public constant MAX_FIRST_PERIOD = (1 << 31) - 1;
    /// @notice Days for which an attestation's loan count stays readable after it is recorded, however fast
    /// the originator attests later periods (historyLength() = ceil(maxAge / 1 day) + 1 + AUDIT_WINDOW_DAYS).
    uint256 public constant AUDIT_WINDOW_DAYS = 14;

    /// @notice Verifier kinds (VerifierRecord.kind): which submission function takes the verifier's proofs.
    uint8 public constant KIND_POOL_ATTESTATION = 0;
    uint8 public constant KIND_CHUNK_COMMITMENT = 1;
    uint8 public constant KIND_POOL_AGGREGATION = 2;

    /// @dev A committed batch's `misc` = chunkCount (0-15) | asOfDate (16-31) | key index (32-47) | chunk verifier
    /// version (48-63) | period (64-95) | OPEN (96: chunks are being chained and no aggregation recorded yet) |
    /// the batch's ChunkSet tag (128-159: moves on at every new batch).
    uint256 private constant CB_AS_OF_SHIFT = 16;
    uint256 private constant CB_KEY_SHIFT = 32;
    uint256 private constant CB_VERSION_SHIFT = 48;
    uint256 private constant CB_PERIOD_SHIFT = 64;
    uint256 private constant CB_OPEN = 1 << 96;
    uint256 private constant CB_TAG_SHIFT = 128;

    struct PoolState {
        address originator;
        uint256 figA;
        uint256 figB;
        uint256 meta;
        /// @dev The tape root of the latest recorded attestation (1 until the first: the slot is prepaid).
        uint256 root;
    }

    struct PolicyRecord {
        PolicyParams params;
        uint16 index;
        bool exists;
    }

    /// @dev A pool's committed-chunk batch (docs/CIRCUITS.md, "Chunk commitments and the pool aggregation"), one
    /// per pool, in nine slots (four, and ChunkSet's five words) allocated at registerPool and never returned to
    /// zero (a new batch rewrites them at 5k gas each, not 22.1k). `binding` = keccak256(root, policyHash, keyHash, pool word without chunkIndex,
    /// circuitId, version): what every chunk must share (_binding); `acc` the chain of the accepted chunks'
    /// commitments in acceptance order, acc_1 = figCommit_1, acc_i = Poseidon(acc_{i-1}, figCommit_i); `received` the
    /// accepted chunk indices (ChunkSet, up to 1,024); `misc` laid out by the CB_* constants. No figure and no commitment is stored.
    struct CommittedBatch {
        bytes32 binding;
        bytes32 circuitId;
        uint256 acc;
        ChunkSet.Set received;
        uint256 misc;
    }

    /// @dev What a submission's checks resolve, for recording.
    struct Admitted {
        uint256 pool;
        uint256 meta;
        uint256 next;
        uint256 originator;
        uint256 keyIndex;
    }

    /// @notice Maximum age, in seconds, of an attestation's asOfDate at submission and for isEligible.
    // solhint-disable-next-line immutable-vars-naming
    uint64 public immutable maxAge;

    /// @notice circomlibjs's Poseidon contract for three inputs, which computes the registry's key hashes.
    // solhint-disable-next-line immutable-vars-naming
    IPoseidon3 public immutable keyHasher;

    /// @notice circomlibjs's Poseidon contract for two inputs, which chains committed chunks' commitments.
    // solhint-disable-next-line immutable-vars-naming
    IPoseidon2 public immutable chainHasher;

    /// @notice Slots in each pool's history ring: ceil(maxAge / 1 day) + 1 + AUDIT_WINDOW_DAYS.
    // solhint-disable-next-line immutable-vars-naming
    uint256 public immutable historyLength;

    /// @dev The chain id at deployment: key hashes bind it, so after a chain split the copy on the other
    /// chain refuses submissions instead of accepting proofs made for this one.
    // solhint-disable-next-line immutable-vars-naming
    uint256 private immutable _chainId;

    /// @dev The hash of the key approved with each index.
    mapping(uint256 index => uint256 keyHash) private _keyAt;
    /// @dev Revoked key indices, 256 to a word: isEligible reads one word.
    mapping(uint256 word => uint256 bits) private _revokedKeys;
    /// @notice Keys approved so far (the next key's index).
    uint256 public keyCount;
    mapping(uint256 policyHash => PolicyRecord) private _policies;
    mapping(uint16 index => uint256 policyHash) public policyHashAt;
    uint16 public policyCount;
    mapping(bytes32 circuitId => mapping(uint16 version => VerifierRecord)) private _verifiers;
    mapping(uint64 poolId => PoolState) private _pools;
    /// @dev Each pool's history ring (entries laid out by the ENTRY_* constants); `meta`'s cursor is the slot of
    /// the latest recorded attestation.
    mapping(uint64 poolId => mapping(uint256 slot => uint256 entry)) private _history;
    mapping(uint64 poolId => CommittedBatch) private _committed;

    constructor(
        address governance,
        uint64 maxAgeSeconds,
        IPoseidon3 hasher,
        IPoseidon2 chain
    ) Ownable(governance) {
        if (maxAgeSeconds == 0 || maxAgeSeconds > MAX_AGE_LIMIT) revert Registry__BadMaxAge(maxAgeSeconds);
        if (address(hasher) == address(0) || address(chain) == address(0)) revert Registry__ZeroAddress();
        if (block.chainid > DomainWord.MAX_CHAIN_ID) revert Registry__ChainIdTooLarge(block.chainid, DomainWord.MAX_CHAIN_ID);
        maxAge = maxAgeSeconds;
        keyHasher = hasher;
        chainHasher = chain;
        historyLength = (uint256(maxAgeSeconds) + DAY - 1) / DAY + 1 + AUDIT_WINDOW_DAYS;
        _chainId = block.chainid;
    }

    // ---------------------------------------------------------------- originator keys

    /// @notice Proposes the caller's Baby Jubjub public key (ax, ay), usable from day `validFrom` (days since
    /// 1970-01-01); returns its hash in this registry, keyHash = Poseidon(ax, ay, domainSignal()), which proofs
    /// must carry. A point that is not on Baby Jubjub is refused. Proposals are per proposer: another account
    /// proposing the same key blocks nothing (governance approves one proposer's, after checking off-chain
    /// that it holds the key).
    function proposeKey(uint256 ax, uint256 ay, uint32 validFrom) external returns (uint256 keyHash) {
        keyHash = _proposeKey(ax, ay, validFrom);
        emit KeyProposed(msg.sender, keyHash, ax, ay, validFrom);
    }

    /// @notice Approves `originator`'s proposal of a key; it replaces the originator's current key from its
    /// validFrom day on (the current key's last day becomes validFrom - 1). A key is approved for one
    /// originator only, once.
    function approveKey(address originator, uint256 keyHash) external onlyOwner {
        uint256 index = keyCount;
        if (index >= MAX_KEYS) revert Registry__TooManyKeys(index);
        (uint32 validFrom, uint256 old) = _approveKey(originator, keyHash, uint16(index));
        if (old != 0) emit KeyRotated(originator, old, validFrom - 1);
        _keyAt[index] = keyHash;
        keyCount = index + 1;
        emit KeyApproved(originator, keyHash, validFrom);
    }

    /// @notice Whether `originator` has a pending (unapproved) proposal of the key, and from which day.
    function proposal(address originator, uint256 keyHash) external view returns (bool pending, uint32 validFrom) {
        uint64 p = _proposals[originator][keyHash];
        return (p != 0, p == 0 ? 0 : uint32(p - 1));
    }

    /// @notice Revokes a key (by governance or its originator): no later submission under it is accepted, and
    /// the attestations it signed stop being eligible (isEligible) from now on.
    function revokeKey(uint256 keyHash) external {
        KeyState storage k = _revokeKey(keyHash);
        uint256 index = k.index;
        _revokedKeys[index >> REVOKED_WORD_SHIFT] |= 1 << (index & REVOKED_BIT_MASK);
        emit KeyRevoked(k.holder, keyHash);
    }

    function keyRecord(uint256 keyHash) external view returns (KeyRecord memory) {
        KeyState memory k = _keys[keyHash];
        return KeyRecord(k.holder, k.validFrom, k.validUntil, k.holder != address(0), k.revoked, k.index);
    }

    /// @inheritdoc IAttestationRegistry
    function keyHashOf(uint256 ax, uint256 ay) public view returns (uint256) {
        return _hashKey(ax, ay);
    }

    // ---------------------------------------------------------------- policies and verifiers

    /// @notice Registers a policy's parameters under its Poseidon hash (checked off-chain by governance).
    function registerPolicy(uint256 policyHash, PolicyParams calldata params) external onlyOwner {
        if (_policies[policyHash].exists) revert Registry__PolicyExists(policyHash);
        uint16 index = policyCount;
        if (index >= MAX_POLICIES) revert Registry__TooManyPolicies(index);
        policyCount = index + 1;
        _policies[policyHash] = PolicyRecord(params, index, true);
        policyHashAt[index] = policyHash;
        emit PolicyRegistered(policyHash, index, params);
    }

    function policyParams(uint256 policyHash) external view returns (PolicyParams memory) {
        PolicyRecord storage p = _policies[policyHash];
        if (!p.exists) revert Registry__UnknownPolicy(policyHash);
        return p.params;
    }

    /// @notice Maps a catalogue instance (circuitId = keccak256(name)) and version to its verifier, a verifier of
    /// PoolAttestation proofs (submitAttestation).
    function addVerifier(bytes32 circuitId, uint16 version, address verifier) external onlyOwner {
        _addVerifier(circuitId, version, verifier, KIND_POOL_ATTESTATION);
    }

    /// @notice Maps a catalogue instance and version to its verifier of the given kind (KIND_*): a
    /// PoolChunkCommitment verifier takes submitChunkCommitment's proofs, a PoolAggregation one submitAggregation's.
    function addVerifierOfKind(bytes32 circuitId, uint16 version, address verifier, uint8 kind) external onlyOwner {
        if (kind > KIND_POOL_AGGREGATION) revert Registry__BadVerifierKind(kind);
        _addVerifier(circuitId, version, verifier, kind);
    }

    function _addVerifier(bytes32 circuitId, uint16 version, address verifier, uint8 kind) private {
        if (verifier == address(0)) revert Registry__ZeroAddress();
        if (_verifiers[circuitId][version].verifier != address(0)) {
            revert Registry__VerifierExists(circuitId, version);
        }
        _verifiers[circuitId][version] = VerifierRecord(verifier, false, kind);
        emit VerifierAdded(circuitId, version, verifier, kind);
    }

    /// @dev The verifier of (circuitId, version), refused unless registered, unretired and of `kind`.
    function _usableVerifier(bytes32 circuitId, uint16 version, uint8 kind) private view returns (address) {
        VerifierRecord memory v = _verifiers[circuitId][version];
        if (v.verifier == address(0)) revert Registry__UnknownVerifier(circuitId, version);
        if (v.retired) revert Registry__VerifierRetired(circuitId, version);
        if (v.kind != kind) revert Registry__WrongVerifierKind(circuitId, version, v.kind, kind);
        return v.verifier;
    }

    /// @notice Retires a verifier: later submissions through it are refused, and the chunks it accepted for a
    /// batch still in progress stop counting (the batch can only be replaced); recorded attestations stay.
    function retireVerifier(bytes32 circuitId, uint16 version) external onlyOwner {
        VerifierRecord storage v = _verifiers[circuitId][version];
        if (v.verifier == address(0)) revert Registry__UnknownVerifier(circuitId, version);
        v.retired = true;
        emit VerifierRetired(circuitId, version);
    }

    function verifierRecord(bytes32 circuitId, uint16 version) external view returns (VerifierRecord memory) {
        return _verifiers[circuitId][version];
    }

    // ---------------------------------------------------------------- pools

    /// @notice Registers a pool id to the caller, an originator with an approved, unrevoked key, and allocates
    /// its slots: the four of the latest attestation and the historyLength() slots of its history ring, each
    /// holding the originator (about 22k gas per slot, paid once per pool).
    function registerPool(uint64 poolId) external {
        uint256 key = currentKey[msg.sender];
        if (key == 0) revert Registry__NotOriginator(msg.sender);
        if (_keys[key].revoked) revert Registry__KeyRevoked(key);
        PoolState storage p = _pools[poolId];
        if (p.originator != address(0)) revert Registry__PoolExists(poolId, p.originator);
        _pools[poolId] = PoolState(msg.sender, MARK, MARK, MARK, 1);
        mapping(uint256 => uint256) storage ring = _history[poolId];
        uint256 n = historyLength;
        uint256 who = uint256(uint160(msg.sender));
        for (uint256 i = 0; i < n; ++i) ring[i] = who;
        // the committed batch's slots, allocated now so that no submission pays for a fresh slot
        CommittedBatch storage b = _committed[poolId];
        (b.binding, b.circuitId, b.acc, b.misc) = (bytes32(MARK), bytes32(MARK), MARK, MARK);
        b.received.allocate();
        emit PoolRegistered(poolId, msg.sender);
    }

    function poolOriginator(uint64 poolId) external view returns (address) {
        return _pools[poolId].originator;
    }

    /// @inheritdoc IAttestationRegistry
    function attestedRoot(uint64 poolId) external view returns (uint256 root, uint32 period) {
        PoolState storage p = _pools[poolId];
        uint32 last = _period(p.meta);
        if (last == 0) return (0, 0);
        return (p.root, last);
    }

    /// @notice The domain word (this registry | chain id << 160) that the key hashes of this registry bind.
    function domainSignal() public view returns (uint256) {
        return DomainWord.domain(address(this), block.chainid);
    }

    // ---------------------------------------------------------------- submission

    /// @inheritdoc IAttestationRegistry
    function submitAttestation(
        bytes32 circuitId,
        uint16 version,
        Proof calldata proof,
        uint256[7] calldata s
    ) external {
        uint256 pool = s[Sig.POOL];
        // A plain proof publishes its chunk's figures: only a pool of one chunk, whose figures are the pool's, may
        // submit one. Checked first, so that no other chunk count reaches the verifier or storage.
        if (pool.chunkCount() != 1) revert Registry__ChunkedPlainAttestation(pool.chunkCount());
        address v = _usableVerifier(circuitId, version, KIND_POOL_ATTESTATION);
        (Admitted memory c, PolicyRecord storage pol) = _checkContext(pool, s[Sig.KEY_HASH], s[Sig.POLICY_HASH]);
        _checkFigures(s[Sig.FIG_A], s[Sig.FIG_B], s[Sig.FIG_C]);
        if (!IGroth16Verifier7(v).verifyProof(proof.a, proof.b, proof.c, s)) {
            revert Registry__InvalidProof(pool.poolId(), pool.period(), pool.chunkIndex());
        }
        _record(c, pol.index, s);
    }

    /// @inheritdoc IAttestationRegistry
    /// @dev A PoolChunkCommitment proof of one chunk of a pool (docs/CONTRACTS.md, "Committed chunks"): bound to
    /// the pool's committed batch, its index not yet accepted (_admitCommitted), then its commitment chained
    /// into the batch's `acc` and emitted with its index. The chunk that opens a batch passes every check of a
    /// chunk (_checkContext); a later chunk of the open batch shares its binding (root, policy hash, key hash,
    /// pool word, circuit and version), so only what can change with time (freshness, key validity, period
    /// order) could differ, and submitAggregation checks all of it again before anything is recorded.
    function submitChunkCommitment(
        bytes32 circuitId,
        uint16 version,
        Proof calldata proof,
        uint256[5] calldata s
    ) external {
        address v = _usableVerifier(circuitId, version, KIND_CHUNK_COMMITMENT);
        uint256 pool = s[CSig.POOL];
        if (pool >> Codec.POOL_BITS != 0) revert Registry__MalformedSignal(CSig.POOL, pool);
        CommittedBatch storage b = _committed[pool.poolId()];
        (uint256 acc, bool opened) = _admitCommitted(b, s, circuitId, version);
        if (!IGroth16Verifier5(v).verifyProof(proof.a, proof.b, proof.c, s)) {
            revert Registry__InvalidProof(pool.poolId(), pool.period(), pool.chunkIndex());
        }
        // The chunk that opens the batch starts the chain with its commitment, already a Poseidon hash: about 50k
        // gas less for it than hashing it with 0; every later chunk is chained.
        b.acc = opened ? s[CSig.FIG_COMMIT] : chainHasher.poseidon([acc, s[CSig.FIG_COMMIT]]);
        emit ChunkCommitted(pool.poolId(), pool.period(), pool.chunkIndex(), s[CSig.FIG_COMMIT]);
    }

    /// @dev Binds a committed chunk to its pool's batch and refuses an index already accepted, so replayed
    /// calldata is refused. A chunk with the open batch's binding joins it; a chunk with another binding passes
    /// the checks of a chunk and opens a new batch when none is open or the open one is replaceable
    /// (_replaceable's rules), otherwise it is refused. Records the index (ChunkSet); returns the `acc` to chain
    /// onto and whether this chunk opened the batch.
    function _admitCommitted(
        CommittedBatch storage b,
        uint256[5] calldata s,
        bytes32 circuitId,
        uint16 version
    ) private returns (uint256 acc, bool opened) {
        uint256 pool = s[CSig.POOL];
        bytes32 binding = _binding(s[CSig.ROOT], s[CSig.POLICY_HASH], s[CSig.KEY_HASH], pool, circuitId, version);
        uint256 misc = b.misc;
        if (misc & CB_OPEN != 0 && b.binding == binding) {
            if (block.chainid != _chainId) revert Registry__WrongChain(block.chainid, _chainId);
            if (pool.chunkIndex() >= pool.chunkCount()) revert Registry__BadChunk(pool.chunkIndex(), pool.chunkCount());
            if (!b.received.add(uint32(misc >> CB_TAG_SHIFT), pool.chunkIndex())) {
                revert Registry__ChunkAlreadySubmitted(pool.poolId(), pool.period(), pool.chunkIndex());
            }
            return (b.acc, false);
        }
        (Admitted memory c, ) = _checkContext(pool, s[CSig.KEY_HASH], s[CSig.POLICY_HASH]);
        if (misc & CB_OPEN != 0) {
            if (
                !_replaceable(
                    b.circuitId,
                    uint16(misc >> CB_VERSION_SHIFT),
                    uint16(misc >> CB_KEY_SHIFT),
                    uint16(misc >> CB_AS_OF_SHIFT),
                    pool.asOfDate()
                )
            ) revert Registry__ChunkMismatch(pool.poolId(), pool.period(), pool.chunkIndex());
            emit ChunkBatchReplaced(
                pool.poolId(),
                uint32(misc >> CB_PERIOD_SHIFT),
                b.received.size(uint32(misc >> CB_TAG_SHIFT), uint16(misc))
            );
        }
        b.binding = binding;
        b.circuitId = circuitId;
        uint32 tag = ChunkSet.nextTag(uint32(misc >> CB_TAG_SHIFT));
        b.misc =
            uint256(pool.chunkCount()) |
            (uint256(pool.asOfDate()) << CB_AS_OF_SHIFT) |
            (c.keyIndex << CB_KEY_SHIFT) |
            (uint256(version) << CB_VERSION_SHIFT) |
            (uint256(pool.period()) << CB_PERIOD_SHIFT) |
            CB_OPEN |
            (uint256(tag) << CB_TAG_SHIFT);
        b.received.restart(tag, pool.chunkIndex());
        return (0, true);
    }

    /// @inheritdoc IAttestationRegistry
    /// @dev The PoolAggregation proof of a pool whose committed batch holds all of its chunks. `chunk` = (root,
    /// pool word, policyHash, keyHash) the chunks share (chunkIndex ignored): checked against the batch's binding
    /// and by the checks of a chunk, now (freshness, order, key usable today, policy). The proof's public inputs
    /// are (acc, figA, figB, figC) with `acc` the batch's, read from storage, so the figures are those of exactly
    /// the chunks accepted; they are recorded as a one-proof attestation's are.
    function submitAggregation(
        bytes32 circuitId,
        uint16 version,
        Proof calldata proof,
        uint256[4] calldata chunk,
        uint256[3] calldata figures
    ) external {
        address v = _usableVerifier(circuitId, version, KIND_POOL_AGGREGATION);
        (Admitted memory c, PolicyRecord storage pol) = _checkContext(chunk[CSig.POOL], chunk[CSig.KEY_HASH], chunk[CSig.POLICY_HASH]);
        _checkFigures(figures[0], figures[1], figures[2]);
        uint256 pool = c.pool & ~(Codec.CHUNK_INDEX_MAX << Codec.CHUNK_INDEX_SHIFT);
        c.pool = pool;
        uint256[4] memory p;
        p[ASig.ACC] = _closeCommitted(chunk, pool);
        p[ASig.FIG_A] = figures[0];
        p[ASig.FIG_B] = figures[1];
        p[ASig.FIG_C] = figures[2];
        if (!IGroth16Verifier4(v).verifyProof(proof.a, proof.b, proof.c, p)) {
            revert Registry__InvalidAggregation(pool.poolId(), pool.period());
        }
        uint256[7] memory r;
        r[Sig.ROOT] = chunk[CSig.ROOT];
        r[Sig.POOL] = pool;
        r[Sig.POLICY_HASH] = chunk[CSig.POLICY_HASH];
        r[Sig.KEY_HASH] = chunk[CSig.KEY_HASH];
        r[Sig.FIG_A] = figures[0];
        r[Sig.FIG_B] = figures[1];
        r[Sig.FIG_C] = figures[2];
        _record(c, pol.index, r);
    }

    /// @dev Closes the open committed batch that `chunk` (root, pool word, policy hash, key hash) names, once all
    /// of its chunkCount chunks are accepted and its chunk verifier is not retired; returns its `acc`.
    function _closeCommitted(uint256[4] calldata chunk, uint256 pool) private returns (uint256) {
        CommittedBatch storage b = _committed[pool.poolId()];
        uint256 misc = b.misc;
        bytes32 chunkCircuit = b.circuitId;
        uint16 chunkVersion = uint16(misc >> CB_VERSION_SHIFT);
        if (
            misc & CB_OPEN == 0 ||
            b.binding != _binding(chunk[CSig.ROOT], chunk[CSig.POLICY_HASH], chunk[CSig.KEY_HASH], pool, chunkCircuit, chunkVersion)
        ) revert Registry__NoChunkBatch(pool.poolId(), pool.period());
        uint16 count = pool.chunkCount();
        uint32 tag = uint32(misc >> CB_TAG_SHIFT);
        if (!b.received.isFull(tag, count)) {
            revert Registry__ChunksMissing(pool.poolId(), pool.period(), b.received.size(tag, count), count);
        }
        if (_verifiers[chunkCircuit][chunkVersion].retired) revert Registry__VerifierRetired(chunkCircuit, chunkVersion);
        b.misc = misc & ~CB_OPEN;
        return b.acc;
    }

    /// @notice The committed batch of `poolId`: whether one is open, its period, the accepted chunk indices
    /// (bitmask), how many, the chunk count expected, and the chain `acc` of their commitments.
    function committedBatch(
        uint64 poolId
    ) external view returns (bool open, uint32 period, uint256[4] memory received, uint16 seen, uint16 count, uint256 acc) {
        CommittedBatch storage b = _committed[poolId];
        uint256 misc = b.misc;
        if (misc & CB_OPEN == 0) return (false, 0, received, 0, 0, 0);
        count = uint16(misc);
        uint32 tag = uint32(misc >> CB_TAG_SHIFT);
        return (true, uint32(misc >> CB_PERIOD_SHIFT), b.received.bits(tag, count), b.received.size(tag, count), count, b.acc);
    }

    /// @dev What every chunk of one batch shares: root, policy hash, key hash, the pool word without chunkIndex,
    /// the circuit instance and version. The instance and version are in it because the chunk size is not a
    /// public signal: chunk i of two instances covers different loans, and mixing instances could count loans
    /// twice (docs/INTERFACES.md).
    function _binding(
        uint256 root,
        uint256 policyHash,
        uint256 keyHash,
        uint256 pool,
        bytes32 circuitId,
        uint16 version
    ) private pure returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    root,
                    policyHash,
                    keyHash,
                    pool & ~(Codec.CHUNK_INDEX_MAX << Codec.CHUNK_INDEX_SHIFT),
                    circuitId,
                    version
                )
            );
    }

    /// @dev The figure words' range (a proof's field elements could be wider than their packing).
    function _checkFigures(uint256 figA, uint256 figB, uint256 figC) private pure {
        if (figA >> Codec.FIG_A_BITS != 0) revert Registry__MalformedSignal(Sig.FIG_A, figA);
        if (figB >> Codec.FIG_B_BITS != 0) revert Registry__MalformedSignal(Sig.FIG_B, figB);
        if (figC >> Codec.FIG_C_BITS != 0) revert Registry__MalformedSignal(Sig.FIG_C, figC);
    }

    /// @dev All binding checks of a chunk or pool submission but its figures', before the verifier call.
    function _checkContext(
        uint256 pool,
        uint256 keyHash,
        uint256 policyHash
    ) private view returns (Admitted memory c, PolicyRecord storage pol) {
        if (block.chainid != _chainId) revert Registry__WrongChain(block.chainid, _chainId);
        if (pool >> Codec.POOL_BITS != 0) revert Registry__MalformedSignal(Sig.POOL, pool);
        uint64 poolId = pool.poolId();
        uint256 meta = _pools[poolId].meta;
        if (meta == 0) revert Registry__UnknownPool(poolId);
        _checkFresh(pool.asOfDate());
        _checkOrder(poolId, pool, meta);
        uint256 next = (((meta >> CURSOR_SHIFT) & CURSOR_MASK) + 1) % historyLength;
        uint256 entry = _history[poolId][next];
        c = Admitted(pool, meta, next, entry & type(uint160).max, 0);
        // The key is approved, not revoked, the pool originator's, and usable today (rotation is by day of
        // submission, across all of the originator's pools).
        c.keyIndex = _usableKey(keyHash, address(uint160(entry)), uint32(block.timestamp / DAY));
        pol = _policies[policyHash];
        if (!pol.exists) revert Registry__UnknownPolicy(policyHash);
        uint16 count = pool.chunkCount();
        uint16 index = pool.chunkIndex();
        if (count == 0 || index >= count || count > ChunkSet.MAX_CHUNKS) revert Registry__BadChunk(index, count);
    }

    /// @dev Period order (docs/CONTRACTS.md): the period is after the last recorded one by at most
    /// MAX_PERIOD_STEP (the first at most MAX_FIRST_PERIOD), and the asOfDate is after the last one's.
    function _checkOrder(uint64 poolId, uint256 pool, uint256 meta) private pure {
        uint32 period = pool.period();
        uint32 last = _period(meta);
        if (period <= last) revert Registry__PeriodNotAfterLast(poolId, period, last);
        uint256 maxPeriod = last == 0 ? MAX_FIRST_PERIOD : uint256(last) + MAX_PERIOD_STEP;
        if (period > maxPeriod) revert Registry__PeriodStepTooLarge(poolId, period, last, uint32(maxPeriod));
        uint16 lastAsOf = _asOf(meta);
        if (last != 0 && pool.asOfDate() <= lastAsOf) {
            revert Registry__AsOfNotAfterLast(poolId, pool.asOfDate(), lastAsOf);
        }
    }

    function _checkFresh(uint16 asOf) private view {
        uint256 asOfTime = uint256(asOf) * DAY;
        if (asOfTime > block.timestamp) revert Registry__FutureAsOf(asOf, uint64(block.timestamp / DAY));
        if (asOfTime + maxAge < block.timestamp) {
            revert Registry__StalePeriod(asOf, uint64((block.timestamp - maxAge + DAY - 1) / DAY));
        }
    }

    /// @dev Records an attestation: the four latest-attestation slots and the next history slot.
    function _record(Admitted memory c, uint16 policyIndex, uint256[7] memory s) private {
        uint256 pool = c.pool;
        uint64 poolId = pool.poolId();
        PoolState storage p = _pools[poolId];
        uint256 figC = s[Sig.FIG_C];
        p.figA = s[Sig.FIG_A] | MARK;
        p.figB = s[Sig.FIG_B] | MARK;
        p.root = s[Sig.ROOT];
        p.meta =
            figC |
            (uint256(pool.period()) << PERIOD_SHIFT) |
            (uint256(pool.asOfDate()) << AS_OF_SHIFT) |
            (uint256(policyIndex) << POLICY_SHIFT) |
            (c.keyIndex << KEY_SHIFT) |
            (c.next << CURSOR_SHIFT) |
            MARK;
        _history[poolId][c.next] =
            c.originator |
            (uint256(pool.period()) << ENTRY_PERIOD_SHIFT) |
            (uint256(pool.loanCount()) << ENTRY_LOANS_SHIFT) |
            (uint256(pool.asOfDate()) << ENTRY_AS_OF_SHIFT) |
            (uint256(pool.chunkCount()) << ENTRY_CHUNKS_SHIFT);
        emit AttestationRecorded(
            poolId,
            pool.period(),
            s[Sig.ROOT],
            s[Sig.POLICY_HASH],
            s[Sig.FIG_A],
            s[Sig.FIG_B],
            figC,
            pool.loanCount()
        );
    }

    /// @dev A batch in progress may be replaced by a chunk of another binding when the new chunk's tape is
    /// newer (later asOfDate), or the batch can never complete: its verifier is retired, or its key is
    /// revoked or past its last day (rotated out).
    function _replaceable(
        bytes32 circuitId,
        uint16 version,
        uint16 keyIndex,
        uint16 batchAsOf,
        uint16 asOf
    ) private view returns (bool) {
        if (asOf > batchAsOf) return true;
        if (_verifiers[circuitId][version].retired) return true;
        KeyState storage k = _keys[_keyAt[keyIndex]];
        return k.revoked || block.timestamp / DAY > k.validUntil;
    }

    // ---------------------------------------------------------------- reads

    /// @inheritdoc IAttestationRegistry
    function attestation(uint64 poolId) external view returns (Attestation memory a) {
        a = _record(poolId);
        if (a.period != 0) {
            uint256 cursor = (_pools[poolId].meta >> CURSOR_SHIFT) & CURSOR_MASK;
            uint256 entry = _history[poolId][cursor];
            a.loanCount = uint32(entry >> ENTRY_LOANS_SHIFT);
            a.chunkCount = uint16(entry >> ENTRY_CHUNKS_SHIFT);
        }
    }

    /// @inheritdoc IAttestationRegistry
    function attestationFigures(uint64 poolId) external view returns (Attestation memory) {
        return _record(poolId);
    }

    /// @dev The latest record of `poolId` from its slots, without the loan and chunk counts (in the history ring).
    function _record(uint64 poolId) private view returns (Attestation memory a) {
        PoolState storage p = _pools[poolId];
        uint256 meta = p.meta;
        if (_period(meta) == 0) return a;
        a.poolId = poolId;
        a.period = _period(meta);
        a.asOfDate = _asOf(meta);
        a.policyHash = policyHashAt[uint16((meta >> POLICY_SHIFT) & POLICY_MASK)];
        a.figA = p.figA & ~MARK;
        a.figB = p.figB & ~MARK;
        a.figC = meta & FIG_C_MASK;
    }

    /// @inheritdoc IAttestationRegistry
    function recordedLoanCount(uint64 poolId, uint32 period) external view returns (bool recorded, uint32 loanCount) {
        if (period == 0) return (false, 0);
        uint256 n = historyLength;
        uint256 i = (_pools[poolId].meta >> CURSOR_SHIFT) & CURSOR_MASK;
        mapping(uint256 => uint256) storage ring = _history[poolId];
        // Periods strictly decrease going back from the cursor (0 in a slot never written).
        for (uint256 step = 0; step < n; ++step) {
            uint256 e = ring[i];
            uint32 p = uint32(e >> ENTRY_PERIOD_SHIFT);
            if (p == period) return (true, uint32(e >> ENTRY_LOANS_SHIFT));
            if (p < period) break;
            i = i == 0 ? n - 1 : i - 1;
        }
        return (false, 0);
    }

    /// @inheritdoc IAttestationRegistry
    function isFresh(uint64 poolId) public view returns (bool) {
        uint256 meta = _pools[poolId].meta;
        return _period(meta) != 0 && uint256(_asOf(meta)) * DAY + maxAge >= block.timestamp;
    }

    /// @notice True when the pool's latest complete attestation is fresh, breach-free, under `policyHash`, and
    /// its key has not been revoked.
    /// @dev Three storage reads (the pool header, the policy index, the key's revocation word).
    function isEligible(uint64 poolId, uint256 policyHash) external view returns (bool) {
        uint256 meta = _pools[poolId].meta;
        uint256 keyIndex = (meta >> KEY_SHIFT) & KEY_MASK;
        return
            _period(meta) != 0 &&
            (meta & FIG_C_MASK).breaches() == 0 &&
            uint256(_asOf(meta)) * DAY + maxAge >= block.timestamp &&
            policyHashAt[uint16((meta >> POLICY_SHIFT) & POLICY_MASK)] == policyHash &&
            (_revokedKeys[keyIndex >> REVOKED_WORD_SHIFT] >> (keyIndex & REVOKED_BIT_MASK)) & 1 == 0;
    }

    function _period(uint256 meta) private pure returns (uint32) {
        return uint32(meta >> PERIOD_SHIFT);
    }

    function _asOf(uint256 meta) private pure returns (uint16) {
        return uint16(meta >> AS_OF_SHIFT);
    }

    // ---------------------------------------------------------------- KeyRegistry hooks

    /// @dev keyHash = Poseidon(ax, ay, domainSignal()).
    function _hashKey(uint256 ax, uint256 ay) internal view override returns (uint256) {
        return keyHasher.poseidon([ax, ay, domainSignal()]);
    }

    /// @dev A submission names the pool's originator: only its own pending proposal counts.
    function _proposedBy(address originator, uint256 keyHash) internal view override returns (bool) {
        return _proposals[originator][keyHash] != 0;
    }

    function _revertNotFieldElement(uint256 ax, uint256 ay) internal pure override {
        revert Registry__NotFieldElement(ax, ay);
    }

    function _revertNotOnCurve(uint256 ax, uint256 ay) internal pure override {
        revert Registry__NotOnCurve(ax, ay);
    }

    function _revertKeyExists(uint256 keyHash) internal pure override {
        revert Registry__KeyExists(keyHash);
    }

    function _revertNoProposal(address holder, uint256 keyHash) internal pure override {
        revert Registry__NoProposal(holder, keyHash);
    }

    function _revertUnknownKey(uint256 keyHash) internal pure override {
        revert Registry__UnknownKey(keyHash);
    }

    function _revertKeyNotApproved(uint256 keyHash) internal pure override {
        revert Registry__KeyNotApproved(keyHash);
    }

    function _revertKeyRevoked(uint256 keyHash) internal pure override {
        revert Registry__KeyRevoked(keyHash);
    }

    function _revertNotHolder(address caller, address) internal pure override {
        revert Registry__NotOriginator(caller);
    }

    function _revertKeyNotForHolder(uint256 keyHash, address holder, address expected) internal pure override {
        revert Registry__KeyNotForOriginator(keyHash, holder, expected);
    }

    function _revertKeyNotValidOn(uint256 keyHash, uint32 day, uint32 from, uint32 until) internal pure override {
        revert Registry__KeyNotValidOn(keyHash, day, from, until);
    }
}
