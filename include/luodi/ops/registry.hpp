// The ops luodi can run, by OpCode. An op without an entry here is in ops.def (so files with it
// load) but has no kernel in this build: preparing it fails with Unsupported naming the op.
#pragma once

#include "activation.hpp"
#include "conv.hpp"
#include "eltwise.hpp"
#include "movement.hpp"
#include "nn.hpp"
#include "op.hpp"
#include "resize.hpp"
#include "shape_ops.hpp"

namespace luodi {
namespace ops {

inline const OpDef* find_op(graph::OpCode op) noexcept {
  using graph::OpCode;
#define LUODI_OPDEF(fn, shape_only) \
  {                                 \
    static constexpr OpDef d{&fn, shape_only}; \
    return &d;                      \
  }
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
    case OpCode::Erf:
    case OpCode::Elu:
    case OpCode::Selu:
    case OpCode::Softplus:
    case OpCode::Mish:
    case OpCode::Sqrt:
    case OpCode::Reciprocal:
    case OpCode::Abs:
    case OpCode::Neg:
    case OpCode::Floor:
    case OpCode::Ceil:
    case OpCode::Round:
    case OpCode::Log: LUODI_OPDEF(prepare_activation, 0)
    case OpCode::Add:
    case OpCode::Sub:
    case OpCode::Mul:
    case OpCode::Div:
    case OpCode::Pow:
    case OpCode::Max:
    case OpCode::Min:
    case OpCode::Sum:
    case OpCode::Mean:
    case OpCode::PRelu:
    case OpCode::Equal:
    case OpCode::Less:
    case OpCode::Greater: LUODI_OPDEF(prepare_binary, 0)
    case OpCode::Where: LUODI_OPDEF(prepare_where, 0)
    case OpCode::Conv: LUODI_OPDEF(prepare_conv, 0)
    case OpCode::ConvTranspose: LUODI_OPDEF(prepare_conv_transpose, 0)
    case OpCode::Gemm: LUODI_OPDEF(prepare_gemm, 0)
    case OpCode::MatMul: LUODI_OPDEF(prepare_matmul, 0)
    case OpCode::MaxPool:
    case OpCode::AveragePool:
    case OpCode::GlobalAveragePool:
    case OpCode::GlobalMaxPool: LUODI_OPDEF(prepare_pool, 0)
    case OpCode::Softmax:
    case OpCode::LogSoftmax: LUODI_OPDEF(prepare_softmax, 0)
    case OpCode::BatchNormalization:
    case OpCode::InstanceNormalization:
    case OpCode::LayerNormalization:
    case OpCode::LRN: LUODI_OPDEF(prepare_norm, 0)
    case OpCode::ReduceMean:
    case OpCode::ReduceSum:
    case OpCode::ReduceMax:
    case OpCode::ReduceMin:
    case OpCode::ReduceL2:
    case OpCode::ReduceProd: LUODI_OPDEF(prepare_reduce, 0)
    case OpCode::ArgMax:
    case OpCode::ArgMin: LUODI_OPDEF(prepare_arg_reduce, 0)
    case OpCode::Resize: LUODI_OPDEF(prepare_resize, 0)
    case OpCode::Transpose: LUODI_OPDEF(prepare_transpose, 0)
    case OpCode::Concat: LUODI_OPDEF(prepare_concat, 0)
    case OpCode::Split: LUODI_OPDEF(prepare_split, 0)
    case OpCode::Slice: LUODI_OPDEF(prepare_slice, 0)
    case OpCode::Pad: LUODI_OPDEF(prepare_pad, 0)
    case OpCode::Gather: LUODI_OPDEF(prepare_gather, 0)
    case OpCode::Tile: LUODI_OPDEF(prepare_tile, 0)
    case OpCode::Expand: LUODI_OPDEF(prepare_expand, 0)
    case OpCode::Cast: LUODI_OPDEF(prepare_cast, 0)
    case OpCode::DepthToSpace:
    case OpCode::SpaceToDepth: LUODI_OPDEF(prepare_depth_space, 0)
    case OpCode::Reshape: LUODI_OPDEF(prepare_reshape, 0)
    case OpCode::Flatten: LUODI_OPDEF(prepare_flatten, 0)
    case OpCode::Squeeze: LUODI_OPDEF(prepare_squeeze, 0)
    case OpCode::Unsqueeze: LUODI_OPDEF(prepare_unsqueeze, 0)
    case OpCode::Identity: LUODI_OPDEF(prepare_identity, 0)
    case OpCode::Dropout: LUODI_OPDEF(prepare_dropout, 0)
    case OpCode::Shape: LUODI_OPDEF(prepare_shape, 1u)  // reads only its input's shape
    case OpCode::ConstantOfShape: LUODI_OPDEF(prepare_constant_of_shape, 0)
    case OpCode::Range: LUODI_OPDEF(prepare_range, 0)
    default: return nullptr;
  }
#undef LUODI_OPDEF
}

inline bool op_supported(graph::OpCode op) noexcept { return find_op(op) != nullptr; }

// Prepare one node: find its OpDef and call it, or fail with Unsupported naming the op.
inline Status prepare_node(PrepareContext& ctx) noexcept {
  const OpDef* def = find_op(ctx.op);
  if (def == nullptr)
    return ctx.error(StatusCode::Unsupported, "op %s has no kernel in this build of luodi", ctx.op_name());
  LUODI_RETURN_IF_ERROR(ctx.check_io_counts());
  ctx.reset_results();
  return def->prepare(ctx);
}

}  // namespace ops
}  // namespace luodi
