// Conv2D: the reference against PyTorch fixtures (float64, rounded once); every fast path on
// every ISA against the reference at odd shapes (channels and pixels around the micro-kernel
// tile, every pad/stride/dilation/group mix, depthwise, batch > 1, Conv1D, residual and every
// activation); thread-count independence; validation errors naming the field.
//
// Tolerances: im2col GEMM and depthwise sum the same K = Cin/G*kh*kw products as ref in another
// order, so they are held to the float32 summation bound (fixture_util.hpp: 2(K+3)u * sum|w||x|,
// scaled by the activation's Lipschitz constant). Winograd F(4x4, 3x3) computes with
// transformed inputs and weights whose rounding errors are amplified by the transform matrices;
// its bound is stated and explained at kWinogradFactor below.
#include <doctest/doctest.h>
#include <luodi/core/thread_pool.hpp>
#include <luodi/kernels/conv2d/conv2d.hpp>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "../support/test_util.hpp"
#include "fixture_util.hpp"

using namespace luodi;
using namespace luodi::kernels;

namespace {

// Winograd F(4x4, 3x3) with points {0, +-1, +-2, inf}: the input transform B^T d B and the
// output transform A^T m A have entries up to 5 and 8 (row sums of |B^T| up to 10, of |A^T| up
// to 19), and the transformed weights G g G^T are rounded to float. That adds an error that does
// not shrink with K: it is a multiple of u * sum|w||x|, where the direct paths' error grows like
// K u sum|w||x|. Measured on the shapes below (uniform inputs), Winograd's worst error is 0.97
// of the direct bound at K = 27 (C_in = 3), falling to ~0.2 of it at K >= 150; the direct paths
// stay below 0.1. Winograd is held to 8x the direct bound: it still catches any indexing or
// transform mistake, which is O(1) relative to the result, not O(u).
constexpr double kWinogradFactor = 8.0;
// F(2x2) (both layouts) has smaller transform entries than F(4x4) and is held to the same bound.
double algo_factor(Conv2dAlgo a) {
  return (a == Conv2dAlgo::Winograd43 || a == Conv2dAlgo::Winograd23 || a == Conv2dAlgo::Winograd23T) ? kWinogradFactor
                                                                                                      : 1.0;
}

using luodi_test::absv;
using luodi_test::Buf;

std::vector<float> run_conv(const Conv2dPlan& plan, int threads, const std::vector<float>& x, const std::vector<float>& w,
                            const std::vector<float>& bias, const std::vector<float>& res) {
  const Conv2dParams& p = plan.p;
  std::vector<float> y(static_cast<std::size_t>(p.N * p.C_out * plan.out_h * plan.out_w), -777.0f);
  Buf packed(static_cast<std::size_t>(plan.packed_bytes));
  conv2d_pack(plan, w.data(), p.has_bias ? bias.data() : nullptr, packed.data());
  const int T = threads < 1 ? 1 : threads;
  Buf scratch(conv2d_scratch_bytes(plan, T));
#if LUODI_HAS_THREADS
  ThreadPool pool(T, kDefaultSpinMicroseconds, 0);  // 0: split even the smallest shapes
  Executor* ex = threads > 0 ? &pool : nullptr;
#else
  Executor* ex = nullptr;
#endif
  conv2d_run(plan, x.data(), packed.data(), p.has_residual ? res.data() : nullptr, y.data(), scratch.data(), ex);
  return y;
}

// sum |w||x| + |b| + |residual| per output: the scale of each output's rounding error.
std::vector<float> magnitude(Conv2dParams p, const std::vector<float>& x, const std::vector<float>& w,
                             const std::vector<float>& bias, const std::vector<float>& res) {
  p.activation = ActivationKind::Identity;
  std::vector<float> m(static_cast<std::size_t>(p.N * p.C_out * conv2d_out_h(p) * conv2d_out_w(p)));
  const auto ab = absv(bias), ar = absv(res);
  ref::conv2d_f32(p, absv(x).data(), absv(w).data(), p.has_bias ? ab.data() : nullptr, p.has_residual ? ar.data() : nullptr,
                  m.data());
  return m;
}

int compare(const std::string& what, const std::vector<float>& got, const std::vector<float>& want,
            const std::vector<float>& mag, std::int64_t K, const Conv2dParams& p, double factor) {
  int bad = 0;
  double worst = 0;
  for (std::size_t i = 0; i < want.size(); ++i) {
    const double tol = factor * luodi_test::sum_tolerance(K, mag[i], want[i], p.activation, p.act_params);
    const double err = std::fabs(double(got[i]) - double(want[i]));
    if (tol > 0 && err / tol > worst) worst = err / tol;
    if (!(err <= tol)) {
      if (bad < 3) FAIL_CHECK(what << ": y[" << i << "] = " << got[i] << ", want " << want[i] << " (tol " << tol << ")");
      ++bad;
    }
  }
  if (std::getenv("LUODI_TEST_VERBOSE")) MESSAGE(what << ": worst error / summation bound = " << worst * factor);
  return bad;
}

std::string describe(const Conv2dParams& p) {
  char b[256];
  std::snprintf(b, sizeof b, "N%lld C%lld->%lld %lldx%lld k%lldx%lld s%lld,%lld p%lld,%lld,%lld,%lld d%lld,%lld g%lld%s%s %s",
                (long long)p.N, (long long)p.C_in, (long long)p.C_out, (long long)p.H, (long long)p.W, (long long)p.kernel_h,
                (long long)p.kernel_w, (long long)p.stride_h, (long long)p.stride_w, (long long)p.pad_top,
                (long long)p.pad_left, (long long)p.pad_bottom, (long long)p.pad_right, (long long)p.dilation_h,
                (long long)p.dilation_w, (long long)p.groups, p.has_bias ? " bias" : "", p.has_residual ? " res" : "",
                activation_name(p.activation));
  return b;
}

struct Data {
  std::vector<float> x, w, b, r;
};
Data make_data(const Conv2dParams& p, std::uint32_t seed) {
  Data d;
  d.x = luodi_test::random_floats(static_cast<std::size_t>(p.N * p.C_in * p.H * p.W), -1, 1, seed);
  d.w = luodi_test::random_floats(static_cast<std::size_t>(p.C_out * (p.C_in / p.groups) * p.kernel_h * p.kernel_w), -0.5f,
                                  0.5f, seed + 1);
  d.b = luodi_test::random_floats(static_cast<std::size_t>(p.C_out), -1, 1, seed + 2);
  d.r = luodi_test::random_floats(static_cast<std::size_t>(p.N * p.C_out * conv2d_out_h(p) * conv2d_out_w(p)), -1, 1,
                                  seed + 3);
  return d;
}

// Every applicable fast algorithm on every SIMD ISA against the reference, for one shape.
int check_all_algos(const Conv2dParams& p, std::uint32_t seed, int* ran) {
  REQUIRE_MESSAGE(validate(p).ok(), describe(p) << ": " << validate(p).message());
  const Data d = make_data(p, seed);
  Conv2dPlan rplan;
  REQUIRE(conv2d_plan_with(p, Isa::scalar, Conv2dAlgo::Reference, &rplan).ok());
  const auto want = run_conv(rplan, 0, d.x, d.w, d.b, d.r);
  const auto mag = magnitude(p, d.x, d.w, d.b, d.r);
  const std::int64_t K = (p.C_in / p.groups) * p.kernel_h * p.kernel_w;
  int bad = 0;
  for (Isa isa : luodi_test::simd_isas()) {
    for (int a = static_cast<int>(Conv2dAlgo::Gemm); a < kConv2dAlgoCount; ++a) {
      const auto algo = static_cast<Conv2dAlgo>(a);
      Conv2dPlan plan;
      if (!conv2d_plan_with(p, isa, algo, &plan).ok()) continue;
      const auto got = run_conv(plan, 0, d.x, d.w, d.b, d.r);
      const double factor = algo_factor(algo);
      bad += compare(std::string(isa_name(isa)) + " " + conv2d_algo_name(algo) + " " + describe(p), got, want, mag, K, p,
                     factor);
      ++*ran;
    }
  }
  return bad;
}

Conv2dParams conv(std::int64_t N, std::int64_t Cin, std::int64_t H, std::int64_t W, std::int64_t Cout, std::int64_t kh,
                  std::int64_t kw, std::int64_t s = 1, std::int64_t pad = 0, std::int64_t d = 1, std::int64_t g = 1) {
  Conv2dParams p;
  p.N = N;
  p.C_in = Cin;
  p.H = H;
  p.W = W;
  p.C_out = Cout;
  p.kernel_h = kh;
  p.kernel_w = kw;
  p.stride_h = p.stride_w = s;
  p.pad_top = p.pad_left = p.pad_bottom = p.pad_right = pad;
  p.dilation_h = p.dilation_w = d;
  p.groups = g;
  p.has_bias = true;
  return p;
}

}  // namespace

