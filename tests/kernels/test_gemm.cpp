// GEMM: the reference against PyTorch fixtures; every SIMD ISA against the reference at odd
// shapes around the micro-kernel tile (packed and unpacked B, transposes, every bias kind,
// residual, activations, broadcast batches); thread-count independence; validation errors.
#include <doctest/doctest.h>
#include <luodi/core/thread_pool.hpp>
#include <luodi/kernels/gemm/gemm.hpp>

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

// Runs the product on `isa`, packed or not, with `threads` (0 = no executor).
std::vector<float> run_gemm(const GemmParams& p, Isa isa, bool packed, int threads, const std::vector<float>& A,
                            const std::vector<float>& B, const std::vector<float>& bias, const std::vector<float>& res) {
  const GemmPlan plan = gemm_plan(p, isa);
  std::vector<float> C(static_cast<std::size_t>(gemm_batch_count(p) * p.M * p.N), -777.0f);
  const int T = threads < 1 ? 1 : threads;
  Buf scratch(gemm_scratch_bytes(plan, T));
#if LUODI_HAS_THREADS
  ThreadPool pool(T, kDefaultSpinMicroseconds, 0);  // 0: split even the smallest shapes
  Executor* ex = threads > 0 ? &pool : nullptr;
#else
  Executor* ex = nullptr;
#endif
  const float* r = p.has_residual ? res.data() : nullptr;
  if (packed) {
    Buf pk(static_cast<std::size_t>(plan.packed_bytes));
    gemm_pack_b(plan, B.data(), bias.empty() ? nullptr : bias.data(), pk.data());
    gemm_run(plan, A.data(), pk.data(), r, C.data(), scratch.data(), ex);
  } else {
    gemm_run_unpacked(plan, A.data(), B.data(), bias.empty() ? nullptr : bias.data(), r, C.data(), scratch.data(), ex);
  }
  return C;
}

// Sum of magnitudes per output (the scale of the rounding error), from the same definition.
std::vector<float> magnitude(GemmParams p, const std::vector<float>& A, const std::vector<float>& B,
                             const std::vector<float>& bias, const std::vector<float>& res) {
  p.alpha = std::fabs(p.alpha);
  p.beta = std::fabs(p.beta);
  p.activation = ActivationKind::Identity;
  std::vector<float> m(static_cast<std::size_t>(gemm_batch_count(p) * p.M * p.N));
  const std::vector<float> ab = absv(bias), rb = absv(res);
  ref::gemm_f32(p, absv(A).data(), absv(B).data(), ab.empty() ? nullptr : ab.data(), p.has_residual ? rb.data() : nullptr,
                m.data());
  return m;
}

std::int64_t a_elems(const GemmParams& p) {
  std::int64_t n = 0;
  for (std::int64_t b = 0; b < gemm_batch_count(p); ++b) {
    std::int64_t oa, ob;
    gemm_batch_offsets(p, b, &oa, &ob);
    if (oa > n) n = oa;
  }
  return n + p.M * p.K;
}
std::int64_t b_elems(const GemmParams& p) {
  std::int64_t n = 0;
  for (std::int64_t b = 0; b < gemm_batch_count(p); ++b) {
    std::int64_t oa, ob;
    gemm_batch_offsets(p, b, &oa, &ob);
    if (ob > n) n = ob;
  }
  return n + p.K * p.N;
}

int check_close(const std::string& what, const std::vector<float>& got, const std::vector<float>& want,
                const std::vector<float>& mag, std::int64_t K, ActivationKind act, const ActivationParams& ap) {
  int bad = 0;
  for (std::size_t i = 0; i < want.size(); ++i) {
    const double tol = luodi_test::sum_tolerance(K, mag[i], want[i], act, ap);
    if (!(std::fabs(double(got[i]) - double(want[i])) <= tol)) {
      if (bad < 3) FAIL_CHECK(what << ": element " << i << " got " << got[i] << " want " << want[i] << " (tol " << tol << ")");
      ++bad;
    }
  }
  return bad;
}

}  // namespace

