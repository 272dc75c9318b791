// Binary elementwise ops, PRelu and Where: ref against PyTorch and the ONNX test data
// (fixtures), every ISA against ref at odd sizes and every broadcast pattern, threads, in
// place, and the error paths.
#include <doctest/doctest.h>
#include <luodi/core/thread_pool.hpp>
#include <luodi/kernels/eltwise/eltwise.hpp>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "../support/ops_fixtures.hpp"
#include "../support/test_util.hpp"

using namespace luodi;
using namespace luodi::kernels;

namespace {

// Tolerances, in ULP of the expected value.
// pow is the only op that is not correctly rounded: torch uses Sleef's 1-ULP powf, ref uses
// the C library's powf; the SIMD path's special exponents (x*x*x) round twice.
constexpr double kUlpPowVsTorch = 2.0;
constexpr double kUlpPowFast = 1.0;  // SIMD vs ref

DType parse_dtype(const std::string& s) {
  if (s == "f32" || s == "float32") return DType::f32;
  if (s == "int64") return DType::i64;
  if (s == "int32") return DType::i32;
  if (s == "int8") return DType::i8;
  if (s == "uint8") return DType::u8;
  if (s == "bool") return DType::boolean;
  FAIL("unknown dtype " << s);
  return DType::f32;
}

// Compares two byte buffers of `dtype` elements: floats within `ulp` (NaN == NaN), others exact.
bool same_values(DType dtype, const void* got, const void* want, std::int64_t n, double ulp, std::string* where) {
  if (dtype == DType::f32) {
    const float* g = static_cast<const float*>(got);
    const float* w = static_cast<const float*>(want);
    for (std::int64_t i = 0; i < n; ++i) {
      const double u = luodi_test::ulp_error(g[i], w[i]);
      if (!(u <= ulp)) {
        *where = "element " + std::to_string(i) + ": got " + std::to_string(g[i]) + ", want " + std::to_string(w[i]) +
                 " (" + std::to_string(u) + " ulp)";
        return false;
      }
    }
    return true;
  }
  const std::size_t bytes = static_cast<std::size_t>(n) * dtype_size(dtype);
  if (bytes != 0 && std::memcmp(got, want, bytes) != 0) {  // empty tensors may have null data
    *where = "integer/bool contents differ";
    return false;
  }
  return true;
}

std::vector<BinaryOp> f32_ops() {
  std::vector<BinaryOp> v;
  for (int i = 0; i < kBinaryOpCount; ++i)
    if (binary_kind(static_cast<BinaryOp>(i)) != BinaryKind::Logic) v.push_back(static_cast<BinaryOp>(i));
  return v;
}

// Random operands; for pow, bases in a range where powf is finite and exponents mixed.
std::vector<float> operand(BinaryOp op, int which, std::int64_t n, std::uint32_t seed) {
  std::vector<float> v = luodi_test::random_floats(static_cast<std::size_t>(n), -4.0f, 4.0f, seed);
  if (op == BinaryOp::Pow && which == 0)
    for (float& x : v) x = std::fabs(x) + 0.01f;
  if (op == BinaryOp::Div && which == 1)
    for (float& x : v) x = (std::fabs(x) < 0.1f) ? 1.25f : x;
  // some ties for comparisons and max/min
  if (which == 1 && n > 3) v[static_cast<std::size_t>(n / 3)] = 0.5f;
  if (which == 0 && n > 3) v[static_cast<std::size_t>(n / 3)] = 0.5f;
  return v;
}

void run_simd_vs_ref(BinaryOp op, const Shape& sa, const Shape& sb, Executor* ex = nullptr) {
  if (op == BinaryOp::PRelu && !broadcasts_to(sb, sa)) return;  // prelu broadcasts the slope one way only
  auto p = binary_params_make(op, DType::f32, sa, sb);
  REQUIRE_MESSAGE(p.ok(), std::string(p.status().message()));
  const Shape out = binary_output_shape(op, sa, sb).value();
  const auto a = operand(op, 0, sa.numel(), 11);
  const auto b = operand(op, 1, sb.numel(), 22);
  const std::size_t n = static_cast<std::size_t>(out.numel());
  const bool arith = binary_kind(op) == BinaryKind::Arith;
  const std::size_t es = arith ? 4 : 1;
  std::vector<unsigned char> want(n * es + 64, 0xAB), got(n * es + 64, 0xAB);
  eltwise_kernels(Isa::scalar).binary_f32[static_cast<int>(op)](*p, a.data(), b.data(), want.data(), 0, p->plan.numel);
  for (Isa isa : luodi_test::simd_isas()) {
    std::fill(got.begin(), got.end(), 0xAB);
    REQUIRE(binary(*p, DType::f32, a.data(), b.data(), got.data(), ex, isa).ok());
    std::string where;
    INFO(std::string(isa_name(isa)) << " " << std::string(binary_op_name(op)) << " " << std::string(sa.str().c_str())
                                    << " op " << std::string(sb.str().c_str()));
    CHECK_MESSAGE(same_values(arith ? DType::f32 : DType::boolean, got.data(), want.data(), static_cast<std::int64_t>(n),
                              op == BinaryOp::Pow ? kUlpPowFast : 0.0, &where),
                  where);
    for (std::size_t i = n * es; i < got.size(); ++i) REQUIRE(got[i] == 0xAB);  // nothing written past the end
  }
}

}  // namespace

