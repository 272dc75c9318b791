// SIMD pooling (NCHW f32), separable: for each output row, the window's input rows are reduced
// column by column into a row buffer (vertical pass, contiguous loads), then each output takes
// the reduction of kw entries of that buffer (horizontal pass, vectorised over output columns,
// stride 1; for a larger stride the stride-1 result is decimated). The window's clipping
// against the input and the padding becomes the buffer's fill value (-inf or 0), and the
// average's divisor is (rows counted) x (columns counted), both per axis.
//
// Max equals ref exactly (NaN propagates; which NaN payload survives may differ). Average sums
// in a different order than ref (rows first), so it agrees to float reassociation; the test
// bounds it (kAvgSimdAbs).
//
// Buffers are on the stack: output columns are processed in blocks of 128 so the row buffer
// stays under 8 KiB; a window whose extent would not fit (stride x 128 + kernel extent > 2048
// columns) takes the per-output loop.
#pragma once

#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

#include "../../simd/arch.hpp"
#include "../../simd/vmath.hpp"
#include "../common/simd_util.hpp"
#include "params.hpp"

#if LUODI_HAS_XSIMD

namespace luodi {
namespace kernels {
namespace simd_impl {

using ::luodi::simd::fbatch;

template <class Arch, bool IsMax>
LUODI_ALWAYS_INLINE fbatch<Arch> pool_combine(const fbatch<Arch>& acc, const fbatch<Arch>& v) noexcept {
  if constexpr (IsMax) {
    return nan_max<Arch>(acc, v);
  } else {
    return acc + v;
  }
}

// Columns [lo, hi) of the window counted by the divisor along one axis, for a window starting
// at `start` with `k` taps of dilation 1.
LUODI_ALWAYS_INLINE std::int64_t pool_axis_count(std::int64_t start, std::int64_t k, std::int64_t lo, std::int64_t hi) noexcept {
  const std::int64_t a = start > lo ? start : lo;
  const std::int64_t b = start + k < hi ? start + k : hi;
  return b > a ? b - a : 0;
}

// o[q] = h[2q] for whole batches of q (a stride-2 window's outputs from the stride-1 pass):
// the even lanes of two batches through two constant permutes and a constant blend, instead of
// one scalar load and store per output. x86 only (xsimd 8.1 has the float swizzle there);
// returns how many outputs it wrote, the caller does the rest.
struct EvenLanes {
  static constexpr std::uint32_t get(std::size_t i, std::size_t n) { return static_cast<std::uint32_t>((2 * i) % n); }
};
struct LowHalf {
  static constexpr bool get(std::size_t i, std::size_t n) { return i < n / 2; }
};
template <class Arch>
LUODI_ALWAYS_INLINE std::int64_t decimate2(const float* h, float* o, std::int64_t n_out) noexcept {
#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__)
  if constexpr (std::is_base_of<xsimd::sse2, Arch>::value) {
    using B = fbatch<Arch>;
    constexpr std::int64_t L = static_cast<std::int64_t>(B::size);
    constexpr auto even = xsimd::make_batch_constant<xsimd::batch<std::uint32_t, Arch>, EvenLanes>();
    constexpr auto low = xsimd::make_batch_bool_constant<B, LowHalf>();
    std::int64_t q = 0;
    for (; q + L <= n_out; q += L) {
      const B a = xsimd::swizzle(B::load_aligned(h + 2 * q), even);
      const B b = xsimd::swizzle(B::load_aligned(h + 2 * q + L), even);
      xsimd::select(low, a, b).store_unaligned(o + q);
    }
    return q;
  }
#endif
  (void)h;
  (void)o;
  (void)n_out;
  return 0;
}

template <class Arch, bool IsMax>
void pool_planes(const PoolParams& p, const float* x, float* y, std::int64_t p0, std::int64_t p1) noexcept {
  using B = fbatch<Arch>;
  constexpr std::int64_t L = static_cast<std::int64_t>(B::size);
  constexpr std::int64_t kBlock = 128, kBuf = 2048;
  const float fill = IsMax ? -std::numeric_limits<float>::infinity() : 0.0f;
  const std::int64_t ext_w = (p.kw - 1) * p.dw + 1;
  alignas(64) float v[kBuf + 64];
  alignas(64) float h[kBuf + 64];
  const bool buffered = (kBlock - 1) * p.sw + ext_w <= kBuf;
  // The average's column counts, once per call (they do not depend on the plane or the row).
  alignas(64) float wcount[kBuf + 64];
  const std::int64_t ncount = p.ow < kBuf ? p.ow : kBuf;
  if constexpr (!IsMax)
    for (std::int64_t q = 0; q < ncount; ++q)
      wcount[q] = static_cast<float>(pool_axis_count(q * p.sw - p.pad_left, p.kw, p.count_include_pad ? -p.pad_left : 0,
                                                     p.count_include_pad ? p.iw + p.pad_right : p.iw));
  for (std::int64_t plane = p0; plane < p1; ++plane) {
    const float* in = x + plane * p.ih * p.iw;
    float* out = y + plane * p.oh * p.ow;
    for (std::int64_t oh = 0; oh < p.oh; ++oh) {
      const std::int64_t r0 = oh * p.sh - p.pad_top;
      // the window's rows inside the input
      std::int64_t rows[64];
      int nrows = 0;
      bool rows_fit = true;
      for (std::int64_t i = 0; i < p.kh; ++i) {
        const std::int64_t r = r0 + i * p.dh;
        if (r < 0 || r >= p.ih) continue;
        if (nrows == 64) {
          rows_fit = false;
          break;
        }
        rows[nrows++] = r;
      }
      const std::int64_t hcount =
          IsMax ? 0 : pool_axis_count(r0, p.kh, p.count_include_pad ? -p.pad_top : 0, p.count_include_pad ? p.ih + p.pad_bottom : p.ih);
      if (!buffered || !rows_fit) {
        // Per output: the same taps as ref, in ref's order.
        for (std::int64_t ow = 0; ow < p.ow; ++ow) {
          const std::int64_t c0 = ow * p.sw - p.pad_left;
          float acc = fill;
          for (std::int64_t i = 0; i < p.kh; ++i) {
            const std::int64_t r = r0 + i * p.dh;
            if (r < 0 || r >= p.ih) continue;
            for (std::int64_t j = 0; j < p.kw; ++j) {
              const std::int64_t c = c0 + j * p.dw;
              if (c < 0 || c >= p.iw) continue;
              const float t = in[r * p.iw + c];
              if constexpr (IsMax) {
                if (t > acc || t != t) acc = t;
              } else {
                acc += t;
              }
            }
          }
          if constexpr (!IsMax) {
            const std::int64_t wc = pool_axis_count(c0, p.kw, p.count_include_pad ? -p.pad_left : 0,
                                                    p.count_include_pad ? p.iw + p.pad_right : p.iw);
            const std::int64_t n = hcount * wc;
            acc = n > 0 ? acc / static_cast<float>(n) : 0.0f;
          }
          out[oh * p.ow + ow] = acc;
        }
        continue;
      }
      for (std::int64_t ob = 0; ob < p.ow; ob += kBlock) {
        const std::int64_t n_out = p.ow - ob < kBlock ? p.ow - ob : kBlock;
        const std::int64_t c_begin = ob * p.sw - p.pad_left;
        const std::int64_t vlen = (n_out - 1) * p.sw + ext_w;
        // vertical pass: v[j] = reduce over rows of in[r][c_begin + j], fill outside the input
        const std::int64_t in_lo = c_begin < 0 ? -c_begin : 0;  // first j inside the input
        std::int64_t in_hi = p.iw - c_begin;                     // first j past the input
        if (in_hi > vlen) in_hi = vlen;
        if (in_hi < in_lo) in_hi = in_lo;
        for (std::int64_t j = 0; j < in_lo; ++j) v[j] = fill;
        for (std::int64_t j = in_hi; j < vlen + L; ++j) v[j] = fill;
        if (nrows == 0) {
          for (std::int64_t j = in_lo; j < in_hi; ++j) v[j] = fill;
        } else {
          // (column c_begin + j >= 0 here: j >= in_lo)
          const float* row0 = in + rows[0] * p.iw;
          std::int64_t j = in_lo;
          for (; j + L <= in_hi; j += L) {
            B acc = B::load_unaligned(row0 + (c_begin + j));
            for (int k = 1; k < nrows; ++k)
              acc = pool_combine<Arch, IsMax>(acc, B::load_unaligned(in + rows[k] * p.iw + (c_begin + j)));
            acc.store_unaligned(v + j);
          }
          if (j < in_hi && in_hi - in_lo >= L) {
            // the last batch ends at in_hi and overlaps the previous one (same values rewritten)
            const std::int64_t jl = in_hi - L;
            B acc = B::load_unaligned(row0 + (c_begin + jl));
            for (int k = 1; k < nrows; ++k)
              acc = pool_combine<Arch, IsMax>(acc, B::load_unaligned(in + rows[k] * p.iw + (c_begin + jl)));
            acc.store_unaligned(v + jl);
            j = in_hi;
          }
          for (; j < in_hi; ++j) {
            float acc = row0[c_begin + j];
            for (int k = 1; k < nrows; ++k) {
              const float t = in[rows[k] * p.iw + (c_begin + j)];
              if constexpr (IsMax) {
                if (t > acc || t != t) acc = t;
              } else {
                acc += t;
              }
            }
            v[j] = acc;
          }
        }
        // horizontal pass, stride 1 over the buffer: h[j] = reduce_k v[j + k*dw]; v holds fill
        // values past vlen, so whole batches can be read and written into h
        const std::int64_t hlen = (n_out - 1) * p.sw + 1;
        for (std::int64_t j = 0; j < hlen; j += L) {
          B acc = B::load_unaligned(v + j);
          for (std::int64_t k = 1; k < p.kw; ++k) acc = pool_combine<Arch, IsMax>(acc, B::load_unaligned(v + j + k * p.dw));
          acc.store_aligned(h + j);
        }
        float* o = out + oh * p.ow + ob;
        if constexpr (IsMax) {
          std::int64_t q = 0;
          if (p.sw == 2) q = decimate2<Arch>(h, o, n_out);
          for (; q < n_out; ++q) o[q] = h[q * p.sw];
        } else if (p.sw == 1 && ob + n_out <= ncount) {
          // divide by rows x columns counted, a batch at a time
          const B hc(static_cast<float>(hcount));
          std::int64_t q = 0;
          for (; q + L <= n_out; q += L) {
            const B n = hc * B::load_unaligned(wcount + ob + q);
            xsimd::select(n > B(0.0f), simd::vdiv<Arch>(B::load_aligned(h + q), n), B(0.0f)).store_unaligned(o + q);
          }
          for (; q < n_out; ++q) {
            const float n = static_cast<float>(hcount) * wcount[ob + q];
            o[q] = n > 0.0f ? h[q] / n : 0.0f;
          }
        } else {
          // divide by rows x columns counted
          const float hc = static_cast<float>(hcount);
          for (std::int64_t q = 0; q < n_out; ++q) {
            const std::int64_t col = ob + q;
            const float wc = col < ncount ? wcount[col]
                                          : static_cast<float>(pool_axis_count(col * p.sw - p.pad_left, p.kw,
                                                                               p.count_include_pad ? -p.pad_left : 0,
                                                                               p.count_include_pad ? p.iw + p.pad_right : p.iw));
            const float n = hc * wc;
            o[q] = n > 0.0f ? h[q * p.sw] / n : 0.0f;
          }
        }
      }
    }
  }
}

// One window over the whole plane: a vector reduction with four accumulators.
template <class Arch, bool IsMax>
void global_pool_planes(const PoolParams& p, const float* x, float* y, std::int64_t p0, std::int64_t p1) noexcept {
  using B = fbatch<Arch>;
  constexpr std::int64_t L = static_cast<std::int64_t>(B::size);
  const std::int64_t n = p.ih * p.iw;
  const float fill = IsMax ? -std::numeric_limits<float>::infinity() : 0.0f;
  for (std::int64_t plane = p0; plane < p1; ++plane) {
    const float* in = x + plane * n;
    B a0(fill), a1(fill), a2(fill), a3(fill);
    std::int64_t i = 0;
    for (; i + 4 * L <= n; i += 4 * L) {
      a0 = pool_combine<Arch, IsMax>(a0, B::load_unaligned(in + i));
      a1 = pool_combine<Arch, IsMax>(a1, B::load_unaligned(in + i + L));
      a2 = pool_combine<Arch, IsMax>(a2, B::load_unaligned(in + i + 2 * L));
      a3 = pool_combine<Arch, IsMax>(a3, B::load_unaligned(in + i + 3 * L));
    }
    for (; i + L <= n; i += L) a0 = pool_combine<Arch, IsMax>(a0, B::load_unaligned(in + i));
    a0 = pool_combine<Arch, IsMax>(pool_combine<Arch, IsMax>(a0, a1), pool_combine<Arch, IsMax>(a2, a3));
    float acc;
    if constexpr (IsMax) acc = hfold<Arch>(a0, [](float a, float b) noexcept { return (b > a || b != b) ? b : a; });
    else acc = hsum<Arch>(a0);
    for (; i < n; ++i) {
      if constexpr (IsMax) {
        if (in[i] > acc || in[i] != in[i]) acc = in[i];
      } else {
        acc += in[i];
      }
    }
    y[plane] = IsMax ? acc : acc / static_cast<float>(n);
  }
}

template <class Arch>
void pool_f32(const PoolParams& p, const float* x, float* y, std::int64_t p0, std::int64_t p1) noexcept {
  const bool global = p.oh == 1 && p.ow == 1 && p.kh == p.ih && p.kw == p.iw && p.pad_top == 0 && p.pad_left == 0 &&
                      p.pad_bottom == 0 && p.pad_right == 0 && p.dh == 1 && p.dw == 1;
  if (p.kind == PoolKind::Max) {
    if (global) return global_pool_planes<Arch, true>(p, x, y, p0, p1);
    return pool_planes<Arch, true>(p, x, y, p0, p1);
  }
  if (global) return global_pool_planes<Arch, false>(p, x, y, p0, p1);
  pool_planes<Arch, false>(p, x, y, p0, p1);
}

}  // namespace simd_impl
}  // namespace kernels
}  // namespace luodi

#endif  // LUODI_HAS_XSIMD
