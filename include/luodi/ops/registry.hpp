// The ops luodi can run, by OpCode. An op without an entry here is in ops.def (so files with it
// load) but has no kernel in this build: preparing it fails with Unsupported naming the op.
#pragma once

#include "activation.hpp"
#include "op.hpp"
#include "shape_ops.hpp"

namespace luodi {
namespace ops {

inline const OpDef* find_op(graph::OpCode op) noexcept {
  using graph::OpCode;
  switch (op) {
    case OpCode::Relu:
    case OpCode::Clip:
    case OpCode::LeakyRelu:
    case OpCode::Sigmoid:
    case OpCode::Tanh:
    case OpCode::HardSigmoid:
    case OpCode::HardSwish:
    case OpCode::Silu:
    case OpCode::Gelu:
    case OpCode::Exp:
    case OpCode::Erf: {
      static constexpr OpDef d{&prepare_activation, 0};
      return &d;
    }
    case OpCode::Reshape: {
      static constexpr OpDef d{&prepare_reshape, 0};
      return &d;
    }
    case OpCode::Flatten: {
      static constexpr OpDef d{&prepare_flatten, 0};
      return &d;
    }
    case OpCode::Squeeze: {
      static constexpr OpDef d{&prepare_squeeze, 0};
      return &d;
    }
    case OpCode::Unsqueeze: {
      static constexpr OpDef d{&prepare_unsqueeze, 0};
      return &d;
    }
    case OpCode::Identity: {
      static constexpr OpDef d{&prepare_identity, 0};
      return &d;
    }
    case OpCode::Dropout: {
      static constexpr OpDef d{&prepare_dropout, 0};
      return &d;
    }
    case OpCode::Shape: {
      static constexpr OpDef d{&prepare_shape, 1u};  // reads only its input's shape
      return &d;
    }
    case OpCode::ConstantOfShape: {
      static constexpr OpDef d{&prepare_constant_of_shape, 0};
      return &d;
    }
    default:
      return nullptr;
  }
}

inline bool op_supported(graph::OpCode op) noexcept { return find_op(op) != nullptr; }

// Prepare one node: find its OpDef and call it, or fail with Unsupported naming the op.
inline Status prepare_node(PrepareContext& ctx) noexcept {
  const OpDef* def = find_op(ctx.op);
  if (def == nullptr)
    return ctx.error(StatusCode::Unsupported, "op %s has no kernel in this build of luodi", ctx.op_name());
  if (ctx.num_inputs > kMaxOpInputs || ctx.num_outputs > kMaxOpOutputs)
    return ctx.error(StatusCode::Unsupported, "%d inputs and %d outputs; luodi supports up to %d and %d", ctx.num_inputs,
                     ctx.num_outputs, kMaxOpInputs, kMaxOpOutputs);
  ctx.reset_results();
  return def->prepare(ctx);
}

}  // namespace ops
}  // namespace luodi
