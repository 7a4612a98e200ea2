/**
 * Typed ethers v6 bindings of the contracts an integrator calls (sdk/contracts/, re-exported by sdk/index.ts),
 * generated from the compiled artifacts: per contract its ABI `as const`, the union of its custom error and
 * event names, an interface with one typed method per function (ethers' own `BaseContractMethod`: arguments
 * typed, a view resolving to its value, any other function to its transaction) and a function that binds it
 * to an address.
 *
 * Why not TypeChain (@typechain/ethers-v6 through @nomicfoundation/hardhat-typechain): the Hardhat 3 plugin
 * generates with TypeChain's `node16Modules`, so its modules import each other as `./x.js` and re-export
 * values (the factories) that way; compiled TypeScript resolves those, Node's type stripping (how this project
 * runs TypeScript, without a compile step) does not map `.js` to a `.ts` file. It also generates inside the
 * build, into an ignored folder, unformatted: nothing for tsc, which `npm test` runs before the build on a
 * fresh clone. The files written here are committed and test/sdk/bindings.test.ts fails when they differ from
 * what the current artifacts give.
 *
 * Usage, after `npx hardhat build` (or `node scripts/build.ts`): node contracts/codegen/bindings.ts
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as prettier from "prettier";
import { loadArtifact } from "../../deploy/index.ts";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** The contracts bound, each written to `sdk/contracts/<kebab-name>.ts`. */
export const BOUND_CONTRACTS = [
  "AttestationRegistry",
  "TrancheVault",
  "TrancheToken",
  "ScoreAttestations",
  "BorrowerGate",
  "RollForwardRegistry",
  "CashReconciler",
] as const;

interface AbiParam {
  name: string;
  type: string;
  internalType?: string;
  components?: AbiParam[];
  indexed?: boolean;
}

interface AbiItem {
  type: string;
  name?: string;
  inputs?: AbiParam[];
  outputs?: AbiParam[];
  stateMutability?: string;
  anonymous?: boolean;
}

/** Members of ethers' BaseContract: a function of that name is reachable by its signature only. */
const BASE_MEMBERS = new Set([
  "target",
  "interface",
  "runner",
  "filters",
  "fallback",
  "connect",
  "attach",
  "getAddress",
  "getDeployedCode",
  "waitForDeployment",
  "deploymentTransaction",
  "getFunction",
  "getEvent",
  "queryTransaction",
  "queryFilter",
  "on",
  "once",
  "emit",
  "listenerCount",
  "listeners",
  "off",
  "removeAllListeners",
  "addListener",
  "removeListener",
]);

/** `AttestationRegistry` → `attestation-registry`. */
export function kebabName(contract: string): string {
  return contract.replace(/([a-z0-9])([A-Z])/g, "$1-$2").toLowerCase();
}

/** `AttestationRegistry` → `ATTESTATION_REGISTRY`. */
function constName(contract: string): string {
  return kebabName(contract).replaceAll("-", "_").toUpperCase();
}

/** `AttestationRegistry` → `attestationRegistry`. */
function camelName(contract: string): string {
  return contract[0]!.toLowerCase() + contract.slice(1);
}

/** A Solidity type as a TypeScript type: `input` the types ethers accepts, otherwise what ethers returns. */
function tsType(p: AbiParam, input: boolean): string {
  const array = /^(.*)\[(\d*)\]$/.exec(p.type);
  if (array) {
    const inner = tsType({ ...p, type: array[1]! }, input);
    const n = array[2] === "" ? 0 : Number(array[2]);
    return n > 0 && n <= 8 ? `[${Array(n).fill(inner).join(", ")}]` : `${inner}[]`;
  }
  if (p.type === "tuple") {
    const fields = (p.components ?? []).map((c, i) => `${c.name || `arg${i}`}: ${tsType(c, input)}`);
    const obj = `{ ${fields.join("; ")} }`;
    return input ? obj : `[${fields.join(", ")}] & ${obj}`;
  }
  if (/^u?int\d*$/.test(p.type)) return input ? "BigNumberish" : "bigint";
  if (p.type === "address") return input ? "AddressLike" : "string";
  if (p.type === "bool") return "boolean";
  if (p.type === "string") return "string";
  if (/^bytes\d*$/.test(p.type)) return input ? "BytesLike" : "string";
  throw new TypeError(`bindings: unsupported ABI type ${p.type}`);
}

/** `foo(uint256,(uint256,address))`: the signature ethers resolves an overloaded function by. */
function canonical(p: AbiParam): string {
  if (!p.type.startsWith("tuple")) return p.type;
  return `(${(p.components ?? []).map(canonical).join(",")})${p.type.slice("tuple".length)}`;
}

