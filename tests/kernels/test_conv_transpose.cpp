// ConvTranspose2D: the reference against PyTorch fixtures; the GEMM + col2im path on every ISA
// against the reference at odd shapes (stride, pads, output_padding, groups, dilation, batch,
// residual, activations); thread-count independence; validation errors naming the field.
// Tolerance: the float32 summation bound over the C_in/G * ceil(kh/sh) * ceil(kw/sw) products
// each output receives (fixture_util.hpp), using K = C_in/G * kh * kw as an upper bound.
#include <doctest/doctest.h>
#include <luodi/core/thread_pool.hpp>
#include <luodi/kernels/conv_transpose/conv_transpose.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "../support/test_util.hpp"
#include "fixture_util.hpp"

using namespace luodi;
using namespace luodi::kernels;

namespace {

using luodi_test::absv;
using luodi_test::Buf;

std::vector<float> run_plan(const ConvTranspose2dPlan& plan, int threads, const std::vector<float>& x,
                            const std::vector<float>& w, const std::vector<float>& b, const std::vector<float>& r) {
  const ConvTranspose2dParams& p = plan.p;
  std::vector<float> y(static_cast<std::size_t>(p.N * p.C_out * plan.out_h * plan.out_w), -777.0f);
  Buf packed(static_cast<std::size_t>(plan.packed_bytes));
  conv_transpose2d_pack(plan, w.data(), p.has_bias ? b.data() : nullptr, packed.data());
  const int T = threads < 1 ? 1 : threads;
  Buf scratch(conv_transpose2d_scratch_bytes(plan, T));
#if LUODI_HAS_THREADS
  ThreadPool pool(T, kDefaultSpinMicroseconds, 0);  // 0: split even the smallest shapes
  Executor* ex = threads > 0 ? &pool : nullptr;
#else
  Executor* ex = nullptr;
#endif
  conv_transpose2d_run(plan, x.data(), packed.data(), p.has_residual ? r.data() : nullptr, y.data(), scratch.data(), ex);
  return y;
}

// The automatic plan (GemmPhase where it applies, else Gemm; the reference on Isa::scalar).
std::vector<float> run_ct(const ConvTranspose2dParams& p, Isa isa, int threads, const std::vector<float>& x,
                          const std::vector<float>& w, const std::vector<float>& b, const std::vector<float>& r) {
  return run_plan(conv_transpose2d_plan(p, isa), threads, x, w, b, r);
}

std::vector<float> magnitude(ConvTranspose2dParams p, const std::vector<float>& x, const std::vector<float>& w,
                             const std::vector<float>& b, const std::vector<float>& r) {
  p.activation = ActivationKind::Identity;
  std::vector<float> m(static_cast<std::size_t>(p.N * p.C_out * conv_transpose2d_out_h(p) * conv_transpose2d_out_w(p)));
  const auto ab = absv(b), ar = absv(r), ax = absv(x), aw = absv(w);
  for (std::int64_t n = 0; n < p.N; ++n)
    ref::conv_transpose2d_f32_channels(p, ax.data(), aw.data(), p.has_bias ? ab.data() : nullptr,
                                       p.has_residual ? ar.data() : nullptr, m.data(), n, 0, p.C_out);
  return m;
}

int compare(const std::string& what, const std::vector<float>& got, const std::vector<float>& want,
            const std::vector<float>& mag, const ConvTranspose2dParams& p) {
  const std::int64_t K = (p.C_in / p.groups) * p.kernel_h * p.kernel_w;
  int bad = 0;
  for (std::size_t i = 0; i < want.size(); ++i) {
    const double tol = luodi_test::sum_tolerance(K, mag[i], want[i], p.activation, p.act_params);
    if (!(std::fabs(double(got[i]) - double(want[i])) <= tol)) {
      if (bad < 3) FAIL_CHECK(what << ": y[" << i << "] = " << got[i] << ", want " << want[i] << " (tol " << tol << ")");
      ++bad;
    }
  }
  return bad;
}

ConvTranspose2dParams ct(std::int64_t N, std::int64_t Cin, std::int64_t H, std::int64_t W, std::int64_t Cout,
                         std::int64_t k, std::int64_t s, std::int64_t pad, std::int64_t op = 0, std::int64_t d = 1,
                         std::int64_t g = 1) {
  ConvTranspose2dParams p;
  p.N = N;
  p.C_in = Cin;
  p.H = H;
  p.W = W;
  p.C_out = Cout;
  p.kernel_h = p.kernel_w = k;
  p.stride_h = p.stride_w = s;
  p.pad_top = p.pad_left = p.pad_bottom = p.pad_right = pad;
  p.output_padding_h = p.output_padding_w = op;
  p.dilation_h = p.dilation_w = d;
  p.groups = g;
  p.has_bias = true;
  return p;
}

int check_isas(const ConvTranspose2dParams& p, std::uint32_t seed) {
  REQUIRE(validate(p).ok());
  const auto x = luodi_test::random_floats(static_cast<std::size_t>(p.N * p.C_in * p.H * p.W), -1, 1, seed);
  const auto w = luodi_test::random_floats(
      static_cast<std::size_t>(p.C_in * (p.C_out / p.groups) * p.kernel_h * p.kernel_w), -0.5f, 0.5f, seed + 1);
  const auto b = luodi_test::random_floats(static_cast<std::size_t>(p.C_out), -1, 1, seed + 2);
  const auto r = luodi_test::random_floats(
      static_cast<std::size_t>(p.N * p.C_out * conv_transpose2d_out_h(p) * conv_transpose2d_out_w(p)), -1, 1, seed + 3);
  const auto want = run_ct(p, Isa::scalar, 0, x, w, b, r);
  const auto mag = magnitude(p, x, w, b, r);
  int bad = 0;
  // every SIMD algorithm that applies, on every SIMD ISA
  for (Isa isa : luodi_test::simd_isas())
    for (int a = static_cast<int>(ConvTranspose2dAlgo::Gemm); a < kConvTranspose2dAlgoCount; ++a) {
      const auto algo = static_cast<ConvTranspose2dAlgo>(a);
      ConvTranspose2dPlan plan;
      if (!conv_transpose2d_plan_with(p, isa, algo, &plan).ok()) continue;
      bad += compare(std::string(isa_name(isa)) + " " + conv_transpose2d_algo_name(algo), run_plan(plan, 0, x, w, b, r), want,
                     mag, p);
    }
  return bad;
}

}  // namespace