TEST_CASE("eltwise ref: against PyTorch and the ONNX test data") {
  luodi_test::FixtureFile f;
  std::string err;
  REQUIRE_MESSAGE(f.load("eltwise.ldfx", &err), err);
  int checked = 0, where_checked = 0;
  for (const auto& c : f.cases()) {
    const std::string op = c.at("op").str();
    const DType dtype = parse_dtype(c.at("dtype").str());
    INFO("case " << c.name << " (" << c.at("src").str() << "): " << op << " " << std::string(dtype_name(dtype)));
    if (op == "where") {
      const auto& cond = c.at("cond");
      const auto& x = c.at("x");
      const auto& y = c.at("y");
      const auto& out = c.at("out");
      auto p = where_params_make(cond.shape, x.shape, y.shape, dtype);
      REQUIRE_MESSAGE(p.ok(), std::string(p.status().message()));
      REQUIRE(where_output_shape(cond.shape, x.shape, y.shape).value() == out.shape);
      for (Isa isa : luodi_test::available_isas()) {
        std::vector<unsigned char> got(out.bytes.size() + 1);
        where(*p, cond.data<std::uint8_t>(), x.bytes.data(), y.bytes.data(), got.data(), nullptr, isa);
        CHECK_MESSAGE(std::memcmp(got.data(), out.bytes.data(), out.bytes.size()) == 0, std::string(isa_name(isa)));
      }
      ++where_checked;
      continue;
    }
    BinaryOp bop = BinaryOp::Add;
    REQUIRE(binary_op_from_name(op.c_str(), &bop));
    const auto& a = c.at("a");
    const auto& b = c.at("b");
    const auto& y = c.at("y");
    auto shape = binary_output_shape(bop, a.shape, b.shape);
    REQUIRE_MESSAGE(shape.ok(), std::string(shape.status().message()));
    CHECK(*shape == y.shape);
    auto p = binary_params_make(bop, dtype, a.shape, b.shape);
    REQUIRE_MESSAGE(p.ok(), std::string(p.status().message()));
    REQUIRE(binary_output_dtype(bop, dtype) == y.dtype);
    std::vector<unsigned char> got(y.bytes.size() + 1);
    REQUIRE(ref::binary_any(*p, dtype, a.bytes.data(), b.bytes.data(), got.data()).ok());
    std::string where;
    const double tol = bop == BinaryOp::Pow ? kUlpPowVsTorch : 0.0;
    CHECK_MESSAGE(same_values(y.dtype, got.data(), y.bytes.data(), y.numel(), tol, &where), where);
    // and every ISA through the public entry point
    for (Isa isa : luodi_test::simd_isas()) {
      std::vector<unsigned char> g2(y.bytes.size() + 1);
      REQUIRE(binary(*p, dtype, a.bytes.data(), b.bytes.data(), g2.data(), nullptr, isa).ok());
      CHECK_MESSAGE(same_values(y.dtype, g2.data(), y.bytes.data(), y.numel(), tol, &where),
                    std::string(isa_name(isa)) << ": " << where);
    }
    ++checked;
  }
  CHECK(checked > 150);
  CHECK(where_checked >= 9);
}

