pragma circom 2.1.9;

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";
include "circomlib/circuits/poseidon.circom";
include "./bits.circom";

// One loan slot of a pool chunk (see docs/ENCODING.md for the words and docs/CIRCUITS.md for the design).
//
// Inputs are the loan's leaf words: wA = outstanding | scheduled << 48 | collected << 96 | chargedOff << 144
// | collateral << 192 (five 48-bit amounts), wB = daysPastDue | status << 16 | creditScore << 19, and hId,
// the opaque hash of the identity and the fields the circuit does not read (loan id, borrower commitment,
// dates, rate, principal, salt). The leaf is Poseidon(wA, wB, hId), or the empty leaf 0 when isEmpty = 1.
//
// The full bit decompositions of wA (240 bits) and wB (29 bits) are the range checks of every amount and
// small field: they are unique because both words are far below the field size, and each value the slot
// uses is a linear combination of those bits, so packing costs nothing beyond the checks themselves.
//
// The running minimum score (minIn -> minOut, over active loans) and maximum active balance (maxIn ->
// maxOut) chain the slots; everything else is a per-loan term the chunk sums (sums of booleans and of
// range-checked amounts, far below the field size).
template LoanSlot() {
    signal input wA;
    signal input wB;
    signal input hId;
    signal input isEmpty;
    signal input maxDaysPastDue;   // policy, range-checked to 16 bits by the caller
    signal input maxLtvBps;        // policy, range-checked to 16 bits by the caller
    signal input ltvOn;            // 1 when maxLtvBps != 0
    signal input minIn;            // running minimum score, <= 1023
    signal input maxIn;            // running maximum active balance, < 2^48

    signal output leaf;            // the leaf this slot puts in the tree (0 when empty)
    signal output outstanding;     // all five amounts, as range-checked values
    signal output scheduled;
    signal output collected;
    signal output chargedOff;
    signal output active;          // 1 for a non-empty loan in status performing, delinquent or defaulted
    signal output activeBalance;   // active * outstanding
    signal output weighted;        // score * activeBalance
    signal output ge30Balance;     // activeBalance if daysPastDue >= 30, else 0 (and likewise 60, 90)
    signal output ge60Balance;
    signal output ge90Balance;
    signal output defaultedBalance;
    signal output dpdBreach;       // active and daysPastDue > maxDaysPastDue
    signal output ltvBreach;       // active, secured, an LTV limit set, and outstanding/collateral > limit
    signal output minOut;
    signal output maxOut;

    // An empty slot is a boolean flag whose words must be zero, so it contributes nothing to any sum.
    isEmpty * (isEmpty - 1) === 0;
    isEmpty * wA === 0;
    isEmpty * wB === 0;
    isEmpty * hId === 0;   // not needed for soundness (the leaf is 0 anyway), but keeps an empty slot's witness unique

    component a = Num2Bits(240);
    a.in <== wA;
    component b = Num2Bits(29);
    b.in <== wB;

    var amount[5];
    for (var k = 0; k < 5; k++) {
        amount[k] = 0;
        for (var i = 0; i < 48; i++) { amount[k] += a.out[48 * k + i] * (1 << i); }
    }
    var dpd = 0;
    for (var i = 0; i < 16; i++) { dpd += b.out[i] * (1 << i); }
    var score = 0;
    for (var i = 0; i < 10; i++) { score += b.out[19 + i] * (1 << i); }
    outstanding <== amount[0];
    scheduled <== amount[1];
    collected <== amount[2];
    chargedOff <== amount[3];
    var collateral = amount[4];

    // Status codes 0..4 in three bits s0, s1, s2: codes 5..7 (s2 with s0 or s1) are rejected.
    signal s0 <== b.out[16];
    signal s1 <== b.out[17];
    signal s2 <== b.out[18];
    s2 * (s0 + s1) === 0;
    signal s01 <== s0 * s1;               // status 3, charged off
    // Active statuses are 0, 1, 2: not 3 (s01) and not 4 (s2). An empty slot has status 0 (its wB is
    // zero), so subtracting isEmpty keeps the expression boolean and makes empty slots inactive.
    active <== 1 - s2 - s01 - isEmpty;
    var defaulted = s1 - s01;              // status 2

    // Leaf.
    component h = Poseidon(3);
    h.inputs[0] <== wA;
    h.inputs[1] <== wB;
    h.inputs[2] <== hId;
    leaf <== (1 - isEmpty) * h.out;

    activeBalance <== active * amount[0];
    weighted <== score * activeBalance;
    defaultedBalance <== defaulted * activeBalance;

    // Delinquency buckets from the days-past-due bits: hi = dpd >= 128, then exact comparisons of the low
    // seven bits with the constants.
    var hiPart = 0;
    for (var i = 7; i < 16; i++) { hiPart += b.out[i] * (1 << i); }
    component hi = NonZero();
    hi.in <== hiPart;
    component g30 = GeConstBits(7, 30);
    component g60 = GeConstBits(7, 60);
    component g90 = GeConstBits(7, 90);
    for (var i = 0; i < 7; i++) {
        g30.in[i] <== b.out[i];
        g60.in[i] <== b.out[i];
        g90.in[i] <== b.out[i];
    }
    signal ge30 <== hi.out + g30.out - hi.out * g30.out;
    signal ge60 <== hi.out + g60.out - hi.out * g60.out;
    signal ge90 <== hi.out + g90.out - hi.out * g90.out;
    ge30Balance <== ge30 * activeBalance;
    ge60Balance <== ge60 * activeBalance;
    ge90Balance <== ge90 * activeBalance;

    // Eligibility: days past due above the policy maximum (both 16-bit values).
    component dpdOver = LessThan(16);
    dpdOver.in[0] <== maxDaysPastDue;
    dpdOver.in[1] <== dpd;
    dpdBreach <== active * dpdOver.out;

    // LTV: outstanding * 10000 > maxLtvBps * collateral (< 2^62 and < 2^64), for secured loans only.
    signal ltvRhs <== maxLtvBps * collateral;
    component ltvOver = LessThan(64);
    ltvOver.in[0] <== ltvRhs;
    ltvOver.in[1] <== amount[0] * 10000;
    component secured = NonZero();
    secured.in <== collateral;
    signal activeSecured <== active * secured.out;
    signal ltvHit <== activeSecured * ltvOver.out;
    ltvBreach <== ltvHit * ltvOn;

    // Running minimum score over active loans (both operands <= 1023).
    component lower = LessThan(10);
    lower.in[0] <== score;
    lower.in[1] <== minIn;
    signal takeMin <== active * lower.out;
    minOut <== minIn + takeMin * (score - minIn);

    // Running maximum of active balances (both operands < 2^48; an inactive slot offers 0).
    component higher = LessThan(48);
    higher.in[0] <== maxIn;
    higher.in[1] <== activeBalance;
    maxOut <== maxIn + higher.out * (activeBalance - maxIn);
}