TEST_CASE("conv2d: reference matches PyTorch (float64) fixtures") {
  const char* names[] = {"c2d_3x3_s1_p1",      "c2d_3x3_s2_asym",   "c2d_3x3_dil2",       "c2d_3x3_s2_dil2_pad",
                         "c2d_groups2",        "c2d_groups3_s2",    "c2d_dw3x3_s1",       "c2d_dw3x3_s2",
                         "c2d_dw5x5_s1",       "c2d_dw5x5_s2_asym", "c2d_dw_mult2",       "c2d_1x1",
                         "c2d_1x1_s2",         "c2d_1x1_pad",       "c2d_5x5_s1",         "c2d_7x7_s2",
                         "c2d_1x3_3x1",        "c2d_3x1",           "c2d_batch2",         "c2d_conv1d",
                         "c2d_residual_relu",  "c2d_wino_like",     "c2d_act_clip",       "c2d_act_leaky_relu",
                         "c2d_act_hard_swish", "c2d_act_hard_sigmoid", "c2d_act_silu",    "c2d_act_sigmoid",
                         "c2d_act_tanh",       "c2d_act_gelu"};
  int checked = 0;
  for (const char* name : names) {
    luodi_test::Fixture fx;
    std::string err;
    REQUIRE_MESSAGE(luodi_test::load_fixture(name, &fx, &err), err);
    REQUIRE(fx.kind == 0);
    const auto& v = fx.ints;
    Conv2dParams p;
    p.N = v[0];
    p.C_in = v[1];
    p.H = v[2];
    p.W = v[3];
    p.C_out = v[4];
    p.kernel_h = v[5];
    p.kernel_w = v[6];
    p.stride_h = v[7];
    p.stride_w = v[8];
    p.pad_top = v[9];
    p.pad_left = v[10];
    p.pad_bottom = v[11];
    p.pad_right = v[12];
    p.dilation_h = v[13];
    p.dilation_w = v[14];
    p.groups = v[15];
    p.has_bias = v[18] != 0;
    p.has_residual = v[19] != 0;
    p.activation = static_cast<ActivationKind>(v[20]);
    p.act_params = {fx.floats[0], fx.floats[1]};
    REQUIRE_MESSAGE(validate(p).ok(), name);
    const std::int64_t nx = p.N * p.C_in * p.H * p.W, nw = p.C_out * (p.C_in / p.groups) * p.kernel_h * p.kernel_w;
    const std::int64_t nb = p.has_bias ? p.C_out : 0, ny = p.N * p.C_out * conv2d_out_h(p) * conv2d_out_w(p);
    REQUIRE(static_cast<std::int64_t>(fx.data.size()) == nx + nw + nb + (p.has_residual ? ny : 0) + ny);
    const float* d = fx.data.data();
    std::vector<float> x(d, d + nx), w(d + nx, d + nx + nw), b(d + nx + nw, d + nx + nw + nb), r;
    d += nx + nw + nb;
    if (p.has_residual) {
      r = std::vector<float>(d, d + ny);
      d += ny;
    }
    const std::vector<float> want(d, d + ny);
    Conv2dPlan plan;
    REQUIRE(conv2d_plan_with(p, Isa::scalar, Conv2dAlgo::Auto, &plan).ok());
    CHECK(plan.algo == Conv2dAlgo::Reference);
    const auto got = run_conv(plan, 0, x, w, b, r);
    const auto mag = magnitude(p, x, w, b, r);
    CHECK(compare(std::string("ref vs torch ") + name, got, want, mag, (p.C_in / p.groups) * p.kernel_h * p.kernel_w, p,
                  1.0) == 0);
    // and every fast path on the same data (an independent check of each against torch)
    int ran = 0;
    for (Isa isa : luodi_test::simd_isas())
      for (int a = static_cast<int>(Conv2dAlgo::Gemm); a < kConv2dAlgoCount; ++a) {
        Conv2dPlan fp;
        if (!conv2d_plan_with(p, isa, static_cast<Conv2dAlgo>(a), &fp).ok()) continue;
        const auto g2 = run_conv(fp, 0, x, w, b, r);
        const double factor = algo_factor(fp.algo);
        CHECK(compare(std::string(isa_name(isa)) + " " + conv2d_algo_name(fp.algo) + " vs torch " + name, g2, want, mag,
                      (p.C_in / p.groups) * p.kernel_h * p.kernel_w, p, factor) == 0);
        ++ran;
      }
    ++checked;
  }
  CHECK(checked == 30);
}

TEST_CASE("conv2d: GEMM paths at odd channel and pixel counts around the tile") {
  int ran = 0, bad = 0;
  std::uint32_t seed = 100;
  // channels: 1, tile-1, tile, tile+1 and k*tile+r for MR in {6, 8} and NR in {8, 12, 16, 32}
  for (std::int64_t cout : {1, 5, 7, 8, 9, 17, 33, 70})
    for (std::int64_t hw : {3, 4, 5, 7, 9, 13})  // pixels 9..169: around NR = 8, 16, 32 and k*NR+r
    {
      Conv2dParams p = conv(1, (cout % 3) + 2, hw, hw + 1, cout, 3, 3, 1, 1);
      p.has_residual = (cout % 2) == 1;
      p.activation = (hw % 2) ? ActivationKind::Relu : ActivationKind::Identity;
      bad += check_all_algos(p, ++seed, &ran);
    }
  // 1x1 (pointwise): the plain-copy packing path, K around the K blocking (the conv GEMM
  // path's kc is 512: 600 and 1100 are two and three uneven K blocks, whose later blocks add
  // into C and whose last one runs the epilogue)
  for (std::int64_t cin : {1, 3, 16, 130, 300, 600, 1100}) {
    Conv2dParams p = conv(1, cin, 7, 9, 11, 1, 1);
    p.has_residual = cin >= 600;
    bad += check_all_algos(p, ++seed, &ran);
  }
  // short K with a large output: the row-tile-outer order over wide column blocks
  // (conv2d_gemm_rows_outer: K <= 64, cout_g * pixels >= 128 Ki), with column and row tails
  // (2115 and 1640 pixels, 70 and 81 channels), K = 64 at the boundary, an im2col K of 63,
  // residual, batch 2 and a second-pass activation
  {
    Conv2dParams p = conv(1, 16, 47, 45, 70, 1, 1);
    p.activation = ActivationKind::Relu;
    bad += check_all_algos(p, ++seed, &ran);
    p = conv(2, 64, 40, 41, 81, 1, 1);
    p.has_residual = true;
    p.activation = ActivationKind::HardSwish;
    p.act_params = activation_defaults(p.activation);
    bad += check_all_algos(p, ++seed, &ran);
    p = conv(1, 7, 38, 38, 100, 3, 3, 1, 1);
    p.has_residual = true;
    bad += check_all_algos(p, ++seed, &ran);
    CHECK(conv2d_gemm_rows_outer(70, 47 * 45, 16));
    CHECK(conv2d_gemm_rows_outer(81, 40 * 41, 64));
    CHECK(conv2d_gemm_rows_outer(100, 38 * 38, 63));
  }
  // im2col with more than one K block: K = 64*9 = 576 and 130*9 = 1170, with residual
  for (std::int64_t cin : {64, 130}) {
    Conv2dParams p = conv(1, cin, 6, 11, 19, 3, 3, 1, 1);
    p.has_residual = true;
    p.activation = ActivationKind::Relu;
    bad += check_all_algos(p, ++seed, &ran);
  }
  CHECK(bad == 0);
  if (!luodi_test::simd_isas().empty()) CHECK(ran > 0);  // a scalar-only build has no fast path to run
  MESSAGE(ran << " fast-path runs");
}

// Gemm for a 1x1 stride-1 unpadded conv reads the input in place as B (plan.b_in_place, unless
// the short-K order runs or, on avx2, the B panel is large: conv2d_gemm_b_in_place_pays): full
// NR-column panels straight from the channel rows, a ragged last panel packed. Against the
// reference (check_all_algos: the planned choice), and, with B in place forced, bit for bit
// against the same plan with B packed (the arithmetic is the same), in both tile orders
// (rows_outer flipped), on every ISA.
TEST_CASE("conv2d: pointwise Gemm with B read in place, around the tile, every activation") {
  int ran = 0, bad = 0, same = 0;
  std::uint32_t seed = 200;
  auto check = [&](const Conv2dParams& p) {
    REQUIRE_MESSAGE(validate(p).ok(), describe(p));
    bad += check_all_algos(p, ++seed, &ran);
    const Data d = make_data(p, seed);
    for (Isa isa : luodi_test::simd_isas()) {
      Conv2dPlan plan;
      REQUIRE(conv2d_plan_with(p, isa, Conv2dAlgo::Gemm, &plan).ok());
      // the planned choice: in place unless the short-K order runs or (avx2) the panel is large
      CHECK_MESSAGE(plan.b_in_place == conv2d_gemm_b_in_place_pays(isa, conv2d_gemm_kc_eff(plan.K, plan.kc), plan.nr,
                                                                   plan.cout_g, plan.rows_outer),
                    describe(p));
      plan.b_in_place = true;  // then forced, so that both orders are covered
      const auto in_place = run_conv(plan, 0, d.x, d.w, d.b, d.r);
      for (int order = 0; order < 2; ++order) {
        Conv2dPlan packed_b = plan;
        packed_b.b_in_place = false;
        packed_b.rows_outer = order ? !plan.rows_outer : plan.rows_outer;
        packed_b.scratch_per_thread = (plan.K < plan.kc ? plan.K : plan.kc) * plan.nc * 4 + 64;
        const auto want = run_conv(packed_b, 0, d.x, d.w, d.b, d.r);
        Conv2dPlan flipped = plan;
        flipped.rows_outer = packed_b.rows_outer;
        const auto got = order ? run_conv(flipped, 0, d.x, d.w, d.b, d.r) : in_place;
        const bool eq = std::memcmp(got.data(), want.data(), got.size() * sizeof(float)) == 0;
        CHECK_MESSAGE(eq, isa_name(isa) << " in place vs packed B, order " << order << " " << describe(p));
        same += eq;
      }
    }
  };
  // pixels: 1, NR-1, NR, NR+1 and k*NR+r for NR = 8, 12, 16, 32 (sse2, neon64, avx2, avx512f),
  // as H x W with odd widths, 14x14 (6 x 32 + 4) and larger planes
  const std::int64_t planes[][2] = {{1, 1}, {1, 7}, {1, 8}, {3, 3}, {1, 11}, {3, 4}, {1, 13}, {1, 15}, {4, 4},
                                    {1, 17}, {1, 31}, {4, 8}, {3, 11}, {5, 7}, {7, 9}, {14, 14}, {13, 15}, {37, 35}};
  std::int64_t i = 0;
  for (const auto& hw : planes)
    for (std::int64_t cin : {1, 3, 16, 17, 32, 33})
      for (std::int64_t cout : {5, 7, 8, 9}) {  // MR-1, MR, MR+1 for MR = 6 and 8
        if ((++i) % 3 != 0 && hw[0] * hw[1] < 100) continue;  // a third of the small shapes
        Conv2dParams p = conv((cin + cout) % 5 == 0 ? 2 : 1, cin, hw[0], hw[1], cout, 1, 1);
        p.has_bias = (cin + hw[1]) % 4 != 0;
        p.has_residual = (cout + hw[0]) % 2 == 1;
        const ActivationKind acts[] = {ActivationKind::Identity, ActivationKind::Relu, ActivationKind::Clip,
                                       ActivationKind::HardSwish, ActivationKind::LeakyRelu};
        p.activation = acts[(cin + cout + hw[1]) % 5];
        p.act_params = activation_defaults(p.activation);
        if (p.activation == ActivationKind::LeakyRelu) p.act_params = {0.2f, 0.0f};
        check(p);
      }
  // every activation with a bound, with and without the residual, at a 112x112-like plane with
  // odd width (113 x 111: 12543 pixels, the column tail 31 on avx512f), K = 16 and 32, the
  // row-tile-outer order (cout * pixels >= 128 Ki); batch 2 and groups (per-group B rows)
  for (int a = 0; a < kActivationCount; ++a) {
    const auto k = static_cast<ActivationKind>(a);
    if (!luodi_test::act_has_sum_bound(k)) continue;
    Conv2dParams p = conv(1, a % 2 ? 16 : 32, 113, 111, a % 3 ? 16 : 17, 1, 1);
    p.has_residual = a % 2 == 0;
    p.activation = k;
    p.act_params = activation_defaults(k);
    if (k == ActivationKind::LeakyRelu) p.act_params = {0.2f, 0.0f};
    check(p);
  }
  {
    Conv2dParams p = conv(2, 24, 23, 29, 18, 1, 1, 1, 0, 1, 3);  // groups 3: 8 -> 6 per group
    p.has_residual = true;
    p.activation = ActivationKind::Relu;
    check(p);
    p = conv(1, 600, 9, 11, 13, 1, 1);  // two uneven K blocks: later ones add into C
    check(p);
    p = conv(1, 300, 12, 11, 70, 1, 1);  // the planned Gemm on avx2 packs B (300 x 16 panel, 70 channels)
    check(p);
  }
  // not in place: a padded or strided 1x1 gathers through im2col
  for (const Conv2dParams& p : {conv(1, 8, 9, 9, 8, 1, 1, 1, 1), conv(1, 8, 9, 9, 8, 1, 1, 2, 0)})
    for (Isa isa : luodi_test::simd_isas()) {
      Conv2dPlan plan;
      REQUIRE(conv2d_plan_with(p, isa, Conv2dAlgo::Gemm, &plan).ok());
      CHECK_FALSE(plan.b_in_place);
    }
  // avx2 (runtime or compile-time) packs B where the in-place panel would not stay in L1
  // (conv2d_gemm_b_in_place_pays): a MobileNetV3 14x14 672 -> 112 projection packs; its 80 -> 200
  // expansion (K block 80) and a 2-group 600 -> 100 (K block 300, but 50 channels per group) read
  // in place. Every other ISA reads all three in place.
  int avx2_plans = 0;
  for (Isa isa : luodi_test::simd_isas()) {
    Conv2dPlan plan;
    REQUIRE(conv2d_plan_with(conv(1, 672, 14, 14, 112, 1, 1), isa, Conv2dAlgo::Gemm, &plan).ok());
    CHECK_MESSAGE(plan.b_in_place == !isa_runs_avx2(isa), isa_name(isa));
    REQUIRE(conv2d_plan_with(conv(1, 80, 14, 14, 200, 1, 1), isa, Conv2dAlgo::Gemm, &plan).ok());
    CHECK_MESSAGE(plan.b_in_place, isa_name(isa));
    REQUIRE(conv2d_plan_with(conv(1, 600, 14, 14, 100, 1, 1, 1, 0, 1, 2), isa, Conv2dAlgo::Gemm, &plan).ok());
    CHECK_MESSAGE(plan.b_in_place, isa_name(isa));
    avx2_plans += isa_runs_avx2(isa);
  }
  MESSAGE(avx2_plans << " avx2 plans checked for packed B");
  CHECK(bad == 0);
  if (!luodi_test::simd_isas().empty()) CHECK(ran > 0);
  MESSAGE(ran << " fast-path runs, " << same << " in-place/packed-B comparisons");
}

