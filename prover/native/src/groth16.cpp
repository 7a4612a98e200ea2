// See groth16.hpp. Notation as in snarkjs's groth16 prove: the key's coefficient section lists the QAP
// matrices A and B entry by entry (matrix, constraint row, signal, coefficient·R² so that one Montgomery
// multiplication by a plain witness value yields a Montgomery product); C·w is A·w ∘ B·w on the domain.
#include "groth16.hpp"
#include "msm.hpp"

#include <gmp.h>
#include <omp.h>
#include <sys/random.h>

#include <chrono>
#include <ctime>
#include <cstring>
#include <sstream>
#include <stdexcept>

namespace rwa {

using namespace AltBn128;
using Elem = AltBn128::FrElement;

namespace {

constexpr uint32_t N8 = 32;  // bytes of an Fq or Fr element
constexpr uint32_t COEF_BYTES = 12 + N8;
// Section numbers of a Groth16 .zkey (snarkjs zkey_utils).
enum : uint32_t { HEADER = 1, GROTH16_HEADER = 2, COEFS = 4, POINTS_A = 5, POINTS_B1 = 6, POINTS_B2 = 7, POINTS_C = 8, POINTS_H = 9 };

const char* R_DEC = "21888242871839275222246405745257275088548364400416034343698204186575808495617";
const char* Q_DEC = "21888242871839275222246405745257275088696311157297823662689037894645226208583";

double msSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

/** CPU milliseconds of the whole process (every thread) so far. */
double cpuMs() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/** Times one step: wall and CPU milliseconds added to the given fields. */
template <typename F>
void timed(double& wall, double& cpu, F&& step) {
  const auto t = std::chrono::steady_clock::now();
  const double c = cpuMs();
  step();
  wall += msSince(t);
  cpu += cpuMs() - c;
}

bool primeIs(const uint8_t* le, const char* dec) {
  mpz_t a, b;
  mpz_init(a);
  mpz_init_set_str(b, dec, 10);
  mpz_import(a, N8, -1, 1, -1, 0, le);
  bool eq = mpz_cmp(a, b) == 0;
  mpz_clear(a);
  mpz_clear(b);
  return eq;
}

/** A uniformly random scalar below r (64 random bytes reduced mod r), little-endian, 32 bytes. */
void randomScalar(uint8_t out[N8]) {
  uint8_t raw[64];
  size_t got = 0;
  while (got < sizeof raw) {
    ssize_t n = getrandom(raw + got, sizeof raw - got, 0);
    if (n < 0) throw std::runtime_error("getrandom failed");
    got += static_cast<size_t>(n);
  }
  mpz_t v, r;
  mpz_init(v);
  mpz_init_set_str(r, R_DEC, 10);
  mpz_import(v, sizeof raw, -1, 1, -1, 0, raw);
  mpz_mod(v, v, r);
  memset(out, 0, N8);
  mpz_export(out, nullptr, -1, 1, -1, 0, v);
  mpz_clear(v);
  mpz_clear(r);
}

/** (a·b) mod r as a little-endian 32-byte scalar. */
void mulScalars(uint8_t out[N8], const uint8_t a[N8], const uint8_t b[N8]) {
  mpz_t x, y, r;
  mpz_inits(x, y, nullptr);
  mpz_init_set_str(r, R_DEC, 10);
  mpz_import(x, N8, -1, 1, -1, 0, a);
  mpz_import(y, N8, -1, 1, -1, 0, b);
  mpz_mul(x, x, y);
  mpz_mod(x, x, r);
  memset(out, 0, N8);
  mpz_export(out, nullptr, -1, 1, -1, 0, x);
  mpz_clears(x, y, r, nullptr);
}

std::string g1Json(G1Point& p) {
  G1PointAffine a;
  G1.copy(a, p);
  return "[\"" + F1.toString(a.x) + "\",\"" + F1.toString(a.y) + "\",\"1\"]";
}

std::string g2Json(G2Point& p) {
  G2PointAffine a;
  G2.copy(a, p);
  return "[[\"" + F1.toString(a.x.a) + "\",\"" + F1.toString(a.x.b) + "\"],[\"" + F1.toString(a.y.a) + "\",\"" +
         F1.toString(a.y.b) + "\"],[\"1\",\"0\"]]";
}

template <typename T>
void readPoint(T& out, const uint8_t* bytes) {
  static_assert(sizeof(T) == 2 * N8 || sizeof(T) == 4 * N8, "affine point layout");
  memcpy(&out, bytes, sizeof(T));
}

}  // namespace

ProvingKey::ProvingKey(const std::string& zkeyPath) {
  static_assert(sizeof(AltBn128::FrElement) == N8 && sizeof(G1PointAffine) == 2 * N8 && sizeof(G2PointAffine) == 4 * N8,
                "ffiasm element layout must match snarkjs's Montgomery little-endian points");
  BinFile f(zkeyPath, "zkey", 1);
  {
    Buffer h = f.read(HEADER);
    Cursor c(h, zkeyPath);
    if (c.u32() != 1) throw std::runtime_error(zkeyPath + ": not a Groth16 proving key");
  }
  Buffer h = f.read(GROTH16_HEADER);
  Cursor c(h, zkeyPath);
  if (c.u32() != N8 || !primeIs(c.bytes(N8), Q_DEC)) throw std::runtime_error(zkeyPath + ": not a BN254 key (base field)");
  if (c.u32() != N8 || !primeIs(c.bytes(N8), R_DEC)) throw std::runtime_error(zkeyPath + ": not a BN254 key (scalar field)");
  nVars = c.u32();
  nPublic = c.u32();
  domainSize = c.u32();
  readPoint(alpha1_, c.bytes(2 * N8));
  readPoint(beta1_, c.bytes(2 * N8));
  readPoint(beta2_, c.bytes(4 * N8));
  c.bytes(4 * N8);  // gamma2: verification only
  readPoint(delta1_, c.bytes(2 * N8));
  readPoint(delta2_, c.bytes(4 * N8));
  if (domainSize < 2 || (domainSize & (domainSize - 1)) != 0)
    throw std::runtime_error(zkeyPath + ": domain size " + std::to_string(domainSize) + " is not a power of two");
  while ((uint64_t{1} << power) < domainSize) power++;
  if (power >= 28) throw std::runtime_error(zkeyPath + ": domain 2^" + std::to_string(power) + " is too large");
  if (nPublic + 1 > nVars) throw std::runtime_error(zkeyPath + ": more public signals than variables");

  auto expect = [&](uint32_t section, uint64_t bytes, const char* what) {
    if (f.sectionSize(section) != bytes)
      throw std::runtime_error(zkeyPath + ": " + what + " section has " + std::to_string(f.sectionSize(section)) +
                               " bytes, expected " + std::to_string(bytes));
    return f.read(section);
  };
  pointsA_ = expect(POINTS_A, uint64_t{nVars} * 2 * N8, "A");
  pointsB1_ = expect(POINTS_B1, uint64_t{nVars} * 2 * N8, "B1");
  pointsB2_ = expect(POINTS_B2, uint64_t{nVars} * 4 * N8, "B2");
  pointsC_ = expect(POINTS_C, uint64_t{nVars - nPublic - 1} * 2 * N8, "C");
  pointsH_ = expect(POINTS_H, domainSize * 2 * N8, "H");

  coefs_ = f.read(COEFS);
  if (coefs_.size < 4) throw std::runtime_error(zkeyPath + ": empty coefficient section");
  uint32_t n;
  memcpy(&n, coefs_.get(), 4);
  nCoefs_ = n;
  if (coefs_.size != 4 + nCoefs_ * COEF_BYTES) throw std::runtime_error(zkeyPath + ": coefficient section size mismatch");
  // Every entry is checked once here so that proving can index without bounds checks.
  for (uint64_t i = 0; i < nCoefs_; i++) {
    uint32_t mcs[3];
    memcpy(mcs, coefs_.get() + 4 + i * COEF_BYTES, 12);
    if (mcs[0] > 1 || mcs[1] >= domainSize || mcs[2] >= nVars)
      throw std::runtime_error(zkeyPath + ": coefficient " + std::to_string(i) + " is out of range");
  }

  fft_ = std::make_unique<Radix2Fft>(power);
  // The odd coset of the domain: shifted by a primitive 2^(power+1)-th root of unity, snarkjs's choice, whose
  // square is the domain's generator.
  cosetShift_ = Radix2Fft::rootOfUnity(power + 1);
  Elem sq, omega = Radix2Fft::rootOfUnity(power), omega1 = omega;
  Fr.square(sq, cosetShift_);
  if (!Fr.eq(sq, omega1)) throw std::runtime_error("internal: inconsistent roots of unity");

  a_ = Buffer::alloc(domainSize * N8);
  b_ = Buffer::alloc(domainSize * N8);
  c_ = Buffer::alloc(domainSize * N8);
}

uint64_t ProvingKey::residentBytes() const {
  return coefs_.size + pointsA_.size + pointsB1_.size + pointsB2_.size + pointsC_.size + pointsH_.size +
         a_.size + b_.size + c_.size + domainSize / 2 * N8 /* FFT roots */;
}

void ProvingKey::buildAbc(const uint8_t* witness) {
  Elem* out[2] = {reinterpret_cast<Elem*>(a_.get()), reinterpret_cast<Elem*>(b_.get())};
  const Elem* w = reinterpret_cast<const Elem*>(witness);
  Elem* cv = reinterpret_cast<Elem*>(c_.get());
  const uint8_t* entries = coefs_.get() + 4;
  const uint64_t n = domainSize, nc = nCoefs_;
#pragma omp parallel
  {
    // Each thread owns a slice of constraint rows and applies the entries that land in it: no two threads
    // ever add into the same row, whatever the order of the section.
    const uint64_t t = omp_get_thread_num(), nt = omp_get_num_threads();
    const uint64_t lo = n * t / nt, hi = n * (t + 1) / nt;
    memset(static_cast<void*>(out[0] + lo), 0, (hi - lo) * N8);
    memset(static_cast<void*>(out[1] + lo), 0, (hi - lo) * N8);
    Elem coef, prod;
    for (uint64_t i = 0; i < nc; i++) {
      const uint8_t* e = entries + i * COEF_BYTES;
      uint32_t mcs[3];
      memcpy(mcs, e, 12);
      if (mcs[1] < lo || mcs[1] >= hi) continue;
      memcpy(&coef, e + 12, N8);
      Fr.mul(prod, coef, w[mcs[2]]);
      Fr.add(out[mcs[0]][mcs[1]], out[mcs[0]][mcs[1]], prod);
    }
#pragma omp barrier
#pragma omp for
    for (uint64_t i = 0; i < n; i++) Fr.mul(cv[i], out[0][i], out[1][i]);
  }
}

void ProvingKey::toOddCoset(Elem* v) {
  // Evaluations on the domain → coefficients (times 1/n and shift^i in the same pass) → evaluations on the
  // shifted, odd coset.
  fft_->inverseScaled(v, cosetShift_);
  fft_->forward(v);
}

ProofJson ProvingKey::prove(const BinFile& wtns) {
  const auto t0 = std::chrono::steady_clock::now();
  const double cpu0 = cpuMs();
  ProofJson res;
  {
    Buffer h = wtns.read(1);
    Cursor c(h, wtns.name());
    if (c.u32() != N8 || !primeIs(c.bytes(N8), R_DEC))
      throw std::runtime_error(wtns.name() + ": the witness is not over BN254's scalar field");
    uint32_t nw = c.u32();
    if (nw != nVars)
      throw std::runtime_error(wtns.name() + ": invalid witness length: circuit " + std::to_string(nVars) +
                               ", witness " + std::to_string(nw));
  }
  Buffer witness = wtns.read(2);
  if (witness.size != uint64_t{nVars} * N8) throw std::runtime_error(wtns.name() + ": witness section size mismatch");
  const uint8_t* w = witness.get();

  ProveTimings& tm = res.timings;
  timed(tm.abc, tm.cpuAbc, [&] { buildAbc(w); });

  Elem* a = reinterpret_cast<Elem*>(a_.get());
  Elem* b = reinterpret_cast<Elem*>(b_.get());
  Elem* c = reinterpret_cast<Elem*>(c_.get());
  timed(tm.fft, tm.cpuFft, [&] {
    toOddCoset(a);
    toOddCoset(b);
    toOddCoset(c);
    // h = (a·b − c) on the odd coset, where the vanishing polynomial is the constant −2; the key's H points
    // carry that division, as snarkjs's do. Scalars for the multi-exponentiation are plain (not Montgomery).
#pragma omp parallel for
    for (uint64_t i = 0; i < domainSize; i++) {
      Elem ab;
      Fr.mul(ab, a[i], b[i]);
      Fr.sub(ab, ab, c[i]);
      Fr.fromMontgomery(a[i], ab);
    }
  });

  G1Point piA, piB1, piC, resH;
  G2Point piB;
  uint8_t* ws = const_cast<uint8_t*>(w);
  timed(tm.msmG1, tm.cpuMsmG1, [&] {
    multiExp(G1, piA, reinterpret_cast<G1PointAffine*>(pointsA_.get()), ws, nVars);
    multiExp(G1, piB1, reinterpret_cast<G1PointAffine*>(pointsB1_.get()), ws, nVars);
    multiExp(G1, piC, reinterpret_cast<G1PointAffine*>(pointsC_.get()), ws + (nPublic + 1) * N8, nVars - nPublic - 1);
  });
  timed(tm.msmG2, tm.cpuMsmG2, [&] {
    multiExp(G2, piB, reinterpret_cast<G2PointAffine*>(pointsB2_.get()), ws, nVars);
  });
  timed(tm.msmH, tm.cpuMsmH, [&] {
    multiExp(G1, resH, reinterpret_cast<G1PointAffine*>(pointsH_.get()), reinterpret_cast<uint8_t*>(a), domainSize);
  });

  // Blinding (Groth16 §3.2): A = α + Σaᵢuᵢ + rδ, B = β + Σaᵢvᵢ + sδ, C = Σ… + h·t/δ + sA + rB₁ − rsδ.
  uint8_t r[N8], s[N8], rs[N8];
  randomScalar(r);
  randomScalar(s);
  mulScalars(rs, r, s);
  G1Point tmp1;
  G2Point tmp2;
  G1.add(piA, piA, alpha1_);
  G1.mulByScalar(tmp1, delta1_, r, N8);
  G1.add(piA, piA, tmp1);
  G2.add(piB, piB, beta2_);
  G2.mulByScalar(tmp2, delta2_, s, N8);
  G2.add(piB, piB, tmp2);
  G1.add(piB1, piB1, beta1_);
  G1.mulByScalar(tmp1, delta1_, s, N8);
  G1.add(piB1, piB1, tmp1);
  G1.add(piC, piC, resH);
  G1.mulByScalar(tmp1, piA, s, N8);
  G1.add(piC, piC, tmp1);
  G1.mulByScalar(tmp1, piB1, r, N8);
  G1.add(piC, piC, tmp1);
  G1.mulByScalar(tmp1, delta1_, rs, N8);
  G1.sub(piC, piC, tmp1);

  res.proof = "{\"pi_a\":" + g1Json(piA) + ",\"pi_b\":" + g2Json(piB) + ",\"pi_c\":" + g1Json(piC) +
              ",\"protocol\":\"groth16\",\"curve\":\"bn128\"}";
  std::ostringstream pub;
  pub << "[";
  mpz_t v;
  mpz_init(v);
  for (uint32_t i = 1; i <= nPublic; i++) {
    mpz_import(v, N8, -1, 1, -1, 0, w + uint64_t{i} * N8);
    char* str = mpz_get_str(nullptr, 10, v);
    pub << (i > 1 ? "," : "") << "\"" << str << "\"";
    free(str);
  }
  mpz_clear(v);
  pub << "]";
  res.publicSignals = pub.str();
  res.timings.total = msSince(t0);
  res.timings.cpuTotal = cpuMs() - cpu0;
  return res;
}

}  // namespace rwa
