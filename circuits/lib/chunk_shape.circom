pragma circom 2.1.9;

// The shape of a chunk of chunkSize = m * 16^k loans in the height-6 arity-16 tape tree (docs/CIRCUITS.md):
// m complete subtrees of height k under one parent. CHUNK_GROUP is m (1, 2, 4 or 8), CHUNK_LEVELS the
// number of path levels above that parent (the sizes of a chunk circuit's groupSiblings[16 - m] and
// siblings[CHUNK_LEVELS][15]).
function CHUNK_HEIGHT(chunkSize) {
    var k = 0;
    var m = chunkSize;
    while (m >= 16) { m = m \ 16; k++; }
    return k;
}

function CHUNK_GROUP(chunkSize) {
    var m = chunkSize;
    while (m >= 16) { m = m \ 16; }
    return m;
}

function CHUNK_LEVELS(chunkSize) {
    return 6 - CHUNK_HEIGHT(chunkSize) - 1;
}

// The same chunk in the tape's slot tree (height 7, two leaves a slot: docs/ENCODING.md): 2 · chunkSize
// leaves, SLOT_GROUP subtrees of height SLOT_HEIGHT (2m of height k, or one of height k + 1 when m = 8) and
// SLOT_LEVELS path levels above their parent.
function SLOT_HEIGHT(chunkSize) {
    return CHUNK_GROUP(chunkSize) == 8 ? CHUNK_HEIGHT(chunkSize) + 1 : CHUNK_HEIGHT(chunkSize);
}

function SLOT_GROUP(chunkSize) {
    return CHUNK_GROUP(chunkSize) == 8 ? 1 : 2 * CHUNK_GROUP(chunkSize);
}

function SLOT_LEVELS(chunkSize) {
    return 7 - SLOT_HEIGHT(chunkSize) - 1;
}
