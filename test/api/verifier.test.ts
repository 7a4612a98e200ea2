/**
 * The service's resident verifier against snarkjs's own `groth16.verify`: the same answer for the real
 * proof and for every tampered variant (each coordinate, swapped points, other signals, field overflow,
 * malformed shapes).
 *
 * One claim per test. Each test gets its fixtures from `it`'s context: once per file, the real proof and
 * three more, the verification key, a resident verifier of one process (the tests only verify through it
 * and compare its batch counters before and after), a point outside G2's subgroup and a checker loaded with
 * the right key and a wrong one; made for the test, the verifiers whose processes it kills.
 */
import { buildBn128 } from "ffjavascript";
import * as snarkjs from "snarkjs";
import { afterAll, describe, expect, test } from "vitest";
import { loadVerifiedArtifacts } from "../../pipeline/manifest.ts";
import { loadVerificationKey } from "../../prover/prove/index.ts";
import { Groth16Checker, type VkeyPoints } from "../../verifier-api/groth16-check.ts";
import { ResidentVerifier, UnknownInstanceError } from "../../verifier-api/verifier.ts";

const NAME = "example-multiplier";
const FIELD = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

const bump = (s: string): string => (BigInt(s) + 1n).toString();
const pidsOf = (v: ResidentVerifier): number[] =>
  (v as unknown as { checker: { pids(): number[] } }).checker.pids();

type FullProve = Awaited<ReturnType<typeof snarkjs.groth16.fullProve>>;

/**
 * Three calls to `v` where the second and third arrive while the first is checked (with two processes, they
 * go to the other one): the real proof, another signal, the real proof again.
 */
async function overlapping(
  v: ResidentVerifier,
  proof: snarkjs.Groth16Proof,
  signals: string[],
): Promise<boolean[]> {
  const first = v.verify(NAME, signals, proof); // starts a batch on one process
  await new Promise((r) => setImmediate(r));
  const rest = [v.verify(NAME, ["34"], proof), v.verify(NAME, signals, proof)];
  return Promise.all([first, ...rest]);
}

/** A proof of `a` × `b` = `c` for the example multiplier. */
async function prove(a: number, b: number): Promise<FullProve> {
  const { paths } = await loadVerifiedArtifacts(NAME, ["wasm", "zkey"]);
  return snarkjs.groth16.fullProve({ a, b, c: a * b }, paths.wasm, paths.zkey);
}

/** A point on the twist curve, whether it is on the curve, and whether r times it is not zero. */
async function twistPointOutsideSubgroup(): Promise<{ b: string[][]; onCurve: boolean; outside: boolean }> {
  const curve = await buildBn128(true);
  try {
    const F2 = curve.F2;
    for (let k = 1n; ; k++) {
      const x = F2.fromObject([k, 1n]);
      const rhs = F2.add(F2.mul(F2.square(x), x), curve.G2.b);
      if (!F2.isSquare(rhs)) continue;
      const p = curve.G2.fromObject([F2.toObject(x), F2.toObject(F2.sqrt(rhs)), [1n, 0n]]);
      return {
        b: (curve.G2.toObject(p) as bigint[][]).map((r) => r.map(String)),
        onCurve: curve.G2.isValid(p),
        outside: !curve.G2.isZero(curve.G2.timesScalar(p, FIELD)),
      };
    }
  } finally {
    await curve.terminate();
  }
}

/** A verifier made for the test and closed after it. */
const ownVerifier =
  (processes?: number) =>
  async ({}, use: (v: ResidentVerifier) => Promise<void>): Promise<void> => {
    const v = await ResidentVerifier.create([NAME], processes);
    await use(v);
    await v.close();
  };

const it = test.extend<{
  /** The real proof of 3 × 11 = 33 and its signals, once per file. */
  proof: snarkjs.Groth16Proof;
  signals: string[];
  real: FullProve;
  /** Proofs of 2 × 13, 5 × 13 and 7 × 13, once per file. */
  more: FullProve[];
  vkey: snarkjs.VerificationKey;
  /** The resident verifier of one process, once per file. */
  v: ResidentVerifier;
  /** A B on the twist curve outside the order-r subgroup (G2's cofactor is not 1), once per file. */
  twist: { b: string[][]; onCurve: boolean; outside: boolean };
  /** A checker with the right key loaded as "right" and one with another IC point as "wrong", once per file. */
  checker: { checker: Groth16Checker; points: VkeyPoints; wrong: VkeyPoints };
  /** Verifiers of the test's own, of one and of two processes. */
  own: ResidentVerifier;
  two: ResidentVerifier;
}>({
  real: [async ({}, use) => use(await prove(3, 11)), { scope: "file" }],
  proof: [async ({ real }, use) => use(real.proof), { scope: "file" }],
  signals: [async ({ real }, use) => use(real.publicSignals), { scope: "file" }],
  more: [async ({}, use) => use(await Promise.all([2, 5, 7].map((x) => prove(x, 13)))), { scope: "file" }],
  vkey: [async ({}, use) => use(await loadVerificationKey(NAME)), { scope: "file" }],
  v: [ownVerifier(), { scope: "file" }],
  twist: [async ({}, use) => use(await twistPointOutsideSubgroup()), { scope: "file" }],
  checker: [
    async ({ vkey }, use) => {
      const checker = await Groth16Checker.create();
      const points = vkey as unknown as VkeyPoints;
      const wrong: VkeyPoints = { ...points, IC: [points.IC[0]!, points.IC[0]!] };
      checker.load("right", points);
      checker.load("wrong", wrong);
      await use({ checker, points, wrong });
      await checker.close();
    },
    { scope: "file" },
  ],
  own: ownVerifier(1),
  two: ownVerifier(2),
});

