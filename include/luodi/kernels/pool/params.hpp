// Pooling parameters and the output-size rules (ONNX MaxPool / AveragePool opset 13-17,
// GlobalMaxPool / GlobalAveragePool), for NCHW (and NCW, treated as H = 1).
//
// Output size per spatial axis, with e = (k - 1) * d + 1 the window's extent:
//   explicit pads:   floor((in + pad_begin + pad_end - e) / s) + 1, or ceil(...) + 1 with
//                    ceil_mode, where a last window that would start in the end padding is
//                    dropped (PyTorch's rule, which ONNX opset 19 adopted: exports from PyTorch
//                    assume it);
//   SAME_UPPER/LOWER: ceil(in / s), padded by max(0, (out - 1) * s + e - in), the odd one at the
//                    end (UPPER) or the beginning (LOWER);
//   VALID:           floor((in - e) / s) + 1, no padding.
// AveragePool divides by the taps inside the input (count_include_pad = 0) or inside the padded
// input (count_include_pad = 1); taps of a ceil_mode window beyond the end padding never count,
// as in PyTorch. A window with no tap in the input (possible only with unusual dilation) gives
// -inf (max) or 0 (average).
// Not supported (Status Unsupported): 3-D pooling, MaxPool's Indices output, storage_order,
// LpPool.
#pragma once

#include <cstdint>

#include "../../core/shape.hpp"
#include "../../core/status.hpp"
#include "../common/shape_util.hpp"

namespace luodi {
namespace kernels {

enum class PoolKind : std::uint8_t { Max = 0, Average = 1 };
enum class AutoPad : std::uint8_t { NotSet = 0, SameUpper = 1, SameLower = 2, Valid = 3 };

inline const char* pool_kind_name(PoolKind k) noexcept { return k == PoolKind::Max ? "max_pool" : "average_pool"; }

// The ONNX attributes. For 1-D pooling (NCW input) only index 1 of each pair is used
// (kernel {1, k}); pads are ONNX-ordered [h_begin, w_begin, h_end, w_end].
struct PoolAttrs {
  PoolKind kind = PoolKind::Max;
  std::int64_t kernel[2] = {1, 1};
  std::int64_t strides[2] = {1, 1};
  std::int64_t dilations[2] = {1, 1};
  std::int64_t pads[4] = {0, 0, 0, 0};
  AutoPad auto_pad = AutoPad::NotSet;
  bool ceil_mode = false;
  bool count_include_pad = false;
};

struct PoolParams {
  PoolKind kind = PoolKind::Max;
  std::int64_t n = 0, c = 0, ih = 0, iw = 0, oh = 0, ow = 0;
  std::int64_t kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1;
  std::int64_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  bool count_include_pad = false;
  int rank = 4;  // of the input and output: 4 (NCHW) or 3 (NCW)

