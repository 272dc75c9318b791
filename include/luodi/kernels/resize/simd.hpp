// SIMD Resize (NCHW f32), separable: the horizontal taps and weights of a block of output
// columns are computed once; for each output row the input rows it needs are interpolated
// horizontally (gathers + FMAs) into row buffers, which are kept while consecutive output rows
// share input rows (an upsample by 2 reads each input row once per block, not twice); then the
// rows are blended vertically. Nearest upsampling by exactly 2 (each input column twice, e.g.
// PP-OCR's FPN) duplicates lanes with zips instead of gathering, and an output row whose
// source row is the one of the row above is a copy of it.
//
// Same taps and weights as ref (detail::resize_taps); the products are summed in the same
// order but with FMAs, so linear and cubic agree with ref to about an ULP of the inputs'
// magnitude; nearest is exact. tf_crop_and_resize (extrapolation per output) takes the generic
// per-output loop. Buffers live on the stack (output columns in blocks of 256: about 12 KiB).
// Taps are gathered with scalar loads (common/simd_util.hpp: gather_loads): on Zen 4 the AVX2
// and AVX-512 gather instructions were slower (linear x2, 1x96x80x80: 3980 / 2749 us with
// gathers against the SSE2 build's 2561 us).
#pragma once

#include <cstdint>
#include <cstring>

#include "../../simd/arch.hpp"
#include "../common/simd_util.hpp"
#include "params.hpp"

#if LUODI_HAS_XSIMD

