// Ops on the elementwise kernels (kernels/eltwise): Add, Sub, Mul, Div, Pow, PRelu, Equal,
// Less, Greater (two inputs, NumPy broadcasting), Max, Min, Sum, Mean (variadic), Where.
// f32 runs the active ISA's kernels; i32/i64/i8/u8/bool run the reference loops, which is what
// shape arithmetic at prepare time (Shape -> Mul -> Concat ...) needs.
#pragma once

#include "../kernels/eltwise/eltwise.hpp"
#include "op.hpp"

namespace luodi {
namespace ops {

// Variadic Max/Min/Sum/Mean fold their inputs left to right: out = ((in0 op in1) op in2) ...
// Each step reads the output so far and input k+1 and writes the output; the first step reads
// input 0. Steps whose "so far" operand is smaller than the output broadcast from it.
inline constexpr int kMaxVariadicInputs = 4;

struct BinaryOpParams {
  kernels::BinaryParams step[kMaxVariadicInputs - 1];
  int steps = 1;
  DType dtype = DType::f32;
  bool mean = false;  // Mean: scale by 1/count at the end
  float scale = 1.0f;
  kernels::BinaryParams scale_plan;  // Mul(out, scale) for Mean
};

inline void run_binary(const RunContext& ctx) noexcept {
  const BinaryOpParams& p = ctx.p<BinaryOpParams>();
  const void* acc = ctx.in[0];
  for (int s = 0; s < p.steps; ++s) {
    (void)kernels::binary(p.step[s], p.dtype, acc, ctx.in[s + 1], ctx.out[0], ctx.executor, ctx.isa);
    acc = ctx.out[0];
  }
  if (p.mean) (void)kernels::binary(p.scale_plan, p.dtype, ctx.out[0], &p.scale, ctx.out[0], ctx.executor, ctx.isa);
}

// Copies a single input (Max/Min/Sum/Mean of one tensor).
struct CopyParams {
  std::size_t bytes = 0;
};
inline void run_copy(const RunContext& ctx) noexcept {
  const CopyParams& p = ctx.p<CopyParams>();
  if (ctx.out[0] != ctx.in[0] && p.bytes) std::memcpy(ctx.out[0], ctx.in[0], p.bytes);
}

inline kernels::BinaryOp binary_op_of(graph::OpCode op) noexcept {
  using graph::OpCode;
  using B = kernels::BinaryOp;
  switch (op) {
    case OpCode::Add:
    case OpCode::Sum:
    case OpCode::Mean: return B::Add;
    case OpCode::Sub: return B::Sub;
    case OpCode::Mul: return B::Mul;
    case OpCode::Div: return B::Div;
    case OpCode::Pow: return B::Pow;
    case OpCode::Max: return B::Max;
    case OpCode::Min: return B::Min;
    case OpCode::PRelu: return B::PRelu;
    case OpCode::Equal: return B::Equal;
    case OpCode::Less: return B::Less;
    default: return B::Greater;
  }
}

inline Status prepare_binary(PrepareContext& ctx) noexcept {
  const kernels::BinaryOp bop = binary_op_of(ctx.op);
  const int n = ctx.num_inputs;
  for (int k = 0; k < n; ++k) LUODI_RETURN_IF_ERROR(ctx.require_input(k, "operand"));
  const DType dt = ctx.input(0)->dtype;
  for (int k = 1; k < n; ++k)
    if (ctx.input(k)->dtype != dt)
      // ONNX allows Pow's exponent another type than its base; luodi's kernels take one.
      return ctx.error(ctx.op == graph::OpCode::Pow ? StatusCode::Unsupported : StatusCode::DTypeMismatch,
                       "input %d is %s but input 0 is %s", k, dtype_name(ctx.input(k)->dtype), dtype_name(dt));
  if (n == 1) {  // Max/Min/Sum/Mean of one tensor: itself
    LUODI_RETURN_IF_ERROR(ctx.set_output(0, dt, ctx.input(0)->shape));
    ctx.set_params(CopyParams{ctx.input(0)->bytes()});
    ctx.run = &run_copy;
    ctx.inplace_input = 0;
    return Status();
  }
  if (n > kMaxVariadicInputs)
    return ctx.error(StatusCode::Unsupported, "%d inputs; at most %d are supported", n, kMaxVariadicInputs);
  // The output shape: the broadcast of all inputs.
  Shape out = ctx.input(0)->shape;
  for (int k = 1; k < n; ++k) {
    Result<Shape> s = kernels::binary_output_shape(bop, out, ctx.input(k)->shape);
    if (!s.ok()) return ctx.wrap(s.status());
    out = *s;
  }
  LUODI_RETURN_IF_ERROR(ctx.check_shape(out, "the output"));
  BinaryOpParams p;
  p.dtype = dt;
  p.steps = n - 1;
  Shape acc = ctx.input(0)->shape;
  for (int s = 0; s < p.steps; ++s) {
    Result<kernels::BinaryParams> bp = kernels::binary_params_make(bop, dt, acc, ctx.input(s + 1)->shape);
    if (!bp.ok()) return ctx.wrap(bp.status());
    p.step[s] = *bp;
    Result<Shape> next = kernels::binary_output_shape(bop, acc, ctx.input(s + 1)->shape);
    acc = *next;
    // Step s+1 reads the output written by step s while writing it: that is only safe when it
    // already has the output's shape (no broadcast of the partial result).
    if (s + 1 < p.steps && acc != out)
      return ctx.error(StatusCode::Unsupported,
                       "%d inputs whose broadcast grows after the first two (%s, then %s); reorder the inputs", n,
                       acc.str().c_str(), out.str().c_str());
  }
  if (ctx.op == graph::OpCode::Mean) {
    if (dt != DType::f32) return ctx.error(StatusCode::Unsupported, "Mean of %s; only f32", dtype_name(dt));
    p.mean = true;
    p.scale = 1.0f / static_cast<float>(n);
    Result<kernels::BinaryParams> sp = kernels::binary_params_make(kernels::BinaryOp::Mul, dt, out, Shape{});
    if (!sp.ok()) return ctx.wrap(sp.status());
    p.scale_plan = *sp;
  }
  LUODI_RETURN_IF_ERROR(ctx.set_output(0, kernels::binary_output_dtype(bop, dt), out));
  ctx.set_params(p);
  ctx.run = &run_binary;
  // In place over the first operand when it already has the output's shape and dtype (the
  // kernel allows y == a). Later steps read the output itself, which is fine for y == a too.
  if (kernels::binary_output_dtype(bop, dt) == dt) {
    if (ctx.input(0)->shape == out) ctx.inplace_input = 0;
    else if (n == 2 && ctx.input(1)->shape == out) ctx.inplace_input = 1;
  }
  return Status();
}

// ---- Where -------------------------------------------------------------------------------------
inline void run_where(const RunContext& ctx) noexcept {
  kernels::where(ctx.p<kernels::WhereParams>(), static_cast<const std::uint8_t*>(ctx.in[0]), ctx.in[1], ctx.in[2],
                 ctx.out[0], ctx.executor, ctx.isa);
}
inline Status prepare_where(PrepareContext& ctx) noexcept {
  LUODI_RETURN_IF_ERROR(ctx.require_dtype(0, DType::boolean, "condition"));
  LUODI_RETURN_IF_ERROR(ctx.require_input(1, "X"));
  LUODI_RETURN_IF_ERROR(ctx.require_input(2, "Y"));
  const DType dt = ctx.input(1)->dtype;
  if (ctx.input(2)->dtype != dt)
    return ctx.error(StatusCode::DTypeMismatch, "X is %s but Y is %s", dtype_name(dt), dtype_name(ctx.input(2)->dtype));
  Result<Shape> out = kernels::where_output_shape(ctx.input(0)->shape, ctx.input(1)->shape, ctx.input(2)->shape);
  if (!out.ok()) return ctx.wrap(out.status());
  LUODI_RETURN_IF_ERROR(ctx.set_output(0, dt, *out));
  Result<kernels::WhereParams> p =
      kernels::where_params_make(ctx.input(0)->shape, ctx.input(1)->shape, ctx.input(2)->shape, dt);
  if (!p.ok()) return ctx.wrap(p.status());
  ctx.set_params(*p);
  ctx.run = &run_where;
  return Status();
}

}  // namespace ops
}  // namespace luodi
