pragma circom 2.1.9;

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";
include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/eddsaposeidon.circom";
include "../lib/tree.circom";

// BorrowerScore(): a borrower's private score claim (docs/SCORES.md, "Borrower-level proofs").
//
// Proves that: (1) a loan of the borrower is in the tape whose root is `root`: its leaf
// Poseidon(wA, wB, Poseidon(borrowerCommitment, hLoan), wV) with borrowerCommitment = Poseidon(borrowerRef,
// borrowerSalt) sits at a (private) index of the height-6 arity-16 leaf tree, whose root with the private
// slot tree's root hashes to `root` (docs/ENCODING.md), and the borrower salt is the
// borrower key Poseidon(KEY_TAG, borrowerSecret) of a secret the prover holds; (2) the provider key whose
// hash is `providerKeyHash` signed the report Poseidon(REPORT_TAG, borrowerCommitment, score, modelId,
// scoreDate); (3) that score is the loan's committed creditScore (bits 19-28 of wB) and score >= threshold;
// (4) scoreDate >= minScoreDate; (5) nullifier = Poseidon(borrowerSecret, scope), so one borrower gives one
// nullifier per scope and a verifier can refuse a second presentation. The provider is given the borrower
// salt (the key) to open the commitment, never the secret: it cannot compute the nullifier (issue 14).
// `account` (who may use the proof) is bound by a dummy square. Nothing else is revealed.
//
// Public inputs, in this order: root, providerKeyHash, modelId, threshold, minScoreDate, scope, nullifier,
// account.
template BorrowerScore() {
    var TREE_HEIGHT = 6;
    // idToField("rwa-attest/score-report/v1"): 26 bytes.
    var REPORT_TAG = 26 * (1 << 248) + 0x7277612d6174746573742f73636f72652d7265706f72742f7631;
    // idToField("rwa-attest/borrower-key/v1"): 26 bytes (BORROWER_KEY_TAG, prover/commitment/encoding.ts).
    var KEY_TAG = 26 * (1 << 248) + 0x7277612d6174746573742f626f72726f7765722d6b65792f7631;

    signal input root;
    signal input providerKeyHash;
    signal input modelId;
    signal input threshold;
    signal input minScoreDate;
    signal input scope;
    signal input nullifier;
    signal input account;

    signal input borrowerRef;     // idToField(borrowerRef)
    signal input borrowerSecret;  // the borrower's secret; the leaf's borrower salt is its key
    signal input hLoan;
    signal input wA;
    signal input wB;
    signal input wV;
    signal input index;           // leaf index, < 16^6
    signal input siblings[TREE_HEIGHT][15];
    signal input slotRoot;
    signal input scoreDate;
    signal input Ax;
    signal input Ay;
    signal input S;
    signal input R8x;
    signal input R8y;

    signal accountSquare <== account * account;

    // --- the loan and its place in the tape ---
    component key = Poseidon(2);
    key.inputs[0] <== KEY_TAG;
    key.inputs[1] <== borrowerSecret;
    component bc = Poseidon(2);
    bc.inputs[0] <== borrowerRef;
    bc.inputs[1] <== key.out;
    component hId = Poseidon(2);
    hId.inputs[0] <== bc.out;
    hId.inputs[1] <== hLoan;
    component leaf = Poseidon(4);
    leaf.inputs[0] <== wA;
    leaf.inputs[1] <== wB;
    leaf.inputs[2] <== hId.out;
    leaf.inputs[3] <== wV;
    component indexBits = Num2Bits(4 * TREE_HEIGHT);
    indexBits.in <== index;
    component level[TREE_HEIGHT];
    for (var l = 0; l < TREE_HEIGHT; l++) {
        level[l] = Arity16PathLevel(l);
        level[l].child <== l == 0 ? leaf.out : level[l - 1].parent;
        for (var b = 0; b < 4; b++) { level[l].digitBits[b] <== indexBits.out[4 * l + b]; }
        level[l].siblings <== siblings[l];
        level[l].mustBeLastOfTree <== 0;
    }
    component tapeRoot = TapeRoot();
    tapeRoot.leafRoot <== level[TREE_HEIGHT - 1].parent;
    tapeRoot.slotRoot <== slotRoot;
    tapeRoot.root === root;

    // --- the committed score and the threshold (10-bit values) ---
    component wBits = Num2Bits(45);
    wBits.in <== wB;
    var score = 0;
    for (var b = 0; b < 10; b++) { score += wBits.out[19 + b] * (1 << b); }
    component thresholdBits = Num2Bits(10);
    thresholdBits.in <== threshold;
    component below = LessThan(10);
    below.in[0] <== score;
    below.in[1] <== threshold;
    below.out === 0;

    // --- the report's date (16-bit values) ---
    component dateBits = Num2Bits(16);
    dateBits.in <== scoreDate;
    component minDateBits = Num2Bits(16);
    minDateBits.in <== minScoreDate;
    component old = LessThan(16);
    old.in[0] <== scoreDate;
    old.in[1] <== minScoreDate;
    old.out === 0;

    // --- the provider's report ---
    component kh = Poseidon(2);
    kh.inputs[0] <== Ax;
    kh.inputs[1] <== Ay;
    kh.out === providerKeyHash;
    component msg = Poseidon(5);
    msg.inputs[0] <== REPORT_TAG;
    msg.inputs[1] <== bc.out;
    msg.inputs[2] <== score;
    msg.inputs[3] <== modelId;
    msg.inputs[4] <== scoreDate;
    component sig = EdDSAPoseidonVerifier();
    sig.enabled <== 1;
    sig.Ax <== Ax;
    sig.Ay <== Ay;
    sig.S <== S;
    sig.R8x <== R8x;
    sig.R8y <== R8y;
    sig.M <== msg.out;

    // --- the nullifier of this scope ---
    component nf = Poseidon(2);
    nf.inputs[0] <== borrowerSecret;
    nf.inputs[1] <== scope;
    nf.out === nullifier;
}
