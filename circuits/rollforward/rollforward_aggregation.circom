pragma circom 2.1.9;

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/poseidon.circom";
include "./rollforward_commitment.circom";

// The widths of the totals' fields, in word order (prover/rollforward/layout.ts declares them;
// test/rollforward/commitment.test.ts checks a real witness against that declaration): rfA and rfB are four
// 62-bit amounts each; rfC is closing and removedAtExit (62 bits each), then seven 16-bit counts.
function RF_FIELD_COUNT() { return 17; }
function RF_FIELD_BITS(i) { return i < 10 ? 62 : 16; }
function RF_WORD_OF(i) { return i < 4 ? 0 : (i < 8 ? 1 : 2); }

// The fields of one set of totals words (each word range-checked to its packing: a word wider than its
// fields has no decomposition).
template RollForwardFields() {
    signal input words[3];
    signal output f[RF_FIELD_COUNT()];
    component bits[3];
    bits[0] = Num2Bits(248);
    bits[1] = Num2Bits(248);
    bits[2] = Num2Bits(236);
    for (var w = 0; w < 3; w++) { bits[w].in <== words[w]; }
    var offset[3] = [0, 0, 0];
    for (var i = 0; i < RF_FIELD_COUNT(); i++) {
        var w = RF_WORD_OF(i);
        var v = 0;
        for (var b = 0; b < RF_FIELD_BITS(i); b++) { v += bits[w].out[offset[w] + b] * (1 << b); }
        offset[w] += RF_FIELD_BITS(i);
        f[i] <== v;
    }
}

// RollForwardAggregation(N): the pool's roll-forward totals from the commitments of its 1 to N chunks
// (RollForwardCommitment), docs/CIRCUITS.md ("Committed chunks and the pool's totals").
//
// Public inputs: `acc`, the hash chain of the chunks' rfCommit in the order the registry accepted them
// (acc_1 = rfCommit_1, acc_i = Poseidon(acc_{i-1}, rfCommit_i)), and the pool's rfA, rfB, rfC. The prover
// knows prevRoot, root, maxAdjustment, the pool word (chunkIndex 0) and each chunk's opening (rfA, rfB, rfC,
// salt, chunkIndex) such that
//   1. the chain of the openings' commitments over exactly chunkCount chunks is `acc`: each opens as a chunk
//      of this one roll-forward (same roots, bound, pool word);
//   2. the chunk indices are 0 .. chunkCount - 1, each once (a grand product with `acc` as the challenge);
//   3. every field of every opening is in range, and each of the pool's fields is the sum of its chunks'
//      and fits its width (or there is no proof).
template RollForwardAggregation(N) {
    assert(N >= 1 && N <= 65535);
    signal input acc;
    signal input rfA;
    signal input rfB;
    signal input rfC;

    signal input prevRoot;
    signal input root;
    signal input pool;
    signal input maxAdjustment;
    signal input chunkRfA[N];
    signal input chunkRfB[N];
    signal input chunkRfC[N];
    signal input salt[N];
    signal input chunkIndex[N];

    // --- the pool word: chunkIndex 0; chunkCount chunks, 1 <= chunkCount <= N ---
    component poolBits = Num2Bits(192);
    poolBits.in <== pool;
    var chunkCount = 0;
    for (var i = 0; i < 16; i++) {
        poolBits.out[160 + i] === 0;
        chunkCount += poolBits.out[176 + i] * (1 << i);
    }
    // used[j] = 1 exactly for the first chunkCount slots (as in PoolAggregation).
    signal used[N];
    for (var j = 0; j < N; j++) { used[j] <-- j < chunkCount ? 1 : 0; }
    used[0] === 1;
    signal usedStep[N];
    var usedSum = 0;
    for (var j = 0; j < N; j++) {
        usedStep[j] <== j == 0 ? 1 - used[0] : used[j - 1] - used[j];
        usedStep[j] * (usedStep[j] - 1) === 0;
        usedSum += used[j];
    }
    used[N - 1] * (used[N - 1] - 1) === 0;
    usedSum === chunkCount;

    component context = RollForwardContext();
    context.prevRoot <== prevRoot;
    context.root <== root;
    context.maxAdjustment <== maxAdjustment;

    component fields[N];
    component commitment[N];
    component link[N];
    signal chain[N];
    signal usedAcc[N];
    signal indexTerm[N];
    signal indexProduct[N];
    signal slotProduct[N];
    var total[RF_FIELD_COUNT()];
    for (var i = 0; i < RF_FIELD_COUNT(); i++) { total[i] = 0; }
    for (var j = 0; j < N; j++) {
        fields[j] = RollForwardFields();
        fields[j].words[0] <== chunkRfA[j];
        fields[j].words[1] <== chunkRfB[j];
        fields[j].words[2] <== chunkRfC[j];
        // An unused slot opens nothing: its words are 0 (sums of range-checked fields: 0 only when each is).
        (1 - used[j]) * (chunkRfA[j] + chunkRfB[j] + chunkRfC[j]) === 0;
        for (var i = 0; i < RF_FIELD_COUNT(); i++) { total[i] += fields[j].f[i]; }

        commitment[j] = RollForwardTotalsCommitment();
        commitment[j].rfA <== chunkRfA[j];
        commitment[j].rfB <== chunkRfB[j];
        commitment[j].rfC <== chunkRfC[j];
        commitment[j].salt <== salt[j];
        commitment[j].pool <== pool + chunkIndex[j] * (1 << 160);
        commitment[j].context <== context.out;
        if (j == 0) {
            chain[0] <== commitment[0].out;
        } else {
            link[j] = Poseidon(2);
            link[j].inputs[0] <== chain[j - 1];
            link[j].inputs[1] <== commitment[j].out;
            chain[j] <== chain[j - 1] + used[j] * (link[j].out - chain[j - 1]);
        }
        // prod over used slots of (acc - chunkIndex[j]) = prod over used slots of (acc - j).
        usedAcc[j] <== used[j] * acc;
        indexTerm[j] <== usedAcc[j] - used[j] * chunkIndex[j] + 1 - used[j];
        indexProduct[j] <== j == 0 ? indexTerm[0] : indexProduct[j - 1] * indexTerm[j];
        var slotTerm = usedAcc[j] - used[j] * j + 1 - used[j];
        slotProduct[j] <== j == 0 ? slotTerm : slotProduct[j - 1] * slotTerm;
    }
    chain[N - 1] === acc;
    indexProduct[N - 1] === slotProduct[N - 1];

    // --- the pool's totals: each sum fits its field, and the public words pack them ---
    component fits[RF_FIELD_COUNT()];
    var word[3] = [0, 0, 0];
    var shift[3] = [0, 0, 0];
    for (var i = 0; i < RF_FIELD_COUNT(); i++) {
        fits[i] = Num2Bits(RF_FIELD_BITS(i));
        fits[i].in <== total[i];
        var w = RF_WORD_OF(i);
        word[w] += total[i] * (1 << shift[w]);
        shift[w] += RF_FIELD_BITS(i);
    }
    rfA === word[0];
    rfB === word[1];
    rfC === word[2];
}
