// 3x3 stride-1 Conv2D by Winograd F(4x4, 3x3) (Lavin & Gray, "Fast Algorithms for
// Convolutional Neural Networks", 2016), interpolation points 0, +-1, +-2 and infinity:
//
//   Y = A^T [ (G g G^T) (.) (B^T d B) ] A      per 6x6 input tile d and 4x4 output tile Y
//
// 36 multiplications per 16 outputs and channel pair instead of 144. F(2x2, 3x3) (points 0, +-1,
// infinity: 16 per 4 outputs instead of 36) is the same code with 4x4 tiles; it is for small
// planes with many channels (7x7 at the end of ResNets), where F(4x4) would pad 7 to 8 and its
// 36 transformed weight matrices would no longer fit in the last-level cache (planes of <= 16
// tiles take winograd_t.hpp's layout, the tiles in the vectors, where measured). The weight transform
// U = G g G^T is done once at pack time (in double, rounded once). At run time, per band of
// tile rows (the unit of work a thread takes):
//   1. the band's input rows are transposed from NCHW into a zero-padded NHWC band in scratch,
//      so that a vector holds L input channels of one pixel;
//   2. input transform: V_p[t][ci] = (B^T d B)_p for every tile t of the band, 36 positions p,
//      vector arithmetic over channels;
//   3. 36 GEMMs on the register-blocked micro-kernels: M_p[t][co] = sum_ci V_p[t][ci] U_p[ci][co]
//      (tiles are the broadcast rows, output channels the vectors; U_p is packed as NR panels);
//   4. output transform Y = A^T M A + bias, vector arithmetic over output channels, scattered to
//      NCHW; then residual and activation over the band's output rows.
// Keeping channels in the vectors makes every transform plain vector code with no shuffles and
// puts no constraint on the image size; the price is the two transposes, which are O(1) per
// element against O(Cin) arithmetic per element.
//
// Accuracy: the transforms amplify rounding (entries of B^T up to 5, of A^T up to 8); see
// tests/kernels/test_conv2d.cpp (kWinogradFactor) and docs/performance.md for measured errors.
#pragma once

#include <cstdint>
#include <cstring>

#include "../gemm/driver.hpp"
#include "plan.hpp"

