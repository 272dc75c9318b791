// Softmax and LogSoftmax along one axis (ONNX opset 13 semantics: the axis alone is
// normalised; opset 1-12's "flatten from axis" is the converter's job: it is the same as
// opset 13 on a reshaped tensor).
#pragma once

#include <cstdint>

#include "../../core/shape.hpp"
#include "../../core/status.hpp"
#include "../common/shape_util.hpp"

namespace luodi {
namespace kernels {

struct SoftmaxParams {
  std::int64_t outer = 1;  // product of dims before the axis
  std::int64_t n = 1;      // the axis
  std::int64_t inner = 1;  // product of dims after the axis: the stride of the axis
  bool log = false;        // LogSoftmax
};

inline Result<SoftmaxParams> softmax_params_make(const Shape& in, std::int64_t axis, bool log) noexcept {
  const char* op = log ? "log_softmax" : "softmax";
  LUODI_RETURN_IF_ERROR(require_static(in, op));
  if (in.rank() == 0) return Status::error(StatusCode::ShapeMismatch, "%s of a scalar: there is no axis", op);
  Result<int> ax = normalize_axis(axis, in.rank(), "softmax axis");
  if (!ax.ok()) {
    Status s = ax.status();
    return s.prepend("%s on %s: ", op, in.str().c_str());
  }
  SoftmaxParams p;
  p.outer = in.count(0, *ax);
  p.n = in[*ax];
  p.inner = in.count(*ax + 1, in.rank());
  p.log = log;
  return p;
}

}  // namespace kernels
}  // namespace luodi
