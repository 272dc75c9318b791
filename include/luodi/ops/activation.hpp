// Ops on the activation kernels (kernels/activation): Relu, Clip, LeakyRelu, Sigmoid, Tanh,
// HardSigmoid, HardSwish, Silu, Gelu, Exp, Erf. f32, any shape, in place allowed.
#pragma once

#include <cmath>

#include "../kernels/activation/activation.hpp"
#include "op.hpp"

namespace luodi {
namespace ops {

struct ActivationOpParams {
  kernels::ActivationFn fn = nullptr;
  kernels::ActivationParams p;
  std::int64_t n = 0;
};

inline void run_activation(const RunContext& ctx) noexcept {
  const ActivationOpParams& p = ctx.p<ActivationOpParams>();
  const float* x = ctx.input(0);
  float* y = ctx.output(0);
  // Chunks of at least 16K elements: below that a thread costs more than it saves.
  parallel_for(
      p.n, [&](std::int64_t b, std::int64_t e) { p.fn(x + b, y + b, static_cast<std::size_t>(e - b), p.p); },
      ctx.executor, 1 << 14);
}

// Which activation an op is, with its parameters from the attributes / constant inputs.
inline Status activation_of(PrepareContext& ctx, kernels::ActivationKind* kind, kernels::ActivationParams* ap) noexcept {
  using graph::OpCode;
  using K = kernels::ActivationKind;
  switch (ctx.op) {
    case OpCode::Relu: *kind = K::Relu; break;
    case OpCode::Sigmoid: *kind = K::Sigmoid; break;
    case OpCode::Tanh: *kind = K::Tanh; break;
    case OpCode::HardSwish: *kind = K::HardSwish; break;
    case OpCode::Silu: *kind = K::Silu; break;
    case OpCode::Exp: *kind = K::Exp; break;
    case OpCode::Erf: *kind = K::Erf; break;
    case OpCode::Gelu: {
      *kind = K::Gelu;
      char approx[16] = "none";
      LUODI_RETURN_IF_ERROR(ctx.attr_string("approximate", approx, sizeof approx));
      if (std::strcmp(approx, "none") != 0)
        return ctx.error(StatusCode::Unsupported, "attribute \"approximate\" is \"%s\"; only \"none\" (erf) is supported",
                         approx);
      break;
    }
    case OpCode::LeakyRelu: *kind = K::LeakyRelu; break;
    case OpCode::HardSigmoid: *kind = K::HardSigmoid; break;
    case OpCode::Clip: *kind = K::Clip; break;
    case OpCode::Elu: *kind = K::Elu; break;
    case OpCode::Selu: *kind = K::Selu; break;
    case OpCode::Softplus: *kind = K::Softplus; break;
    case OpCode::Mish: *kind = K::Mish; break;
    case OpCode::Sqrt: *kind = K::Sqrt; break;
    case OpCode::Reciprocal: *kind = K::Reciprocal; break;
    case OpCode::Abs: *kind = K::Abs; break;
    case OpCode::Neg: *kind = K::Neg; break;
    case OpCode::Floor: *kind = K::Floor; break;
    case OpCode::Ceil: *kind = K::Ceil; break;
    case OpCode::Round: *kind = K::Round; break;
    case OpCode::Log: *kind = K::Log; break;
    default: return ctx.error(StatusCode::Internal, "not an activation op");
  }
  // The family's defaults are ONNX's (LeakyRelu 0.01, HardSigmoid 0.2/0.5, HardSwish 1/6, 1/2).
  *ap = kernels::activation_defaults(*kind);
  if (*kind == K::LeakyRelu || *kind == K::Elu) {
    LUODI_RETURN_IF_ERROR(ctx.attr_float("alpha", &ap->alpha));
  } else if (*kind == K::Selu) {
    // The kernel's beta is ONNX's gamma (the scale).
    LUODI_RETURN_IF_ERROR(ctx.attr_float("alpha", &ap->alpha));
    LUODI_RETURN_IF_ERROR(ctx.attr_float("gamma", &ap->beta));
  } else if (*kind == K::HardSigmoid) {
    LUODI_RETURN_IF_ERROR(ctx.attr_float("alpha", &ap->alpha));
    LUODI_RETURN_IF_ERROR(ctx.attr_float("beta", &ap->beta));
  } else if (*kind == K::Clip) {
    // Clip(x, [min], [max]); absent bounds are -inf / +inf. The bounds must be known now.
    ap->alpha = -INFINITY;
    ap->beta = INFINITY;
    for (int k = 1; k <= 2; ++k) {
      if (!ctx.has_input(k)) continue;
      const char* what = k == 1 ? "min" : "max";
      LUODI_RETURN_IF_ERROR(ctx.require_value(k, what));
      const TensorDesc& t = *ctx.input(k);
      if (t.dtype != DType::f32 || t.numel() != 1)
        return ctx.error(StatusCode::ShapeMismatch, "input %d (%s) must be one f32 value; it is %s %s", k, what,
                         dtype_name(t.dtype), t.shape.str().c_str());
      float v;
      std::memcpy(&v, t.data, 4);
      (k == 1 ? ap->alpha : ap->beta) = v;
    }
  }
  return Status();
}

inline Status prepare_activation(PrepareContext& ctx) noexcept {
  LUODI_RETURN_IF_ERROR(ctx.require_f32(0, "X"));
  kernels::ActivationKind kind;
  ActivationOpParams p;
  LUODI_RETURN_IF_ERROR(activation_of(ctx, &kind, &p.p));
  p.fn = kernels::activation_kernels(ctx.isa).fn[static_cast<int>(kind)];
  p.n = ctx.input(0)->numel();
  LUODI_RETURN_IF_ERROR(ctx.set_output(0, DType::f32, ctx.input(0)->shape));
  ctx.set_params(p);
  ctx.run = &run_activation;
  ctx.inplace_input = 0;
  return Status();
}

}  // namespace ops
}  // namespace luodi
