// Conv2D (and Conv1D as H = 1): plan once at prepare time, pack the weights once at load, run.
//
//   Status s = validate(params);                        // names the bad field
//   Conv2dPlan plan = conv2d_plan(params, isa);         // algorithm, packed and scratch sizes
//   conv2d_pack(plan, weights_OIHW, bias, packed);      // packed: plan.packed_bytes, 64-aligned
//   conv2d_run(plan, x, packed, residual, y, scratch, ex);  // scratch: conv2d_scratch_bytes(plan, T)
//
// Tensors at this boundary are plain NCHW floats; y = act(conv(x) + bias + residual).
// run() is noexcept, never allocates, and splits work over independent outputs, so results do
// not depend on the executor's concurrency T (scratch must be sized for that T).
//
// Algorithms (plan.hpp): Reference (Isa::scalar), Gemm and GemmT (gemm_path.hpp: any shape),
// Winograd43 and Winograd23 (winograd.hpp: 3x3 stride 1), Winograd23T (winograd_t.hpp: F(2x2) with
// the <= 16 tiles of a small plane in vectors), Depthwise (depthwise.hpp: any depthwise),
// DepthwiseRows (depthwise_rows.hpp: 3x3/5x5, stride 1/2), DepthwiseSmall (depthwise_small.hpp:
// the same for output rows <= 16 wide, AVX-512; depthwise_avx2.hpp on AVX2), DepthwiseS2 (depthwise_s2.hpp: 3x3/5x5 at
// stride 2, NCHW read in place, AVX-512; DepthwiseS1 the same kernel at stride 1), DirectRows
// (direct_rows.hpp: groups 1, C_in <= 4, kernel <= 7, stride 1/2: the stem), DirectChannels
// (direct_channels.hpp: groups 1, stride 2 along W, kernel <= 7: ResNet's 3x3/2). conv2d_plan picks one
// by shape (the rules and the measurements behind them are in docs/performance.md);
// conv2d_plan_with() forces one, for tests, benchmarks and researchers.
#pragma once

#include <cstdint>
#include <cstring>

#include "../../core/memory.hpp"
#include "../../core/parallel.hpp"
#include "../../simd/dispatch.hpp"
#include "../gemm/gemm.hpp"
#include "depthwise.hpp"
#include "depthwise_rows.hpp"
#include "depthwise_s2.hpp"
#include "depthwise_small.hpp"
#include "direct_channels.hpp"
#include "direct_rows.hpp"
#include "gemm_path.hpp"
#include "params.hpp"
#include "plan.hpp"
#include "ref.hpp"
#include "winograd.hpp"
#include "winograd_t.hpp"

