// ONNX Resize (opset 11-17) and Upsample (opset 7-9) on 4-D NCHW, resizing H and W.
//
// Coordinate transformation, for output index x of an axis with input length L_in, output
// length L_out and scale s (the given scale, or L_out / L_in when sizes are given):
//   half_pixel           (x + 0.5) / s - 0.5
//   pytorch_half_pixel   L_out > 1 ? (x + 0.5) / s - 0.5 : 0
//   align_corners        L_out > 1 ? x * (L_in - 1) / (L_out - 1) : 0 (L_out as len_h/len_w below)
//   asymmetric           x / s
//   tf_half_pixel_for_nn (x + 0.5) / s
//   tf_crop_and_resize   L_out > 1 ? r0 (L_in - 1) + x (r1 - r0)(L_in - 1) / (L_out - 1)
//                                  : (r0 + r1) / 2 (L_in - 1); outside [0, L_in - 1] the output
//                        is extrapolation_value
// Sampling at the source coordinate u (taps beyond the input repeat its edge):
//   nearest  round_prefer_floor ceil(u - 0.5), round_prefer_ceil floor(u + 0.5), floor, ceil
//   linear   (1 - r) f[floor u] + r f[floor u + 1], r = u - floor u
//   cubic    Keys' kernel with coefficient A = cubic_coeff_a on f[floor u - 1 .. floor u + 2]
// exclude_outside (linear, cubic) zeroes the weights of taps outside the input and renormalises.
// With scales, align_corners and tf_crop_and_resize take L_out as L_in * scale, unrounded, as
// the ONNX reference implementation and its test data do; PyTorch uses the integer output
// length, which differs when L_in * scale is not an integer (e.g. 0.5 on 5 pixels).
// Output size from scales: floor(L_in * scale), or floor(L_in * (r1 - r0) * scale) for
// tf_crop_and_resize; computed in double, like the ONNX reference.
// Upsample = Resize with asymmetric coordinates and floor rounding.
// Not supported (Status Unsupported): resizing N or C, ranks other than 4, antialias (opset 18),
// keep_aspect_ratio_policy, and a roi on N or C.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

#include "../../core/shape.hpp"
#include "../../core/status.hpp"
#include "../common/shape_util.hpp"

