// Vector math on xsimd batches: exp, tanh, erf, the erfc tail, sigmoid, and the pieces the
// activation kernels build on.
//
// Accuracy against the exact result (double precision), as the maximum over all 2^32 float
// inputs (tests/kernels/test_activation.cpp, LUODI_TEST_EXHAUSTIVE=1), and the bound the
// default test enforces on a sweep of the whole range:
//
//   function   measured max   stated bound   notes
//   exp        1.03 ULP       1.5 ULP        +inf above 88.72284; subnormal results rounded once
//   tanh       1.33 ULP       1.5 ULP
//   sigmoid    2.40 ULP       3 ULP          accurate in both tails (no 1 - x cancellation)
//   erf        2.76 ULP       3 ULP
//   silu       3.39 ULP       4 ULP
//   gelu       5.32 ULP       6 ULP          with y = x/sqrt 2 rounded to float, as PyTorch does
//   log        0.80 ULP*      1 ULP          subnormal inputs rescaled; log(0) = -inf, log(x<0) = NaN
//   expm1 (elu 0.95, selu 2.19 ULP)          x + x^2 P(x) near 0, 2^n expm1(r) + 2^n - 1 beyond
//   softplus   1.99 ULP       2 ULP          max(x, 0) + log1p(exp(-|x|)); log1p = log(1+u) + c/(1+u)
//   mish       4.65 ULP       5 ULP          x * n / (n + 2), n = e^x (e^x + 2): no log, no tanh
// (* over every 61st float pattern, 70M inputs per ISA; the exhaustive test covers them too.)
// Where sigmoid(x), (1 + erf(y))/2 or tanh(softplus(x)) is itself subnormal, silu/gelu/mish carry an absolute error up to
// (2 + |x|) * 2^-148 instead. The same figures hold on sse2 (no FMA: the range reductions are
// exact without it), AVX2, AVX-512 and NEON. NaN in gives NaN out; +-Inf give the limits.
// exp, tanh, sigmoid and silu were re-measured exhaustively on sse2, AVX2 and AVX-512 after the
// in-range fast paths below (the same maxima on all three, but exp 0.99 on sse2); on NEON by the
// default sweep, which gives the same maxima there as on x86.
//
// The approximations are polynomials fitted for luodi by tools/vmath/fit_coefficients.py.
// exp uses the Cody-Waite split of ln 2 (Cody & Waite, 1980) so that x - n*ln2 is exact.
// log follows the classic reduction to m in [sqrt(2)/2, sqrt(2)) and log(1 + f) = 2 atanh(s),
// s = f / (2 + f), evaluated as f - f^2/2 + s (f^2/2 + R(s^2)) so that the rounding of s is
// damped (the arrangement of Sun's fdlibm; the polynomial R is luodi's own fit).
#pragma once

#include "../config.hpp"
#include "arch.hpp"

#include <cstdint>
#include <limits>
#include <type_traits>

#if LUODI_HAS_XSIMD

