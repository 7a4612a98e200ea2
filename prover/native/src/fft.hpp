// Radix-2 FFT over BN254's scalar field for the prover's quotient step: in-place, decimation in time after a
// bit-reversal permutation, one parallel loop per stage indexed with shifts and masks (ffiasm's generic FFT
// divides by the half-size per butterfly, which cost about as much as the field multiplication). The roots
// of unity are snarkjs's (a power of 5, BN254 Fr's smallest quadratic non-residue), so evaluations are at
// the same points as the proving key's Lagrange bases.
#pragma once

#include <gmp.h>
#include <omp.h>

#include <cstdint>
#include <stdexcept>
#include <vector>

#include "alt_bn128.hpp"

namespace rwa {

class Radix2Fft {
 public:
  using Elem = AltBn128::FrElement;

  /** Tables for domains up to 2^power (power < 28, BN254 Fr's two-adicity). */
  explicit Radix2Fft(uint32_t power) : power_(power), n_(uint64_t{1} << power), roots_(n_ / 2 + 1) {
    if (power == 0 || power >= 28) throw std::runtime_error("FFT domain 2^" + std::to_string(power) + " unsupported");
    omega_ = rootOfUnity(power);
    auto& F = AltBn128::Fr;
    // roots_[j] = ω^j for j < n/2 (stage s uses ω^(j·n/2^s)).
    const uint64_t half = n_ / 2;
#pragma omp parallel
    {
      const uint64_t t = omp_get_thread_num(), nt = omp_get_num_threads();
      const uint64_t lo = half * t / nt, hi = half * (t + 1) / nt;
      if (lo < hi) {
        uint64_t e = lo;
        F.exp(roots_[lo], omega_, reinterpret_cast<uint8_t*>(&e), sizeof e);
        if (lo == 0) roots_[0] = F.one();
        for (uint64_t j = lo + 1; j < hi; j++) F.mul(roots_[j], roots_[j - 1], omega_);
      }
    }
  }

  /** A primitive 2^k-th root of unity, as ffjavascript (snarkjs) picks it: 5^((r−1)/2^k), Montgomery form. */
  static Elem rootOfUnity(uint32_t k) {
    mpz_t r, e, g;
    mpz_init_set_str(r, "21888242871839275222246405745257275088548364400416034343698204186575808495617", 10);
    mpz_init(e);
    mpz_init_set_ui(g, 5);
    mpz_sub_ui(e, r, 1);
    mpz_fdiv_q_2exp(e, e, k);
    mpz_powm(g, g, e, r);
    Elem out;
    AltBn128::Fr.fromMpz(out, g);
    mpz_clears(r, e, g, nullptr);
    return out;
  }

  uint64_t size() const { return n_; }

  /** Evaluations at ω^i → evaluations at ω^i (forward transform of coefficients). */
  void forward(Elem* a) const { transform(a, false); }

  /** Inverse transform, with coefficient i then multiplied by scale·shift^i (one pass for 1/n and a coset). */
  void inverseScaled(Elem* a, const Elem& shift) const {
    transform(a, true);
    auto& F = AltBn128::Fr;
    Elem nInv;
    {
      mpz_t r, v;
      mpz_init_set_str(r, "21888242871839275222246405745257275088548364400416034343698204186575808495617", 10);
      mpz_init_set_ui(v, n_);
      mpz_invert(v, v, r);
      F.fromMpz(nInv, v);
      mpz_clears(r, v, nullptr);
    }
    const uint64_t n = n_;
#pragma omp parallel
    {
      const uint64_t t = omp_get_thread_num(), nt = omp_get_num_threads();
      const uint64_t lo = n * t / nt, hi = n * (t + 1) / nt;
      Elem k;
      uint64_t e = lo;
      F.exp(k, const_cast<Elem&>(shift), reinterpret_cast<uint8_t*>(&e), sizeof e);
      if (lo == 0) k = F.one();
      F.mul(k, k, nInv);
      for (uint64_t i = lo; i < hi; i++) {
        F.mul(a[i], a[i], k);
        F.mul(k, k, shift);
      }
    }
  }

 private:
  uint32_t power_;
  uint64_t n_;
  Elem omega_;
  std::vector<Elem> roots_;

  void transform(Elem* a, bool inverse) const {
    auto& F = AltBn128::Fr;
    const uint64_t n = n_;
    const uint32_t p = power_;
    // Bit-reversal permutation.
#pragma omp parallel for
    for (uint64_t i = 0; i < n; i++) {
      uint64_t r = 0, x = i;
      for (uint32_t b = 0; b < p; b++, x >>= 1) r = (r << 1) | (x & 1);
      if (i < r) std::swap(a[i], a[r]);
    }
    for (uint32_t s = 1; s <= p; s++) {
      const uint64_t half = uint64_t{1} << (s - 1);
      const uint32_t rootShift = p - s;  // stage root ω_s^j = ω^(j << (p−s))
#pragma omp parallel for
      for (uint64_t i = 0; i < n / 2; i++) {
        const uint64_t j = i & (half - 1);
        const uint64_t k = ((i >> (s - 1)) << s) + j;
        // The inverse transform uses ω^−j = −ω^(n/2 − j) for j > 0.
        uint64_t ri = j << rootShift;
        Elem t;
        if (inverse && ri != 0) {
          F.mul(t, roots_[n / 2 - ri], a[k + half]);
          F.neg(t, t);
        } else {
          F.mul(t, roots_[ri], a[k + half]);
        }
        Elem u = a[k];
        F.add(a[k], u, t);
        F.sub(a[k + half], u, t);
      }
    }
  }
};

}  // namespace rwa