namespace luodi {
namespace kernels {

namespace detail {
// Bands of whole tile rows; enough tiles per band to keep the GEMMs efficient, few enough that
// V and M (36 x tiles x channels each) stay in L2. Every band streams all of U, so where U is
// past L2 (ResNet's 3x3 layers from 28x28 x 128 on: 2.4-17 MB) and a whole image's V and M fit
// in 2 MiB (few tiles, many channels), one band reads U once instead of 2-4 times: ResNet-18
// 0.88-0.94x the CPU time at one thread, quiet or beside a streaming neighbour, ResNet-50
// 0.97-1.00x (docs/performance.md, "ResNet under a neighbour").
inline std::int64_t wino_band_rows(std::int64_t tiles_w, std::int64_t tiles_h, std::int64_t cin_pad,
                                   std::int64_t cout_pad, std::int64_t npos) noexcept {
  const std::int64_t per_tile = npos * (cin_pad + cout_pad);
  const std::int64_t two_mib = std::int64_t(2) << 20;
  if (npos * cin_pad * cout_pad * 4 > two_mib && tiles_w * tiles_h * per_tile * 4 <= two_mib) return tiles_h;
  const std::int64_t budget = 512 * 1024 / 4;  // floats for V + M
  std::int64_t tiles = budget / per_tile;
  if (tiles < 8) tiles = 8;
  std::int64_t rows = tiles / tiles_w;
  if (rows < 1) rows = 1;
  if (rows > tiles_h) rows = tiles_h;
  return rows;
}
}  // namespace detail

// Which Winograd variant (4 = F(4x4), 2 = F(2x2)), or 0 for none, by the multiplication saving
// net of tile padding, and the size of the transformed weights (36 or 16 matrices of
// Cin x Cout): past a few MiB they stream from memory on every run.
inline int wino_choose(std::int64_t Ho, std::int64_t Wo, std::int64_t cin, std::int64_t cout) noexcept {
  const double mib = double(cin) * double(cout) * 4.0 / (1024.0 * 1024.0);
  const double waste4 = double(((Ho + 3) / 4) * 4 * ((Wo + 3) / 4) * 4) / double(Ho * Wo);
  if (waste4 <= 1.35 && 36.0 * mib <= 12.0) return 4;
  const double waste2 = double(((Ho + 1) / 2) * 2 * ((Wo + 1) / 2) * 2) / double(Ho * Wo);
  if (waste2 <= 1.35 && 16.0 * mib <= 24.0) return 2;
  return 0;
}

inline void wino_plan(Conv2dPlan* plan) noexcept {
  const Conv2dParams& p = plan->p;
  const std::int64_t L = 16;  // channel padding: a multiple of every ISA's lane count
  const std::int64_t m = plan->algo == Conv2dAlgo::Winograd23 ? 2 : 4, npos = (m + 2) * (m + 2);
  const std::int64_t cin_pad = (plan->cin_g + L - 1) / L * L;
  plan->cout_pad = (plan->cout_g + plan->nr - 1) / plan->nr * plan->nr;
  plan->tiles_h = (plan->out_h + m - 1) / m;
  plan->tiles_w = (plan->out_w + m - 1) / m;
  plan->tile_block = detail::wino_band_rows(plan->tiles_w, plan->tiles_h, cin_pad, plan->cout_pad, npos);
  plan->group_floats = npos * plan->cin_g * plan->cout_pad;
  plan->kc = 256;
  plan->nc = plan->cout_pad;
  plan->mc = 1 << 30;
  const std::int64_t T = plan->tile_block * plan->tiles_w;
  const std::int64_t band = (plan->tile_block * m + 2) * (plan->tiles_w * m + 2) * cin_pad;
  const std::int64_t vf = npos * T * cin_pad, mf = npos * T * plan->cout_pad;
  plan->scratch_per_thread = static_cast<std::int64_t>(sizeof(float)) * (band + vf + mf + 16 * 16 + 4 * 16) + 256;
  (void)p;
}

namespace detail {
// u = G g G^T for one 3x3 kernel g: 6x6 for F(4x4) (f2 false), 4x4 for F(2x2), row-major in u,
// computed in double (the caller rounds each value once).
inline void wino_transform_kernel(const float* g, bool f2, double* u) noexcept {
  static const double G4[6][3] = {{0.25, 0, 0},
                                  {-1.0 / 6, -1.0 / 6, -1.0 / 6},
                                  {-1.0 / 6, 1.0 / 6, -1.0 / 6},
                                  {1.0 / 24, 1.0 / 12, 1.0 / 6},
                                  {1.0 / 24, -1.0 / 12, 1.0 / 6},
                                  {0, 0, 1}};
  static const double G2[4][3] = {{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}};
  const int a = f2 ? 4 : 6;
  const double(*G)[3] = f2 ? G2 : G4;
  double t[6][3];  // G g
  for (int i = 0; i < a; ++i)
    for (int j = 0; j < 3; ++j) t[i][j] = G[i][0] * g[0 * 3 + j] + G[i][1] * g[1 * 3 + j] + G[i][2] * g[2 * 3 + j];
  for (int i = 0; i < a; ++i)
    for (int j = 0; j < a; ++j) u[i * a + j] = t[i][0] * G[j][0] + t[i][1] * G[j][1] + t[i][2] * G[j][2];
}
}  // namespace detail

// U_p[ci][co] = (G g G^T)_p, packed per position as NR-wide panels [cout_pad/NR][cin][NR].
inline void wino_pack_weights(const Conv2dPlan& plan, const float* w, float* dst) noexcept {
  const bool f2 = plan.algo == Conv2dAlgo::Winograd23;
  const int npos = f2 ? 16 : 36;
  const std::int64_t cin = plan.cin_g, NR = plan.nr, cout_pad = plan.cout_pad;
  for (std::int64_t co = 0; co < plan.cout_g; ++co)
    for (std::int64_t ci = 0; ci < cin; ++ci) {
      double u[36];
      detail::wino_transform_kernel(w + (co * cin + ci) * 9, f2, u);
      for (int pos = 0; pos < npos; ++pos)
        dst[pos * cin * cout_pad + (co / NR) * cin * NR + ci * NR + co % NR] = static_cast<float>(u[pos]);
    }
}

#if LUODI_HAS_XSIMD
namespace simd_impl {

// B^T applied to six vectors (one column or row of a tile); FMA-friendly grouping.
template <class Arch>
LUODI_ALWAYS_INLINE void wino_bt6(const simd::fbatch<Arch>* d, simd::fbatch<Arch>* t) noexcept {
  using B = simd::fbatch<Arch>;
  const B four(4.0f), five(5.0f), two(2.0f);
  t[0] = xsimd::fma(four, d[0], xsimd::fnma(five, d[2], d[4]));
  const B a = xsimd::fnma(four, d[2], d[4]);  // d4 - 4 d2
  const B b = xsimd::fms(four, d[1], d[3]);   // 4 d1 - d3
  t[1] = a - b;
  t[2] = a + b;
  const B c = d[4] - d[2];
  const B e = two * (d[3] - d[1]);  // 2 d3 - 2 d1
  t[3] = c + e;
  t[4] = c - e;
  t[5] = xsimd::fma(four, d[1], xsimd::fnma(five, d[3], d[5]));
}

// F(2x2, 3x3): B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1], A^T = [1 1 1 0; 0 1 -1 -1].
template <class Arch>
LUODI_ALWAYS_INLINE void wino_bt4(const simd::fbatch<Arch>* d, simd::fbatch<Arch>* t) noexcept {
  t[0] = d[0] - d[2];
  t[1] = d[1] + d[2];
  t[2] = d[2] - d[1];
  t[3] = d[1] - d[3];
}
template <class Arch>
LUODI_ALWAYS_INLINE void wino_at4(const simd::fbatch<Arch>* m, simd::fbatch<Arch>* o) noexcept {
  o[0] = m[0] + m[1] + m[2];
  o[1] = m[1] - m[2] - m[3];
}

// A^T applied to six vectors.
template <class Arch>
LUODI_ALWAYS_INLINE void wino_at6(const simd::fbatch<Arch>* m, simd::fbatch<Arch>* o) noexcept {
  using B = simd::fbatch<Arch>;
  const B a = m[1] + m[2], b = m[1] - m[2], c = m[3] + m[4], d = m[3] - m[4];
  o[0] = m[0] + a + c;
  o[1] = xsimd::fma(B(2.0f), d, b);
  o[2] = xsimd::fma(B(4.0f), c, a);
  o[3] = xsimd::fma(B(8.0f), d, b) + m[5];
}

template <class Arch, int TM>
LUODI_ALWAYS_INLINE void wino_bt(const simd::fbatch<Arch>* d, simd::fbatch<Arch>* t) noexcept {
  if constexpr (TM == 4)
    wino_bt6<Arch>(d, t);
  else
    wino_bt4<Arch>(d, t);
}
template <class Arch, int TM>
LUODI_ALWAYS_INLINE void wino_at(const simd::fbatch<Arch>* m, simd::fbatch<Arch>* o) noexcept {
  if constexpr (TM == 4)
    wino_at6<Arch>(m, o);
  else
    wino_at4<Arch>(m, o);
}

// F(TM x TM, 3x3) for TM = 4 or 2.
template <class Arch, int TM>
void conv2d_run_winograd(const Conv2dPlan& plan, const float* x, const void* packed, const float* residual, float* y,
                         void* scratch, std::int64_t thread, std::int64_t threads) noexcept {
  using B = simd::fbatch<Arch>;
  constexpr std::int64_t L = static_cast<std::int64_t>(B::size);
  constexpr int A = TM + 2, NP = A * A;
  const Conv2dParams& p = plan.p;
  const float* U = static_cast<const float*>(packed);
  const float* bias = p.has_bias ? U + plan.bias_offset : nullptr;
  const std::int64_t Cin = p.C_in, Cout = p.C_out, H = p.H, W = p.W, Ho = plan.out_h, Wo = plan.out_w;
  const std::int64_t cin_pad = (Cin + 15) / 16 * 16, cout_pad = plan.cout_pad;
  const std::int64_t tw = plan.tiles_w, th = plan.tiles_h, band_rows = plan.tile_block;
  const std::int64_t T = band_rows * tw;                        // tiles per full band
  const std::int64_t bw = tw * TM + 2, bh = band_rows * TM + 2;  // band pixels
  const std::int64_t slot = plan.scratch_per_thread / static_cast<std::int64_t>(sizeof(float));
  const std::int64_t bands = (th + band_rows - 1) / band_rows;
  GemmBlocking blk = {};
  blk.kc = plan.kc;
  blk.mc = plan.mc;
  blk.nc = plan.nc;
  GemmEpilogue ep = {};
  ep.alpha = 1.0f;
  ep.bias_scale = 1.0f;
  ep.act = ActivationKind::Identity;

  // Items: (output-channel unit, image, band), band fastest, each thread a contiguous range.
  // The unit is all of cout_pad unless the transformed weights dwarf the input. With U over 16x
  // the input (ResNet's 14x14 and 7x7 layers: 9-17 MB against 50-100 KB, U from DRAM on every
  // run) every thread reading all of U ran 1.1-1.2x faster than one thread, so the unit is then
  // one NR panel of output channels: a thread transforms each band it touches once and runs the
  // GEMMs and output transform of its contiguous run of panels in that band, so it reads only
  // its share of U, and 3 panels still split evenly (1.5 each, by band). At 28x28 (U 6.6x the
  // input) splitting by output channels measured slower in the model than bands (every thread
  // then reads all of the input and writes every row): docs/performance.md, "Two threads".
  const std::int64_t cpanels = cout_pad / plan.nr;
  const double u_floats = double(NP) * double(cin_pad) * double(cout_pad), x_floats = double(Cin) * double(H * W);
  const bool by_cout = threads > 1 && cpanels >= 2 && u_floats > 16.0 * x_floats;
  const std::int64_t units = by_cout ? cpanels : 1, unit_w = by_cout ? plan.nr : cout_pad;
  // Bands over tile rows: by pixels with one image, as many bands as a multiple of the threads
  // (each at most band_rows rows), so 14 tile rows (56x56 outputs) go 7 + 7 rather than the
  // 6 + 8 that 7 bands of 2 gave.
  std::int64_t chunks = bands;
  if (!by_cout && p.N == 1 && threads > 1) {
    chunks = (bands + threads - 1) / threads * threads;
    if (chunks > th) chunks = th;
  }
  const std::int64_t NB = p.N * chunks;
  parallel_items<Arch>(units * NB, thread, threads, [&](std::int64_t thr, std::int64_t b0, std::int64_t b1) {
    float* base = static_cast<float*>(scratch) + thr * slot;
    float* band = reinterpret_cast<float*>((reinterpret_cast<std::uintptr_t>(base) + 63) & ~std::uintptr_t(63));
    float* V = band + bh * bw * cin_pad;
    float* Mb = V + NP * T * cin_pad;
    float* obuf = Mb + NP * T * cout_pad;  // TM*TM pixels x L channels
    for (std::int64_t bi = 0; bi < NB; ++bi) {
      // this thread's units in band bi: u with b0 <= u * NB + bi < b1, a contiguous run
      const std::int64_t u0 = b0 <= bi ? 0 : (b0 - bi + NB - 1) / NB;
      std::int64_t u1 = b1 <= bi ? 0 : (b1 - bi + NB - 1) / NB;
      if (u1 > units) u1 = units;
      if (u0 >= u1) continue;
      // output channels [co0, co1) of cout_pad (NR-aligned: whole GEMM panels and L-vectors)
      const std::int64_t co0 = u0 * unit_w, co1 = u1 * unit_w < cout_pad ? u1 * unit_w : cout_pad;
      // tile rows [ty0, ty0 + rows): at most band_rows (see chunks)
      const std::int64_t img = bi / chunks, ty0 = th * (bi % chunks) / chunks;
      const std::int64_t rows = th * (bi % chunks + 1) / chunks - ty0;
      const std::int64_t nt = rows * tw;
      const float* xi = x + img * Cin * H * W;
      // 1. NCHW -> zero-padded NHWC band: band pixel (r, c) is input (ty0*TM - pt + r, c - pl)
      const std::int64_t iy0 = ty0 * TM - p.pad_top;
      const std::int64_t nrow = rows * TM + 2;
      std::memset(band, 0, static_cast<std::size_t>(nrow * bw * cin_pad) * sizeof(float));
      for (std::int64_t r = 0; r < nrow; ++r) {
        const std::int64_t iy = iy0 + r;
        if (iy < 0 || iy >= H) continue;
        const std::int64_t c0 = p.pad_left;
        std::int64_t c1 = p.pad_left + W;
        if (c1 > bw) c1 = bw;
        for (std::int64_t ci = 0; ci < Cin; ++ci) {
          const float* src = xi + (ci * H + iy) * W - p.pad_left;
          float* dst = band + r * bw * cin_pad + ci;
          for (std::int64_t c = c0; c < c1; ++c) dst[c * cin_pad] = src[c];
        }
      }
      // 2. input transform: V_p[t][ci]
      for (std::int64_t t = 0; t < nt; ++t) {
        const std::int64_t ty = t / tw, tx = t % tw;
        const float* d0 = band + (ty * TM * bw + tx * TM) * cin_pad;
        for (std::int64_t cv = 0; cv < cin_pad; cv += L) {
          B d[A][A], u[A][A];
          for (int i = 0; i < A; ++i)
            for (int j = 0; j < A; ++j) d[i][j] = B::load_aligned(d0 + (i * bw + j) * cin_pad + cv);
          for (int j = 0; j < A; ++j) {  // columns: B^T d
            B col[A], out[A];
            for (int i = 0; i < A; ++i) col[i] = d[i][j];
            wino_bt<Arch, TM>(col, out);
            for (int i = 0; i < A; ++i) u[i][j] = out[i];
          }
          for (int i = 0; i < A; ++i) {  // rows: (B^T d) B
            B out[A];
            wino_bt<Arch, TM>(u[i], out);
            for (int j = 0; j < A; ++j) out[j].store_aligned(V + ((i * A + j) * T + t) * cin_pad + cv);
          }
        }
      }
      // 3. NP GEMMs: M_p[t][co] = V_p[t][:] . U_p[:][co]
      for (int pos = 0; pos < NP; ++pos) {
        const GemmA Am = {V + pos * T * cin_pad, cin_pad, 1, true};
        auto no_pack = [](std::int64_t, std::int64_t, std::int64_t, std::int64_t, float*) {};
        gemm_blocked<Arch>(nt, cout_pad, Cin, Am, U + pos * Cin * cout_pad, no_pack, Mb + pos * T * cout_pad, cout_pad,
                           ep, blk, 0, nt, co0, co1, nullptr);
      }
      // 4. output transform + bias, scattered to NCHW
      float* yi = y + img * Cout * Ho * Wo;
      for (std::int64_t t = 0; t < nt; ++t) {
        const std::int64_t ty = ty0 + t / tw, tx = t % tw;
        const std::int64_t oy0 = ty * TM, ox0 = tx * TM;
        const std::int64_t vr = (Ho - oy0 < TM) ? Ho - oy0 : TM, vc = (Wo - ox0 < TM) ? Wo - ox0 : TM;
        for (std::int64_t cv = co0; cv < co1 && cv < Cout; cv += L) {
          B m[A][A], sm[TM][A];
          for (int pos = 0; pos < NP; ++pos) m[pos / A][pos % A] = B::load_aligned(Mb + (pos * T + t) * cout_pad + cv);
          for (int j = 0; j < A; ++j) {  // columns: A^T m
            B col[A], out[TM];
            for (int i = 0; i < A; ++i) col[i] = m[i][j];
            wino_at<Arch, TM>(col, out);
            for (int i = 0; i < TM; ++i) sm[i][j] = out[i];
          }
          const std::int64_t nco = (Cout - cv < L) ? Cout - cv : L;
          alignas(64) float bb[L];
          for (std::int64_t c = 0; c < L; ++c) bb[c] = (bias && c < nco) ? bias[cv + c] : 0.0f;
          const B bv = B::load_aligned(bb);
          for (int i = 0; i < TM; ++i) {  // rows: (A^T m) A
            B out[TM];
            wino_at<Arch, TM>(sm[i], out);
            for (int j = 0; j < TM; ++j) (out[j] + bv).store_aligned(obuf + (i * TM + j) * L);
          }
          for (std::int64_t c = 0; c < nco; ++c) {
            float* yc = yi + (cv + c) * Ho * Wo + oy0 * Wo + ox0;
            for (std::int64_t i = 0; i < vr; ++i)
              for (std::int64_t j = 0; j < vc; ++j) yc[i * Wo + j] = obuf[(i * TM + j) * L + c];
          }
        }
      }
      // residual and activation over the band's output rows
      const std::int64_t r0 = ty0 * TM, r1 = ((ty0 + rows) * TM < Ho) ? (ty0 + rows) * TM : Ho;
      if (residual || p.activation != ActivationKind::Identity) {
        for (std::int64_t co = co0; co < co1 && co < Cout; ++co) {
          float* yr = yi + (co * Ho + r0) * Wo;
          const std::int64_t n = (r1 - r0) * Wo;
          if (residual) {
            const float* rr = residual + (img * Cout + co) * Ho * Wo + r0 * Wo;
            std::int64_t i = 0;
            for (; i + L <= n; i += L) (B::load_unaligned(yr + i) + B::load_unaligned(rr + i)).store_unaligned(yr + i);
            for (; i < n; ++i) yr[i] += rr[i];
          }
          act_array<Arch>(p.activation, p.act_params, yr, n);
        }
      }
    }
  });
}

template <class Arch>
void conv2d_run_winograd43(const Conv2dPlan& plan, const float* x, const void* packed, const float* residual, float* y,
                           void* scratch, std::int64_t thread, std::int64_t threads) noexcept {
  conv2d_run_winograd<Arch, 4>(plan, x, packed, residual, y, scratch, thread, threads);
}
template <class Arch>
void conv2d_run_winograd23(const Conv2dPlan& plan, const float* x, const void* packed, const float* residual, float* y,
                           void* scratch, std::int64_t thread, std::int64_t threads) noexcept {
  conv2d_run_winograd<Arch, 2>(plan, x, packed, residual, y, scratch, thread, threads);
}

}  // namespace simd_impl
#endif  // LUODI_HAS_XSIMD

}  // namespace kernels
}  // namespace luodi