namespace luodi {
namespace simd {

// a / b, correctly rounded on every arch. xsimd 8.1 divides floats on AArch64 with a reciprocal
// estimate and two Newton steps (up to ~2 ULP off); AArch64 has an exact vector divide, so use it.
template <class Arch>
LUODI_ALWAYS_INLINE fbatch<Arch> vdiv(const fbatch<Arch>& a, const fbatch<Arch>& b) noexcept {
#if defined(__aarch64__) || defined(_M_ARM64)
  if constexpr (std::is_base_of<xsimd::neon64, Arch>::value) {
    return fbatch<Arch>(vdivq_f32(a, b));
  } else {
    return a / b;
  }
#else
  return a / b;
#endif
}

// Correctly rounded square root on every ISA. xsimd 8.1's sqrt on AArch64 is an estimate
// refined by Newton steps: not correctly rounded for subnormals, and NaN for +inf (found by the
// exhaustive unary test under qemu-aarch64). FSQRT (vsqrtq_f32) is exact.
template <class Arch>
LUODI_ALWAYS_INLINE fbatch<Arch> vsqrt(const fbatch<Arch>& x) noexcept {
#if defined(__aarch64__) || defined(_M_ARM64)
  if constexpr (std::is_base_of<xsimd::neon64, Arch>::value) {
    return fbatch<Arch>(vsqrtq_f32(x));
  } else {
    return xsimd::sqrt(x);
  }
#else
  return xsimd::sqrt(x);
#endif
}

// 2^n for integer-valued n in [-126, 127], built in the exponent field.
template <class Arch>
LUODI_ALWAYS_INLINE fbatch<Arch> pow2i(const ibatch<Arch>& n) noexcept {
  return xsimd::bitwise_cast<fbatch<Arch>>((n + ibatch<Arch>(127)) << 23);
}

// expm1(r) for r = x - n ln2 (|r| <= 0.3466), the part every exp-based function here shares.
// Cody-Waite: ln2 = C1 + C2 with C1 having 9 significant bits, so n*C1 is exact and x - n*C1 is
// exact (Sterbenz), with or without FMA. Then e^r - 1 = r + r^2 P(r).
template <class Arch>
LUODI_ALWAYS_INLINE fbatch<Arch> expm1_reduced(const fbatch<Arch>& n, const fbatch<Arch>& x) noexcept {
  using B = fbatch<Arch>;
  B r = xsimd::fnma(n, B(0.693359375f), x);
  r = xsimd::fnma(n, B(-2.12194440e-4f), r);
  B p = B(0.0013814599951729178f);
  p = xsimd::fma(p, r, B(0.008368715643882751f));
  p = xsimd::fma(p, r, B(0.04166838899254799f));
  p = xsimd::fma(p, r, B(0.1666652113199234f));
  p = xsimd::fma(p, r, B(0.4999999403953552f));
  return xsimd::fma(p * r, r, r);
}

// e^x for every input: overflow to +inf, subnormal results rounded once, 0 below, NaN kept.
// vexp takes this path only for batches with a lane outside [-87, 87].
template <class Arch>
LUODI_ALWAYS_INLINE fbatch<Arch> vexp_full(const fbatch<Arch>& x) noexcept {
  using B = fbatch<Arch>;
  using I = ibatch<Arch>;
  const B hi_limit(88.72283935546875f);   // largest x with finite exp(x)
  const B lo_limit(-103.97208404541015625f);  // below this exp(x) rounds to 0
  const B xc = xsimd::min(xsimd::max(x, lo_limit), hi_limit);  // NaN handled at the end
  const B n = xsimd::nearbyint(xc * B(1.44269504088896341f));  // round(x / ln2)
  const B p = expm1_reduced<Arch>(n, xc) + B(1.0f);  // e^r
  // Scale by 2^n in two steps so that n in [-150, 128] never leaves the exponent range and a
  // subnormal result is rounded only once, at the final multiply.
  const I ni = xsimd::to_int(n);
  const I n1 = ni >> 1;  // arithmetic shift: floor(n/2)
  const I n2 = ni - n1;
  B y = p * pow2i<Arch>(n1) * pow2i<Arch>(n2);
  y = xsimd::select(x > hi_limit, B(std::numeric_limits<float>::infinity()), y);
  y = xsimd::select(x < lo_limit, B(0.0f), y);
  return xsimd::select(xsimd::isnan(x), x, y);
}

// e^x for |x| <= 87 only; any other input (NaN included) gives an unspecified value, so callers
// check the range or clamp. On that range n = round(x/ln2) lies in [-126, 126] and 2^n p is a
// normal float, so the scaling is an integer add to p's exponent field. n is found by adding
// 1.5 * 2^23: the sum rounds x/ln2 to an integer that sits in its low mantissa bits, so n << 23
// is the sum's bit pattern shifted left by 23 (the shifter's own bits shift out).
template <class Arch>
LUODI_ALWAYS_INLINE fbatch<Arch> vexp_in_range(const fbatch<Arch>& x) noexcept {
  using B = fbatch<Arch>;
  using I = ibatch<Arch>;
  const B shifter(12582912.0f);  // 1.5 * 2^23
  const B k = xsimd::fma(x, B(1.44269504088896341f), shifter);
  const B n = k - shifter;  // exact
  const B p = expm1_reduced<Arch>(n, x) + B(1.0f);  // e^r, in [0.70, 1.42]
  return xsimd::bitwise_cast<B>(xsimd::bitwise_cast<I>(p) + (xsimd::bitwise_cast<I>(k) << 23));
}

// e^x. Batches with every lane in [-87, 87] (one compare and a mask test) take vexp_in_range,
// whose results equal vexp_full's up to the choice of n at ties; the rest take vexp_full.
template <class Arch>
LUODI_ALWAYS_INLINE fbatch<Arch> vexp(const fbatch<Arch>& x) noexcept {
  using B = fbatch<Arch>;
  if (LUODI_LIKELY(xsimd::all(xsimd::abs(x) <= B(87.0f)))) return vexp_in_range<Arch>(x);  // false for NaN
  return vexp_full<Arch>(x);
}

// exp(x) for x <= 0 (softmax's x - max): one scaling step, no overflow handling; results below
// FLT_MIN (x < -87.3365) are flushed to 0, an absolute error under 1.2e-38. Otherwise as vexp
// (1 ULP). NaN in, NaN out; positive inputs are not allowed.
template <class Arch>
LUODI_ALWAYS_INLINE fbatch<Arch> vexp_nonpositive(const fbatch<Arch>& x) noexcept {
  using B = fbatch<Arch>;
  const B lo(-87.33654022216796875f);  // ln(FLT_MIN)
  const B xc = xsimd::max(x, lo);
  const B n = xsimd::nearbyint(xc * B(1.44269504088896341f));  // in [-126, 0]
  const B p = expm1_reduced<Arch>(n, xc) + B(1.0f);
  const B y = xsimd::select(x < lo, B(0.0f), p * pow2i<Arch>(xsimd::to_int(n)));
  return xsimd::select(xsimd::isnan(x), x, y);
}

// tanh: x + x^3 P(x^2) near zero; 1 - 2/(e^{2|x|} + 1) elsewhere, with the sign restored.
template <class Arch>
LUODI_ALWAYS_INLINE fbatch<Arch> vtanh(const fbatch<Arch>& x) noexcept {
  using B = fbatch<Arch>;
  const B ax = xsimd::abs(x);
  const B x2 = x * x;
  B p = B(0.0021429636981338263f);
  p = xsimd::fma(p, x2, B(-0.008177400566637516f));
  p = xsimd::fma(p, x2, B(0.021700704470276833f));
  p = xsimd::fma(p, x2, B(-0.05394676327705383f));
  p = xsimd::fma(p, x2, B(0.1333320587873459f));
  p = xsimd::fma(p, x2, B(-0.3333333134651184f));
  const B small = xsimd::fma(p * x2, x, x);
  // tanh(x) rounds to +-1 from |x| = 9.02 on, and so does 1 - 2/(e^20 + 1): clamping 2|x| at 20
  // keeps exp in range without a check.
  const B e = vexp_in_range<Arch>(xsimd::min(ax + ax, B(20.0f)));
  const B big = B(1.0f) - vdiv<Arch>(B(2.0f), e + B(1.0f));
  const B big_signed = xsimd::copysign(big, x);
  return xsimd::select(ax >= B(0.625f), big_signed, small);  // NaN: small path, which keeps it
}

// exp(-x^2), accurate even where x^2 itself would round badly: x^2 is split as xh^2 + d, where
// xh keeps the top 12 bits of x (so xh^2 is exact) and d = (x - xh)(x + xh) is small;
// exp(-x^2) = exp(-xh^2) * exp(-d), with exp(-d) from its series (|d| < 2^-6 for |x| < 11).
template <class Arch>
LUODI_ALWAYS_INLINE fbatch<Arch> vexp_neg_square(const fbatch<Arch>& x) noexcept {
  using B = fbatch<Arch>;
  using I = ibatch<Arch>;
  const B xh = xsimd::bitwise_cast<B>(xsimd::bitwise_cast<I>(x) & I(static_cast<std::int32_t>(0xFFFFF000u)));
  const B d = (x - xh) * (x + xh);
  B ed = B(1.0f / 24.0f);  // exp(-d) = 1 - d + d^2/2 - d^3/6 + d^4/24
  ed = xsimd::fma(ed, d, B(-1.0f / 6.0f));
  ed = xsimd::fma(ed, d, B(0.5f));
  ed = xsimd::fma(ed, d, B(-1.0f));
  ed = xsimd::fma(ed, d, B(1.0f));
  return vexp<Arch>(-(xh * xh)) * ed;
}

// erfc(x) for 0.5 <= x <= 4: exp(-x^2) * Q(x), Q in two pieces split at 2 (degree 10 below,
// degree 8 above, padded with zeros), each coefficient chosen per lane.
template <class Arch>
LUODI_ALWAYS_INLINE fbatch<Arch> verfc_tail(const fbatch<Arch>& x) noexcept {
  using B = fbatch<Arch>;
  const auto lower = x < B(2.0f);
  const B u = x - xsimd::select(lower, B(1.25f), B(3.0f));
#define LUODI_C(a, b) xsimd::select(lower, B(a), B(b))
  B q = LUODI_C(6.163353828014806e-05f, 0.0f);
  q = xsimd::fma(q, u, LUODI_C(-0.00019225315190851688f, 0.0f));
  q = xsimd::fma(q, u, LUODI_C(0.00047084837569855154f, 5.7988149819721e-06f));
  q = xsimd::fma(q, u, LUODI_C(-0.0013089455896988511f, -2.399667755526025e-05f));
  q = xsimd::fma(q, u, LUODI_C(0.0035533756017684937f, 8.311639976454899e-05f));
  q = xsimd::fma(q, u, LUODI_C(-0.00908578559756279f, -0.00032181901042349637f));
  q = xsimd::fma(q, u, LUODI_C(0.022011438384652138f, 0.001223126775585115f));
  q = xsimd::fma(q, u, LUODI_C(-0.05021785944700241f, -0.0044800760224461555f));
  q = xsimd::fma(q, u, LUODI_C(0.10679556429386139f, 0.01588437147438526f));
  q = xsimd::fma(q, u, LUODI_C(-0.20882189273834229f, -0.054372210055589676f));
  q = xsimd::fma(q, u, LUODI_C(0.36782291531562805f, 0.17900115251541138f));
#undef LUODI_C
  return vexp_neg_square<Arch>(x) * q;
}

// erfc(x) for 4 <= x <= 10.5: exp(-x^2) * t * R(t^2), t = 1/x. Beyond that erfc underflows.
template <class Arch>
LUODI_ALWAYS_INLINE fbatch<Arch> verfc_far(const fbatch<Arch>& x) noexcept {
  using B = fbatch<Arch>;
  const B t = vdiv<Arch>(B(1.0f), x);
  const B s = t * t;
  B r = B(-6.294240474700928f);
  r = xsimd::fma(r, s, B(3.010556936264038f));
  r = xsimd::fma(r, s, B(-1.0316157341003418f));
  r = xsimd::fma(r, s, B(0.42259448766708374f));
  r = xsimd::fma(r, s, B(-0.2820890545845032f));
  r = xsimd::fma(r, s, B(0.5641895532608032f));
  return vexp_neg_square<Arch>(x) * (t * r);
}

// erf: x P(x^2) for |x| < 0.921875; 1 - erfc(|x|) up to 4; +-1 beyond (erf(3.92) rounds to 1).
template <class Arch>
LUODI_ALWAYS_INLINE fbatch<Arch> verf(const fbatch<Arch>& x) noexcept {
  using B = fbatch<Arch>;
  const B ax = xsimd::abs(x);
  const B x2 = x * x;
  B p = B(8.370248542632908e-05f);
  p = xsimd::fma(p, x2, B(-0.0008142745355144143f));
  p = xsimd::fma(p, x2, B(0.00520103657618165f));
  p = xsimd::fma(p, x2, B(-0.026859400793910027f));
  p = xsimd::fma(p, x2, B(0.11283695697784424f));
  p = xsimd::fma(p, x2, B(-0.37612634897232056f));
  p = xsimd::fma(p, x2, B(1.128379225730896f));
  const B small = x * p;
  const auto use_small = ax < B(0.921875f);
  if (xsimd::all(use_small)) return small;  // the common case: skip the tail entirely
  const B tail = B(1.0f) - verfc_tail<Arch>(xsimd::min(xsimd::max(ax, B(0.5f)), B(4.0f)));
  B big = xsimd::select(ax < B(4.0f), tail, B(1.0f));
  big = xsimd::copysign(big, x);
  const B y = xsimd::select(use_small, small, big);
  return xsimd::select(xsimd::isnan(x), x, y);
}

// 1 / (1 + e^-x), computed from e = e^-|x| so that neither tail cancels:
// x >= 0: 1/(1+e); x < 0: e/(1+e). e^-|x| never overflows; when every lane has |x| <= 87 (the
// common case) it comes from vexp_in_range, and the quotient is a single division.
template <class Arch>
LUODI_ALWAYS_INLINE fbatch<Arch> vsigmoid_full(const fbatch<Arch>& x) noexcept {
  using B = fbatch<Arch>;
  const B e = vexp_full<Arch>(-xsimd::abs(x));
  const B s = vdiv<Arch>(B(1.0f), B(1.0f) + e);
  return xsimd::select(x < B(0.0f), e * s, s);  // NaN: exp(NaN) = NaN propagates
}

template <class Arch>
LUODI_ALWAYS_INLINE fbatch<Arch> vsigmoid(const fbatch<Arch>& x) noexcept {
  using B = fbatch<Arch>;
  const B t = xsimd::bitwise_or(x, B(-0.0f));  // -|x|
  if (LUODI_LIKELY(xsimd::all(t >= B(-87.0f)))) {  // false for NaN
    const B e = vexp_in_range<Arch>(t);
    return vdiv<Arch>(xsimd::select(x < B(0.0f), e, B(1.0f)), B(1.0f) + e);
  }
  return vsigmoid_full<Arch>(x);
}

// silu(x) = x * sigmoid(x), as x / (1 + e^-x) for x >= 0 and x e / (1 + e) below, e = e^-|x|:
// one rounding fewer than x * sigmoid(x). For |x| <= 87, x e is normal unless x itself is tiny
// (then it is x's own subnormal rounding, half an ULP of the result).
template <class Arch>
LUODI_ALWAYS_INLINE fbatch<Arch> vsilu(const fbatch<Arch>& x) noexcept {
  using B = fbatch<Arch>;
  const B t = xsimd::bitwise_or(x, B(-0.0f));  // -|x|
  if (LUODI_LIKELY(xsimd::all(t >= B(-87.0f)))) {
    const B e = vexp_in_range<Arch>(t);
    return vdiv<Arch>(xsimd::select(x < B(0.0f), x * e, x), B(1.0f) + e);
  }
  return x * vsigmoid_full<Arch>(x);
}

// gelu(x) = x/2 * (1 + erf(y)), y = x * (1/sqrt 2) rounded to float as PyTorch and ONNX compute it.
// Left of y = -0.5, 1 + erf(y) is computed as erfc(-y) so the tail keeps its precision.
template <class Arch>
LUODI_ALWAYS_INLINE fbatch<Arch> vgelu(const fbatch<Arch>& x) noexcept {
  using B = fbatch<Arch>;
  const B y = x * B(0.7071067690849304f);
  const auto use_left = y < B(-0.5f);
  B one_plus_erf = B(1.0f) + verf<Arch>(y);
  if (xsimd::any(use_left)) {  // only batches that reach the left tail pay for it
    const B ny = -y;
    B left = verfc_tail<Arch>(xsimd::min(xsimd::max(ny, B(0.5f)), B(4.0f)));
    const auto far = ny >= B(4.0f);
    if (xsimd::any(far))
      left = xsimd::select(far, verfc_far<Arch>(xsimd::min(xsimd::max(ny, B(4.0f)), B(10.5f))), left);
    left = xsimd::select(ny > B(10.5f), B(0.0f), left);
    one_plus_erf = xsimd::select(use_left, left, one_plus_erf);
  }
  return B(0.5f) * x * one_plus_erf;
}


// log(x). x = 2^e * m with m in [sqrt(2)/2, sqrt(2)); f = m - 1 is exact.
template <class Arch>
LUODI_ALWAYS_INLINE fbatch<Arch> vlog(const fbatch<Arch>& x) noexcept {
  using B = fbatch<Arch>;
  using I = ibatch<Arch>;
  // Subnormals: scale by 2^23 so the exponent field holds the whole exponent.
  const auto sub = x < B(std::numeric_limits<float>::min());
  const B xs = xsimd::select(sub, x * B(8388608.0f), x);
  const I bits = xsimd::bitwise_cast<I>(xs);
  B ef = xsimd::to_float((bits >> 23) - I(127));
  ef = xsimd::select(sub, ef - B(23.0f), ef);
  B m = xsimd::bitwise_cast<B>((bits & I(0x007FFFFF)) | I(0x3F800000));  // [1, 2)
  const auto big = m > B(1.41421353816986083984375f);
  m = xsimd::select(big, m * B(0.5f), m);
  ef = xsimd::select(big, ef + B(1.0f), ef);
  const B f = m - B(1.0f);
  const B s = vdiv<Arch>(f, B(2.0f) + f);
  const B z = s * s;
  B r = B(0.2358228713274002f);
  r = xsimd::fma(r, z, B(0.2853730320930481f));
  r = xsimd::fma(r, z, B(0.4000033438205719f));
  r = xsimd::fma(r, z, B(0.6666666269302368f));
  r = r * z;
  const B hfsq = B(0.5f) * f * f;
  // log = e*ln2_hi + (f - (hfsq - (s*(hfsq + R) + e*ln2_lo))); ln2_hi has 9 significant bits
  // (the Cody-Waite constant of vexp), so e*ln2_hi is exact for |e| < 2^15.
  const B lo = xsimd::fma(s, hfsq + r, ef * B(-2.12194440e-4f));
  B y = xsimd::fma(ef, B(0.693359375f), f - (hfsq - lo));
  const float inf = std::numeric_limits<float>::infinity();
  y = xsimd::select(x == B(inf), B(inf), y);
  y = xsimd::select(x == B(0.0f), B(-inf), y);
  y = xsimd::select(x < B(0.0f), B(std::numeric_limits<float>::quiet_NaN()), y);
  return xsimd::select(xsimd::isnan(x), x, y);
}

// log(1 + u) for u > -1: w = 1 + u rounded, c = u - (w - 1) its rounding error (exact, Fast2Sum
// with |1| >= |u| or w - 1 exact by Sterbenz), log1p(u) = log(w) + c / w.
template <class Arch>
LUODI_ALWAYS_INLINE fbatch<Arch> vlog1p(const fbatch<Arch>& u) noexcept {
  using B = fbatch<Arch>;
  const B w = B(1.0f) + u;
  const B c = u - (w - B(1.0f));
  const B y = vlog<Arch>(w) + vdiv<Arch>(c, w);
  // w = inf (u = inf) gives inf + 0/inf = inf; keep u's NaN
  return xsimd::select(xsimd::isnan(u), u, y);
}

// e^x - 1. n = round(x / ln2), r = x - n ln2 (Cody-Waite, exact), p = r + r^2 P(r) with exp's P,
// then 2^n p + (2^n - 1): both terms exact for n in [-126, 29], one rounding in the sum. Above
// x = 20, e^x - 1 is taken from vexp: the subtraction there costs at most one more rounding.
template <class Arch>
LUODI_ALWAYS_INLINE fbatch<Arch> vexpm1(const fbatch<Arch>& x) noexcept {
  using B = fbatch<Arch>;
  const B xc = xsimd::min(xsimd::max(x, B(-87.0f)), B(20.0f));
  const B n = xsimd::nearbyint(xc * B(1.44269504088896341f));
  const B p = expm1_reduced<Arch>(n, xc);
  const B s = pow2i<Arch>(xsimd::to_int(n));
  B y = xsimd::fma(s, p, s - B(1.0f));
  y = xsimd::select(x > B(20.0f), vexp<Arch>(x) - B(1.0f), y);
  return xsimd::select(xsimd::isnan(x), x, y);
}

// softplus(x) = log(1 + e^x) = max(x, 0) + log1p(e^-|x|)
template <class Arch>
LUODI_ALWAYS_INLINE fbatch<Arch> vsoftplus(const fbatch<Arch>& x) noexcept {
  using B = fbatch<Arch>;
  const B t = vlog1p<Arch>(vexp<Arch>(-xsimd::abs(x)));
  const B y = xsimd::select(x > B(0.0f), x, B(0.0f)) + t;
  return xsimd::select(xsimd::isnan(x), x, y);
}

// mish(x) = x tanh(softplus(x)). With e = e^x, tanh(log(1 + e)) = ((1+e)^2 - 1) / ((1+e)^2 + 1)
// = n / (n + 2), n = e (e + 2): no log, no tanh, no cancellation. Above x = 10 the factor rounds
// to 1 (and n would overflow above 44), so x is returned.
template <class Arch>
LUODI_ALWAYS_INLINE fbatch<Arch> vmish(const fbatch<Arch>& x) noexcept {
  using B = fbatch<Arch>;
  const B e = vexp<Arch>(xsimd::min(x, B(10.0f)));
  const B n = e * (e + B(2.0f));
  const B y = x * vdiv<Arch>(n, n + B(2.0f));
  return xsimd::select(x > B(10.0f), x, y);  // NaN: exp(NaN) = NaN propagates through y
}

}  // namespace simd
}  // namespace luodi

#endif  // LUODI_HAS_XSIMD