TEST_CASE("gemm: reference matches PyTorch (float64) fixtures") {
  const char* names[] = {"gemm_basic",           "gemm_ta_tb_col_bias", "gemm_row_bias_relu", "gemm_full_bias_res",
                         "gemm_scalar_bias_silu", "gemm_batched_bcast",  "gemm_gemv"};
  for (const char* name : names) {
    luodi_test::Fixture fx;
    std::string err;
    REQUIRE_MESSAGE(luodi_test::load_fixture(name, &fx, &err), err);
    const auto& v = fx.ints;
    GemmParams p;
    const std::int64_t M = v[0], N = v[1], K = v[2];
    const bool ta = v[3] != 0, tb = v[4] != 0;
    if (v[8] > 0 || v[9] > 0) {
      std::vector<std::int64_t> ad, bd;
      for (int i = 0; i < v[8]; ++i) ad.push_back(v[12 + i]);
      for (int i = 0; i < v[9]; ++i) bd.push_back(v[15 + i]);
      ad.push_back(M);
      ad.push_back(K);
      bd.push_back(K);
      bd.push_back(N);
      Shape out;
      REQUIRE(matmul_params(Shape(ad.data(), int(ad.size())), Shape(bd.data(), int(bd.size())), &p, &out).ok());
    } else {
      p.M = M;
      p.N = N;
      p.K = K;
    }
    p.trans_a = ta;
    p.trans_b = tb;
    p.bias = static_cast<GemmBias>(v[5]);
    p.has_residual = v[6] != 0;
    p.activation = static_cast<ActivationKind>(v[7]);
    p.act_params = {fx.floats[0], fx.floats[1]};
    p.alpha = fx.floats[2];
    p.beta = fx.floats[3];
    REQUIRE(validate(p).ok());
    const std::int64_t na = v[10] * M * K, nb = v[11] * K * N, nbias = gemm_bias_count(p);
    const std::int64_t nc = gemm_batch_count(p) * M * N;
    REQUIRE(static_cast<std::int64_t>(fx.data.size()) == na + nb + nbias + (p.has_residual ? nc : 0) + nc);
    const float* d = fx.data.data();
    std::vector<float> A(d, d + na), B(d + na, d + na + nb), bias(d + na + nb, d + na + nb + nbias);
    d += na + nb + nbias;
    std::vector<float> res;
    if (p.has_residual) {
      res = std::vector<float>(d, d + nc);
      d += nc;
    }
    std::vector<float> want(d, d + nc);
    const std::vector<float> mag = magnitude(p, A, B, bias, res);
    for (bool packed : {true, false}) {
      const std::vector<float> got = run_gemm(p, Isa::scalar, packed, 0, A, B, bias, res);
      // The fixture is exact (float64, rounded once), so only one side's rounding counts: the
      // two-sided bound is used anyway, it is the same order.
      CHECK(check_close(std::string(name) + " ref", got, want, mag, K, p.activation, p.act_params) == 0);
    }
  }
}

// Random operands for p (from seed), the reference on them, and `isa` packed and unpacked
// checked against it; returns the number of runs checked.
static int check_against_ref(const GemmParams& p, Isa isa, std::uint32_t seed) {
  const std::int64_t M = p.M, N = p.N, K = p.K;
  const auto A = luodi_test::random_floats(static_cast<std::size_t>(M * K), -1, 1, seed);
  const auto B = luodi_test::random_floats(static_cast<std::size_t>(K * N), -1, 1, seed + 1000);
  const auto bias = luodi_test::random_floats(static_cast<std::size_t>(gemm_bias_count(p)), -1, 1, seed + 2000);
  const auto res = luodi_test::random_floats(static_cast<std::size_t>(M * N), -1, 1, seed + 3000);
  const auto want = run_gemm(p, Isa::scalar, true, 0, A, B, bias, res);
  const auto mag = magnitude(p, A, B, bias, res);
  int cases = 0;
  for (bool packed : {true, false}) {
    const auto got = run_gemm(p, isa, packed, 0, A, B, bias, res);
    const std::string what = std::string(isa_name(isa)) + (packed ? " packed" : " unpacked") + " M=" +
                             std::to_string(M) + " N=" + std::to_string(N) + " K=" + std::to_string(K) +
                             (p.trans_a ? " transA" : "") + (p.trans_b ? " transB" : "") +
                             " act=" + activation_name(p.activation);
    CHECK(check_close(what, got, want, mag, K, p.activation, p.act_params) == 0);
    ++cases;
  }
  return cases;
}

