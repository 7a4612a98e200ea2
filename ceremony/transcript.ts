// The phase-2 transcript of a zkey: its circuit hash and every contribution (name, kind, contribution hash,
// beacon parameters), read from the zkey's MPC section (10) and written as JSON next to the key.

import { writeFileSync } from "node:fs";
import * as binFileUtils from "@iden3/binfileutils";
import { getCurve } from "./bn128.ts";
import { DEV_CONTRIBUTION_NAME } from "./devptau.ts";
import { snarkjsInput } from "./files.ts";
import { newHasher, toHex } from "./hashing.ts";

export interface TranscriptContribution {
  index: number;
  name: string;
  kind: "contribution" | "beacon";
  /** blake2b-512 of the contribution's public key and transcript, as `snarkjs zkey verify` prints it. */
  contributionHash: string;
  beaconHash?: string;
  numIterationsExp?: number;
}

export interface Transcript {
  zkey: string;
  circuitHash: string;
  contributions: TranscriptContribution[];
  /** True when a contribution is the development one (the key is then insecure by definition). */
  development: boolean;
}

interface Fd {
  pos: number;
  read(n: number, pos?: number): Promise<Uint8Array>;
  readULE32(): Promise<number>;
  close(): Promise<void>;
}

/** Reads the transcript of a Groth16 zkey. */
export async function readTranscript(zkeyPath: string): Promise<Transcript> {
  const curve = await getCurve();
  const { fd, sections } = (await binFileUtils.readBinFile(snarkjsInput(zkeyPath), "zkey", 2)) as {
    fd: Fd;
    sections: unknown;
  };
  try {
    await binFileUtils.startReadUniqueSection(fd, sections, 10);
    const csHash = await fd.read(64);
    const n = await fd.readULE32();
    const contributions: TranscriptContribution[] = [];
    for (let i = 0; i < n; i++) {
      const deltaAfter = await fd.read(64);
      const g1s = await fd.read(64);
      const g1sx = await fd.read(64);
      const g2spx = await fd.read(128);
      const transcript = await fd.read(64);
      const type = await fd.readULE32();
      const paramLength = await fd.readULE32();
      const params = await fd.read(paramLength);
      let name = "";
      let beaconHash: string | undefined;
      let numIterationsExp: number | undefined;
      for (let p = 0; p < params.length;) {
        const t = params[p++];
        if (t === 1) {
          const len = params[p++] as number;
          name = new TextDecoder().decode(params.subarray(p, p + len));
          p += len;
        } else if (t === 2) {
          numIterationsExp = params[p++];
        } else if (t === 3) {
          const len = params[p++] as number;
          beaconHash = toHex(params.subarray(p, p + len));
          p += len;
        } else {
          throw new Error(`${zkeyPath}: unknown contribution parameter ${t}`);
        }
      }
      const h = newHasher();
      h.update(await curve.G1.batchLEMtoU(deltaAfter));
      h.update(await curve.G1.batchLEMtoU(g1s));
      h.update(await curve.G1.batchLEMtoU(g1sx));
      h.update(await curve.G2.batchLEMtoU(g2spx));
      h.update(transcript);
      contributions.push({
        index: i + 1,
        name,
        kind: type === 1 ? "beacon" : "contribution",
        contributionHash: toHex(h.digest()),
        ...(beaconHash !== undefined ? { beaconHash, numIterationsExp } : {}),
      });
    }
    await binFileUtils.endReadSection(fd);
    return {
      zkey: zkeyPath,
      circuitHash: toHex(csHash),
      contributions,
      development: contributions.some((c) => c.name.startsWith(DEV_CONTRIBUTION_NAME)),
    };
  } finally {
    await fd.close();
  }
}

/** Writes the contribution hashes of a zkey as JSON at `path` (next to the key). Returns the transcript. */
export async function writeTranscript(zkeyPath: string, path: string): Promise<Transcript> {
  const t = await readTranscript(zkeyPath);
  writeFileSync(path, JSON.stringify(t, null, 2) + "\n");
  return t;
}
