// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

// Event fields carry data, not search keys (indexing them costs more); limits are inclusive by
// specification (docs/POLICY.md), so non-strict comparisons are intended.
/* solhint-disable gas-indexed-events, gas-strict-inequalities, gas-increment-by-one */

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {IAttestationRegistry} from "./interfaces/IAttestationRegistry.sol";
import {IGroth16Verifier7} from "./interfaces/IGroth16Verifier7.sol";
import {IPoseidon3} from "./interfaces/IPoseidon3.sol";
import {PoolAttestationCodec as Codec} from "./generated/PoolAttestationCodec.sol";
import {DomainWord} from "./generated/DomainWord.sol";
import {PoolAttestationSignals as Sig} from "./generated/PoolAttestationSignals.sol";
import {BabyJubjub} from "./libraries/BabyJubjub.sol";

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
/// Governance (the owner) approves keys, registers policies and adds or retires verifiers.
contract AttestationRegistry is IAttestationRegistry, Ownable2Step {
    using Codec for uint256;

    /// @dev Marker bit kept set in the figure slots so that they never return to zero.
    uint256 private constant MARK = 1 << 255;
    uint16 private constant MAX_CHUNKS = 256;
    uint256 private constant DAY = 1 days;
    uint256 private constant BPS = 10_000;
    uint256 private constant FIG_C_MASK = Codec.FIG_C_MAX;
    uint256 private constant LANE = 85;
    uint256 private constant LANE_MASK = (1 << 85) - 1;
    uint256 private constant FIELD = 21888242871839275222246405745257275088548364400416034343698204186575808495617;
    /// @dev `meta` = figC (0-161) | period (162-193) | asOfDate (194-209) | policy index (210-221) |
    /// chunkCount - 1 (222-229) | key index (230-245) | history cursor (246-254) | MARK (255).
    uint256 private constant PERIOD_SHIFT = 162;
    uint256 private constant AS_OF_SHIFT = 194;
    uint256 private constant POLICY_SHIFT = 210;
    uint256 private constant COUNT_SHIFT = 222;
    uint256 private constant KEY_SHIFT = 230;
    uint256 private constant CURSOR_SHIFT = 246;
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

    struct PoolState {
        address originator;
        uint256 figA;
        uint256 figB;
        uint256 meta;
        /// @dev The tape root of the latest recorded attestation (1 until the first: the slot is prepaid).
        uint256 root;
    }

    /// @dev A key as stored: one slot (the public KeyRecord adds `approved`, always true).
    struct KeyState {
        address originator;
        uint32 validFrom;
        uint32 validUntil;
        uint16 index;
        bool revoked;
    }

    struct PolicyRecord {
        PolicyParams params;
        uint16 index;
        bool exists;
    }

    /// @dev A chunked (pool, period) in progress, in seven slots. `binding` = keccak256(root, policyHash,
    /// keyHash, pool word without chunkIndex, circuitId, version): what every chunk must share. Sums use 85-bit
    /// lanes (256 chunks of 62-bit values cannot carry into the next lane): sumsA = outstanding | scheduled |
    /// collected, sumsB = bucket30 | bucket60 | bucket90, sumsC = defaulted | chargedOff | scoreWeightedBalance.
    /// `misc` = maxLoan (48) | activeCount (24) << 48 | minScore (16) << 72 | per-loan breach bits (8) << 88 |
    /// seen (16) << 96 | chunkCount (16) << 112 | asOfDate (16) << 128 | key index (16) << 144 |
    /// verifier version (16) << 160.
    struct ChunkBatch {
        bytes32 binding;
        uint256 received;
        uint256 sumsA;
        uint256 sumsB;
        uint256 sumsC;
        uint256 misc;
        bytes32 circuitId;
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

    /// @notice Slots in each pool's history ring: ceil(maxAge / 1 day) + 1 + AUDIT_WINDOW_DAYS.
    // solhint-disable-next-line immutable-vars-naming
    uint256 public immutable historyLength;

    /// @dev The chain id at deployment: key hashes bind it, so after a chain split the copy on the other
    /// chain refuses submissions instead of accepting proofs made for this one.
    // solhint-disable-next-line immutable-vars-naming
    uint256 private immutable _chainId;

    /// @dev Approved keys (a key is recorded here only when governance approves it).
    mapping(uint256 keyHash => KeyState) private _keys;
    /// @dev The hash of the key approved with each index.
    mapping(uint256 index => uint256 keyHash) private _keyAt;
    /// @dev Revoked key indices, 256 to a word: isEligible reads one word.
    mapping(uint256 word => uint256 bits) private _revokedKeys;
    /// @notice Keys approved so far (the next key's index).
    uint256 public keyCount;
    /// @dev Pending proposals, per proposer: validFrom + 1 (0 = none). Kept per proposer so that nobody can
    /// block an originator's key by proposing the same public key first (front-running a proposal).
    mapping(address originator => mapping(uint256 keyHash => uint64 validFromPlusOne)) private _proposals;
    mapping(address originator => uint256 keyHash) public currentKey;
    mapping(uint256 policyHash => PolicyRecord) private _policies;
    mapping(uint16 index => uint256 policyHash) public policyHashAt;
    uint16 public policyCount;
    mapping(bytes32 circuitId => mapping(uint16 version => VerifierRecord)) private _verifiers;
    mapping(uint64 poolId => PoolState) private _pools;
    /// @dev Each pool's history ring: originator (0-159) | period (160-191) | loanCount (192-223) |
    /// asOfDate (224-239); `meta`'s cursor is the slot of the latest recorded attestation.
    mapping(uint64 poolId => mapping(uint256 slot => uint256 entry)) private _history;
    mapping(uint64 poolId => mapping(uint32 period => ChunkBatch)) private _batches;

    constructor(address governance, uint64 maxAgeSeconds, IPoseidon3 hasher) Ownable(governance) {
        if (maxAgeSeconds == 0 || maxAgeSeconds > MAX_AGE_LIMIT) revert Registry__BadMaxAge(maxAgeSeconds);
        if (address(hasher) == address(0)) revert Registry__ZeroAddress();
        if (block.chainid > DomainWord.MAX_CHAIN_ID) revert Registry__ChainIdTooLarge(block.chainid, DomainWord.MAX_CHAIN_ID);
        maxAge = maxAgeSeconds;
        keyHasher = hasher;
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
        if (ax >= FIELD || ay >= FIELD) revert Registry__NotFieldElement(ax, ay);
        if (!BabyJubjub.isOnCurve(ax, ay)) revert Registry__NotOnCurve(ax, ay);
        keyHash = keyHashOf(ax, ay);
        if (_keys[keyHash].originator != address(0)) revert Registry__KeyExists(keyHash);
        _proposals[msg.sender][keyHash] = uint64(validFrom) + 1;
        emit KeyProposed(msg.sender, keyHash, ax, ay, validFrom);
    }

    /// @notice Approves `originator`'s proposal of a key; it replaces the originator's current key from its
    /// validFrom day on (the current key's last day becomes validFrom - 1). A key is approved for one
    /// originator only, once.
    function approveKey(address originator, uint256 keyHash) external onlyOwner {
        uint64 proposed = _proposals[originator][keyHash];
        if (proposed == 0) revert Registry__NoProposal(originator, keyHash);
        if (_keys[keyHash].originator != address(0)) revert Registry__KeyExists(keyHash);
        uint256 index = keyCount;
        if (index >= MAX_KEYS) revert Registry__TooManyKeys(index);
        delete _proposals[originator][keyHash];
        uint32 validFrom = uint32(proposed - 1);
        uint256 old = currentKey[originator];
        if (old != 0) {
            KeyState storage o = _keys[old];
            if (validFrom <= o.validFrom) {
                revert Registry__KeyNotValidOn(keyHash, validFrom, o.validFrom, o.validUntil);
            }
            if (validFrom - 1 < o.validUntil) o.validUntil = validFrom - 1;
            emit KeyRotated(originator, old, o.validUntil);
        }
        _keys[keyHash] = KeyState(originator, validFrom, type(uint32).max, uint16(index), false);
        _keyAt[index] = keyHash;
        keyCount = index + 1;
        currentKey[originator] = keyHash;
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
        KeyState storage k = _keys[keyHash];
        if (k.originator == address(0)) revert Registry__UnknownKey(keyHash);
        if (msg.sender != owner() && msg.sender != k.originator) revert Registry__NotOriginator(msg.sender);
        k.revoked = true;
        uint256 index = k.index;
        _revokedKeys[index >> 8] |= 1 << (index & 255);
        emit KeyRevoked(k.originator, keyHash);
    }

    function keyRecord(uint256 keyHash) external view returns (KeyRecord memory) {
        KeyState memory k = _keys[keyHash];
        return KeyRecord(k.originator, k.validFrom, k.validUntil, k.originator != address(0), k.revoked, k.index);
    }

    /// @inheritdoc IAttestationRegistry
    function keyHashOf(uint256 ax, uint256 ay) public view returns (uint256) {
        return keyHasher.poseidon([ax, ay, domainSignal()]);
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

    /// @notice Maps a catalogue instance (circuitId = keccak256(name)) and version to its verifier.
    function addVerifier(bytes32 circuitId, uint16 version, address verifier) external onlyOwner {
        if (verifier == address(0)) revert Registry__ZeroAddress();
        if (_verifiers[circuitId][version].verifier != address(0)) {
            revert Registry__VerifierExists(circuitId, version);
        }
        _verifiers[circuitId][version] = VerifierRecord(verifier, false);
        emit VerifierAdded(circuitId, version, verifier);
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
        VerifierRecord memory v = _verifiers[circuitId][version];
        if (v.verifier == address(0)) revert Registry__UnknownVerifier(circuitId, version);
        if (v.retired) revert Registry__VerifierRetired(circuitId, version);
        (Admitted memory c, PolicyRecord storage pol) = _checkSignals(s);
        uint256 pool = c.pool;
        if (!IGroth16Verifier7(v.verifier).verifyProof(proof.a, proof.b, proof.c, s)) {
            revert Registry__InvalidProof(pool.poolId(), pool.period(), pool.chunkIndex());
        }
        if (pool.chunkCount() == 1) {
            _record(c, pol.index, s);
        } else {
            _acceptChunk(c, s, pol, circuitId, version);
        }
    }

    /// @dev All binding checks of a submission, before the verifier call.
    function _checkSignals(
        uint256[7] calldata s
    ) private view returns (Admitted memory c, PolicyRecord storage pol) {
        if (block.chainid != _chainId) revert Registry__WrongChain(block.chainid, _chainId);
        uint256 pool = s[Sig.POOL];
        if (pool >> Codec.POOL_BITS != 0) revert Registry__MalformedSignal(Sig.POOL, pool);
        uint64 poolId = pool.poolId();
        uint256 meta = _pools[poolId].meta;
        if (meta == 0) revert Registry__UnknownPool(poolId);
        _checkFresh(pool.asOfDate());
        _checkOrder(poolId, pool, meta);
        uint256 next = (((meta >> CURSOR_SHIFT) & 0x1ff) + 1) % historyLength;
        uint256 entry = _history[poolId][next];
        c = Admitted(pool, meta, next, entry & type(uint160).max, 0);
        c.keyIndex = _checkKey(s[Sig.KEY_HASH], address(uint160(entry)));
        pol = _policies[s[Sig.POLICY_HASH]];
        if (!pol.exists) revert Registry__UnknownPolicy(s[Sig.POLICY_HASH]);
        uint16 count = pool.chunkCount();
        uint16 index = pool.chunkIndex();
        if (count == 0 || index >= count || count > MAX_CHUNKS) revert Registry__BadChunk(index, count);
        if (s[Sig.FIG_A] >> Codec.FIG_A_BITS != 0) revert Registry__MalformedSignal(Sig.FIG_A, s[Sig.FIG_A]);
        if (s[Sig.FIG_B] >> Codec.FIG_B_BITS != 0) revert Registry__MalformedSignal(Sig.FIG_B, s[Sig.FIG_B]);
        if (s[Sig.FIG_C] >> Codec.FIG_C_BITS != 0) revert Registry__MalformedSignal(Sig.FIG_C, s[Sig.FIG_C]);
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

    /// @dev The key is approved, not revoked, the pool originator's, and usable today (rotation is by day of
    /// submission, across all of the originator's pools); returns its index.
    function _checkKey(uint256 keyHash, address originator) private view returns (uint256) {
        KeyState memory k = _keys[keyHash];
        if (k.originator == address(0)) {
            if (_proposals[originator][keyHash] != 0) revert Registry__KeyNotApproved(keyHash);
            revert Registry__UnknownKey(keyHash);
        }
        if (k.revoked) revert Registry__KeyRevoked(keyHash);
        if (k.originator != originator) revert Registry__KeyNotForOriginator(keyHash, k.originator, originator);
        uint32 today = uint32(block.timestamp / DAY);
        if (today < k.validFrom || today > k.validUntil) {
            revert Registry__KeyNotValidOn(keyHash, today, k.validFrom, k.validUntil);
        }
        return k.index;
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
            (uint256(pool.chunkCount() - 1) << COUNT_SHIFT) |
            (c.keyIndex << KEY_SHIFT) |
            (c.next << CURSOR_SHIFT) |
            MARK;
        _history[poolId][c.next] =
            c.originator |
            (uint256(pool.period()) << 160) |
            (uint256(pool.loanCount()) << 192) |
            (uint256(pool.asOfDate()) << 224);
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

    function _acceptChunk(
        Admitted memory c,
        uint256[7] calldata s,
        PolicyRecord storage pol,
        bytes32 circuitId,
        uint16 version
    ) private {
        uint256 pool = c.pool;
        ChunkBatch storage b = _batches[pool.poolId()][pool.period()];
        uint256 misc = _admitChunk(b, c, s, circuitId, version);
        uint256 a = s[Sig.FIG_A];
        uint256 fb = s[Sig.FIG_B];
        b.sumsA += a.outstanding() | (a.scheduled() << LANE) | (a.collected() << (2 * LANE));
        b.sumsB += a.bucket30() | (fb.bucket60() << LANE) | (fb.bucket90() << (2 * LANE));
        b.sumsC += fb.defaulted() | (fb.chargedOff() << LANE) | (s[Sig.FIG_C].scoreWeightedBalance() << (2 * LANE));
        misc = _mergeMisc(misc, s[Sig.FIG_C]);
        b.misc = misc;
        emit ChunkAccepted(pool.poolId(), pool.period(), pool.chunkIndex(), pool.chunkCount());
        if (uint16(misc >> 96) == pool.chunkCount()) _completeBatch(c, b, misc, s, pol);
    }

    /// @dev Checks a chunk's binding to the batch and its index; returns the batch's `misc` word. The binding
    /// includes the circuit instance and version and the key: the chunk size is not a public signal, so chunk
    /// i of two instances covers different loans, and mixing instances could count loans twice
    /// (docs/INTERFACES.md). A chunk with another binding replaces the batch when the batch can no longer
    /// complete or is outdated (_replaceable); otherwise it is refused.
    function _admitChunk(
        ChunkBatch storage b,
        Admitted memory c,
        uint256[7] calldata s,
        bytes32 circuitId,
        uint16 version
    ) private returns (uint256 misc) {
        uint256 pool = c.pool;
        bytes32 binding = keccak256(
            abi.encode(
                s[Sig.ROOT],
                s[Sig.POLICY_HASH],
                s[Sig.KEY_HASH],
                pool & ~(Codec.CHUNK_INDEX_MAX << Codec.CHUNK_INDEX_SHIFT),
                circuitId,
                version
            )
        );
        misc = b.misc;
        uint16 seen = uint16(misc >> 96);
        if (seen != 0 && b.binding != binding) {
            if (!_replaceable(b, misc, pool.asOfDate())) {
                revert Registry__ChunkMismatch(pool.poolId(), pool.period(), pool.chunkIndex());
            }
            emit ChunkBatchReplaced(pool.poolId(), pool.period(), seen);
            b.received = 0;
            b.sumsA = 0;
            b.sumsB = 0;
            b.sumsC = 0;
            seen = 0;
        }
        if (seen == 0) {
            b.binding = binding;
            b.circuitId = circuitId;
            misc =
                (uint256(0x3ff) << 72) |
                (uint256(pool.chunkCount()) << 112) |
                (uint256(pool.asOfDate()) << 128) |
                (c.keyIndex << 144) |
                (uint256(version) << 160);
        }
        uint256 bit = 1 << pool.chunkIndex();
        uint256 received = b.received;
        if (received & bit != 0) {
            revert Registry__ChunkAlreadySubmitted(pool.poolId(), pool.period(), pool.chunkIndex());
        }
        b.received = received | bit;
    }

    /// @dev A batch in progress may be replaced by a chunk of another binding when the new chunk's tape is
    /// newer (later asOfDate), or the batch can never complete: its verifier is retired, or its key is
    /// revoked or past its last day (rotated out).
    function _replaceable(ChunkBatch storage b, uint256 misc, uint16 asOf) private view returns (bool) {
        if (asOf > uint16(misc >> 128)) return true;
        if (_verifiers[b.circuitId][uint16(misc >> 160)].retired) return true;
        KeyState storage k = _keys[_keyAt[uint16(misc >> 144)]];
        return k.revoked || block.timestamp / DAY > k.validUntil;
    }

    /// @dev Folds a chunk's figC into `misc`: max loan, active count, min score, per-loan bits, seen + 1.
    function _mergeMisc(uint256 misc, uint256 c) private pure returns (uint256) {
        uint256 maxLoan = misc & ((1 << 48) - 1);
        if (c.maxLoanBalance() > maxLoan) maxLoan = c.maxLoanBalance();
        uint256 active = ((misc >> 48) & 0xffffff) + c.activeCount();
        uint256 minScore = (misc >> 72) & 0xffff;
        if (c.minScore() < minScore) minScore = c.minScore();
        uint256 bits = ((misc >> 88) & 0xff) | (c.breaches() & Codec.LOAN_LEVEL_BREACHES);
        uint256 seen = ((misc >> 96) & 0xffff) + 1;
        uint256 kept = misc & ~((uint256(1) << 112) - 1);
        return maxLoan | (active << 48) | (minScore << 72) | (bits << 88) | (seen << 96) | kept;
    }

    function _completeBatch(
        Admitted memory c,
        ChunkBatch storage b,
        uint256 misc,
        uint256[7] calldata s,
        PolicyRecord storage pol
    ) private {
        uint256 pool = c.pool;
        uint256[3] memory lanes = [b.sumsA, b.sumsB, b.sumsC];
        uint256[9] memory v;
        for (uint256 i = 0; i < 9; ++i) v[i] = (lanes[i / 3] >> (LANE * (i % 3))) & LANE_MASK;
        // v: outstanding, scheduled, collected, bucket30, bucket60, bucket90, defaulted, chargedOff, scoreWeighted
        for (uint256 i = 0; i < 4; ++i) {
            if (v[i] > Codec.FIG_A_SLOT_MAX) revert Registry__FigureOverflow(pool.poolId(), pool.period());
            if (v[i + 4] > Codec.FIG_B_SLOT_MAX) revert Registry__FigureOverflow(pool.poolId(), pool.period());
        }
        uint256 active = (misc >> 48) & 0xffffff;
        if (v[8] > Codec.SCORE_WEIGHTED_BALANCE_MAX || active > Codec.ACTIVE_COUNT_MAX) revert Registry__FigureOverflow(pool.poolId(), pool.period());
        uint256[7] memory r;
        r[Sig.ROOT] = s[Sig.ROOT];
        r[Sig.POLICY_HASH] = s[Sig.POLICY_HASH];
        r[Sig.FIG_A] = Codec.packFigA(v[0], v[1], v[2], v[3]);
        r[Sig.FIG_B] = Codec.packFigB(v[4], v[5], v[6], v[7]);
        uint256 maxLoan = misc & ((1 << 48) - 1);
        uint256 breaches = ((misc >> 88) & 0xff) | _poolCovenants(r[Sig.FIG_A], r[Sig.FIG_B], maxLoan, pol.params);
        r[Sig.FIG_C] = Codec.packFigC(v[8], maxLoan, active, (misc >> 72) & 0xffff, breaches);
        c.pool = pool & ~(Codec.CHUNK_INDEX_MAX << Codec.CHUNK_INDEX_SHIFT);
        _record(c, pol.index, r);
        delete _batches[pool.poolId()][pool.period()];
    }

    /// @dev Pool-level covenant bits 3-7 of docs/INTERFACES.md, evaluated on aggregated figures.
    function _poolCovenants(
        uint256 figA,
        uint256 figB,
        uint256 maxLoan,
        PolicyParams memory q
    ) internal pure returns (uint256 bits) {
        uint256 out = figA.outstanding();
        if (figA.bucket30() * BPS > uint256(q.maxBucket30Bps) * out) bits |= Codec.BREACH_BUCKET30;
        if (figB.bucket60() * BPS > uint256(q.maxBucket60Bps) * out) bits |= Codec.BREACH_BUCKET60;
        if (figB.bucket90() * BPS > uint256(q.maxBucket90Bps) * out) bits |= Codec.BREACH_BUCKET90;
        if (maxLoan * BPS > uint256(q.maxConcentrationBps) * out) bits |= Codec.BREACH_CONCENTRATION;
        if (out < q.minPoolBalance) bits |= Codec.BREACH_MIN_POOL_BALANCE;
    }

    /// @notice Chunks received so far for (poolId, period): bitmask, count received, count expected.
    function chunkStatus(
        uint64 poolId,
        uint32 period
    ) external view returns (uint256 received, uint16 seen, uint16 count) {
        ChunkBatch storage b = _batches[poolId][period];
        uint256 misc = b.misc;
        return (b.received, uint16(misc >> 96), uint16(misc >> 112));
    }

    // ---------------------------------------------------------------- reads

    /// @inheritdoc IAttestationRegistry
    function attestation(uint64 poolId) external view returns (Attestation memory a) {
        a = _record(poolId);
        if (a.period != 0) a.loanCount = uint32(_history[poolId][(_pools[poolId].meta >> CURSOR_SHIFT) & 0x1ff] >> 192);
    }

    /// @inheritdoc IAttestationRegistry
    function attestationFigures(uint64 poolId) external view returns (Attestation memory) {
        return _record(poolId);
    }

    /// @dev The latest record of `poolId` from its slots, without the loan count (kept in the history ring).
    function _record(uint64 poolId) private view returns (Attestation memory a) {
        PoolState storage p = _pools[poolId];
        uint256 meta = p.meta;
        if (_period(meta) == 0) return a;
        a.poolId = poolId;
        a.period = _period(meta);
        a.asOfDate = _asOf(meta);
        a.chunkCount = uint16(((meta >> COUNT_SHIFT) & 0xff) + 1);
        a.policyHash = policyHashAt[uint16((meta >> POLICY_SHIFT) & 0xfff)];
        a.figA = p.figA & ~MARK;
        a.figB = p.figB & ~MARK;
        a.figC = meta & FIG_C_MASK;
    }

    /// @inheritdoc IAttestationRegistry
    function recordedLoanCount(uint64 poolId, uint32 period) external view returns (bool recorded, uint32 loanCount) {
        if (period == 0) return (false, 0);
        uint256 n = historyLength;
        uint256 i = (_pools[poolId].meta >> CURSOR_SHIFT) & 0x1ff;
        mapping(uint256 => uint256) storage ring = _history[poolId];
        // Periods strictly decrease going back from the cursor (0 in a slot never written).
        for (uint256 step = 0; step < n; ++step) {
            uint256 e = ring[i];
            uint32 p = uint32(e >> 160);
            if (p == period) return (true, uint32(e >> 192));
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
        uint256 keyIndex = (meta >> KEY_SHIFT) & 0xffff;
        return
            _period(meta) != 0 &&
            (meta & FIG_C_MASK).breaches() == 0 &&
            uint256(_asOf(meta)) * DAY + maxAge >= block.timestamp &&
            policyHashAt[uint16((meta >> POLICY_SHIFT) & 0xfff)] == policyHash &&
            (_revokedKeys[keyIndex >> 8] >> (keyIndex & 255)) & 1 == 0;
    }

    function _period(uint256 meta) private pure returns (uint32) {
        return uint32(meta >> PERIOD_SHIFT);
    }

    function _asOf(uint256 meta) private pure returns (uint16) {
        return uint16(meta >> AS_OF_SHIFT);
    }
}