namespace luodi {
namespace kernels {
namespace simd_impl {

using ::luodi::simd::fbatch;

// The generic per-output loop, instantiated per ISA (tf_crop_and_resize).
template <class Arch>
void resize_generic(const ResizeParams& p, const float* x, float* y, std::int64_t p0, std::int64_t p1) noexcept {
  for (std::int64_t plane = p0; plane < p1; ++plane) {
    const float* in = x + plane * p.ih * p.iw;
    float* out = y + plane * p.oh * p.ow;
    for (std::int64_t oy = 0; oy < p.oh; ++oy) {
      const detail::ResizeTaps ty = detail::resize_taps(p.a, oy, p.scale_h, p.ih, p.oh, p.len_h, p.roi_h0, p.roi_h1);
      for (std::int64_t ox = 0; ox < p.ow; ++ox) {
        const detail::ResizeTaps tx = detail::resize_taps(p.a, ox, p.scale_w, p.iw, p.ow, p.len_w, p.roi_w0, p.roi_w1);
        if (ty.outside || tx.outside) {
          out[oy * p.ow + ox] = p.a.extrapolation_value;
          continue;
        }
        float acc = 0.0f;
        for (int i = 0; i < ty.count; ++i) {
          float row = 0.0f;
          for (int j = 0; j < tx.count; ++j) row += tx.w[j] * in[ty.idx[i] * p.iw + tx.idx[j]];
          acc += ty.w[i] * row;
        }
        out[oy * p.ow + ox] = acc;
      }
    }
  }
}

template <class Arch>
void resize_f32(const ResizeParams& p, const float* x, float* y, std::int64_t p0, std::int64_t p1) noexcept {
  using B = fbatch<Arch>;
  constexpr std::int64_t L = static_cast<std::int64_t>(B::size);
  constexpr std::int64_t kBlock = 256;
  if (p.a.coord == CoordMode::TfCropAndResize || p.iw > 0x7FFFFFFF) return resize_generic<Arch>(p, x, y, p0, p1);
  alignas(64) std::int32_t xi[4][kBlock + 16];
  alignas(64) float xw[4][kBlock + 16];
  alignas(64) float rowbuf[4][kBlock + 16];
  std::int64_t rowsrc[4];
  for (std::int64_t ob = 0; ob < p.ow; ob += kBlock) {
    const std::int64_t nb = p.ow - ob < kBlock ? p.ow - ob : kBlock;
    const std::int64_t nbp = (nb + L - 1) / L * L;  // padded to whole batches
    int xcount = 1;
    for (std::int64_t j = 0; j < nbp; ++j) {
      if (j < nb) {
        const detail::ResizeTaps t = detail::resize_taps(p.a, ob + j, p.scale_w, p.iw, p.ow, p.len_w, p.roi_w0, p.roi_w1);
        xcount = t.count;
        for (int k = 0; k < t.count; ++k) {
          xi[k][j] = static_cast<std::int32_t>(t.idx[k]);
          xw[k][j] = t.w[k];
        }
      } else {
        for (int k = 0; k < 4; ++k) {
          xi[k][j] = 0;
          xw[k][j] = 0.0f;
        }
      }
    }
    // nearest, every input column exactly twice from column ob/2 on: duplicate lanes
    bool dup2 = p.a.mode == ResizeMode::Nearest && ob % 2 == 0;
    for (std::int64_t j = 0; dup2 && j < nb; ++j) dup2 = xi[0][j] == static_cast<std::int32_t>((ob + j) / 2);
    for (std::int64_t plane = p0; plane < p1; ++plane) {
      const float* in = x + plane * p.ih * p.iw;
      float* out = y + plane * p.oh * p.ow + ob;
      for (int k = 0; k < 4; ++k) rowsrc[k] = -1;
      std::int64_t prev_src = -1;
      for (std::int64_t oy = 0; oy < p.oh; ++oy, out += p.ow) {
        const detail::ResizeTaps ty = detail::resize_taps(p.a, oy, p.scale_h, p.ih, p.oh, p.len_h, p.roi_h0, p.roi_h1);
        if (p.a.mode == ResizeMode::Nearest) {
          if (oy > 0 && ty.idx[0] == prev_src) {  // the same source row: copy the output row above
            std::memcpy(out, out - p.ow, static_cast<std::size_t>(nb) * sizeof(float));
            continue;
          }
          prev_src = ty.idx[0];
          const float* row = in + ty.idx[0] * p.iw;
          std::int64_t j = 0;
          if (dup2) {
            const float* src = row + ob / 2;
            // zip_lo / zip_hi interleave within each 128-bit lane (unpcklps), so on AVX and
            // AVX-512 their 4-float pieces are put back in order through a small buffer
            alignas(64) float lo[L], hi[L];
            for (; j + 2 * L <= nb; j += 2 * L) {
              const B v = B::load_unaligned(src + j / 2);
              if constexpr (L == 4) {
                xsimd::zip_lo(v, v).store_unaligned(out + j);
                xsimd::zip_hi(v, v).store_unaligned(out + j + L);
              } else {
                xsimd::zip_lo(v, v).store_aligned(lo);
                xsimd::zip_hi(v, v).store_aligned(hi);
                for (std::int64_t q = 0; q < L / 4; ++q) {
                  std::memcpy(out + j + 8 * q, lo + 4 * q, 4 * sizeof(float));
                  std::memcpy(out + j + 8 * q + 4, hi + 4 * q, 4 * sizeof(float));
                }
              }
            }
            for (; j < nb; ++j) out[j] = src[j / 2];
          } else {
            for (; j < nb; ++j) out[j] = row[xi[0][j]];
          }
          continue;
        }
        // the horizontal pass of each input row this output row needs, reusing cached rows
        const float* hrow[4];
        for (int i = 0; i < ty.count; ++i) {
          const std::int64_t r = ty.idx[i];
          int slot = -1;
          for (int k = 0; k < 4; ++k)
            if (rowsrc[k] == r) slot = k;
          if (slot < 0) {
            // a slot whose row is not among this output row's taps
            for (int k = 0; k < 4 && slot < 0; ++k) {
              bool used = false;
              for (int q = 0; q < ty.count; ++q) used = used || rowsrc[k] == ty.idx[q];
              if (!used) slot = k;
            }
            rowsrc[slot] = r;
            const float* src = in + r * p.iw;
            for (std::int64_t j = 0; j < nbp; j += L) {
              B acc = B::load_aligned(xw[0] + j) * gather_loads<Arch>(src, xi[0] + j);
              for (int k = 1; k < xcount; ++k) acc = xsimd::fma(B::load_aligned(xw[k] + j), gather_loads<Arch>(src, xi[k] + j), acc);
              acc.store_aligned(rowbuf[slot] + j);
            }
          }
          hrow[i] = rowbuf[slot];
        }
        // vertical blend
        std::int64_t j = 0;
        for (; j < nbp; j += L) {
          B acc = B(ty.w[0]) * B::load_aligned(hrow[0] + j);
          for (int i = 1; i < ty.count; ++i) acc = xsimd::fma(B(ty.w[i]), B::load_aligned(hrow[i] + j), acc);
          if (j + L <= nb) acc.store_unaligned(out + j);
          else store_partial<Arch>(out + j, acc, nb - j);
        }
      }
    }
  }
}

}  // namespace simd_impl
}  // namespace kernels
}  // namespace luodi

#endif  // LUODI_HAS_XSIMD
