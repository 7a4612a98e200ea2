pragma circom 2.1.9;

include "circomlib/circuits/poseidon.circom";
include "./empty_roots.circom";
include "./chunk_shape.circom";

// Root of a complete arity-16 Poseidon subtree of height k over 16^k leaves (leaf order = index order).
template Arity16Root(k) {
    var n = 1;
    for (var i = 0; i < k; i++) { n *= 16; }
    signal input leaves[n];
    signal output root;

    var width = n;
    var total = 0;
    for (var l = 0; l < k; l++) { width \= 16; total += width; }
    // nodes are stored level after level, bottom level first.
    component node[total];
    var offset = 0;
    width = n;
    for (var l = 0; l < k; l++) {
        width \= 16;
        for (var j = 0; j < width; j++) {
            node[offset + j] = Poseidon(16);
            for (var c = 0; c < 16; c++) {
                if (l == 0) {
                    node[offset + j].inputs[c] <== leaves[16 * j + c];
                } else {
                    node[offset + j].inputs[c] <== node[offset - 16 * width + 16 * j + c].out;
                }
            }
        }
        offset += width;
    }
    if (k == 0) {
        root <== leaves[0];
    } else {
        root <== node[total - 1].out;
    }
}

// One level of a Merkle path in the arity-16 tree. The child sits at position d (0..15), given by its four
// bits; the 15 siblings are the other children in order (no dummy slot, so every sibling wire is used).
// When mustBeLastOfTree = 1 every sibling to the right of the child must be the empty subtree of the
// child's height: this is how the last chunk proves that no loan hides after the pool's last chunk.
template Arity16PathLevel(height) {
    signal input child;
    signal input digitBits[4];
    signal input siblings[15];
    signal input mustBeLastOfTree;
    signal output parent;

    // One-hot position: pairs of bits give four indicators each with one product, then 16 products.
    signal lo01 <== digitBits[0] * digitBits[1];
    signal hi23 <== digitBits[2] * digitBits[3];
    var lo[4] = [1 - digitBits[0] - digitBits[1] + lo01, digitBits[0] - lo01, digitBits[1] - lo01, lo01];
    var hi[4] = [1 - digitBits[2] - digitBits[3] + hi23, digitBits[2] - hi23, digitBits[3] - hi23, hi23];
    signal e[16];
    for (var j = 0; j < 16; j++) { e[j] <== lo[j % 4] * hi[j \ 4]; }

    // Slot j holds siblings[j] left of the child (d > j), the child at d, siblings[j - 1] right of it.
    component h = Poseidon(16);
    signal pickLeft[15];
    signal pickChild[16];
    var leftOf = 0;     // sum of e[i] for i > j: 1 when the child is right of slot j
    var rightOf[16];    // sum of e[i] for i <= j: 1 when the child is at or left of slot j
    var acc = 0;
    for (var j = 0; j < 16; j++) { acc += e[j]; rightOf[j] = acc; }
    for (var j = 0; j < 16; j++) {
        leftOf = 1 - rightOf[j];
        if (j == 0) {
            pickChild[0] <== e[0] * (child - siblings[0]);
            h.inputs[0] <== siblings[0] + pickChild[0];
        } else if (j == 15) {
            pickChild[15] <== e[15] * (child - siblings[14]);
            h.inputs[15] <== siblings[14] + pickChild[15];
        } else {
            pickLeft[j] <== leftOf * (siblings[j] - siblings[j - 1]);
            pickChild[j] <== e[j] * (child - siblings[j - 1]);
            h.inputs[j] <== siblings[j - 1] + pickLeft[j] + pickChild[j];
        }
    }
    parent <== h.out;

    // siblings[j] is right of the child exactly when d <= j.
    signal lastRight[15];
    for (var j = 0; j < 15; j++) {
        lastRight[j] <== mustBeLastOfTree * rightOf[j];
        lastRight[j] * (siblings[j] - EMPTY_ROOT(height)) === 0;
    }
}