TEST_CASE("eltwise: every ISA equals ref for every op and broadcast pattern at odd sizes") {
  // Inner lengths around every lane count (4, 8, 16) and the 4x unroll: tile-1, tile, tile+1,
  // k*tile+r.
  const std::int64_t inner[] = {1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 63, 64, 65, 127, 200};
  for (BinaryOp op : f32_ops()) {
    for (std::int64_t n : inner) {
      run_simd_vs_ref(op, Shape{n}, Shape{n});                 // same shape
      run_simd_vs_ref(op, Shape{2, 3, n}, Shape{});            // scalar b
      run_simd_vs_ref(op, Shape{}, Shape{2, n});               // scalar a
      run_simd_vs_ref(op, Shape{2, 3, 1, n}, Shape{1, 3, 1, 1});  // per channel, inner run n
      run_simd_vs_ref(op, Shape{1, 3, 1, 1}, Shape{2, 3, 1, n});  // per channel on the left
      run_simd_vs_ref(op, Shape{2, 5, n}, Shape{n});           // row broadcast
      run_simd_vs_ref(op, Shape{2, 1, n}, Shape{1, 3, 1});     // both broadcast, inner vector-scalar
      run_simd_vs_ref(op, Shape{3, 1}, Shape{1, n});           // outer product
    }
    run_simd_vs_ref(op, Shape{2, 3, 5, 7}, Shape{2, 1, 5, 1});   // alternating broadcast dims
    run_simd_vs_ref(op, Shape{2, 1, 3, 1, 2}, Shape{1, 4, 1, 5, 1});  // rank 5, every other dim
    run_simd_vs_ref(op, Shape{2, 0, 3}, Shape{1, 1, 3});          // empty
  }
}

TEST_CASE("eltwise: pow's special exponents on every ISA, including -0, inf and NaN bases") {
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> a = luodi_test::random_floats(37, -5.0f, 5.0f, 5);
  const float specials[] = {0.0f, -0.0f, inf, -inf, nan, 1.0f, -1.0f, 1e-30f, -1e30f};
  for (float s : specials) a.push_back(s);
  for (float e : {2.0f, 3.0f, 0.5f, 1.0f, -1.0f, 0.0f, 1.5f, -2.0f}) {
    const float eb[1] = {e};
    auto p = binary_params_make(BinaryOp::Pow, DType::f32, Shape{static_cast<std::int64_t>(a.size())}, Shape{});
    REQUIRE(p.ok());
    std::vector<float> want(a.size()), got(a.size());
    eltwise_kernels(Isa::scalar).binary_f32[static_cast<int>(BinaryOp::Pow)](*p, a.data(), eb, want.data(), 0,
                                                                               p->plan.numel);
    for (std::size_t i = 0; i < a.size(); ++i) {
      // ref is powf itself
      INFO("pow(" << a[i] << ", " << e << ")");
      const float direct = std::pow(a[i], e);
      CHECK((want[i] == direct || (std::isnan(want[i]) && std::isnan(direct))));
    }
    for (Isa isa : luodi_test::simd_isas()) {
      REQUIRE(binary(*p, DType::f32, a.data(), eb, got.data(), nullptr, isa).ok());
      for (std::size_t i = 0; i < a.size(); ++i) {
 INFO(std::string(isa_name(isa)) << " pow(" << a[i] << ", " << e << ") = " << got[i] << ", ref " << want[i]);
        CHECK(luodi_test::ulp_error(got[i], want[i]) <= kUlpPowFast);
        CHECK(std::signbit(got[i]) == std::signbit(want[i]));
      }
    }
  }
}

TEST_CASE("eltwise: threads and in place give the same bits") {
#if LUODI_HAS_THREADS
  ThreadPool pool(2);
  for (BinaryOp op : {BinaryOp::Add, BinaryOp::Mul, BinaryOp::Max, BinaryOp::PRelu, BinaryOp::Less}) {
    run_simd_vs_ref(op, Shape{70001}, Shape{70001}, &pool);     // one long row, split in segments
    run_simd_vs_ref(op, Shape{3, 64, 33, 35}, Shape{1, 64, 1, 1}, &pool);  // many rows
    run_simd_vs_ref(op, Shape{2, 40000}, Shape{}, &pool);
  }
#endif
  // in place: y aliases a
  for (Isa isa : luodi_test::available_isas()) {
    auto p = binary_params_make(BinaryOp::Sub, DType::f32, Shape{3, 4, 37}, Shape{1, 4, 1});
    REQUIRE(p.ok());
    std::vector<float> a = luodi_test::random_floats(3 * 4 * 37, -2, 2, 3), b = luodi_test::random_floats(4, -2, 2, 4);
    std::vector<float> want(a.size());
    ref::binary<BinaryOp::Sub, float>(*p, a.data(), b.data(), want.data());
    REQUIRE(binary(*p, DType::f32, a.data(), b.data(), a.data(), nullptr, isa).ok());
    CHECK(std::memcmp(a.data(), want.data(), a.size() * 4) == 0);
  }
}

