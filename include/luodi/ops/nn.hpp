// Ops on the pool, softmax, norm and reduce kernels: MaxPool, AveragePool, GlobalAveragePool,
// GlobalMaxPool, Softmax, LogSoftmax, BatchNormalization, InstanceNormalization,
// LayerNormalization, LRN, ReduceMean/Sum/Max/Min/L2/Prod, ArgMax, ArgMin.
#pragma once

#include "../kernels/norm/norm.hpp"
#include "../kernels/pool/pool.hpp"
#include "../kernels/reduce/reduce.hpp"
#include "../kernels/softmax/softmax.hpp"
#include "op.hpp"

namespace luodi {
namespace ops {

namespace detail {
// ONNX auto_pad strings.
inline Status read_auto_pad(const PrepareContext& ctx, kernels::AutoPad* out) noexcept {
  char s[16] = "NOTSET";
  LUODI_RETURN_IF_ERROR(ctx.attr_string("auto_pad", s, sizeof s));
  if (std::strcmp(s, "NOTSET") == 0) *out = kernels::AutoPad::NotSet;
  else if (std::strcmp(s, "SAME_UPPER") == 0) *out = kernels::AutoPad::SameUpper;
  else if (std::strcmp(s, "SAME_LOWER") == 0) *out = kernels::AutoPad::SameLower;
  else if (std::strcmp(s, "VALID") == 0) *out = kernels::AutoPad::Valid;
  else return ctx.error(StatusCode::BadAttribute, "attribute \"auto_pad\" is \"%s\" (NOTSET, SAME_UPPER, SAME_LOWER, VALID)", s);
  return Status();
}

// A spatial attribute of 1 (NCW) or 2 (NCHW) values into the kernels' [h, w] pair (index 1 is
// W; a 1-D attribute fills only W).
inline Status read_spatial(const PrepareContext& ctx, const char* name, int spatial, std::int64_t* hw, bool required,
                           std::int64_t lo) noexcept {
  std::int64_t v[4];
  std::uint32_t n = 0;
  LUODI_RETURN_IF_ERROR(ctx.attr_ints(name, v, 4, &n, required));
  if (n == 0) return Status();
  if (static_cast<int>(n) != spatial)
    return ctx.error(StatusCode::BadAttribute, "attribute \"%s\" has %u values for %d spatial dims", name,
                     static_cast<unsigned>(n), spatial);
  for (std::uint32_t i = 0; i < n; ++i)
    if (v[i] < lo || v[i] > (std::int64_t(1) << 30))
      return ctx.error(StatusCode::BadAttribute, "attribute \"%s\"[%u] is %lld", name, static_cast<unsigned>(i),
                       static_cast<long long>(v[i]));
  if (spatial == 2) {
    hw[0] = v[0];
    hw[1] = v[1];
  } else {
    hw[1] = v[0];
  }
  return Status();
}
// ONNX pads [x1_begin, x2_begin, ..., x1_end, x2_end] into [h_begin, w_begin, h_end, w_end].
inline Status read_pads(const PrepareContext& ctx, int spatial, std::int64_t* pads4) noexcept {
  std::int64_t v[4];
  std::uint32_t n = 0;
  LUODI_RETURN_IF_ERROR(ctx.attr_ints("pads", v, 4, &n));
  if (n == 0) return Status();
  if (static_cast<int>(n) != 2 * spatial)
    return ctx.error(StatusCode::BadAttribute, "attribute \"pads\" has %u values for %d spatial dims", static_cast<unsigned>(n),
                     spatial);
  for (std::uint32_t i = 0; i < n; ++i)
    if (v[i] < 0 || v[i] > (std::int64_t(1) << 30))
      return ctx.error(StatusCode::BadAttribute, "attribute \"pads\"[%u] is %lld", static_cast<unsigned>(i),
                       static_cast<long long>(v[i]));
  if (spatial == 2) {
    for (int i = 0; i < 4; ++i) pads4[i] = v[i];
  } else {
    pads4[1] = v[0];
    pads4[3] = v[1];
  }
  return Status();
}
}  // namespace detail

// ---- pooling -----------------------------------------------------------------------------------
struct PoolOpParams {
  kernels::PoolParams p;
};
inline void run_pool(const RunContext& ctx) noexcept {
  kernels::pool(ctx.p<PoolOpParams>().p, ctx.input(0), ctx.output(0), ctx.executor);
}
inline Status prepare_pool(PrepareContext& ctx) noexcept {
  LUODI_RETURN_IF_ERROR(ctx.require_f32(0, "X"));
  const Shape& in = ctx.input(0)->shape;
  using graph::OpCode;
  const bool global = ctx.op == OpCode::GlobalAveragePool || ctx.op == OpCode::GlobalMaxPool;
  const kernels::PoolKind kind =
      (ctx.op == OpCode::MaxPool || ctx.op == OpCode::GlobalMaxPool) ? kernels::PoolKind::Max : kernels::PoolKind::Average;
  Result<kernels::PoolParams> p = Status(StatusCode::Internal, "unset");
  if (global) {
    p = kernels::global_pool_params_make(in, kind);
  } else {
    if (in.rank() != 3 && in.rank() != 4)
      return ctx.error(StatusCode::Unsupported, "input %s; only NCW and NCHW pooling are supported", in.str().c_str());
    const int spatial = in.rank() - 2;
    kernels::PoolAttrs a;
    a.kind = kind;
    LUODI_RETURN_IF_ERROR(detail::read_spatial(ctx, "kernel_shape", spatial, a.kernel, true, 1));
    LUODI_RETURN_IF_ERROR(detail::read_spatial(ctx, "strides", spatial, a.strides, false, 1));
    if (kind == kernels::PoolKind::Max) LUODI_RETURN_IF_ERROR(detail::read_spatial(ctx, "dilations", spatial, a.dilations, false, 1));
    LUODI_RETURN_IF_ERROR(detail::read_pads(ctx, spatial, a.pads));
    LUODI_RETURN_IF_ERROR(detail::read_auto_pad(ctx, &a.auto_pad));
    std::int64_t ceil_mode = 0, cip = 0, storage_order = 0;
    LUODI_RETURN_IF_ERROR(ctx.attr_int("ceil_mode", &ceil_mode));
    LUODI_RETURN_IF_ERROR(ctx.attr_int("count_include_pad", &cip));
    LUODI_RETURN_IF_ERROR(ctx.attr_int("storage_order", &storage_order));
    if (storage_order != 0) return ctx.error(StatusCode::Unsupported, "storage_order %lld (column-major indices)", static_cast<long long>(storage_order));
    a.ceil_mode = ceil_mode != 0;
    a.count_include_pad = cip != 0;
    p = kernels::pool_params_make(in, a);
  }
  if (!p.ok()) return ctx.wrap(p.status());
  if (ctx.num_outputs > 1) return ctx.error(StatusCode::Unsupported, "MaxPool's Indices output is not supported");
  LUODI_RETURN_IF_ERROR(ctx.set_output(0, DType::f32, p->output_shape()));
  ctx.set_params(PoolOpParams{*p});
  ctx.run = &run_pool;
  return Status();
}

// ---- softmax -----------------------------------------------------------------------------------
inline void run_softmax(const RunContext& ctx) noexcept {
  kernels::softmax(ctx.p<kernels::SoftmaxParams>(), ctx.input(0), ctx.output(0), ctx.executor);
}
inline Status prepare_softmax(PrepareContext& ctx) noexcept {
  LUODI_RETURN_IF_ERROR(ctx.require_f32(0, "input"));
  std::int64_t axis = -1;  // opset 13
  LUODI_RETURN_IF_ERROR(ctx.attr_int("axis", &axis));
  Result<kernels::SoftmaxParams> p =
      kernels::softmax_params_make(ctx.input(0)->shape, axis, ctx.op == graph::OpCode::LogSoftmax);
  if (!p.ok()) return ctx.wrap(p.status());
  LUODI_RETURN_IF_ERROR(ctx.set_output(0, DType::f32, ctx.input(0)->shape));
  ctx.set_params(*p);
  ctx.run = &run_softmax;
  ctx.inplace_input = 0;
  return Status();
}

// ---- normalisation -----------------------------------------------------------------------------
inline void run_batch_norm(const RunContext& ctx) noexcept {
  kernels::batch_norm(ctx.p<kernels::BatchNormParams>(), ctx.input(0), ctx.input(1), ctx.input(2), ctx.input(3),
                      ctx.input(4), ctx.output(0), ctx.executor);
}
inline void run_instance_norm(const RunContext& ctx) noexcept {
  kernels::instance_norm(ctx.p<kernels::InstanceNormParams>(), ctx.input(0), ctx.input(1), ctx.input(2), ctx.output(0),
                         ctx.executor);
}
inline void run_layer_norm(const RunContext& ctx) noexcept {
  kernels::layer_norm(ctx.p<kernels::LayerNormParams>(), ctx.input(0), ctx.input(1), ctx.input(2), ctx.output(0),
                      ctx.executor);
}
inline void run_lrn(const RunContext& ctx) noexcept {
  kernels::lrn(ctx.p<kernels::LrnParams>(), ctx.input(0), ctx.output(0), ctx.executor);
}

inline Status prepare_norm(PrepareContext& ctx) noexcept {
  using graph::OpCode;
  for (int k = 0; k < ctx.num_inputs; ++k)
    if (ctx.has_input(k)) LUODI_RETURN_IF_ERROR(ctx.require_f32(k, "X/scale/bias"));
  LUODI_RETURN_IF_ERROR(ctx.require_input(0, "X"));
  const Shape& x = ctx.input(0)->shape;
  float eps = 1e-5f;
  LUODI_RETURN_IF_ERROR(ctx.attr_float("epsilon", &eps));
  switch (ctx.op) {
    case OpCode::BatchNormalization: {
      std::int64_t training = 0;
      LUODI_RETURN_IF_ERROR(ctx.attr_int("training_mode", &training));
      if (training) return ctx.error(StatusCode::Unsupported, "training_mode=1; luodi runs inference only");
      if (ctx.num_outputs > 1) return ctx.error(StatusCode::Unsupported, "the running mean/var outputs (training)");
      for (int k = 1; k < 5; ++k) LUODI_RETURN_IF_ERROR(ctx.require_input(k, "scale/B/mean/var"));
      Result<kernels::BatchNormParams> p = kernels::batch_norm_params_make(
          x, ctx.input(1)->shape, ctx.input(2)->shape, ctx.input(3)->shape, ctx.input(4)->shape, eps);
      if (!p.ok()) return ctx.wrap(p.status());
      ctx.set_params(*p);
      ctx.run = &run_batch_norm;
      ctx.inplace_input = 0;
      break;
    }
    case OpCode::InstanceNormalization: {
      for (int k = 1; k < 3; ++k) LUODI_RETURN_IF_ERROR(ctx.require_input(k, "scale/B"));
      Result<kernels::InstanceNormParams> p =
          kernels::instance_norm_params_make(x, ctx.input(1)->shape, ctx.input(2)->shape, eps);
      if (!p.ok()) return ctx.wrap(p.status());
      ctx.set_params(*p);
      ctx.run = &run_instance_norm;
      break;
    }
    case OpCode::LayerNormalization: {
      std::int64_t axis = -1, stash = 1;
      LUODI_RETURN_IF_ERROR(ctx.attr_int("axis", &axis));
      LUODI_RETURN_IF_ERROR(ctx.attr_int("stash_type", &stash));
      if (ctx.num_outputs > 1) return ctx.error(StatusCode::Unsupported, "the Mean/InvStdDev outputs (training)");
      LUODI_RETURN_IF_ERROR(ctx.require_input(1, "Scale"));
      Result<kernels::LayerNormParams> p = kernels::layer_norm_params_make(
          x, axis, ctx.input(1)->shape, ctx.has_input(2) ? &ctx.input(2)->shape : nullptr, eps);
      if (!p.ok()) return ctx.wrap(p.status());
      ctx.set_params(*p);
      ctx.run = &run_layer_norm;
      break;
    }
    default: {  // LRN
      std::int64_t size = 0;
      float alpha = 1e-4f, beta = 0.75f, bias = 1.0f;
      LUODI_RETURN_IF_ERROR(ctx.attr_int("size", &size, true));
      LUODI_RETURN_IF_ERROR(ctx.attr_float("alpha", &alpha));
      LUODI_RETURN_IF_ERROR(ctx.attr_float("beta", &beta));
      LUODI_RETURN_IF_ERROR(ctx.attr_float("bias", &bias));
      Result<kernels::LrnParams> p = kernels::lrn_params_make(x, size, alpha, beta, bias);
      if (!p.ok()) return ctx.wrap(p.status());
      ctx.set_params(*p);
      ctx.run = &run_lrn;
      break;
    }
  }
  return ctx.set_output(0, DType::f32, x);
}

// ---- reductions --------------------------------------------------------------------------------
struct ReduceOpParams {
  kernels::ReduceParams p;
  DType dtype;
};
inline void run_reduce(const RunContext& ctx) noexcept {
  const ReduceOpParams& p = ctx.p<ReduceOpParams>();
  (void)kernels::reduce(p.p, p.dtype, ctx.in[0], ctx.out[0], ctx.executor);
}
inline Status prepare_reduce(PrepareContext& ctx) noexcept {
  using graph::OpCode;
  using R = kernels::ReduceOp;
  LUODI_RETURN_IF_ERROR(ctx.require_input(0, "data"));
  const TensorDesc& x = *ctx.input(0);
  R op = R::Sum;
  switch (ctx.op) {
    case OpCode::ReduceMean: op = R::Mean; break;
    case OpCode::ReduceMax: op = R::Max; break;
    case OpCode::ReduceMin: op = R::Min; break;
    case OpCode::ReduceL2: op = R::L2; break;
    case OpCode::ReduceProd: op = R::Prod; break;
    default: op = R::Sum; break;
  }
  // Axes: the opset 18 input (ReduceSum since 13), or the older attribute; not both.
  std::int64_t axes[kMaxRank];
  int n = 0;
  std::uint32_t na = 0;
  LUODI_RETURN_IF_ERROR(ctx.attr_ints("axes", axes, kMaxRank, &na));
  n = static_cast<int>(na);
  if (ctx.has_input(1)) {
    if (na) return ctx.error(StatusCode::BadAttribute, "axes given both as an attribute and as input 1");
    LUODI_RETURN_IF_ERROR(ctx.read_int_values(1, "axes", axes, kMaxRank, &n));
  }
  std::int64_t keepdims = 1, noop = 0;
  LUODI_RETURN_IF_ERROR(ctx.attr_int("keepdims", &keepdims));
  LUODI_RETURN_IF_ERROR(ctx.attr_int("noop_with_empty_axes", &noop));
  Result<Shape> out = kernels::reduce_output_shape(x.shape, axes, n, keepdims != 0, noop != 0);
  if (!out.ok()) return ctx.wrap(out.status());
  Result<kernels::ReduceParams> p = kernels::reduce_params_make(op, x.dtype, x.shape, axes, n, noop != 0);
  if (!p.ok()) return ctx.wrap(p.status());
  LUODI_RETURN_IF_ERROR(ctx.set_output(0, x.dtype, *out));
  ctx.set_params(ReduceOpParams{*p, x.dtype});
  ctx.run = &run_reduce;
  return Status();
}

struct ArgReduceOpParams {
  kernels::ArgReduceParams p;
  DType dtype;
};
inline void run_arg_reduce(const RunContext& ctx) noexcept {
  const ArgReduceOpParams& p = ctx.p<ArgReduceOpParams>();
  (void)kernels::arg_reduce(p.p, p.dtype, ctx.in[0], ctx.output<std::int64_t>(0));
}
inline Status prepare_arg_reduce(PrepareContext& ctx) noexcept {
  LUODI_RETURN_IF_ERROR(ctx.require_input(0, "data"));
  const TensorDesc& x = *ctx.input(0);
  std::int64_t axis = 0, keepdims = 1, last = 0;
  LUODI_RETURN_IF_ERROR(ctx.attr_int("axis", &axis));
  LUODI_RETURN_IF_ERROR(ctx.attr_int("keepdims", &keepdims));
  LUODI_RETURN_IF_ERROR(ctx.attr_int("select_last_index", &last));
  Result<Shape> out = kernels::arg_reduce_output_shape(x.shape, axis, keepdims != 0);
  if (!out.ok()) return ctx.wrap(out.status());
  Result<kernels::ArgReduceParams> p =
      kernels::arg_reduce_params_make(x.shape, axis, ctx.op == graph::OpCode::ArgMax, last != 0);
  if (!p.ok()) return ctx.wrap(p.status());
  if (x.dtype != DType::f32 && x.dtype != DType::i32 && x.dtype != DType::i64 && x.dtype != DType::u8 &&
      x.dtype != DType::i8)
    return ctx.error(StatusCode::Unsupported, "%s of %s", ctx.op_name(), dtype_name(x.dtype));
  LUODI_RETURN_IF_ERROR(ctx.set_output(0, DType::i64, *out));
  ctx.set_params(ArgReduceOpParams{*p, x.dtype});
  ctx.run = &run_arg_reduce;
  return Status();
}

}  // namespace ops
}  // namespace luodi
