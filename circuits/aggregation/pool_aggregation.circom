pragma circom 2.1.9;

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";
include "circomlib/circuits/poseidon.circom";
include "../lib/covenants.circom";
include "../lib/figures.circom";

// PoolAggregation(N): the pool's figures from the figure commitments of its chunks (PoolChunkCommitment),
// for pools of 1 to N chunks (docs/CIRCUITS.md, "Chunk commitments and the pool aggregation").
//
// Public inputs: `acc`, the hash chain of the chunks' commitments in the order the registry accepted them
// (acc_1 = figCommit_1, acc_i = Poseidon(acc_{i-1}, figCommit_i), i = 2..chunkCount: the first commitment is
// already a Poseidon hash, so the registry does not hash it again), and the pool's figA, figB, figC.
// The prover knows root, pool (the pool word with chunkIndex 0), policyHash, keyHash, the policy, and for
// each accepted chunk its opening (figA, figB, figC, salt, chunkIndex) such that:
//   1. the chain of the openings' commitments Poseidon(figA, figB, figC, salt, pool + chunkIndex << 112,
//      Poseidon(root, policyHash, keyHash)) over exactly chunkCount chunks (from `pool`) is `acc`: every
//      commitment opens as a chunk of this one attestation (same root, pool word, policy and key);
//   2. their chunk indices are exactly 0 .. chunkCount - 1, each once (no chunk dropped or counted twice),
//      by a grand product with `acc` as the challenge (the indices are inside the hashed commitments);
//   3. the pool has at least the policy's minActiveLoans active loans (summed over the chunks);
//   4. every opened figure is in range (FigureFields), and figA, figB, figC are the pool's: sums, the largest
//      balance, the smallest score, bits 1-2 OR-ed across chunks, bits 0 and 3-7 evaluated on the pool's
//      totals with the policy whose hash is policyHash (circuits/lib/covenants.circom); every total fits
//      its field, or there is no proof.
template PoolAggregation(N) {
    assert(N >= 1 && N <= 65535);
    signal input acc;
    signal input figA;
    signal input figB;
    signal input figC;

    signal input root;
    signal input pool;
    signal input policyHash;
    signal input keyHash;
    signal input policy[POLICY_PARAM_COUNT()];
    signal input chunkFigA[N];
    signal input chunkFigB[N];
    signal input chunkFigC[N];
    signal input salt[N];
    signal input chunkIndex[N];

    // --- the pool word: chunkIndex 0; chunkCount chunks, 1 <= chunkCount <= N ---
    component poolBits = Num2Bits(176);
    poolBits.in <== pool;
    var chunkCount = 0;
    for (var i = 0; i < 16; i++) {
        poolBits.out[112 + i] === 0;
        chunkCount += poolBits.out[128 + i] * (1 << i);
    }
    // used[j] = 1 for the first chunkCount slots: used[0] = 1, each step used[j - 1] - used[j] boolean and
    // used[N - 1] boolean (so at most one step is 1: the flags are boolean and never go back to 1), and
    // their sum is chunkCount (a pool of more than N chunks has no proof with this instance).
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

    // --- policy ---
    component policyParams = PolicyParams();
    policyParams.policy <== policy;
    policyParams.hash === policyHash;

    // --- openings: commitments, chain, indices ---
    component context = CommitmentContext();
    context.root <== root;
    context.policyHash <== policyHash;
    context.keyHash <== keyHash;
    component fields[N];
    component commitment[N];
    component link[N];
    signal chain[N];
    signal usedAcc[N];
    signal indexTerm[N];
    signal indexProduct[N];
    signal slotProduct[N];
    var total[13];
    for (var i = 0; i < 13; i++) { total[i] = 0; }
    for (var j = 0; j < N; j++) {
        fields[j] = FigureFields();
        fields[j].figA <== chunkFigA[j];
        fields[j].figB <== chunkFigB[j];
        fields[j].figC <== chunkFigC[j];
        // An unused slot opens nothing: its words are 0 (non-negative packings of range-checked fields, so
        // their sum is 0 only when each is), which makes every sum below linear.
        (1 - used[j]) * (chunkFigA[j] + chunkFigB[j] + chunkFigC[j]) === 0;
        for (var i = 0; i < 13; i++) { total[i] += fields[j].f[i]; }

        commitment[j] = FigureCommitment();
        commitment[j].figA <== chunkFigA[j];
        commitment[j].figB <== chunkFigB[j];
        commitment[j].figC <== chunkFigC[j];
        commitment[j].salt <== salt[j];
        commitment[j].pool <== pool + chunkIndex[j] * (1 << 112);
        commitment[j].context <== context.out;
        // chain[0] = the first commitment (slot 0 is always used); chain[j] = used ? Poseidon(chain[j - 1],
        // commitment) : chain[j - 1]
        if (j == 0) {
            chain[0] <== commitment[0].out;
        } else {
            link[j] = Poseidon(2);
            link[j].inputs[0] <== chain[j - 1];
            link[j].inputs[1] <== commitment[j].out;
            chain[j] <== chain[j - 1] + used[j] * (link[j].out - chain[j - 1]);
        }

        // Grand product: prod over used slots of (acc - chunkIndex[j]) = prod over used slots of (acc - j).
        // An unused slot contributes 1 to both sides.
        usedAcc[j] <== used[j] * acc;
        indexTerm[j] <== usedAcc[j] - used[j] * chunkIndex[j] + 1 - used[j];
        indexProduct[j] <== j == 0 ? indexTerm[0] : indexProduct[j - 1] * indexTerm[j];
        var slotTerm = usedAcc[j] - used[j] * j + 1 - used[j];
        slotProduct[j] <== j == 0 ? slotTerm : slotProduct[j - 1] * slotTerm;
    }
    chain[N - 1] === acc;
    indexProduct[N - 1] === slotProduct[N - 1];

    // --- the pool's figures ---
    // Sums (fields 0-8 and activeCount) must fit their fields.
    component totalBits[10];
    for (var i = 0; i < 10; i++) {
        var field = i < 9 ? i : 10;
        totalBits[i] = Num2Bits(FIGURE_BITS(field));
        totalBits[i].in <== total[field];
    }
    // The largest balance (48 bits) and the smallest score (10 bits; an unused slot counts as 1023, like a
    // chunk without an active loan).
    component maxLess[N];
    component minLess[N];
    signal maxRun[N];
    signal minRun[N];
    for (var j = 0; j < N; j++) {
        var score = fields[j].f[11] + (1 - used[j]) * 1023;
        if (j == 0) {
            maxRun[0] <== fields[0].f[9];
            minRun[0] <== score;
        } else {
            maxLess[j] = LessThan(48);
            maxLess[j].in[0] <== maxRun[j - 1];
            maxLess[j].in[1] <== fields[j].f[9];
            maxRun[j] <== maxRun[j - 1] + maxLess[j].out * (fields[j].f[9] - maxRun[j - 1]);
            minLess[j] = LessThan(MIN_SCORE_BITS());
            minLess[j].in[0] <== score;
            minLess[j].in[1] <== minRun[j - 1];
            minRun[j] <== minRun[j - 1] + minLess[j].out * (score - minRun[j - 1]);
        }
    }
    var dpdChunks = 0;
    var ltvChunks = 0;
    for (var j = 0; j < N; j++) {
        dpdChunks += fields[j].breachBits[1];
        ltvChunks += fields[j].breachBits[2];
    }
    // The pool has at least the policy's minActiveLoans active loans, or there is no proof (both sides are
    // range-checked: the sum by totalBits to its field, the parameter by PolicyParams).
    component tooFew = LessThan(ACTIVE_COUNT_BITS() > POLICY_PARAM_BITS(PARAM_MIN_ACTIVE_LOANS())
        ? ACTIVE_COUNT_BITS() : POLICY_PARAM_BITS(PARAM_MIN_ACTIVE_LOANS()));
    tooFew.in[0] <== total[10];
    tooFew.in[1] <== policy[PARAM_MIN_ACTIVE_LOANS()];
    tooFew.out === 0;

    component covenants = Covenants(OUTSTANDING_BITS());
    covenants.minScore <== minRun[N - 1];
    covenants.dpdBreaches <== dpdChunks;
    covenants.ltvHits <== ltvChunks;
    covenants.outstanding <== total[0];
    covenants.bucket30 <== total[3];
    covenants.bucket60 <== total[4];
    covenants.bucket90 <== total[5];
    covenants.maxBalance <== maxRun[N - 1];
    covenants.policy <== policy;

    component pack = PackFigures();
    for (var i = 0; i < 9; i++) { pack.f[i] <== total[i]; }
    pack.f[9] <== maxRun[N - 1];
    pack.f[10] <== total[10];
    pack.f[11] <== minRun[N - 1];
    pack.f[12] <== covenants.breaches;
    pack.figA === figA;
    pack.figB === figB;
    pack.figC === figC;
}
