/**
 * A typed circuit tester, in the shape of circomkit's WitnessTester: one compiled circuit with its input
 * signal names and its output names as types, and each claim a circuit test makes as one method that fails
 * the test with the reason (circom's failed check, the r1cs check, the output that differs).
 *
 *   const t = await CircuitTester.compile({ file, template, params, publicInputs, inputs: [...], outputs: [...] });
 *   const w = await t.expectPass(t.input(builderOutput), { nullifier: 5n });
 *   await t.expectFail({ ...input, threshold: 1024n }, /BorrowerScore/);
 *   await t.expectForgedFails(w, ["main.hLoan"]);
 *
 * Inputs are typed by the declared names; `input()` checks a builder's untyped output against them at run
 * time (a builder and a circuit that drift apart fail here, naming the signals), so a witness builder's
 * output goes into a typed call without a cast. Compilation is cached (test/circuits/helpers.ts).
 *
 *   const signals = t.readSignals(w, ["root", "figA"]);          // { root: 1n, figA: 2n }
 *   await t.expectWitness(input, { figA });                        // the witness calculator only, no r1cs check
 *   await t.expectFail(withElement(input, "isEmpty", 2, 1n), /PoolChunk_\d+ line: 40\b/);
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import {
  check,
  compileCircuit,
  editWire,
  failure,
  freeWires,
  readWire,
  witness,
  type Compiled,
} from "../circuits/helpers.ts";

/** A value of an input signal: a field element (bigint, number or decimal string) or an array of them. */
export type SignalValue = bigint | number | string | readonly SignalValue[];

/** Values of the named signals. */
export type Signals<N extends string> = { readonly [K in N]: SignalValue };

/** A witness file of one circuit. */
export interface Witness {
  readonly path: string;
}

export interface CircuitSpec<IN extends string, OUT extends string> {
  /** The circom file, from the repository root. */
  file: string;
  template: string;
  params?: number[];
  publicInputs: readonly string[];
  /** Every input signal of the template (main's), in any order. */
  inputs: readonly IN[];
  /** Output signals the tests read by name. */
  outputs?: readonly OUT[];
}

export class CircuitTester<IN extends string, OUT extends string = never> {
  readonly compiled: Compiled;
  private readonly spec: CircuitSpec<IN, OUT>;
  /** Wire index by .sym name, read on first use. */
  private symbols: Map<string, number> | undefined;

  private constructor(compiled: Compiled, spec: CircuitSpec<IN, OUT>) {
    this.compiled = compiled;
    this.spec = spec;
  }

  /** Compiles `template(params)` from `file` (cached by its source closure, parameters and compiler). */
  static async compile<IN extends string, OUT extends string = never>(
    spec: CircuitSpec<IN, OUT>,
  ): Promise<CircuitTester<IN, OUT>> {
    const c = await compileCircuit(spec.file, spec.template, spec.params ?? [], [...spec.publicInputs]);
    return new CircuitTester(c, spec);
  }

  /** The circuit's number of constraints (its r1cs header). */
  get constraints(): number {
    return this.compiled.header.nConstraints;
  }

  /**
   * A builder's untyped input as this circuit's: throws, naming them, when a declared input is missing or
   * an undeclared one is present.
   */
  input(raw: Readonly<Record<string, unknown>>): Signals<IN> {
    const declared = new Set<string>(this.spec.inputs);
    const missing = this.spec.inputs.filter((n) => !(n in raw));
    const extra = Object.keys(raw).filter((n) => !declared.has(n));
    if (missing.length > 0 || extra.length > 0)
      throw new Error(
        `${this.spec.template}: the input does not match the circuit's signals` +
          (missing.length > 0 ? `; missing ${missing.join(", ")}` : "") +
          (extra.length > 0 ? `; not inputs of the circuit ${extra.join(", ")}` : ""),
      );
    return raw as Signals<IN>;
  }

  /** The witness of `input` (rejects with circom's message when a check fails). */
  async calculateWitness(input: Signals<IN>): Promise<Witness> {
    return { path: await witness(this.compiled, input as Record<string, unknown>) };
  }

  /**
   * Claims `input` is accepted: its witness exists and satisfies the r1cs, and each output given has that
   * value. Returns the witness.
   */
  async expectPass(input: Signals<IN>, outputs: Partial<Record<OUT, bigint>> = {}): Promise<Witness> {
    const w = await this.calculateWitness(input);
    await this.expectConstraintPass(w);
    this.expectOutputs(w, outputs);
    return w;
  }

