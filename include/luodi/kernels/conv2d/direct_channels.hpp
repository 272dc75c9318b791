// Direct Conv2D with output channels in the vectors (algorithm DirectChannels): groups == 1,
// stride 2 along the width, any kernel up to 7x7, any pads. Made for the stride-2 layers of
// ResNets (3x3/2 at 56 -> 28, 28 -> 14, 14 -> 7 with 64..512 input channels; it computes the
// 1x1/2 downsamples too, but loses to GEMM there, see docs/performance.md), which im2col GEMM
// ran at 58-79% of the FMA peak: there the K x P im2col block
// is written and read back (~20% of the layer), and at 7 or 14 output columns the pixel panels
// are part padding.
//
// Why channels, not pixels, in the vectors (direct_rows.hpp does pixels): these layers have
// output rows of 28, 14 or 7 columns, so a row is one or two vectors and at 7 wide half of each
// vector would be tail. With MV vectors of output channels and NP output pixels of one row in
// registers, a tap (ci, ky, kx) loads MV weight vectors and broadcasts NP input values; the
// input of pixel p sits at a fixed offset 2p from pixel 0 in the padded row, so every broadcast
// is a load with a constant displacement (on AVX-512 the FMA's own memory operand) off one
// pointer. A row of Wo pixels is cut into equal chunks of at most NP (14 on AVX-512: 28 = 2 x 14,
// 14, 7), so nothing is computed and thrown away.
//
// Memory: a strip of zero-padded input rows (all input channels, the rows a few output rows
// read) is built per thread in scratch, sized so that it and one channel block's weights stay
// in L2; weights are packed once as [cout/MC][ci][ky][kx][MC] (MC = MV vectors) and streamed once
// per strip and channel block, the strip read once per channel block. At 14 -> 7 one strip is
// the whole image, so the weights (4.7 MB at 256 -> 512, 9.4 MB at 512 -> 512) are read from
// memory once.
//
// Output side: the accumulators are stored pixel-major to a small tile, the residual added and
// the activation applied there, then the tile is written transposed to the NCHW rows. (This is
// the cost of putting channels in vectors: ~NP*MC scalar moves against NP*MV*K FMAs, a few
// percent at K = 576, less at larger K.)
//
// Threads split (image, strip, channel block) items in that order; every output is computed by
// one thread in the same order whatever the thread count, so the result does not depend on it.
#pragma once

#include <cstdint>
#include <cstring>
#include <utility>

#include "../gemm/ukernel.hpp"
#include "phase_rows.hpp"
#include "plan.hpp"