function method(f: AbiItem): string {
  const args = (f.inputs ?? []).map((p, i) => `${p.name || `arg${i}`}: ${tsType(p, true)}`);
  const outs = f.outputs ?? [];
  let ret: string;
  if (outs.length === 0) ret = "void";
  else if (outs.length === 1) ret = tsType(outs[0]!, false);
  else {
    const fields = outs.map((p, i) => `${p.name || `arg${i}`}: ${tsType(p, false)}`);
    ret = outs.every((p) => p.name)
      ? `[${fields.join(", ")}] & { ${fields.join("; ")} }`
      : `[${fields.join(", ")}]`;
  }
  const view = f.stateMutability === "view" || f.stateMutability === "pure";
  return `BaseContractMethod<[${args.join(", ")}], ${ret}, ${view ? ret : "ContractTransactionResponse"}>`;
}

/** One contract's binding module. */
export function renderBinding(contract: string, abi: readonly AbiItem[]): string {
  const functions = abi.filter((i) => i.type === "function");
  const count = new Map<string, number>();
  for (const f of functions) count.set(f.name!, (count.get(f.name!) ?? 0) + 1);
  const members: string[] = [];
  for (const f of functions) {
    const name = f.name!;
    const key =
      count.get(name) === 1 && !BASE_MEMBERS.has(name)
        ? name
        : JSON.stringify(`${name}(${(f.inputs ?? []).map(canonical).join(",")})`);
    members.push(`  ${key}: ${method(f)};`);
  }
  const names = (type: string) =>
    [...new Set(abi.filter((i) => i.type === type).map((i) => JSON.stringify(i.name)))].sort();
  const union = (xs: string[]) => (xs.length === 0 ? "never" : xs.join(" | "));
  const K = constName(contract);
  const body = members.join("\n");
  const types = ["Addressable", "BaseContract", "ContractRunner"];
  for (const t of [
    "AddressLike",
    "BaseContractMethod",
    "BigNumberish",
    "BytesLike",
    "ContractTransactionResponse",
  ])
    if (new RegExp(`\\b${t}\\b`).test(body)) types.push(t);
  types.sort((x, y) => x.localeCompare(y));
  return [
    `// Generated by contracts/codegen/bindings.ts from the compiled ${contract}: do not edit. After changing the`,
    "// contract, run `node contracts/codegen/bindings.ts` (after a build); test/sdk/bindings.test.ts fails when stale.",
    'import { Contract } from "ethers";',
    `import type { ${types.join(", ")} } from "ethers";`,
    "",
    `/** ${contract}'s ABI. */`,
    `export const ${K}_ABI = ${JSON.stringify(abi)} as const;`,
    "",
    `/** The custom errors ${contract} reverts with (\`contractError\` decodes them). */`,
    `export type ${contract}Error = ${union(names("error"))};`,
    "",
    `/** The events ${contract} emits. */`,
    `export type ${contract}Event = ${union(names("event"))};`,
    "",
    `/**`,
    ` * ${contract} bound to an address: one typed method per function (a view resolves to its value, any other`,
    ` * function sends a transaction; \`.staticCall\`, \`.estimateGas\`, \`.populateTransaction\` as ethers has them).`,
    ` * An overloaded function, or one named like a member of ethers' BaseContract, is keyed by its signature.`,
    ` */`,
    `export interface ${contract} extends BaseContract {`,
    `  connect(runner: ContractRunner | null): ${contract};`,
    `  attach(target: string | Addressable): ${contract};`,
    ...members,
    "}",
    "",
    `/** ${contract} at \`target\`, called through \`runner\` (a provider reads; a signer also sends). */`,
    `export function ${camelName(contract)}At(target: string | Addressable, runner: ContractRunner | null = null): ${contract} {`,
    `  return new Contract(target, ${K}_ABI, runner) as unknown as ${contract};`,
    "}",
    "",
  ].join("\n");
}

/** Every binding module (path relative to the repository → text), from the artifacts `load` reads. */
export async function generateBindings(
  load: (contract: string) => readonly AbiItem[] = (c) => loadArtifact(c).abi as AbiItem[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const c of BOUND_CONTRACTS) {
    const text = renderBinding(c, load(c));
    const formatted = await prettier.format(text, {
      parser: "typescript",
      printWidth: 110,
      trailingComma: "all",
    });
    out.set(`sdk/contracts/${kebabName(c)}.ts`, formatted);
  }
  return out;
}

/** Writes every binding module; returns their paths. */
export async function writeBindings(): Promise<string[]> {
  const files = await generateBindings();
  for (const [rel, text] of files) {
    mkdirSync(dirname(join(REPO, rel)), { recursive: true });
    writeFileSync(join(REPO, rel), text);
  }
  return [...files.keys()];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const f of await writeBindings()) console.log("wrote", f);
}
