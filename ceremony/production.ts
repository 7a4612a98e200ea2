// The production trusted setup: a public Perpetual Powers of Tau file the user brings (identified by its
// published blake2b hash), then a per-circuit phase-2 ceremony (init, contributions, random beacon, verify) with
// the transcript written next to the key. Thin wrappers over snarkjs, with the checks snarkjs leaves to the user.

import { createHash, randomBytes } from "node:crypto";
import { createReadStream, existsSync, rmSync } from "node:fs";
import { basename } from "node:path";
import * as binFileUtils from "@iden3/binfileutils";
import * as snarkjs from "snarkjs";
import { DEV_CONTRIBUTION_NAME, readDevSecret } from "./devptau.ts";
import { fastZkeyNew } from "./devzkey.ts";
import { snarkjsInput } from "./files.ts";
import { toHex } from "./hashing.ts";
import { readTranscript } from "./transcript.ts";
import { invalid } from "../verifier-api/web/errors.js";

/**
 * The prepared (phase-2 ready) Hermez powers of tau, 54 contributions and a beacon, as published in the
 * snarkjs README (node_modules/snarkjs/README.md, table "Prepared (phase2) Ptau files for bn128"), files at
 * https://storage.googleapis.com/zkevm/ptau/<name>. The hash is blake2b-512 of the whole file (`b2sum`).
 */
