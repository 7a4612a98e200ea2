pragma circom 2.1.9;

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/poseidon.circom";
include "./rollforward_chunk.circom";

// The committed form of the roll-forward (issue 15 with issue 14's rule: nothing finer than the pool is
// published). A chunk proves the roll-forward statement of RollForwardChunk and publishes, instead of its
// totals, a hiding commitment to them
//
//     rfCommit = Poseidon(rfA, rfB, rfC, salt, pool, Poseidon(prevRoot, root, maxAdjustment))
//
// (`pool` the chunk's pool word, chunkIndex included; `salt` a fresh field element), so a commitment opens
// only as chunk chunkIndex of this one roll-forward. RollForwardAggregation
// (circuits/rollforward/rollforward_aggregation.circom) opens the chain of a pool's chunk commitments and
// publishes the pool's totals. docs/CIRCUITS.md ("Roll-forward", "Committed chunks and the pool's totals").

// Poseidon(prevRoot, root, maxAdjustment): what every chunk of one roll-forward shares besides its pool word.
template RollForwardContext() {
    signal input prevRoot;
    signal input root;
    signal input maxAdjustment;
    signal output out;
    component h = Poseidon(3);
    h.inputs[0] <== prevRoot;
    h.inputs[1] <== root;
    h.inputs[2] <== maxAdjustment;
    out <== h.out;
}

// Poseidon(rfA, rfB, rfC, salt, pool, context).
template RollForwardTotalsCommitment() {
    signal input rfA;
    signal input rfB;
    signal input rfC;
    signal input salt;
    signal input pool;
    signal input context;
    signal output out;
    component h = Poseidon(6);
    h.inputs[0] <== rfA;
    h.inputs[1] <== rfB;
    h.inputs[2] <== rfC;
    h.inputs[3] <== salt;
    h.inputs[4] <== pool;
    h.inputs[5] <== context;
    out <== h.out;
}

// RollForwardCommitment(chunkSize): RollForwardChunk's statement about one chunk, its totals private.
// Public: prevRoot, root, pool, maxAdjustment, flowCommit, rfCommit (prover/rollforward/layout.ts).
template RollForwardCommitment(chunkSize) {
    var k = 0;
    var m = chunkSize;
    while (m >= 16) { m = m \ 16; k++; }
    var LEVELS = 6 - k - 1;

    signal input prevRoot;
    signal input root;
    signal input pool;
    signal input maxAdjustment;
    signal input flowCommit;
    signal input rfCommit;

    signal input rfA;
    signal input rfB;
    signal input rfC;
    signal input rfSalt;
    signal input prevLeafRoot;
    signal input leafRoot;
    signal input idP[chunkSize];
    signal input stP[chunkSize];
    signal input idN[chunkSize];
    signal input stN[chunkSize];
    signal input fresh[chunkSize];
    signal input wD[chunkSize];
    signal input removed[chunkSize];
    signal input flowSalt;
    signal input prevSlotGroupSiblings[16 - SLOT_GROUP(chunkSize)];
    signal input prevSlotSiblings[SLOT_LEVELS(chunkSize)][15];
    signal input slotGroupSiblings[16 - SLOT_GROUP(chunkSize)];
    signal input slotSiblings[SLOT_LEVELS(chunkSize)][15];

    component chunk = RollForwardChunk(chunkSize);
    chunk.prevRoot <== prevRoot;
    chunk.root <== root;
    chunk.pool <== pool;
    chunk.maxAdjustment <== maxAdjustment;
    chunk.flowCommit <== flowCommit;
    chunk.rfA <== rfA;
    chunk.rfB <== rfB;
    chunk.rfC <== rfC;
    chunk.prevLeafRoot <== prevLeafRoot;
    chunk.leafRoot <== leafRoot;
    chunk.idP <== idP;
    chunk.stP <== stP;
    chunk.idN <== idN;
    chunk.stN <== stN;
    chunk.fresh <== fresh;
    chunk.wD <== wD;
    chunk.removed <== removed;
    chunk.flowSalt <== flowSalt;
    chunk.prevSlotGroupSiblings <== prevSlotGroupSiblings;
    chunk.prevSlotSiblings <== prevSlotSiblings;
    chunk.slotGroupSiblings <== slotGroupSiblings;
    chunk.slotSiblings <== slotSiblings;

    component context = RollForwardContext();
    context.prevRoot <== prevRoot;
    context.root <== root;
    context.maxAdjustment <== maxAdjustment;
    component commitment = RollForwardTotalsCommitment();
    commitment.rfA <== rfA;
    commitment.rfB <== rfB;
    commitment.rfC <== rfC;
    commitment.salt <== rfSalt;
    commitment.pool <== pool;
    commitment.context <== context.out;
    commitment.out === rfCommit;
}
