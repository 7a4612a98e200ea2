// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

// Event fields carry data, not search keys (indexing them costs more); limits are inclusive by
// specification (docs/POLICY.md), so non-strict comparisons are intended.
/* solhint-disable gas-indexed-events, gas-strict-inequalities, gas-increment-by-one */

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {IAttestationRegistry} from "./interfaces/IAttestationRegistry.sol";
import {IGroth16Verifier7} from "./interfaces/IGroth16Verifier7.sol";
import {IPoseidon3} from "./interfaces/IPoseidon3.sol";
import {PoolSignalsCodec as Codec} from "./libraries/PoolSignalsCodec.sol";
import {PoolAttestationSignals as Sig} from "./generated/PoolAttestationSignals.sol";

/// @title AttestationRegistry
/// @notice Records fresh, non-replayed pool attestations proven with the pool attestation circuit.
/// @dev Every binding check (verifier, chain, pool, period, freshness, key, policy, chunk) runs before the
/// verifier call. This registry and chain are bound through the key: the registry computes each key's hash
/// itself, keyHash = Poseidon(Ax, Ay, domainSignal()), and the circuit proves that the signing key hashes
/// with its (private) domain to the public keyHash, so a proof made for another registry or chain names a
/// key hash this registry never issued. That saves a public input (about 6.9k gas per submission). Each pool lives in four storage slots (originator, figA, figB, figC with the record's
/// header) allocated (made nonzero) when the pool is registered, so every submission, the first included,
/// rewrites three nonzero slots and never pays for a fresh one. Governance (the owner) approves keys, registers policies and adds or retires verifiers.
contract AttestationRegistry is IAttestationRegistry, Ownable2Step {
    using Codec for uint256;

    /// @dev Marker bit kept set in the figure slots so that they never return to zero.
    uint256 private constant MARK = 1 << 255;
    uint8 private constant HAS_ATTESTATION = 1;
    uint8 private constant BREACHED = 2;
    uint16 private constant MAX_CHUNKS = 256;
    uint256 private constant DAY = 1 days;
    uint256 private constant BPS = 10_000;
    uint256 private constant FIG_C_MASK = (1 << 162) - 1;
    uint256 private constant LANE = 85;
    uint256 private constant LANE_MASK = (1 << 85) - 1;
    uint256 private constant FIELD = 21888242871839275222246405745257275088548364400416034343698204186575808495617;

    /// @dev `meta` packs figC (bits 0-161) with the record's header: period (162-193), asOfDate (194-209),
    /// policy index (210-225), chunkCount (226-241), flags (242-249); bit 255 is the allocation marker.
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

    /// @dev A chunked (pool, period) in progress, in six slots. `binding` = keccak256(root, policyHash,
    /// asOfDate, chunkCount), the fields every chunk must share. Sums use 85-bit lanes (256 chunks of 62-bit
    /// values cannot carry into the next lane): sumsA = outstanding | scheduled | collected, sumsB = bucket30 |
    /// bucket60 | bucket90, sumsC = defaulted | chargedOff | scoreWeightedBalance. `misc` = maxLoan (48) |
    /// activeCount (24) << 48 | minScore (16) << 72 | per-loan breach bits (8) << 88 | seen (16) << 96 |
    /// chunkCount (16) << 112.
    struct ChunkBatch {
        bytes32 binding;
        uint256 received;
        uint256 sumsA;
        uint256 sumsB;
        uint256 sumsC;
        uint256 misc;
    }

    /// @notice Maximum age, in seconds, of an attestation's asOfDate at submission and for isEligible.
    // solhint-disable-next-line immutable-vars-naming
    uint64 public immutable maxAge;

    /// @notice circomlibjs's Poseidon contract for three inputs, which computes the registry's key hashes.
    // solhint-disable-next-line immutable-vars-naming
    IPoseidon3 public immutable keyHasher;

    /// @dev The chain id at deployment: key hashes bind it, so after a chain split the copy on the other
    /// chain refuses submissions instead of accepting proofs made for this one.
    // solhint-disable-next-line immutable-vars-naming
    uint256 private immutable _chainId;

    /// @dev Approved keys (a key is recorded here only when governance approves it).
    mapping(uint256 keyHash => KeyRecord) private _keys;
    /// @dev Pending proposals, per proposer: validFrom + 1 (0 = none). Kept per proposer so that nobody can
    /// block an originator's key by proposing the same public key first (front-running a proposal).
    mapping(address originator => mapping(uint256 keyHash => uint64 validFromPlusOne)) private _proposals;
    mapping(address originator => uint256 keyHash) public currentKey;
    mapping(uint256 policyHash => PolicyRecord) private _policies;
    mapping(uint16 index => uint256 policyHash) public policyHashAt;
    uint16 public policyCount;
    mapping(bytes32 circuitId => mapping(uint16 version => VerifierRecord)) private _verifiers;
    mapping(uint64 poolId => PoolState) private _pools;
    mapping(uint64 poolId => mapping(uint32 period => ChunkBatch)) private _batches;

    constructor(address governance, uint64 maxAgeSeconds, IPoseidon3 hasher) Ownable(governance) {
        if (maxAgeSeconds == 0) revert Registry__BadMaxAge(maxAgeSeconds);
        if (address(hasher) == address(0)) revert Registry__ZeroAddress();
        maxAge = maxAgeSeconds;
        keyHasher = hasher;
        _chainId = block.chainid;
    }

    // ---------------------------------------------------------------- originator keys

    /// @notice Proposes the caller's Baby Jubjub public key (ax, ay), valid from period `validFrom`; returns its
    /// hash in this registry, keyHash = Poseidon(ax, ay, domainSignal()), which proofs must carry. Proposals
    /// are per proposer: another account proposing the same key blocks nothing (governance approves one
    /// proposer's, after checking off-chain that it holds the key).
    function proposeKey(uint256 ax, uint256 ay, uint32 validFrom) external returns (uint256 keyHash) {
        if (ax >= FIELD || ay >= FIELD) revert Registry__NotFieldElement(ax, ay);
        keyHash = keyHashOf(ax, ay);
        if (_keys[keyHash].originator != address(0)) revert Registry__KeyExists(keyHash);
        _proposals[msg.sender][keyHash] = uint64(validFrom) + 1;
        emit KeyProposed(msg.sender, keyHash, ax, ay, validFrom);
    }

    /// @notice Approves `originator`'s proposal of a key; it replaces the originator's current key from its
    /// validFrom period on. A key is approved for one originator only, once.
    function approveKey(address originator, uint256 keyHash) external onlyOwner {
        uint64 proposed = _proposals[originator][keyHash];
        if (proposed == 0) revert Registry__NoProposal(originator, keyHash);
        if (_keys[keyHash].originator != address(0)) revert Registry__KeyExists(keyHash);
        delete _proposals[originator][keyHash];
        uint32 validFrom = uint32(proposed - 1);
        uint256 old = currentKey[originator];
        if (old != 0) {
            KeyRecord storage o = _keys[old];
            if (validFrom <= o.validFrom) {
                revert Registry__KeyNotValidForPeriod(keyHash, validFrom, o.validFrom, o.validUntil);
            }
            o.validUntil = validFrom - 1;
            emit KeyRotated(originator, old, validFrom - 1);
        }
        _keys[keyHash] = KeyRecord(originator, validFrom, type(uint32).max, true, false);
        currentKey[originator] = keyHash;
        emit KeyApproved(originator, keyHash, validFrom);
    }

    /// @notice Whether `originator` has a pending (unapproved) proposal of the key, and from which period.
    function proposal(address originator, uint256 keyHash) external view returns (bool pending, uint32 validFrom) {
        uint64 p = _proposals[originator][keyHash];
        return (p != 0, p == 0 ? 0 : uint32(p - 1));
    }

    /// @notice Revokes a key (by governance or its originator): no later submission under it is accepted.
    function revokeKey(uint256 keyHash) external {
        KeyRecord storage k = _keys[keyHash];
        if (k.originator == address(0)) revert Registry__UnknownKey(keyHash);
        if (msg.sender != owner() && msg.sender != k.originator) revert Registry__NotOriginator(msg.sender);
        k.revoked = true;
        emit KeyRevoked(k.originator, keyHash);
    }

    function keyRecord(uint256 keyHash) external view returns (KeyRecord memory) {
        return _keys[keyHash];
    }

    /// @inheritdoc IAttestationRegistry
    function keyHashOf(uint256 ax, uint256 ay) public view returns (uint256) {
        return keyHasher.poseidon([ax, ay, domainSignal()]);
    }

    // ---------------------------------------------------------------- policies and verifiers

    /// @notice Registers a policy's parameters under its Poseidon hash (checked off-chain by governance).
    function registerPolicy(uint256 policyHash, PolicyParams calldata params) external onlyOwner {
        if (_policies[policyHash].exists) revert Registry__PolicyExists(policyHash);
        uint16 index = policyCount++;
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

    /// @notice Retires a verifier: later submissions through it are refused; recorded attestations stay.
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
    /// its slots.
    function registerPool(uint64 poolId) external {
        uint256 key = currentKey[msg.sender];
        if (key == 0 || !_keys[key].approved) revert Registry__NotOriginator(msg.sender);
        if (_keys[key].revoked) revert Registry__KeyRevoked(key);
        PoolState storage p = _pools[poolId];
        if (p.originator != address(0)) revert Registry__PoolExists(poolId, p.originator);
        _pools[poolId] = PoolState(msg.sender, MARK, MARK, MARK, 1);
        emit PoolRegistered(poolId, msg.sender);
    }

    function poolOriginator(uint64 poolId) external view returns (address) {
        return _pools[poolId].originator;
    }

    /// @inheritdoc IAttestationRegistry
    function attestedRoot(uint64 poolId) external view returns (uint256 root, uint32 period) {
        PoolState storage p = _pools[poolId];
        uint256 meta = p.meta;
        if (_flags(meta) & HAS_ATTESTATION == 0) return (0, 0);
        return (p.root, _period(meta));
    }

    /// @notice The domain word (this registry | chain id << 160) that the key hashes of this registry bind.
    function domainSignal() public view returns (uint256) {
        return Codec.domain(address(this), block.chainid);
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
        (PoolState storage p, PolicyRecord storage pol, uint256 pool) = _checkSignals(s);
        if (!IGroth16Verifier7(v.verifier).verifyProof(proof.a, proof.b, proof.c, s)) {
            revert Registry__InvalidProof(pool.poolId(), pool.period(), pool.chunkIndex());
        }
        if (pool.chunkCount() == 1) {
            _record(p, pool, pol.index, s);
        } else {
            _acceptChunk(pool, s, pol, circuitId);
        }
    }

    /// @dev All binding checks of a submission, before the verifier call.
    function _checkSignals(
        uint256[7] calldata s
    ) private view returns (PoolState storage p, PolicyRecord storage pol, uint256 pool) {
        if (block.chainid != _chainId) revert Registry__WrongChain(block.chainid, _chainId);
        pool = s[Sig.POOL];
        if (pool >> Codec.POOL_BITS != 0) revert Registry__MalformedSignal(Sig.POOL, pool);
        uint64 poolId = pool.poolId();
        uint32 period = pool.period();
        p = _pools[poolId];
        address originator = p.originator;
        if (originator == address(0)) revert Registry__UnknownPool(poolId);
        uint32 last = _period(p.meta);
        if (period <= last) revert Registry__PeriodNotAfterLast(poolId, period, last);
        _checkFresh(pool.asOfDate());
        _checkKey(s[Sig.KEY_HASH], originator, period);
        pol = _policies[s[Sig.POLICY_HASH]];
        if (!pol.exists) revert Registry__UnknownPolicy(s[Sig.POLICY_HASH]);
        uint16 count = pool.chunkCount();
        uint16 index = pool.chunkIndex();
        if (count == 0 || index >= count || count > MAX_CHUNKS) revert Registry__BadChunk(index, count);
        if (s[Sig.FIG_A] >> Codec.FIG_AB_BITS != 0) revert Registry__MalformedSignal(Sig.FIG_A, s[Sig.FIG_A]);
        if (s[Sig.FIG_B] >> Codec.FIG_AB_BITS != 0) revert Registry__MalformedSignal(Sig.FIG_B, s[Sig.FIG_B]);
        if (s[Sig.FIG_C] >> Codec.FIG_C_BITS != 0) revert Registry__MalformedSignal(Sig.FIG_C, s[Sig.FIG_C]);
    }

    function _checkFresh(uint16 asOf) private view {
        uint256 asOfTime = uint256(asOf) * DAY;
        if (asOfTime > block.timestamp) revert Registry__FutureAsOf(asOf, uint64(block.timestamp / DAY));
        if (asOfTime + maxAge < block.timestamp) {
            revert Registry__StalePeriod(asOf, uint64((block.timestamp - maxAge + DAY - 1) / DAY));
        }
    }

    function _checkKey(uint256 keyHash, address originator, uint32 period) private view {
        KeyRecord memory k = _keys[keyHash];
        if (k.originator == address(0)) {
            if (_proposals[originator][keyHash] != 0) revert Registry__KeyNotApproved(keyHash);
            revert Registry__UnknownKey(keyHash);
        }
        if (k.revoked) revert Registry__KeyRevoked(keyHash);
        if (k.originator != originator) revert Registry__KeyNotForOriginator(keyHash, k.originator, originator);
        if (period < k.validFrom || period > k.validUntil) {
            revert Registry__KeyNotValidForPeriod(keyHash, period, k.validFrom, k.validUntil);
        }
    }

    function _record(PoolState storage p, uint256 pool, uint16 policyIndex, uint256[7] memory s) private {
        uint256 figC = s[Sig.FIG_C];
        uint256 flags = HAS_ATTESTATION | (figC.breaches() != 0 ? BREACHED : 0);
        p.figA = s[Sig.FIG_A] | MARK;
        p.figB = s[Sig.FIG_B] | MARK;
        p.root = s[Sig.ROOT];
        p.meta =
            figC |
            (uint256(pool.period()) << 162) |
            (uint256(pool.asOfDate()) << 194) |
            (uint256(policyIndex) << 210) |
            (uint256(pool.chunkCount()) << 226) |
            (flags << 242) |
            MARK;
        emit AttestationRecorded(
            pool.poolId(),
            pool.period(),
            s[Sig.ROOT],
            s[Sig.POLICY_HASH],
            s[Sig.FIG_A],
            s[Sig.FIG_B],
            figC
        );
    }

    function _acceptChunk(uint256 pool, uint256[7] calldata s, PolicyRecord storage pol, bytes32 circuitId) private {
        ChunkBatch storage b = _batches[pool.poolId()][pool.period()];
        uint256 misc = _admitChunk(b, pool, s, circuitId);
        uint256 a = s[Sig.FIG_A];
        uint256 fb = s[Sig.FIG_B];
        b.sumsA += a.outstanding() | (a.scheduled() << LANE) | (a.collected() << (2 * LANE));
        b.sumsB += a.bucket30() | (fb.bucket60() << LANE) | (fb.bucket90() << (2 * LANE));
        b.sumsC += fb.defaulted() | (fb.chargedOff() << LANE) | (s[Sig.FIG_C].scoreWeightedBalance() << (2 * LANE));
        misc = _mergeMisc(misc, s[Sig.FIG_C]);
        b.misc = misc;
        emit ChunkAccepted(pool.poolId(), pool.period(), pool.chunkIndex(), pool.chunkCount());
        if (uint16(misc >> 96) == pool.chunkCount()) _completeBatch(pool, b, misc, s, pol);
    }

    /// @dev Checks a chunk's binding to the batch and its index; returns the batch's `misc` word.
    /// The binding includes the circuit instance and key: the chunk size is not a public signal, so chunk i of
    /// two instances covers different loans, and mixing instances could count loans twice (docs/INTERFACES.md).
    function _admitChunk(
        ChunkBatch storage b,
        uint256 pool,
        uint256[7] calldata s,
        bytes32 circuitId
    ) private returns (uint256 misc) {
        uint16 count = pool.chunkCount();
        bytes32 binding = keccak256(
            abi.encode(s[Sig.ROOT], s[Sig.POLICY_HASH], s[Sig.KEY_HASH], pool.asOfDate(), count, circuitId)
        );
        misc = b.misc;
        if (uint16(misc >> 96) == 0) {
            b.binding = binding;
            misc = (uint256(0x3ff) << 72) | (uint256(count) << 112);
        } else if (b.binding != binding) {
            revert Registry__ChunkMismatch(pool.poolId(), pool.period(), pool.chunkIndex());
        }
        uint256 bit = 1 << pool.chunkIndex();
        uint256 received = b.received;
        if (received & bit != 0) {
            revert Registry__ChunkAlreadySubmitted(pool.poolId(), pool.period(), pool.chunkIndex());
        }
        b.received = received | bit;
    }

    /// @dev Folds a chunk's figC into `misc`: max loan, active count, min score, per-loan bits, seen + 1.
    function _mergeMisc(uint256 misc, uint256 c) private pure returns (uint256) {
        uint256 maxLoan = misc & ((1 << 48) - 1);
        if (c.maxLoanBalance() > maxLoan) maxLoan = c.maxLoanBalance();
        uint256 active = ((misc >> 48) & 0xffffff) + c.activeCount();
        uint256 minScore = (misc >> 72) & 0xffff;
        if (c.minScore() < minScore) minScore = c.minScore();
        uint256 bits = ((misc >> 88) & 0xff) | (c.breaches() & 7);
        uint256 seen = ((misc >> 96) & 0xffff) + 1;
        return maxLoan | (active << 48) | (minScore << 72) | (bits << 88) | (seen << 96) | (misc & (0xffff << 112));
    }

    function _completeBatch(
        uint256 pool,
        ChunkBatch storage b,
        uint256 misc,
        uint256[7] calldata s,
        PolicyRecord storage pol
    ) private {
        uint256[3] memory lanes = [b.sumsA, b.sumsB, b.sumsC];
        uint256[9] memory v;
        for (uint256 i = 0; i < 9; ++i) v[i] = (lanes[i / 3] >> (LANE * (i % 3))) & LANE_MASK;
        // v: outstanding, scheduled, collected, bucket30, bucket60, bucket90, defaulted, chargedOff, scoreWeighted
        for (uint256 i = 0; i < 8; ++i) {
            if (v[i] > Codec.SLOT62) revert Registry__FigureOverflow(pool.poolId(), pool.period());
        }
        uint256 active = (misc >> 48) & 0xffffff;
        if (v[8] >= 1 << 72 || active > 0xffff) revert Registry__FigureOverflow(pool.poolId(), pool.period());
        uint256[7] memory r;
        r[Sig.ROOT] = s[Sig.ROOT];
        r[Sig.POLICY_HASH] = s[Sig.POLICY_HASH];
        r[Sig.FIG_A] = v[0] | (v[1] << 62) | (v[2] << 124) | (v[3] << 186);
        r[Sig.FIG_B] = v[4] | (v[5] << 62) | (v[6] << 124) | (v[7] << 186);
        uint256 maxLoan = misc & ((1 << 48) - 1);
        uint256 breaches = ((misc >> 88) & 0xff) | _poolCovenants(r[Sig.FIG_A], r[Sig.FIG_B], maxLoan, pol.params);
        r[Sig.FIG_C] = Codec.packFigC(v[8], maxLoan, active, (misc >> 72) & 0xffff, breaches);
        _record(_pools[pool.poolId()], pool & ~(uint256(0xffff) << 112), pol.index, r);
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
        if (figA.bucket30() * BPS > uint256(q.maxBucket30Bps) * out) bits |= 1 << 3;
        if (figB.bucket60() * BPS > uint256(q.maxBucket60Bps) * out) bits |= 1 << 4;
        if (figB.bucket90() * BPS > uint256(q.maxBucket90Bps) * out) bits |= 1 << 5;
        if (maxLoan * BPS > uint256(q.maxConcentrationBps) * out) bits |= 1 << 6;
        if (out < q.minPoolBalance) bits |= 1 << 7;
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
        PoolState storage p = _pools[poolId];
        uint256 meta = p.meta;
        if (_flags(meta) & HAS_ATTESTATION == 0) return a;
        a.poolId = poolId;
        a.period = _period(meta);
        a.asOfDate = _asOf(meta);
        a.chunkCount = uint16(meta >> 226);
        a.policyHash = policyHashAt[uint16(meta >> 210)];
        a.figA = p.figA & ~MARK;
        a.figB = p.figB & ~MARK;
        a.figC = meta & FIG_C_MASK;
    }

    /// @inheritdoc IAttestationRegistry
    function isFresh(uint64 poolId) public view returns (bool) {
        uint256 meta = _pools[poolId].meta;
        return _flags(meta) & HAS_ATTESTATION != 0 && uint256(_asOf(meta)) * DAY + maxAge >= block.timestamp;
    }

    /// @notice True when the pool's latest complete attestation is fresh, breach-free and under `policyHash`.
    /// @dev Two storage reads (the pool header and the policy index), for cheap use by other contracts.
    function isEligible(uint64 poolId, uint256 policyHash) external view returns (bool) {
        uint256 meta = _pools[poolId].meta;
        return
            _flags(meta) == HAS_ATTESTATION &&
            uint256(_asOf(meta)) * DAY + maxAge >= block.timestamp &&
            policyHashAt[uint16(meta >> 210)] == policyHash;
    }

    function _period(uint256 meta) private pure returns (uint32) {
        return uint32(meta >> 162);
    }

    function _asOf(uint256 meta) private pure returns (uint16) {
        return uint16(meta >> 194);
    }

    function _flags(uint256 meta) private pure returns (uint8) {
        return uint8(meta >> 242);
    }
}