  /**
   * Claims the witness calculator accepts `input` (it evaluates every check of an honest computation) and
   * each output given has that value, without the slower r1cs check: for the many inputs of a test whose
   * r1cs check `expectPass` or `expectConstraintPass` makes elsewhere. Returns the witness.
   */
  async expectWitness(input: Signals<IN>, outputs: Partial<Record<OUT, bigint>> = {}): Promise<Witness> {
    const w = await this.calculateWitness(input);
    this.expectOutputs(w, outputs);
    return w;
  }

  /**
   * Claims `input` has no witness, failing at a check that matches `at` (circom's report names the
   * template instance and the source line: test/circuits/helpers.ts `failsAt`). Returns the message.
   */
  async expectFail(input: Signals<IN>, at: RegExp): Promise<string> {
    const message = await failure(this.calculateWitness(input));
    expect(message, "the input was accepted").not.toBe("");
    expect(message).toMatch(at);
    return message;
  }

  /** Claims the witness satisfies every constraint (snarkjs wtns check). */
  async expectConstraintPass(w: Witness): Promise<void> {
    expect(await check(this.compiled, w.path), "the witness fails the r1cs check").toBe(true);
  }

  /** Claims the witness fails the r1cs check. */
  async expectConstraintFail(w: Witness): Promise<void> {
    expect(await check(this.compiled, w.path), "the witness passes the r1cs check").toBe(false);
  }

  /** The value of a signal of a witness, by its name under main (`"nullifier"`, `"level[2].parent"`). */
  read(w: Witness, signal: OUT | string): bigint {
    return readWire(w.path, this.wire(signal));
  }

  /** The values of the named signals of a witness, by name (`t.readSignals(w, ["root", "figA"])`). */
  readSignals<N extends string>(w: Witness, names: readonly N[]): Record<N, bigint> {
    return Object.fromEntries(names.map((n) => [n, this.read(w, n)])) as Record<N, bigint>;
  }

  /** Whether the compiled circuit has the named signal (--O2 removes some intermediate signals). */
  has(signal: string): boolean {
    return this.wireIndex(signal) >= 0;
  }

  /** A copy of the witness with the named signals set to other values (a forger's witness). */
  edit(w: Witness, values: Readonly<Record<string, bigint>>): Witness {
    let path = w.path;
    for (const [signal, value] of Object.entries(values)) path = editWire(path, this.wire(signal), value);
    return { path };
  }

  /** Claims that each named signal, changed alone by one, makes the witness fail the r1cs check. */
  async expectForgedFails(w: Witness, signals: readonly string[]): Promise<void> {
    for (const signal of signals) {
      const forged = this.edit(w, { [signal]: this.read(w, signal) + 1n });
      expect(await check(this.compiled, forged.path), `forged ${signal} passes the r1cs check`).toBe(false);
    }
  }

  /** Wires that appear in no constraint, by name (an under-constrained signal shows itself as one). */
  freeWires(): string[] {
    return freeWires(this.compiled);
  }

  private expectOutputs(w: Witness, outputs: Partial<Record<OUT, bigint>>): void {
    for (const [name, value] of Object.entries(outputs) as [OUT, bigint][])
      expect(this.read(w, name), `output ${name}`).toBe(value);
  }

  private wire(signal: string): number {
    const i = this.wireIndex(signal);
    if (i < 0) throw new Error(`${this.spec.template}: no signal ${this.qualified(signal)}`);
    return i;
  }

  /** The wire of a signal (as test/circuits/helpers.ts `wireOf`, with the .sym file read once), or -1. */
  private wireIndex(signal: string): number {
    if (this.symbols === undefined) {
      this.symbols = new Map();
      for (const line of readFileSync(join(this.compiled.dir, "main.sym"), "utf8").split("\n")) {
        const parts = line.split(",");
        if (parts[3] !== undefined && !this.symbols.has(parts[3]))
          this.symbols.set(parts[3], Number(parts[1]));
      }
    }
    return this.symbols.get(this.qualified(signal)) ?? -1;
  }

  private qualified(signal: string): string {
    return signal.startsWith("main.") ? signal : `main.${signal}`;
  }
}

/** A copy of `input` with element `index` of the array signal `name` set to `value`. */
export function withElement<IN extends string>(
  input: Signals<IN>,
  name: NoInfer<IN>,
  index: number,
  value: SignalValue,
): Signals<IN> {
  const array = input[name];
  if (!Array.isArray(array)) throw new Error(`${name} is not an array signal`);
  const copy: SignalValue[] = [...(array as readonly SignalValue[])];
  copy[index] = typeof value === "bigint" ? value.toString() : value;
  return { ...input, [name]: copy };
}