namespace luodi {
namespace kernels {

inline constexpr std::int64_t kDirectChMaxK = 7;
// The automatic choice's bounds (conv2d_choose): the smallest C_in and widest output row it was
// measured ahead of im2col GEMM at (ResNet-18/50: C_in 64..512, 7..28 output columns).
inline constexpr std::int64_t kDirectChMinCin = 64;
inline constexpr std::int64_t kDirectChMaxWo = 28;
// Bytes of padded input a strip may hold. 512 KiB takes the whole 14x14x512 input of ResNet-50's
// 512 -> 512 3x3/2 in one strip, so its 9.4 MB of weights are streamed from memory once, not
// twice (with 384 KiB: two strips); a channel block's weights (<= 590 KB) are then read from
// L2/L3 once per output row.
inline constexpr std::int64_t kDirectChStripBytes = 512 * 1024;

// Vectors of output channels per register block, and the most output pixels: MV x NP
// accumulators + MV weight vectors + a broadcast must fit the register file (32 zmm: 2 x 14 +
// 2 + 1; 16 ymm/xmm: 2 x 6 + 2 + 1).
inline constexpr int direct_ch_mv() noexcept { return 2; }
inline constexpr int direct_ch_np(int lanes) noexcept { return lanes >= 16 ? 14 : 6; }

inline void direct_ch_plan(Conv2dPlan* plan, int lanes) noexcept {
  const Conv2dParams& p = plan->p;
  const std::int64_t mc = direct_ch_mv() * lanes;
  plan->cout_pad = (p.C_out + mc - 1) / mc * mc;
  plan->group_floats = plan->cout_pad * plan->K;
  plan->dr_mc = mc;
  const std::int64_t rp = p.W + p.pad_left + p.pad_right;
  plan->dr_row_floats = rp;
  const std::int64_t Ho = plan->out_h;
  const std::int64_t per_row = p.C_in * p.stride_h * rp * static_cast<std::int64_t>(sizeof(float));
  std::int64_t r = kDirectChStripBytes / (per_row > 0 ? per_row : 1);
  if (r < 1) r = 1;
  if (r > Ho) r = Ho;
  const std::int64_t strips = (Ho + r - 1) / r;
  plan->dr_strip_rows = (Ho + strips - 1) / strips;  // equal strips
  plan->dr_rows = (plan->dr_strip_rows - 1) * p.stride_h + p.kernel_h;
  const std::int64_t floats = (p.C_in * plan->dr_rows * rp + 15) / 16 * 16;
  plan->scratch_per_thread = floats * static_cast<std::int64_t>(sizeof(float));
}

// OIHW -> [cout_pad/MC][ci][ky][kx][MC], zero past C_out.
inline void direct_ch_pack_weights(const Conv2dPlan& plan, const float* w, float* dst) noexcept {
  const Conv2dParams& p = plan.p;
  const std::int64_t mc = plan.dr_mc, K = plan.K;
  for (std::int64_t c0 = 0; c0 < plan.cout_pad; c0 += mc)
    for (std::int64_t k = 0; k < K; ++k)
      for (std::int64_t m = 0; m < mc; ++m) *dst++ = c0 + m < p.C_out ? w[(c0 + m) * K + k] : 0.0f;
}

#if LUODI_HAS_XSIMD
namespace simd_impl {

// NP output pixels (stride-2 columns of one output row) x MV vectors of output channels. `in`
// is the strip at the pixels' first padded row and column; channels cs floats apart, rows rp.
// Writes the sums (bias included) pixel-major to tile[NP][MV * L].
// Hides where p points from the optimiser. Without it GCC sees that tap kx + 2 of pixel q reads
// what tap kx of pixel q + 1 read, carries those floats across the kx loop in scalars, and with
// 28 vector accumulators live spills them: the 14-pixel block ran at 0.6 of the 7-pixel one.
LUODI_ALWAYS_INLINE const float* direct_ch_opaque(const float* p) noexcept {
#if defined(__GNUC__) || defined(__clang__)
  __asm__("" : "+r"(p));
#endif
  return p;
}

template <class Arch, int NP>
LUODI_NOINLINE void direct_ch_block(const float* in, std::int64_t cs, std::int64_t rp, int cin, int kh, int kw,
                                    const float* w, const float* bias, float* tile) noexcept {
  using B = simd::fbatch<Arch>;
  constexpr int MV = direct_ch_mv();
  constexpr std::int64_t L = static_cast<std::int64_t>(B::size);
  B acc[NP][MV];
LUODI_UNROLL(4)
  for (int j = 0; j < MV; ++j) {
    const B b = B::load_aligned(bias + j * L);
LUODI_UNROLL(16)
    for (int q = 0; q < NP; ++q) acc[q][j] = b;
  }
  for (int ci = 0; ci < cin; ++ci) {
    const float* row = in + ci * cs;
    for (int ky = 0; ky < kh; ++ky, row += rp) {
      for (int kx = 0; kx < kw; ++kx, w += MV * L) {
        B wv[MV];
LUODI_UNROLL(4)
        for (int j = 0; j < MV; ++j) wv[j] = B::load_aligned(w + j * L);
        const float* s = direct_ch_opaque(row + kx);
LUODI_UNROLL(16)
        for (int q = 0; q < NP; ++q) {
          const B v(s[2 * q]);
LUODI_UNROLL(4)
          for (int j = 0; j < MV; ++j) acc[q][j] = xsimd::fma(v, wv[j], acc[q][j]);
        }
      }
    }
  }
LUODI_UNROLL(16)
  for (int q = 0; q < NP; ++q)
LUODI_UNROLL(4)
    for (int j = 0; j < MV; ++j) acc[q][j].store_aligned(tile + (q * MV + j) * L);
}

template <class Arch>
using DirectChBlockFn = void (*)(const float*, std::int64_t, std::int64_t, int, int, int, const float*, const float*,
                                 float*) noexcept;

// The block function for np pixels (1 <= np <= I's length).
template <class Arch, std::size_t... I>
LUODI_ALWAYS_INLINE DirectChBlockFn<Arch> direct_ch_block_fn(int np, std::index_sequence<I...>) noexcept {
  DirectChBlockFn<Arch> f = &direct_ch_block<Arch, 1>;
  (void)((np == static_cast<int>(I) + 1 ? (f = &direct_ch_block<Arch, static_cast<int>(I) + 1>, true) : false) || ...);
  return f;
}

// The padded rows [py0, py0 + n) of every input channel of one image into the strip: channel
// ci's row r at ci * cs + r * rp. Rows no kernel row reads (kernel_h < stride_h: the 1x1/2
// downsample skips every other row) are not built.
template <class Arch>
LUODI_ALWAYS_INLINE void direct_ch_strip(const Conv2dParams& p, const float* x, std::int64_t py0, std::int64_t n, float* buf,
                                         std::int64_t cs, std::int64_t rp) noexcept {
  const std::int64_t W = p.W, pl = p.pad_left, HW = p.H * p.W, sh = p.stride_h, kh = p.kernel_h;
  const std::size_t right = static_cast<std::size_t>(rp - pl - W);
  for (std::int64_t ci = 0; ci < p.C_in; ++ci)
    for (std::int64_t r = 0; r < n; ++r) {
      if (r % sh >= kh) continue;
      const std::int64_t iy = py0 + r - p.pad_top;
      float* row = buf + ci * cs + r * rp;
      if (iy < 0 || iy >= p.H) {
        std::memset(row, 0, static_cast<std::size_t>(rp) * sizeof(float));
        continue;
      }
      if (pl > 0) std::memset(row, 0, static_cast<std::size_t>(pl) * sizeof(float));
      copy_floats<Arch>(x + ci * HW + iy * W, row + pl, W);
      if (right > 0) std::memset(row + pl + W, 0, right * sizeof(float));
    }
}

// tile[np][MC] (+ residual, activation) -> np columns of mvalid NCHW output rows.
template <class Arch>
LUODI_ALWAYS_INLINE void direct_ch_store(float* tile, std::int64_t np, std::int64_t MC, int mvalid, float* y,
                                         const float* res, std::int64_t HWo, ActivationKind act,
                                         const ActivationParams& ap) noexcept {
  if (res)
    for (int m = 0; m < mvalid; ++m)
      for (std::int64_t q = 0; q < np; ++q) tile[q * MC + m] += res[m * HWo + q];
  if (act != ActivationKind::Identity) act_array<Arch>(act, ap, tile, np * MC);
  for (int m = 0; m < mvalid; ++m)
    for (std::int64_t q = 0; q < np; ++q) y[m * HWo + q] = tile[q * MC + m];
}

template <class Arch>
struct DirectChTile {
  static constexpr std::int64_t L = static_cast<std::int64_t>(simd::fbatch<Arch>::size);
  static constexpr std::int64_t MC = direct_ch_mv() * L;
  static constexpr std::int64_t NPMAX = direct_ch_np(static_cast<int>(L));
};

template <class Arch>
void conv2d_run_direct_ch(const Conv2dPlan& plan, const float* x, const void* packed, const float* residual, float* y,
                          void* scratch, std::int64_t thread, std::int64_t threads) noexcept {
  using T = DirectChTile<Arch>;
  constexpr std::int64_t MC = T::MC, NPMAX = T::NPMAX;
  LUODI_DCHECK(plan.dr_mc == MC);
  const Conv2dParams& p = plan.p;
  const float* w = static_cast<const float*>(packed);
  const float* bias = p.has_bias ? w + plan.bias_offset : nullptr;
  const std::int64_t Ho = plan.out_h, Wo = plan.out_w, HWo = Ho * Wo, HW = p.H * p.W, R = plan.dr_strip_rows;
  const std::int64_t rp = plan.dr_row_floats, cs = plan.dr_rows * rp, sh = p.stride_h, K = plan.K;
  const std::int64_t strips = (Ho + R - 1) / R, cblocks = plan.cout_pad / MC;
  // equal chunks of at most NPMAX pixels: np, and np - 1 for the last `short_chunks`
  const std::int64_t chunks = (Wo + NPMAX - 1) / NPMAX, np = (Wo + chunks - 1) / chunks, short_chunks = chunks * np - Wo;
  const auto pixels = std::make_index_sequence<static_cast<std::size_t>(NPMAX)>{};
  const DirectChBlockFn<Arch> full = direct_ch_block_fn<Arch>(static_cast<int>(np), pixels);
  const DirectChBlockFn<Arch> part = np > 1 ? direct_ch_block_fn<Arch>(static_cast<int>(np - 1), pixels) : full;
  const int cin = static_cast<int>(p.C_in), kh = static_cast<int>(p.kernel_h), kw = static_cast<int>(p.kernel_w);
  const std::int64_t slot = plan.scratch_per_thread / static_cast<std::int64_t>(sizeof(float));
  parallel_items<Arch>(p.N * strips * cblocks, thread, threads, [&](std::int64_t t, std::int64_t b, std::int64_t e) {
    float* buf = static_cast<float*>(scratch) + t * slot;
    alignas(64) float bias_blk[T::MC];
    alignas(64) float tile[T::NPMAX * T::MC];
    std::int64_t built = -1;
    for (std::int64_t i = b; i < e; ++i) {
      const std::int64_t is = i / cblocks, c0 = (i % cblocks) * MC;
      const std::int64_t img = is / strips, oy0 = (is % strips) * R, oy1 = oy0 + R < Ho ? oy0 + R : Ho;
      if (is != built) {
        direct_ch_strip<Arch>(p, x + img * p.C_in * HW, oy0 * sh, (oy1 - oy0 - 1) * sh + p.kernel_h, buf, cs, rp);
        built = is;
      }
      const int mvalid = static_cast<int>(p.C_out - c0 < MC ? p.C_out - c0 : MC);
      for (std::int64_t m = 0; m < T::MC; ++m) bias_blk[m] = (bias && m < mvalid) ? bias[c0 + m] : 0.0f;
      const float* wb = w + c0 * K;
      float* yc = y + (img * p.C_out + c0) * HWo;
      const float* rc = residual ? residual + (img * p.C_out + c0) * HWo : nullptr;
      for (std::int64_t oy = oy0; oy < oy1; ++oy) {
        const float* in = buf + (oy - oy0) * sh * rp;
        std::int64_t ox = 0;
        for (std::int64_t c = 0; c < chunks; ++c) {
          const std::int64_t n = c < chunks - short_chunks ? np : np - 1;
          (n == np ? full : part)(in + 2 * ox, cs, rp, cin, kh, kw, wb, bias_blk, tile);
          const std::int64_t o = oy * Wo + ox;
          direct_ch_store<Arch>(tile, n, MC, mvalid, yc + o, rc ? rc + o : nullptr, HWo, p.activation, p.act_params);
          ox += n;
        }
      }
    }
  });
}

}  // namespace simd_impl
#endif  // LUODI_HAS_XSIMD

}  // namespace kernels
}  // namespace luodi
