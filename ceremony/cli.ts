// Command line for the trusted setup (see docs/CEREMONY.md):
//
//   node ceremony/cli.ts dev-ptau <power> [cacheDir]                 development ptau (cached)
//   node ceremony/cli.ts dev-zkey <r1cs> <devPtau> <out.dev.zkey>      development proving key
//   node ceremony/cli.ts check-ptau <ptau>                           published Hermez file? (blake2b)
//   node ceremony/cli.ts init <r1cs> <ptau> <out_0000.zkey> [--allow-development]
//   node ceremony/cli.ts contribute <in.zkey> <out.zkey> <name> [entropy]
//   node ceremony/cli.ts beacon <in.zkey> <out.zkey> <beaconHashHex> <iterationsExp> <name>
//   node ceremony/cli.ts verify <r1cs> <ptau> <zkey>                 exit code 0 when valid
//   node ceremony/cli.ts transcript <zkey> [out.json]                contribution hashes, JSON

import {
  checkProductionPtau,
  createDevZkey,
  ensureDevPtau,
  isDevelopment,
  phase2Beacon,
  phase2Contribute,
  phase2Init,
  phase2Verify,
  terminateCurve,
  writeTranscript,
} from "./index.ts";

const [cmd, ...args] = process.argv.slice(2);
const need = (n: number, usage: string) => {
  if (args.length < n) throw new Error(`usage: node ceremony/cli.ts ${cmd} ${usage}`);
};
const a = (i: number) => args[i] as string;
let code = 0;

try {
  switch (cmd) {
    case "dev-ptau": {
      need(1, "<power> [cacheDir]");
      const path = await ensureDevPtau(Number(a(0)), {
        cacheDir: args[1] ?? "build/ptau",
        onProgress: (p) => process.stderr.write(`\r${p.stage}: ${Math.round((100 * p.done) / p.total)}%   `),
      });
      process.stderr.write("\n");
      console.log(path);
      console.warn("WARNING: development ptau: its secret is stored next to it. Never use it in production.");
      break;
    }
    case "dev-zkey": {
      need(3, "<r1cs> <devPtau> <out.dev.zkey>");
      const r = await createDevZkey(a(0), a(1), a(2));
      await writeTranscript(a(2), a(2).replace(/\.zkey$/, "") + ".transcript.json");
      console.log(JSON.stringify(r.transcript, null, 2));
      console.warn("WARNING: DEVELOPMENT proving key: anyone with the ptau's secret can forge proofs.");
      break;
    }
    case "check-ptau": {
      need(1, "<ptau>");
      console.log(JSON.stringify(await checkProductionPtau(a(0))));
      break;
    }
    case "init": {
      need(3, "<r1cs> <ptau> <out.zkey> [--allow-development]");
      const r = await phase2Init(a(0), a(1), a(2), {
        allowDevelopment: args.includes("--allow-development"),
      });
      console.log(JSON.stringify(r));
      break;
    }
    case "contribute": {
      need(3, "<in.zkey> <out.zkey> <name> [entropy]");
      console.log(`contribution hash: ${await phase2Contribute(a(0), a(1), a(2), args[3])}`);
      break;
    }
    case "beacon": {
      need(5, "<in.zkey> <out.zkey> <beaconHashHex> <iterationsExp> <name>");
      console.log(`beacon contribution hash: ${await phase2Beacon(a(0), a(1), a(2), Number(a(3)), a(4))}`);
      break;
    }
    case "verify": {
      need(3, "<r1cs> <ptau> <zkey>");
      const ok = await phase2Verify(a(0), a(1), a(2));
      console.log(ok ? "zkey OK" : "zkey INVALID");
      if (ok && (await isDevelopment(a(2)))) console.warn("WARNING: valid, but a DEVELOPMENT key");
      code = ok ? 0 : 1;
      break;
    }
    case "transcript": {
      need(1, "<zkey> [out.json]");
      const out = args[1] ?? a(0).replace(/\.zkey$/, "") + ".transcript.json";
      const t = await writeTranscript(a(0), out);
      console.log(JSON.stringify(t, null, 2));
      break;
    }
    default:
      console.error(
        "commands: dev-ptau, dev-zkey, check-ptau, init, contribute, beacon, verify, transcript (see docs/CEREMONY.md)",
      );
      code = 2;
  }
} catch (e) {
  console.error(e instanceof Error ? e.message : e);
  code = 1;
} finally {
  await terminateCurve();
}
process.exitCode = code;