TEST_CASE("conv_transpose2d: reference and every ISA match PyTorch (float64) fixtures") {
  const char* names[] = {"ct_s1", "ct_s2_p1_op1", "ct_s2_k4_p1", "ct_s3_asym", "ct_groups2_dil2", "ct_dw", "ct_1x1", "ct_1d"};
  for (const char* name : names) {
    luodi_test::Fixture fx;
    std::string err;
    REQUIRE_MESSAGE(luodi_test::load_fixture(name, &fx, &err), err);
    REQUIRE(fx.kind == 1);
    const auto& v = fx.ints;
    ConvTranspose2dParams p;
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
    p.output_padding_h = v[16];
    p.output_padding_w = v[17];
    p.has_bias = v[18] != 0;
    p.has_residual = v[19] != 0;
    p.activation = static_cast<ActivationKind>(v[20]);
    p.act_params = {fx.floats[0], fx.floats[1]};
    REQUIRE_MESSAGE(validate(p).ok(), name << ": " << validate(p).message());
    const std::int64_t nx = p.N * p.C_in * p.H * p.W, nw = p.C_in * (p.C_out / p.groups) * p.kernel_h * p.kernel_w;
    const std::int64_t nb = p.has_bias ? p.C_out : 0;
    const std::int64_t ny = p.N * p.C_out * conv_transpose2d_out_h(p) * conv_transpose2d_out_w(p);
    REQUIRE(static_cast<std::int64_t>(fx.data.size()) == nx + nw + nb + (p.has_residual ? ny : 0) + ny);
    const float* d = fx.data.data();
    std::vector<float> x(d, d + nx), w(d + nx, d + nx + nw), b(d + nx + nw, d + nx + nw + nb), r;
    d += nx + nw + nb;
    if (p.has_residual) {
      r = std::vector<float>(d, d + ny);
      d += ny;
    }
    const std::vector<float> want(d, d + ny);
    const auto mag = magnitude(p, x, w, b, r);
    for (Isa isa : luodi_test::available_isas())
      CHECK(compare(std::string(isa_name(isa)) + " vs torch " + name, run_ct(p, isa, 0, x, w, b, r), want, mag, p) == 0);
  }
}

