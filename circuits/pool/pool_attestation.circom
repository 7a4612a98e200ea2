pragma circom 2.1.9;

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";
include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/eddsaposeidon.circom";
include "../lib/bits.circom";
include "../lib/covenants.circom";
include "../lib/loan.circom";
include "../lib/tree.circom";
include "../lib/chunk_shape.circom";
include "../generated/pool_attestation_layout.circom";

// PoolChunk(chunkSize): the statement about one chunk of a committed loan tape that both chunk circuits make
// (PoolAttestation below publishes its figures, PoolChunkCommitment a hiding commitment to them).
//
// Proves that: (1) the chunkSize loan slots (real loans or empty slots) are slots chunkIndex * chunkSize ...
// of the tape whose root is `root` = Poseidon(leafRoot, slotRoot): their leaves in the leaf tree, their
// identities (hId) and state words in the slot tree (docs/ENCODING.md), and, when it is the last chunk
// (chunkIndex = chunkCount - 1), that everything after it in both trees is empty; (2) the originator key
// (Ax, Ay) with keyHash = Poseidon(Ax, Ay, domain) signed Poseidon(root, pool without chunkIndex, domain,
// policyHash), where `domain` (registry address | chainId << 160) is private: the registry computes the
// key hash of each key it approves from its own domain, so the one public keyHash binds both the key and
// this chain and registry (one public input fewer: about 6,900 gas per submission); (3) the policy
// whose parameters hash to `policyHash` yields exactly the breach bits in figC; (4) figA, figB and
// figC are exactly the chunk's figures as defined in docs/INTERFACES.md. Every amount and small field is
// range-checked (by the bit decompositions of the leaf words) before any sum or comparison. Outputs the
// chunk's active loans and the pool word's chunkCount, for the wrappers' pool-level rules.
//
// chunkSize is m * 16^k with m in {1, 2, 4, 8}, from 4 to 4096: m complete subtrees of height k, aligned in
// the height-6 arity-16 tape tree (docs/ENCODING.md).
template PoolChunk(chunkSize) {
    var TREE_HEIGHT = 6;
    // chunkSize = m * 16^k with m in {1, 2, 4, 8}: the chunk is m complete subtrees of height k.
    var k = 0;
    var m = chunkSize;
    while (m >= 16) { assert(m % 16 == 0); m = m \ 16; k++; }
    assert(m == 1 || m == 2 || m == 4 || m == 8);
    assert(chunkSize >= 4 && chunkSize <= 4096);
    var GROUP_BITS = m == 1 ? 4 : (m == 2 ? 3 : (m == 4 ? 2 : 1));
    var LEVELS = TREE_HEIGHT - k - 1; // levels above the first (group) level

    signal input root;
    signal input pool;
    signal input policyHash;
    signal input keyHash;
    signal input figA;
    signal input figB;
    signal input figC;

    signal input domain;

    signal input wA[chunkSize];
    signal input wB[chunkSize];
    signal input hId[chunkSize];
    signal input wV[chunkSize];
    signal input isEmpty[chunkSize];
    signal input policy[POLICY_PARAM_COUNT()];
    signal input Ax;
    signal input Ay;
    signal input S;
    signal input R8x;
    signal input R8y;
    signal input groupSiblings[16 - m];
    signal input siblings[LEVELS][15];
    signal input slotGroupSiblings[16 - SLOT_GROUP(chunkSize)];
    signal input slotSiblings[SLOT_LEVELS(chunkSize)][15];
    signal output activeLoans;
    signal output chunks;

    // --- pool word (circuits/layout.json): poolId | period | asOfDate | chunkIndex | chunkCount | loanCount ---
    component poolBits = Num2Bits(POOL_BITS());
    poolBits.in <== pool;
    var chunkIndex = 0;
    var chunkCount = 0;
    var loanCount = 0;
    var asOfDate = 0;
    for (var i = 0; i < AS_OF_DATE_BITS(); i++) { asOfDate += poolBits.out[AS_OF_DATE_SHIFT() + i] * (1 << i); }
    for (var i = 0; i < CHUNK_INDEX_BITS(); i++) { chunkIndex += poolBits.out[CHUNK_INDEX_SHIFT() + i] * (1 << i); }
    for (var i = 0; i < CHUNK_COUNT_BITS(); i++) { chunkCount += poolBits.out[CHUNK_COUNT_SHIFT() + i] * (1 << i); }
    for (var i = 0; i < LOAN_COUNT_BITS(); i++) { loanCount += poolBits.out[LOAN_COUNT_SHIFT() + i] * (1 << i); }
    component inRange = LessThan(CHUNK_COUNT_BITS());
    inRange.in[0] <== chunkIndex;
    inRange.in[1] <== chunkCount;
    inRange.out === 1;
    component last = IsZero();
    last.in <== chunkIndex + 1 - chunkCount;
    // The tree has 16^LEVELS * 16 / m chunk positions: higher index bits must be 0.
    for (var i = GROUP_BITS + 4 * LEVELS; i < CHUNK_INDEX_BITS(); i++) { poolBits.out[CHUNK_INDEX_SHIFT() + i] === 0; }
    // chunkCount = ceil(loanCount / chunkSize): the last chunk holds 1..chunkSize loans,
    // 0 <= loanCount - (chunkCount - 1) * chunkSize - 1 < chunkSize (which also gives loanCount >= 1). The
    // operands are below 2^33 in absolute value, so the decomposition is the exact comparison.
    var CHUNK_BITS = 0;
    while ((1 << CHUNK_BITS) < chunkSize) { CHUNK_BITS++; }
    component lastFill = Num2Bits(CHUNK_BITS);
    lastFill.in <== loanCount - (chunkCount - 1) * chunkSize - 1;

    // --- policy: range checks, then the hash (circuits/lib/covenants.circom) ---
    component ph = PolicyParams();
    ph.policy <== policy;
    ph.hash === policyHash;

    // --- loans ---
    component slot[chunkSize];
    var outstanding = 0;
    var scheduled = 0;
    var collected = 0;
    var chargedOff = 0;
    var ge30 = 0;
    var ge60 = 0;
    var ge90 = 0;
    var defaulted = 0;
    var activeCount = 0;
    var weighted = 0;
    var dpdBreaches = 0;
    var ltvHits = 0;
    var emptyCount = 0;

    // The chunk's minimum active score and maximum active balance, computed here and proven by the slots
    // (each is a bound: range-checked gaps) and by two products (each is attained: some gap is 0).
    var minVal = 1023;
    var maxVal = 0;
    for (var i = 0; i < chunkSize; i++) {
        var bw = wB[i];
        var st = (bw >> 16) & 7;
        var sc = (bw >> 19) & 1023;
        var amt = wA[i] & ((1 << 48) - 1);
        if (isEmpty[i] == 0 && st <= 2) {
            if (sc < minVal) { minVal = sc; }
            if (amt > maxVal) { maxVal = amt; }
        }
    }
    signal minScore <-- minVal;
    signal maxBalance <-- maxVal;
    component minScoreBits = Num2Bits(MIN_SCORE_BITS());
    minScoreBits.in <== minScore;
    signal minProduct[chunkSize];
    signal maxProduct[chunkSize];

    // Packing: isEmpty is 0 on the chunk's first slots and 1 on the rest. Each step isEmpty[i] -
    // isEmpty[i - 1] is boolean (one constraint per slot, as the boolean check it replaces) and the last
    // flag is boolean, so every flag is boolean and they never go back from 1 to 0.
    signal emptyStep[chunkSize];
    for (var i = 0; i < chunkSize; i++) {
        emptyStep[i] <== i == 0 ? isEmpty[0] : isEmpty[i] - isEmpty[i - 1];
        emptyStep[i] * (emptyStep[i] - 1) === 0;
    }
    isEmpty[chunkSize - 1] * (isEmpty[chunkSize - 1] - 1) === 0;

    component leafTree = ChunkTreeRoot(chunkSize, 0);
    component slotTree = ChunkTreeRoot(chunkSize, 1);
    for (var i = 0; i < chunkSize; i++) {
        slot[i] = LoanSlot();
        slot[i].wA <== wA[i];
        slot[i].wB <== wB[i];
        slot[i].hId <== hId[i];
        slot[i].wV <== wV[i];
        slot[i].isEmpty <== isEmpty[i];
        slot[i].asOfDate <== asOfDate;
        slot[i].maxDaysPastDue <== policy[1];
        slot[i].maxLtvBps <== policy[2];
        slot[i].minScore <== minScore;
        slot[i].maxBalance <== maxBalance;
        leafTree.leaves[i] <== slot[i].leaf;
        slotTree.leaves[2 * i] <== slot[i].id;
        slotTree.leaves[2 * i + 1] <== slot[i].state;
        if (i == 0) {
            // (1023 - minScore) lets a chunk without an active loan (or whose lowest score is 1023) close.
            minProduct[0] <== (1023 - minScore) * slot[0].minGap;
            maxProduct[0] <== slot[0].maxGap;
        } else {
            minProduct[i] <== minProduct[i - 1] * slot[i].minGap;
            maxProduct[i] <== maxProduct[i - 1] * slot[i].maxGap;
        }
        emptyCount += isEmpty[i];
        outstanding += slot[i].outstanding;
        scheduled += slot[i].scheduled;
        collected += slot[i].collected;
        chargedOff += slot[i].chargedOff;
        ge30 += slot[i].ge30Balance;
        ge60 += slot[i].ge60Balance;
        ge90 += slot[i].ge90Balance;
        defaulted += slot[i].defaultedBalance;
        activeCount += slot[i].active;
        weighted += slot[i].weighted;
        dpdBreaches += slot[i].dpdBreach;
        ltvHits += slot[i].ltvHit;
    }
    minProduct[chunkSize - 1] === 0;
    maxProduct[chunkSize - 1] === 0;
    // The chunk holds chunkSize loans, or loanCount - chunkIndex * chunkSize if it is the last one: with the
    // emptiness of everything after the last chunk (below), slot g of the tape is a loan exactly when
    // g < loanCount.
    -emptyCount === last.out * (loanCount - (chunkIndex + 1) * chunkSize);
    var bucket30 = ge30 - ge60;
    var bucket60 = ge60 - ge90;
    var bucket90 = ge90;

    // --- the chunk's place in the tape's two trees, and the root ---
    for (var b = 0; b < 16; b++) {
        var bit = b < CHUNK_INDEX_BITS() ? poolBits.out[CHUNK_INDEX_SHIFT() + b] : 0;
        leafTree.indexBits[b] <== bit;
        slotTree.indexBits[b] <== bit;
    }
    leafTree.groupSiblings <== groupSiblings;
    leafTree.siblings <== siblings;
    leafTree.mustBeLastOfTree <== last.out;
    slotTree.groupSiblings <== slotGroupSiblings;
    slotTree.siblings <== slotSiblings;
    slotTree.mustBeLastOfTree <== last.out;
    component tapeRoot = TapeRoot();
    tapeRoot.leafRoot <== leafTree.root;
    tapeRoot.slotRoot <== slotTree.root;
    tapeRoot.root === root;

    // --- the originator's signature over the attestation context ---
    component kh = Poseidon(3);
    kh.inputs[0] <== Ax;
    kh.inputs[1] <== Ay;
    kh.inputs[2] <== domain;
    kh.out === keyHash;
    component msg = Poseidon(4);
    msg.inputs[0] <== root;
    msg.inputs[1] <== pool - chunkIndex * (1 << CHUNK_INDEX_SHIFT());
    msg.inputs[2] <== domain;
    msg.inputs[3] <== policyHash;
    component sig = EdDSAPoseidonVerifier();
    sig.enabled <== 1;
    sig.Ax <== Ax;
    sig.Ay <== Ay;
    sig.S <== S;
    sig.R8x <== R8x;
    sig.R8y <== R8y;
    sig.M <== msg.out;

    // --- covenants (breach bits, circuits/lib/covenants.circom) ---
    // The sums are below chunkSize * 2^48 = 2^(48 + CHUNK_BITS).
    component covenants = Covenants(48 + CHUNK_BITS);
    covenants.minScore <== minScore;
    covenants.dpdBreaches <== dpdBreaches;
    covenants.ltvHits <== ltvHits;
    covenants.outstanding <== outstanding;
    covenants.bucket30 <== bucket30;
    covenants.bucket60 <== bucket60;
    covenants.bucket90 <== bucket90;
    covenants.maxBalance <== maxBalance;
    covenants.policy <== policy;
    var breaches = covenants.breaches;

    // --- figures (62-bit slots hold sums of at most 4096 amounts below 2^48) ---
    // (offsets from circuits/layout.json; test/layout/layout.test.ts checks a witness against the declaration)
    figA === outstanding * (1 << OUTSTANDING_SHIFT()) + scheduled * (1 << SCHEDULED_SHIFT())
        + collected * (1 << COLLECTED_SHIFT()) + bucket30 * (1 << BUCKET30_SHIFT());
    figB === bucket60 * (1 << BUCKET60_SHIFT()) + bucket90 * (1 << BUCKET90_SHIFT())
        + defaulted * (1 << DEFAULTED_SHIFT()) + chargedOff * (1 << CHARGED_OFF_SHIFT());
    figC === weighted * (1 << SCORE_WEIGHTED_BALANCE_SHIFT()) + maxBalance * (1 << MAX_LOAN_BALANCE_SHIFT())
        + activeCount * (1 << ACTIVE_COUNT_SHIFT()) + minScore * (1 << MIN_SCORE_SHIFT())
        + breaches * (1 << BREACHES_SHIFT());
    activeLoans <== activeCount;
    chunks <== chunkCount;
}

