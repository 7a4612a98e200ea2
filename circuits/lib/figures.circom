pragma circom 2.1.9;

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/poseidon.circom";

// The figure words figA, figB, figC (docs/INTERFACES.md) and the hiding commitment a chunk publishes instead
// of them (docs/CIRCUITS.md, "Chunk commitments and the pool aggregation").

// figA = outstanding + scheduled << 62 + collected << 124 + bucket30 << 186
// figB = bucket60 + bucket90 << 62 + defaulted << 124 + chargedOff << 186
// figC = scoreWeightedBalance (72) + maxLoanBalance (48) << 72 + activeCount (16) << 120 + minScore (10) << 136
//        + breaches (16) << 146
// Field order of `f` below: outstanding, scheduled, collected, bucket30, bucket60, bucket90, defaulted,
// chargedOff, scoreWeightedBalance, maxLoanBalance, activeCount, minScore, breaches.
function FIGURE_BITS(i) {
    var bits[13] = [62, 62, 62, 62, 62, 62, 62, 62, 72, 48, 16, 10, 16];
    return bits[i];
}

// Where field i starts in its word.
function FIGURE_SHIFT(i) {
    var shift[13] = [0, 62, 124, 186, 0, 62, 124, 186, 0, 72, 120, 136, 146];
    return shift[i];
}

// Packs the 13 figure fields into the three words (each field must already fit its width).
template PackFigures() {
    signal input f[13];
    signal output figA;
    signal output figB;
    signal output figC;
    figA <== f[0] + f[1] * (1 << 62) + f[2] * (1 << 124) + f[3] * (1 << 186);
    figB <== f[4] + f[5] * (1 << 62) + f[6] * (1 << 124) + f[7] * (1 << 186);
    figC <== f[8] + f[9] * (1 << 72) + f[10] * (1 << 120) + f[11] * (1 << 136) + f[12] * (1 << 146);
}

// Splits three figure words into their 13 fields, each range-checked to its width: the split is unique, and
// words that are not a packing of in-range fields (a word of 248 bits or more, figC of 162 or more) have none.
// breachBits are the 16 bits of the breaches field.
template FigureFields() {
    signal input figA;
    signal input figB;
    signal input figC;
    signal output f[13];
    signal output breachBits[16];
    component bits[13];
    for (var i = 0; i < 13; i++) {
        bits[i] = Num2Bits(FIGURE_BITS(i));
        var word = i < 4 ? figA : (i < 8 ? figB : figC);
        f[i] <-- (word >> FIGURE_SHIFT(i)) & ((1 << FIGURE_BITS(i)) - 1);
        bits[i].in <== f[i];
    }
    for (var b = 0; b < 16; b++) { breachBits[b] <== bits[12].out[b]; }
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