TEST_CASE("conv2d: pointwise on few pixels (GemmT's copied panels) and on one pixel (GEMV)") {
  int ran = 0, bad = 0;
  std::uint32_t seed = 300;
  // pixels 7, 49, 196 and around MR = 6, 8 (5..9, 48, 50); output channels around NR = 8, 12,
  // 16, 32 and k*NR+r; K short, around the GemmT K block (256 floats per block: 300 and 600 are
  // two and three uneven blocks) and odd; every other shape with a residual; batch 2 for some
  const std::int64_t planes[][2] = {{1, 7}, {7, 7}, {14, 14}, {1, 5}, {2, 3}, {3, 3}, {6, 8}, {5, 10}};
  for (const auto& hw : planes)
    for (std::int64_t cout : {7, 16, 33, 65})
      for (std::int64_t cin : {3, 16, 300}) {
        Conv2dParams p = conv((cout + cin) % 2 ? 2 : 1, cin, hw[0], hw[1], cout, 1, 1);
        p.has_residual = (cout + hw[1]) % 2 == 1;
        p.activation = (cin == 16) ? ActivationKind::HardSwish : (cin == 3 ? ActivationKind::Relu : ActivationKind::Identity);
        p.act_params = activation_defaults(p.activation);
        bad += check_all_algos(p, ++seed, &ran);
      }
  // one output pixel: the GEMV over the GemmT panels, with channel counts around NR, K odd,
  // short and past any block (961), each activation kind class, with and without bias and
  // residual, batch 2; then P == 1 from a larger kernel (gathered column), from padding, and
  // from a stride (a 1x1 kernel on a 3x3 plane)
  for (std::int64_t cout : {1, 8, 31, 32, 33, 240, 97})
    for (std::int64_t cin : {1, 15, 240, 961}) {
      Conv2dParams p = conv(cin == 15 ? 2 : 1, cin, 1, 1, cout, 1, 1);
      p.has_bias = cout != 31;
      p.has_residual = cin == 240 || cout == 1;
      const ActivationKind acts[] = {ActivationKind::Identity, ActivationKind::Relu, ActivationKind::HardSigmoid,
                                     ActivationKind::Clip};
      p.activation = acts[(cout + cin) % 4];
      p.act_params = activation_defaults(p.activation);
      bad += check_all_algos(p, ++seed, &ran);
    }
  {
    Conv2dParams p = conv(2, 9, 3, 3, 40, 3, 3);  // 3x3 valid on 3x3: K = 81 gathered
    p.has_residual = true;
    bad += check_all_algos(p, ++seed, &ran);
    bad += check_all_algos(conv(1, 5, 1, 1, 20, 3, 3, 1, 1), ++seed, &ran);     // pad 1 on 1x1: 8 taps in padding
    bad += check_all_algos(conv(1, 6, 3, 3, 19, 1, 1, 3, 0), ++seed, &ran);     // 1x1 stride 3 on 3x3
    bad += check_all_algos(conv(1, 12, 1, 1, 36, 1, 1, 1, 0, 1, 3), ++seed, &ran);  // groups
  }
  CHECK(bad == 0);
  if (!luodi_test::simd_isas().empty()) CHECK(ran > 0);  // a scalar-only build has no fast path to run
  MESSAGE(ran << " fast-path runs");
}

// GemmT on few pixels (P = 49, 25, 9: 6 x 8 + 1, 3 x 8 + 1, 8 + 1 rows on avx512f; 8 x 6 + 1,
// 4 x 6 + 1, 6 + 3 on the 6-row tiles), 1x1 and 3x3 kernels, with K in one block and in two and
// three uneven ones (kc = 256 floats on avx512f, 512 on avx2, 1024 on sse2), so the prefetch of
// the next panel and of the next K block (gemm_path.hpp) has every case; channel counts leave a
// ragged last panel; residual and activation. Against the reference on every ISA, and bit for bit
// across 1, 2, 3 and 5 threads (threads own panels, so a thread's next panel and its first panel's
// next K block differ from one split to another, the results must not).
TEST_CASE("conv2d: GemmT on 7x7, 5x5 and 3x3 planes: K blocks, ragged panels, threads") {
  int ran = 0, bad = 0;
  std::uint32_t seed = 900;
  std::vector<Conv2dParams> shapes;
  for (std::int64_t hw : {7, 5, 3})
    for (std::int64_t cin : {40, 300, 1100})
      for (std::int64_t k : {1, 3}) {
        if (k == 3 && cin == 1100) continue;  // K = 2700 is covered by 300 x 3 x 3
        Conv2dParams p = conv(1, cin, hw, hw, cin == 300 ? 97 : 70, k, k, 1, k / 2);
        p.has_residual = (hw + k) % 2 == 0;
        const ActivationKind acts[] = {ActivationKind::Clip, ActivationKind::HardSwish, ActivationKind::Relu};
        p.activation = acts[(hw + cin) % 3];
        p.act_params = activation_defaults(p.activation);
        shapes.push_back(p);
      }
  for (const Conv2dParams& p : shapes) {
    bad += check_all_algos(p, ++seed, &ran);
#if LUODI_HAS_THREADS
    const Data d = make_data(p, seed);
    for (Isa isa : luodi_test::simd_isas()) {
      Conv2dPlan plan;
      REQUIRE(conv2d_plan_with(p, isa, Conv2dAlgo::GemmT, &plan).ok());
      const auto one = run_conv(plan, 0, d.x, d.w, d.b, d.r);
      for (int t : {1, 2, 3, 5}) {
        const auto many = run_conv(plan, t, d.x, d.w, d.b, d.r);
        CHECK_MESSAGE(std::memcmp(one.data(), many.data(), one.size() * sizeof(float)) == 0,
                      std::string(isa_name(isa)) << " gemm_t threads=" << t << " " << describe(p));
      }
    }
#endif
  }
  CHECK(bad == 0);
  if (!luodi_test::simd_isas().empty()) CHECK(ran > 0);  // a scalar-only build has no fast path to run
  MESSAGE(ran << " fast-path runs");
}

TEST_CASE("conv2d: every pad, stride, dilation, group mix; batch; Conv1D") {
  int ran = 0, bad = 0;
  std::uint32_t seed = 500;
  for (std::int64_t k : {1, 2, 3, 5})
    for (std::int64_t s : {1, 2, 3})
      for (std::int64_t d : {1, 2}) {
        if (k == 1 && d == 2) continue;
        Conv2dParams p = conv(1, 4, 11, 10, 6, k, k, s, 0, d);
        p.pad_top = k / 2;
        p.pad_left = (k + 1) / 2;
        p.pad_bottom = s - 1;
        p.pad_right = 0;
        p.stride_w = s == 3 ? 1 : s;  // unequal strides too
        p.dilation_w = k == 3 ? d : 1;
        p.dilation_h = d;
        bad += check_all_algos(p, ++seed, &ran);
      }
  // groups (not depthwise), non-square kernels
  bad += check_all_algos(conv(1, 6, 9, 8, 9, 3, 3, 1, 1, 1, 3), ++seed, &ran);
  bad += check_all_algos(conv(1, 8, 8, 7, 4, 1, 3, 1, 1, 1, 2), ++seed, &ran);
  bad += check_all_algos(conv(1, 4, 7, 9, 5, 3, 1, 2, 0), ++seed, &ran);
  // batch > 1 with residual
  {
    Conv2dParams p = conv(3, 5, 6, 7, 10, 3, 3, 1, 1);
    p.has_residual = true;
    p.activation = ActivationKind::Clip;
    p.act_params = {0.0f, 6.0f};
    bad += check_all_algos(p, ++seed, &ran);
  }
  // Conv1D: H = 1
  for (std::int64_t s : {1, 2}) {
    Conv2dParams p = conv1d_params(2, 5, 37, 7, 3, s, 1, 2, 2, 1);
    p.has_bias = true;
    bad += check_all_algos(p, ++seed, &ran);
  }
  // no bias
  {
    Conv2dParams p = conv(1, 3, 5, 5, 4, 3, 3, 1, 1);
    p.has_bias = false;
    bad += check_all_algos(p, ++seed, &ran);
  }
  CHECK(bad == 0);
  if (!luodi_test::simd_isas().empty()) CHECK(ran > 0);  // a scalar-only build has no fast path to run
  MESSAGE(ran << " fast-path runs");
}

