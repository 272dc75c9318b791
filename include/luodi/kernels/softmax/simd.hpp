// SIMD Softmax / LogSoftmax.
//
// Two layouts, chosen by the axis' stride:
//   inner == 1 (the last axis, e.g. 1000 classes): each line is contiguous; a vector max, then
//     exp(x - max) stored into y while summing, then one scaling pass;
//   inner > 1 (e.g. the channel axis of NCHW, stride H*W): lanes run across the inner index, so
//     each lane holds its own line and the passes walk the axis with stride `inner`; no
//     horizontal reductions at all.
// exp is vmath's vexp_nonpositive (1 ULP; x - max <= 0, so no overflow handling, and terms
// below FLT_MIN become 0); the sum's order differs from ref's, and the division is a
// multiplication by the reciprocal of the sum, so results agree with ref to a few ULP (the test
// states the bound). In place (x == y) is allowed.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "../../simd/arch.hpp"
#include "../../simd/vmath.hpp"
#include "../common/simd_util.hpp"
#include "params.hpp"

#if LUODI_HAS_XSIMD

namespace luodi {
namespace kernels {
namespace simd_impl {

using ::luodi::simd::fbatch;

// One contiguous line of n.
template <class Arch>
LUODI_ALWAYS_INLINE void softmax_line(const float* x, float* y, std::int64_t n, bool log) noexcept {
  using B = fbatch<Arch>;
  constexpr std::int64_t L = static_cast<std::int64_t>(B::size);
  const float ninf = -std::numeric_limits<float>::infinity();
  B m0(ninf), m1(ninf);
  std::int64_t i = 0;
  for (; i + 2 * L <= n; i += 2 * L) {
    m0 = nan_max<Arch>(m0, B::load_unaligned(x + i));
    m1 = nan_max<Arch>(m1, B::load_unaligned(x + i + L));
  }
  for (; i + L <= n; i += L) m0 = nan_max<Arch>(m0, B::load_unaligned(x + i));
  if (i < n) m0 = nan_max<Arch>(m0, load_partial<Arch>(x + i, n - i, ninf));
  m0 = nan_max<Arch>(m0, m1);
  alignas(64) float lanes[L];
  m0.store_aligned(lanes);
  float m = ninf;
  for (std::int64_t k = 0; k < L; ++k)
    if (lanes[k] > m || lanes[k] != lanes[k]) m = lanes[k];
  const B mb(m);
  B s0(0.0f), s1(0.0f);
  i = 0;
  if (log) {
    for (; i + 2 * L <= n; i += 2 * L) {
      s0 += simd::vexp_nonpositive<Arch>(B::load_unaligned(x + i) - mb);
      s1 += simd::vexp_nonpositive<Arch>(B::load_unaligned(x + i + L) - mb);
    }
    for (; i + L <= n; i += L) s0 += simd::vexp_nonpositive<Arch>(B::load_unaligned(x + i) - mb);
    if (i < n) s0 += simd::vexp_nonpositive<Arch>(load_partial<Arch>(x + i, n - i, ninf) - mb);  // exp(-inf) = 0
  } else {
    for (; i + 2 * L <= n; i += 2 * L) {
      const B e0 = simd::vexp_nonpositive<Arch>(B::load_unaligned(x + i) - mb);
      const B e1 = simd::vexp_nonpositive<Arch>(B::load_unaligned(x + i + L) - mb);
      e0.store_unaligned(y + i);
      e1.store_unaligned(y + i + L);
      s0 += e0;
      s1 += e1;
    }
    for (; i + L <= n; i += L) {
      const B e = simd::vexp_nonpositive<Arch>(B::load_unaligned(x + i) - mb);
      e.store_unaligned(y + i);
      s0 += e;
    }
    if (i < n) {
      const B e = simd::vexp_nonpositive<Arch>(load_partial<Arch>(x + i, n - i, ninf) - mb);
      store_partial<Arch>(y + i, e, n - i);
      s0 += e;
    }
  }
  (s0 + s1).store_aligned(lanes);
  float sum = 0.0f;
  for (std::int64_t k = 0; k < L; ++k) sum += lanes[k];
  i = 0;
  if (log) {
    const B off(m + std::log(sum));
    for (; i + L <= n; i += L) (B::load_unaligned(x + i) - off).store_unaligned(y + i);
    if (i < n) store_partial<Arch>(y + i, load_partial<Arch>(x + i, n - i, 0.0f) - off, n - i);
  } else {
    const B inv(1.0f / sum);
    for (; i + L <= n; i += L) (B::load_unaligned(y + i) * inv).store_unaligned(y + i);
    if (i < n) store_partial<Arch>(y + i, load_partial<Arch>(y + i, n - i, 0.0f) * inv, n - i);
  }
}

// `w` (<= lanes) adjacent lines that start at x[0..w) and walk with stride `inner`.
template <class Arch>
LUODI_ALWAYS_INLINE void softmax_lanes(const float* x, float* y, std::int64_t n, std::int64_t inner, std::int64_t w,
                                       bool log) noexcept {
  using B = fbatch<Arch>;
  constexpr std::int64_t L = static_cast<std::int64_t>(B::size);
  const float ninf = -std::numeric_limits<float>::infinity();
  auto ld = [&](const float* p) noexcept { return w == L ? B::load_unaligned(p) : load_partial<Arch>(p, w, ninf); };
  auto st = [&](float* p, const B& v) noexcept {
    if (w == L) v.store_unaligned(p);
    else store_partial<Arch>(p, v, w);
  };
  B m(ninf);
  for (std::int64_t k = 0; k < n; ++k) m = nan_max<Arch>(m, ld(x + k * inner));
  B s(0.0f);
  if (log) {
    for (std::int64_t k = 0; k < n; ++k) s += simd::vexp_nonpositive<Arch>(ld(x + k * inner) - m);
    const B off = m + simd::vlog<Arch>(s);
    for (std::int64_t k = 0; k < n; ++k) st(y + k * inner, ld(x + k * inner) - off);
  } else {
    for (std::int64_t k = 0; k < n; ++k) {
      const B e = simd::vexp_nonpositive<Arch>(ld(x + k * inner) - m);
      st(y + k * inner, e);
      s += e;
    }
    const B inv = simd::vdiv<Arch>(B(1.0f), s);
    for (std::int64_t k = 0; k < n; ++k) st(y + k * inner, ld(y + k * inner) * inv);
  }
}

// A block of up to `nb` batches of adjacent lines (w lines in all), staged through a buffer:
// the axis walks memory with stride `inner`, which for NCHW is a multiple of 4 KiB whenever
// H*W is a multiple of 1024 floats, and then every row of the walk maps to the same L1 set
// (64 KiB apart for 128x128). Reading each row segment once into `tmp` and doing the three
// passes there keeps the conflicts to one pass over memory.
template <class Arch>
LUODI_ALWAYS_INLINE void softmax_block(const float* x, float* y, std::int64_t n, std::int64_t inner, std::int64_t w,
                                       std::int64_t nb, bool log, float* tmp) noexcept {
  using B = fbatch<Arch>;
  constexpr std::int64_t L = static_cast<std::int64_t>(B::size);
  constexpr std::int64_t kMaxBatches = 4;
  const float ninf = -std::numeric_limits<float>::infinity();
  const std::int64_t W = nb * L;
  B m[kMaxBatches], s[kMaxBatches];
  for (std::int64_t b = 0; b < nb; ++b) {
    m[b] = B(ninf);
    s[b] = B(0.0f);
  }
  for (std::int64_t k = 0; k < n; ++k) {
    const float* row = x + k * inner;
    for (std::int64_t b = 0; b < nb; ++b) {
      const std::int64_t rem = w - b * L;
      const B v = rem >= L ? B::load_unaligned(row + b * L) : load_partial<Arch>(row + b * L, rem > 0 ? rem : 0, ninf);
      v.store_aligned(tmp + k * W + b * L);
      m[b] = nan_max<Arch>(m[b], v);
    }
  }
  for (std::int64_t k = 0; k < n; ++k)
    for (std::int64_t b = 0; b < nb; ++b) {
      float* t = tmp + k * W + b * L;
      const B e = simd::vexp_nonpositive<Arch>(B::load_aligned(t) - m[b]);
      if (!log) e.store_aligned(t);
      s[b] += e;
    }
  for (std::int64_t b = 0; b < nb; ++b) s[b] = log ? m[b] + simd::vlog<Arch>(s[b]) : simd::vdiv<Arch>(B(1.0f), s[b]);
  for (std::int64_t k = 0; k < n; ++k) {
    float* row = y + k * inner;
    for (std::int64_t b = 0; b < nb; ++b) {
      const B t = B::load_aligned(tmp + k * W + b * L);
      const B r = log ? t - s[b] : t * s[b];
      const std::int64_t rem = w - b * L;
      if (rem >= L) r.store_unaligned(row + b * L);
      else if (rem > 0) store_partial<Arch>(row + b * L, r, rem);
    }
  }
}

// Lines [l0, l1) of outer * inner, line = o * inner + i.
template <class Arch>
void softmax_f32(const SoftmaxParams& p, const float* x, float* y, std::int64_t l0, std::int64_t l1) noexcept {
  constexpr std::int64_t L = static_cast<std::int64_t>(fbatch<Arch>::size);
  constexpr std::int64_t kBuf = 4096;  // floats: 16 KiB of stack
  if (p.inner == 1) {
    for (std::int64_t o = l0; o < l1; ++o) softmax_line<Arch>(x + o * p.n, y + o * p.n, p.n, p.log);
    return;
  }
  // batches per block: as many as the buffer holds for this axis length, at most 4
  std::int64_t nb = p.n > 0 ? kBuf / (p.n * L) : 4;
  if (nb > 4) nb = 4;
  alignas(64) float tmp[kBuf];
  std::int64_t line = l0;
  while (line < l1) {
    const std::int64_t o = line / p.inner, i = line % p.inner;
    const std::int64_t row_end = (o + 1) * p.inner < l1 ? (o + 1) * p.inner : l1;
    const std::int64_t base = o * p.n * p.inner + i;
    if (nb >= 1) {
      const std::int64_t w = row_end - line < nb * L ? row_end - line : nb * L;
      softmax_block<Arch>(x + base, y + base, p.n, p.inner, w, (w + L - 1) / L, p.log, tmp);
      line += w;
    } else {  // a long axis: lane by lane, no staging
      const std::int64_t w = row_end - line < L ? row_end - line : L;
      softmax_lanes<Arch>(x + base, y + base, p.n, p.inner, w, p.log);
      line += w;
    }
  }
}

}  // namespace simd_impl
}  // namespace kernels
}  // namespace luodi

#endif  // LUODI_HAS_XSIMD
