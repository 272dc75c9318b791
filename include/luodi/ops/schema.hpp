// The attributes each op accepts: names and types, ONNX opset 17 plus luodi's fusion attributes.
//
// Model loading checks every node's attributes against this table, so a file whose attribute
// has the wrong type ("group" stored as a float) or an unknown name (a converter newer than the
// runtime, or a typo) fails at load with BadAttribute naming the node, op and attribute,
// instead of being misread later. The op implementations read the values (ops/*.hpp); this is
// only the schema, one list for the loader, the converter and the docs.
//
// luodi conventions beyond ONNX (the converter writes these):
//   Conv, Gemm:        "activation" (int, kernels::ActivationKind), "activation_alpha",
//                      "activation_beta" (float): y = act(op(x) + bias + residual).
//   Cast:              "to" is a luodi::DType value (core/dtype.hpp), not an ONNX TensorProto code.
//   ConstantOfShape:   "value" is one element, as a Float/Floats (f32 output) or Int/Ints
//                      (i64 output) attribute, and "dtype" (int, luodi::DType) when the
//                      output type differs (e.g. an i32 or bool fill); absent means f32 zero.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstring>

#include "../core/status.hpp"
#include "../graph/attributes.hpp"
#include "../graph/op.hpp"

namespace luodi {
namespace ops {

// A set of allowed attribute types, as a bit mask over graph::AttrType.
using AttrTypes = std::uint8_t;
inline constexpr AttrTypes attr_bit(graph::AttrType t) noexcept {
  return static_cast<AttrTypes>(1u << static_cast<unsigned>(t));
}
inline constexpr AttrTypes kInt = attr_bit(graph::AttrType::Int);
inline constexpr AttrTypes kFloat = attr_bit(graph::AttrType::Float);
inline constexpr AttrTypes kInts = attr_bit(graph::AttrType::Ints);
inline constexpr AttrTypes kFloats = attr_bit(graph::AttrType::Floats);
inline constexpr AttrTypes kString = attr_bit(graph::AttrType::String);
// Floats may be written as ints by ONNX exporters ("alpha": 1); AttrList::read_float accepts both.
inline constexpr AttrTypes kNumber = kFloat | kInt;

struct AttrSpec {
  const char* name;
  AttrTypes types;
};

struct OpSchema {
  const AttrSpec* attrs;
  int count;
};

namespace detail {
template <int N>
constexpr OpSchema schema(const AttrSpec (&a)[N]) noexcept {
  return OpSchema{a, N};
}
inline constexpr AttrSpec kFusedAct[] = {{"activation", kInt}, {"activation_alpha", kNumber}, {"activation_beta", kNumber}};
}  // namespace detail

inline OpSchema op_schema(graph::OpCode op) noexcept {
  using graph::OpCode;
  using detail::schema;
  switch (op) {
    case OpCode::Conv: {
      static constexpr AttrSpec a[] = {{"auto_pad", kString},     {"dilations", kInts}, {"group", kInt},
                                       {"kernel_shape", kInts},   {"pads", kInts},      {"strides", kInts},
                                       {"activation", kInt},      {"activation_alpha", kNumber},
                                       {"activation_beta", kNumber}};
      return schema(a);
    }
    case OpCode::ConvTranspose: {
      static constexpr AttrSpec a[] = {{"auto_pad", kString}, {"dilations", kInts},      {"group", kInt},
                                       {"kernel_shape", kInts}, {"output_padding", kInts}, {"output_shape", kInts},
                                       {"pads", kInts},       {"strides", kInts}};
      return schema(a);
    }
    case OpCode::MaxPool: {
      static constexpr AttrSpec a[] = {{"auto_pad", kString}, {"ceil_mode", kInt}, {"dilations", kInts},
                                       {"kernel_shape", kInts}, {"pads", kInts},   {"storage_order", kInt},
                                       {"strides", kInts}};
      return schema(a);
    }
    case OpCode::AveragePool: {
      static constexpr AttrSpec a[] = {{"auto_pad", kString}, {"ceil_mode", kInt}, {"count_include_pad", kInt},
                                       {"kernel_shape", kInts}, {"pads", kInts},   {"strides", kInts}};
      return schema(a);
    }
    case OpCode::Gemm: {
      static constexpr AttrSpec a[] = {{"alpha", kNumber},     {"beta", kNumber},           {"transA", kInt},
                                       {"transB", kInt},       {"activation", kInt},        {"activation_alpha", kNumber},
                                       {"activation_beta", kNumber}};
      return schema(a);
    }
    case OpCode::LeakyRelu:
    case OpCode::Elu: {
      static constexpr AttrSpec a[] = {{"alpha", kNumber}};
      return schema(a);
    }
    case OpCode::HardSigmoid: {
      static constexpr AttrSpec a[] = {{"alpha", kNumber}, {"beta", kNumber}};
      return schema(a);
    }
    case OpCode::Selu: {
      static constexpr AttrSpec a[] = {{"alpha", kNumber}, {"gamma", kNumber}};
      return schema(a);
    }
    case OpCode::Gelu: {
      static constexpr AttrSpec a[] = {{"approximate", kString}};
      return schema(a);
    }
    case OpCode::Softmax:
    case OpCode::LogSoftmax:
    case OpCode::Gather:
    case OpCode::Flatten:
    case OpCode::Concat: {
      static constexpr AttrSpec a[] = {{"axis", kInt}};
      return schema(a);
    }
    case OpCode::BatchNormalization: {
      static constexpr AttrSpec a[] = {{"epsilon", kNumber}, {"momentum", kNumber}, {"training_mode", kInt}};
      return schema(a);
    }
    case OpCode::InstanceNormalization: {
      static constexpr AttrSpec a[] = {{"epsilon", kNumber}};
      return schema(a);
    }
    case OpCode::LayerNormalization: {
      static constexpr AttrSpec a[] = {{"axis", kInt}, {"epsilon", kNumber}, {"stash_type", kInt}};
      return schema(a);
    }
    case OpCode::LRN: {
      static constexpr AttrSpec a[] = {{"alpha", kNumber}, {"beta", kNumber}, {"bias", kNumber}, {"size", kInt}};
      return schema(a);
    }
    case OpCode::ReduceMean:
    case OpCode::ReduceSum:
    case OpCode::ReduceMax:
    case OpCode::ReduceMin:
    case OpCode::ReduceL2:
    case OpCode::ReduceProd: {
      static constexpr AttrSpec a[] = {{"axes", kInts}, {"keepdims", kInt}, {"noop_with_empty_axes", kInt}};
      return schema(a);
    }
    case OpCode::Resize: {
      static constexpr AttrSpec a[] = {{"antialias", kInt},
                                       {"axes", kInts},
                                       {"coordinate_transformation_mode", kString},
                                       {"cubic_coeff_a", kNumber},
                                       {"exclude_outside", kInt},
                                       {"extrapolation_value", kNumber},
                                       {"keep_aspect_ratio_policy", kString},
                                       {"mode", kString},
                                       {"nearest_mode", kString}};
      return schema(a);
    }
    case OpCode::ConstantOfShape: {
      static constexpr AttrSpec a[] = {{"value", kFloat | kFloats | kInt | kInts}, {"dtype", kInt}};
      return schema(a);
    }
    case OpCode::Shape: {
      static constexpr AttrSpec a[] = {{"start", kInt}, {"end", kInt}};
      return schema(a);
    }
    case OpCode::Cast: {
      static constexpr AttrSpec a[] = {{"to", kInt}, {"saturate", kInt}};
      return schema(a);
    }
    case OpCode::Reshape: {
      static constexpr AttrSpec a[] = {{"allowzero", kInt}};
      return schema(a);
    }
    case OpCode::Transpose: {
      static constexpr AttrSpec a[] = {{"perm", kInts}};
      return schema(a);
    }
    case OpCode::Split: {
      static constexpr AttrSpec a[] = {{"axis", kInt}, {"num_outputs", kInt}};
      return schema(a);
    }
    case OpCode::Pad: {
      static constexpr AttrSpec a[] = {{"mode", kString}};
      return schema(a);
    }
    case OpCode::Dropout: {
      static constexpr AttrSpec a[] = {{"seed", kInt}};
      return schema(a);
    }
    case OpCode::DepthToSpace: {
      static constexpr AttrSpec a[] = {{"blocksize", kInt}, {"mode", kString}};
      return schema(a);
    }
    case OpCode::SpaceToDepth: {
      static constexpr AttrSpec a[] = {{"blocksize", kInt}};
      return schema(a);
    }
    case OpCode::ArgMax:
    case OpCode::ArgMin: {
      static constexpr AttrSpec a[] = {{"axis", kInt}, {"keepdims", kInt}, {"select_last_index", kInt}};
      return schema(a);
    }
    default:
      return OpSchema{nullptr, 0};  // no attributes
  }
}

// Every attribute of a (validated) blob has a name the op knows and a type it allows.
inline Status check_attributes(graph::OpCode op, const graph::AttrList& attrs) noexcept {
  const OpSchema s = op_schema(op);
  Status result;
  attrs.for_each([&](const graph::Attr& a) {
    if (!result.ok()) return;
    for (int i = 0; i < s.count; ++i) {
      if (!a.name_is(s.attrs[i].name)) continue;
      if ((s.attrs[i].types & attr_bit(a.type)) == 0) {
        // "float or int": the allowed types, the primary one first.
        char want[64] = "";
        const graph::AttrType order[] = {graph::AttrType::Float, graph::AttrType::Int, graph::AttrType::Floats,
                                         graph::AttrType::Ints, graph::AttrType::String};
        for (graph::AttrType t : order)
          if (s.attrs[i].types & attr_bit(t)) {
            const std::size_t n = std::strlen(want);
            std::snprintf(want + n, sizeof want - n, "%s%s", n ? " or " : "", graph::attr_type_name(t));
          }
        result = Status::error(StatusCode::BadAttribute, "attribute \"%.*s\" is %s, expected %s",
                               static_cast<int>(a.name_len), a.name, graph::attr_type_name(a.type), want);
      }
      return;
    }
    result = Status::error(StatusCode::BadAttribute, "unknown attribute \"%.*s\" for %s", static_cast<int>(a.name_len),
                           a.name, graph::op_name(op));
  });
  return result;
}

}  // namespace ops
}  // namespace luodi
