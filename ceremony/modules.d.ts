// Declarations for the untyped snarkjs file-format helpers the ceremony reads and writes with (the same
// packages snarkjs itself uses). Kept minimal; candidates to move into types/vendor.d.ts.

declare module "@iden3/binfileutils" {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type Any = any;
  export function readBinFile(
    fileName: string,
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
