// SIMD binary ops on f32 over a broadcast plan.
//
// The plan leaves each operand with an inner stride of 1 or 0, so three inner loops cover every
// broadcast: vector-vector (same shape, or the inner dims match), vector-scalar (a scalar, or
// a per-channel [1,C,1,1] operand against NCHW, whose inner run is H*W) and scalar-vector.
//
// Results equal ref bit for bit (IEEE add/sub/mul/div; max/min/prelu are selects written in
// the same order as ref, so NaN and signed zeros agree), except pow:
//   a scalar exponent of 2 -> x*x, 3 -> x*x*x, 0.5 -> sqrt (with pow's -0 and -inf cases),
//   1 -> x, -1 -> 1/x, 0 -> 1; any other exponent calls powf per element, as ref does.
// x*x, sqrt and 1/x are correctly rounded; x*x*x rounds twice (within 1 ULP of the exact
// cube). tests/kernels/test_eltwise.cpp holds pow to kUlpPowFast against ref.
// Comparisons and logic produce bytes; their "SIMD" entries are plain loops compiled for each
// ISA (the compiler vectorises them), kept in the table so every ISA has a complete one.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

#include "../../simd/arch.hpp"
#include "../../simd/vmath.hpp"
#include "params.hpp"
#include "ref.hpp"

#if LUODI_HAS_XSIMD