namespace luodi {
namespace kernels {

// One thread's share of a run: thread `thread` of `threads` (see conv2d_run).
using Conv2dRunFn = void (*)(const Conv2dPlan&, const float* x, const void* packed, const float* residual, float* y,
                             void* scratch, std::int64_t thread, std::int64_t threads) noexcept;

struct Conv2dKernels {
  int mr, nr;  // GEMM micro-kernel tile the packed layouts use (0 for the reference)
  int lanes;   // floats per vector (1 for the reference)
  Conv2dRunFn run[kConv2dAlgoCount];  // null where an algorithm has no kernel on this ISA
};

namespace ref {
inline void conv2d_run(const Conv2dPlan& plan, const float* x, const void* packed, const float* residual, float* y, void*,
                       std::int64_t thread, std::int64_t threads) noexcept {
  const Conv2dParams& p = plan.p;
  const float* w = static_cast<const float*>(packed);
  const float* bias = p.has_bias ? w + plan.bias_offset : nullptr;
  const std::int64_t n = p.N * p.C_out, b = n * thread / threads, e = n * (thread + 1) / threads;
  for (std::int64_t i = b; i < e; ++i)
    conv2d_f32_channels(p, x, w, bias, residual, y, i / p.C_out, i % p.C_out, i % p.C_out + 1);
}
}  // namespace ref

struct Conv2dFamily {
  using Table = Conv2dKernels;
  template <class Arch>
  static const Table& table() noexcept {
    if constexpr (simd::is_scalar_v<Arch>) {
      static constexpr Table t = {0, 0, 1, {nullptr, &ref::conv2d_run, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr}};
      return t;
    } else {
#if LUODI_HAS_XSIMD
      static constexpr Table t = {simd_impl::GemmTile<Arch>::MR,
                                  simd_impl::GemmTile<Arch>::NRV * static_cast<int>(simd::fbatch<Arch>::size),
                                  static_cast<int>(simd::fbatch<Arch>::size),
                                  {nullptr, nullptr, &simd_impl::conv2d_run_gemm<Arch>,
                                   &simd_impl::conv2d_run_gemm_t<Arch>, &simd_impl::conv2d_run_winograd43<Arch>,
                                   &simd_impl::conv2d_run_depthwise<Arch>, &simd_impl::conv2d_run_winograd23<Arch>,
                                   &simd_impl::conv2d_run_depthwise_rows<Arch>, simd_impl::dw_small_entry<Arch>(),
                                   &simd_impl::conv2d_run_direct_rows<Arch>, simd_impl::dw_s2_entry<Arch>(),
                                   simd_impl::dw_s2_entry<Arch>(), &simd_impl::conv2d_run_direct_ch<Arch>,
                                   &simd_impl::conv2d_run_winograd23t<Arch>}};
      return t;
#else
      return table<simd::scalar>();
#endif
    }
  }
  LUODI_DISPATCH_DECLARE_ISAS(Table)
};

inline const Conv2dKernels& conv2d_kernels(Isa isa) noexcept { return select_table<Conv2dFamily>(isa); }

// Whether `algo` can compute `p` (which passed validate). Reference and Gemm always can.
inline bool conv2d_algo_applies(const Conv2dParams& p, Conv2dAlgo algo) noexcept {
  switch (algo) {
    case Conv2dAlgo::Auto:
    case Conv2dAlgo::Reference:
    case Conv2dAlgo::Gemm:
    case Conv2dAlgo::GemmT: return true;
    case Conv2dAlgo::Winograd43:
    case Conv2dAlgo::Winograd23:
      return p.kernel_h == 3 && p.kernel_w == 3 && p.stride_h == 1 && p.stride_w == 1 && p.dilation_h == 1 &&
             p.dilation_w == 1 && p.groups == 1;
    case Conv2dAlgo::Winograd23T:
      return conv2d_algo_applies(p, Conv2dAlgo::Winograd23) && wino_t_fits(conv2d_out_h(p), conv2d_out_w(p));
    case Conv2dAlgo::Depthwise:
      return p.groups == p.C_in && p.groups > 1 && p.C_out % p.C_in == 0 && p.kernel_h * p.kernel_w <= 64;
    case Conv2dAlgo::DepthwiseRows:
      return conv2d_algo_applies(p, Conv2dAlgo::Depthwise) && p.kernel_h == p.kernel_w &&
             (p.kernel_h == 3 || p.kernel_h == 5) && p.stride_h == p.stride_w && (p.stride_h == 1 || p.stride_h == 2) &&
             p.dilation_h == 1 && p.dilation_w == 1;
    case Conv2dAlgo::DepthwiseSmall:
      return conv2d_algo_applies(p, Conv2dAlgo::DepthwiseRows) && conv2d_out_w(p) <= 16 && (p.stride_w == 1 || p.W <= 32);
    case Conv2dAlgo::DepthwiseS2:
    case Conv2dAlgo::DepthwiseS1:
      return conv2d_algo_applies(p, Conv2dAlgo::DepthwiseRows) && p.stride_h == (algo == Conv2dAlgo::DepthwiseS2 ? 2 : 1) &&
             conv2d_out_w(p) <= kDwS2MaxWo;
    case Conv2dAlgo::DirectRows:
      return p.groups == 1 && p.C_in <= kDirectRowsMaxCin && p.kernel_h <= kDirectRowsMaxK && p.kernel_w <= kDirectRowsMaxK &&
             (p.stride_h == 1 || p.stride_h == 2) && (p.stride_w == 1 || p.stride_w == 2) && p.dilation_h == 1 &&
             p.dilation_w == 1;
    case Conv2dAlgo::DirectChannels:
      return p.groups == 1 && p.kernel_h <= kDirectChMaxK && p.kernel_w <= kDirectChMaxK && p.stride_w == 2 &&
             (p.stride_h == 1 || p.stride_h == 2) && p.dilation_h == 1 && p.dilation_w == 1;
  }
  return false;
}

namespace detail {

inline std::int64_t conv_round_up(std::int64_t v, std::int64_t m) noexcept { return (v + m - 1) / m * m; }
inline std::int64_t conv_bytes(std::int64_t floats) noexcept {
  return static_cast<std::int64_t>(align_up(static_cast<std::size_t>(floats) * sizeof(float), kAlignment));
}

// The automatic choice. The thresholds come from bench/kernels/bench_conv2d.cpp on a Zen 4 core
// (docs/performance.md, "Kernel layout and algorithms").
inline Conv2dAlgo conv2d_choose(const Conv2dParams& p, std::int64_t Ho, std::int64_t Wo, int nr, int lanes,
                                bool has_dw_small, bool has_dw_s2, bool allow_winograd = true) noexcept {
  const std::int64_t cin_g = p.C_in / p.groups, cout_g = p.C_out / p.groups;
  // Depthwise (docs/performance.md, "Conv2D algorithm choice"): at stride 2 the in-place
  // stride-2 kernel (depthwise_s2.hpp, AVX-512) from 17 output columns, up to 128 for 3x3 and
  // 64 for 5x5 (1.2-1.8x the rows and flat kernels at 20..75 columns; level with
  // depthwise_small at 14, which keeps <= 16; 5x5 at 112 columns 0.8-1.07x rows, so not there);
  // at stride 1 the same kernel from 17 columns, up to 128 for 3x3 (1.0-1.24x rows at 28..112
  // columns) and 47 for 5x5 (1.4x the flat kernel at 28x28; wider 5x5 not measured);
  // register-blocked rows for output rows of >= 48 columns, and of >= 24 for 3x3 at stride 1
  // with 16-lane vectors (without AVX-512); output rows in vectors (depthwise_small.hpp,
  // AVX-512; depthwise_avx2.hpp, AVX2) for <= 16 columns, except 3x3 stride 1 with two 8-lane
  // vectors per row (14x14 on AVX2: level with the flat kernel hot, 0.90-1.08x, behind cold,
  // 0.89-0.95x); the flat
  // kernel in between and for everything else.
  if (has_dw_s2 && Wo > 16 && (p.kernel_w == 3 || Wo <= 64) && conv2d_algo_applies(p, Conv2dAlgo::DepthwiseS2))
    return Conv2dAlgo::DepthwiseS2;
  if (has_dw_s2 && Wo > 16 && (p.kernel_w == 3 || Wo < 48) && conv2d_algo_applies(p, Conv2dAlgo::DepthwiseS1))
    return Conv2dAlgo::DepthwiseS1;
  if (conv2d_algo_applies(p, Conv2dAlgo::DepthwiseRows) &&
      (Wo >= 48 || (lanes >= 16 && p.stride_w == 1 && p.kernel_w == 3 && Wo >= 24)))
    return Conv2dAlgo::DepthwiseRows;
  if (has_dw_small && conv2d_algo_applies(p, Conv2dAlgo::DepthwiseSmall) &&
      (lanes >= 16 || p.stride_w == 2 || p.kernel_w == 5 || Wo <= 8))
    return Conv2dAlgo::DepthwiseSmall;
  if (conv2d_algo_applies(p, Conv2dAlgo::Depthwise) && ((p.kernel_h == 3 && p.kernel_w == 3) || (p.kernel_h == 5 && p.kernel_w == 5)))
    return Conv2dAlgo::Depthwise;
  // Few input channels (the stem): direct beats im2col GEMM, whose K = C_in*kh*kw is too short
  // to pay for the packing (docs/performance.md: 1.6-3x on avx512f and avx2, 1.25-1.7x on sse2,
  // at 224x224). Not measured on NEON (no Arm hardware here), so not chosen there yet.
#if defined(__aarch64__) || defined(__arm__)
  constexpr int direct_min_lanes = 8;
#else
  constexpr int direct_min_lanes = 4;
#endif
  if (lanes >= direct_min_lanes && conv2d_algo_applies(p, Conv2dAlgo::DirectRows)) return Conv2dAlgo::DirectRows;
  // ResNet's stride-2 3x3s (64..512 channels, 28/14/7 output columns): direct with output
  // channels in vectors, no im2col (docs/performance.md, "Stride-2 3x3 direct"). Measured per
  // ISA against gemm/gemm_t in bench_conv2d: ahead on avx512f at 28, 14 and 7 columns; on avx2
  // ahead at 28 columns only (its 6-pixel blocks leave 14 and 7 columns in short chunks).
  // Not chosen on sse2 or NEON (not measured there), nor for the 1x1/2 downsample (behind gemm).
  if (lanes >= 8 && p.groups == 1 && p.kernel_h == 3 && p.kernel_w == 3 && p.stride_h == 2 && p.stride_w == 2 &&
      p.dilation_h == 1 && p.dilation_w == 1 && cin_g >= kDirectChMinCin && cout_g >= 2 * lanes &&
      Wo <= kDirectChMaxWo && (lanes >= 16 || Wo > 14))
    return Conv2dAlgo::DirectChannels;
  if (allow_winograd && conv2d_algo_applies(p, Conv2dAlgo::Winograd43) && cin_g >= 16 && cout_g >= 16) {
    const int m = wino_choose(Ho, Wo, cin_g, cout_g);
    if (m == 4) return Conv2dAlgo::Winograd43;
    // F(2x2) on a plane of <= 16 tiles (ResNet's 7x7 layers) with the tiles in the vectors
    // (winograd_t.hpp): measured on avx2 and sse2 at 7x7x512, hot and cold, at 0.55-0.65x the
    // time of the tiles-as-rows layout and of gemm_t (docs/performance.md, "Winograd F(2x2) with
    // the tiles in the vectors"). Not measured with AVX-512 (the machine it was built on has
    // none) or on NEON, so not chosen there yet.
#if defined(__aarch64__) || defined(__arm__)
    constexpr bool wino_t_measured = false;
#else
    const bool wino_t_measured = lanes <= 8;
#endif
    if (m == 2 && wino_t_measured && wino_t_fits(Ho, Wo)) return Conv2dAlgo::Winograd23T;
    if (m == 2) return Conv2dAlgo::Winograd23;
  }
  // Few pixels: NR-wide pixel panels would be mostly padding; put the channels in the vectors.
  // One pixel (a squeeze-excitation FC) is a GEMV, which GemmT streams once (gemv.hpp).
  const std::int64_t P = Ho * Wo;
  if (P == 1) return Conv2dAlgo::GemmT;
  const double eff_gemm = double(P) / double(conv_round_up(P, nr));
  const double eff_t = double(cout_g) / double(conv_round_up(cout_g, nr));
  // GemmT pays for a transposed write-back and per-thread packing of the pixel panels, so it
  // wins only when the pixel panels would be mostly padding (measured on avx512f: 7x7 -> GemmT
  // by 10-25%, 14x14 (196 = 87.5% of 7 x 32) -> Gemm by 10-40%).
  if (eff_t > eff_gemm + 0.15 && P <= 1024) return Conv2dAlgo::GemmT;
  // A long K over at most 256 pixels (ResNet's 14x14 layers with 1024 or more inputs per pixel:
  // the 1x1s after stage 3, the 3x3 stride-2 28 -> 14): GemmT streams the weights once for all
  // pixels, in NR-wide panels of output channels that fill their vectors. Measured on avx512f
  // with the weights in DRAM (bench_conv2d, LUODI_BENCH_FLUSH, 5 interleaved runs, medians):
  // 1x1 1024 -> 256 at 14x14 1063 us against 1143 (Gemm with all pixels in one block), 1024 ->
  // 512 2086 against 2246, 3x3/2 256 -> 256 2465 against 2711, 128 -> 256 1263 against 1359;
  // at K = 256 and 512 the two were level or Gemm ahead (1x1 256 -> 1024, 512 -> 1024 /2).
  const std::int64_t K = cin_g * p.kernel_h * p.kernel_w;
  if (P <= 256 && K >= 1024 && eff_t >= eff_gemm) return Conv2dAlgo::GemmT;
  return Conv2dAlgo::Gemm;
}

}  // namespace detail

// Plan `p` (which must pass validate) with a given algorithm on `isa`; an algorithm that does not
// apply, or has no kernel on that ISA, is an error naming it. An ISA this build does not contain
// plans the reference.
// `allow_winograd` = false keeps Auto off the Winograd algorithms (SessionOptions::winograd).
inline Status conv2d_plan_with(const Conv2dParams& p, Isa isa, Conv2dAlgo algo, Conv2dPlan* out,
                               bool allow_winograd = true) noexcept {
  LUODI_RETURN_IF_ERROR(validate(p));
  Conv2dPlan plan{};
  plan.p = p;
  if (!isa_compiled(isa)) isa = Isa::scalar;
  const Conv2dKernels& k = conv2d_kernels(isa);
  plan.isa = isa;
  plan.out_h = conv2d_out_h(p);
  plan.out_w = conv2d_out_w(p);
  plan.cin_g = p.C_in / p.groups;
  plan.cout_g = p.C_out / p.groups;
  plan.K = plan.cin_g * p.kernel_h * p.kernel_w;
  plan.mr = k.mr;
  plan.nr = k.nr;
  if (k.mr == 0) {
    if (algo != Conv2dAlgo::Auto && algo != Conv2dAlgo::Reference)
      return Status::error(StatusCode::Unsupported, "Conv2D algorithm %s has no kernel on ISA %s", conv2d_algo_name(algo),
                           isa_name(isa));
    algo = Conv2dAlgo::Reference;
    plan.isa = Isa::scalar;
  }
  if (algo == Conv2dAlgo::Auto)
    algo = detail::conv2d_choose(p, plan.out_h, plan.out_w, k.nr, k.lanes,
                                 k.run[static_cast<int>(Conv2dAlgo::DepthwiseSmall)] != nullptr,
                                 k.run[static_cast<int>(Conv2dAlgo::DepthwiseS2)] != nullptr, allow_winograd);
  if (algo == Conv2dAlgo::Reference) plan.isa = Isa::scalar;  // the reference lives in the scalar table
  if (!conv2d_algo_applies(p, algo))
    return Status::error(StatusCode::Unsupported, "Conv2D algorithm %s does not apply to this convolution",
                         conv2d_algo_name(algo));
  if (conv2d_kernels(plan.isa).run[static_cast<int>(algo)] == nullptr)
    return Status::error(StatusCode::Unsupported, "Conv2D algorithm %s has no kernel on ISA %s", conv2d_algo_name(algo),
                         isa_name(plan.isa));
  plan.algo = algo;
  const std::int64_t P = plan.out_h * plan.out_w;
  std::int64_t weight_floats = 0;
  switch (algo) {
    case Conv2dAlgo::Auto:
    case Conv2dAlgo::Reference:
      plan.group_floats = plan.cout_g * plan.K;
      weight_floats = p.C_out * plan.K;
      break;
    case Conv2dAlgo::Gemm: {
      plan.cout_pad = detail::conv_round_up(plan.cout_g, k.mr);
      plan.group_floats = plan.cout_pad * plan.K;
      weight_floats = plan.group_floats * p.groups;
      // K up to 512 in one block (no C reload), 64 output channels per A block, and a B block
      // (kc x nc packed pixels) of about 128 KiB, 128..256 pixels wide, so that the B block,
      // the A block and the C/residual rows they produce stay in L2 together. Measured on
      // avx512f (bench_conv2d LUODI_BENCH_CONV_BLK sweep; docs/performance.md) against the
      // previous kc = 128, all channels, nc = 512: 5-15% faster on the ResNet-50 1x1 and
      // stride-2 layers; level on avx2.
      plan.kc = 512;
      plan.mc = detail::conv_round_up(64, k.mr);  // A is packed panels: a multiple of MR
      const std::int64_t kc_eff = conv2d_gemm_kc_eff(plan.K, plan.kc);
      std::int64_t nc = 32768 / kc_eff;
      // Short K and a large output (the driver then runs each row tile across the block, see
      // driver.hpp): the cost is writing C, in longer runs per row with up to 1024 pixels.
      // Measured on avx512f with cold caches, 16->64 at 112x112: 727 us (nc 256, panel outer)
      // -> 467 (256, rows outer) -> 393 (1024); 2048 level with 1024.
      plan.rows_outer = conv2d_gemm_rows_outer(plan.cout_g, P, plan.K);
      const std::int64_t nc_max = plan.rows_outer ? 1024 : 256;
      nc = nc < 128 ? 128 : (nc > nc_max ? nc_max : nc);
      // Up to 256 pixels all go in one block, however long K: a second column block would
      // stream the weights from memory a second time, which costs more than the larger B
      // block (measured on avx512f with the weights in DRAM, LUODI_BENCH_FLUSH: 1x1 at 14x14,
      // 256 -> 1024 1179 us against 1202 and 1024 -> 256 1143 against 1217; 1x1/2 512 -> 1024
      // 28 -> 14 2165 against 2261; MobileNet 14x14 1x1s with K = 480..672 level or 2-5% ahead).
      if (P <= nc_max && P > nc) nc = P;
      plan.nc = detail::conv_round_up(P < nc ? P : nc, k.nr);
      // A 1x1 stride-1 conv reads its input in place as B; only a ragged last panel is packed.
      // Not in the short-K order: there the output stream is the cost, and with the output
      // outside the caches (as in a model) packing the B block first measured faster
      // (docs/performance.md, "Pointwise B in place"); nor, on avx2, when the in-place B panel
      // would not stay in L1 (conv2d_gemm_b_in_place_pays).
      plan.b_in_place = conv2d_gemm_b_in_place(p) &&
                        conv2d_gemm_b_in_place_pays(plan.isa, kc_eff, k.nr, plan.cout_g,
                                                    plan.rows_outer);
      plan.scratch_per_thread =
          detail::conv_bytes(kc_eff * (plan.b_in_place ? k.nr : plan.nc));
      break;
    }
    case Conv2dAlgo::GemmT: {
      plan.cout_pad = detail::conv_round_up(plan.cout_g, k.nr);
      plan.group_floats = plan.cout_pad * plan.K;
      weight_floats = plan.group_floats * p.groups;
      // a longer K block than Gemm's: the pixel panels are few, so each weight panel is
      // reused less and the C^T tiles are reloaded per K block (measured: 256 beats 128 at
      // 7x7x512 on avx512f by ~7%)
      plan.kc = (32 * 1024) / (4 * k.nr);
      const std::int64_t P_pad = conv2d_gemm_t_rows_pad(P, k.mr);
      // shared: the C^T buffer (none for the GEMV of P == 1, which writes y directly); per
      // thread: the A panels of a K block (the im2col column for P == 1) and the pixel -> input
      // offset table they are gathered with
      plan.scratch_shared = P == 1 ? 0 : detail::conv_bytes(P_pad * conv2d_gemm_t_ldc(plan.cout_pad));
      plan.scratch_per_thread = detail::conv_bytes(conv2d_gemm_t_a_floats(P, plan.K, plan.kc, k.mr)) +
                                detail::conv_bytes(p.kernel_h * p.kernel_w * P_pad);
      break;
    }
    case Conv2dAlgo::Winograd43:
    case Conv2dAlgo::Winograd23:
      wino_plan(&plan);
      weight_floats = plan.group_floats;
      break;
    case Conv2dAlgo::Winograd23T:
      wino_t_plan(&plan, k.lanes);
      weight_floats = plan.group_floats;
      break;
    case Conv2dAlgo::Depthwise:
    case Conv2dAlgo::DepthwiseRows:
    case Conv2dAlgo::DepthwiseSmall:
    case Conv2dAlgo::DepthwiseS2:
    case Conv2dAlgo::DepthwiseS1:
      dw_plan(&plan);
      if (algo == Conv2dAlgo::DepthwiseS2 || algo == Conv2dAlgo::DepthwiseS1) plan.scratch_per_thread = 0;  // reads x in place
      weight_floats = plan.group_floats;
      break;
    case Conv2dAlgo::DirectRows:
      direct_rows_plan(&plan, k.lanes);
      weight_floats = plan.group_floats;
      break;
    case Conv2dAlgo::DirectChannels:
      direct_ch_plan(&plan, k.lanes);
      weight_floats = plan.group_floats;
      break;
  }
  plan.bias_offset = detail::conv_bytes(weight_floats) / static_cast<std::int64_t>(sizeof(float));
  plan.packed_bytes = detail::conv_bytes(plan.bias_offset + (p.has_bias ? p.C_out : 0));
  *out = plan;
  return Status();
}

// The automatic choice for `p` on `isa` (without Winograd when !allow_winograd). `p` must pass
// validate (checked in debug builds).
inline Conv2dPlan conv2d_plan(const Conv2dParams& p, Isa isa = active_isa(), bool allow_winograd = true) noexcept {
  Conv2dPlan plan;
  const Status s = conv2d_plan_with(p, isa, Conv2dAlgo::Auto, &plan, allow_winograd);
  LUODI_ASSERT(s.ok());
  return plan;
}

inline std::size_t conv2d_scratch_bytes(const Conv2dPlan& plan, int threads = 1) noexcept {
  return static_cast<std::size_t>(plan.scratch_shared) +
         static_cast<std::size_t>(plan.scratch_per_thread) * static_cast<std::size_t>(threads < 1 ? 1 : threads);
}

// Pack OIHW weights and the bias (null when !has_bias) for plan's algorithm and ISA. Once, at
// load. `packed` is plan.packed_bytes long and 64-byte aligned.
inline void conv2d_pack(const Conv2dPlan& plan, const float* w, const float* bias, void* packed) noexcept {
  const Conv2dParams& p = plan.p;
  float* dst = static_cast<float*>(packed);
  std::memset(packed, 0, static_cast<std::size_t>(plan.packed_bytes));
  const std::int64_t K = plan.K;
  switch (plan.algo) {
    case Conv2dAlgo::Auto:
    case Conv2dAlgo::Reference:
      std::memcpy(dst, w, static_cast<std::size_t>(p.C_out * K) * sizeof(float));
      break;
    case Conv2dAlgo::Gemm:
    case Conv2dAlgo::GemmT: {
      // Panels of PW output channels: [cout_pad/PW][K][PW], zero past cout_g.
      const int PW = plan.algo == Conv2dAlgo::Gemm ? plan.mr : plan.nr;
      for (std::int64_t g = 0; g < p.groups; ++g) {
        float* d = dst + g * plan.group_floats;
        for (std::int64_t c0 = 0; c0 < plan.cout_pad; c0 += PW)
          for (std::int64_t k = 0; k < K; ++k)
            for (int r = 0; r < PW; ++r) {
              const std::int64_t co = c0 + r;
              *d++ = co < plan.cout_g ? w[(g * plan.cout_g + co) * K + k] : 0.0f;
            }
      }
      break;
    }
    case Conv2dAlgo::Winograd43:
    case Conv2dAlgo::Winograd23:
      wino_pack_weights(plan, w, dst);
      break;
    case Conv2dAlgo::Winograd23T:
      wino_t_pack_weights(plan, w, dst);
      break;
    case Conv2dAlgo::Depthwise:
    case Conv2dAlgo::DepthwiseRows:
    case Conv2dAlgo::DepthwiseSmall:
    case Conv2dAlgo::DepthwiseS2:
    case Conv2dAlgo::DepthwiseS1:
      dw_pack_weights(plan, w, dst);
      break;
    case Conv2dAlgo::DirectRows:
      direct_rows_pack_weights(plan, w, dst);
      break;
    case Conv2dAlgo::DirectChannels:
      direct_ch_pack_weights(plan, w, dst);
      break;
  }
  if (p.has_bias && bias) std::memcpy(dst + plan.bias_offset, bias, static_cast<std::size_t>(p.C_out) * sizeof(float));
}

inline void conv2d_run(const Conv2dPlan& plan, const float* x, const void* packed, const float* residual, float* y,
                       void* scratch, Executor* ex = nullptr) noexcept {
  LUODI_DCHECK(plan.p.has_residual == (residual != nullptr));
  const Conv2dRunFn fn = conv2d_kernels(plan.isa).run[static_cast<int>(plan.algo)];
  const float* r = plan.p.has_residual ? residual : nullptr;
  // Small convs (SE-block FCs, late 1x1s) run whole on the caller: see useful_threads.
  const std::int64_t flops =
      clamp_flops(2.0 * double(plan.p.N) * double(plan.p.C_out) * double(plan.out_h) * double(plan.out_w) * double(plan.K));
  const std::int64_t threads = useful_threads(ex, flops);
  auto task = [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t t = b; t < e; ++t) fn(plan, x, packed, r, y, scratch, t, threads);
  };
  parallel_for(threads, task, ex);
}

}  // namespace kernels
}  // namespace luodi