TEST_CASE("gemm: every ISA matches the reference at odd shapes") {
  const auto isas = luodi_test::simd_isas();
  if (isas.empty()) MESSAGE("no SIMD ISA available: only the reference is tested");
  std::uint32_t seed = 1;
  for (Isa isa : isas) {
    const GemmKernels& k = gemm_kernels(isa);
    const std::int64_t MR = k.mr, NR = k.nr;
    const std::int64_t Ms[] = {1, MR - 1, MR, MR + 1, 2 * MR + 3};
    const std::int64_t Ns[] = {1, NR - 1, NR, NR + 1, 3 * NR + 5};
    const std::int64_t Ks[] = {1, 5, 67, 600};  // 600 crosses the K blocking
    int cases = 0;
    for (std::int64_t M : Ms)
      for (std::int64_t N : Ns)
        for (std::int64_t K : Ks) {
          if (M < 1) continue;
          ++seed;
          GemmParams p;
          p.M = M;
          p.N = N;
          p.K = K;
          p.trans_a = (seed % 3) == 0;
          p.trans_b = (seed % 4) == 1;
          p.bias = static_cast<GemmBias>(seed % 5);
          p.has_residual = (seed % 2) == 0;
          p.alpha = (seed % 7) == 0 ? -0.75f : 1.0f;
          p.beta = (seed % 6) == 0 ? 0.5f : 1.0f;
          const ActivationKind acts[] = {ActivationKind::Identity, ActivationKind::Relu,   ActivationKind::Clip,
                                         ActivationKind::LeakyRelu, ActivationKind::Silu,  ActivationKind::HardSwish,
                                         ActivationKind::Sigmoid};
          p.activation = acts[seed % 7];
          p.act_params = activation_defaults(p.activation);
          if (p.activation == ActivationKind::Clip) p.act_params = {-0.5f, 0.75f};
          REQUIRE(validate(p).ok());
          cases += check_against_ref(p, isa, seed);
        }
    MESSAGE(std::string(isa_name(isa)) << ": " << cases << " GEMM cases against ref (tile " << MR << "x" << NR << ")");
  }
}

TEST_CASE("gemm: K around the plan's kc, N across column blocks, every ISA") {
  // The run-time B is packed one row at a time over the panels of a (kc, nc) block
  // (pack_b_row_major_by_rows); kc and nc depend on the ISA (gemm_plan). N = nc + NR + 3 gives a
  // second column block with a ragged last panel; K = kc - 1, kc, kc + 1, 2 kc + 3 cross the K
  // blocking at the edges.
  std::uint32_t seed = 500;
  for (Isa isa : luodi_test::simd_isas()) {
    GemmParams probe;
    probe.M = probe.N = probe.K = 1024;
    const GemmPlan pp = gemm_plan(probe, isa);
    const std::int64_t kc = pp.kc, nc = pp.nc, MR = pp.mr, NR = pp.nr;
    for (std::int64_t M : {MR - 1, 2 * MR + 1})
      for (std::int64_t N : {NR + 1, nc + NR + 3})
        for (std::int64_t K : {kc - 1, kc, kc + 1, 2 * kc + 3}) {
          GemmParams p = probe;
          p.M = M;
          p.N = N;
          p.K = K;
          p.trans_b = (++seed % 4) == 3;  // mostly the row-major B of the row-by-row pack
          p.bias = (seed % 2) ? GemmBias::Col : GemmBias::None;
          p.has_residual = (seed % 3) == 0;
          p.activation = (seed % 2) ? ActivationKind::Relu : ActivationKind::Identity;
          REQUIRE(validate(p).ok());
          check_against_ref(p, isa, seed);
        }
  }
}

TEST_CASE("gemm: broadcast batches, every ISA, packed and unpacked") {
  // A [2, 1, 3, M, K] x B [4, 1, K, N] -> [2, 4, 3, M, N]
  const std::int64_t M = 7, K = 19, N = 21;
  const std::int64_t ad[] = {2, 1, 3, M, K}, bd[] = {4, 1, K, N};
  GemmParams p;
  Shape out;
  REQUIRE(matmul_params(Shape(ad, 5), Shape(bd, 4), &p, &out).ok());
  CHECK(out.rank() == 5);
  CHECK(out[0] == 2);
  CHECK(out[1] == 4);
  CHECK(out[2] == 3);
  CHECK(out[3] == M);
  CHECK(out[4] == N);
  p.activation = ActivationKind::Relu;
  const auto A = luodi_test::random_floats(static_cast<std::size_t>(a_elems(p)), -1, 1, 7);
  const auto B = luodi_test::random_floats(static_cast<std::size_t>(b_elems(p)), -1, 1, 8);
  CHECK(A.size() == static_cast<std::size_t>(2 * 3 * M * K));
  CHECK(B.size() == static_cast<std::size_t>(4 * K * N));
  const auto want = run_gemm(p, Isa::scalar, false, 0, A, B, {}, {});
  // The reference against a direct evaluation of the broadcast definition.
  for (int i0 = 0; i0 < 2; ++i0)
    for (int j0 = 0; j0 < 4; ++j0)
      for (int k0 = 0; k0 < 3; ++k0) {
        const float* a = A.data() + (i0 * 3 + k0) * M * K;
        const float* b = B.data() + j0 * K * N;
        const float* c = want.data() + ((i0 * 4 + j0) * 3 + k0) * M * N;
        float acc = 0;
        for (int k = 0; k < K; ++k) acc += a[2 * K + k] * b[k * N + 5];
        CHECK(c[2 * N + 5] == doctest::Approx(acc < 0 ? 0 : acc).epsilon(1e-5));
      }
  const auto mag = magnitude(p, A, B, {}, {});
  for (Isa isa : luodi_test::simd_isas())
    for (bool packed : {true, false}) {
      const auto got = run_gemm(p, isa, packed, 0, A, B, {}, {});
      CHECK(check_close(std::string(isa_name(isa)) + " batched", got, want, mag, K, p.activation, p.act_params) == 0);
    }
}

