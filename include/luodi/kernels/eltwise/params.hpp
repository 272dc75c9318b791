// Binary elementwise ops and Where, with NumPy broadcasting (ONNX opset 13-17 semantics).
//
// One list drives the enum, the names, the ref and SIMD tables, the tests and the benches.
// The enum values may be stored in .luodi files: append only, never reorder.
//
// Semantics that ONNX leaves to the implementation, fixed here so every target agrees:
//   * integer add/sub/mul/pow wrap around (two's complement), never undefined behaviour;
//   * integer div truncates toward zero (C, ONNX Runtime); x/0 gives 0 and INT_MIN/-1 gives
//     INT_MIN instead of trapping;
//   * integer pow with a negative exponent gives 0 unless the base is 1 or -1 (what truncating
//     the real result gives);
//   * float max/min propagate NaN (as numpy.maximum, torch.maximum and ONNX Runtime do);
//   * comparisons with NaN are false (IEEE), except that nothing is "equal" to NaN;
//   * prelu(x, slope) = x < 0 ? slope * x : x, with slope unidirectionally broadcast to x.
#pragma once

#include <cstdint>
#include <cstring>

#include "../../core/dtype.hpp"
#include "../../core/shape.hpp"
#include "../../core/status.hpp"
#include "../common/broadcast.hpp"

