/**
 * Portable seeded pseudo-random numbers: xoshiro128** (Blackman and Vigna, 2018) on 32-bit integer arithmetic
 * (`Math.imul`, shifts, xor), seeded through a splitmix32-style mixer. No BigInt, no floating point in the
 * generator: the same seed gives the same stream on every machine and JavaScript engine.
 *
 * Streams are addressed by `(seed, stream)`: the Monte Carlo gives each fixed block of scenarios its own
 * stream, so results do not depend on how blocks are spread over worker threads.
 */

/** One round of a 32-bit integer finaliser (lowbias32-style avalanche); input and output are uint32. */
export function mix32(x: number): number {
  let z = x >>> 0;
  z ^= z >>> 16;
  z = Math.imul(z, 0x21f0aaad);
  z ^= z >>> 15;
  z = Math.imul(z, 0x735a2d97);
  z ^= z >>> 15;
  return z >>> 0;
}

/**
 * Initial xoshiro128** state (4 × uint32) for stream `stream` of seed `seed` (seed: a non-negative safe integer,
 * its high and low 32 bits both count; stream: a uint32).
 */
export function seedState(seed: number, stream: number): Uint32Array {
  if (!Number.isSafeInteger(seed) || seed < 0)
    throw new TypeError("seed must be a non-negative safe integer");
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 4294967296) >>> 0;
  let s = mix32(lo ^ mix32(hi ^ 0x9e3779b9) ^ mix32((stream >>> 0) ^ 0x632be5ab));
  const state = new Uint32Array(4);
  for (let i = 0; i < 4; i++) {
    s = (s + 0x9e3779b9) >>> 0;
    state[i] = mix32(s ^ (i * 0x85ebca6b));
  }
  if ((state[0]! | state[1]! | state[2]! | state[3]!) === 0) state[0] = 1;
  return state;
}

/** xoshiro128** generator over a 4-word state (mutated in place). */
export class Xoshiro128 {
  readonly s: Uint32Array;

  /** @param state initial state, e.g. from {@link seedState}; must not be all zero. */
  constructor(state: Uint32Array) {
    if (state.length !== 4) throw new TypeError("state must hold 4 words");
    this.s = state;
  }

  /** Next uint32. */
  nextU32(): number {
    const s = this.s;
    const s0 = s[0]!;
    const s1 = s[1]!;
    const m = Math.imul(s1, 5);
    const result = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
    const t = s1 << 9;
    let s2 = s[2]! ^ s0;
    let s3 = s[3]! ^ s1;
    s[1] = s1 ^ s2;
    s[0] = s0 ^ s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >>> 21);
    s[2] = s2;
    s[3] = s3;
    return result;
  }

  /** Uniform double in the open interval (0, 1) with 53 random bits (two draws). */
  nextUniform(): number {
    const a = this.nextU32() >>> 5;
    const b = this.nextU32() >>> 6;
    return (a * 67108864 + b + 0.5) / 9007199254740992;
  }
}
