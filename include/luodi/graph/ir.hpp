// The graph IR: what the ONNX importer produces, the optimizer rewrites and the .luodi writer
// serialises. It uses the heap (std::vector, std::string) and belongs to the converter side;
// the runtime never builds it: a loaded Model reads the file's tables in place.
//
// Values are tensors (graph inputs, constants, intermediates, outputs), addressed by index.
// Nodes reference values by index; -1 marks an absent optional input. A value is produced by at
// most one node, or is a graph input, or is a constant. Nodes are kept in topological order
// (validate() checks it; topological_sort() restores it after a rewrite).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "../core/dtype.hpp"
#include "../core/shape.hpp"
#include "../core/status.hpp"
#include "attributes.hpp"
#include "op.hpp"

namespace luodi {
namespace graph {

struct Value {
  std::string name;
  DType dtype = DType::f32;
  Shape shape;                         // -1 for a dim not known yet
  std::vector<std::string> dim_names;  // symbolic names per dim ("" for none); empty if none at all
  bool is_constant = false;
  std::vector<std::uint8_t> data;      // a constant's bytes, row-major, little-endian

  template <class T>
  const T* as() const noexcept {
    return reinterpret_cast<const T*>(data.data());
  }
};

struct Node {
  OpCode op = OpCode::Identity;
  std::string name;
  std::vector<std::int32_t> inputs;
  std::vector<std::int32_t> outputs;
  std::vector<std::uint8_t> attrs;  // AttrList encoding (attributes.hpp)
  // Where the node came from, for error messages: "node "/m/Conv_3" (Conv, opset 13)".
  std::string source_op;
  std::string source_domain;
  std::int64_t source_opset = 0;

  AttrList attr_list() const noexcept { return AttrList(attrs.data(), attrs.size()); }
  std::int32_t input(std::size_t i) const noexcept { return i < inputs.size() ? inputs[i] : -1; }
};

// Model metadata carried into the file. The preprocessing contract is added by the runtime
// layer as a serialised image::PreprocessSpec.
struct Metadata {
  std::string producer;           // e.g. "pytorch 1.13.1"
  std::string converter_version;  // e.g. "luodi-convert 0.1.0"
  std::string source_hash;        // hex SHA-256 (or similar) of the source model file
  std::vector<std::string> labels;
  std::vector<std::uint8_t> preprocess;  // serialised preprocessing spec, empty if none
  bool has_golden = false;
  std::vector<std::vector<std::uint8_t>> golden_inputs;   // one per graph input, that input's bytes
  std::vector<std::vector<std::uint8_t>> golden_outputs;  // one per graph output
  std::uint64_t arena_bytes = 0;  // offline plan for the declared input shapes; 0 if unknown
};

class Graph {
 public:
  std::vector<Value> values;
  std::vector<Node> nodes;
  std::vector<std::int32_t> inputs;   // value indices of the graph's runtime inputs
  std::vector<std::int32_t> outputs;  // value indices of the graph's outputs
  Metadata meta;

  std::int32_t add_value(Value v) {
    values.push_back(std::move(v));
    return static_cast<std::int32_t>(values.size() - 1);
  }
  std::int32_t add_node(Node n) {
    nodes.push_back(std::move(n));
    return static_cast<std::int32_t>(nodes.size() - 1);
  }
  // Index of the value named `name`, or -1.
  std::int32_t find_value(const std::string& name) const noexcept {
    for (std::size_t i = 0; i < values.size(); ++i)
      if (values[i].name == name) return static_cast<std::int32_t>(i);
    return -1;
  }

  // For each value, the node that produces it, or -1.
  std::vector<std::int32_t> producers() const {
    std::vector<std::int32_t> p(values.size(), -1);
    for (std::size_t n = 0; n < nodes.size(); ++n)
      for (std::int32_t o : nodes[n].outputs)
        if (o >= 0 && static_cast<std::size_t>(o) < values.size()) p[static_cast<std::size_t>(o)] = static_cast<std::int32_t>(n);
    return p;
  }
  // For each value, how many node inputs and graph outputs read it.
  std::vector<std::int32_t> use_counts() const {
    std::vector<std::int32_t> u(values.size(), 0);
    for (const Node& n : nodes)
      for (std::int32_t i : n.inputs)
        if (i >= 0 && static_cast<std::size_t>(i) < values.size()) ++u[static_cast<std::size_t>(i)];
    for (std::int32_t o : outputs)
      if (o >= 0 && static_cast<std::size_t>(o) < values.size()) ++u[static_cast<std::size_t>(o)];
    return u;
  }

