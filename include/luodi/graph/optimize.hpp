// The converter's pipeline on the IR, in this order:
//
//   1. passthrough  Identity and Dropout are removed (graph/passes.hpp), and the fusions that
//                   need no shapes run (step 5), so what folds away is never reported below
//   2. check        every node has a kernel in this build and attributes its op accepts
//                   (ops/schema.hpp); all problems are collected, like the importer's
//   3. shapes       ops::infer_shapes: every value's dtype and shape for the graph inputs'
//                   shapes (the model's own, or the ones given with --input), with the ONNX
//                   rules the runtime uses, evaluating shape subgraphs on the side
//   4. fold         ops::fold_constants with luodi's ref kernels: every node whose inputs are
//                   constants becomes a constant. With static input shapes, Shape nodes fold
//                   too, so Shape -> Gather -> Concat -> Reshape chains disappear; with symbolic
//                   dims they stay and the runtime evaluates them at prepare
//   5. fuse         Silu/HardSwish patterns, BatchNorm into Conv/Gemm, bias, residual Add
//                   (with known shapes), activation epilogues (graph/passes.hpp)
//   6. dead code    unused nodes and values
//   7. shapes       once more, so the written file carries the final shapes
//   8. fp16         optional: f32 weights of Conv, ConvTranspose, Gemm and MatMul stored as f16,
//                   widened by a Cast the runtime evaluates once at prepare
//
// Each step keeps the graph valid (Graph::validate) and its meaning exact up to float rounding
// in the folded weights; the converter's tests compare optimised and unoptimised graphs.
#pragma once

#include "../config.hpp"

// Until the ops layer is in the tree this header is empty (it lands on main separately).
#if LUODI_HAS_FILESYSTEM && defined(__has_include)
#if __has_include("../ops/graph.hpp")
#define LUODI_OPTIMIZE_AVAILABLE 1
#endif
#endif

#if defined(LUODI_OPTIMIZE_AVAILABLE)

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "../ops/graph.hpp"
#include "../ops/registry.hpp"
#include "../ops/schema.hpp"
#include "ir.hpp"
#include "passes.hpp"

