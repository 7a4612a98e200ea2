pragma circom 2.1.9;

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";
include "circomlib/circuits/poseidon.circom";
include "./bits.circom";
include "../generated/pool_attestation_layout.circom";

// The policy's parameters (docs/POLICY.md; their order, widths and format version are declared in
// circuits/layout.json and generated into pool_attestation_layout.circom), range-checked, and their hash
// Poseidon(version, params...). Every comparator of the covenants below relies on these ranges.
template PolicyParams() {
    signal input policy[POLICY_PARAM_COUNT()];
    signal output hash;
    component bits[POLICY_PARAM_COUNT()];
    for (var i = 0; i < POLICY_PARAM_COUNT(); i++) {
        bits[i] = Num2Bits(POLICY_PARAM_BITS(i));
        bits[i].in <== policy[i];
    }
    component h = Poseidon(POLICY_PARAM_COUNT() + 1);
    h.inputs[0] <== POLICY_VERSION();
    for (var i = 0; i < POLICY_PARAM_COUNT(); i++) { h.inputs[i + 1] <== policy[i]; }
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
    signal input policy[POLICY_PARAM_COUNT()];
    signal output breaches;

    component ltvLimit = NonZero();
    ltvLimit.in <== policy[PARAM_MAX_LTV_BPS()];
    component scoreLow = LessThan(MIN_SCORE_BITS());
    scoreLow.in[0] <== minScore;
    scoreLow.in[1] <== policy[PARAM_MIN_CREDIT_SCORE()];
    component anyDpd = NonZero();
    anyDpd.in <== dpdBreaches;
    component anyLtvHit = NonZero();
    anyLtvHit.in <== ltvHits;
    signal anyLtv <== anyLtvHit.out * ltvLimit.out;
    var parts[4] = [bucket30, bucket60, bucket90, maxBalance];
    var limits[4] = [PARAM_MAX_BUCKET30_BPS(), PARAM_MAX_BUCKET60_BPS(), PARAM_MAX_BUCKET90_BPS(),
        PARAM_MAX_CONCENTRATION_BPS()];
    component ratioOver[4];
    signal ratioRhs[4];
    for (var r = 0; r < 4; r++) {
        ratioRhs[r] <== policy[limits[r]] * outstanding;
        ratioOver[r] = LessThan(sumBits + 14);
        ratioOver[r].in[0] <== ratioRhs[r];
        ratioOver[r].in[1] <== parts[r] * 10000;
    }
    component balanceLow = LessThan(OUTSTANDING_BITS());
    balanceLow.in[0] <== outstanding;
    balanceLow.in[1] <== policy[PARAM_MIN_POOL_BALANCE()];
    breaches <== scoreLow.out * (1 << BREACH_MIN_CREDIT_SCORE()) + anyDpd.out * (1 << BREACH_MAX_DAYS_PAST_DUE())
        + anyLtv * (1 << BREACH_MAX_LTV()) + ratioOver[0].out * (1 << BREACH_BUCKET30())
        + ratioOver[1].out * (1 << BREACH_BUCKET60()) + ratioOver[2].out * (1 << BREACH_BUCKET90())
        + ratioOver[3].out * (1 << BREACH_CONCENTRATION()) + balanceLow.out * (1 << BREACH_MIN_POOL_BALANCE());
}
