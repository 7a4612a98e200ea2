/**
 * Fast resident Groth16 verification for the service, off its event loop.
 *
 * `snarkjs.groth16.verify` re-parses the verification key and dispatches a multi-exponentiation to worker
 * threads on every call (about 20-30 ms). Here each catalogue instance's hash-checked verification key is
 * read once, and prepared once in the checking process (`workers/verify.ts`, running the check of
 * `groth16-check.ts`). A call is checked here for shape (signal count, signals in the scalar field,
 * coordinates in the base field) and queued; each checking process (one per core by default) works on one
 * batch at a time, and the calls that arrive while every one of them works make up the next batch (up to
 * MAX_QUEUED), so a batch grows with the load, a call waits for at most one batch before its own, and the
 * event loop only reads requests and writes answers.
 */
import { readFileSync } from "node:fs";
import type { VerificationKey } from "snarkjs";
import { loadVerifiedArtifacts, readManifest } from "../pipeline/index.ts";
import type { AttestationVerifier } from "../prover/index.ts";
import { isGroth16ProofShape, verificationKeyHash } from "../prover/index.ts";
import {
  SCALAR_FIELD,
  type BatchStats,
  type CheckItem,
  type Coordinate,
  type VkeyPoints,
} from "./groth16-check.ts";
import { CodedError, fromWire, invalid, type WireError } from "./web/errors.js";
import { WorkerPool } from "./worker-pool.ts";

export { SCALAR_FIELD };

interface Loaded {
  vkey: VerificationKey;
  vkeySha256: string;
  /** `verificationKeyHash` of the key (the hash of its points, as attestations name it). */
  hash: string;
  /** The build manifest marks it a development key. */
  development: boolean;
  nPublic: number;
  /** The key's points, sent to the checking process with every batch that needs them. */
  points: VkeyPoints;
}

interface Pending {
  item: CheckItem;
  resolve: (valid: boolean) => void;
  reject: (err: Error) => void;
}

/** Most calls sent to the checking process in one message (it checks them in batches of MAX_BATCH). */
const MAX_QUEUED = 64;

/** A batch for `workers/verify.ts`: the keys it needs (by instance, with their hash) and the proofs. */
export interface VerifyRequest {
  id: number;
  keys: Record<string, { hash: string; points: VkeyPoints }>;
  items: CheckItem[];
}

export type VerifyReply =
  | { id: number; ok: true; results: boolean[]; stats: BatchStats }
  | { id: number; ok: false; error: WireError };

/** Thrown when asked to verify against an instance that is not loaded. */
export class UnknownInstanceError extends CodedError {
  constructor(message: string) {
    super("not-found", message);
    this.name = "UnknownInstanceError";
  }
}

export class ResidentVerifier {
  private readonly checker: WorkerPool<
    Omit<VerifyRequest, "id">,
    VerifyReply,
    { results: boolean[]; stats: BatchStats }
  >;
  private readonly keys = new Map<string, Loaded>();
  /** Checking processes, each checking one batch at a time. */
  readonly processes: number;

  private constructor(processes: number) {
    if (!Number.isInteger(processes) || processes < 1)
      throw invalid("processes", "a positive integer is required", processes);
    this.processes = processes;
    this.checker = new WorkerPool({
      script: new URL("./workers/verify.ts", import.meta.url),
      label: "verification worker",
      size: processes,
      settle: (m) => (m.ok ? { results: m.results, stats: m.stats } : fromWire(m.error)),
    });
  }

  /**
   * Prepares the verification keys of `instances` (every instance of the build manifest that has a vkey when
   * empty) for `processes` checking processes (each builds the curve when first used, the ~0.4 s start-up
   * cost). A key whose file hash differs from the manifest is refused (ArtifactIntegrityError).
   */
  static async create(instances: readonly string[] = [], processes = 1): Promise<ResidentVerifier> {
    const v = new ResidentVerifier(processes);
    const names =
      instances.length > 0
        ? instances
        : Object.entries(readManifest().instances)
            .filter(([, r]) => r.protocol === "groth16" && r.artifacts.vkey)
            .map(([n]) => n);
    try {
      for (const name of names) await v.load(name);
    } catch (err) {
      await v.close();
      throw err;
    }
    return v;
  }

  /** (Re)loads one instance's verification key through the hash-checked manifest. */
  async load(instance: string): Promise<void> {
    const { paths, record } = await loadVerifiedArtifacts(instance, ["vkey"]);
    const vkey = JSON.parse(readFileSync(paths.vkey, "utf8")) as VerificationKey;
    if (vkey.protocol !== "groth16") throw invalid(instance, "only Groth16 keys are supported");
    const k = vkey as unknown as VkeyPoints;
    const loaded: Loaded = {
      vkey,
      vkeySha256: record.artifacts.vkey!.sha256,
      hash: verificationKeyHash(vkey),
      development: record.development,
      nPublic: vkey.nPublic,
      points: {
        nPublic: k.nPublic,
        vk_alpha_1: k.vk_alpha_1,
        vk_beta_2: k.vk_beta_2,
        vk_gamma_2: k.vk_gamma_2,
        vk_delta_2: k.vk_delta_2,
        IC: k.IC,
      },
    };
    // Prepared in the checking process now: a bad key fails here, and the first call pays nothing for it.
    await this.checker.run({ keys: { [instance]: { hash: loaded.hash, points: loaded.points } }, items: [] });
    this.keys.set(instance, loaded);
  }