// The strided im2col packing (conv2d/im2col.hpp) copies each NR-pixel panel row as runs within
// one output row, finding the first and last column inside the input per run, and copies stride
// 2 with Stride2Copy (vector permutes on AVX2 and AVX-512). So: 3x3 stride 2 at output widths
// that put 1..NR runs in a panel (widths 1..33 around NR = 8, 16, 32), odd and even input widths
// (whether the last tap reaches past the input), pads 0, 1 and asymmetric, K across the conv
// GEMM's 512-deep blocks (a block starting mid-tap), 1x1 stride 2 (ResNet's downsample), stride
// 3 and dilation 2 (the division path), batch 2, residual, every activation with a sum bound;
// and the 14x14 shapes whose plan changes with K (GemmT from K >= 1024, Gemm's single column
// block up to 256 pixels). Every applicable algorithm on every ISA against the reference.
TEST_CASE("conv2d: strided im2col, 3x3 and 1x1 stride 2, widths around the panel; 14x14 plans") {
  int ran = 0, bad = 0;
  std::uint32_t seed = 700;
  int i = 0;
  for (std::int64_t wo : {1, 2, 3, 5, 7, 8, 9, 14, 15, 16, 17, 28, 31, 32, 33}) {
    for (std::int64_t odd : {0, 1}) {
      ++i;
      Conv2dParams p = conv(1 + (i % 4 == 0), 2 + (i % 3), 1 + (i % 5) * 2, 2 * wo - odd + 1, 5 + (i % 7) * 4, 3, 3, 2, 1);
      if (i % 6 == 5) p.pad_left = 0;    // no left pad: the first tap starts inside
      if (i % 5 == 3) p.pad_right = 2;   // past the kernel radius
      if (i % 7 == 2) p.pad_bottom = 0;
      p.has_residual = (i % 3) == 0;
      p.activation = (i % 2) ? ActivationKind::Relu : ActivationKind::Identity;
      if (conv2d_out_w(p) < 1 || conv2d_out_h(p) < 1) continue;
      bad += check_all_algos(p, ++seed, &ran);
    }
  }
  // 1x1 stride 2, no pads (downsample) and with pads; K across blocks (600 = two of 300)
  for (std::int64_t cin : {3, 17, 600}) {
    Conv2dParams p = conv(cin == 17 ? 2 : 1, cin, 9, 13 + (cin % 2), 12, 1, 1, 2, 0);
    p.has_residual = true;
    p.activation = ActivationKind::Relu;
    bad += check_all_algos(p, ++seed, &ran);
    p.pad_left = p.pad_top = 1;
    bad += check_all_algos(p, ++seed, &ran);
  }
  // 3x3 stride 2 with K = 66 * 9 = 594 (two K blocks, the second starting at tap 6 of a channel)
  {
    Conv2dParams p = conv(1, 66, 11, 19, 10, 3, 3, 2, 1);
    p.has_residual = true;
    bad += check_all_algos(p, ++seed, &ran);
  }
  // stride 3 and dilation 2 (bounds by division)
  for (std::int64_t s : {2, 3}) {
    Conv2dParams p = conv(1, 3, 13, 23, 7, 3, 3, s, 2, 2);
    bad += check_all_algos(p, ++seed, &ran);
  }
  // every activation with a sum bound, 3x3 stride 2, residual or not
  for (int a = 0; a < kActivationCount; ++a) {
    const auto act = static_cast<ActivationKind>(a);
    if (!luodi_test::act_has_sum_bound(act)) continue;
    Conv2dParams p = conv(2, 5, 9, 30, 13, 3, 3, 2, 1);
    p.has_residual = (a % 2) == 0;
    p.activation = act;
    p.act_params = activation_defaults(act);
    if (act == ActivationKind::LeakyRelu) p.act_params = {0.2f, 0.0f};
    bad += check_all_algos(p, ++seed, &ran);
  }
  // 14x14 outputs (196 pixels: one Gemm column block of 224 on avx512f, two of 128 before) with
  // K = 1024 (1x1) and 1152 (3x3 stride 2 from 28x28), where Auto plans GemmT. 96 output
  // channels fill whole NR panels on every ISA (NR 8, 12, 16, 32), so GemmT's panels are at
  // least as full as Gemm's pixel panels, the rule's condition; with 32 channels NEON's NR = 12
  // leaves its panels 89% full and Gemm is (rightly) kept there.
  {
    Conv2dParams p = conv(1, 1024, 14, 14, 96, 1, 1);
    p.has_residual = true;
    p.activation = ActivationKind::Relu;
    Conv2dParams q = conv(1, 128, 28, 28, 96, 3, 3, 2, 1);
    Conv2dParams r = conv(1, 300, 14, 14, 9, 1, 1);  // K = 300: Gemm, one column block
    for (Isa isa : luodi_test::simd_isas()) {
      CHECK(conv2d_plan(p, isa).algo == Conv2dAlgo::GemmT);
      // the 3x3/2 goes direct where 16-lane vectors are (direct_channels.hpp), GemmT elsewhere
      CHECK(conv2d_plan(q, isa).algo ==
            (conv2d_kernels(isa).lanes >= 16 ? Conv2dAlgo::DirectChannels : Conv2dAlgo::GemmT));
      const Conv2dPlan rp = conv2d_plan(r, isa);
      CHECK(rp.algo == Conv2dAlgo::Gemm);
      CHECK(rp.nc >= 196);
    }
    bad += check_all_algos(p, ++seed, &ran);
    bad += check_all_algos(q, ++seed, &ran);
    bad += check_all_algos(r, ++seed, &ran);
  }
  CHECK(bad == 0);
  if (!luodi_test::simd_isas().empty()) CHECK(ran > 0);  // a scalar-only build has no fast path to run
  MESSAGE(ran << " fast-path runs");
}

TEST_CASE("conv2d: every activation and the residual in the epilogue") {
  int ran = 0, bad = 0;
  std::uint32_t seed = 900;
  for (int a = 0; a < kActivationCount; ++a) {
    const auto k = static_cast<ActivationKind>(a);
    if (!luodi_test::act_has_sum_bound(k)) continue;  // exp, sqrt, log, floor, ...: no sum bound
    for (bool res : {false, true}) {
      Conv2dParams p = conv(1, 17, 9, 10, 19, 3, 3, 1, 1);
      p.has_residual = res;
      p.activation = k;
      p.act_params = activation_defaults(k);
      if (k == ActivationKind::LeakyRelu) p.act_params = {0.2f, 0.0f};
      bad += check_all_algos(p, ++seed, &ran);
      // and depthwise with the same epilogue
      Conv2dParams q = conv(1, 9, 11, 12, 9, 3, 3, 2, 1, 1, 9);
      q.has_residual = res;
      q.activation = k;
      q.act_params = p.act_params;
      bad += check_all_algos(q, ++seed, &ran);
    }
  }
  CHECK(bad == 0);
  if (!luodi_test::simd_isas().empty()) CHECK(ran > 0);  // a scalar-only build has no fast path to run
  MESSAGE(ran << " fast-path runs");
}

TEST_CASE("conv2d: depthwise 3x3 and 5x5, stride 1 and 2, odd planes, multiplier") {
  int ran = 0, bad = 0;
  std::uint32_t seed = 1300;
  for (std::int64_t k : {3, 5})
    for (std::int64_t s : {1, 2})
      for (std::int64_t hw : {1, 2, 5, 7, 8, 9, 16, 17, 33}) {
        Conv2dParams p = conv(1, 3, hw, hw + 2, 3, k, k, s, k / 2, 1, 3);
        if (hw == 1) p.pad_top = p.pad_bottom = k / 2;
        p.pad_right = (hw % 3);
        p.activation = ActivationKind::Clip;
        p.act_params = {0.0f, 6.0f};
        p.has_residual = (hw % 2) == 0;
        bad += check_all_algos(p, ++seed, &ran);
      }
  // channel multiplier 2, dilation 2, batch 2
  bad += check_all_algos(conv(2, 4, 10, 9, 8, 3, 3, 1, 1, 1, 4), ++seed, &ran);
  bad += check_all_algos(conv(1, 5, 12, 13, 5, 3, 3, 1, 2, 2, 5), ++seed, &ran);
  CHECK(bad == 0);
  if (!luodi_test::simd_isas().empty()) CHECK(ran > 0);  // a scalar-only build has no fast path to run
  MESSAGE(ran << " fast-path runs");
}

// depthwise_rows keeps R = 4 output rows x V vectors (V*L = 16..32 columns) in registers, then
// single vectors, then a masked tail: rows around 4k+r and widths around 8, 16, 32 and 64 columns
// exercise every block shape on every ISA, with batch 2, the multiplier, pads that differ per
// side and every fused epilogue (identity, relu, clip; residual or not; sigmoid after the store).
TEST_CASE("conv2d: depthwise rows at widths around the register blocks, batch, multiplier") {
  int ran = 0, bad = 0;
  std::uint32_t seed = 2300;
  const ActivationKind acts[] = {ActivationKind::Identity, ActivationKind::Relu, ActivationKind::Clip,
                                 ActivationKind::Sigmoid};
  int i = 0;
  for (std::int64_t k : {3, 5})
    for (std::int64_t s : {1, 2})
      for (std::int64_t w : {15, 31, 33, 47, 66, 71}) {
        const std::int64_t h = 5 + (w % 7);
        Conv2dParams p = conv(1 + (w % 2), 2 + (w % 3), h, w, 0, k, k, s, k / 2);
        p.groups = p.C_in;
        p.C_out = p.C_in * ((w % 5 == 1) ? 2 : 1);
        p.pad_right = (w % 3 == 0) ? 0 : k / 2;
        p.pad_bottom = (w % 4 == 3) ? k / 2 + 1 : k / 2;
        p.has_residual = (i % 3) != 1;
        p.activation = acts[i % 4];
        p.act_params = p.activation == ActivationKind::Clip ? ActivationParams{0.0f, 6.0f} : ActivationParams{};
        ++i;
        bad += check_all_algos(p, ++seed, &ran);
      }
  // "same" stride-1 planes <= 8 wide: depthwise_small packs 16 / W output rows per vector
  for (std::int64_t k : {3, 5})
    for (std::int64_t w : {2, 3, 5, 7, 8}) {
      Conv2dParams p = conv(1 + (w % 2), 3, w + 4, w, 3, k, k, 1, k / 2, 1, 3);
      p.has_residual = (w % 2) == 1;
      p.activation = (w == 7) ? ActivationKind::Clip : (w == 5 ? ActivationKind::Sigmoid : ActivationKind::Relu);
      p.act_params = w == 7 ? ActivationParams{0.0f, 6.0f} : ActivationParams{};
      bad += check_all_algos(p, ++seed, &ran);
    }
  bad += check_all_algos(conv(1, 4, 7, 7, 8, 3, 3, 1, 1, 1, 4), ++seed, &ran);  // multiplier 2
  // planes too large to copy whole (kDwWholePlaneBytes): built a strip of rows at a time
  for (std::int64_t k : {3, 5})
    for (std::int64_t s : {1, 2}) {
      Conv2dParams p = conv(2, 2, 87 + s, 101 - 2 * k, 2, k, k, s, k / 2, 1, 2);
      p.pad_bottom = 0;
      p.has_residual = s == 1;
      p.activation = k == 3 ? ActivationKind::Clip : ActivationKind::Sigmoid;
      p.act_params = k == 3 ? ActivationParams{0.0f, 6.0f} : ActivationParams{};
      bad += check_all_algos(p, ++seed, &ran);
    }
  CHECK(bad == 0);
  if (!luodi_test::simd_isas().empty()) CHECK(ran > 0);  // a scalar-only build has no fast path to run
  MESSAGE(ran << " fast-path runs");
}