// PoolAttestation(chunkSize): the attestation of a pool whose tape is one chunk, with its figures public
// (docs/CIRCUITS.md). PoolChunk's statement, and two pool-level rules:
//   - the pool is one chunk (chunkCount = 1): a pool of several chunks is proven by PoolChunkCommitment
//     chunks and one PoolAggregation, so no chunk's figures are ever published (docs/INTERFACES.md);
//   - the pool has at least the policy's minActiveLoans active loans: a smaller pool has no proof, so a pool
//     of one or two loans (whose figures would be single borrowers' data) is never published.
// The public inputs are declared first, in the order fixed by docs/INTERFACES.md.
template PoolAttestation(chunkSize) {
    var m = CHUNK_GROUP(chunkSize);
    var LEVELS = CHUNK_LEVELS(chunkSize);

    signal input root;
    signal input pool;
    signal input policyHash;
    signal input keyHash;
    signal input figA;
    signal input figB;
    signal input figC;

    signal input domain;
    signal input wA[chunkSize];
    signal input wB[chunkSize];
    signal input hId[chunkSize];
    signal input wV[chunkSize];
    signal input isEmpty[chunkSize];
    signal input policy[POLICY_PARAM_COUNT()];
    signal input Ax;
    signal input Ay;
    signal input S;
    signal input R8x;
    signal input R8y;
    signal input groupSiblings[16 - m];
    signal input siblings[LEVELS][15];
    signal input slotGroupSiblings[16 - SLOT_GROUP(chunkSize)];
    signal input slotSiblings[SLOT_LEVELS(chunkSize)][15];

    component chunk = PoolChunk(chunkSize);
    chunk.root <== root;
    chunk.pool <== pool;
    chunk.policyHash <== policyHash;
    chunk.keyHash <== keyHash;
    chunk.figA <== figA;
    chunk.figB <== figB;
    chunk.figC <== figC;
    chunk.domain <== domain;
    chunk.wA <== wA;
    chunk.wB <== wB;
    chunk.hId <== hId;
    chunk.wV <== wV;
    chunk.isEmpty <== isEmpty;
    chunk.policy <== policy;
    chunk.Ax <== Ax;
    chunk.Ay <== Ay;
    chunk.S <== S;
    chunk.R8x <== R8x;
    chunk.R8y <== R8y;
    chunk.groupSiblings <== groupSiblings;
    chunk.siblings <== siblings;
    chunk.slotGroupSiblings <== slotGroupSiblings;
    chunk.slotSiblings <== slotSiblings;

    chunk.chunks === 1;
    // activeLoans <= chunkSize <= 4096 and the parameter is range-checked to its 16 bits by PoolChunk.
    component tooFew = LessThan(POLICY_PARAM_BITS(PARAM_MIN_ACTIVE_LOANS()));
    tooFew.in[0] <== chunk.activeLoans;
    tooFew.in[1] <== policy[PARAM_MIN_ACTIVE_LOANS()];
    tooFew.out === 0;
}