export const KNOWN_PTAU: Record<string, { power: number; blake2b: string }> = {
  "powersOfTau28_hez_final_08.ptau": {
    power: 8,
    blake2b:
      "d6a8fb3a04feb600096c3b791f936a578c4e664d262e4aa24beed1b7a9a96aa5eb72864d628db247e9293384b74b36ffb52ca8d148d6e1b8b51e279fdf57b583",
  },
  "powersOfTau28_hez_final_09.ptau": {
    power: 9,
    blake2b:
      "94f108a80e81b5d932d8e8c9e8fd7f46cf32457e31462deeeef37af1b71c2c1b3c71fb0d9b59c654ec266b042735f50311f9fd1d4cadce47ab234ad163157cb5",
  },
  "powersOfTau28_hez_final_10.ptau": {
    power: 10,
    blake2b:
      "6cfeb8cda92453099d20120bdd0e8a5c4e7706c2da9a8f09ccc157ed2464d921fd0437fb70db42104769efd7d6f3c1f964bcf448c455eab6f6c7d863e88a5849",
  },
  "powersOfTau28_hez_final_11.ptau": {
    power: 11,
    blake2b:
      "47c282116b892e5ac92ca238578006e31a47e7c7e70f0baa8b687f0a5203e28ea07bbbec765a98dcd654bad618475d4661bfaec3bd9ad2ed12e7abc251d94d33",
  },
  "powersOfTau28_hez_final_12.ptau": {
    power: 12,
    blake2b:
      "ded2694169b7b08e898f736d5de95af87c3f1a64594013351b1a796dbee393bd825f88f9468c84505ddd11eb0b1465ac9b43b9064aa8ec97f2b73e04758b8a4a",
  },
  "powersOfTau28_hez_final_13.ptau": {
    power: 13,
    blake2b:
      "58efc8bf2834d04768a3d7ffcd8e1e23d461561729beaac4e3e7a47829a1c9066d5320241e124a1a8e8aa6c75be0ba66f65bc8239a0542ed38e11276f6fdb4d9",
  },
  "powersOfTau28_hez_final_14.ptau": {
    power: 14,
    blake2b:
      "eeefbcf7c3803b523c94112023c7ff89558f9b8e0cf5d6cdcba3ade60f168af4a181c9c21774b94fbae6c90411995f7d854d02ebd93fb66043dbb06f17a831c1",
  },
  "powersOfTau28_hez_final_15.ptau": {
    power: 15,
    blake2b:
      "982372c867d229c236091f767e703253249a9b432c1710b4f326306bfa2428a17b06240359606cfe4d580b10a5a1f63fbed499527069c18ae17060472969ae6e",
  },
  "powersOfTau28_hez_final_16.ptau": {
    power: 16,
    blake2b:
      "6a6277a2f74e1073601b4f9fed6e1e55226917efb0f0db8a07d98ab01df1ccf43eb0e8c3159432acd4960e2f29fe84a4198501fa54c8dad9e43297453efec125",
  },
  "powersOfTau28_hez_final_17.ptau": {
    power: 17,
    blake2b:
      "6247a3433948b35fbfae414fa5a9355bfb45f56efa7ab4929e669264a0258976741dfbe3288bfb49828e5df02c2e633df38d2245e30162ae7e3bcca5b8b49345",
  },
  "powersOfTau28_hez_final_18.ptau": {
    power: 18,
    blake2b:
      "7e6a9c2e5f05179ddfc923f38f917c9e6831d16922a902b0b4758b8e79c2ab8a81bb5f29952e16ee6c5067ed044d7857b5de120a90704c1d3b637fd94b95b13e",
  },
  "powersOfTau28_hez_final_19.ptau": {
    power: 19,
    blake2b:
      "bca9d8b04242f175189872c42ceaa21e2951e0f0f272a0cc54fc37193ff6648600eaf1c555c70cdedfaf9fb74927de7aa1d33dc1e2a7f1a50619484989da0887",
  },
  "powersOfTau28_hez_final_20.ptau": {
    power: 20,
    blake2b:
      "89a66eb5590a1c94e3f1ee0e72acf49b1669e050bb5f93c73b066b564dca4e0c7556a52b323178269d64af325d8fdddb33da3a27c34409b821de82aa2bf1a27b",
  },
  "powersOfTau28_hez_final_21.ptau": {
    power: 21,
    blake2b:
      "9aef0573cef4ded9c4a75f148709056bf989f80dad96876aadeb6f1c6d062391f07a394a9e756d16f7eb233198d5b69407cca44594c763ab4a5b67ae73254678",
  },
  "powersOfTau28_hez_final_22.ptau": {
    power: 22,
    blake2b:
      "0d64f63dba1a6f11139df765cb690da69d9b2f469a1ddd0de5e4aa628abb28f787f04c6a5fb84a235ec5ea7f41d0548746653ecab0559add658a83502d1cb21b",
  },
  "powersOfTau28_hez_final_23.ptau": {
    power: 23,
    blake2b:
      "3063a0bd81d68711197c8820a92466d51aeac93e915f5136d74f63c394ee6d88c5e8016231ea6580bec02e25d491f319d92e77f5c7f46a9caa8f3b53c0ea544f",
  },
  "powersOfTau28_hez_final_24.ptau": {
    power: 24,
    blake2b:
      "fa404d140d5819d39984833ca5ec3632cd4995f81e82db402371a4de7c2eae8687c62bc632a95b0c6aadba3fb02680a94e09174b7233ccd26d78baca2647c733",
  },
  "powersOfTau28_hez_final_25.ptau": {
    power: 25,
    blake2b:
      "0377d860cdb09a8a31ea1b0b8c04335614c8206357181573bf294c25d5ca7dff72387224fbd868897e6769f7805b3dab02854aec6d69d7492883b5e4e5f35eeb",
  },
  "powersOfTau28_hez_final_26.ptau": {
    power: 26,
    blake2b:
      "418dee4a74b9592198bd8fd02ad1aea76f9cf3085f206dfd7d594c9e264ae919611b1459a1cc920c2f143417744ba9edd7b8d51e44be9452344a225ff7eead19",
  },
  "powersOfTau28_hez_final_27.ptau": {
    power: 27,
    blake2b:
      "10ffd99837c512ef99752436a54b9810d1ac8878d368fb4b806267bdd664b4abf276c9cd3c4b9039a1fa4315a0c326c0e8e9e8fe0eb588ffd4f9021bf7eae1a1",
  },
  "powersOfTau28_hez_final.ptau": {
    power: 28,
    blake2b:
      "55c77ce8562366c91e7cda394cf7b7c15a06c12d8c905e8b36ba9cf5e13eb37d1a429c589e8eaba4c591bc4b88a0e2828745a53e170eac300236f5c1a326f41a",
  },
};

/** blake2b-512 of a whole file, hex (the `b2sum` of it). */
export async function blake2bFile(path: string): Promise<string> {
  const h = createHash("blake2b512");
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 22 })) h.update(chunk as Buffer);
  return h.digest("hex");
}

interface Fd {
  pos: number;
  read(n: number, pos?: number): Promise<Uint8Array>;
  readULE32(): Promise<number>;
  close(): Promise<void>;
}

