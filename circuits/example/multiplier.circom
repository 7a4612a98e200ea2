pragma circom 2.1.9;

include "comparators.circom";

// Proves knowledge of two factors a, b, each in [2, 2^32), whose product is the public c.
// The range checks keep the statement meaningful: without them, a = 1 or a field-wrapped
// factor would satisfy a * b = c for any c.
// It exists to exercise the whole pipeline (compile, setup, prove, verify, Solidity) in tests.
template Multiplier() {
    signal input a;
    signal input b;
    signal input c;

    component aBits = Num2Bits(32);
    aBits.in <== a;
    component bBits = Num2Bits(32);
    bBits.in <== b;
    component aBig = GreaterThan(32);
    aBig.in <== [a, 1];
    aBig.out === 1;
    component bBig = GreaterThan(32);
    bBig.in <== [b, 1];
    bBig.out === 1;

    c === a * b;
}
