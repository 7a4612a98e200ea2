// A Groth16 prover over BN254 for snarkjs proving keys (.zkey) and witnesses (.wtns), written from the
// Groth16 paper (Groth, EUROCRYPT 2016) and the structure of snarkjs's groth16 prove; field and curve arithmetic
// come from ffiasm (GPL-3.0). A ProvingKey is read once and serves any number of proofs.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "alt_bn128.hpp"
#include "binfile.hpp"
#include "fft.hpp"  // this folder's Radix2Fft

namespace rwa {

/** Milliseconds spent in each step of one proof: wall clock, and CPU of all threads. */
struct ProveTimings {
  double abc = 0, fft = 0, msmG1 = 0, msmG2 = 0, msmH = 0, total = 0;
  double cpuAbc = 0, cpuFft = 0, cpuMsmG1 = 0, cpuMsmG2 = 0, cpuMsmH = 0, cpuTotal = 0;
};

/** A proof and its public signals, already as snarkjs's JSON (decimal strings). */
struct ProofJson {
  std::string proof;
  std::string publicSignals;
  ProveTimings timings;
};

class ProvingKey {
 public:
  /** Reads and checks every section a proof needs; throws std::runtime_error naming the problem. */
  explicit ProvingKey(const std::string& zkeyPath);

  uint32_t nVars = 0, nPublic = 0;
  uint64_t domainSize = 0;
  uint32_t power = 0;
  /** Bytes held for this key (sections and per-proof work buffers). */
  uint64_t residentBytes() const;

  /**
   * Proves for a witness given as a .wtns container (its header must name BN254's scalar field and this
   * key's variable count). The proof is not verified here: callers verify against the verification key.
   */
  ProofJson prove(const BinFile& wtns);

 private:
  Buffer coefs_, pointsA_, pointsB1_, pointsB2_, pointsC_, pointsH_;
  uint64_t nCoefs_ = 0;
  AltBn128::G1PointAffine alpha1_, beta1_, delta1_;
  AltBn128::G2PointAffine beta2_, delta2_;
  std::unique_ptr<Radix2Fft> fft_;
  AltBn128::FrElement cosetShift_;
  // Work buffers reused by every proof: evaluations of A·w, B·w, C·w over the domain.
  Buffer a_, b_, c_;

  void buildAbc(const uint8_t* witness);
  void toOddCoset(AltBn128::FrElement* v);
};

}  // namespace rwa