// depthwise_small (AVX-512; output rows <= 16 wide) has three layouts: one output row per vector
// in blocks of U = 7 (3x3) or 4 (5x5) rows; 16 / W rows per vector at stride 1 with Wo == W <= 8;
// two rows per vector from two permuted input rows at stride 2 with Wo <= 8, W <= 16. So: every
// plane size 1..20 on each axis (through all three and the block tails), every pad mix on each
// side, kernel 3 and 5, stride 1 and 2, channels 1, 15, 16, 17, 33, batch 2, the multiplier, the
// activations fused in registers (relu, clip, hardswish) and one applied after (sigmoid),
// residual or not. Every other depthwise algorithm runs on the same shapes.
// On AVX-512 and AVX2 depthwise_small must apply to every shape of the next test with output
// rows <= 16 wide (it has a kernel on both), so that it cannot silently not run.
int check_dw_small_applies(const Conv2dParams& p) {
  int bad = 0;
  if (p.groups == 1 || conv2d_out_w(p) > 16) return 0;  // past 16 output columns it does not apply
  for (Isa isa : luodi_test::simd_isas()) {
    if (isa != Isa::avx512f && isa != Isa::avx2) continue;
    Conv2dPlan plan;
    const Status s = conv2d_plan_with(p, isa, Conv2dAlgo::DepthwiseSmall, &plan);
    if (!s.ok()) {
      FAIL_CHECK(describe(p) << ": depthwise_small does not apply on " << std::string(isa_name(isa)) << ": " << std::string(s.message()));
      ++bad;
    }
  }
  return bad;
}

TEST_CASE("conv2d: depthwise small planes, every size 1..20, pad mix, stride, kernel, channels, batch") {
  int ran = 0, bad = 0;
  std::uint32_t seed = 5100;
  const ActivationKind acts[] = {ActivationKind::Relu, ActivationKind::Clip, ActivationKind::HardSwish,
                                 ActivationKind::Identity, ActivationKind::Sigmoid};
  const std::int64_t chans[] = {1, 15, 16, 17, 33};
  int i = 0;
  for (std::int64_t k : {3, 5})
    for (std::int64_t s : {1, 2})
      for (std::int64_t w = 1; w <= 20; ++w, ++i) {
        const std::int64_t h = 1 + (w * 7 + k + s) % 20;
        const std::int64_t c = chans[i % 5];
        Conv2dParams p = conv(1 + (i % 4 == 0), c, h, w, c, k, k, s, 0, 1, c);
        // pads 0..k/2 per side, a different mix for each shape (all k/2 every 3rd)
        const std::int64_t r = k / 2;
        p.pad_top = (i % 3 == 0) ? r : (i / 3) % (r + 1);
        p.pad_left = (i % 3 == 0) ? r : (i / 2) % (r + 1);
        p.pad_bottom = (i % 3 == 0) ? r : (i / 5) % (r + 1);
        p.pad_right = (i % 3 == 0) ? r : (i / 7) % (r + 1);
        // a plane smaller than the kernel gets the rest as bottom/right padding (past the radius)
        if (p.H + p.pad_top + p.pad_bottom < k) p.pad_bottom = k - p.H - p.pad_top;
        if (p.W + p.pad_left + p.pad_right < k) p.pad_right = k - p.W - p.pad_left;
        if (i % 7 == 3) p.C_out = 2 * c;                // multiplier 2
        p.has_residual = (i % 2) == 1;
        p.activation = acts[i % 5];
        p.act_params = activation_defaults(p.activation);
        bad += check_dw_small_applies(p);
        bad += check_all_algos(p, ++seed, &ran);
      }
  // the packed layouts at their limits: 7x7 and 8x8 "same" (2 rows per vector), 5x5 (3 rows),
  // 2x2 (8 rows); stride 2 from 13..16 wide (2 rows of 7 or 8); tall planes past the 16
  // vectors their load tables cover (one row per vector then)
  for (std::int64_t k : {3, 5})
    for (std::int64_t s : {1, 2})
      for (std::int64_t w : {2, 5, 7, 8, 13, 14, 15, 16}) {
        const std::int64_t H = (w % 2) ? w : 70 + w;
        Conv2dParams p = conv(2, 17, H, w, 17, k, k, s, k / 2, 1, 17);
        if (s == 2 && w % 3 == 0) p.pad_bottom = p.pad_right = 0;  // TF-style asymmetric
        p.has_residual = (w % 3) == 1;
        p.activation = (w % 2) ? ActivationKind::HardSwish : ActivationKind::Clip;
        p.act_params = activation_defaults(p.activation);
        bad += check_all_algos(p, ++seed, &ran);
      }
  // around the tables' 16 packed vectors: 7 wide (2 rows per vector) at 31..33 rows, and stride
  // 2 from 14 wide to 31..33 output rows
  for (std::int64_t k : {3, 5})
    for (std::int64_t rows : {31, 32, 33}) {
      Conv2dParams p = conv(1, 16, rows, 7, 16, k, k, 1, k / 2, 1, 16);
      p.activation = ActivationKind::HardSwish;
      p.act_params = activation_defaults(p.activation);
      bad += check_all_algos(p, ++seed, &ran);
      Conv2dParams q = conv(1, 15, 2 * rows, 14, 15, k, k, 2, k / 2, 1, 15);
      q.pad_bottom = (rows % 2) ? k / 2 : 0;
      q.has_residual = true;
      bad += check_all_algos(q, ++seed, &ran);
    }
  CHECK(bad == 0);
  if (!luodi_test::simd_isas().empty()) CHECK(ran > 0);  // a scalar-only build has no fast path to run
  MESSAGE(ran << " fast-path runs");
}

// depthwise_s2 (AVX-512, NCHW read in place; algorithm depthwise_s2 at stride 2, depthwise_s1 at
// stride 1): output rows in 15-, 14- (stride 2, 3x3 and 5x5) or 16-column (stride 1) vectors,
// blocks of 4 rows x 4, 2 or 1 vectors, each stride-2 tap pair two masked loads at 2Qj - pl and
// an even/odd permute, each stride-1 tap a masked load at 16j + kx - pl. On AVX2 the widths up
// to 16 run depthwise_small (depthwise_avx2.hpp: 8-column vectors). So: output widths around 1,
// 2 and more vectors of both (1, 7..9, 15..17, 23..25, 27..29, 31..33, 55..57, 64, 65, 128),
// odd and even input
// widths, pads 0..2 per side (asymmetric, and 2 with 3x3: past the radius), output heights 1..9
// around the 4-row blocks, kernel 3 and 5, channels 1, 15, 16, 17, batch 2, the multiplier, the
// activations fused in registers and after, residual or not. Every other algorithm runs on the
// same shapes; on an AVX-512 machine the test also insists that the in-place kernel applies to
// each of them, so it cannot silently not run (one channel is groups == 1, which no depthwise
// algorithm takes: the GEMM paths run it).
int check_dw_s2_applies(const Conv2dParams& p) {
  int bad = 0;
  if (p.groups == 1) return 0;
  const Conv2dAlgo algo = p.stride_h == 2 ? Conv2dAlgo::DepthwiseS2 : Conv2dAlgo::DepthwiseS1;
  for (Isa isa : luodi_test::simd_isas()) {
    if (isa != Isa::avx512f) continue;
    Conv2dPlan plan;
    const Status s = conv2d_plan_with(p, isa, algo, &plan);
    if (!s.ok()) {
      FAIL_CHECK(describe(p) << ": " << conv2d_algo_name(algo) << " does not apply: " << std::string(s.message()));
      ++bad;
    }
  }
  return bad;
}

TEST_CASE("conv2d: depthwise stride 1 and 2 in place at widths around its vectors, pads, heights, channels, batch") {
  int ran = 0, bad = 0;
  std::uint32_t seed = 7100;
  const ActivationKind acts[] = {ActivationKind::Clip, ActivationKind::Relu, ActivationKind::HardSwish,
                                 ActivationKind::Identity, ActivationKind::Sigmoid, ActivationKind::LeakyRelu};
  const std::int64_t chans[] = {1, 15, 16, 17};
  const std::int64_t widths[] = {1, 7, 8, 9, 15, 16, 17, 23, 24, 25, 27, 28, 29, 31, 32, 33, 55, 56, 57, 64, 65, 128};
  int i = 0;
  for (std::int64_t s : {2, 1}) {
    for (std::int64_t k : {3, 5})
      for (std::int64_t wo : widths) {
        const std::int64_t c = chans[i % 4], ho = 1 + (3 * i + k) % 9;
        Conv2dParams p = conv(1 + (i % 3 == 0), c, 1, 1, c, k, k, s, 0, 1, c);
        p.pad_left = i % 3;  // 0, 1, 2: for 3x3 also past the radius
        p.pad_right = (i / 3) % 3;
        p.pad_top = (i + 1) % 3;
        p.pad_bottom = (i / 2) % 3;
        // the input extent that gives `wo` (and `ho`) outputs; at stride 2 plus one column (row)
        // every other shape, which changes nothing but the parity of W (H)
        p.W = s * (wo - 1) + k - p.pad_left - p.pad_right + (s == 2 ? i % 2 : 0);
        p.H = s * (ho - 1) + k - p.pad_top - p.pad_bottom + (s == 2 ? (i / 2) % 2 : 0);
        if (p.W < 1) p.pad_right -= 1 - p.W, p.W = 1;
        if (p.H < 1) p.pad_bottom -= 1 - p.H, p.H = 1;
        REQUIRE(conv2d_out_w(p) == wo);
        REQUIRE(conv2d_out_h(p) == ho);
        if (i % 5 == 2) p.C_out = 2 * c;  // multiplier 2
        p.has_residual = (i % 2) == 1;
        p.activation = acts[i % 6];
        p.act_params = activation_defaults(p.activation);
        if (p.activation == ActivationKind::LeakyRelu) p.act_params = {0.2f, 0.0f};
        ++i;
        bad += check_dw_s2_applies(p);
        bad += check_all_algos(p, ++seed, &ran);
      }
  }
  // every activation with a sum bound, fused or not, with and without the residual, at the
  // MobileNet widths (28 from 56 with 3x3, 56 from 112 with 5x5 and TF-style pads (0, 1))
  for (int a = 0; a < kActivationCount; ++a) {
    const auto act = static_cast<ActivationKind>(a);
    if (!luodi_test::act_has_sum_bound(act)) continue;
    for (bool res : {false, true}) {
      Conv2dParams p = conv(1, 3, 9, 56, 3, a % 2 ? 3 : 5, a % 2 ? 3 : 5, 2, a % 2 ? 1 : 2, 1, 3);
      if (!res) p.W = 112, p.pad_top = p.pad_left = 1, p.pad_bottom = p.pad_right = 2;
      p.has_residual = res;
      p.activation = act;
      p.act_params = activation_defaults(act);
      if (act == ActivationKind::LeakyRelu) p.act_params = {0.2f, 0.0f};
      bad += check_dw_s2_applies(p);
      bad += check_all_algos(p, ++seed, &ran);
    }
  }
  // stride 1 at MobileNetV3's 28x28 5x5 (features.5, 6) and 3x3 (V2) shapes, with the residual
  for (std::int64_t k : {3, 5}) {
    Conv2dParams p = conv(1, 5, 28, 28, 5, k, k, 1, k / 2, 1, 5);
    p.has_residual = k == 3;
    p.activation = k == 3 ? ActivationKind::Clip : ActivationKind::Relu;
    p.act_params = activation_defaults(p.activation);
    bad += check_dw_s2_applies(p);
    bad += check_all_algos(p, ++seed, &ran);
  }
  CHECK(bad == 0);
  if (!luodi_test::simd_isas().empty()) CHECK(ran > 0);  // a scalar-only build has no fast path to run
  MESSAGE(ran << " fast-path runs");
}