#if LUODI_HAS_THREADS
TEST_CASE("gemm: results do not depend on the thread count") {
  for (Isa isa : luodi_test::available_isas()) {
    for (std::int64_t M : {1, 3, 50}) {  // 1: the GEMV of packed B
      GemmParams p;
      p.M = M;
      p.N = 333;
      p.K = 301;
      p.bias = GemmBias::Col;
      p.activation = ActivationKind::Silu;
      const auto A = luodi_test::random_floats(static_cast<std::size_t>(p.M * p.K), -1, 1, 11);
      const auto B = luodi_test::random_floats(static_cast<std::size_t>(p.K * p.N), -1, 1, 12);
      const auto bias = luodi_test::random_floats(static_cast<std::size_t>(p.N), -1, 1, 13);
      for (bool packed : {true, false}) {
        const auto one = run_gemm(p, isa, packed, 0, A, B, bias, {});
        for (int t : {2, 3, 5}) {
          const auto many = run_gemm(p, isa, packed, t, A, B, bias, {});
          CHECK_MESSAGE(std::memcmp(one.data(), many.data(), one.size() * sizeof(float)) == 0,
                        isa_name(isa) << " threads=" << t << " M=" << M);
        }
      }
    }
  }
}
#endif

TEST_CASE("gemm: invalid parameters are named") {
  GemmParams p;
  p.M = 4;
  p.N = 0;
  p.K = 3;
  Status s = validate(p);
  CHECK(s.code() == StatusCode::InvalidArgument);
  CHECK(std::string(s.message()).find("GemmParams.N") != std::string::npos);
  p.N = 2;
  p.batch_rank = 1;
  p.batch_dims[0] = 0;
  s = validate(p);
  CHECK(std::string(s.message()).find("GemmParams.batch_dims[0]") != std::string::npos);
  p.batch_rank = 9;
  CHECK(std::string(validate(p).message()).find("GemmParams.batch_rank") != std::string::npos);
  p.batch_rank = 0;
  p.activation = static_cast<ActivationKind>(200);
  CHECK(std::string(validate(p).message()).find("GemmParams.activation") != std::string::npos);
  p.activation = ActivationKind::Identity;
  p.M = std::int64_t(1) << 40;
  p.K = std::int64_t(1) << 40;
  CHECK(validate(p).code() == StatusCode::Overflow);

  GemmParams q;
  Shape out;
  const std::int64_t a[] = {3, 4}, b[] = {5, 6};
  s = matmul_params(Shape(a, 2), Shape(b, 2), &q, &out);
  CHECK(s.code() == StatusCode::ShapeMismatch);
  CHECK(std::string(s.message()).find("K=4") != std::string::npos);
  const std::int64_t a3[] = {2, 3, 4}, b3[] = {3, 4, 5};
  s = matmul_params(Shape(a3, 3), Shape(b3, 3), &q, &out);
  CHECK(s.code() == StatusCode::ShapeMismatch);
  CHECK(std::string(s.message()).find("broadcast") != std::string::npos);
  // 1-D operands follow numpy: [K] x [K, N] -> [N]; [M, K] x [K] -> [M]
  const std::int64_t v[] = {4}, m[] = {4, 6};
  REQUIRE(matmul_params(Shape(v, 1), Shape(m, 2), &q, &out).ok());
  CHECK(out.rank() == 1);
  CHECK(out[0] == 6);
  const std::int64_t m2[] = {6, 4};
  REQUIRE(matmul_params(Shape(m2, 2), Shape(v, 1), &q, &out).ok());
  CHECK(out.rank() == 1);
  CHECK(out[0] == 6);
}
