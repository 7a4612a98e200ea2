pragma circom 2.1.9;

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";
include "circomlib/circuits/poseidon.circom";
include "./bits.circom";
include "./slot_state.circom";

// One loan slot of a pool chunk (see docs/ENCODING.md for the words and docs/CIRCUITS.md for the design and
// the cost of each rule).
//
// Inputs are the loan's leaf words: wA = amount | scheduled << 48 | collected << 96 | collateral << 144 |
// headroom << 192 (five 48-bit fields; `amount` is the outstanding balance, or the charged-off amount of a
// charged-off loan), wB = daysPastDue | status << 16 | creditScore << 19 | dateSlack << 29, and hId, the opaque
// hash of the identity and the fields no figure reads. headroom = originalPrincipal - max(1, ceil(amount / 2))
// and dateSlack = asOfDate - originationDate - daysPastDue: their range checks ARE the tape rules "amount <= 2
// x originalPrincipal, originalPrincipal >= 1" and "daysPastDue <= asOfDate - originationDate (so
// originationDate <= asOfDate)". The leaf is Poseidon(wA, wB, hId), or the empty leaf 0 when isEmpty = 1.
//
// The full bit decompositions of wA (240 bits) and wB (45 bits) are the range checks of every amount and
// small field: they are unique because both words are far below the field size, and each value the slot
// uses is a linear combination of those bits, so packing costs nothing beyond the checks themselves.
//
// The status rules of docs/TAPE.md are constraints here: a repaid loan has amount 0 and daysPastDue 0 (and
// codes 5-7 are refused by the same constraint), a loan that is not repaid has a non-zero amount (active:
// a positive balance; charged off: a positive charged-off amount), performing is under 30 days past due,
// delinquent at least 1.
//
// The chunk's minimum score and maximum active balance are given (minScore, maxBalance, computed by the
// chunk): the slot outputs the gaps the chunk multiplies together to prove they are attained, after
// range-checking them here (which proves they are bounds).
template LoanSlot() {
    signal input wA;
    signal input wB;
    signal input hId;
    signal input wV;
    signal input isEmpty;          // boolean and monotone across the chunk (checked by the chunk)
    signal input asOfDate;         // the tape's, from the pool word
    signal input maxDaysPastDue;   // policy, range-checked to 16 bits by the caller
    signal input maxLtvBps;        // policy, range-checked to 16 bits by the caller
    signal input minScore;         // the chunk's minimum active score, range-checked to 10 bits by the caller
    signal input maxBalance;       // the chunk's maximum active balance

    signal output leaf;            // the leaf this slot puts in the tree (0 when empty)
    signal output id;              // the slot's leaf of the identity tree: hId, 0 when empty
    signal output state;           // the slot's leaf of the state tree, 0 when empty
    signal output outstanding;     // the balance of an active loan, 0 otherwise
    signal output scheduled;
    signal output collected;
    signal output chargedOff;      // the amount of a charged-off loan, 0 otherwise
    signal output active;          // 1 for a non-empty loan in status performing, delinquent or defaulted
    signal output weighted;        // score * outstanding
    signal output ge30Balance;     // outstanding if daysPastDue >= 30, else 0 (and likewise 60, 90)
    signal output ge60Balance;
    signal output ge90Balance;
    signal output defaultedBalance;
    signal output dpdBreach;       // active and daysPastDue > maxDaysPastDue
    signal output ltvHit;          // secured, and outstanding * 10000 > maxLtvBps * collateral
    signal output minGap;          // 0 exactly when this loan is active with score minScore
    signal output maxGap;          // maxBalance - outstanding

    // An empty slot's words are zero (both range-checked and non-negative, so their sum is 0 only then).
    isEmpty * (wA + wB) === 0;

    component a = Num2Bits(240);
    a.in <== wA;
    component b = Num2Bits(45);
    b.in <== wB;

    // wA's five 48-bit fields: amount, scheduled, collected, collateral, headroom.
    var amount[5];
    for (var k = 0; k < 5; k++) {
        amount[k] = 0;
        for (var i = 0; i < 48; i++) { amount[k] += a.out[48 * k + i] * (1 << i); }
    }
    var x = amount[0];
    var dpd = 0;
    for (var i = 0; i < 16; i++) { dpd += b.out[i] * (1 << i); }
    var score = 0;
    for (var i = 0; i < 10; i++) { score += b.out[19 + i] * (1 << i); }
    // wA bits 192..239 (headroom) and wB bits 29..44 (dateSlack) need nothing beyond their decomposition:
    // each is the top field of its word, so a negative value cannot borrow from a field above it.
    scheduled <== amount[1];
    collected <== amount[2];
    var collateral = amount[3];
    var headroom = amount[4];

    // Status codes 0..4 in three bits s0, s1, s2 (schema.ts: performing, delinquent, defaulted, charged_off,
    // repaid). One constraint refuses codes 5..7 (s2 with s0 or s1) and gives a repaid loan (s2) amount 0
    // and daysPastDue 0: every term is a non-negative range-checked value, so the sum is 0 only if each is.
    signal s0 <== b.out[16];
    signal s1 <== b.out[17];
    signal s2 <== b.out[18];
    s2 * (s0 + s1 + x + dpd) === 0;
    signal s01 <== s0 * s1;                 // status 3, charged off
    // Active statuses are 0, 1, 2. An empty slot has status 0 (its wB is zero), so subtracting isEmpty keeps
    // the expression boolean and makes empty slots inactive.
    active <== 1 - s2 - s01 - isEmpty;
    chargedOff <== s01 * x;
    outstanding <== x - chargedOff;         // 0 for repaid (x = 0) and charged-off loans

    // A loan that is not repaid has a non-zero amount (x + s2 = x then; a repaid loan passes with x + s2 = 1).
    signal amountInv <-- (x + s2) != 0 ? 1 / (x + s2) : 0;
    (x + s2) * amountInv === 1 - isEmpty;

    // Leaf.
    component h = Poseidon(4);
    h.inputs[0] <== wA;
    h.inputs[1] <== wB;
    h.inputs[2] <== hId;
    h.inputs[3] <== wV;
    leaf <== (1 - isEmpty) * h.out;

    // Identity and state. A loan that is not empty has x = 0 exactly when it is repaid (s2, above), so
    // max(1, ceil(x / 2)) = ceil(x / 2) + s2; its origination date is asOfDate - daysPastDue - dateSlack.
    id <== (1 - isEmpty) * hId;
    var half = a.out[0];
    for (var i = 1; i < 48; i++) { half += a.out[i] * (1 << (i - 1)); }
    var slack = 0;
    for (var i = 0; i < 16; i++) { slack += b.out[29 + i] * (1 << i); }
    var packedState = x * (1 << STATE_AMOUNT_SHIFT())
        + (s0 + 2 * s1 + 4 * s2) * (1 << STATE_STATUS_SHIFT())
        + collected * (1 << STATE_COLLECTED_SHIFT())
        + (asOfDate - dpd - slack) * (1 << STATE_ORIGINATION_SHIFT())
        + (headroom + half + s2) * (1 << STATE_PRINCIPAL_SHIFT());
    state <== (1 - isEmpty) * packedState;

    weighted <== score * outstanding;
    defaultedBalance <== s1 * outstanding;  // s1 is defaulted or charged off, whose outstanding is 0

    // Delinquency buckets from the days-past-due bits: hi = dpd >= 128, then exact comparisons of the low
    // seven bits with the constants; (hi OR g) * outstanding = hi*outstanding + g*(1 - hi)*outstanding.
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
    signal hiBalance <== hi.out * outstanding;
    ge30Balance <== hiBalance + g30.out * (outstanding - hiBalance);
    ge60Balance <== hiBalance + g60.out * (outstanding - hiBalance);
    ge90Balance <== hiBalance + g90.out * (outstanding - hiBalance);

    // performing (code 0, not empty) is under 30 days past due: its outstanding is positive, so a zero
    // ge30Balance means dpd < 30.
    var performing = 1 - s0 - s1 - s2 + s01 - isEmpty;
    performing * ge30Balance === 0;
    // delinquent (code 1) is at least 1 day past due.
    var delinquent = s0 - s01;
    signal dpdInv <-- (s0 == 1 && s1 == 0 && dpd != 0) ? 1 / dpd : 0;
    dpd * dpdInv === delinquent;

    // Eligibility: days past due above the policy maximum (both 16-bit values).
    component dpdOver = LessThan(16);
    dpdOver.in[0] <== maxDaysPastDue;
    dpdOver.in[1] <== dpd;
    dpdBreach <== active * dpdOver.out;

    // LTV: outstanding * 10000 > maxLtvBps * collateral (< 2^62 and < 2^64), for secured loans only. An
    // inactive loan has outstanding 0 and never exceeds; the chunk applies "an LTV limit is set" once.
    signal ltvRhs <== maxLtvBps * collateral;
    component ltvOver = LessThan(64);
    ltvOver.in[0] <== ltvRhs;
    ltvOver.in[1] <== outstanding * 10000;
    component secured = NonZero();
    secured.in <== collateral;
    ltvHit <== secured.out * ltvOver.out;

    // The chunk's minimum score is at most every active loan's score: minGap = score - minScore for an active
    // loan, score + 1023 - minScore (>= 0) otherwise, 11 bits either way.
    minGap <== score + 1023 * (1 - active) - minScore;
    component minGapBits = Num2Bits(11);
    minGapBits.in <== minGap;
    // The chunk's maximum active balance is at least every loan's outstanding.
    maxGap <== maxBalance - outstanding;
    component maxGapBits = Num2Bits(48);
    maxGapBits.in <== maxGap;
}
