pragma circom 2.1.9;

include "../pool/pool_attestation.circom";
include "../lib/figures.circom";

// PoolChunkCommitment(chunkSize): the statement about one chunk (PoolChunk: the same loans, tree path, pool
// word, signature, policy and figure rules as PoolAttestation) whose figures stay private. Instead of
// figA, figB, figC it publishes
//
//     figCommit = Poseidon(figA, figB, figC, salt, pool, Poseidon(root, policyHash, keyHash))
//
// with a fresh random `salt`: hiding (the figures have little entropy, the salt has 254 bits) and binding to
// the chunk's whole context (root, pool word with its chunkIndex, policy, key), so a commitment opens only
// as chunk chunkIndex of this attestation. The pool's figures are published by PoolAggregation over the
// chunks' commitments (circuits/aggregation/pool_aggregation.circom, docs/CIRCUITS.md).
template PoolChunkCommitment(chunkSize) {
    var m = CHUNK_GROUP(chunkSize);
    var LEVELS = CHUNK_LEVELS(chunkSize);

    signal input root;
    signal input pool;
    signal input policyHash;
    signal input keyHash;
    signal input figCommit;

    signal input figA;
    signal input figB;
    signal input figC;
    signal input salt;
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

    component context = CommitmentContext();
    context.root <== root;
    context.policyHash <== policyHash;
    context.keyHash <== keyHash;
    component commitment = FigureCommitment();
    commitment.figA <== figA;
    commitment.figB <== figB;
    commitment.figC <== figC;
    commitment.salt <== salt;
    commitment.pool <== pool;
    commitment.context <== context.out;
    commitment.out === figCommit;
}