// The first level above a chunk of m (1, 2, 4 or 8) consecutive subtrees of the given height: the parent's 16
// children are G = 16 / m groups of m; the chunk's subtrees fill group q (0 <= q < G, given by its bits) and
// the 16 - m siblings fill the other groups in order. As in Arity16PathLevel, every sibling wire is used, and
// when mustBeLastOfTree = 1 the siblings right of the chunk must be empty subtrees.
template Arity16GroupLevel(height, m) {
    var G = 16 \ m;
    var B = 0;
    while ((1 << B) < G) { B++; }
    assert(G * m == 16 && (1 << B) == G);
    signal input children[m];
    signal input qBits[B];
    signal input siblings[16 - m];
    signal input mustBeLastOfTree;
    signal output parent;

    var q = 0;
    for (var b = 0; b < B; b++) { q += qBits[b] * (1 << b); }
    // One-hot group indicator: booleans that sum to 1 and whose weighted sum is q.
    signal e[G];
    var sum = 0;
    var weighted = 0;
    for (var g = 0; g < G; g++) {
        e[g] <-- q == g ? 1 : 0;
        e[g] * (e[g] - 1) === 0;
        sum += e[g];
        weighted += g * e[g];
    }
    sum === 1;
    weighted === q;

    var rightOf[16];    // rightOf[g] = 1 when the chunk's group is at or left of group g
    var acc = 0;
    for (var g = 0; g < G; g++) { acc += e[g]; rightOf[g] = acc; }

    component h = Poseidon(16);
    signal pickLeft[16];
    signal pickChild[16];
    for (var g = 0; g < G; g++) {
        for (var t = 0; t < m; t++) {
            var s = g * m + t;
            if (g == 0) {
                pickChild[s] <== e[0] * (children[t] - siblings[t]);
                h.inputs[s] <== siblings[t] + pickChild[s];
            } else if (g == G - 1) {
                pickChild[s] <== e[g] * (children[t] - siblings[(g - 1) * m + t]);
                h.inputs[s] <== siblings[(g - 1) * m + t] + pickChild[s];
            } else {
                pickLeft[s] <== (1 - rightOf[g]) * (siblings[g * m + t] - siblings[(g - 1) * m + t]);
                pickChild[s] <== e[g] * (children[t] - siblings[(g - 1) * m + t]);
                h.inputs[s] <== siblings[(g - 1) * m + t] + pickLeft[s] + pickChild[s];
            }
        }
    }
    parent <== h.out;

    // siblings[g * m + t] sits in group g (left of the chunk) when q > g, else in group g + 1 (right of it).
    signal lastRight[16 - m];
    for (var g = 0; g < G - 1; g++) {
        for (var t = 0; t < m; t++) {
            lastRight[g * m + t] <== mustBeLastOfTree * rightOf[g];
            lastRight[g * m + t] * (siblings[g * m + t] - EMPTY_ROOT(height)) === 0;
        }
    }
}

// The root of a tree of the tape from a chunk's leaves: ChunkTreeRoot(chunkSize, 0) places the chunk's
// chunkSize leaves in the height-6 leaf tree, ChunkTreeRoot(chunkSize, 1) its 2 · chunkSize leaves (each
// slot's identity, then its state word) in the height-7 slot tree (docs/ENCODING.md). The leaves form m
// complete subtrees of height k (Arity16Root), then the group level (Arity16GroupLevel) and the path above it
// (Arity16PathLevel), at the position given by the 16 bits of the chunk index (index bits the tree has no
// level for must be 0: the caller checks it). When mustBeLastOfTree = 1 every sibling right of the chunk is
// an empty subtree. The pool, score and roll-forward circuits place their chunks with it.
template ChunkTreeRoot(chunkSize, slotTree) {
    var k = slotTree == 1 ? SLOT_HEIGHT(chunkSize) : CHUNK_HEIGHT(chunkSize);
    var m = slotTree == 1 ? SLOT_GROUP(chunkSize) : CHUNK_GROUP(chunkSize);
    var LEVELS = slotTree == 1 ? SLOT_LEVELS(chunkSize) : CHUNK_LEVELS(chunkSize);
    var N = slotTree == 1 ? 2 * chunkSize : chunkSize;
    assert(m == 1 || m == 2 || m == 4 || m == 8);
    assert(chunkSize >= 4 && chunkSize <= 4096);
    var GROUP_BITS = m == 1 ? 4 : (m == 2 ? 3 : (m == 4 ? 2 : 1));
    var SUB = N \ m;

    signal input leaves[N];
    signal input indexBits[16];
    signal input groupSiblings[16 - m];
    signal input siblings[LEVELS][15];
    signal input mustBeLastOfTree;
    signal output root;

    component subtree[m];
    for (var t = 0; t < m; t++) {
        subtree[t] = Arity16Root(k);
        for (var j = 0; j < SUB; j++) { subtree[t].leaves[j] <== leaves[t * SUB + j]; }
    }
    component group = Arity16GroupLevel(k, m);
    for (var t = 0; t < m; t++) { group.children[t] <== subtree[t].root; }
    for (var b = 0; b < GROUP_BITS; b++) { group.qBits[b] <== indexBits[b]; }
    group.siblings <== groupSiblings;
    group.mustBeLastOfTree <== mustBeLastOfTree;
    component level[LEVELS];
    for (var l = 0; l < LEVELS; l++) {
        level[l] = Arity16PathLevel(k + 1 + l);
        level[l].child <== l == 0 ? group.parent : level[l - 1].parent;
        for (var b = 0; b < 4; b++) {
            var bit = GROUP_BITS + 4 * l + b;
            if (bit < 16) {
                level[l].digitBits[b] <== indexBits[bit];
            } else {
                level[l].digitBits[b] <== 0;
            }
        }
        level[l].siblings <== siblings[l];
        level[l].mustBeLastOfTree <== mustBeLastOfTree;
    }
    root <== level[LEVELS - 1].parent;
}

// The tape's root: Poseidon(leafRoot, slotRoot) (docs/ENCODING.md, prover/commitment/tree.ts).
template TapeRoot() {
    signal input leafRoot;
    signal input slotRoot;
    signal output root;
    component h = Poseidon(2);
    h.inputs[0] <== leafRoot;
    h.inputs[1] <== slotRoot;
    root <== h.out;
}