/** The power (log2 size) written in a .ptau header. */
export async function ptauPower(path: string): Promise<number> {
  const { fd, sections } = (await binFileUtils.readBinFile(snarkjsInput(path), "ptau", 1)) as {
    fd: Fd;
    sections: Record<number, { p: number }[]>;
  };
  try {
    const h = await fd.read(44, sections[1]![0]!.p);
    return new DataView(h.buffer, h.byteOffset).getUint32(36, true);
  } finally {
    await fd.close();
  }
}

/** Names of the contributions recorded in a .ptau (section 7). */
export async function ptauContributionNames(path: string): Promise<string[]> {
  const { fd, sections } = (await binFileUtils.readBinFile(snarkjsInput(path), "ptau", 1)) as {
    fd: Fd;
    sections: Record<number, { p: number }[]>;
  };
  try {
    fd.pos = sections[7]![0]!.p;
    const n = await fd.readULE32();
    const names: string[] = [];
    for (let i = 0; i < n; i++) {
      // tauG1, tauG2, alphaG1, betaG1, betaG2, public key (6 G1 + 3 G2), partial hash, next challenge.
      fd.pos += 64 + 128 + 64 + 64 + 128 + 64 * 6 + 128 * 3 + 216 + 64;
      await fd.readULE32(); // type
      const len = await fd.readULE32();
      const params = await fd.read(len);
      let name = "";
      for (let p = 0; p < params.length;) {
        const t = params[p++];
        if (t === 1 || t === 3) {
          const l = params[p++] as number;
          if (t === 1) name = new TextDecoder().decode(params.subarray(p, p + l));
          p += l;
        } else p += 1;
      }
      names.push(name);
    }
    return names;
  } finally {
    await fd.close();
  }
}

/**
 * Accepts a production ptau only when its blake2b-512 is one of the published hashes (KNOWN_PTAU) and its
 * header's power agrees; refuses unknown files and files whose name is known but whose content differs.
 */
export async function checkProductionPtau(path: string): Promise<{ power: number; blake2b: string }> {
  if (!existsSync(path)) throw new Error(`${path}: no such file`);
  const hash = await blake2bFile(path);
  const byHash = Object.entries(KNOWN_PTAU).find(([, v]) => v.blake2b === hash);
  if (!byHash) {
    const byName = KNOWN_PTAU[basename(path)];
    if (byName) {
      throw new Error(
        `${path}: blake2b ${hash.slice(0, 16)}… does not match the published hash of ${basename(path)} ` +
          `(${byName.blake2b.slice(0, 16)}…): corrupted or substituted file, refusing it`,
      );
    }
    throw new Error(
      `${path}: unknown powers of tau (blake2b ${hash.slice(0, 16)}…); bring one of the published Hermez files ` +
        `listed in KNOWN_PTAU (see docs/CEREMONY.md)`,
    );
  }
  const power = await ptauPower(path);
  if (power !== byHash[1].power) {
    throw new Error(`${path}: header says 2^${power} but ${byHash[0]} is 2^${byHash[1].power}`);
  }
  return { power, blake2b: hash };
}

/**
 * True for development material: a .ptau with its secret next to it or a development contribution, or a
 * .zkey whose transcript has the development contribution.
 */
export async function isDevelopment(path: string): Promise<boolean> {
  if (path.endsWith(".ptau")) {
    if (readDevSecret(path)) return true;
    return (await ptauContributionNames(path)).some((n) => n.startsWith(DEV_CONTRIBUTION_NAME));
  }
  return (await readTranscript(path)).development;
}

/**
 * Phase-2 init: the circuit's initial zkey (`snarkjs zkey new`). A development ptau is refused unless
 * allowDevelopment; a production ptau must pass checkProductionPtau. From a development ptau (allowed), the
 * key gets a development contribution right away (so its transcript marks it), using the fast path when the
 * secret is at hand.
 */
