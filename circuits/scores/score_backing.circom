pragma circom 2.1.9;

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";
include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/eddsaposeidon.circom";
include "../lib/tree.circom";

// ScoreBatchDigest(n): a digest of n field elements (n <= 16, or a multiple of 16 at every level):
// Poseidon(elements) when n <= 16; otherwise blocks of 16 are hashed with Poseidon(16) and the block hashes
// are digested the same way, level after level.
template ScoreBatchDigest(n) {
    signal input in[n];
    signal output out;

    // Levels of full Poseidon(16) blocks until at most 16 values remain.
    var total = 0;
    var count = n;
    while (count > 16) { assert(count % 16 == 0); count = count \ 16; total += count; }
    var topWidth = count;
    component block[total];
    var offset = 0;
    var below = n;
    var belowOffset = 0;
    var level = 0;
    while (below > 16) {
        var width = below \ 16;
        for (var j = 0; j < width; j++) {
            block[offset + j] = Poseidon(16);
            for (var c = 0; c < 16; c++) {
                if (level == 0) {
                    block[offset + j].inputs[c] <== in[16 * j + c];
                } else {
                    block[offset + j].inputs[c] <== block[belowOffset + 16 * j + c].out;
                }
            }
        }
        belowOffset = offset;
        offset += width;
        below = width;
        level++;
    }
    component top = Poseidon(topWidth);
    for (var c = 0; c < topWidth; c++) {
        if (level == 0) {
            top.inputs[c] <== in[c];
        } else {
            top.inputs[c] <== block[belowOffset + c].out;
        }
    }
    out <== top.out;
}