afterAll(async () => {
  await (globalThis as { curve_bn128?: { terminate: () => Promise<void> } }).curve_bn128?.terminate();
});

/** Each coordinate of the proof bumped by one, and A and C swapped. */
const TAMPERINGS: [string, (p: snarkjs.Groth16Proof) => void][] = [
  ...[0, 1].flatMap((i): [string, (p: snarkjs.Groth16Proof) => void][] => [
    [`pi_a[${i}]`, (p) => void (p.pi_a[i] = bump(p.pi_a[i] as string))],
    [`pi_c[${i}]`, (p) => void (p.pi_c[i] = bump(p.pi_c[i] as string))],
    ...[0, 1].map((j): [string, (p: snarkjs.Groth16Proof) => void] => [
      `pi_b[${i}][${j}]`,
      (p) => void ((p.pi_b as string[][])[i]![j] = bump((p.pi_b as string[][])[i]![j]!)),
    ]),
  ]),
  ["A and C swapped", (p) => void ([p.pi_a, p.pi_c] = [p.pi_c, p.pi_a])],
];

describe("resident verifier", () => {
  it("accepts the real proof", async ({ v, proof, signals }) => {
    expect(await v.verify(NAME, signals, proof)).toBe(true);
  });

  it("snarkjs accepts the real proof", async ({ vkey, proof, signals }) => {
    expect(await snarkjs.groth16.verify(vkey, signals, proof)).toBe(true);
  });

  it("names the instances it has keys for", ({ v }) => {
    expect(v.instances).toEqual([NAME]);
  });

  it("serves an instance's key with its file's sha256", ({ v }) => {
    expect(v.key(NAME)?.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it.for(TAMPERINGS)(
    "refuses the proof with %s, like snarkjs",
    async ([, change], { v, vkey, proof, signals }) => {
      const p = structuredClone(proof);
      change(p);
      expect(await v.verify(NAME, signals, p)).toBe(false);
      expect(await snarkjs.groth16.verify(vkey, signals, p).catch(() => false)).toBe(false);
    },
  );

  it.for([
    ["another signal", ["34"]],
    ["the signal 0", ["0"]],
    // 33 + r is 33 in the field: a verifier that reduces instead of refusing would accept it
    ["33 + r", [(33n + FIELD).toString()]],
    ["r", [FIELD.toString()]],
    ["no signals", []],
    ["a signal too many", ["33", "1"]],
    ["a string for the list", "33"],
  ] as const)("refuses the proof with %s, without throwing", async ([, signals], { v, proof }) => {
    expect(await v.verify(NAME, signals as unknown as string[], proof)).toBe(false);
  });

  it("snarkjs refuses 33 + r too", async ({ vkey, proof }) => {
    expect(await snarkjs.groth16.verify(vkey, [(33n + FIELD).toString()], proof)).toBe(false);
  });

  it.for([
    [
      "points of no proof",
      () => ({
        pi_a: ["1", "2"],
        pi_b: [
          ["1", "2"],
          ["3", "4"],
        ],
        pi_c: ["1", "2"],
      }),
    ],
    ["null", () => null],
    ["a negative coordinate", (p: snarkjs.Groth16Proof) => ({ ...p, pi_a: ["-1", "2", "1"] })],
  ] as const)("refuses %s for a proof, without throwing", async ([, made], { v, proof, signals }) => {
    expect(await v.verify(NAME, signals, made(proof) as snarkjs.Groth16Proof)).toBe(false);
  });

  it("throws for an instance it has no key for", async ({ v, proof, signals }) => {
    await expect(v.verify("no-such-instance", signals, proof)).rejects.toBeInstanceOf(UnknownInstanceError);
  });
});

describe("batched verification", () => {
  it("checks concurrent calls as one batch", async ({ v, proof, signals, more }) => {
    const before = { ...v.batchStats };
    const good = await Promise.all([
      v.verify(NAME, signals, proof),
      ...more.map((m) => v.verify(NAME, m.publicSignals, m.proof)),
    ]);
    expect(good).toEqual([true, true, true, true]);
    expect(v.batchStats.batches).toBe(before.batches + 1);
    expect(v.batchStats.fallbacks).toBe(before.fallbacks);
  });

  it("a batch with a bad proof answers each call on its own", async ({ v, proof, signals, more }) => {
    const before = { ...v.batchStats };
    const tampered = structuredClone(more[1]!.proof);
    tampered.pi_c[0] = bump(tampered.pi_c[0] as string);
    const mixed = await Promise.all([
      v.verify(NAME, signals, proof),
      v.verify(NAME, more[0]!.publicSignals, more[0]!.proof),
      v.verify(NAME, more[1]!.publicSignals, tampered),
      v.verify(NAME, ["26"], more[2]!.proof), // a valid proof of another statement
      v.verify(NAME, more[2]!.publicSignals, more[2]!.proof),
    ]);
    // The tampered pi_c is off the curve (refused at parse); the other signal is refused by the batch.
    expect(mixed).toEqual([true, true, false, false, true]);
    expect(v.batchStats.fallbacks).toBe(before.fallbacks + 1);
  });

  it("two valid proofs with their public signals swapped fail as a batch and one by one", async ({
    v,
    more,
  }) => {
    const swapped = await Promise.all([
      v.verify(NAME, more[0]!.publicSignals, more[1]!.proof),
      v.verify(NAME, more[1]!.publicSignals, more[0]!.proof),
    ]);
    expect(swapped).toEqual([false, false]);
  });
});

describe("several checking processes", () => {
  it("a call that arrives while one process checks a batch goes to another; every answer is its own", async ({
    two,
    proof,
    signals,
  }) => {
    expect(two.processes).toBe(2);
    expect(await overlapping(two, proof, signals)).toEqual([true, false, true]);
    // the calls that arrived while the first was checked went to the other process, not after it
    expect(new Set(pidsOf(two)).size).toBe(2);
  });

  it("with one of two processes killed, calls are answered by the other and a new one", async ({
    two,
    proof,
    signals,
  }) => {
    await overlapping(two, proof, signals);
    const pids = pidsOf(two);
    expect(new Set(pids).size).toBe(2);
    process.kill(pids[0]!, "SIGKILL");
    await new Promise((r) => setTimeout(r, 200));
    expect(await Promise.all([two.verify(NAME, signals, proof), two.verify(NAME, ["34"], proof)])).toEqual([
      true,
      false,
    ]);
  });

  it("one process checks the same calls one batch after another, with the same answers", async ({
    own,
    proof,
    signals,
  }) => {
    expect(await overlapping(own, proof, signals)).toEqual([true, false, true]);
    expect(pidsOf(own)).toHaveLength(1);
  });

  it("refuses to be made with no process", async () => {
    await expect(ResidentVerifier.create([NAME], 0)).rejects.toThrow(/processes/);
  });
});

describe("points outside the subgroup, wrong keys, a lost checking process", () => {
  it("the twist point is on the curve but outside the subgroup", ({ twist }) => {
    expect(twist.onCurve).toBe(true);
    expect(twist.outside).toBe(true);
  });

  it("snarkjs refuses a B outside the subgroup", async ({ vkey, proof, signals, twist }) => {
    expect(await snarkjs.groth16.verify(vkey, signals, { ...proof, pi_b: twist.b }).catch(() => false)).toBe(
      false,
    );
  });

  it("refuses a B outside the subgroup before the pairing check, the batch of the others holding", async ({
    v,
    proof,
    signals,
    twist,
  }) => {
    const before = { ...v.batchStats };
    // In a batch with a valid proof: the bad B is refused when its points are read, so the batch of the
    // others holds and nothing is re-checked one by one (a pairing-level refusal would show as a fallback).
    const outside = { ...structuredClone(proof), pi_b: twist.b };
    expect(await Promise.all([v.verify(NAME, signals, outside), v.verify(NAME, signals, proof)])).toEqual([
      false,
      true,
    ]);
    expect(v.batchStats.fallbacks).toBe(before.fallbacks);
  });

  it("the checker refuses a valid proof against a wrong key (another IC point) and for a key not loaded", ({
    checker: { checker },
    proof,
    signals,
  }) => {
    const item = (instance: string) => ({
      instance,
      signals,
      a: proof.pi_a as string[],
      b: proof.pi_b as string[][],
      c: proof.pi_c as string[],
    });
    expect(checker.checkAll([item("right"), item("wrong"), item("not-loaded")]).results).toEqual([
      true,
      false,
      false,
    ]);
  });

  it("snarkjs refuses a valid proof against the wrong key", async ({
    checker: { wrong },
    vkey,
    proof,
    signals,
  }) => {
    const wrongVkey = { ...vkey, IC: wrong.IC } as unknown as snarkjs.VerificationKey;
    expect(await snarkjs.groth16.verify(wrongVkey, signals, proof)).toBe(false);
  });

  it("the checker refuses to load a key with a point off its curve", ({ checker: { checker, points } }) => {
    const offCurve: VkeyPoints = { ...points, vk_alpha_1: ["1", "3", "1"] };
    expect(() => checker.load("bad", offCurve)).toThrow(/a G1 point of its key is not on the curve/);
  });

  it("answers calls again after its checking process is killed", async ({ own, proof, signals }) => {
    const pids = pidsOf(own);
    expect(pids).toHaveLength(1);
    process.kill(pids[0]!, "SIGKILL");
    await new Promise((r) => setTimeout(r, 200));
    expect(await own.verify(NAME, signals, proof)).toBe(true);
    expect(await own.verify(NAME, ["34"], proof)).toBe(false);
  });
});
