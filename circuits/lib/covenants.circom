pragma circom 2.1.9;

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";
include "circomlib/circuits/poseidon.circom";
include "./bits.circom";

// The policy's eight parameters (docs/POLICY.md, in the order minCreditScore, maxDaysPastDue, maxLtvBps,
// maxBucket30Bps, maxBucket60Bps, maxBucket90Bps, maxConcentrationBps, minPoolBalance), range-checked to
// 10/16/16/14/14/14/14/62 bits, and their hash Poseidon(1, params...) (1 is the policy format version).
// Every comparator of the covenants below relies on these ranges.
template PolicyParams() {
    signal input policy[8];
    signal output hash;
    var POLICY_BITS[8] = [10, 16, 16, 14, 14, 14, 14, 62];
    component bits[8];
    for (var i = 0; i < 8; i++) {
        bits[i] = Num2Bits(POLICY_BITS[i]);
        bits[i].in <== policy[i];
    }
    component h = Poseidon(9);
    h.inputs[0] <== 1;
    for (var i = 0; i < 8; i++) { h.inputs[i + 1] <== policy[i]; }
    hash <== h.out;
}

// The breach bits of docs/INTERFACES.md, evaluated on one set of figures (a chunk's, or a pool's totals):
// bit 0 minScore < minCreditScore; bit 1 some loan over the days-past-due maximum (dpdBreaches counts them);
// bit 2 some secured loan over the LTV maximum (ltvHits counts them), only when an LTV limit is set; bits
// 3/4/5 bucket 30/60/90 above its share of `outstanding`; bit 6 the largest balance above its share; bit 7
// `outstanding` below the minimum pool balance.
//
// The caller range-checks every input: `policy` by PolicyParams, minScore to 10 bits, outstanding, the
// buckets and maxBalance below 2^sumBits (sumBits <= 62), and dpdBreaches, ltvHits below the field's half.
// Ratios compare part * 10000 with limitBps * outstanding: both below 2^(sumBits + 14).
template Covenants(sumBits) {
    assert(sumBits <= 62);
    signal input minScore;
    signal input dpdBreaches;
    signal input ltvHits;
    signal input outstanding;
    signal input bucket30;
    signal input bucket60;
    signal input bucket90;
    signal input maxBalance;
    signal input policy[8];
    signal output breaches;

    component ltvLimit = NonZero();
    ltvLimit.in <== policy[2];
    component scoreLow = LessThan(10);
    scoreLow.in[0] <== minScore;
    scoreLow.in[1] <== policy[0];
    component anyDpd = NonZero();
    anyDpd.in <== dpdBreaches;
    component anyLtvHit = NonZero();
    anyLtvHit.in <== ltvHits;
    signal anyLtv <== anyLtvHit.out * ltvLimit.out;
    var parts[4] = [bucket30, bucket60, bucket90, maxBalance];
    component ratioOver[4];
    signal ratioRhs[4];
    for (var r = 0; r < 4; r++) {
        ratioRhs[r] <== policy[3 + r] * outstanding;
        ratioOver[r] = LessThan(sumBits + 14);
        ratioOver[r].in[0] <== ratioRhs[r];
        ratioOver[r].in[1] <== parts[r] * 10000;
    }
    component balanceLow = LessThan(62);
    balanceLow.in[0] <== outstanding;
    balanceLow.in[1] <== policy[7];
    breaches <== scoreLow.out + 2 * anyDpd.out + 4 * anyLtv + 8 * ratioOver[0].out + 16 * ratioOver[1].out
        + 32 * ratioOver[2].out + 64 * ratioOver[3].out + 128 * balanceLow.out;
}