namespace luodi {
namespace kernels {

enum class ResizeMode : std::uint8_t { Nearest = 0, Linear = 1, Cubic = 2 };
enum class CoordMode : std::uint8_t {
  HalfPixel = 0,
  PytorchHalfPixel = 1,
  AlignCorners = 2,
  Asymmetric = 3,
  TfHalfPixelForNN = 4,
  TfCropAndResize = 5,
};
enum class NearestMode : std::uint8_t { RoundPreferFloor = 0, RoundPreferCeil = 1, Floor = 2, Ceil = 3 };

inline bool resize_mode_from_name(const char* s, ResizeMode* m) noexcept {
  if (std::strcmp(s, "nearest") == 0) *m = ResizeMode::Nearest;
  else if (std::strcmp(s, "linear") == 0 || std::strcmp(s, "bilinear") == 0) *m = ResizeMode::Linear;
  else if (std::strcmp(s, "cubic") == 0) *m = ResizeMode::Cubic;
  else return false;
  return true;
}
inline bool coord_mode_from_name(const char* s, CoordMode* m) noexcept {
  const char* names[] = {"half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric", "tf_half_pixel_for_nn",
                         "tf_crop_and_resize"};
  for (int i = 0; i < 6; ++i)
    if (std::strcmp(s, names[i]) == 0) {
      *m = static_cast<CoordMode>(i);
      return true;
    }
  return false;
}
inline bool nearest_mode_from_name(const char* s, NearestMode* m) noexcept {
  const char* names[] = {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"};
  for (int i = 0; i < 4; ++i)
    if (std::strcmp(s, names[i]) == 0) {
      *m = static_cast<NearestMode>(i);
      return true;
    }
  return false;
}

struct ResizeAttrs {
  ResizeMode mode = ResizeMode::Nearest;
  CoordMode coord = CoordMode::HalfPixel;
  NearestMode nearest = NearestMode::RoundPreferFloor;
  float cubic_coeff_a = -0.75f;
  bool exclude_outside = false;
  float extrapolation_value = 0.0f;
};

struct ResizeParams {
  ResizeAttrs a;
  std::int64_t n = 0, c = 0, ih = 0, iw = 0, oh = 0, ow = 0;
  float scale_h = 1.0f, scale_w = 1.0f;
  // length_resized as align_corners and tf_crop_and_resize use it: the output length when sizes
  // are given, L_in * scale when scales are (the ONNX reference and its test data do this, so a
  // scale of 0.6 on 4 pixels maps with 2.4 - 1, not 2 - 1)
  float len_h = 0.0f, len_w = 0.0f;
  float roi_h0 = 0.0f, roi_h1 = 1.0f, roi_w0 = 0.0f, roi_w1 = 1.0f;  // tf_crop_and_resize only
  Shape output_shape() const noexcept { return Shape{n, c, oh, ow}; }
};

// scales: rank entries (or null / count 0 when sizes are given); sizes: rank entries; roi:
// 2 * rank entries [starts..., ends...] (only read for tf_crop_and_resize; null means [0, 1]).
inline Result<ResizeParams> resize_params_make(const Shape& in, const ResizeAttrs& a, const float* scales, int scales_count,
                                               const std::int64_t* sizes, int sizes_count, const float* roi,
                                               int roi_count) noexcept {
  LUODI_RETURN_IF_ERROR(require_static(in, "resize input"));
  if (in.rank() != 4)
    return Status::error(StatusCode::Unsupported, "resize: input %s is not 4-D NCHW (only H and W are resized)",
                         in.str().c_str());
  if (static_cast<int>(a.mode) > 2 || static_cast<int>(a.coord) > 5 || static_cast<int>(a.nearest) > 3)
    return Status::error(StatusCode::BadAttribute, "resize: mode %d, coordinate mode %d or nearest mode %d is unknown",
                         static_cast<int>(a.mode), static_cast<int>(a.coord), static_cast<int>(a.nearest));
  const bool has_scales = scales != nullptr && scales_count > 0;
  const bool has_sizes = sizes != nullptr && sizes_count > 0;
  if (has_scales == has_sizes)
    return Status::error(StatusCode::InvalidArgument, "resize: give exactly one of scales (%d) and sizes (%d)", scales_count,
                         sizes_count);
  if ((has_scales ? scales_count : sizes_count) != 4)
    return Status::error(StatusCode::ShapeMismatch, "resize: %d %s for an input of rank 4", has_scales ? scales_count : sizes_count,
                         has_scales ? "scales" : "sizes");
  ResizeParams p;
  p.a = a;
  p.n = in[0];
  p.c = in[1];
  p.ih = in[2];
  p.iw = in[3];
  const bool crop = a.coord == CoordMode::TfCropAndResize;
  float r[8] = {0, 0, 0, 0, 1, 1, 1, 1};
  if (crop && roi != nullptr && roi_count > 0) {
    if (roi_count != 8)
      return Status::error(StatusCode::ShapeMismatch, "resize: roi has %d entries; 8 are needed for rank 4", roi_count);
    for (int i = 0; i < 8; ++i) r[i] = roi[i];
    if (r[0] != 0.0f || r[1] != 0.0f || r[4] != 1.0f || r[5] != 1.0f)
      return Status::error(StatusCode::Unsupported, "resize: a roi on N or C (%g..%g, %g..%g) is not supported", double(r[0]),
                           double(r[4]), double(r[1]), double(r[5]));
    for (int i = 0; i < 8; ++i)
      if (!std::isfinite(r[i])) return Status::error(StatusCode::BadAttribute, "resize: roi[%d] is not finite", i);
  }
  p.roi_h0 = r[2];
  p.roi_w0 = r[3];
  p.roi_h1 = r[6];
  p.roi_w1 = r[7];
  if (has_scales) {
    for (int i = 0; i < 4; ++i)
      if (!(scales[i] > 0.0f) || !std::isfinite(scales[i]) || scales[i] > 1e6f)
        return Status::error(StatusCode::BadAttribute, "resize: scale %d is %g; scales must be positive and finite", i,
                             double(scales[i]));
    if (scales[0] != 1.0f || scales[1] != 1.0f)
      return Status::error(StatusCode::Unsupported, "resize: scales (%g, %g) on N and C; only H and W can be resized",
                           double(scales[0]), double(scales[1]));
    const double eh = crop ? double(p.roi_h1) - double(p.roi_h0) : 1.0;
    const double ew = crop ? double(p.roi_w1) - double(p.roi_w0) : 1.0;
    const double oh = std::floor(double(p.ih) * eh * double(scales[2]));
    const double ow = std::floor(double(p.iw) * ew * double(scales[3]));
    if (!(oh >= 0.0) || !(ow >= 0.0) || oh > double(kMaxElements) || ow > double(kMaxElements))
      return Status::error(StatusCode::OutOfRange, "resize: output size %g x %g is out of range", oh, ow);
    p.oh = static_cast<std::int64_t>(oh);
    p.ow = static_cast<std::int64_t>(ow);
    p.scale_h = scales[2];
    p.scale_w = scales[3];
    p.len_h = static_cast<float>(p.ih) * scales[2];
    p.len_w = static_cast<float>(p.iw) * scales[3];
  } else {
    if (sizes[0] != in[0] || sizes[1] != in[1])
      return Status::error(StatusCode::Unsupported, "resize: sizes %lld x %lld for N and C differ from the input %s",
                           static_cast<long long>(sizes[0]), static_cast<long long>(sizes[1]), in.str().c_str());
    if (sizes[2] < 0 || sizes[3] < 0)
      return Status::error(StatusCode::BadAttribute, "resize: sizes (%lld, %lld) are negative", static_cast<long long>(sizes[2]),
                           static_cast<long long>(sizes[3]));
    p.oh = sizes[2];
    p.ow = sizes[3];
    p.scale_h = p.ih > 0 ? static_cast<float>(p.oh) / static_cast<float>(p.ih) : 1.0f;
    p.scale_w = p.iw > 0 ? static_cast<float>(p.ow) / static_cast<float>(p.iw) : 1.0f;
    p.len_h = static_cast<float>(p.oh);
    p.len_w = static_cast<float>(p.ow);
  }
  if ((p.oh > 0 && p.ih == 0) || (p.ow > 0 && p.iw == 0))
    return Status::error(StatusCode::ShapeMismatch, "resize: cannot resize the empty input %s to %lld x %lld", in.str().c_str(),
                         static_cast<long long>(p.oh), static_cast<long long>(p.ow));
  std::int64_t total;
  LUODI_RETURN_IF_ERROR(checked_numel(p.output_shape(), "resize output", &total));
  return p;
}

inline Result<Shape> resize_output_shape(const Shape& in, const ResizeAttrs& a, const float* scales, int scales_count,
                                         const std::int64_t* sizes, int sizes_count, const float* roi, int roi_count) noexcept {
  LUODI_ASSIGN_OR_RETURN(ResizeParams p, resize_params_make(in, a, scales, scales_count, sizes, sizes_count, roi, roi_count));
  return p.output_shape();
}

// Upsample (opset 7-9): "nearest" or "linear" with scales, asymmetric coordinates.
inline Result<ResizeParams> upsample_params_make(const Shape& in, ResizeMode mode, const float* scales, int count) noexcept {
  if (mode == ResizeMode::Cubic) return Status::error(StatusCode::BadAttribute, "upsample: mode must be nearest or linear");
  ResizeAttrs a;
  a.mode = mode;
  a.coord = CoordMode::Asymmetric;
  a.nearest = NearestMode::Floor;
  return resize_params_make(in, a, scales, count, nullptr, 0, nullptr, 0);
}

// ---- shared coordinate arithmetic (float, as the kernels compute it) -------------------------
namespace detail {
// The source coordinate of output index x along one axis; *outside is set for
// tf_crop_and_resize coordinates outside [0, in_len - 1].
LUODI_ALWAYS_INLINE float resize_source(CoordMode m, std::int64_t x, float scale, std::int64_t in_len, std::int64_t out_len,
                                        float len, float r0, float r1, bool* outside) noexcept {
  const float xf = static_cast<float>(x);
  float u = 0.0f;
  switch (m) {
    case CoordMode::HalfPixel: u = (xf + 0.5f) / scale - 0.5f; break;
    case CoordMode::PytorchHalfPixel: u = out_len > 1 ? (xf + 0.5f) / scale - 0.5f : 0.0f; break;
    case CoordMode::AlignCorners:
      u = out_len > 1 ? xf * static_cast<float>(in_len - 1) / (len - 1.0f) : 0.0f;
      break;
    case CoordMode::Asymmetric: u = xf / scale; break;
    case CoordMode::TfHalfPixelForNN: u = (xf + 0.5f) / scale; break;
    case CoordMode::TfCropAndResize: {
      const float span = static_cast<float>(in_len - 1);
      u = out_len > 1 ? r0 * span + xf * (r1 - r0) * span / (len - 1.0f) : 0.5f * (r0 + r1) * span;
      break;
    }
  }
  *outside = m == CoordMode::TfCropAndResize && (u < 0.0f || u > static_cast<float>(in_len - 1));
  return u;
}

LUODI_ALWAYS_INLINE std::int64_t clamp_index(std::int64_t i, std::int64_t n) noexcept { return i < 0 ? 0 : (i >= n ? n - 1 : i); }

LUODI_ALWAYS_INLINE std::int64_t resize_nearest_index(NearestMode m, float u, std::int64_t in_len) noexcept {
  float r;
  switch (m) {
    case NearestMode::RoundPreferFloor: r = std::ceil(u - 0.5f); break;
    case NearestMode::RoundPreferCeil: r = std::floor(u + 0.5f); break;
    case NearestMode::Floor: r = std::floor(u); break;
    default: r = std::ceil(u); break;
  }
  // r is bounded by the output length / scale; clamp in float first so the conversion is defined
  const float hi = static_cast<float>(in_len - 1);
  if (!(r > 0.0f)) r = 0.0f;
  if (r > hi) r = hi;
  return static_cast<std::int64_t>(r);
}

// Taps and weights of one output coordinate along one axis: up to 4 taps (clamped indices).
struct ResizeTaps {
  std::int64_t idx[4];
  float w[4];
  int count;
  bool outside;
};

LUODI_ALWAYS_INLINE void cubic_coeffs(float r, float A, float* c) noexcept {
  const float r1 = r + 1.0f, q = 1.0f - r, q1 = 2.0f - r;
  c[0] = ((A * r1 - 5.0f * A) * r1 + 8.0f * A) * r1 - 4.0f * A;
  c[1] = ((A + 2.0f) * r - (A + 3.0f)) * r * r + 1.0f;
  c[2] = ((A + 2.0f) * q - (A + 3.0f)) * q * q + 1.0f;
  c[3] = ((A * q1 - 5.0f * A) * q1 + 8.0f * A) * q1 - 4.0f * A;
}

LUODI_ALWAYS_INLINE ResizeTaps resize_taps(const ResizeAttrs& a, std::int64_t x, float scale, std::int64_t in_len,
                                           std::int64_t out_len, float len, float r0, float r1) noexcept {
  ResizeTaps t{};
  const float u = resize_source(a.coord, x, scale, in_len, out_len, len, r0, r1, &t.outside);
  if (a.mode == ResizeMode::Nearest) {
    t.count = 1;
    t.idx[0] = resize_nearest_index(a.nearest, u, in_len);
    t.w[0] = 1.0f;
    return t;
  }
  const float fl = std::floor(u);
  const float r = u - fl;
  // floor(u) is within [-2^24, 2^24] for any output that fits in memory; clamp before converting
  const float flc = fl < -16777216.0f ? -16777216.0f : (fl > 16777216.0f ? 16777216.0f : fl);
  const std::int64_t x0 = static_cast<std::int64_t>(flc);
  std::int64_t raw[4];
  if (a.mode == ResizeMode::Linear) {
    t.count = 2;
    raw[0] = x0;
    raw[1] = x0 + 1;
    t.w[0] = 1.0f - r;
    t.w[1] = r;
  } else {
    t.count = 4;
    for (int k = 0; k < 4; ++k) raw[k] = x0 - 1 + k;
    cubic_coeffs(r, a.cubic_coeff_a, t.w);
  }
  if (a.exclude_outside) {
    float sum = 0.0f;
    for (int k = 0; k < t.count; ++k) {
      if (raw[k] < 0 || raw[k] >= in_len) t.w[k] = 0.0f;
      sum += t.w[k];
    }
    if (sum != 0.0f)
      for (int k = 0; k < t.count; ++k) t.w[k] /= sum;
  }
  for (int k = 0; k < t.count; ++k) t.idx[k] = clamp_index(raw[k], in_len);
  return t;
}
}  // namespace detail

}  // namespace kernels
}  // namespace luodi
