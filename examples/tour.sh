#!/usr/bin/env bash
# The command-line tour of rwa-attest, end to end against a local node: deploy with the demo policy, onboard
# the originator, generate and commit a tape, prove and verify its attestation, submit it, then audit it by
# public sampling (sample first, then open exactly the sampled loans) and analyse the tranches.
#
#   npx hardhat node              # in one terminal: a local chain at http://127.0.0.1:8545
#   bash examples/tour.sh         # in another, from the project folder
#
# It writes everything into the work folder, the project's rwa-work/ (git-ignored), or RWA_ATTEST_WORK_DIR;
# another node URL goes in RWA_TOUR_NETWORK (a local chain only: the tour signs with public keys). It needs the
# pool-attestation-8 circuit built (`npm test` or `npm run build` builds it). The README's tour shows the
# part between the `tour:begin` and `tour:end` lines verbatim; test/cli/tour.test.ts runs it and checks both.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
W="${RWA_ATTEST_WORK_DIR:-$ROOT/rwa-work}"
mkdir -p "$W" && W="$(cd "$W" && pwd)"
export RWA_ATTEST_WORK_DIR="$W" # commands put their default files (salt seeds) there too
NET="${RWA_TOUR_NETWORK:-http://127.0.0.1:8545}"
cd "$ROOT" # the commands below name the project's files (examples/policies/demo.json) from its root

# Helpers: the command line, a field of a JSON object on stdin, and a JSON-RPC call to the node.
rwa() { node cli/bin.js "$@"; }
json() { node -e 'process.stdout.write(String(JSON.parse(require("fs").readFileSync(0, "utf8"))[process.argv[1]]))' "$1"; }
rpc() {
  node -e 'fetch(process.argv[1], { method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: process.argv[2], params: JSON.parse(process.argv[3]) }) })
    .then((r) => r.json()).then((j) => process.stdout.write(JSON.stringify(j.result)))
    .catch((e) => { console.error(`cannot reach ${process.argv[1]}: ${e.cause?.message ?? e.message} (start one with: npx hardhat node)`); process.exit(2); })' \
    "$NET" "$1" "$2"
}
if [ "$(rpc eth_chainId '[]')" != '"0x7a69"' ]; then
  echo "tour: $NET is not a local Hardhat chain (chain id 31337); the tour signs with public development keys" >&2
  exit 2
fi

# tour:begin
# Accounts: Hardhat's well-known development accounts, whose keys every `hardhat node` prints (public: local
# chains only). Account 0 (0xf39F…2266) deploys and is governance; account 1 (0x7099…79C8) is the originator.
export DEPLOYER_KEY=0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80
export ORIGINATOR_KEY=0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d
POLICY=examples/policies/demo.json
INSTANCE=pool-attestation-8 # the test circuit, 8 loans a proof (pool-attestation-64 once `npm start` built it)
ON_CHAIN=(--deployment "$W/deployment.json" --network "$NET")

# 1. Deploy first: registry, verifiers, vault; the demo policy registered. Chain id and registry come from
#    the deployment file from here on.
rwa deploy --policy "$POLICY" --out "$W/deployment.json" --network "$NET"
echo "chain $(json chainId < "$W/deployment.json"), registry $(json registry < "$W/deployment.json")"

# 2. The originator's key (Baby Jubjub, mode 0600; kept if it exists), proposed on-chain and approved.
[ -f "$W/originator.json" ] || rwa keys generate --out "$W/originator.json"
PROPOSED=$(rwa onboard propose-key "$W/originator.json" "${ON_CHAIN[@]}" --json)
rwa onboard approve-key --originator "$(json originator <<< "$PROPOSED")" \
  --key-hash "$(json keyHash <<< "$PROPOSED")" "${ON_CHAIN[@]}"
rwa onboard register-pool 1 "${ON_CHAIN[@]}"

# 3. A synthetic tape of pool 1 for last month (the registry accepts as-of dates up to 45 days old).
AS_OF=$(node -e 'const d = new Date(); d.setUTCDate(0); console.log(d.toISOString().slice(0, 10))')
rwa tape generate --out "$W/tape.json" --loans 32 --pool-id 1 --as-of "$AS_OF"
rwa tape validate "$W/tape.json" --policy "$POLICY" # figures in USD, breaches decoded
rwa tape commit "$W/tape.json"                        # the root; salt seed in $W/tape.seed.json (secret)

# 4. Prove for this chain and registry, check every proof, submit (checked against the chain first).
rwa prove "$W/tape.json" --key "$W/originator.json" --deployment "$W/deployment.json" --policy "$POLICY" \
  --instance "$INSTANCE" --out "$W/attestation.json" --force
rwa verify-attestation "$W/attestation.json" # warns: development keys
rwa submit "$W/attestation.json" "${ON_CHAIN[@]}"

# 5. Audit: a seed the originator could not choose (here the latest block hash, after submission), the public
#    sample of it first, then the originator opens exactly those loans, and the auditor checks the openings
#    against the root and the attested figures.
SEED=$(rpc eth_getBlockByNumber '["latest", false]' | json hash)
rwa audit sample --seed "$SEED" --attestation "$W/attestation.json" --count 5 > "$W/sample.txt" # over its committed loan count
rwa tape open "$W/tape.json" --index "$(paste -sd, "$W/sample.txt")" > "$W/openings.json"
rwa tape check-openings "$W/openings.json" # names any tampered loan and field
rwa audit sample --seed "$SEED" --count 5 --openings "$W/openings.json" \
  --attestation "$W/attestation.json"

# 6. Tranche expected losses, sizing and stress, on the figures of the verified proofs.
rwa analyze --attestation "$W/attestation.json" --scenarios 20000
# tour:end

echo "tour done: files in $W. Next: \`rwa-attest serve\` (docs at /docs, auditors verify in the browser at /verify)"
