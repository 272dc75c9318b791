// Reductions over any set of axes (ONNX ReduceSum / Mean / Max / Min / Prod / SumSquare / L1 /
// L2 / LogSum / LogSumExp, opset 13-18), and ArgMax / ArgMin.
//
// The axes come as a list (opset 13's attribute or opset 18's input); an empty list reduces every
// axis, unless noop_with_empty_axes is set, in which case nothing is reduced and each element
// goes through the op's per-element part alone (identity for sum, square for sum_square, |x| for
// l1 and l2, log for log_sum). Reducing an empty set gives the op's identity: 0 for the sums, 1
// for prod, -inf / +inf for max / min (the type's lowest / highest for integers), NaN for a
// float mean (0 for an integer mean), -inf for log_sum and log_sum_exp.
// Integer dtypes (i32, i64) support sum, mean (truncating), max, min, prod, sum_square and l1,
// with wrap-around arithmetic; that is what shape arithmetic in exported graphs needs.
#pragma once

#include <cstdint>
#include <cstring>

#include "../../core/dtype.hpp"
#include "../../core/shape.hpp"
#include "../../core/status.hpp"
#include "../common/shape_util.hpp"

namespace luodi {
namespace kernels {

// The enum values may be stored in .luodi files: append only.
#define LUODI_REDUCE_OPS(X)        \
  X(Sum, "sum")                    \
  X(Mean, "mean")                  \
  X(Max, "max")                    \
  X(Min, "min")                    \
  X(Prod, "prod")                  \
  X(SumSquare, "sum_square")       \
  X(L1, "l1")                      \
  X(L2, "l2")                      \
  X(LogSum, "log_sum")             \
  X(LogSumExp, "log_sum_exp")

enum class ReduceOp : std::uint8_t {
#define LUODI_X(e, name) e,
  LUODI_REDUCE_OPS(LUODI_X)
#undef LUODI_X
};
inline constexpr int kReduceOpCount = 0
#define LUODI_X(e, name) +1
    LUODI_REDUCE_OPS(LUODI_X)
#undef LUODI_X
    ;

inline const char* reduce_op_name(ReduceOp op) noexcept {
  switch (op) {
#define LUODI_X(e, name) \
  case ReduceOp::e:      \
    return name;
    LUODI_REDUCE_OPS(LUODI_X)
#undef LUODI_X
  }
  return "invalid";
}
inline bool reduce_op_from_name(const char* s, ReduceOp* out) noexcept {
#define LUODI_X(e, name)           \
  if (std::strcmp(s, name) == 0) { \
    *out = ReduceOp::e;            \
    return true;                   \
  }
  LUODI_REDUCE_OPS(LUODI_X)
#undef LUODI_X
  return false;
}

inline Status reduce_check_dtype(ReduceOp op, DType t) noexcept {
  if (t == DType::f32) return Status();
  if ((t == DType::i32 || t == DType::i64) && op != ReduceOp::L2 && op != ReduceOp::LogSum && op != ReduceOp::LogSumExp)
    return Status();
  return Status::error(StatusCode::Unsupported, "reduce_%s is not supported for dtype %s", reduce_op_name(op), dtype_name(t));
}

// The reduction, collapsed: adjacent dims of the same kind (kept or reduced) are merged and dims
// of size 1 dropped, so reducing H and W of NCHW is [N*C kept, H*W reduced].
struct ReduceParams {
  ReduceOp op = ReduceOp::Sum;
  int rank = 0;
  std::int64_t dims[kMaxRank] = {};
  bool reduced[kMaxRank] = {};
  std::int64_t out_numel = 1;     // kept elements
  std::int64_t reduce_count = 1;  // elements folded into each output
};

namespace detail {
inline Result<AxisSet> reduce_axes(const Shape& in, const std::int64_t* axes, int count, bool noop_with_empty_axes) noexcept {
  AxisSet set;
  if (count == 0 || axes == nullptr) {
    if (!noop_with_empty_axes)
      for (int d = 0; d < in.rank(); ++d) set.mask |= 1u << d;
    return set;
  }
  return make_axis_set(axes, count, in.rank(), "reduce axes");
}
}  // namespace detail

inline Result<Shape> reduce_output_shape(const Shape& in, const std::int64_t* axes, int count, bool keepdims,
                                         bool noop_with_empty_axes = false) noexcept {
  LUODI_RETURN_IF_ERROR(require_static(in, "reduce input"));
  LUODI_ASSIGN_OR_RETURN(AxisSet set, detail::reduce_axes(in, axes, count, noop_with_empty_axes));
  Shape out;
  for (int d = 0; d < in.rank(); ++d) {
    if (!set.has(d)) out.push_back(in[d]);
    else if (keepdims) out.push_back(1);
  }
  return out;
}

inline Result<ReduceParams> reduce_params_make(ReduceOp op, DType dtype, const Shape& in, const std::int64_t* axes, int count,
                                               bool noop_with_empty_axes = false) noexcept {
  if (static_cast<int>(op) >= kReduceOpCount)
    return Status::error(StatusCode::InvalidArgument, "reduce op code %d is unknown", static_cast<int>(op));
  LUODI_RETURN_IF_ERROR(reduce_check_dtype(op, dtype));
  LUODI_RETURN_IF_ERROR(require_static(in, "reduce input"));
  LUODI_ASSIGN_OR_RETURN(AxisSet set, detail::reduce_axes(in, axes, count, noop_with_empty_axes));
  ReduceParams p;
  p.op = op;
  for (int d = 0; d < in.rank(); ++d) {
    const bool red = set.has(d);
    if (red) p.reduce_count *= in[d];
    else p.out_numel *= in[d];
    if (in[d] == 1) continue;
    if (p.rank > 0 && p.reduced[p.rank - 1] == red) {
      p.dims[p.rank - 1] *= in[d];
      continue;
    }
    p.dims[p.rank] = in[d];
    p.reduced[p.rank] = red;
    ++p.rank;
  }
  return p;
}

// ArgMax / ArgMin over one axis; the output is i64.
struct ArgReduceParams {
  std::int64_t outer = 1, n = 1, inner = 1;
  bool is_max = true;
  bool select_last_index = false;
};

inline Result<Shape> arg_reduce_output_shape(const Shape& in, std::int64_t axis, bool keepdims) noexcept {
  LUODI_RETURN_IF_ERROR(require_static(in, "arg reduce input"));
  LUODI_ASSIGN_OR_RETURN(const int ax, normalize_axis(axis, in.rank(), "argmax/argmin axis"));
  if (in[ax] == 0)
    return Status::error(StatusCode::ShapeMismatch, "argmax/argmin: axis %d of %s is empty", ax, in.str().c_str());
  Shape out;
  for (int d = 0; d < in.rank(); ++d) {
    if (d != ax) out.push_back(in[d]);
    else if (keepdims) out.push_back(1);
  }
  return out;
}

inline Result<ArgReduceParams> arg_reduce_params_make(const Shape& in, std::int64_t axis, bool is_max,
                                                      bool select_last_index) noexcept {
  LUODI_ASSIGN_OR_RETURN(Shape out, arg_reduce_output_shape(in, axis, true));
  (void)out;
  const int ax = *normalize_axis(axis, in.rank());
  ArgReduceParams p;
  p.outer = in.count(0, ax);
  p.n = in[ax];
  p.inner = in.count(ax + 1, in.rank());
  p.is_max = is_max;
  p.select_last_index = select_last_index;
  return p;
}

}  // namespace kernels
}  // namespace luodi