TEST_CASE("conv_transpose2d: every ISA against the reference at odd shapes") {
  int bad = 0;
  std::uint32_t seed = 40;
  for (std::int64_t k : {1, 2, 3, 4})
    for (std::int64_t s : {1, 2, 3})
      for (std::int64_t pad : {0, 1}) {
        if (pad >= k) continue;
        ConvTranspose2dParams p = ct(1, 5, 6, 7, 7, k, s, pad, s > 1 ? s - 1 : 0);
        p.pad_right = 0;
        p.has_residual = (k + s) % 2 == 0;
        p.activation = (k % 2) ? ActivationKind::Relu : ActivationKind::Silu;
        bad += check_isas(p, ++seed);
      }
  bad += check_isas(ct(2, 6, 5, 4, 9, 3, 2, 1, 1, 2, 3), ++seed);   // batch, dilation, groups
  bad += check_isas(ct(1, 40, 9, 11, 20, 3, 2, 1, 1), ++seed);      // K and M past the tiles
  bad += check_isas(ct(1, 300, 3, 3, 17, 2, 2, 0), ++seed);         // K past the K blocking
  bad += check_isas(ct(1, 8, 40, 37, 3, 4, 2, 1), ++seed);          // several column blocks
  CHECK(bad == 0);
}

// GemmPhase (kernel == stride): rows of 1..2 vectors plus a scalar tail for kw = 2, other kw
// scalar, non-square kernels, several blocks of input rows (large M leaves few rows per block),
// batch, groups, every fused epilogue and one that is applied after the store (silu).
TEST_CASE("conv_transpose2d: kernel == stride (GemmPhase) at odd shapes, batch, groups, epilogues") {
  int bad = 0, ran = 0;
  std::uint32_t seed = 140;
  const ActivationKind acts[] = {ActivationKind::Identity, ActivationKind::Relu, ActivationKind::Clip, ActivationKind::Silu};
  int i = 0;
  for (std::int64_t kh : {1, 2, 3})
    for (std::int64_t kw : {1, 2, 3})
      for (std::int64_t w : {3, 17, 37}) {
        ConvTranspose2dParams p = ct(1 + (w % 2), 6, 5 + (w % 4), w, 9, 1, 1, 0);
        p.kernel_h = p.stride_h = kh;
        p.kernel_w = p.stride_w = kw;
        p.groups = (i % 3 == 2) ? 3 : 1;
        p.has_residual = (i % 2) == 0;
        p.activation = acts[i % 4];
        p.act_params = p.activation == ActivationKind::Clip ? ActivationParams{0.0f, 6.0f} : ActivationParams{};
        ++i;
        ConvTranspose2dPlan plan;
        if (best_isa() != Isa::scalar)
          REQUIRE(conv_transpose2d_plan_with(p, best_isa(), ConvTranspose2dAlgo::GemmPhase, &plan).ok());
        bad += check_isas(p, ++seed);
        ++ran;
      }
  // M = 70 * 4 rows: a few input rows per block, several blocks; and one output channel
  ConvTranspose2dParams p = ct(1, 24, 20, 37, 70, 2, 2, 0);
  p.has_residual = true;
  p.activation = ActivationKind::Relu;
  ConvTranspose2dPlan plan;
  if (best_isa() != Isa::scalar) {
    REQUIRE(conv_transpose2d_plan_with(p, best_isa(), ConvTranspose2dAlgo::GemmPhase, &plan).ok());
    CHECK(plan.rows_blk < p.H);
  }
  bad += check_isas(p, ++seed);
  bad += check_isas(ct(2, 24, 11, 45, 1, 2, 2, 0), ++seed);
  CHECK(bad == 0);
  MESSAGE((ran + 2) << " shapes");
  // it is what the automatic plan picks, and it is refused where the kernel overlaps
  CHECK(conv_transpose2d_plan(p, best_isa()).algo ==
        (best_isa() == Isa::scalar ? ConvTranspose2dAlgo::Reference : ConvTranspose2dAlgo::GemmPhase));
  CHECK(conv_transpose2d_plan_with(ct(1, 4, 5, 5, 4, 3, 2, 0), best_isa(), ConvTranspose2dAlgo::GemmPhase, &plan).code() ==
        StatusCode::Unsupported);
}