namespace luodi {
namespace graph {

// --no-optimize is {fold = false, fuse = false}: the graph is only checked and shape-inferred.
struct OptimizeOptions {
  bool fold = true;          // constant folding (and shape-subgraph removal when shapes are static)
  bool fuse = true;          // Identity/Dropout removal, BatchNorm folding, epilogue fusion
  bool fp16_weights = false; // store large f32 weights as f16
};

struct OptimizeReport {
  std::size_t nodes_before = 0, nodes_after = 0;
  bool static_shapes = false;  // every graph input had a static shape
  int removed_passthrough = 0, folded_nodes = 0, folded_batchnorm = 0, fused_bias = 0, fused_patterns = 0,
      fused_residual = 0, fused_activation = 0, dead_nodes = 0, fp16_tensors = 0;
};

// One problem found by check(): node, op and reason, like the importer's.
struct CheckProblem {
  StatusCode code = StatusCode::Unsupported;
  std::string message;
};

// Every node has a kernel and attributes its op accepts. Appends one problem per node.
inline void check_supported(const Graph& g, std::vector<CheckProblem>* problems) {
  for (const Node& n : g.nodes) {
    char head[512];
    std::snprintf(head, sizeof head, "node \"%s\" (%s, opset %lld): ", n.name.c_str(),
                  n.source_op.empty() ? op_name(n.op) : n.source_op.c_str(), static_cast<long long>(n.source_opset));
    if (!ops::op_supported(n.op)) {
      problems->push_back({StatusCode::Unsupported, std::string(head) + "luodi has no kernel for " + op_name(n.op) +
                                                        " in this build"});
      continue;
    }
    const Status s = ops::check_attributes(n.op, n.attr_list());
    if (!s.ok()) problems->push_back({StatusCode::Unsupported, std::string(head) + s.message()});
  }
}

namespace opt_detail {

inline bool inputs_static(const Graph& g) {
  for (std::int32_t i : g.inputs)
    if (!g.values[static_cast<std::size_t>(i)].shape.is_static()) return false;
  return true;
}

// Weights stored as f16: each f32 weight of Conv, ConvTranspose, Gemm and MatMul (input 1) is
// rounded to f16 (round to nearest even) and read through a Cast back to f32, which the runtime
// evaluates once at prepare. The file holds half the bytes; the arithmetic stays f32.
inline int to_fp16(Graph& g) {
  std::vector<char> weight(g.values.size(), 0), other(g.values.size(), 0);
  for (const Node& n : g.nodes)
    for (std::size_t k = 0; k < n.inputs.size(); ++k) {
      const std::int32_t v = n.inputs[k];
      if (v < 0) continue;
      const bool w = k == 1 && (n.op == OpCode::Conv || n.op == OpCode::ConvTranspose || n.op == OpCode::Gemm ||
                                n.op == OpCode::MatMul);
      (w ? weight : other)[static_cast<std::size_t>(v)] = 1;
    }
  for (std::int32_t o : g.outputs)
    if (o >= 0) other[static_cast<std::size_t>(o)] = 1;
  int n = 0;
  const std::size_t nvalues = g.values.size();
  std::vector<Node> casts;
  for (std::size_t i = 0; i < nvalues; ++i) {
    if (!g.values[i].is_constant || g.values[i].dtype != DType::f32 || !weight[i] || other[i]) continue;
    Value& v = g.values[i];
    const std::size_t count = v.data.size() / 4;
    std::vector<std::uint8_t> h(count * 2);
    for (std::size_t k = 0; k < count; ++k) {
      float f;
      std::memcpy(&f, v.data.data() + 4 * k, 4);
      const std::uint16_t b = float_to_half(f);
      std::memcpy(h.data() + 2 * k, &b, 2);
    }
    v.data.swap(h);
    v.dtype = DType::f16;
    Value wide;
    wide.name = v.name + "/f32";
    wide.dtype = DType::f32;
    wide.shape = v.shape;
    const std::string cast_name = v.name + "/cast_f32";
    const std::int32_t wi = g.add_value(std::move(wide));
    for (Node& node : g.nodes)
      if (node.inputs.size() > 1 && node.inputs[1] == static_cast<std::int32_t>(i)) node.inputs[1] = wi;
    Node c;
    c.op = OpCode::Cast;
    c.name = cast_name;
    c.inputs = {static_cast<std::int32_t>(i)};
    c.outputs = {wi};
    AttrWriter aw;
    aw.set_int("to", static_cast<std::int64_t>(DType::f32));
    c.attrs = aw.take();
    c.source_op = "luodi-convert --fp16";
    casts.push_back(std::move(c));
    ++n;
  }
  g.nodes.insert(g.nodes.begin(), casts.begin(), casts.end());
  return n;
}

}  // namespace opt_detail

namespace opt_detail {
inline void fusions(Graph& g, bool shapes_known, OptimizeReport& r) {
  r.fused_patterns += fuse_patterns(g);
  r.fused_patterns += fuse_layernorm(g);
  r.folded_batchnorm += fold_batchnorm(g);
  for (;;) {  // Conv -> Mul -> Add -> Mul ... : alternate until nothing changes
    const int n = fuse_scale(g) + fuse_bias(g, shapes_known);
    if (n == 0) break;
    r.fused_bias += n;
  }
  if (shapes_known) r.fused_residual += fuse_residual(g);
  r.fused_activation += fuse_activation(g);
}
inline Status summarise(const std::vector<CheckProblem>& p) {
  if (p.size() == 1) return Status::error(p[0].code, "%s", p[0].message.c_str());
  return Status::error(p[0].code, "%zu problems; the first: %s", p.size(), p[0].message.c_str());
}
}  // namespace opt_detail

// Runs the pipeline. Nodes luodi cannot run are reported in *problems (all of them) and make
// it return Unsupported before shape inference; structural fusions run first, so a BatchNorm
// that folds into its Conv, or a Dropout, is never reported.
inline Status optimize(Graph& g, const OptimizeOptions& opt = {}, OptimizeReport* report = nullptr,
                       std::vector<CheckProblem>* problems = nullptr) {
  OptimizeReport local;
  OptimizeReport& r = report ? *report : local;
  std::vector<CheckProblem> local_problems;
  std::vector<CheckProblem>& pr = problems ? *problems : local_problems;
  r = OptimizeReport();
  r.nodes_before = g.nodes.size();
  LUODI_RETURN_IF_ERROR(g.validate());
  r.static_shapes = opt_detail::inputs_static(g);
  if (opt.fuse) {
    r.removed_passthrough = remove_passthrough(g);
    opt_detail::fusions(g, false, r);
    r.dead_nodes += dead_code(g);
  }
  check_supported(g, &pr);
  if (!pr.empty()) return opt_detail::summarise(pr);
  bool shapes_known = false;
  if (r.static_shapes) {
    Status s = ops::infer_shapes(g);
    if (!s.ok()) return s.prepend("shape inference: ");
    shapes_known = true;
  }
  if (opt.fold) {
    const std::size_t before = g.nodes.size();
    ops::FoldOptions fo;
    fo.fold_shapes = r.static_shapes;
    Status s = ops::fold_constants(g, fo);
    if (!s.ok()) return s.prepend("constant folding: ");
    r.folded_nodes = static_cast<int>(before - g.nodes.size());
  }
  if (opt.fuse) opt_detail::fusions(g, shapes_known, r);
  if (opt.fuse || opt.fold) r.dead_nodes += dead_code(g);
  LUODI_RETURN_IF_ERROR(g.topological_sort());
  if (shapes_known) {
    Status s = ops::infer_shapes(g);
    if (!s.ok()) return s.prepend("shape inference after fusion: ");
  }
  if (opt.fp16_weights) r.fp16_tensors = opt_detail::to_fp16(g);
  r.nodes_after = g.nodes.size();
  Status v = g.validate();
  if (!v.ok()) return v.prepend("optimised graph: ");
  return Status();
}

}  // namespace graph
}  // namespace luodi

#endif  // LUODI_OPTIMIZE_AVAILABLE
