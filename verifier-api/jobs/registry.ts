/**
 * The typed job registry: a job kind is one declaration (`defineJob`: its name, the TypeBox schema of its
 * input, its handler). The runner checks an input against its kind's schema when the job is created (at
 * the edge, `JobRunner.submit`) and again when it runs (a stored input written by another version of the
 * service), so a handler receives its input typed and never casts it.
 */
import type { Static, TSchema } from "@sinclair/typebox";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import type { JobRecord } from "../storage/types.ts";
import { PermanentJobError, type JobContext } from "./runner.ts";
import { CodedError } from "../web/errors.js";

/** A job kind: its name, its input's schema, and the handler that receives the checked input. */
export interface JobKind<S extends TSchema> {
  readonly kind: string;
  readonly input: S;
  readonly handle: (input: Static<S>, job: JobRecord, ctx: JobContext) => Promise<unknown>;
}

/** Declares a job kind (the one place its name, input schema and handler are written). */
export function defineJob<S extends TSchema>(
  kind: string,
  input: S,
  handle: (input: Static<S>, job: JobRecord, ctx: JobContext) => Promise<unknown>,
): JobKind<S> {
  return { kind, input, handle };
}

/** A job of a kind this service does not run. */
export class UnknownJobKindError extends CodedError {
  constructor(message: string) {
    super("not-found", message);
    this.name = "UnknownJobKindError";
  }
}

/**
 * A job input that does not match its kind's schema; `problems` names each field. Permanent: a job whose
 * stored input does not match fails without retries.
 */
export class JobInputError extends PermanentJobError {
  override name = "JobInputError";
  readonly problems: { field: string; reason: string }[];
  constructor(kind: string, problems: { field: string; reason: string }[]) {
    super(
      "invalid-input",
      `input of a ${kind} job: ${problems
        .slice(0, 3)
        .map((p) => `${p.field}: ${p.reason}`)
        .join("; ")}`,
    );
    this.problems = problems;
  }
}

interface Entry {
  /** Throws JobInputError unless `input` matches the kind's schema. */
  check(input: unknown): void;
  /** Checks the input, then runs the handler with it. */
  run(input: unknown, job: JobRecord, ctx: JobContext): Promise<unknown>;
}

export class JobRegistry {
  private readonly entries = new Map<string, Entry>();

  /** Adds a kind; a kind is declared once. */
  add<S extends TSchema>(def: JobKind<S>): this {
    if (this.entries.has(def.kind)) throw new Error(`job kind "${def.kind}" is declared twice`);
    const compiled = TypeCompiler.Compile(def.input);
    const checked = (input: unknown): Static<S> => {
      if (compiled.Check(input)) return input;
      const problems = [...compiled.Errors(input)].map((e) => ({
        field: `input${e.path}`,
        reason: e.message,
      }));
      throw new JobInputError(def.kind, problems);
    };
    this.entries.set(def.kind, {
      check: (input) => void checked(input),
      run: (input, job, ctx) => def.handle(checked(input), job, ctx),
    });
    return this;
  }

  /** The kinds declared. */
  get kinds(): string[] {
    return [...this.entries.keys()];
  }

  has(kind: string): boolean {
    return this.entries.has(kind);
  }

  /** Refuses an unknown kind (UnknownJobKindError) or an input that does not match (JobInputError). */
  check(kind: string, input: unknown): void {
    this.entry(kind).check(input);
  }

  /** Runs a job through its kind's handler, its input checked again first. */
  run(job: JobRecord, ctx: JobContext): Promise<unknown> {
    return this.entry(job.kind).run(job.input, job, ctx);
  }

  private entry(kind: string): Entry {
    const e = this.entries.get(kind);
    if (!e) throw new UnknownJobKindError(`no job kind "${kind}" in this service`);
    return e;
  }
}