namespace luodi {
namespace kernels {

// X(Enum, name, kind): kind is Arith (T, T -> T), Compare (T, T -> bool) or Logic (bool only).
#define LUODI_BINARY_OPS(X)              \
  X(Add, "add", Arith)                   \
  X(Sub, "sub", Arith)                   \
  X(Mul, "mul", Arith)                   \
  X(Div, "div", Arith)                   \
  X(Pow, "pow", Arith)                   \
  X(Max, "max", Arith)                   \
  X(Min, "min", Arith)                   \
  X(PRelu, "prelu", Arith)               \
  X(Equal, "equal", Compare)             \
  X(Less, "less", Compare)               \
  X(Greater, "greater", Compare)         \
  X(LessOrEqual, "less_or_equal", Compare) \
  X(GreaterOrEqual, "greater_or_equal", Compare) \
  X(And, "and", Logic)                   \
  X(Or, "or", Logic)                     \
  X(Xor, "xor", Logic)

enum class BinaryOp : std::uint8_t {
#define LUODI_X(e, name, kind) e,
  LUODI_BINARY_OPS(LUODI_X)
#undef LUODI_X
};

inline constexpr int kBinaryOpCount = 0
#define LUODI_X(e, name, kind) +1
    LUODI_BINARY_OPS(LUODI_X)
#undef LUODI_X
    ;

enum class BinaryKind : std::uint8_t { Arith, Compare, Logic };

inline constexpr BinaryKind binary_kind(BinaryOp op) noexcept {
  switch (op) {
#define LUODI_X(e, name, kind) \
  case BinaryOp::e:            \
    return BinaryKind::kind;
    LUODI_BINARY_OPS(LUODI_X)
#undef LUODI_X
  }
  return BinaryKind::Arith;
}

inline const char* binary_op_name(BinaryOp op) noexcept {
  switch (op) {
#define LUODI_X(e, name, kind) \
  case BinaryOp::e:            \
    return name;
    LUODI_BINARY_OPS(LUODI_X)
#undef LUODI_X
  }
  return "invalid";
}

inline bool binary_op_from_name(const char* s, BinaryOp* out) noexcept {
#define LUODI_X(e, name, kind)     \
  if (std::strcmp(s, name) == 0) { \
    *out = BinaryOp::e;            \
    return true;                   \
  }
  LUODI_BINARY_OPS(LUODI_X)
#undef LUODI_X
  return false;
}

// The dtype of the result: bool for comparisons and logic, the input dtype otherwise.
inline constexpr DType binary_output_dtype(BinaryOp op, DType in) noexcept {
  return binary_kind(op) == BinaryKind::Arith ? in : DType::boolean;
}

// Which input dtypes an op accepts. f16 is a storage type in luodi: cast to f32 first.
inline Status binary_check_dtype(BinaryOp op, DType t) noexcept {
  const bool numeric = t == DType::f32 || t == DType::i32 || t == DType::i64 || t == DType::i8 || t == DType::u8;
  bool ok = false;
  switch (binary_kind(op)) {
    case BinaryKind::Arith: ok = numeric; break;
    case BinaryKind::Compare: ok = numeric || (op == BinaryOp::Equal && t == DType::boolean); break;
    case BinaryKind::Logic: ok = t == DType::boolean; break;
  }
  if (!ok)
    return Status::error(StatusCode::Unsupported, "%s is not defined for dtype %s%s", binary_op_name(op), dtype_name(t),
                         t == DType::f16 ? " (cast f16 to f32 first)" : "");
  return Status();
}

// Output shape: the NumPy broadcast of a and b; for prelu, x's shape (the slope must
// broadcast to it).
inline Result<Shape> binary_output_shape(BinaryOp op, const Shape& a, const Shape& b) noexcept {
  if (op == BinaryOp::PRelu) {
    LUODI_RETURN_IF_ERROR(require_static(a, "prelu input"));
    LUODI_RETURN_IF_ERROR(require_static(b, "prelu slope"));
    if (!broadcasts_to(b, a))
      return Status::error(StatusCode::ShapeMismatch, "prelu: slope of shape %s does not broadcast to the input shape %s",
                           b.str().c_str(), a.str().c_str());
    return a;
  }
  Result<Shape> r = broadcast_shapes(a, b);
  if (!r.ok()) {
    Status s = r.status();
    return s.prepend("%s: ", binary_op_name(op));
  }
  return r;
}

struct BinaryParams {
  BinaryOp op = BinaryOp::Add;
  BroadcastPlan<2> plan;  // a is operand 0, b operand 1
};

// Everything a binary kernel needs, checked: dtype, shapes, the broadcast plan.
inline Result<BinaryParams> binary_params_make(BinaryOp op, DType dtype, const Shape& a, const Shape& b) noexcept {
  if (static_cast<int>(op) >= kBinaryOpCount)
    return Status::error(StatusCode::InvalidArgument, "binary op code %d is not a known op", static_cast<int>(op));
  LUODI_RETURN_IF_ERROR(binary_check_dtype(op, dtype));
  LUODI_ASSIGN_OR_RETURN(Shape out, binary_output_shape(op, a, b));
  const Shape* in[2] = {&a, &b};
  LUODI_ASSIGN_OR_RETURN(BroadcastPlan<2> plan, make_broadcast_plan<2>(in, out));
  BinaryParams p;
  p.op = op;
  p.plan = plan;
  return p;
}

// Where(cond, x, y): out = cond ? x : y, all three broadcast together. By element size, so
// every dtype works.
struct WhereParams {
  BroadcastPlan<3> plan;  // cond, x, y
  std::uint8_t elem_size = 4;
};

inline Result<Shape> where_output_shape(const Shape& cond, const Shape& x, const Shape& y) noexcept {
  Result<Shape> r = broadcast_shapes(cond, x, y);
  if (!r.ok()) {
    Status s = r.status();
    return s.prepend("where: ");
  }
  return r;
}

inline Result<WhereParams> where_params_make(const Shape& cond, const Shape& x, const Shape& y, DType dtype) noexcept {
  LUODI_ASSIGN_OR_RETURN(Shape out, where_output_shape(cond, x, y));
  const Shape* in[3] = {&cond, &x, &y};
  LUODI_ASSIGN_OR_RETURN(BroadcastPlan<3> plan, make_broadcast_plan<3>(in, out));
  const std::size_t es = dtype_size(dtype);
  if (es == 0) return Status::error(StatusCode::InvalidArgument, "where: dtype code %d is not a dtype", static_cast<int>(dtype));
  WhereParams p;
  p.plan = plan;
  p.elem_size = static_cast<std::uint8_t>(es);
  return p;
}

}  // namespace kernels
}  // namespace luodi