  /** Names of the loaded instances. */
  get instances(): string[] {
    return [...this.keys.keys()];
  }

  /**
   * The loaded verification key of an instance: the key, its file's sha256, the hash of its points
   * (`verificationKeyHash`) and whether the build marks it a development key.
   */
  key(
    instance: string,
  ): { vkey: VerificationKey; sha256: string; hash: string; development: boolean } | undefined {
    const k = this.keys.get(instance);
    return k && { vkey: k.vkey, sha256: k.vkeySha256, hash: k.hash, development: k.development };
  }

  /** This verifier as the one `verifyAttestation` checks an attestation's proofs with. */
  asAttestationVerifier(): AttestationVerifier {
    return {
      key: async (instance) => {
        const k = this.key(instance);
        if (!k) throw new UnknownInstanceError(`no verification key loaded for "${instance}"`);
        return { hash: k.hash, development: k.development, vkey: k.vkey };
      },
      verify: (instance, publicSignals, proof) => this.verify(instance, publicSignals, proof),
    };
  }

  /**
   * True when `proof` is a valid Groth16 proof of `publicSignals` for the instance. Malformed proofs and
   * signals (wrong count, outside the field, points off the curve, B outside the G2 subgroup) return false;
   * an unknown instance throws UnknownInstanceError. Calls are checked in the checking process in
   * randomised batches (`Groth16Checker.checkAll`); every call gets its own answer. Rejects when the
   * checking process dies during the call (the next call starts a new one).
   */
  async verify(instance: string, publicSignals: unknown, proof: unknown): Promise<boolean> {
    const k = this.keys.get(instance);
    if (!k) throw new UnknownInstanceError(`no verification key loaded for "${instance}"`);
    const item = shapeChecked(instance, k.nPublic, publicSignals, proof);
    if (!item) return false;
    return new Promise<boolean>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.pump();
    });
  }

  /** Number of batches of two or more proofs checked so far, and proofs in them (for tests and metrics). */
  readonly batchStats: BatchStats = { batches: 0, proofs: 0, fallbacks: 0 };

  private queue: Pending[] = [];
  /** Batches being checked now (at most one per checking process). */
  private inFlight = 0;

  /** Sends the queued calls to a free checking process (when all are checking a batch, they wait). */
  private pump(): void {
    if (this.inFlight >= this.processes || this.queue.length === 0) return;
    this.inFlight++;
    // Let every request already read in this turn of the event loop join the batch.
    setImmediate(() => {
      const batch = this.queue.splice(0, MAX_QUEUED);
      if (batch.length === 0) {
        this.inFlight--; // another pump of this turn took them
        return;
      }
      const keys: VerifyRequest["keys"] = {};
      for (const { item } of batch) {
        const k = this.keys.get(item.instance)!;
        keys[item.instance] ??= { hash: k.hash, points: k.points };
      }
      this.checker
        .run({ keys, items: batch.map((p) => p.item) })
        .then(
          ({ results, stats }) => {
            this.batchStats.batches += stats.batches;
            this.batchStats.proofs += stats.proofs;
            this.batchStats.fallbacks += stats.fallbacks;
            batch.forEach((p, i) => p.resolve(results[i] === true));
          },
          (err: Error) => {
            for (const p of batch) p.reject(err);
          },
        )
        .finally(() => {
          this.inFlight--;
          this.pump();
        });
    });
  }

  /** Ends the checking processes. */
  async close(): Promise<void> {
    await this.checker.close();
  }
}

/**
 * The checks made before a call is queued: the signal count and every signal a decimal field element below
 * r, the proof in snarkjs's shape with coordinates below the base field modulus. Null when any fails.
 */
function shapeChecked(
  instance: string,
  nPublic: number,
  publicSignals: unknown,
  proof: unknown,
): CheckItem | null {
  if (!Array.isArray(publicSignals) || publicSignals.length !== nPublic) return null;
  const inField = (s: unknown, modulus: bigint): boolean =>
    typeof s === "string" && /^[0-9]{1,78}$/.test(s) && BigInt(s) < modulus;
  if (!publicSignals.every((s) => inField(s, SCALAR_FIELD))) return null;
  if (!isGroth16ProofShape(proof)) return null;
  const p = proof as unknown as { pi_a: string[]; pi_b: string[][]; pi_c: string[] };
  // Coordinates after the first two (the projective z, as snarkjs writes them) are read as snarkjs reads
  // them (BigInt of the value); anything that is not a primitive is sent as a value that does not parse.
  const z = (x: unknown): Coordinate =>
    ["string", "number", "bigint", "boolean"].includes(typeof x) ? (x as Coordinate) : "not a number";
  return {
    instance,
    signals: publicSignals as string[],
    a: p.pi_a.slice(0, 3).map(z),
    b: p.pi_b.slice(0, 3).map((r) => (Array.isArray(r) ? r.slice(0, 2).map(z) : ["not a number"])),
    c: p.pi_c.slice(0, 3).map(z),
  };
}