// DirectRows (few input channels): one algorithm on every ISA against the reference.
int check_algo(const Conv2dParams& p, Conv2dAlgo algo, std::uint32_t seed, int* ran) {
  REQUIRE_MESSAGE(validate(p).ok(), describe(p) << ": " << validate(p).message());
  const Data d = make_data(p, seed);
  Conv2dPlan rplan;
  REQUIRE(conv2d_plan_with(p, Isa::scalar, Conv2dAlgo::Reference, &rplan).ok());
  const auto want = run_conv(rplan, 0, d.x, d.w, d.b, d.r);
  const auto mag = magnitude(p, d.x, d.w, d.b, d.r);
  const std::int64_t K = (p.C_in / p.groups) * p.kernel_h * p.kernel_w;
  int bad = 0;
  for (Isa isa : luodi_test::simd_isas()) {
    Conv2dPlan plan;
    const Status s = conv2d_plan_with(p, isa, algo, &plan);
    REQUIRE_MESSAGE(s.ok(), isa_name(isa) << " " << describe(p) << ": " << s.message());
    const auto got = run_conv(plan, 0, d.x, d.w, d.b, d.r);
    bad += compare(std::string(isa_name(isa)) + " " + conv2d_algo_name(algo) + " " + describe(p), got, want, mag, K, p,
                   algo_factor(algo));
    ++*ran;
  }
  return bad;
}

// Shape p with every activation that has a sum bound, with and without a residual.
int check_every_activation(Conv2dParams p, Conv2dAlgo algo, std::uint32_t* seed, int* ran) {
  int bad = 0;
  for (int a = 0; a < kActivationCount; ++a) {
    const auto act = static_cast<ActivationKind>(a);
    if (!luodi_test::act_has_sum_bound(act)) continue;
    for (bool res : {false, true}) {
      p.has_residual = res;
      p.activation = act;
      p.act_params = activation_defaults(act);
      if (act == ActivationKind::LeakyRelu) p.act_params = {0.2f, 0.0f};
      bad += check_algo(p, algo, ++*seed, ran);
    }
  }
  return bad;
}

// direct_rows keeps MC = 8 (AVX-512) or 4 output channels x NV = 2 vectors (L = 16, 8, 4
// lanes) in registers, then single vectors, then a masked tail; stride 2 reads even/odd phase
// rows; the input is built a strip of 4 output rows at a time. So: output widths around L and
// NV*L for every L, channel counts around MC, rows around the strip, every kernel size 1..7
// (square and not), stride 1 and 2 on each axis, pads 0..k (also asymmetric and past the kernel
// radius), C_in 1..4, batch 2, every activation with a sum bound, residual or not, no bias.
TEST_CASE("conv2d: direct rows (few input channels) at odd widths, channels, kernels, pads, strides") {
  int ran = 0, bad = 0;
  std::uint32_t seed = 3100;
  const std::int64_t widths[] = {1, 3, 4, 5, 7, 8, 9, 12, 13, 15, 16, 17, 23, 24, 25, 31, 32, 33, 48, 50, 67};
  const std::int64_t couts[] = {1, 3, 4, 5, 7, 8, 9, 12, 16, 17};
  int i = 0;
  for (std::int64_t k = 1; k <= 7; ++k)
    for (std::int64_t s : {1, 2})
      for (std::int64_t cin = 1; cin <= 4; ++cin, ++i) {
        const std::int64_t wo = widths[(i * 7 + k) % 21], ho = 1 + (i * 5 + cin) % 10;
        const std::int64_t kw = (i % 5 == 4) ? (k % 7) + 1 : k;  // some non-square kernels
        Conv2dParams p = conv(1 + (i % 3 == 0), cin, 1, 1, couts[i % 10], k, kw, s, 0);
        p.stride_w = (i % 7 == 3) ? 3 - s : s;  // and unequal strides
        p.pad_top = (i % 4 == 0) ? 0 : k / 2;
        p.pad_bottom = (i % 3 == 1) ? k : (k - 1) / 2;  // also past the kernel radius
        p.pad_left = (i % 2) ? kw / 2 : (kw - 1) / 2 + (i % 3 == 2);
        p.pad_right = (i % 5 == 0) ? 0 : kw / 2;
        // input size giving (ho, wo) outputs, plus up to stride-1 unused rows/columns
        p.H = (ho - 1) * p.stride_h + k - p.pad_top - p.pad_bottom + (i % p.stride_h);
        p.W = (wo - 1) * p.stride_w + kw - p.pad_left - p.pad_right + (i % p.stride_w);
        if (p.H < 1) p.H = 1;
        if (p.W < 1) p.W = 1;
        if (conv2d_out_h(p) < 1 || conv2d_out_w(p) < 1) continue;
        p.has_residual = (i % 3) != 1;
        p.has_bias = (i % 11) != 5;
        p.activation = (i % 3 == 0) ? ActivationKind::Relu : (i % 3 == 1 ? ActivationKind::Clip : ActivationKind::Identity);
        p.act_params = p.activation == ActivationKind::Clip ? ActivationParams{0.0f, 6.0f} : ActivationParams{};
        bad += check_algo(p, Conv2dAlgo::DirectRows, ++seed, &ran);
      }
  // every output width 1..70 once (3x3 stride 2 and 7x7 stride 2, the stems)
  for (std::int64_t wo = 1; wo <= 70; ++wo) {
    const std::int64_t k = (wo % 2) ? 3 : 7, pad = k / 2;
    Conv2dParams p = conv(1, 3, 1, 1, (wo % 3) ? 8 : 19, k, k, 2, pad);
    p.W = 2 * wo - (wo % 2);
    p.H = 5 + (wo % 4);
    p.activation = ActivationKind::Relu;
    bad += check_algo(p, Conv2dAlgo::DirectRows, ++seed, &ran);
  }
  // every activation (in registers or in the pass after each row), with and without residual
  bad += check_every_activation(conv(2, 3, 13, 37, 11, 3, 3, 2, 1), Conv2dAlgo::DirectRows, &seed, &ran);
  // a ResNet-like stem at reduced size: 7x7 stride 2 pad 3, 3 -> 64, many strips
  {
    Conv2dParams p = conv(1, 3, 45, 53, 64, 7, 7, 2, 3);
    p.activation = ActivationKind::Relu;
    bad += check_algo(p, Conv2dAlgo::DirectRows, ++seed, &ran);
  }
  CHECK(bad == 0);
  if (!luodi_test::simd_isas().empty()) CHECK(ran > 0);  // a scalar-only build has no fast path to run
  MESSAGE(ran << " direct_rows runs");
}

// direct_channels keeps MV = 2 vectors of output channels (MC = 32, 16, 8 for L = 16, 8, 4) x
// up to NP = 14 (16 lanes) or 6 output pixels of one row in registers; a row of Wo pixels is cut
// into equal chunks of np and np - 1; the padded input is built a strip of output rows at a
// time (all channels; rows no kernel row reads are skipped). So: every output width 1..30 (every
// chunk split for NP 14 and 6), output channels around MC, C_in from 1 to past the strip budget
// (several strips), kernels 1x1..7x7 (square and not, kernel_h < stride_h), stride_h 1 and 2,
// pads 0..k (asymmetric and past the kernel radius), batch 2, every activation with a sum bound,
// residual or not, no bias; and the ResNet-18/50 stride-2 layers themselves.
TEST_CASE("conv2d: direct channels (stride 2 along W) at odd widths, channels, kernels, pads") {
  int ran = 0, bad = 0;
  std::uint32_t seed = 5100;
  const std::int64_t couts[] = {1, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 40, 65};
  const std::int64_t cins[] = {1, 3, 8, 17, 64, 70};
  for (std::int64_t wo = 1; wo <= 30; ++wo) {
    const int i = static_cast<int>(wo);
    const std::int64_t kh = 1 + (i * 3) % 7, kw = (i % 4 == 0) ? 1 + (i % 7) : kh;
    Conv2dParams p = conv(1 + (i % 5 == 0), cins[i % 6], 1, 1, couts[i % 13], kh, kw, 2, 0);
    p.stride_h = (i % 3 == 1) ? 1 : 2;
    p.pad_top = (i % 4 == 1) ? 0 : kh / 2;
    p.pad_bottom = (i % 3 == 2) ? kh : (kh - 1) / 2;
    p.pad_left = (i % 2) ? kw / 2 : (kw - 1) / 2 + (i % 3 == 0);
    p.pad_right = (i % 5 == 1) ? 0 : kw;
    const std::int64_t ho = 1 + (i * 7) % 6;
    p.H = (ho - 1) * p.stride_h + kh - p.pad_top - p.pad_bottom + (i % p.stride_h);
    p.W = (wo - 1) * 2 + kw - p.pad_left - p.pad_right + (i % 2);
    if (p.H < 1) p.H = 1;
    if (p.W < 1) p.W = 1;
    if (conv2d_out_h(p) < 1 || conv2d_out_w(p) < 1) continue;
    p.has_residual = (i % 3) != 1;
    p.has_bias = (i % 7) != 3;
    p.activation = (i % 3 == 0) ? ActivationKind::Relu : (i % 3 == 1 ? ActivationKind::Clip : ActivationKind::Identity);
    p.act_params = p.activation == ActivationKind::Clip ? ActivationParams{0.0f, 6.0f} : ActivationParams{};
    bad += check_algo(p, Conv2dAlgo::DirectChannels, ++seed, &ran);
  }
  // every activation (applied in the tile, after the residual), with and without residual
  bad += check_every_activation(conv(2, 19, 9, 33, 35, 3, 3, 2, 1), Conv2dAlgo::DirectChannels, &seed, &ran);
  // the ResNet-18/50 stride-2 3x3s the rule picks it for (56 -> 28 is two strips, 14x14 with
  // 512 channels one: the whole input), a 1x1/2 downsample, and odd channel counts on the same
  // planes (67 channels at 27x29: one strip; many strips are in the thread-count test)
  const Conv2dParams resnet[] = {conv(1, 64, 56, 56, 128, 3, 3, 2, 1), conv(1, 128, 28, 28, 256, 3, 3, 2, 1),
                                 conv(1, 256, 14, 14, 512, 3, 3, 2, 1), conv(1, 512, 14, 14, 40, 3, 3, 2, 1),
                                 conv(2, 256, 28, 28, 72, 1, 1, 2, 0), conv(2, 67, 27, 29, 45, 3, 3, 2, 1)};
  for (Conv2dParams p : resnet) {
    p.has_residual = p.C_out != 128;
    p.activation = ActivationKind::Relu;
    bad += check_algo(p, Conv2dAlgo::DirectChannels, ++seed, &ran);
  }
  CHECK(bad == 0);
  if (!luodi_test::simd_isas().empty()) CHECK(ran > 0);  // a scalar-only build has no fast path to run
  MESSAGE(ran << " direct_channels runs");
}

