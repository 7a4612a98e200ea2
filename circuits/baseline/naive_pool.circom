pragma circom 2.1.9;

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";
include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/eddsaposeidon.circom";

// NaivePool(n): the naive baseline of issue 3, for benchmarks only (it is NOT the product's statement).
// A binary Merkle-sum tree over n loans (n a power of two): leaf = Poseidon(id, balance, collected, dpd,
// salt), node = Poseidon(leftHash, leftSum, rightHash, rightSum) with the balances summed up the tree;
// two 64-bit range checks per loan (balance, collected), a delinquency bit (dpd > 30), one EdDSA-Poseidon
// signature over the root, and two covenant comparators (delinquency ratio, minimum balance).
template NaivePool(n) {
    var depth = 0;
    while ((1 << depth) < n) { depth++; }
    assert((1 << depth) == n);

    signal input root;
    signal input totalBalance;
    signal input delinquentBalance;
    signal input Ax;
    signal input Ay;
    signal input maxDelinquencyBps;
    signal input minPoolBalance;

    signal input id[n];
    signal input balance[n];
    signal input collected[n];
    signal input dpd[n];
    signal input salt[n];
    signal input S;
    signal input R8x;
    signal input R8y;

    component leaf[n];
    component balBits[n];
    component colBits[n];
    component late[n];
    signal lateBalance[n];
    var delinquent = 0;
    for (var i = 0; i < n; i++) {
        balBits[i] = Num2Bits(64);
        balBits[i].in <== balance[i];
        colBits[i] = Num2Bits(64);
        colBits[i].in <== collected[i];
        late[i] = GreaterThan(16);
        late[i].in <== [dpd[i], 30];
        lateBalance[i] <== late[i].out * balance[i];
        delinquent += lateBalance[i];
        leaf[i] = Poseidon(5);
        leaf[i].inputs <== [id[i], balance[i], collected[i], dpd[i], salt[i]];
    }
    delinquentBalance === delinquent;

    // Level 0 hashes and sums are the leaves; node j of level l+1 combines nodes 2j and 2j+1 of level l.
    component node[n];
    signal sums[2 * n];
    for (var i = 0; i < n; i++) { sums[n + i] <== balance[i]; }
    for (var j = n - 1; j >= 1; j--) {
        node[j] = Poseidon(4);
        node[j].inputs[0] <== 2 * j >= n ? leaf[2 * j - n].out : node[2 * j].out;
        node[j].inputs[1] <== sums[2 * j];
        node[j].inputs[2] <== 2 * j + 1 >= n ? leaf[2 * j + 1 - n].out : node[2 * j + 1].out;
        node[j].inputs[3] <== sums[2 * j + 1];
        sums[j] <== sums[2 * j] + sums[2 * j + 1];
    }
    root === node[1].out;
    totalBalance === sums[1];

    component sig = EdDSAPoseidonVerifier();
    sig.enabled <== 1;
    sig.Ax <== Ax;
    sig.Ay <== Ay;
    sig.S <== S;
    sig.R8x <== R8x;
    sig.R8y <== R8y;
    sig.M <== root;

    component ratio = LessEqThan(96);
    ratio.in <== [delinquentBalance * 10000, maxDelinquencyBps * totalBalance];
    ratio.out === 1;
    component minBal = LessEqThan(72);
    minBal.in <== [minPoolBalance, totalBalance];
    minBal.out === 1;
}
