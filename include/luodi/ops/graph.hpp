// The ops layer on a graph::Graph, for the converter: shape inference, evaluating one node
// with the ref kernels, and constant folding. Uses the heap (it works on the IR).
//
//   ops::InferOptions io;  io.input_shapes = {Shape{1, 3, 640, 640}};   // bind symbolic dims
//   Status s = ops::infer_shapes(graph, io);    // every value's dtype and shape, with ONNX rules
//   auto outs = ops::evaluate(graph, graph.nodes[i]);  // std::vector<graph::Value>, ref kernels
//   Status f = ops::fold_constants(graph);      // nodes on constants become constants
//
// These run the same OpDefs as a Session (ops/registry.hpp), so what the converter infers is
// what the runtime will compute. Value-dependent shapes (Reshape's shape, ...) are resolved by
// evaluating, during inference, every node whose inputs are known: constants, Shape of a
// static shape, and anything computed from those. Errors name the node, op and input.
#pragma once

#include "../config.hpp"

#if LUODI_HAS_FILESYSTEM

#include <cstdint>
#include <string>
#include <vector>

#include "../core/memory.hpp"
#include "../graph/ir.hpp"
#include "registry.hpp"

namespace luodi {
namespace ops {

namespace detail {

// Run a prepared node with host buffers: outputs are allocated here (64-byte aligned).
inline Status run_prepared_on_host(PrepareContext& ctx, const void* const* in_data, std::vector<AlignedBuffer>* outs) {
  outs->clear();
  for (int k = 0; k < ctx.num_outputs; ++k) {
    LUODI_ASSIGN_OR_RETURN(AlignedBuffer b, AlignedBuffer::create(ctx.outputs[k].bytes() ? ctx.outputs[k].bytes() : 1));
    outs->push_back(std::move(b));
  }
  if (ctx.is_view) {
    if (ctx.outputs[0].bytes()) std::memcpy((*outs)[0].data(), in_data[0], ctx.outputs[0].bytes());
    return Status();
  }
  if (ctx.run == nullptr) return ctx.error(StatusCode::Internal, "prepared without a run function");
  AlignedBuffer scratch, packed;
  if (ctx.scratch_bytes) {
    LUODI_ASSIGN_OR_RETURN(scratch, AlignedBuffer::create(ctx.scratch_bytes));
  }
  if (ctx.packed_bytes) {
    LUODI_ASSIGN_OR_RETURN(packed, AlignedBuffer::create(ctx.packed_bytes));
    if (ctx.pack) ctx.pack(ctx.params(), in_data, packed.data());
  }
  void* out_ptrs[kMaxOpOutputs];
  for (int k = 0; k < ctx.num_outputs; ++k) out_ptrs[k] = (*outs)[static_cast<std::size_t>(k)].data();
  RunContext rc;
  rc.params = ctx.params();
  rc.in = in_data;
  rc.out = out_ptrs;
  rc.scratch = scratch.data();
  rc.packed = packed.data();
  rc.isa = ctx.isa;
  ctx.run(rc);
  return Status();
}

inline std::vector<std::uint8_t> to_bytes(const AlignedBuffer& b, std::size_t n) {
  return std::vector<std::uint8_t>(b.data(), b.data() + n);
}

}  // namespace detail

// Evaluate one node whose inputs are all constants (or, for Shape, have a static shape), with
// the ref kernels. Returns one constant Value per output, named after the node's outputs.
inline Result<std::vector<graph::Value>> evaluate(const graph::Graph& g, const graph::Node& node) {
  PrepareContext ctx;
  ctx.node_name = node.name.c_str();
  ctx.op = node.op;
  ctx.attrs = node.attr_list();
  ctx.isa = Isa::scalar;
  ctx.num_inputs = static_cast<int>(node.inputs.size());
  ctx.num_outputs = static_cast<int>(node.outputs.size());
  LUODI_RETURN_IF_ERROR(ctx.check_io_counts());
  const OpDef* def = find_op(node.op);
  TensorDesc descs[kMaxOpInputs];
  const void* in_data[kMaxOpInputs] = {};
  for (int k = 0; k < ctx.num_inputs; ++k) {
    const std::int32_t v = node.inputs[static_cast<std::size_t>(k)];
    if (v < 0) continue;
    if (static_cast<std::size_t>(v) >= g.values.size()) return ctx.error(StatusCode::DanglingIndex, "input %d is value %d", k, v);
    const graph::Value& val = g.values[static_cast<std::size_t>(v)];
    const bool shape_only = def && (def->shape_only_inputs >> k) & 1u;
    if (!val.is_constant && !shape_only)
      return ctx.error(StatusCode::InvalidArgument, "input %d \"%s\" is not a constant", k, val.name.c_str());
    descs[k].dtype = val.dtype;
    descs[k].shape = val.shape;
    descs[k].data = val.is_constant ? value_ptr(val.data.data()) : nullptr;
    in_data[k] = descs[k].data;
    ctx.inputs[k] = &descs[k];
  }
  LUODI_RETURN_IF_ERROR(prepare_node(ctx));
  std::vector<AlignedBuffer> outs;
  LUODI_RETURN_IF_ERROR(detail::run_prepared_on_host(ctx, in_data, &outs));
  std::vector<graph::Value> result;
  for (int k = 0; k < ctx.num_outputs; ++k) {
    graph::Value v;
    const std::int32_t o = node.outputs[static_cast<std::size_t>(k)];
    if (o >= 0 && static_cast<std::size_t>(o) < g.values.size()) v.name = g.values[static_cast<std::size_t>(o)].name;
    v.dtype = ctx.outputs[k].dtype;
    v.shape = ctx.outputs[k].shape;
    v.is_constant = true;
    v.data = detail::to_bytes(outs[static_cast<std::size_t>(k)], ctx.outputs[k].bytes());
    result.push_back(std::move(v));
  }
  return result;
}

struct InferOptions {
  // Shapes for the graph inputs, in order; empty = the declared shapes (which must then be
  // static). A given shape must match the declared one where that one is known.
  std::vector<Shape> input_shapes;
};

// Infer every node output's dtype and shape for the given input shapes, writing them into
// graph.values (the graph inputs keep their declared shapes, symbolic dims included). Nodes whose inputs are known (see above) are evaluated on the side so
// that value-dependent shapes resolve; the graph's structure is not changed.
inline Status infer_shapes(graph::Graph& g, const InferOptions& opt = {}) {
  LUODI_RETURN_IF_ERROR(g.validate());
  if (!opt.input_shapes.empty() && opt.input_shapes.size() != g.inputs.size())
    return Status::error(StatusCode::InvalidArgument, "%zu input shapes given for %zu graph inputs", opt.input_shapes.size(),
                         g.inputs.size());
  // The graph inputs keep their declared (possibly symbolic) shapes; the bound ones are used here.
  std::vector<Shape> bound(g.values.size());
  for (std::size_t i = 0; i < g.values.size(); ++i) bound[i] = g.values[i].shape;
  for (std::size_t k = 0; k < opt.input_shapes.size(); ++k) {
    const graph::Value& v = g.values[static_cast<std::size_t>(g.inputs[k])];
    const Shape& s = opt.input_shapes[k];
    bool ok = s.rank() == v.shape.rank() && s.is_static();
    for (int d = 0; ok && d < s.rank(); ++d) ok = v.shape[d] < 0 || v.shape[d] == s[d];
    if (!ok)
      return Status::error(StatusCode::ShapeMismatch, "input \"%s\" is declared %s; %s does not fit", v.name.c_str(),
                           v.shape.str().c_str(), s.str().c_str());
    bound[static_cast<std::size_t>(g.inputs[k])] = s;
  }
  // Values computed during inference (not constants in the graph).
  std::vector<std::vector<std::uint8_t>> known(g.values.size());
  std::vector<char> is_known(g.values.size(), 0);
  for (std::size_t i = 0; i < g.values.size(); ++i) is_known[i] = g.values[i].is_constant;

  for (const graph::Node& node : g.nodes) {
    PrepareContext ctx;
    ctx.node_name = node.name.c_str();
    ctx.op = node.op;
    ctx.attrs = node.attr_list();
    ctx.isa = Isa::scalar;
    ctx.num_inputs = static_cast<int>(node.inputs.size());
    ctx.num_outputs = static_cast<int>(node.outputs.size());
    LUODI_RETURN_IF_ERROR(ctx.check_io_counts());
    const OpDef* def = find_op(node.op);
    TensorDesc descs[kMaxOpInputs];
    const void* in_data[kMaxOpInputs] = {};
    bool all_known = true;
    for (int k = 0; k < ctx.num_inputs; ++k) {
      const std::int32_t v = node.inputs[static_cast<std::size_t>(k)];
      if (v < 0) continue;
      const graph::Value& val = g.values[static_cast<std::size_t>(v)];
      descs[k].dtype = val.dtype;
      descs[k].shape = bound[static_cast<std::size_t>(v)];
      if (is_known[static_cast<std::size_t>(v)])
        descs[k].data = value_ptr(val.is_constant ? val.data.data() : known[static_cast<std::size_t>(v)].data());
      else if (!(def && (def->shape_only_inputs >> k) & 1u))
        all_known = false;
      in_data[k] = descs[k].data;
      ctx.inputs[k] = &descs[k];
    }
    LUODI_RETURN_IF_ERROR(prepare_node(ctx));
    for (int k = 0; k < ctx.num_outputs; ++k) {
      const std::size_t o = static_cast<std::size_t>(node.outputs[static_cast<std::size_t>(k)]);
      g.values[o].dtype = ctx.outputs[k].dtype;
      g.values[o].shape = bound[o] = ctx.outputs[k].shape;
    }
    if (all_known) {
      std::vector<AlignedBuffer> outs;
      LUODI_RETURN_IF_ERROR(detail::run_prepared_on_host(ctx, in_data, &outs));
      for (int k = 0; k < ctx.num_outputs; ++k) {
        const std::size_t o = static_cast<std::size_t>(node.outputs[static_cast<std::size_t>(k)]);
        known[o] = detail::to_bytes(outs[static_cast<std::size_t>(k)], ctx.outputs[k].bytes());
        is_known[o] = 1;
      }
    }
  }
  return Status();
}

struct FoldOptions {
  // Also fold Shape nodes of non-constant values whose shape is static. This bakes the current
  // input sizes into the graph (no more dynamic shapes); off by default.
  bool fold_shapes = false;
};

// Replace every node whose inputs are all constants by constants holding its outputs (ref
// kernels). Constants left unused are not removed (that is the converter's dead-code pass).
inline Status fold_constants(graph::Graph& g, const FoldOptions& opt = {}) {
  LUODI_RETURN_IF_ERROR(g.validate());
  std::vector<graph::Node> kept;
  kept.reserve(g.nodes.size());
  for (graph::Node& node : g.nodes) {
    const OpDef* def = find_op(node.op);
    bool foldable = def != nullptr;
    for (std::size_t k = 0; foldable && k < node.inputs.size(); ++k) {
      const std::int32_t v = node.inputs[k];
      if (v < 0) continue;
      const graph::Value& val = g.values[static_cast<std::size_t>(v)];
      const bool shape_only = (def->shape_only_inputs >> k) & 1u;
      foldable = val.is_constant || (opt.fold_shapes && shape_only && val.shape.is_static());
    }
    if (!foldable) {
      kept.push_back(std::move(node));
      continue;
    }
    LUODI_ASSIGN_OR_RETURN(std::vector<graph::Value> outs, evaluate(g, node));
    for (std::size_t k = 0; k < node.outputs.size(); ++k) {
      graph::Value& v = g.values[static_cast<std::size_t>(node.outputs[k])];
      v.dtype = outs[k].dtype;
      v.shape = outs[k].shape;
      v.is_constant = true;
      v.data = std::move(outs[k].data);
    }
  }
  g.nodes.swap(kept);
  return Status();
}

}  // namespace ops
}  // namespace luodi

#endif  // LUODI_HAS_FILESYSTEM