TEST_CASE("eltwise: integer semantics that ONNX leaves open never trap") {
  // Division by zero gives 0 and INT_MIN / -1 wraps (documented in eltwise/params.hpp).
  const std::int32_t a[] = {7, std::numeric_limits<std::int32_t>::min(), -7, 0};
  const std::int32_t b[] = {0, -1, 2, 0};
  std::int32_t y[4];
  auto p = binary_params_make(BinaryOp::Div, DType::i32, Shape{4}, Shape{4});
  REQUIRE(p.ok());
  REQUIRE(ref::binary_any(*p, DType::i32, a, b, y).ok());
  CHECK(y[0] == 0);
  CHECK(y[1] == std::numeric_limits<std::int32_t>::min());
  CHECK(y[2] == -3);  // truncation toward zero
  CHECK(y[3] == 0);
  // negative integer exponents: what truncating the real result gives
  const std::int64_t base[] = {2, 1, -1, -1, 0};
  const std::int64_t ex[] = {-1, -5, -3, -2, 3};
  std::int64_t r[5];
  auto pp = binary_params_make(BinaryOp::Pow, DType::i64, Shape{5}, Shape{5});
  REQUIRE(pp.ok());
  REQUIRE(ref::binary_any(*pp, DType::i64, base, ex, r).ok());
  for (int i = 0; i < 5; ++i) CHECK(r[i] == static_cast<std::int64_t>(std::trunc(std::pow(double(base[i]), double(ex[i])))));
}

TEST_CASE("eltwise: bad shapes and dtypes get a Status that names them") {
  auto r = binary_params_make(BinaryOp::Add, DType::f32, Shape{2, 3}, Shape{4, 3, 2});
  REQUIRE(!r.ok());
  CHECK(r.status().code() == StatusCode::ShapeMismatch);
  CHECK(std::string(r.status().message()).find("2x3") != std::string::npos);
  CHECK(std::string(r.status().message()).find("4x3x2") != std::string::npos);
  CHECK(std::string(r.status().message()).find("add") != std::string::npos);

  auto pr = binary_params_make(BinaryOp::PRelu, DType::f32, Shape{2, 3, 4}, Shape{2, 1, 1, 1});
  REQUIRE(!pr.ok());
  CHECK(pr.status().code() == StatusCode::ShapeMismatch);
  CHECK(std::string(pr.status().message()).find("slope") != std::string::npos);

  auto d = binary_params_make(BinaryOp::And, DType::f32, Shape{2}, Shape{2});
  REQUIRE(!d.ok());
  CHECK(d.status().code() == StatusCode::Unsupported);
  CHECK(std::string(d.status().message()).find("and") != std::string::npos);
  auto h = binary_params_make(BinaryOp::Add, DType::f16, Shape{2}, Shape{2});
  REQUIRE(!h.ok());
  CHECK(std::string(h.status().message()).find("f16") != std::string::npos);
  auto unk = binary_params_make(BinaryOp::Add, DType::f32, Shape{-1, 3}, Shape{3});
  REQUIRE(!unk.ok());
  CHECK(std::string(unk.status().message()).find("unknown") != std::string::npos);
  auto bad_op = binary_params_make(static_cast<BinaryOp>(200), DType::f32, Shape{2}, Shape{2});
  REQUIRE(!bad_op.ok());
  CHECK(bad_op.status().code() == StatusCode::InvalidArgument);

  auto w = where_params_make(Shape{3}, Shape{2, 4}, Shape{1}, DType::f32);
  REQUIRE(!w.ok());
  CHECK(std::string(w.status().message()).find("where") != std::string::npos);
}
