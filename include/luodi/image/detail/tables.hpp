// Coefficient tables of resize and warp, computed as OpenCV 4.6 computes them.
//
// These are the numerics that decide whether a deployed model sees the pixels it was trained
// on, so each rule is stated next to its code. All of it runs in the drivers (never in the
// per-ISA kernel translation units). Scales are doubles, sub-pixel positions are floats and
// roundings are round-half-to-even, because that is what OpenCV does; changing any of them
// changes pixels.
#pragma once

#include <cfloat>
#include <cmath>
#include <cstdint>

#include "params.hpp"

namespace luodi {
namespace image {
namespace detail {

// OpenCV's cvRound / saturate_cast<int>(double): nearest, ties to even.
inline int round_even(double v) noexcept {
  const double r = std::nearbyint(v);
  if (r >= 2147483647.0) return 2147483647;
  if (r <= -2147483648.0) return -2147483647 - 1;
  return static_cast<int>(r);
}
// Adding and subtracting 1.5 * 2^23 rounds a float below 2^22 in magnitude to an integer in the
// current rounding mode, as nearbyint does, without its libm call (two per output column).
inline float round_even_small(float x) noexcept {
  constexpr float kMagic = 12582912.0f;
  if (!(std::fabs(x) < 4194304.0f)) return std::nearbyint(x);
  volatile float t = x + kMagic;  // volatile: no compiler may fold the pair away
  return t - kMagic;
}
// floor() for floats in int range, without a libm call.
inline int floor_int(float f) noexcept {
  const int i = static_cast<int>(f);
  return static_cast<float>(i) > f ? i - 1 : i;
}
inline std::int16_t round_even_q11(float v) noexcept {
  const float r = round_even_small(v * static_cast<float>(kResizeCoefScale));
  return static_cast<std::int16_t>(r < -32768.0f ? -32768.0f : (r > 32767.0f ? 32767.0f : r));
}
inline int clamp_index(int i, int n) noexcept { return i < 0 ? 0 : (i >= n ? n - 1 : i); }

// The scale factors of a resize from s to d pixels along one axis: inv = d/s, scale = 1/inv,
// both double, exactly as cv::resize derives them from dsize.
struct AxisScale {
  double inv;
  double scale;
};
inline AxisScale axis_scale(int s, int d) noexcept {
  const double inv = static_cast<double>(d) / s;
  return AxisScale{inv, 1.0 / inv};
}

// Nearest: source index floor(d * scale), clamped to the last pixel.
inline int nn_index(int d, const AxisScale& a, int s) noexcept {
  const int i = static_cast<int>(std::floor(d * a.scale));
  return i < s - 1 ? i : s - 1;
}

// One axis of a bilinear resize: two source indices and their Q11 weights.
struct LinearAxisTap {
  int i0;
  int i1;
  int w0;
  int w1;
};

// Linear (and INTER_AREA up-scaling, `area_mode`) along x: OpenCV clamps the position to the
// image on this axis (weight 0 beyond the edges).
//   linear: f = (float)((d + 0.5) * scale - 0.5), i = floor(f), f -= i
//   area:   i = floor(d * scale), f = (float)((d + 1) - (i + 1) * inv), f = f <= 0 ? 0 : f - floor(f)
inline LinearAxisTap linear_tap_x(int d, const AxisScale& a, int s, bool area_mode) noexcept {
  int i;
  float f;
  if (!area_mode) {
    f = static_cast<float>((d + 0.5) * a.scale - 0.5);
    i = floor_int(f);  // f is in [-0.5, 32767]
    f -= static_cast<float>(i);
  } else {
    i = static_cast<int>(std::floor(d * a.scale));
    f = static_cast<float>((d + 1) - (i + 1) * a.inv);
    f = f <= 0.0f ? 0.0f : f - std::floor(f);
  }
  if (i < 0) {
    f = 0.0f;
    i = 0;
  }
  if (i >= s - 1) {
    f = 0.0f;
    i = s - 1;
  }
  const int i1 = i + 1 < s ? i + 1 : i;
  return LinearAxisTap{i, i1, round_even_q11(1.0f - f), round_even_q11(f)};
}

// Along y OpenCV keeps the fractional weight at the edges and clamps only the row indices, so
// the first and last output rows blend a row with itself (which matters with its rounding).
inline LinearAxisTap linear_tap_y(int d, const AxisScale& a, int s, bool area_mode) noexcept {
  int i;
  float f;
  if (!area_mode) {
    f = static_cast<float>((d + 0.5) * a.scale - 0.5);
    i = floor_int(f);  // f is in [-0.5, 32767]
    f -= static_cast<float>(i);
  } else {
    i = static_cast<int>(std::floor(d * a.scale));
    f = static_cast<float>((d + 1) - (i + 1) * a.inv);
    f = f <= 0.0f ? 0.0f : f - std::floor(f);
  }
  return LinearAxisTap{clamp_index(i, s), clamp_index(i + 1, s), round_even_q11(1.0f - f), round_even_q11(f)};
}

// Area down-scaling (scale >= 1 on both axes): output pixel d covers [d*scale, (d+1)*scale).
// Partial source pixels at either end get their covered fraction (ignored below 1e-3), whole
// pixels get 1/cell, all divided by the cell width, which is cut at the image edge.
inline AreaRows area_cell(int d, double scale, int s) noexcept {
  const double f1 = d * scale, f2 = f1 + scale;
  const double cell = std::fmin(scale, s - f1);
  int i1 = static_cast<int>(std::ceil(f1)), i2 = static_cast<int>(std::floor(f2));
  if (i2 > s - 1) i2 = s - 1;
  if (i1 > i2) i1 = i2;
  AreaRows r{};
  r.mid0 = i1;
  r.nmid = i2 - i1;
  r.wm = static_cast<float>(1.0 / cell);
  if (i1 - f1 > 1e-3) {
    r.first = i1 - 1;
    r.wf = static_cast<float>((i1 - f1) / cell);
  } else {
    r.first = i1;
    r.wf = 0.0f;
  }
  if (f2 - i2 > 1e-3) {
    r.last = i2;
    r.wl = static_cast<float>(std::fmin(std::fmin(f2 - i2, 1.0), cell) / cell);
  } else {
    r.last = i2;
    r.wl = 0.0f;
  }
  return r;
}

// Whether cv::resize takes its integer-factor area path: both scales within DBL_EPSILON of
// an integer (rounded as saturate_cast<int> does).
inline bool area_fast(const AxisScale& x, const AxisScale& y, int* kx, int* ky) noexcept {
  *kx = round_even(x.scale);
  *ky = round_even(y.scale);
  return std::fabs(x.scale - *kx) < DBL_EPSILON && std::fabs(y.scale - *ky) < DBL_EPSILON;
}

}  // namespace detail
}  // namespace image
}  // namespace luodi