// ScoreBacking(chunkSize): the scores of one chunk of a committed loan tape are backed by a score provider.
//
// Proves that: (1) the chunkSize slots (loans or empty slots) are the leaves chunkIndex * chunkSize ... of
// the leaf tree of the tape whose root is `root` = Poseidon(leafRoot, slotRoot) (the slot tree's root
// private: this statement is about the leaves only; the same leaves, tree and `pool` word as the pool attestation's, so
// the proof is about exactly the loans of that chunk), and the last chunk (chunkIndex = chunkCount - 1)
// proves that every leaf after it is empty, so chunks 0 .. chunkCount - 1 cover the whole tape; (2) the key whose hash is `providerKeyHash` signed
// (EdDSA-Poseidon) Poseidon(SCORE_BATCH_TAG, digest, modelId, scoreDate), where digest commits to the
// entries (hId_i, score_i) of the chunk's slots in order, (0, 0) for an empty slot (docs/SCORES.md);
// (3) every loan's score in the batch is the creditScore field of its committed word wB (its bits 19-28,
// wB range-checked to 45 bits); (4) the report is fresh: 0 <= asOfDate - scoreDate <= maxAgeDays, with asOfDate from the `pool` word.
//
// Public inputs, in this order: root, pool, domain, providerKeyHash, modelId, maxAgeDays. `domain` (the
// accepting contract and chain, checked by the contract) is bound to the proof by a dummy square.
template ScoreBacking(chunkSize) {
    var TREE_HEIGHT = 6;
    // idToField("rwa-attest/score-batch/v1"): 25 bytes, 25 << 248 | the bytes (docs/SCORES.md).
    var SCORE_BATCH_TAG = 25 * (1 << 248) + 0x7277612d6174746573742f73636f72652d62617463682f7631;
    var k = 0;
    var m = chunkSize;
    while (m >= 16) { assert(m % 16 == 0); m = m \ 16; k++; }
    assert(m == 1 || m == 2 || m == 4 || m == 8);
    assert(chunkSize >= 4 && chunkSize <= 4096);
    var GROUP_BITS = m == 1 ? 4 : (m == 2 ? 3 : (m == 4 ? 2 : 1));
    var LEVELS = TREE_HEIGHT - k - 1;

    signal input root;
    signal input pool;
    signal input domain;
    signal input providerKeyHash;
    signal input modelId;
    signal input maxAgeDays;

    signal input wA[chunkSize];
    signal input wB[chunkSize];
    signal input hId[chunkSize];
    signal input wV[chunkSize];
    signal input isEmpty[chunkSize];
    signal input scoreDate;
    signal input Ax;
    signal input Ay;
    signal input S;
    signal input R8x;
    signal input R8y;
    signal input groupSiblings[16 - m];
    signal input siblings[LEVELS][15];
    signal input slotRoot;

    signal domainSquare <== domain * domain;

    // --- pool word: poolId 64 | period 32 | asOfDate 16 | chunkIndex 16 | chunkCount 16 (144 bits, no loan
    // count: the last chunk proves the rest of the tree empty, so coverage needs no count) ---
    component poolBits = Num2Bits(144);
    poolBits.in <== pool;
    var chunkIndex = 0;
    var chunkCount = 0;
    var asOfDate = 0;
    for (var i = 0; i < 16; i++) {
        asOfDate += poolBits.out[96 + i] * (1 << i);
        chunkIndex += poolBits.out[112 + i] * (1 << i);
        chunkCount += poolBits.out[128 + i] * (1 << i);
    }
    component inRange = LessThan(16);
    inRange.in[0] <== chunkIndex;
    inRange.in[1] <== chunkCount;
    inRange.out === 1;
    // The last chunk (chunkIndex = chunkCount - 1) proves that every leaf after it is empty, so the
    // chunkCount chunks of one circuit cover the whole committed tape (as in the pool circuit).
    component last = IsZero();
    last.in <== chunkIndex + 1 - chunkCount;
    for (var i = GROUP_BITS + 4 * LEVELS; i < 16; i++) { poolBits.out[112 + i] === 0; }

    // --- slots: leaves (as in the pool circuit) and the provider entries ---
    // The entries are hashed in groups of G = min(chunkSize, 16) loans: group g contributes
    // Poseidon(hId of its loans) and the packed word sum_j score_j << 10j of their scores (docs/SCORES.md).
    var G = chunkSize < 16 ? chunkSize : 16;
    var GROUPS = chunkSize \ G;
    component leafHash[chunkSize];
    component wBits[chunkSize];
    component leafTree = ChunkTreeRoot(chunkSize, 0);
    component idHash[GROUPS];
    var packed[GROUPS];
    for (var g = 0; g < GROUPS; g++) {
        idHash[g] = Poseidon(G == 16 ? 16 : G + 1);
        packed[g] = 0;
    }
    for (var i = 0; i < chunkSize; i++) {
        isEmpty[i] * (isEmpty[i] - 1) === 0;
        isEmpty[i] * wA[i] === 0;
        isEmpty[i] * wB[i] === 0;
        isEmpty[i] * hId[i] === 0;
        leafHash[i] = Poseidon(4);
        leafHash[i].inputs[0] <== wA[i];
        leafHash[i].inputs[1] <== wB[i];
        leafHash[i].inputs[2] <== hId[i];
        leafHash[i].inputs[3] <== wV[i];
        leafTree.leaves[i] <== (1 - isEmpty[i]) * leafHash[i].out;
        // The score is wB's bits 19-28 (creditScore, docs/ENCODING.md); packing is linear in the bits. All 45
        // bits are decomposed: only the full decomposition makes the score bits unique.
        wBits[i] = Num2Bits(45);
        wBits[i].in <== wB[i];
        var sc = 0;
        for (var b = 0; b < 10; b++) { sc += wBits[i].out[19 + b] * (1 << b); }
        packed[i \ G] += sc * (1 << (10 * (i % G)));
        idHash[i \ G].inputs[i % G] <== hId[i];
    }
    signal batchDigest;
    if (G < 16) {
        // chunkSize 4 or 8: one hash of the hIds and the packed scores.
        idHash[0].inputs[G] <== packed[0];
        batchDigest <== idHash[0].out;
    } else {
        component digest = ScoreBatchDigest(2 * GROUPS);
        for (var g = 0; g < GROUPS; g++) {
            digest.in[2 * g] <== idHash[g].out;
            digest.in[2 * g + 1] <== packed[g];
        }
        batchDigest <== digest.out;
    }

    // --- the chunk's place in the leaf tree; the last chunk proves that nothing follows it ---
    for (var b = 0; b < 16; b++) { leafTree.indexBits[b] <== poolBits.out[112 + b]; }
    leafTree.groupSiblings <== groupSiblings;
    leafTree.siblings <== siblings;
    leafTree.mustBeLastOfTree <== last.out;
    component tapeRoot = TapeRoot();
    tapeRoot.leafRoot <== leafTree.root;
    tapeRoot.slotRoot <== slotRoot;
    tapeRoot.root === root;

    // --- freshness: 0 <= asOfDate - scoreDate <= maxAgeDays (all 16-bit) ---
    component maxAgeBits = Num2Bits(16);
    maxAgeBits.in <== maxAgeDays;
    component ageBits = Num2Bits(16);
    ageBits.in <== asOfDate - scoreDate;
    component slackBits = Num2Bits(16);
    slackBits.in <== maxAgeDays - (asOfDate - scoreDate);

    // --- the provider's signature over the batch ---
    component kh = Poseidon(2);
    kh.inputs[0] <== Ax;
    kh.inputs[1] <== Ay;
    kh.out === providerKeyHash;
    component msg = Poseidon(4);
    msg.inputs[0] <== SCORE_BATCH_TAG;
    msg.inputs[1] <== batchDigest;
    msg.inputs[2] <== modelId;
    msg.inputs[3] <== scoreDate;
    component sig = EdDSAPoseidonVerifier();
    sig.enabled <== 1;
    sig.Ax <== Ax;
    sig.Ay <== Ay;
    sig.S <== S;
    sig.R8x <== R8x;
    sig.R8y <== R8y;
    sig.M <== msg.out;
}
