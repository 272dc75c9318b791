// Run a graph node by node on the host with the ref kernels (ops::evaluate, Isa::scalar), each
// node's outputs in their own buffers: no planner, no arena, no in-place, no views. Session
// tests compare run() against this.
#pragma once

#include <luodi/ops/graph.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

namespace luodi_test {

// Values by name after evaluating `g` with the given input values (graph input order).
inline luodi::Result<std::map<std::string, luodi::graph::Value>> reference_eval(
    const luodi::graph::Graph& g, const std::vector<luodi::graph::Value>& inputs) {
  using namespace luodi;
  graph::Graph work = g;
  if (inputs.size() != g.inputs.size()) return Status(StatusCode::InvalidArgument, "wrong number of inputs");
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    graph::Value& v = work.values[static_cast<std::size_t>(g.inputs[k])];
    v.shape = inputs[k].shape;
    v.data = inputs[k].data;
    v.is_constant = true;  // known from here on
  }
  work.inputs.clear();
  std::map<std::string, graph::Value> out;
  for (const graph::Node& n : work.nodes) {
    auto r = ops::evaluate(work, n);
    if (!r.ok()) return r.status();
    for (std::size_t k = 0; k < n.outputs.size(); ++k) {
      graph::Value& v = work.values[static_cast<std::size_t>(n.outputs[k])];
      v = (*r)[k];
    }
  }
  for (const graph::Value& v : work.values) out[v.name] = v;
  return out;
}

// max |got - want| over max |want| (max |got - want| when want is all zeros): SIMD kernels sum in
// another order than the ref kernels, so whole-network outputs are compared relative to their
// magnitude.
inline double relative_error(const float* got, const luodi::graph::Value& want) {
  double num = 0, den = 0;
  for (std::int64_t i = 0; i < want.shape.numel(); ++i) {
    num = std::max(num, std::fabs(static_cast<double>(got[i]) - static_cast<double>(want.as<float>()[i])));
    den = std::max(den, std::fabs(static_cast<double>(want.as<float>()[i])));
  }
  return den > 0 ? num / den : num;
}

}  // namespace luodi_test
