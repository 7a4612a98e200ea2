pragma circom 2.1.9;

include "circomlib/circuits/comparators.circom";

// out = 1 if x >= c, else 0, where in[0..n-1] are the (already constrained) bits of x < 2^n and c is a
// compile-time constant below 2^n. Scans from the lowest set bit of c upwards: where c has a 1 the prefix
// result is ANDed with x's bit, where c has a 0 it is ORed. Costs one constraint per bit above the lowest
// set bit of c (a LessThan against a constant would cost n + 1 and a fresh decomposition).
template GeConstBits(n, c) {
    signal input in[n];
    signal output out;
    assert(c < (1 << n));
    if (c == 0) {
        out <== 1;
    } else {
        var low = 0;
        while (((c >> low) & 1) == 0) { low++; }
        signal acc[n];
        acc[low] <== in[low];
        for (var i = low + 1; i < n; i++) {
            if (((c >> i) & 1) == 1) {
                acc[i] <== in[i] * acc[i - 1];
            } else {
                acc[i] <== in[i] + acc[i - 1] - in[i] * acc[i - 1];
            }
        }
        out <== acc[n - 1];
    }
}

// out = 1 if in != 0. Two constraints (circomlib IsZero).
template NonZero() {
    signal input in;
    signal output out;
    component z = IsZero();
    z.in <== in;
    out <== 1 - z.out;
}