// Where Auto plans direct_channels: the ResNet stride-2 3x3s on 16-lane vectors, the 56 -> 28
// ones also on 8 lanes; never the 1x1/2 downsample, few input channels, or 4-lane ISAs.
TEST_CASE("conv2d: direct channels is chosen for the ResNet stride-2 3x3s where measured ahead") {
  for (Isa isa : luodi_test::simd_isas()) {
    CAPTURE(isa_name(isa));
    const int lanes = conv2d_kernels(isa).lanes;
    for (const Conv2dParams& p : {conv(1, 64, 56, 56, 128, 3, 3, 2, 1), conv(1, 128, 56, 56, 128, 3, 3, 2, 1)})
      CHECK((conv2d_plan(p, isa).algo == Conv2dAlgo::DirectChannels) == (lanes >= 8));
    for (const Conv2dParams& p : {conv(1, 128, 28, 28, 256, 3, 3, 2, 1), conv(1, 256, 14, 14, 512, 3, 3, 2, 1)})
      CHECK((conv2d_plan(p, isa).algo == Conv2dAlgo::DirectChannels) == (lanes >= 16));
    CHECK(conv2d_plan(conv(1, 256, 56, 56, 512, 1, 1, 2, 0), isa).algo != Conv2dAlgo::DirectChannels);
    CHECK(conv2d_plan(conv(1, 32, 56, 56, 64, 3, 3, 2, 1), isa).algo != Conv2dAlgo::DirectChannels);
    CHECK(conv2d_plan(conv(1, 64, 112, 112, 64, 3, 3, 2, 1), isa).algo != Conv2dAlgo::DirectChannels);
  }
}

// Where Auto plans depthwise_small on the MobileNetV2/V3 planes <= 16 columns wide: everywhere
// on AVX-512; on AVX2 everywhere but 3x3 stride 1 on two-vector (9..16-wide) rows, which keep
// the flat kernel (measured level or ahead there). ISAs without the kernel never plan it.
TEST_CASE("conv2d: depthwise_small is chosen on the small MobileNet planes where measured ahead") {
  for (Isa isa : luodi_test::simd_isas()) {
    CAPTURE(isa_name(isa));
    const bool has = conv2d_kernels(isa).run[static_cast<int>(Conv2dAlgo::DepthwiseSmall)] != nullptr;
    const bool wide = conv2d_kernels(isa).lanes >= 16;
    // (C, H, k, s): 7x7 3x3/5x5, 14 -> 7 3x3/5x5, 28 -> 14 3x3, 14x14 5x5
    for (const Conv2dParams& p : {conv(1, 960, 7, 7, 960, 3, 3, 1, 1, 1, 960), conv(1, 960, 7, 7, 960, 5, 5, 1, 2, 1, 960),
                                  conv(1, 576, 14, 14, 576, 3, 3, 2, 1, 1, 576), conv(1, 672, 14, 14, 672, 5, 5, 2, 2, 1, 672),
                                  conv(1, 192, 28, 28, 192, 3, 3, 2, 1, 1, 192), conv(1, 240, 28, 28, 240, 3, 3, 2, 1, 1, 240),
                                  conv(1, 480, 14, 14, 480, 5, 5, 1, 2, 1, 480)}) {
      CAPTURE(describe(p));
      CHECK((conv2d_plan(p, isa).algo == Conv2dAlgo::DepthwiseSmall) == has);
    }
    for (const Conv2dParams& p : {conv(1, 384, 14, 14, 384, 3, 3, 1, 1, 1, 384), conv(1, 672, 14, 14, 672, 3, 3, 1, 1, 1, 672)}) {
      CAPTURE(describe(p));
      CHECK((conv2d_plan(p, isa).algo == Conv2dAlgo::DepthwiseSmall) == (has && wide));
    }
    // AVX2 has the kernel; AVX-512 too (both in the dispatch build of x86-64)
    if (isa == Isa::avx2 || isa == Isa::avx512f) CHECK(has);
  }
}

TEST_CASE("conv2d: Winograd F(4x4,3x3) at odd sizes around its 4x4 tiles") {
  int ran = 0, bad = 0;
  std::uint32_t seed = 1700;
  for (std::int64_t h : {1, 3, 4, 5, 8, 9, 14})
    for (std::int64_t w : {2, 4, 7, 13}) {
      Conv2dParams p = conv(1, (h % 2) ? 17 : 8, h, w, (w % 2) ? 33 : 16, 3, 3, 1, 1);
      if (h == 3) {
        p.pad_top = 0;
        p.pad_bottom = 2;
        p.pad_left = 2;
        p.pad_right = 0;
      }
      if (h == 1) p.pad_top = p.pad_bottom = 1;
      p.has_residual = (w % 2) == 1;
      p.activation = (h % 3) ? ActivationKind::Relu : ActivationKind::Identity;
      bad += check_all_algos(p, ++seed, &ran);
    }
  {
    Conv2dParams p = conv(2, 20, 12, 11, 24, 3, 3, 1, 0);  // batch 2, no pads
    bad += check_all_algos(p, ++seed, &ran);
  }
  CHECK(bad == 0);
  if (!luodi_test::simd_isas().empty()) CHECK(ran > 0);  // a scalar-only build has no fast path to run
  MESSAGE(ran << " fast-path runs");
}

TEST_CASE("conv2d: Winograd with transformed weights past L2 runs one band over the whole image") {
  // wino_band_rows: U over 2 MiB (F(4x4) 128 -> 128: 2.4 MB; F(2x2) 384 -> 384: 9.4 MB) and the
  // whole image's V and M under 2 MiB (16 tiles each) take every tile row in one band, where the
  // 512 KiB band budget alone would cut them into two (3 + 1 and 2 + 2 tile rows).
  int ran = 0, bad = 0;
  std::uint32_t seed = 1800;
  Conv2dParams f4 = conv(1, 128, 14, 14, 128, 3, 3, 1, 1), f2 = conv(1, 384, 7, 7, 384, 3, 3, 1, 1);
  f4.has_residual = true;
  f4.activation = ActivationKind::Relu;
  const std::pair<Conv2dParams, Conv2dAlgo> cases[] = {{f4, Conv2dAlgo::Winograd43}, {f2, Conv2dAlgo::Winograd23}};
  for (const auto& c : cases) {
    for (Isa isa : luodi_test::simd_isas()) {
      Conv2dPlan plan;
      REQUIRE(conv2d_plan_with(c.first, isa, c.second, &plan).ok());
      CHECK_MESSAGE(plan.tile_block == plan.tiles_h,
                    std::string(isa_name(isa)) << " " << std::string(conv2d_algo_name(c.second)) << " " << describe(c.first));
    }
    bad += check_all_algos(c.first, ++seed, &ran);
  }
  CHECK(bad == 0);
  if (!luodi_test::simd_isas().empty()) CHECK(ran > 0);
}

// winograd_t.hpp: the tiles of one image (at most 16) are one 16-float row of vectors (1, 2 or 4
// per row for 16, 8, 4 lanes), R output channels per register block (16, 6, 2). So: output
// planes of 1..16 tiles in every arrangement (1x16 = 31 or 32 columns, odd sizes with a half
// tile, exactly 8x8), C_out around R (tile-1, tile, tile+1, k*tile+r for each ISA's R), C_in
// from 1 to past a vector, pads 0..2 (asymmetric), batch 2, residual, every activation.
TEST_CASE("conv2d: Winograd F(2x2) with tiles in vectors at odd planes, channels, pads, batch") {
  int ran = 0, bad = 0;
  std::uint32_t seed = 6100;
  const std::int64_t couts[] = {1, 2, 3, 5, 6, 7, 12, 13, 15, 16, 17, 31, 33, 50};
  const std::int64_t cins[] = {1, 3, 16, 17, 40};
  int i = 0;
  for (std::int64_t ho = 1; ho <= 8; ++ho)
    for (std::int64_t wo : {1, 2, 3, 5, 7, 8}) {
      ++i;
      Conv2dParams p = conv(1 + (i % 4 == 0), cins[i % 5], 1, 1, couts[i % 14], 3, 3, 1, 1);
      p.pad_top = i % 3;
      p.pad_bottom = (i / 3) % 3;
      p.pad_left = (i + 1) % 3;
      p.pad_right = (i / 2) % 3;
      p.H = ho + 2 - p.pad_top - p.pad_bottom;
      p.W = wo + 2 - p.pad_left - p.pad_right;
      if (p.H < 1 || p.W < 1) continue;
      p.has_residual = (i % 2) == 0;
      p.has_bias = (i % 5) != 2;
      p.activation = (i % 3 == 0) ? ActivationKind::Relu : ActivationKind::Identity;
      bad += check_algo(p, Conv2dAlgo::Winograd23T, ++seed, &ran);
    }
  // one row or column of 16 tiles, 15 tiles, and the ResNet layer4 plane with channels around R
  const Conv2dParams planes[] = {conv(1, 17, 2, 32, 16, 3, 3, 1, 1), conv(1, 9, 31, 1, 7, 3, 3, 1, 1),
                                 conv(2, 20, 5, 10, 17, 3, 3, 1, 1), conv(1, 33, 7, 7, 97, 3, 3, 1, 1),
                                 conv(2, 64, 7, 7, 48, 3, 3, 1, 1), conv(1, 512, 7, 7, 40, 3, 3, 1, 1)};
  for (Conv2dParams p : planes) {
    p.has_residual = true;
    p.activation = ActivationKind::Relu;
    bad += check_algo(p, Conv2dAlgo::Winograd23T, ++seed, &ran);
  }
  bad += check_every_activation(conv(2, 19, 7, 7, 23, 3, 3, 1, 1), Conv2dAlgo::Winograd23T, &seed, &ran);
  // more than 16 tiles: not this algorithm
  Conv2dPlan plan;
  for (Isa isa : luodi_test::simd_isas())
    CHECK_FALSE(conv2d_plan_with(conv(1, 16, 9, 7, 16, 3, 3, 1, 1), isa, Conv2dAlgo::Winograd23T, &plan).ok());
  CHECK(bad == 0);
  if (!luodi_test::simd_isas().empty()) CHECK(ran > 0);  // a scalar-only build has no fast path to run
  MESSAGE(ran << " winograd_f23t runs");
}