  // Structural checks: indices in range, arity within the op's limits, single producers,
  // topological order, graph inputs/constants not produced by nodes, attributes well formed.
  Status validate() const {
    const std::int32_t nv = static_cast<std::int32_t>(values.size());
    std::vector<char> available(values.size(), 0);
    for (std::size_t i = 0; i < values.size(); ++i)
      if (values[i].is_constant) available[i] = 1;
    for (std::int32_t i : inputs) {
      if (i < 0 || i >= nv) return Status::error(StatusCode::DanglingIndex, "graph input index %d out of range", i);
      if (values[static_cast<std::size_t>(i)].is_constant)
        return Status::error(StatusCode::InvalidArgument, "graph input \"%s\" is also a constant",
                             values[static_cast<std::size_t>(i)].name.c_str());
      available[static_cast<std::size_t>(i)] = 1;
    }
    for (std::size_t n = 0; n < nodes.size(); ++n) {
      const Node& node = nodes[n];
      const OpInfo& info = op_info(node.op);
      const int ni = static_cast<int>(node.inputs.size()), no = static_cast<int>(node.outputs.size());
      if (ni < info.min_inputs || (info.max_inputs >= 0 && ni > info.max_inputs))
        return Status::error(StatusCode::InvalidArgument, "node \"%s\" (%s) has %d inputs; %s takes %d..%d",
                             node.name.c_str(), info.name, ni, info.name, info.min_inputs, info.max_inputs);
      if (no < info.min_outputs || (info.max_outputs >= 0 && no > info.max_outputs))
        return Status::error(StatusCode::InvalidArgument, "node \"%s\" (%s) has %d outputs; %s makes %d..%d",
                             node.name.c_str(), info.name, no, info.name, info.min_outputs, info.max_outputs);
      for (std::int32_t i : node.inputs) {
        if (i == -1) continue;
        if (i < -1 || i >= nv)
          return Status::error(StatusCode::DanglingIndex, "node \"%s\" (%s) reads value index %d, which does not exist",
                               node.name.c_str(), info.name, i);
        if (!available[static_cast<std::size_t>(i)])
          return Status::error(StatusCode::GraphCycle,
                               "node \"%s\" (%s) reads \"%s\" before anything produces it (a cycle, or out of order)",
                               node.name.c_str(), info.name, values[static_cast<std::size_t>(i)].name.c_str());
      }
      for (std::int32_t o : node.outputs) {
        if (o < 0 || o >= nv)
          return Status::error(StatusCode::DanglingIndex, "node \"%s\" (%s) writes value index %d, which does not exist",
                               node.name.c_str(), info.name, o);
        if (available[static_cast<std::size_t>(o)])
          return Status::error(StatusCode::InvalidArgument, "value \"%s\" is produced twice (node \"%s\")",
                               values[static_cast<std::size_t>(o)].name.c_str(), node.name.c_str());
        available[static_cast<std::size_t>(o)] = 1;
      }
      Status s = node.attr_list().validate();
      if (!s.ok()) return s.prepend("node \"%s\" (%s): ", node.name.c_str(), info.name);
    }
    for (std::int32_t o : outputs) {
      if (o < 0 || o >= nv) return Status::error(StatusCode::DanglingIndex, "graph output index %d out of range", o);
      if (!available[static_cast<std::size_t>(o)])
        return Status::error(StatusCode::NotFound, "graph output \"%s\" is never produced",
                             values[static_cast<std::size_t>(o)].name.c_str());
    }
    return Status();
  }

  // Reorder nodes so every node comes after the producers of its inputs (Kahn's algorithm,
  // stable: ties keep their current order). Fails on a cycle, naming a node on it.
  Status topological_sort() {
    const std::vector<std::int32_t> prod = producers();
    std::vector<std::int32_t> pending(nodes.size(), 0);
    std::vector<std::vector<std::int32_t>> consumers(nodes.size());
    for (std::size_t n = 0; n < nodes.size(); ++n)
      for (std::int32_t i : nodes[n].inputs) {
        if (i < 0 || static_cast<std::size_t>(i) >= values.size()) continue;
        const std::int32_t p = prod[static_cast<std::size_t>(i)];
        if (p >= 0 && static_cast<std::size_t>(p) != n) {
          ++pending[n];
          consumers[static_cast<std::size_t>(p)].push_back(static_cast<std::int32_t>(n));
        } else if (p >= 0) {
          return Status::error(StatusCode::GraphCycle, "node \"%s\" reads its own output", nodes[n].name.c_str());
        }
      }
    std::vector<std::int32_t> order, ready;
    for (std::size_t n = 0; n < nodes.size(); ++n)
      if (pending[n] == 0) ready.push_back(static_cast<std::int32_t>(n));
    std::size_t head = 0;
    while (head < ready.size()) {
      // take the smallest ready index so the result is stable
      std::size_t best = head;
      for (std::size_t k = head + 1; k < ready.size(); ++k)
        if (ready[k] < ready[best]) best = k;
      std::swap(ready[head], ready[best]);
      const std::int32_t n = ready[head++];
      order.push_back(n);
      for (std::int32_t c : consumers[static_cast<std::size_t>(n)])
        if (--pending[static_cast<std::size_t>(c)] == 0) ready.push_back(c);
    }
    if (order.size() != nodes.size()) {
      for (std::size_t n = 0; n < nodes.size(); ++n)
        if (pending[n] > 0)
          return Status::error(StatusCode::GraphCycle, "the graph has a cycle through node \"%s\"", nodes[n].name.c_str());
    }
    std::vector<Node> sorted;
    sorted.reserve(nodes.size());
    for (std::int32_t n : order) sorted.push_back(std::move(nodes[static_cast<std::size_t>(n)]));
    nodes.swap(sorted);
    return Status();
  }
};

}  // namespace graph
}  // namespace luodi
