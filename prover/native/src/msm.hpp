// Multi-scalar multiplication Σ scalarᵢ·Pᵢ (Pippenger's bucket method) over ffiasm's curve arithmetic,
// tuned for Groth16 witnesses: zero scalars are dropped before anything else (about 40% of a pool
// attestation's witness), the window width is chosen from the count and bit length of what is left, digits
// are signed (half the buckets, a negated affine point costs one field negation), and threads take whole
// windows each with their own buckets, so no bucket arrays need merging between threads.
#pragma once

#include <omp.h>

#include <cstdint>
#include <cstring>
#include <vector>

namespace rwa {

/** Bit length of a little-endian 256-bit scalar (0 for zero). */
inline unsigned bitLength(const uint64_t s[4]) {
  for (int w = 3; w >= 0; w--)
    if (s[w]) return 64 * w + 64 - __builtin_clzll(s[w]);
  return 0;
}

/** Bits [pos, pos+c) of a little-endian 256-bit scalar (c ≤ 32). */
inline uint64_t bitsAt(const uint64_t s[4], unsigned pos, unsigned c) {
  const unsigned w = pos / 64, off = pos % 64;
  if (w >= 4) return 0;
  uint64_t v = s[w] >> off;
  if (off + c > 64 && w + 1 < 4) v |= s[w + 1] << (64 - off);
  return v & ((uint64_t{1} << c) - 1);
}

/**
 * result = Σ scalars[i]·bases[i] for i < n; scalars are 32-byte little-endian integers (plain, not
 * Montgomery), bases affine points (the point at infinity as (0, 0), as in snarkjs's keys).
 */
template <typename Curve>
void multiExp(Curve& G, typename Curve::Point& result, const typename Curve::PointAffine* bases,
              const uint8_t* scalars, uint64_t n) {
  using Point = typename Curve::Point;
  using Affine = typename Curve::PointAffine;
  auto scalar = [&](uint64_t i) { return reinterpret_cast<const uint64_t*>(scalars + 32 * i); };

  std::vector<uint32_t> idx;
  idx.reserve(n);
  unsigned maxBits = 0;
  for (uint64_t i = 0; i < n; i++) {
    unsigned b = bitLength(scalar(i));
    if (b == 0) continue;
    idx.push_back(static_cast<uint32_t>(i));
    if (b > maxBits) maxBits = b;
  }
  G.copy(result, G.zero());
  const uint64_t m = idx.size();
  if (m == 0) return;

  // Cost of width c: per window, one mixed addition per point and about 2^c bucket additions (two per
  // signed bucket, each dearer than a mixed one). One window more than maxBits/c absorbs the last carry.
  unsigned c = 1;
  double best = 1e300;
  for (unsigned w = 1; w <= 16; w++) {
    const double cost = double(maxBits / w + 1) * (double(m) + 1.5 * double(uint64_t{1} << w));
    if (cost < best) best = cost, c = w;
  }
  const unsigned nWindows = maxBits / c + 1;
  const int64_t half = int64_t{1} << (c - 1), full = int64_t{1} << c;

  // Signed digits in [-2^(c-1), 2^(c-1)], window-major so each window reads its digits in sequence.
  std::vector<int32_t> digits(uint64_t{nWindows} * m);
#pragma omp parallel for
  for (uint64_t j = 0; j < m; j++) {
    const uint64_t* s = scalar(idx[j]);
    int64_t carry = 0;
    for (unsigned k = 0; k < nWindows; k++) {
      int64_t d = static_cast<int64_t>(bitsAt(s, k * c, c)) + carry;
      carry = d > half ? 1 : 0;
      if (carry) d -= full;
      digits[uint64_t{k} * m + j] = static_cast<int32_t>(d);
    }
  }

  std::vector<Point> windowSums(nWindows);
#pragma omp parallel
  {
    std::vector<Point> buckets(half);
#pragma omp for schedule(dynamic, 1)
    for (unsigned k = 0; k < nWindows; k++) {
      for (auto& b : buckets) G.copy(b, G.zero());
      const int32_t* dk = digits.data() + uint64_t{k} * m;
      for (uint64_t j = 0; j < m; j++) {
        const int32_t d = dk[j];
        if (d > 0) {
          G.add(buckets[d - 1], buckets[d - 1], const_cast<Affine&>(bases[idx[j]]));
        } else if (d < 0) {
          Affine neg;
          G.neg(neg, const_cast<Affine&>(bases[idx[j]]));
          G.add(buckets[-d - 1], buckets[-d - 1], neg);
        }
      }
      // Σ_b (b+1)·bucket[b] as a running sum from the top bucket down.
      Point running, sum;
      G.copy(running, G.zero());
      G.copy(sum, G.zero());
      for (int64_t b = half - 1; b >= 0; b--) {
        G.add(running, running, buckets[b]);
        G.add(sum, sum, running);
      }
      G.copy(windowSums[k], sum);
    }
  }
  G.copy(result, windowSums[nWindows - 1]);
  for (int k = static_cast<int>(nWindows) - 2; k >= 0; k--) {
    for (unsigned i = 0; i < c; i++) G.dbl(result, result);
    G.add(result, result, windowSums[k]);
  }
}

}  // namespace rwa