#if LUODI_HAS_THREADS
TEST_CASE("conv_transpose2d: results do not depend on the thread count") {
  // col2im (Gemm), and kernel == stride (GemmPhase: threads split blocks of input rows) with
  // many and with one output channel
  for (const ConvTranspose2dParams& p : {ct(1, 16, 9, 10, 21, 4, 2, 1), ct(2, 16, 23, 19, 21, 2, 2, 0), ct(1, 24, 31, 40, 1, 2, 2, 0)}) {
    const std::int64_t kk = p.kernel_h * p.kernel_w;
    const auto x = luodi_test::random_floats(static_cast<std::size_t>(p.N * p.C_in * p.H * p.W), -1, 1, 3);
    const auto w = luodi_test::random_floats(static_cast<std::size_t>(p.C_in * p.C_out * kk), -1, 1, 4);
    const auto b = luodi_test::random_floats(static_cast<std::size_t>(p.C_out), -1, 1, 5);
    for (Isa isa : luodi_test::available_isas()) {
      const auto one = run_ct(p, isa, 0, x, w, b, {});
      for (int t : {2, 3}) {
        const auto many = run_ct(p, isa, t, x, w, b, {});
        CHECK(std::memcmp(one.data(), many.data(), one.size() * sizeof(float)) == 0);
      }
    }
  }
}
#endif

TEST_CASE("conv_transpose2d: invalid parameters are named") {
  auto msg = [](const ConvTranspose2dParams& p) { return std::string(validate(p).message()); };
  const ConvTranspose2dParams p = ct(1, 4, 5, 5, 6, 3, 2, 1, 1);
  REQUIRE(validate(p).ok());
  ConvTranspose2dParams q = p;
  q.output_padding_h = 2;
  CHECK(validate(q).code() == StatusCode::InvalidArgument);
  CHECK(msg(q).find("ConvTranspose2dParams.output_padding_h") != std::string::npos);
  q = p;
  q.groups = 4;
  CHECK(msg(q).find("ConvTranspose2dParams.groups") != std::string::npos);
  q = p;
  q.stride_w = 0;
  CHECK(msg(q).find("ConvTranspose2dParams.stride_w") != std::string::npos);
  q = p;
  q.pad_top = q.pad_bottom = 9;
  CHECK(validate(q).code() == StatusCode::ShapeMismatch);
  const Shape s = conv_transpose2d_output_shape(p);
  CHECK(s[2] == 10);  // (5-1)*2 - 2 + 2 + 1 + 1
  CHECK(s[3] == 10);
}