// Where Auto plans winograd_f23t: F(2x2) planes of <= 16 tiles (ResNet's 7x7x512) on the x86
// ISAs where it was measured ahead (4 and 8 lanes), never past 16 tiles or where F(4x4) wins.
TEST_CASE("conv2d: Winograd F(2x2) with tiles in vectors is chosen for the 7x7 layers where measured") {
  for (Isa isa : luodi_test::simd_isas()) {
    const int lanes = conv2d_kernels(isa).lanes;
    CAPTURE(std::string(isa_name(isa)));
#if defined(__aarch64__) || defined(__arm__)
    const bool measured = false;
    (void)lanes;
#else
    const bool measured = lanes <= 8;
#endif
    const Conv2dAlgo f2 = measured ? Conv2dAlgo::Winograd23T : Conv2dAlgo::Winograd23;
    CHECK(conv2d_plan(conv(1, 512, 7, 7, 512, 3, 3, 1, 1), isa).algo == f2);
    CHECK(conv2d_plan(conv(1, 384, 8, 8, 384, 3, 3, 1, 1), isa).algo == f2);
    CHECK(conv2d_plan(conv(1, 512, 9, 9, 512, 3, 3, 1, 1), isa).algo == Conv2dAlgo::Winograd23);  // 25 tiles
    CHECK(conv2d_plan(conv(1, 256, 14, 14, 256, 3, 3, 1, 1), isa).algo == Conv2dAlgo::Winograd43);
  }
}

#if LUODI_HAS_THREADS
TEST_CASE("conv2d: results do not depend on the thread count") {
  const Conv2dParams shapes[] = {conv(1, 16, 14, 15, 40, 3, 3, 1, 1), conv(2, 24, 9, 9, 30, 1, 1),
                                 conv(1, 12, 13, 12, 12, 3, 3, 2, 1, 1, 12), conv(1, 64, 5, 5, 96, 3, 3, 1, 1),
                                 conv(2, 7, 11, 37, 7, 3, 3, 1, 1, 1, 7), conv(1, 5, 13, 35, 5, 5, 5, 2, 2, 1, 5),
                                 conv(2, 3, 29, 41, 20, 7, 7, 2, 3), conv(1, 2, 9, 19, 9, 3, 3, 1, 1),
                                 conv(2, 40, 1, 1, 100, 1, 1), conv(1, 70, 7, 7, 72, 1, 1), conv(1, 16, 40, 41, 81, 1, 1)};
  // Shapes aimed at how each kernel picks its split (gemm_path.hpp, winograd.hpp): 1x1 and 3x3
  // GEMMs with more output channels than pixels (threads take output-channel blocks), Winograd
  // with transformed weights far larger than the input (threads take NR-aligned output-channel
  // panels; Cout ragged against NR and the vector width; 8->150 at 48x8 has two bands, so 3
  // threads split a panel between bands) and Winograd with tile rows re-cut into
  // one band per thread (13 and 27 rows: 4 and 7 tile rows; 128 -> 128 at 14x14 plans one band
  // for its 2.4 MB of U, wino_band_rows). GEMMs of one image with more
  // pixels than output channels, split by row bands (plan.hpp, conv2d_band_row; edges rounded to
  // NR panels, in the middle of a row): 1x1 in place, the short-K order, a packed 3x3/2. And
  // one-image depthwise at 3x3/5x5, stride 1/2, multiplier 1/2 on every algorithm that applies
  // (those split (image, channel) planes). Stride-2 3x3s for direct_channels, which splits
  // (image, strip, channel block) items: 512 channels at 30x30 are 8 strips of 2 output rows, so
  // threads start mid-image and rebuild a strip another thread also built.
  // With a residual and an activation, so an output written twice differs too, and outputs
  // start at -777, so one no thread computes differs (a band edge moved by one NR panel fails).
  std::vector<Conv2dParams> split_shapes;
  for (Conv2dParams p : {conv(1, 33, 5, 6, 70, 1, 1), conv(1, 20, 4, 5, 75, 3, 3, 1, 1), conv(1, 24, 6, 6, 100, 3, 3, 1, 1),
                         conv(1, 40, 3, 3, 150, 3, 3, 1, 1), conv(1, 8, 48, 8, 150, 3, 3, 1, 1),
                         conv(1, 8, 13, 10, 12, 3, 3, 1, 1), conv(1, 6, 27, 9, 8, 3, 3, 1, 1),
                         conv(1, 24, 28, 28, 40, 1, 1), conv(1, 16, 60, 60, 48, 1, 1), conv(1, 8, 30, 31, 20, 3, 3, 2, 1),
                         conv(1, 5, 28, 30, 5, 3, 3, 1, 1, 1, 5), conv(1, 6, 23, 41, 6, 3, 3, 2, 1, 1, 6),
                         conv(1, 4, 12, 50, 8, 5, 5, 1, 2, 1, 4), conv(1, 3, 24, 60, 3, 5, 5, 2, 2, 1, 3),
                         conv(1, 4, 8, 52, 4, 3, 3, 1, 1, 1, 4), conv(1, 128, 14, 14, 128, 3, 3, 1, 1),
                         conv(1, 512, 30, 30, 40, 3, 3, 2, 1), conv(2, 96, 13, 29, 70, 3, 3, 2, 1)}) {
    p.has_residual = true;
    p.activation = ActivationKind::Relu;
    split_shapes.push_back(p);
  }
  std::vector<Conv2dParams> all(std::begin(shapes), std::end(shapes));
  all.insert(all.end(), split_shapes.begin(), split_shapes.end());
  for (const Conv2dParams& p : all) {
    const Data d = make_data(p, 77);
    for (Isa isa : luodi_test::available_isas())
      for (int a = static_cast<int>(Conv2dAlgo::Reference); a < kConv2dAlgoCount; ++a) {
        Conv2dPlan plan;
        if (!conv2d_plan_with(p, isa, static_cast<Conv2dAlgo>(a), &plan).ok()) continue;
        const auto one = run_conv(plan, 0, d.x, d.w, d.b, d.r);
        for (int t : {2, 3}) {
          const auto many = run_conv(plan, t, d.x, d.w, d.b, d.r);
          CHECK_MESSAGE(std::memcmp(one.data(), many.data(), one.size() * sizeof(float)) == 0,
                        std::string(isa_name(isa)) << " " << std::string(conv2d_algo_name(plan.algo)) << " threads=" << t << " " << describe(p));
        }
      }
  }
  // winograd_f23t splits (image, block of R output channels) items: 50 and 97 channels are 4 and
  // 7 blocks of 16 (9 and 17 of 6, 25 and 49 of 2), so 2, 3 and 5 threads start mid-image and
  // each transforms the images its run touches
  for (Conv2dParams p : {conv(1, 40, 7, 7, 50, 3, 3, 1, 1), conv(2, 24, 6, 5, 97, 3, 3, 1, 1)}) {
    p.has_residual = true;
    p.activation = ActivationKind::Relu;
    const Data d = make_data(p, 78);
    for (Isa isa : luodi_test::simd_isas()) {
      Conv2dPlan plan;
      REQUIRE(conv2d_plan_with(p, isa, Conv2dAlgo::Winograd23T, &plan).ok());
      const auto one = run_conv(plan, 0, d.x, d.w, d.b, d.r);
      for (int t : {2, 3, 5}) {
        const auto many = run_conv(plan, t, d.x, d.w, d.b, d.r);
        CHECK_MESSAGE(std::memcmp(one.data(), many.data(), one.size() * sizeof(float)) == 0,
                      std::string(isa_name(isa)) << " winograd_f23t threads=" << t << " " << describe(p));
      }
    }
  }
}
#endif

TEST_CASE("conv2d: invalid parameters are named") {
  auto msg = [](const Conv2dParams& p) { return std::string(validate(p).message()); };
  Conv2dParams p = conv(1, 4, 8, 8, 6, 3, 3, 1, 1);
  REQUIRE(validate(p).ok());
  Conv2dParams q = p;
  q.stride_h = 0;
  CHECK(validate(q).code() == StatusCode::InvalidArgument);
  CHECK(msg(q).find("Conv2dParams.stride_h") != std::string::npos);
  q = p;
  q.pad_left = -1;
  CHECK(msg(q).find("Conv2dParams.pad_left") != std::string::npos);
  q = p;
  q.dilation_w = 0;
  CHECK(msg(q).find("Conv2dParams.dilation_w") != std::string::npos);
  q = p;
  q.groups = 3;
  CHECK(msg(q).find("Conv2dParams.groups") != std::string::npos);
  q = p;
  q.C_out = 0;
  CHECK(msg(q).find("Conv2dParams.C_out") != std::string::npos);
  q = p;
  q.kernel_h = 11;
  q.pad_top = q.pad_bottom = 0;
  CHECK(validate(q).code() == StatusCode::ShapeMismatch);
  CHECK(msg(q).find("Conv2dParams.kernel_h") != std::string::npos);
  q = p;
  q.H = std::int64_t(1) << 31;
  CHECK(msg(q).find("Conv2dParams.H") != std::string::npos);
  q = p;
  q.activation = static_cast<ActivationKind>(99);
  CHECK(msg(q).find("Conv2dParams.activation") != std::string::npos);
  q = p;
  q.N = 1 << 20;
  q.C_in = 1 << 20;
  q.H = q.W = 1 << 20;
  CHECK(validate(q).code() == StatusCode::Overflow);
  // forcing an algorithm that does not apply is an error naming it, not a silent fallback
  Conv2dPlan plan;
  const Status s = conv2d_plan_with(conv(1, 4, 8, 8, 6, 3, 3, 2, 1), best_isa(), Conv2dAlgo::Winograd43, &plan);
  if (best_isa() != Isa::scalar) {
    CHECK(s.code() == StatusCode::Unsupported);
    CHECK(std::string(s.message()).find("winograd_f43") != std::string::npos);
  }
  // and invalid params through the planner
  q = p;
  q.kernel_w = 0;
  CHECK(conv2d_plan_with(q, Isa::scalar, Conv2dAlgo::Auto, &plan).code() == StatusCode::InvalidArgument);
  // output shape helpers
  const Shape os = conv2d_output_shape(conv(2, 4, 9, 10, 6, 3, 3, 2, 1));
  CHECK(os[0] == 2);
  CHECK(os[1] == 6);
  CHECK(os[2] == 5);
  CHECK(os[3] == 5);
}