namespace luodi {
namespace kernels {
namespace simd_impl {

using ::luodi::simd::fbatch;

template <class Arch, BinaryOp Op>
LUODI_ALWAYS_INLINE fbatch<Arch> binary_batch(const fbatch<Arch>& a, const fbatch<Arch>& b) noexcept {
  using B = fbatch<Arch>;
  if constexpr (Op == BinaryOp::Add) {
    return a + b;
  } else if constexpr (Op == BinaryOp::Sub) {
    return a - b;
  } else if constexpr (Op == BinaryOp::Mul) {
    return a * b;
  } else if constexpr (Op == BinaryOp::Div) {
    return simd::vdiv<Arch>(a, b);  // exact on every arch (xsimd's NEON divide is an estimate)
  } else if constexpr (Op == BinaryOp::Max) {
    // xsimd's != is an ordered compare on AVX (false for NaN), so NaN is tested with isnan.
    B r = xsimd::select(a < b, b, a);
    r = xsimd::select(xsimd::isnan(b), b, r);
    return xsimd::select(xsimd::isnan(a), a, r);
  } else if constexpr (Op == BinaryOp::Min) {
    B r = xsimd::select(b < a, b, a);
    r = xsimd::select(xsimd::isnan(b), b, r);
    return xsimd::select(xsimd::isnan(a), a, r);
  } else {
    static_assert(Op == BinaryOp::PRelu, "vectorised ops: add sub mul div max min prelu");
    return xsimd::select(a < B(0.0f), b * a, a);
  }
}

// The vectorised ops; everything else takes the generic loop.
template <BinaryOp Op>
inline constexpr bool binary_vectorised_v = Op == BinaryOp::Add || Op == BinaryOp::Sub || Op == BinaryOp::Mul ||
                                            Op == BinaryOp::Div || Op == BinaryOp::Max || Op == BinaryOp::Min ||
                                            Op == BinaryOp::PRelu;

// Inner loops. A and B are either pointers (stride 1) or scalars, chosen at compile time.
template <class Arch, BinaryOp Op, bool AVec, bool BVec>
LUODI_ALWAYS_INLINE void binary_run(const float* a, const float* b, float* y, std::int64_t n) noexcept {
  using B = fbatch<Arch>;
  constexpr std::int64_t L = static_cast<std::int64_t>(B::size);
  const B as = AVec ? B(0.0f) : B(*a);
  const B bs = BVec ? B(0.0f) : B(*b);
  auto ld_a = [&](std::int64_t i) noexcept { return AVec ? B::load_unaligned(a + i) : as; };
  auto ld_b = [&](std::int64_t i) noexcept { return BVec ? B::load_unaligned(b + i) : bs; };
  std::int64_t i = 0;
  for (; i + 4 * L <= n; i += 4 * L) {
    const B r0 = binary_batch<Arch, Op>(ld_a(i), ld_b(i));
    const B r1 = binary_batch<Arch, Op>(ld_a(i + L), ld_b(i + L));
    const B r2 = binary_batch<Arch, Op>(ld_a(i + 2 * L), ld_b(i + 2 * L));
    const B r3 = binary_batch<Arch, Op>(ld_a(i + 3 * L), ld_b(i + 3 * L));
    r0.store_unaligned(y + i);
    r1.store_unaligned(y + i + L);
    r2.store_unaligned(y + i + 2 * L);
    r3.store_unaligned(y + i + 3 * L);
  }
  for (; i + L <= n; i += L) binary_batch<Arch, Op>(ld_a(i), ld_b(i)).store_unaligned(y + i);
  // The tail, element by element: ref's scalar op gives the same bits as the batch op for every
  // vectorised op (IEEE arithmetic, and max / min / prelu written as the same selects).
  for (; i < n; ++i) y[i] = ref::binary_scalar<Op, float>(AVec ? a[i] : *a, BVec ? b[i] : *b);
}

// pow with a scalar exponent: the common exponents have exact or near-exact vector forms.
// Returns false when the exponent has none (the caller then uses powf).
template <class Arch>
LUODI_ALWAYS_INLINE bool pow_scalar_exponent(const float* a, float e, float* y, std::int64_t n) noexcept {
  using B = fbatch<Arch>;
  constexpr std::int64_t L = static_cast<std::int64_t>(B::size);
  int kind;
  if (e == 2.0f) kind = 0;
  else if (e == 3.0f) kind = 1;
  else if (e == 0.5f) kind = 2;
  else if (e == 1.0f) kind = 3;
  else if (e == -1.0f) kind = 4;
  else if (e == 0.0f) kind = 5;
  else return false;
  const float inf = std::numeric_limits<float>::infinity();
  auto f = [&](const B& x) noexcept -> B {
    switch (kind) {
      case 0: return x * x;
      case 1: return x * x * x;
      case 2: {
        // pow(-0, 0.5) = +0 and pow(-inf, 0.5) = +inf, where sqrt gives -0 and NaN.
        const B s = simd::vsqrt<Arch>(x);
        return xsimd::select(x == B(0.0f), B(0.0f), xsimd::select(x == B(-inf), B(inf), s));
      }
      case 3: return x;
      case 4: return simd::vdiv<Arch>(B(1.0f), x);
      default: return B(1.0f);  // pow(x, 0) = 1, even for NaN
    }
  };
  std::int64_t i = 0;
  for (; i + L <= n; i += L) f(B::load_unaligned(a + i)).store_unaligned(y + i);
  if (i < n) {
    alignas(64) float buf[L] = {};
    const std::size_t rest = static_cast<std::size_t>(n - i);
    std::memcpy(buf, a + i, rest * sizeof(float));
    f(B::load_aligned(buf)).store_aligned(buf);
    std::memcpy(y + i, buf, rest * sizeof(float));
  }
  return true;
}

template <class Arch, BinaryOp Op>
void binary_f32(const BinaryParams& p, const float* a, const float* b, void* yv, std::int64_t e0,
                std::int64_t e1) noexcept {
  const BroadcastPlan<2>& pl = p.plan;
  const std::int64_t sa = pl.inner_stride(0), sb = pl.inner_stride(1);
  using R = ref::binary_result_t<Op, float>;
  R* y = static_cast<R*>(yv);
  for_each_segment(pl, e0, e1, [&](const std::int64_t* off, std::int64_t yo, std::int64_t i0, std::int64_t i1) noexcept {
    const float* pa = a + off[0] + i0 * sa;
    const float* pb = b + off[1] + i0 * sb;
    R* py = y + yo + i0;
    const std::int64_t n = i1 - i0;
    if constexpr (binary_vectorised_v<Op>) {
      if (sa == 1 && sb == 1) return binary_run<Arch, Op, true, true>(pa, pb, py, n);
      if (sa == 1) return binary_run<Arch, Op, true, false>(pa, pb, py, n);
      if (sb == 1) return binary_run<Arch, Op, false, true>(pa, pb, py, n);
      return binary_run<Arch, Op, false, false>(pa, pb, py, n);
    } else {
      if constexpr (Op == BinaryOp::Pow) {
        if (sa == 1 && sb == 0 && pow_scalar_exponent<Arch>(pa, *pb, py, n)) return;
      }
      for (std::int64_t i = 0; i < n; ++i) py[i] = ref::binary_scalar<Op, float>(pa[i * sa], pb[i * sb]);
    }
  });
}

// Where on 4-byte elements; the select loop is vectorised by the compiler for each ISA.
template <class Arch>
void where4(const WhereParams& p, const std::uint8_t* cond, const void* xv, const void* yv, void* outv, std::int64_t e0,
            std::int64_t e1) noexcept {
  const BroadcastPlan<3>& pl = p.plan;
  const std::int64_t sc = pl.inner_stride(0), sx = pl.inner_stride(1), sy = pl.inner_stride(2);
  const auto* x = static_cast<const std::uint32_t*>(xv);
  const auto* y = static_cast<const std::uint32_t*>(yv);
  auto* out = static_cast<std::uint32_t*>(outv);
  for_each_segment(pl, e0, e1, [&](const std::int64_t* off, std::int64_t oo, std::int64_t i0, std::int64_t i1) noexcept {
    const std::uint8_t* pc = cond + off[0] + i0 * sc;
    const std::uint32_t* px = x + off[1] + i0 * sx;
    const std::uint32_t* py = y + off[2] + i0 * sy;
    std::uint32_t* po = out + oo + i0;
    const std::int64_t n = i1 - i0;
    // Branchless (a mask from the condition byte), so that the compiler vectorises it even on
    // SSE2, which has no blend instruction, and random conditions cost no mispredictions.
    if (sc == 1 && sx == 1 && sy == 1) {
      for (std::int64_t i = 0; i < n; ++i) {
        const std::uint32_t m = 0u - static_cast<std::uint32_t>(pc[i] != 0);
        po[i] = (px[i] & m) | (py[i] & ~m);
      }
    } else {
      for (std::int64_t i = 0; i < n; ++i) {
        const std::uint32_t m = 0u - static_cast<std::uint32_t>(pc[i * sc] != 0);
        po[i] = (px[i * sx] & m) | (py[i * sy] & ~m);
      }
    }
  });
}

}  // namespace simd_impl
}  // namespace kernels
}  // namespace luodi

#endif  // LUODI_HAS_XSIMD
