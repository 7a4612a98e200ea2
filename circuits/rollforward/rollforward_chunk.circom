pragma circom 2.1.9;

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";
include "circomlib/circuits/poseidon.circom";
include "../lib/bits.circom";
include "../lib/tree.circom";
include "../lib/slot_state.circom";

// RollForwardChunk(chunkSize): the roll-forward of one chunk of a pool's tape from the previous attested
// tape (root prevRoot) to this period's tape (root root), issue 15. docs/CIRCUITS.md ("Roll-forward") gives
// the statement, the design and its cost; docs/TAPE.md the period fields and the stable-slot rule;
// prover/rollforward/layout.ts the public words (declared there once: the layout generator of
// circuits/layout.json handles one template's words, not this one's).
//
// Slot g of the chunk is slot chunkIndex * chunkSize + g of both tapes. A tape's root is Poseidon(leafRoot,
// slotRoot) (docs/ENCODING.md): the roll-forward does not open the leaves; it opens, in both slot trees, for every slot,
// the previous and the new tape's identity hId (the loan's id, borrower commitment and static terms, salted
// with the loan's salt: the same in every period) and state word (amount, status, collected, origination
// date, original principal), which the pool statement computed from the range-checked leaf words of every
// slot under both roots. With `fresh` the prover's claim that the slot holds a new loan, it proves:
//   - an active previous loan (performing, delinquent, defaulted) is still there and is the same loan (not
//     dropped, not replaced by a new id): new loans go only into empty slots or slots whose previous loan was
//     terminal (repaid or charged off), and were originated in this period;
//   - a continuing loan keeps its identity (id, borrower commitment, maturity: one equality of hId), its
//     origination date and its original principal;
//   - outstanding(t) + chargedOff this period + removed at exit = outstanding(t-1) - principalCollected +
//     adjustment (signed), for every loan (a new loan's "outstanding(t-1)" is its balance on entry, counted
//     as originations; a new loan has no adjustment and no removal);
//   - |adjustment| <= maxAdjustment (public), with a reason code when it is not 0;
//   - terminal states stay terminal: a repaid loan stays repaid and receives nothing; a charged-off loan
//     stays charged off with the same charged-off amount and receives only recoveries; recoveries only on a
//     charged-off loan; principalCollected + interestCollected + recoveries <= collected (the state's);
//   - an exit code exactly when the loan becomes terminal this period (4 for a charge-off; 1, 2, 3 or 5 for
//     a repayment), with its date in (prevAsOfDate, asOfDate]; a balance removed without principal
//     collected only with exit 2 (sold), 3 (repurchased) or 5 (servicing transfer);
// and publishes the chunk's totals (rfA, rfB, rfC) and a hiding commitment to the period fields of its
// slots (flowCommit = Poseidon chain of flowSalt and the flow words, 15 words per call).
//
// Soundness relies on both roots being attested by the pool statement (PoolAttestation, PoolChunkCommitment):
// its rules hold for every slot under them (e.g. a repaid loan's amount is 0, a state word is the loan's), and
// the registry accepts a roll-forward only from the pool's last attested root to an attested one (issue 15,
// registry side).
template RollForwardChunk(chunkSize) {
    var TREE_HEIGHT = 6;
    var k = 0;
    var m = chunkSize;
    while (m >= 16) { assert(m % 16 == 0); m = m \ 16; k++; }
    assert(m == 1 || m == 2 || m == 4 || m == 8);
    assert(chunkSize >= 4 && chunkSize <= 4096);
    var GROUP_BITS = m == 1 ? 4 : (m == 2 ? 3 : (m == 4 ? 2 : 1));
    var LEVELS = TREE_HEIGHT - k - 1;
    var FLOW_CALLS = (chunkSize + 14) \ 15;

    // --- public inputs (order of prover/rollforward/layout.ts) ---
    signal input prevRoot;
    signal input root;
    signal input pool;          // poolId 64 | period 32 | prevPeriod 32 | asOfDate 16 | prevAsOfDate 16 | chunkIndex 16 | chunkCount 16
    signal input maxAdjustment; // the policy's bound on one loan's |adjustment| in a period, minor units
    signal input flowCommit;
    signal input rfA;           // opening | principalCollected | interestCollected | recoveries (62 bits each)
    signal input rfB;           // chargedOff | adjustmentsUp | adjustmentsDown | originations
    signal input rfC;           // closing 62 | removedAtExit 62 | originationCount 16 | exits 1..5 (16 each) | modifiedCount 16

    // --- private inputs ---
    signal input prevLeafRoot;     // the leaf trees' roots (the leaves are not opened)
    signal input leafRoot;
    signal input idP[chunkSize];   // the previous tape's identity and state words of the chunk's slots
    signal input stP[chunkSize];
    signal input idN[chunkSize];   // this period's
    signal input stN[chunkSize];
    signal input fresh[chunkSize];
    signal input wD[chunkSize];    // flow word: pc 48 | ic 48 | rec 48 | |adj| 48 | adj<0 1 | reason 3 | exit 3 | exitDate 16 | modified 1
    signal input removed[chunkSize];
    signal input flowSalt;
    signal input prevSlotGroupSiblings[16 - SLOT_GROUP(chunkSize)];
    signal input prevSlotSiblings[SLOT_LEVELS(chunkSize)][15];
    signal input slotGroupSiblings[16 - SLOT_GROUP(chunkSize)];
    signal input slotSiblings[SLOT_LEVELS(chunkSize)][15];

    // --- pool word ---
    component poolBits = Num2Bits(192);
    poolBits.in <== pool;
    var asOf = 0;
    var prevAsOf = 0;
    var chunkIndex = 0;
    var chunkCount = 0;
    for (var i = 0; i < 16; i++) {
        asOf += poolBits.out[128 + i] * (1 << i);
        prevAsOf += poolBits.out[144 + i] * (1 << i);
        chunkIndex += poolBits.out[160 + i] * (1 << i);
        chunkCount += poolBits.out[176 + i] * (1 << i);
    }
    component inRange = LessThan(16);
    inRange.in[0] <== chunkIndex;
    inRange.in[1] <== chunkCount;
    inRange.out === 1;
    component last = IsZero();
    last.in <== chunkIndex + 1 - chunkCount;
    for (var i = GROUP_BITS + 4 * LEVELS; i < 16; i++) { poolBits.out[160 + i] === 0; }
    component maxAdjBits = Num2Bits(48);
    maxAdjBits.in <== maxAdjustment;

    // --- slots ---
    component fP[chunkSize];
    component fN[chunkSize];
    component d[chunkSize];
    component zeroReason[chunkSize];
    component adjBound[chunkSize];
    component removedBits[chunkSize];
    component exitAfter[chunkSize];
    component exitBefore[chunkSize];
    component cash[chunkSize];
    signal s01P[chunkSize];
    signal s01N[chunkSize];
    signal coP[chunkSize];
    signal coN[chunkSize];
    signal cont[chunkSize];
    signal t1[chunkSize];
    signal t2[chunkSize];
    signal adjDown[chunkSize];
    signal coKept[chunkSize];
    signal freshOrig[chunkSize];
    component newInPeriod[chunkSize];
    signal e01[chunkSize];
    signal e02[chunkSize];
    signal exitFlag[chunkSize];
    signal exitLo[chunkSize];
    signal exitHi[chunkSize];
    component prevSlotTree = ChunkTreeRoot(chunkSize, 1);
    component slotTree = ChunkTreeRoot(chunkSize, 1);

    var opening = 0;
    var closing = 0;
    var pcSum = 0;
    var icSum = 0;
    var recSum = 0;
    var chargedSum = 0;
    var upSum = 0;
    var downSum = 0;
    var origSum = 0;
    var removedSum = 0;
    var freshCount = 0;
    var exitCount[5];
    for (var c = 0; c < 5; c++) { exitCount[c] = 0; }
    var modifiedCount = 0;

    for (var i = 0; i < chunkSize; i++) {
        prevSlotTree.leaves[2 * i] <== idP[i];
        prevSlotTree.leaves[2 * i + 1] <== stP[i];
        slotTree.leaves[2 * i] <== idN[i];
        slotTree.leaves[2 * i + 1] <== stN[i];
        // The state words' fields (circuits/lib/slot_state.circom); a slot is empty exactly when its word is 0.
        fP[i] = SlotStateFields();
        fP[i].word <== stP[i];
        fN[i] = SlotStateFields();
        fN[i].word <== stN[i];
        var emptyP = fP[i].empty;
        var emptyN = fN[i].empty;

        // Flags: a new loan is not in an empty slot of the new tape; a slot that was empty holds either
        // nothing or a new loan.
        fresh[i] * (fresh[i] - 1) === 0;
        fresh[i] * emptyN === 0;
        emptyP * (1 - emptyN - fresh[i]) === 0;
        // cont = 1 for a loan present in both tapes that is not new (emptyN + fresh <= 1).
        cont[i] <== (1 - emptyP) * (1 - emptyN - fresh[i]);
        // An empty slot has no period fields (wD is range-checked below, so it is 0 only then).
        emptyN * wD[i] === 0;

        d[i] = Num2Bits(216);
        d[i].in <== wD[i];

        var xP = fP[i].amount;
        var xN = fN[i].amount;
        var colN = fN[i].collected;
        var s2P = fP[i].s2;
        var s2N = fN[i].s2;
        s01P[i] <== fP[i].s0 * fP[i].s1;                 // previous status charged off
        s01N[i] <== fN[i].s0 * fN[i].s1;
        coP[i] <== s01P[i] * xP;
        coN[i] <== s01N[i] * xN;
        var outP = xP - coP[i];                          // outstanding of an active loan, else 0
        var outN = xN - coN[i];
        var activeP = 1 - s2P - s01P[i] - emptyP;

        // Flow word.
        var pc = 0;
        var ic = 0;
        var rec = 0;
        var adjMag = 0;
        var exitDate = 0;
        for (var j = 0; j < 48; j++) {
            pc += d[i].out[j] * (1 << j);
            ic += d[i].out[48 + j] * (1 << j);
            rec += d[i].out[96 + j] * (1 << j);
            adjMag += d[i].out[144 + j] * (1 << j);
        }
        var adjNeg = d[i].out[192];
        var r0 = d[i].out[193];
        var r1 = d[i].out[194];
        var r2 = d[i].out[195];
        var e0 = d[i].out[196];
        var e1 = d[i].out[197];
        var e2 = d[i].out[198];
        for (var j = 0; j < 16; j++) { exitDate += d[i].out[199 + j] * (1 << j); }
        var modified = d[i].out[215];

        // --- the previous loan is not dropped and not replaced unless terminal ---
        activeP * (emptyN + fresh[i]) === 0;

        // --- identity and static terms of a continuing loan ---
        // A new loan was originated in this period: prevAsOfDate < origination (<= asOfDate by the pool
        // statement's date slack). A loan of an earlier period cannot come back as a new one (a charged-off
        // loan resurrected in a freed slot, or the same loan relabelled) without another origination date.
        freshOrig[i] <== fresh[i] * (fN[i].originationDate - prevAsOf - 1);
        newInPeriod[i] = Num2Bits(16);
        newInPeriod[i].in <== freshOrig[i];
        // hId = Poseidon(borrowerCommitment, Poseidon(loanId, maturity, loan salt)): one equality keeps the
        // id, the borrower and the maturity.
        cont[i] * (idN[i] - idP[i]) === 0;
        cont[i] * (fN[i].originationDate - fP[i].originationDate) === 0;
        cont[i] * (fN[i].originalPrincipal - fP[i].originalPrincipal) === 0;

        // --- terminal states stay terminal ---
        t1[i] <== cont[i] * s2P;       // a continuing repaid loan
        t2[i] <== cont[i] * s01P[i];   // a continuing charged-off loan
        t1[i] * (1 - s2N) === 0;
        t2[i] * (1 - s01N[i]) === 0;
        t2[i] * (coN[i] - coP[i]) === 0;
        // Every term is a range-checked non-negative value: the sum is 0 only if each is.
        (t1[i] + t2[i]) * (pc + ic + adjMag + e0 + e1 + e2 + removed[i]) === 0;
        t1[i] * rec === 0;
        rec * (1 - s01N[i]) === 0;
        // collected - pc - ic - rec >= 0: each operand is below 2^48, so a negative difference is a field
        // element far above 2^48 and has no 48-bit decomposition.
        cash[i] = Num2Bits(48);
        cash[i].in <== colN - pc - ic - rec;

        // --- exits ---
        // Codes 0..5 (6 and 7 refused); one-hot of codes 1..5 from e01 = e0*e1 and e02 = e0*e2.
        e2 * e1 === 0;
        e01[i] <== e0 * e1;
        e02[i] <== e0 * e2;
        // The loan becomes terminal this period: new status terminal and not a continuing terminal loan.
        exitFlag[i] <== s2N + s01N[i] - t1[i] - t2[i];
        (e0 + e1 + e2) * (1 - exitFlag[i]) === 0;          // no exit code without an exit
        (s01N[i] - t2[i]) * (1 - e2 + e0) === 0;           // a charge-off exits with code 4 (e2 and not e0)
        (s2N - t1[i]) * (1 - (e0 + e1 - e01[i])) === 0;    // a repayment with 1, 2, 3 or 5 (e0 or e1)
        exitDate * (1 - exitFlag[i]) === 0;
        exitLo[i] <== exitFlag[i] * (exitDate - prevAsOf - 1);
        exitHi[i] <== exitFlag[i] * (asOf - exitDate);
        exitAfter[i] = Num2Bits(16);
        exitAfter[i].in <== exitLo[i];
        exitBefore[i] = Num2Bits(16);
        exitBefore[i].in <== exitHi[i];
        // A balance removed without principal collected: only with exit 2, 3 or 5, never for a new loan.
        removedBits[i] = Num2Bits(48);
        removedBits[i].in <== removed[i];
        removed[i] * (1 - e1 - e02[i]) === 0;

        // --- adjustments ---
        adjBound[i] = Num2Bits(48);
        adjBound[i].in <== maxAdjustment - adjMag;
        adjDown[i] <== adjNeg * adjMag;
        r2 * (r0 + r1) === 0;                               // reason codes 0..4
        zeroReason[i] = IsZero();
        zeroReason[i].in <== r0 + r1 + r2;
        adjMag * zeroReason[i].out === 0;
        fresh[i] * (adjMag + removed[i]) === 0;

        // --- the balance equation ---
        // chargedOff this period: the new charged-off amount, less the previous one of a continuing loan.
        coKept[i] <== t2[i] * xP;
        var charged = coN[i] - coKept[i];
        // A new loan's balance on entry; 0 for every other slot.
        var entry = outN + charged + removed[i] + pc + adjDown[i] - (adjMag - adjDown[i]) - outP;
        (1 - fresh[i]) * entry === 0;

        opening += outP;
        closing += outN;
        pcSum += pc;
        icSum += ic;
        recSum += rec;
        chargedSum += charged;
        upSum += adjMag - adjDown[i];
        downSum += adjDown[i];
        origSum += entry;
        removedSum += removed[i];
        freshCount += fresh[i];
        exitCount[0] += e0 - e01[i] - e02[i];
        exitCount[1] += e1 - e01[i];
        exitCount[2] += e01[i];
        exitCount[3] += e2 - e02[i];
        exitCount[4] += e02[i];
        modifiedCount += modified;
    }

    // --- public totals ---
    var S62 = 1 << 62;
    rfA === opening + pcSum * S62 + icSum * S62 * S62 + recSum * S62 * S62 * S62;
    rfB === chargedSum + upSum * S62 + downSum * S62 * S62 + origSum * S62 * S62 * S62;
    var countWord = freshCount;
    for (var c = 0; c < 5; c++) { countWord += exitCount[c] * (1 << (16 * (c + 1))); }
    countWord += modifiedCount * (1 << 96);
    rfC === closing + removedSum * S62 + countWord * S62 * S62;

    // --- flow commitment: Poseidon(flowSalt, wD[0..14]), then Poseidon(previous, wD[15..29]), ... ---
    component flow[FLOW_CALLS];
    for (var c = 0; c < FLOW_CALLS; c++) {
        flow[c] = Poseidon(16);
        flow[c].inputs[0] <== c == 0 ? flowSalt : flow[c - 1].out;
        for (var j = 0; j < 15; j++) {
            var idx = 15 * c + j;
            if (idx < chunkSize) {
                flow[c].inputs[1 + j] <== wD[idx];
            } else {
                flow[c].inputs[1 + j] <== 0;
            }
        }
    }
    flow[FLOW_CALLS - 1].out === flowCommit;

    // --- the chunk's place in both tapes' slot trees (the last chunk: everything after it is empty in each),
    // and the roots ---
    for (var b = 0; b < 16; b++) {
        prevSlotTree.indexBits[b] <== poolBits.out[160 + b];
        slotTree.indexBits[b] <== poolBits.out[160 + b];
    }
    prevSlotTree.groupSiblings <== prevSlotGroupSiblings;
    prevSlotTree.siblings <== prevSlotSiblings;
    prevSlotTree.mustBeLastOfTree <== last.out;
    slotTree.groupSiblings <== slotGroupSiblings;
    slotTree.siblings <== slotSiblings;
    slotTree.mustBeLastOfTree <== last.out;
    component prevTape = TapeRoot();
    prevTape.leafRoot <== prevLeafRoot;
    prevTape.slotRoot <== prevSlotTree.root;
    prevTape.root === prevRoot;
    component tape = TapeRoot();
    tape.leafRoot <== leafRoot;
    tape.slotRoot <== slotTree.root;
    tape.root === root;
}
