// rwa-groth16: the native Groth16 prover's command line.
//
//   rwa-groth16 prove <circuit.zkey> <witness.wtns> <proof.json> <public.json>
//       one proof, files in and out as `snarkjs groth16 prove` takes and writes them.
//   rwa-groth16 serve <circuit.zkey>
//       reads the key once, prints {"ready":...} and then answers requests on stdin, one at a time:
//       a line `prove <n>` followed by n bytes of a .wtns file → one line of JSON,
//       {"proof":{...},"publicSignals":[...],"timings":{...}} or {"error":"..."}. EOF on stdin ends it.
//
// Proofs are not verified here: the caller (prover/prove/native.ts) verifies every one against the
// verification key before using it.
#include <omp.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>

#include "groth16.hpp"

namespace {

std::string jsonString(const std::string& s) {
  std::string out = "\"";
  for (char ch : s) {
    if (ch == '"' || ch == '\\') out += '\\', out += ch;
    else if (static_cast<unsigned char>(ch) < 0x20) out += ' ';
    else out += ch;
  }
  return out + "\"";
}

std::string timingsJson(const rwa::ProveTimings& t) {
  char buf[512];
  snprintf(buf, sizeof buf,
           "{\"abc\":%.1f,\"fft\":%.1f,\"msmG1\":%.1f,\"msmG2\":%.1f,\"msmH\":%.1f,\"total\":%.1f,"
           "\"cpu\":{\"abc\":%.1f,\"fft\":%.1f,\"msmG1\":%.1f,\"msmG2\":%.1f,\"msmH\":%.1f,\"total\":%.1f}}",
           t.abc, t.fft, t.msmG1, t.msmG2, t.msmH, t.total, t.cpuAbc, t.cpuFft, t.cpuMsmG1, t.cpuMsmG2, t.cpuMsmH,
           t.cpuTotal);
  return buf;
}

void writeFile(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << text;
  if (!f) throw std::runtime_error(path + ": cannot write");
}

int serve(const std::string& zkeyPath) {
  auto t0 = std::chrono::steady_clock::now();
  rwa::ProvingKey key(zkeyPath);
  double loadMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  printf("{\"ready\":true,\"nVars\":%u,\"nPublic\":%u,\"domainSize\":%lu,\"residentBytes\":%lu,\"threads\":%d,\"loadMs\":%.1f}\n",
         key.nVars, key.nPublic, static_cast<unsigned long>(key.domainSize),
         static_cast<unsigned long>(key.residentBytes()), omp_get_max_threads(), loadMs);
  fflush(stdout);
  char line[128];
  while (fgets(line, sizeof line, stdin)) {
    unsigned long n = 0;
    if (sscanf(line, "prove %lu", &n) != 1 || n == 0 || n > (1UL << 34)) {
      printf("{\"error\":%s}\n", jsonString(std::string("bad request: ") + line).c_str());
      fflush(stdout);
      return 2;  // the stream is out of step: nothing after this can be trusted
    }
    rwa::Buffer bytes = rwa::Buffer::alloc(n);
    if (fread(bytes.get(), 1, n, stdin) != n) return 2;
    try {
      rwa::BinFile wtns(std::move(bytes), "wtns", 2, "witness");
      rwa::ProofJson p = key.prove(wtns);
      printf("{\"proof\":%s,\"publicSignals\":%s,\"timings\":%s}\n", p.proof.c_str(), p.publicSignals.c_str(),
             timingsJson(p.timings).c_str());
    } catch (const std::exception& e) {
      printf("{\"error\":%s}\n", jsonString(e.what()).c_str());
    }
    fflush(stdout);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // OpenMP threads that spin while waiting for each other waste the cores they are meant to share on a
  // loaded machine (measured here: 6.5 s of CPU instead of 1.0 s for the same proof at load 10 on 2 cores).
  // The runtime reads its settings before main, so set a passive wait policy and start again once.
  if (getenv("OMP_WAIT_POLICY") == nullptr) {
    setenv("OMP_WAIT_POLICY", "passive", 1);
    execv("/proc/self/exe", argv);
  }
  try {
    if (argc == 6 && strcmp(argv[1], "prove") == 0) {
      rwa::ProvingKey key(argv[2]);
      rwa::BinFile wtns(argv[3], "wtns", 2);
      rwa::ProofJson p = key.prove(wtns);
      writeFile(argv[4], p.proof + "\n");
      writeFile(argv[5], p.publicSignals + "\n");
      fprintf(stderr, "%s\n", timingsJson(p.timings).c_str());
      return 0;
    }
    if (argc == 3 && strcmp(argv[1], "serve") == 0) return serve(argv[2]);
  } catch (const std::exception& e) {
    fprintf(stderr, "rwa-groth16: %s\n", e.what());
    if (argc == 3) printf("{\"error\":%s}\n", jsonString(e.what()).c_str());
    return 1;
  }
  fprintf(stderr,
          "usage: rwa-groth16 prove <circuit.zkey> <witness.wtns> <proof.json> <public.json>\n"
          "       rwa-groth16 serve <circuit.zkey>\n");
  return 2;
}