  Shape output_shape() const noexcept { return rank == 4 ? Shape{n, c, oh, ow} : Shape{n, c, ow}; }
};

namespace detail {
inline Status pool_axis(const char* axis, std::int64_t in, std::int64_t k, std::int64_t s, std::int64_t d, std::int64_t* pb,
                        std::int64_t* pe, AutoPad ap, bool ceil_mode, std::int64_t* out) noexcept {
  if (k < 1 || s < 1 || d < 1 || k > (std::int64_t(1) << 31) || s > (std::int64_t(1) << 31) || d > (std::int64_t(1) << 31))
    return Status::error(StatusCode::BadAttribute, "pool: %s kernel %lld, stride %lld, dilation %lld must all be >= 1", axis,
                         static_cast<long long>(k), static_cast<long long>(s), static_cast<long long>(d));
  const std::int64_t e = (k - 1) * d + 1;
  switch (ap) {
    case AutoPad::SameUpper:
    case AutoPad::SameLower: {
      *out = (in + s - 1) / s;
      std::int64_t total = (*out - 1) * s + e - in;
      if (total < 0) total = 0;
      const std::int64_t small = total / 2;
      *pb = ap == AutoPad::SameUpper ? small : total - small;
      *pe = total - *pb;
      return Status();
    }
    case AutoPad::Valid:
      *pb = *pe = 0;
      if (in < e)
        return Status::error(StatusCode::ShapeMismatch, "pool: %s window of extent %lld exceeds the input extent %lld (VALID)",
                             axis, static_cast<long long>(e), static_cast<long long>(in));
      *out = (in - e) / s + 1;
      return Status();
    case AutoPad::NotSet: break;
  }
  if (*pb < 0 || *pe < 0)
    return Status::error(StatusCode::BadAttribute, "pool: %s pads (%lld, %lld) are negative", axis, static_cast<long long>(*pb),
                         static_cast<long long>(*pe));
  if (*pb >= e || *pe >= e)
    return Status::error(StatusCode::Unsupported,
                         "pool: %s pads (%lld, %lld) reach a whole window (extent %lld): windows entirely in the padding "
                         "have no value",
                         axis, static_cast<long long>(*pb), static_cast<long long>(*pe), static_cast<long long>(e));
  const std::int64_t total = in + *pb + *pe - e;
  if (total < 0)
    return Status::error(StatusCode::ShapeMismatch, "pool: %s window of extent %lld exceeds the padded input extent %lld", axis,
                         static_cast<long long>(e), static_cast<long long>(in + *pb + *pe));
  if (!ceil_mode) {
    *out = total / s + 1;
  } else {
    *out = (total + s - 1) / s + 1;
    if ((*out - 1) * s >= in + *pb) --*out;  // the last window would start in the end padding
  }
  return Status();
}
}  // namespace detail

inline Result<PoolParams> pool_params_make(const Shape& in, const PoolAttrs& a) noexcept {
  const char* op = pool_kind_name(a.kind);
  LUODI_RETURN_IF_ERROR(require_static(in, op));
  if (in.rank() != 4 && in.rank() != 3)
    return Status::error(StatusCode::Unsupported, "%s: input shape %s; only NCHW (4-D) and NCW (3-D) pooling are supported",
                         op, in.str().c_str());
  if (static_cast<int>(a.kind) > 1 || static_cast<int>(a.auto_pad) > 3)
    return Status::error(StatusCode::BadAttribute, "pool: kind %d / auto_pad %d unknown", static_cast<int>(a.kind),
                         static_cast<int>(a.auto_pad));
  PoolParams p;
  p.kind = a.kind;
  p.rank = in.rank();
  p.count_include_pad = a.count_include_pad;
  p.n = in[0];
  p.c = in[1];
  p.ih = in.rank() == 4 ? in[2] : 1;
  p.iw = in[in.rank() - 1];
  p.kh = in.rank() == 4 ? a.kernel[0] : 1;
  p.kw = a.kernel[1];
  p.sh = in.rank() == 4 ? a.strides[0] : 1;
  p.sw = a.strides[1];
  p.dh = in.rank() == 4 ? a.dilations[0] : 1;
  p.dw = a.dilations[1];
  p.pad_top = in.rank() == 4 ? a.pads[0] : 0;
  p.pad_bottom = in.rank() == 4 ? a.pads[2] : 0;
  p.pad_left = a.pads[1];
  p.pad_right = a.pads[3];
  if (a.kind == PoolKind::Average && (p.dh != 1 || p.dw != 1))
    return Status::error(StatusCode::Unsupported, "average_pool: dilations (%lld, %lld); AveragePool has none before opset 19",
                         static_cast<long long>(p.dh), static_cast<long long>(p.dw));
  Status s = detail::pool_axis("H", p.ih, p.kh, p.sh, p.dh, &p.pad_top, &p.pad_bottom, a.auto_pad, a.ceil_mode, &p.oh);
  if (s.ok()) s = detail::pool_axis("W", p.iw, p.kw, p.sw, p.dw, &p.pad_left, &p.pad_right, a.auto_pad, a.ceil_mode, &p.ow);
  if (!s.ok()) return s.prepend("input %s: ", in.str().c_str());
  return p;
}

inline Result<Shape> pool_output_shape(const Shape& in, const PoolAttrs& a) noexcept {
  LUODI_ASSIGN_OR_RETURN(PoolParams p, pool_params_make(in, a));
  return p.output_shape();
}

// GlobalMaxPool / GlobalAveragePool: one window over all of H x W; output N x C x 1 x 1.
inline Result<PoolParams> global_pool_params_make(const Shape& in, PoolKind kind) noexcept {
  LUODI_RETURN_IF_ERROR(require_static(in, "global pool"));
  if (in.rank() != 4 && in.rank() != 3)
    return Status::error(StatusCode::Unsupported, "global pool: input shape %s; only NCHW and NCW are supported",
                         in.str().c_str());
  PoolAttrs a;
  a.kind = kind;
  a.kernel[0] = in.rank() == 4 ? in[2] : 1;
  a.kernel[1] = in[in.rank() - 1];
  if (a.kernel[0] == 0 || a.kernel[1] == 0)
    return Status::error(StatusCode::ShapeMismatch, "global pool: input %s has an empty spatial extent", in.str().c_str());
  return pool_params_make(in, a);
}

}  // namespace kernels
}  // namespace luodi
