pragma circom 2.1.9;

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";

// The state word of a slot, the leaf of the tape's state tree (docs/ENCODING.md, "The state tree";
// declared in prover/commitment/encoding.ts as SLOT_STATE, which test/circuits/encoding.test.ts checks
// against these functions): amount 48 | status 3 | collected 48 | originationDate 16 | originalPrincipal 49.
function STATE_AMOUNT_SHIFT() { return 0; }
function STATE_STATUS_SHIFT() { return 48; }
function STATE_COLLECTED_SHIFT() { return 51; }
function STATE_ORIGINATION_SHIFT() { return 99; }
function STATE_PRINCIPAL_SHIFT() { return 115; }
function STATE_BITS() { return 164; }

// The fields of a state word the pool circuit proved (so every field is in range and the status code is
// 0..4): the full decomposition makes them unique. `empty` is 1 exactly for the empty slot's word 0 (a
// loan's word is never 0: its original principal is at least 1).
template SlotStateFields() {
    signal input word;
    signal output amount;
    signal output s0;              // status bits: code = s0 + 2 s1 + 4 s2 (schema.ts)
    signal output s1;
    signal output s2;
    signal output collected;
    signal output originationDate;
    signal output originalPrincipal;
    signal output empty;

    component bits = Num2Bits(STATE_BITS());
    bits.in <== word;
    var a = 0;
    var c = 0;
    for (var i = 0; i < 48; i++) {
        a += bits.out[STATE_AMOUNT_SHIFT() + i] * (1 << i);
        c += bits.out[STATE_COLLECTED_SHIFT() + i] * (1 << i);
    }
    var d = 0;
    for (var i = 0; i < 16; i++) { d += bits.out[STATE_ORIGINATION_SHIFT() + i] * (1 << i); }
    var p = 0;
    for (var i = 0; i < 49; i++) { p += bits.out[STATE_PRINCIPAL_SHIFT() + i] * (1 << i); }
    amount <== a;
    s0 <== bits.out[STATE_STATUS_SHIFT()];
    s1 <== bits.out[STATE_STATUS_SHIFT() + 1];
    s2 <== bits.out[STATE_STATUS_SHIFT() + 2];
    collected <== c;
    originationDate <== d;
    originalPrincipal <== p;
    component zero = IsZero();
    zero.in <== word;
    empty <== zero.out;
}
