pragma circom 2.1.9;

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/poseidon.circom";
include "../generated/pool_attestation_layout.circom";

// The figure words figA, figB, figC (docs/INTERFACES.md) and the hiding commitment a chunk publishes instead
// of them (docs/CIRCUITS.md, "Chunk commitments and the pool aggregation").

// The 13 figure fields in word order (figA: outstanding, scheduled, collected, bucket30; figB: bucket60,
// bucket90, defaulted, chargedOff; figC: scoreWeightedBalance, maxLoanBalance, activeCount, minScore,
// breaches), their widths and offsets from circuits/layout.json (generated pool_attestation_layout.circom).
function FIGURE_BITS(i) {
    var bits[13] = [OUTSTANDING_BITS(), SCHEDULED_BITS(), COLLECTED_BITS(), BUCKET30_BITS(), BUCKET60_BITS(),
        BUCKET90_BITS(), DEFAULTED_BITS(), CHARGED_OFF_BITS(), SCORE_WEIGHTED_BALANCE_BITS(),
        MAX_LOAN_BALANCE_BITS(), ACTIVE_COUNT_BITS(), MIN_SCORE_BITS(), BREACHES_BITS()];
    return bits[i];
}

// Where field i starts in its word.
function FIGURE_SHIFT(i) {
    var shift[13] = [OUTSTANDING_SHIFT(), SCHEDULED_SHIFT(), COLLECTED_SHIFT(), BUCKET30_SHIFT(),
        BUCKET60_SHIFT(), BUCKET90_SHIFT(), DEFAULTED_SHIFT(), CHARGED_OFF_SHIFT(),
        SCORE_WEIGHTED_BALANCE_SHIFT(), MAX_LOAN_BALANCE_SHIFT(), ACTIVE_COUNT_SHIFT(), MIN_SCORE_SHIFT(),
        BREACHES_SHIFT()];
    return shift[i];
}

// Packs the 13 figure fields into the three words (each field must already fit its width).
template PackFigures() {
    signal input f[13];
    signal output figA;
    signal output figB;
    signal output figC;
    var a = 0;
    var b = 0;
    var c = 0;
    for (var i = 0; i < 4; i++) { a += f[i] * (1 << FIGURE_SHIFT(i)); }
    for (var i = 4; i < 8; i++) { b += f[i] * (1 << FIGURE_SHIFT(i)); }
    for (var i = 8; i < 13; i++) { c += f[i] * (1 << FIGURE_SHIFT(i)); }
    figA <== a;
    figB <== b;
    figC <== c;
}

// Splits three figure words into their 13 fields, each range-checked to its width: the split is unique, and
// words that are not a packing of in-range fields (a word of 248 bits or more, figC of 170 or more) have none.
// breachBits are the bits of the breaches field.
template FigureFields() {
    signal input figA;
    signal input figB;
    signal input figC;
    signal output f[13];
    signal output breachBits[BREACHES_BITS()];
    component bits[13];
    for (var i = 0; i < 13; i++) {
        bits[i] = Num2Bits(FIGURE_BITS(i));
        var word = i < 4 ? figA : (i < 8 ? figB : figC);
        f[i] <-- (word >> FIGURE_SHIFT(i)) & ((1 << FIGURE_BITS(i)) - 1);
        bits[i].in <== f[i];
    }
    for (var b = 0; b < BREACHES_BITS(); b++) { breachBits[b] <== bits[12].out[b]; }
    component pack = PackFigures();
    pack.f <== f;
    pack.figA === figA;
    pack.figB === figB;
    pack.figC === figC;
}

// The context every chunk commitment of one attestation shares: Poseidon(root, policyHash, keyHash).
template CommitmentContext() {
    signal input root;
    signal input policyHash;
    signal input keyHash;
    signal output out;
    component h = Poseidon(3);
    h.inputs[0] <== root;
    h.inputs[1] <== policyHash;
    h.inputs[2] <== keyHash;
    out <== h.out;
}

// A chunk's figure commitment: Poseidon(figA, figB, figC, salt, pool, context), where `pool` is the chunk's
// pool word (chunkIndex included) and `salt` a fresh random field element (what makes it hiding).
template FigureCommitment() {
    signal input figA;
    signal input figB;
    signal input figC;
    signal input salt;
    signal input pool;
    signal input context;
    signal output out;
    component h = Poseidon(6);
    h.inputs[0] <== figA;
    h.inputs[1] <== figB;
    h.inputs[2] <== figC;
    h.inputs[3] <== salt;
    h.inputs[4] <== pool;
    h.inputs[5] <== context;
    out <== h.out;
}