export async function phase2Init(
  r1csPath: string,
  ptauPath: string,
  zkeyOut: string,
  opts: { allowDevelopment?: boolean; log?: (line: string) => void } = {},
): Promise<{ circuitHash: string; development: boolean }> {
  const log = opts.log ?? ((l: string) => console.warn(l));
  const development = await isDevelopment(ptauPath);
  if (development) {
    if (!opts.allowDevelopment) {
      throw new Error(
        `${ptauPath} is a DEVELOPMENT powers of tau (its secret is known): refusing it for a production ceremony ` +
          `(pass allowDevelopment to override)`,
      );
    }
    log(
      `WARNING: ${ptauPath} is a development ptau; ${zkeyOut} will be a DEVELOPMENT key, insecure by definition`,
    );
  } else {
    await checkProductionPtau(ptauPath);
  }
  if (development) {
    // Keys from a development ptau carry a development contribution from the start, so every key derived
    // from them says so in its transcript (isDevelopment), whatever is contributed later.
    const tmp = `${zkeyOut}.${process.pid}.init.tmp`;
    try {
      const circuitHash = readDevSecret(ptauPath)
        ? await fastZkeyNew(r1csPath, ptauPath, tmp)
        : await snarkjs.zKey.newZKey(snarkjsInput(r1csPath), snarkjsInput(ptauPath), tmp);
      if (!(circuitHash instanceof Uint8Array)) throw new Error(`snarkjs zkey new failed for ${r1csPath}`);
      await snarkjs.zKey.contribute(
        snarkjsInput(tmp),
        zkeyOut,
        DEV_CONTRIBUTION_NAME,
        randomBytes(32).toString("hex"),
      );
      return { circuitHash: toHex(circuitHash), development };
    } finally {
      rmSync(tmp, { force: true });
    }
  }
  const res = await snarkjs.zKey.newZKey(snarkjsInput(r1csPath), snarkjsInput(ptauPath), zkeyOut);
  if (!(res instanceof Uint8Array)) throw new Error(`snarkjs zkey new failed for ${r1csPath} (see its log)`);
  return { circuitHash: toHex(res), development };
}

/** One phase-2 contribution (run by each party on their own machine). Returns the contribution hash. */
export async function phase2Contribute(
  zkeyIn: string,
  zkeyOut: string,
  name: string,
  entropy?: string,
): Promise<string> {
  if (typeof name !== "string" || name.trim() === "") throw invalid("name", "a contributor name is required");
  const e = entropy && entropy.length > 0 ? entropy : randomBytes(64).toString("hex");
  const h = await snarkjs.zKey.contribute(snarkjsInput(zkeyIn), zkeyOut, name, e);
  return toHex(h);
}

/**
 * The closing random beacon: a public, unpredictable value (e.g. a future block hash) applied with 2^iterationsExp
 * sha256 iterations. Returns the contribution hash.
 */
export async function phase2Beacon(
  zkeyIn: string,
  zkeyOut: string,
  beaconHashHex: string,
  iterationsExp: number,
  name: string,
): Promise<string> {
  if (!/^(0x)?([0-9a-fA-F]{2}){1,255}$/.test(beaconHashHex)) {
    throw invalid("beaconHashHex", "expected an even number of hex digits (at most 255 bytes)");
  }
  if (!Number.isInteger(iterationsExp) || iterationsExp < 10 || iterationsExp > 63) {
    throw invalid("iterationsExp", `expected an integer in [10, 63], got ${iterationsExp}`);
  }
  const hex = beaconHashHex.replace(/^0x/, "");
  const h = await snarkjs.zKey.beacon(snarkjsInput(zkeyIn), zkeyOut, name, hex, iterationsExp);
  if (!(h instanceof Uint8Array)) throw new Error(`snarkjs zkey beacon failed for ${zkeyIn}`);
  return toHex(h);
}

/** `snarkjs zkey verify`: the key is the one the r1cs and ptau define, with a valid chain of contributions. */
export async function phase2Verify(r1csPath: string, ptauPath: string, zkeyPath: string): Promise<boolean> {
  const quiet = { debug() {}, info() {}, warn() {}, error() {} };
  const [r1cs, ptau, zkey] = [r1csPath, ptauPath, zkeyPath].map(snarkjsInput) as [
    ReturnType<typeof snarkjsInput>,
    ReturnType<typeof snarkjsInput>,
    ReturnType<typeof snarkjsInput>,
  ];
  return (await snarkjs.zKey.verifyFromR1cs(r1cs, ptau, zkey, quiet)) === true;
}

/** `snarkjs powersoftau verify`: every contribution of the .ptau is valid and chained. */
export async function ptauVerify(ptauPath: string): Promise<boolean> {
  const quiet = { debug() {}, info() {}, warn() {}, error() {} };
  return (await snarkjs.powersOfTau.verify(snarkjsInput(ptauPath), quiet)) === true;
}
