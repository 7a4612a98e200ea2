// Minimal type declarations for the untyped cryptography packages the project uses.
// Only what the project calls is declared; extend here (one place) rather than casting at call sites.

declare module "snarkjs" {
  export type PublicSignals = string[];
  export interface Groth16Proof {
    pi_a: string[];
    pi_b: string[][];
    pi_c: string[];
    protocol: string;
    curve: string;
  }
  export interface VerificationKey {
    protocol: string;
    curve: string;
    nPublic: number;
    [key: string]: unknown;
  }
  /** An in-memory file (fastfile's `{ type: "mem" }`): snarkjs writes `data` into it or reads `data` from it. */
  export interface MemFile {
    type: "mem";
    data?: Uint8Array;
  }
  export interface Logger {
    debug: (msg: string) => void;
    info: (msg: string) => void;
    warn: (msg: string) => void;
    error: (msg: string) => void;
  }
  export const groth16: {
    fullProve(
      input: Record<string, unknown>,
      wasm: string | Uint8Array,
      zkey: string | Uint8Array,
      logger?: Logger,
    ): Promise<{ proof: Groth16Proof; publicSignals: PublicSignals }>;
    prove(
      zkey: string | Uint8Array | MemFile,
      witness: string | Uint8Array | MemFile,
      logger?: Logger,
    ): Promise<{ proof: Groth16Proof; publicSignals: PublicSignals }>;
    verify(vk: unknown, publicSignals: PublicSignals, proof: unknown, logger?: Logger): Promise<boolean>;
    exportSolidityCallData(proof: unknown, publicSignals: PublicSignals): Promise<string>;
  };
  export const plonk: {
    setup(r1cs: string, ptau: string, zkey: string | object, logger?: Logger): Promise<unknown>;
    fullProve(
      input: Record<string, unknown>,
      wasm: string | Uint8Array,
      zkey: string | Uint8Array,
      logger?: Logger,
    ): Promise<{ proof: unknown; publicSignals: PublicSignals }>;
    prove(
      zkey: string | Uint8Array | MemFile,
      witness: string | Uint8Array | MemFile,
      logger?: Logger,
    ): Promise<{ proof: Record<string, unknown> & { protocol: "plonk" }; publicSignals: PublicSignals }>;
    verify(vk: unknown, publicSignals: PublicSignals, proof: unknown, logger?: Logger): Promise<boolean>;
    exportSolidityCallData(proof: unknown, publicSignals: PublicSignals): Promise<string>;
  };
  export const wtns: {
    calculate(input: Record<string, unknown>, wasm: string, wtns: string | MemFile): Promise<void>;
    check(r1cs: string, wtns: string | MemFile, logger?: Logger): Promise<boolean>;
    exportJson(wtns: string | MemFile): Promise<bigint[]>;
  };
  export const r1cs: {
    info(r1cs: string, logger?: Logger): Promise<{ nConstraints: number; nVars: number; nOutputs: number; nPubInputs: number; nPrvInputs: number; nLabels: number; curve: unknown }>;
  };
  export const powersOfTau: {
    newAccumulator(curve: unknown, power: number, fileName: string, logger?: Logger): Promise<unknown>;
    contribute(oldPtau: string, newPtau: string, name: string, entropy: string, logger?: Logger): Promise<unknown>;
    beacon(oldPtau: string, newPtau: string, name: string, beaconHash: string, numIterationsExp: number, logger?: Logger): Promise<unknown>;
    preparePhase2(oldPtau: string, newPtau: string, logger?: Logger): Promise<unknown>;
    verify(ptau: string | MemFile, logger?: Logger): Promise<boolean>;
    [key: string]: unknown;
  };
  export const zKey: {
    newZKey(r1cs: string | MemFile, ptau: string | MemFile, zkey: string | object, logger?: Logger): Promise<unknown>;
    contribute(oldZkey: string | MemFile, newZkey: string, name: string, entropy: string, logger?: Logger): Promise<Uint8Array>;
    beacon(oldZkey: string | MemFile, newZkey: string, name: string, beaconHash: string, numIterationsExp: number, logger?: Logger): Promise<Uint8Array>;
    verifyFromR1cs(r1cs: string | MemFile, ptau: string | MemFile, zkey: string | MemFile, logger?: Logger): Promise<boolean>;
    verifyFromInit(initZkey: string, ptau: string, zkey: string, logger?: Logger): Promise<boolean>;
    exportVerificationKey(zkey: string | Uint8Array, logger?: Logger): Promise<VerificationKey>;
    exportSolidityVerifier(zkey: string, templates: Record<string, string>, logger?: Logger): Promise<string>;
    exportJson(zkey: string, logger?: Logger): Promise<unknown>;
    [key: string]: unknown;
  };
}

declare module "circomlibjs" {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type Any = any;
  export function buildPoseidon(): Promise<Any>;
  export function buildPoseidonOpt(): Promise<Any>;
  export function buildEddsa(): Promise<Any>;
  export function buildBabyjub(): Promise<Any>;
  export const poseidonContract: Any;
}

declare module "ffjavascript" {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type Any = any;
  export function buildBn128(singleThread?: boolean, plugins?: unknown): Promise<Any>;
  export function getCurveFromName(name: string, singleThread?: boolean): Promise<Any>;
  export const Scalar: Any;
  export const utils: Any;
  export const BigBuffer: Any;
  export const F1Field: Any;
  export const ChaCha: Any;
}

// Declarations for the untyped snarkjs file-format helpers the ceremony reads and writes with (the same
// packages snarkjs itself uses). Kept minimal; candidates to move into types/vendor.d.ts.

declare module "@iden3/binfileutils" {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type Any = any;
  export function readBinFile(
    fileName: string | { type: "mem"; data: Uint8Array },
    type: string,
    maxVersion: number,
    cacheSize?: number,
    pageSize?: number,
  ): Promise<{ fd: Any; sections: Any }>;
  export function createBinFile(
    fileName: string,
    type: string,
    version: number,
    nSections: number,
    cacheSize?: number,
    pageSize?: number,
  ): Promise<Any>;
  export function startWriteSection(fd: unknown, idSection: number): Promise<void>;
  export function endWriteSection(fd: unknown): Promise<void>;
  export function startReadUniqueSection(fd: unknown, sections: unknown, idSection: number): Promise<void>;
  export function endReadSection(fd: unknown, noCheck?: boolean): Promise<void>;
  export function readSection(
    fd: unknown,
    sections: unknown,
    idSection: number,
    offset?: number,
    length?: number,
  ): Promise<Uint8Array>;
  export function sectionIsEqual(
    fd1: unknown,
    sections1: unknown,
    fd2: unknown,
    sections2: unknown,
    idSection: number,
  ): Promise<boolean>;
}

declare module "r1csfile" {
  export function readR1csHeader(
    fd: unknown,
    sections: unknown,
    singleThread?: boolean,
  ): Promise<{ prime: bigint; nVars: number; nOutputs: number; nPubInputs: number; nConstraints: number }>;
}

declare module "wasmbuilder" {
  export class ModuleBuilder {
    modules: unknown;
    setMemory(pages: number): void;
    build(): Uint8Array;
  }
}

declare module "wasmcurves" {
  export function buildBn128(moduleBuilder: unknown): void;
}
