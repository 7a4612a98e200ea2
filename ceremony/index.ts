// The trusted setup of rwa-attest: a fast development path (ptau and zkeys computed from a locally sampled,
// kept secret: insecure by definition, marked "dev" everywhere) and the production path (a published Hermez
// ptau checked by hash, then a phase-2 ceremony with contributions, a beacon, verification and a transcript).
// See docs/CEREMONY.md.

export {
  DEV_CONTRIBUTION_NAME,
  type DevSecret,
  type Progress,
  devPtauPath,
  ensureDevPtau,
  readDevSecret,
  secretPathFor,
  writeDevPtau,
} from "./devptau.ts";
export { type DevZkeyOptions, type DevZkeyResult, createDevZkey, fastZkeyNew } from "./devzkey.ts";
export {
  KNOWN_PTAU,
  blake2bFile,
  checkProductionPtau,
  isDevelopment,
  phase2Beacon,
  phase2Contribute,
  phase2Init,
  phase2Verify,
  ptauContributionNames,
  ptauPower,
  ptauVerify,
} from "./production.ts";
export { IN_MEMORY_LIMIT, type MemoryFile, snarkjsInput } from "./files.ts";
export {
  type Transcript,
  type TranscriptContribution,
  readTranscript,
  writeTranscript,
} from "./transcript.ts";
export { terminateCurve } from "./bn128.ts";
