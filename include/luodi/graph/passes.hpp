// Graph rewrites of the converter: each one a function over graph::Graph that keeps the
// graph's meaning exactly (up to float rounding in the folded weights) and returns how many
// places it changed. The pipeline that runs them in order, with shape inference and constant
// folding, is graph/optimize.hpp.
//
//   remove_passthrough   Identity and Dropout (inference) disappear; a graph output keeps its name
//   fold_batchnorm       BatchNormalization after Conv or Gemm folds into the weights and bias:
//                        s = gamma / sqrt(var + eps); W' = W * s (per output channel);
//                        b' = (b - mean) * s + beta. Computed in double, stored as float.
//   fuse_scale           Conv/Gemm + Mul/Div by a per-channel or scalar constant -> scaled weights
//   fuse_bias            Conv + Add(per-channel constant) -> Conv bias; Gemm + Add(row constant)
//                        -> Gemm C; MatMul(2-D, constant) + Add(row constant) -> Gemm
//   fuse_patterns        Mul(x, Sigmoid(x)) -> Silu; Mul(x, HardSigmoid(x; 1/6, 1/2)) -> HardSwish;
//                        x * Clip(x + 3, 0, 6) / 6 -> HardSwish
//   fuse_layernorm       ReduceMean/Sub/Pow/ReduceMean/Add/Sqrt/Div/Mul/Add -> LayerNormalization
//   fuse_residual        Conv + Add(same-shape value) -> Conv with a Residual input
//                        (y = act(conv(x) + b + residual)); needs inferred shapes
//   fuse_activation      Conv/Gemm + Relu, Clip (relu6 is Clip 0..6), LeakyRelu, Sigmoid, Tanh,
//                        HardSigmoid, HardSwish, Silu, Gelu, and the Mul(y, Sigmoid(y)) and
//                        Mul(y, HardSigmoid(y)) forms -> the "activation" epilogue attributes
//   dead_code            nodes whose outputs nothing reads, then unreferenced values
//
// A fusion applies only when the intermediate value has exactly one reader and is not a graph
// output, and only when every operand it folds is a constant of the shape it must have; any
// doubt leaves the graph as it is.
#pragma once

#include "../config.hpp"

#if LUODI_HAS_FILESYSTEM

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "../kernels/activation/params.hpp"
#include "attributes.hpp"
#include "ir.hpp"
#include "op.hpp"

namespace luodi {
namespace graph {

namespace pass_detail {

inline bool is_graph_output(const Graph& g, std::int32_t v) {
  for (std::int32_t o : g.outputs)
    if (o == v) return true;
  return false;
}
inline bool is_graph_input(const Graph& g, std::int32_t v) {
  for (std::int32_t i : g.inputs)
    if (i == v) return true;
  return false;
}
inline void replace_uses(Graph& g, std::int32_t from, std::int32_t to) {
  for (Node& n : g.nodes)
    for (std::int32_t& i : n.inputs)
      if (i == from) i = to;
}
inline const Value* constant(const Graph& g, std::int32_t v) {
  if (v < 0 || static_cast<std::size_t>(v) >= g.values.size()) return nullptr;
  const Value& x = g.values[static_cast<std::size_t>(v)];
  return x.is_constant ? &x : nullptr;
}
inline const Value* f32_constant(const Graph& g, std::int32_t v) {
  const Value* c = constant(g, v);
  if (!c || c->dtype != DType::f32 || !c->shape.is_static()) return nullptr;
  if (static_cast<std::int64_t>(c->data.size()) != c->shape.numel() * 4) return nullptr;
  return c;
}
inline std::vector<float> floats(const Value& v) {
  std::vector<float> out(v.data.size() / 4);
  if (!out.empty()) std::memcpy(out.data(), v.data.data(), out.size() * 4);
  return out;
}
inline std::int32_t add_f32_constant(Graph& g, const std::string& name, const Shape& shape, const std::vector<float>& v) {
  Value c;
  std::string n = name;
  int k = 1;
  while (g.find_value(n) >= 0) n = name + "_" + std::to_string(k++);
  c.name = n;
  c.dtype = DType::f32;
  c.shape = shape;
  c.is_constant = true;
  c.data.resize(v.size() * 4);
  if (!v.empty()) std::memcpy(c.data.data(), v.data(), c.data.size());
  return g.add_value(std::move(c));
}
// The readers of each value: (node index, input slot) pairs.
inline std::vector<std::vector<std::pair<std::int32_t, std::int32_t>>> readers(const Graph& g) {
  std::vector<std::vector<std::pair<std::int32_t, std::int32_t>>> r(g.values.size());
  for (std::size_t n = 0; n < g.nodes.size(); ++n)
    for (std::size_t k = 0; k < g.nodes[n].inputs.size(); ++k) {
      const std::int32_t v = g.nodes[n].inputs[k];
      if (v >= 0 && static_cast<std::size_t>(v) < g.values.size())
        r[static_cast<std::size_t>(v)].push_back({static_cast<std::int32_t>(n), static_cast<std::int32_t>(k)});
    }
  return r;
}
// v is read by exactly one node input and is no graph output.
inline bool single_use(const Graph& g, const std::vector<std::vector<std::pair<std::int32_t, std::int32_t>>>& r,
                       std::int32_t v) {
  return v >= 0 && r[static_cast<std::size_t>(v)].size() == 1 && !is_graph_output(g, v);
}
inline void erase_nodes(Graph& g, const std::vector<char>& dead) {
  std::vector<Node> kept;
  kept.reserve(g.nodes.size());
  for (std::size_t i = 0; i < g.nodes.size(); ++i)
    if (!dead[i]) kept.push_back(std::move(g.nodes[i]));
  g.nodes.swap(kept);
}
inline float attr_float_or(const Node& n, const char* name, float def) {
  float v = def;
  (void)n.attr_list().read_float(name, &v);
  return v;
}
inline std::int64_t attr_int_or(const Node& n, const char* name, std::int64_t def) {
  std::int64_t v = def;
  (void)n.attr_list().read_int(name, &v);
  return v;
}
inline bool has_epilogue(const Node& n) {
  return n.attr_list().has("activation") || n.input(3) >= 0;
}
inline bool is_conv_or_gemm(const Node& n) { return n.op == OpCode::Conv || n.op == OpCode::Gemm; }
// A scalar f32 constant (any shape with one element), or false.
inline bool scalar_f32(const Graph& g, std::int32_t v, float* out) {
  const Value* c = f32_constant(g, v);
  if (!c || c->shape.numel() != 1) return false;
  std::memcpy(out, c->data.data(), 4);
  return true;
}
// The shape of a per-channel vector right-aligned against rank r, channel axis 1: every dim 1
// except, optionally, the one that lands on axis 1, which must equal `channels`.
inline bool per_channel(const Shape& s, int r, std::int64_t channels) {
  if (s.rank() > r) return false;
  const int off = r - s.rank();
  for (int i = 0; i < s.rank(); ++i) {
    const int axis = i + off;
    if (axis == 1) {
      if (s[i] != channels && s[i] != 1) return false;
    } else if (s[i] != 1) {
      return false;
    }
  }
  return true;
}

}  // namespace pass_detail

// ---- Identity / Dropout -------------------------------------------------------------------
inline int remove_passthrough(Graph& g) {
  using namespace pass_detail;
  int changed = 0;
  for (;;) {
    bool again = false;
    const std::vector<std::int32_t> prod = g.producers();
    for (std::size_t i = 0; i < g.nodes.size(); ++i) {
      Node& n = g.nodes[i];
      if (n.op != OpCode::Identity && n.op != OpCode::Dropout) continue;
      if (n.outputs.size() != 1 || n.inputs.empty() || n.inputs[0] < 0) continue;
      const std::int32_t x = n.inputs[0], y = n.outputs[0];
      if (!is_graph_output(g, y)) {
        replace_uses(g, y, x);
      } else {
        // y names a graph output: let x's producer write y directly, when x is free to go.
        const std::int32_t p = prod[static_cast<std::size_t>(x)];
        if (p < 0 || is_graph_output(g, x)) continue;  // x is an input or constant: keep the copy
        for (std::int32_t& o : g.nodes[static_cast<std::size_t>(p)].outputs)
          if (o == x) o = y;
        replace_uses(g, x, y);
      }
      std::vector<char> dead(g.nodes.size(), 0);
      dead[i] = 1;
      erase_nodes(g, dead);
      ++changed;
      again = true;
      break;
    }
    if (!again) break;
  }
  return changed;
}

// ---- BatchNorm folding ----------------------------------------------------------------------
inline int fold_batchnorm(Graph& g) {
  using namespace pass_detail;
  int changed = 0;
  const std::vector<std::int32_t> prod = g.producers();
  auto rd = readers(g);
  std::vector<char> dead(g.nodes.size(), 0);
  for (std::size_t bi = 0; bi < g.nodes.size(); ++bi) {
    const Node& bn = g.nodes[bi];
    if (bn.op != OpCode::BatchNormalization || bn.inputs.size() != 5 || bn.outputs.size() != 1) continue;
    const std::int32_t x = bn.inputs[0];
    const std::int32_t pi = x >= 0 ? prod[static_cast<std::size_t>(x)] : -1;
    if (pi < 0 || dead[static_cast<std::size_t>(pi)] || !single_use(g, rd, x)) continue;
    Node& p = g.nodes[static_cast<std::size_t>(pi)];
    if (!is_conv_or_gemm(p) || has_epilogue(p) || p.outputs.size() != 1) continue;
    const Value* gamma = f32_constant(g, bn.inputs[1]);
    const Value* beta = f32_constant(g, bn.inputs[2]);
    const Value* mean = f32_constant(g, bn.inputs[3]);
    const Value* var = f32_constant(g, bn.inputs[4]);
    const Value* w = f32_constant(g, p.input(1));
    if (!gamma || !beta || !mean || !var || !w) continue;
    const std::int64_t C = gamma->shape.numel();
    if (gamma->shape.rank() != 1 || beta->shape.numel() != C || mean->shape.numel() != C || var->shape.numel() != C) continue;
    const double eps = attr_float_or(bn, "epsilon", 1e-5f);
    const std::vector<float> G = floats(*gamma), Bt = floats(*beta), Mu = floats(*mean), V = floats(*var);
    std::vector<double> s(static_cast<std::size_t>(C));
    for (std::size_t c = 0; c < s.size(); ++c) s[c] = double(G[c]) / std::sqrt(double(V[c]) + eps);
    std::vector<float> W = floats(*w);
    const Shape wshape = w->shape;
    std::vector<float> bias(static_cast<std::size_t>(C), 0.f);
    if (p.op == OpCode::Conv) {
      if (wshape.rank() < 3 || wshape[0] != C) continue;
      const Value* b = p.input(2) >= 0 ? f32_constant(g, p.input(2)) : nullptr;
      if (p.input(2) >= 0 && (!b || b->shape.numel() != C)) continue;
      if (b) bias = floats(*b);
      const std::size_t per = static_cast<std::size_t>(wshape.numel() / C);
      for (std::size_t m = 0; m < static_cast<std::size_t>(C); ++m)
        for (std::size_t k = 0; k < per; ++k) W[m * per + k] = static_cast<float>(double(W[m * per + k]) * s[m]);
      for (std::size_t m = 0; m < static_cast<std::size_t>(C); ++m)
        bias[m] = static_cast<float>((double(bias[m]) - Mu[m]) * s[m] + Bt[m]);
    } else {  // Gemm: y = alpha * A' B' + beta * C, N output columns
      if (wshape.rank() != 2) continue;
      const bool transB = attr_int_or(p, "transB", 0) != 0;
      const std::int64_t N = transB ? wshape[0] : wshape[1], K = transB ? wshape[1] : wshape[0];
      if (N != C) continue;
      const float gbeta = attr_float_or(p, "beta", 1.f);
      if (p.input(2) >= 0) {
        const Value* cc = f32_constant(g, p.input(2));
        if (!cc) continue;
        const std::int64_t cn = cc->shape.numel();
        const bool row = cn == N && (cc->shape.rank() == 1 || (cc->shape.rank() == 2 && cc->shape[0] == 1));
        if (!(row || cn == 1)) continue;
        const std::vector<float> cv = floats(*cc);
        for (std::size_t n = 0; n < static_cast<std::size_t>(N); ++n) bias[n] = gbeta * (cn == 1 ? cv[0] : cv[n]);
      }
      for (std::int64_t k = 0; k < K; ++k)
        for (std::int64_t n = 0; n < N; ++n) {
          const std::size_t idx = static_cast<std::size_t>(transB ? n * K + k : k * N + n);
          W[idx] = static_cast<float>(double(W[idx]) * s[static_cast<std::size_t>(n)]);
        }
      for (std::size_t n = 0; n < static_cast<std::size_t>(N); ++n)
        bias[n] = static_cast<float>((double(bias[n]) - Mu[n]) * s[n] + Bt[n]);
      AttrWriter aw(p.attrs);
      aw.set_float("beta", 1.f);
      p.attrs = aw.take();
    }
    const std::int32_t nw = add_f32_constant(g, p.name + "/W_bn", wshape, W);
    const std::int32_t nb = add_f32_constant(g, p.name + "/B_bn", Shape{C}, bias);
    if (p.inputs.size() < 3) p.inputs.resize(3, -1);
    p.inputs[1] = nw;
    p.inputs[2] = nb;
    p.outputs[0] = bn.outputs[0];
    dead[bi] = 1;
    ++changed;
    rd = readers(g);
  }
  erase_nodes(g, dead);
  return changed;
}

// ---- bias --------------------------------------------------------------------------------------
// Conv/Gemm + Add(constant) -> bias; MatMul + Add -> Gemm (when `shapes_known`, for the ranks).
inline int fuse_bias(Graph& g, bool shapes_known) {
  using namespace pass_detail;
  int changed = 0;
  const std::vector<std::int32_t> prod = g.producers();
  auto rd = readers(g);
  std::vector<char> dead(g.nodes.size(), 0);
  for (std::size_t ai = 0; ai < g.nodes.size(); ++ai) {
    Node& add = g.nodes[ai];
    if (add.op != OpCode::Add || add.inputs.size() != 2 || dead[ai]) continue;
    for (int side = 0; side < 2; ++side) {
      const std::int32_t y = add.inputs[static_cast<std::size_t>(side)], cv = add.inputs[static_cast<std::size_t>(1 - side)];
      const std::int32_t pi = y >= 0 ? prod[static_cast<std::size_t>(y)] : -1;
      const Value* c = f32_constant(g, cv);
      if (pi < 0 || !c || dead[static_cast<std::size_t>(pi)] || !single_use(g, rd, y)) continue;
      Node& p = g.nodes[static_cast<std::size_t>(pi)];
      if (p.outputs.size() != 1 || (is_conv_or_gemm(p) && has_epilogue(p))) continue;
      const Value* w = f32_constant(g, p.input(1));
      if (p.op == OpCode::Conv) {
        if (!w || w->shape.rank() < 3) continue;
        const std::int64_t M = w->shape[0];
        if (!per_channel(c->shape, w->shape.rank(), M)) continue;
        // Broadcasting must not grow the output: a constant of higher rank would.
        std::vector<float> bias(static_cast<std::size_t>(M), 0.f);
        if (p.input(2) >= 0) {
          const Value* b = f32_constant(g, p.input(2));
          if (!b || b->shape.numel() != M) continue;
          bias = floats(*b);
        }
        const std::vector<float> cvals = floats(*c);
        for (std::size_t m = 0; m < bias.size(); ++m) bias[m] += cvals.size() == 1 ? cvals[0] : cvals[m];
        if (p.inputs.size() < 3) p.inputs.resize(3, -1);
        p.inputs[2] = add_f32_constant(g, p.name + "/B_fused", Shape{M}, bias);
      } else if (p.op == OpCode::Gemm || (p.op == OpCode::MatMul && shapes_known)) {
        if (!w || w->shape.rank() != 2) continue;
        std::int64_t N;
        if (p.op == OpCode::MatMul) {
          const std::int32_t a = p.input(0);
          if (a < 0 || g.values[static_cast<std::size_t>(a)].shape.rank() != 2) continue;
          if (g.values[static_cast<std::size_t>(a)].dtype != DType::f32) continue;
          N = w->shape[1];
        } else {
          N = attr_int_or(p, "transB", 0) ? w->shape[0] : w->shape[1];
        }
        const std::int64_t cn = c->shape.numel();
        const bool row = c->shape.rank() <= 2 && (cn == N || cn == 1) &&
                         (c->shape.rank() < 2 || c->shape[0] == 1);
        if (!row || N < 0) continue;
        std::vector<float> bias(static_cast<std::size_t>(N), 0.f);
        const float beta = p.op == OpCode::Gemm ? attr_float_or(p, "beta", 1.f) : 1.f;
        if (p.op == OpCode::Gemm && p.input(2) >= 0) {
          const Value* old = f32_constant(g, p.input(2));
          if (!old) continue;
          const std::int64_t on = old->shape.numel();
          if (!(on == N || on == 1) || old->shape.rank() > 2 || (old->shape.rank() == 2 && old->shape[0] != 1)) continue;
          const std::vector<float> ov = floats(*old);
          for (std::size_t n = 0; n < bias.size(); ++n) bias[n] = beta * (on == 1 ? ov[0] : ov[n]);
        }
        const std::vector<float> cvals = floats(*c);
        for (std::size_t n = 0; n < bias.size(); ++n) bias[n] += cn == 1 ? cvals[0] : cvals[n];
        if (p.op == OpCode::MatMul) {
          p.op = OpCode::Gemm;
          p.attrs.clear();
        }
        AttrWriter aw(p.attrs);
        aw.set_float("beta", 1.f);
        p.attrs = aw.take();
        if (p.inputs.size() < 3) p.inputs.resize(3, -1);
        p.inputs[2] = add_f32_constant(g, p.name + "/C_fused", Shape{N}, bias);
      } else {
        continue;
      }
      p.outputs[0] = add.outputs[0];
      dead[ai] = 1;
      ++changed;
      rd = readers(g);
      break;
    }
  }
  erase_nodes(g, dead);
  return changed;
}

// ---- scale ----------------------------------------------------------------------------------
// Conv/Gemm followed by Mul (either side) or Div (divisor) by a per-output-channel or scalar
// constant: the scale goes into the weights and the bias.
inline int fuse_scale(Graph& g) {
  using namespace pass_detail;
  int changed = 0;
  const std::vector<std::int32_t> prod = g.producers();
  auto rd = readers(g);
  std::vector<char> dead(g.nodes.size(), 0);
  for (std::size_t mi = 0; mi < g.nodes.size(); ++mi) {
    Node& m = g.nodes[mi];
    if ((m.op != OpCode::Mul && m.op != OpCode::Div) || m.inputs.size() != 2 || dead[mi]) continue;
    for (int side = 0; side < (m.op == OpCode::Mul ? 2 : 1); ++side) {
      const std::int32_t y = m.inputs[static_cast<std::size_t>(side)], cv = m.inputs[static_cast<std::size_t>(1 - side)];
      const std::int32_t pi = y >= 0 ? prod[static_cast<std::size_t>(y)] : -1;
      const Value* c = f32_constant(g, cv);
      if (pi < 0 || !c || dead[static_cast<std::size_t>(pi)] || !single_use(g, rd, y)) continue;
      Node& p = g.nodes[static_cast<std::size_t>(pi)];
      if (!is_conv_or_gemm(p) || has_epilogue(p) || p.outputs.size() != 1) continue;
      const Value* w = f32_constant(g, p.input(1));
      if (!w) continue;
      std::int64_t M;  // output channels
      bool trans = false;
      if (p.op == OpCode::Conv) {
        if (w->shape.rank() < 3 || !per_channel(c->shape, w->shape.rank(), w->shape[0])) continue;
        M = w->shape[0];
      } else {
        if (w->shape.rank() != 2) continue;
        trans = attr_int_or(p, "transB", 0) != 0;
        M = trans ? w->shape[0] : w->shape[1];
        const std::int64_t cn = c->shape.numel();
        if (!(cn == 1 || cn == M) || c->shape.rank() > 2 || (c->shape.rank() == 2 && c->shape[0] != 1)) continue;
      }
      std::vector<float> sc = floats(*c);
      std::vector<double> s(static_cast<std::size_t>(M));
      bool finite = true;
      for (std::size_t k = 0; k < s.size(); ++k) {
        const double v = sc.size() == 1 ? sc[0] : sc[k];
        s[k] = m.op == OpCode::Div ? 1.0 / v : v;
        finite = finite && std::isfinite(s[k]);
      }
      if (!finite) continue;
      std::vector<float> W = floats(*w);
      const Shape wshape = w->shape;
      std::vector<float> bias;
      const Value* b = p.input(2) >= 0 ? f32_constant(g, p.input(2)) : nullptr;
      if (p.input(2) >= 0) {
        if (!b) continue;
        const std::int64_t bn = b->shape.numel();
        if (p.op == OpCode::Conv ? bn != M : !((bn == M || bn == 1) && b->shape.rank() <= 2 &&
                                               (b->shape.rank() < 2 || b->shape[0] == 1)))
          continue;
        const std::vector<float> bv = floats(*b);
        const float beta = p.op == OpCode::Gemm ? attr_float_or(p, "beta", 1.f) : 1.f;
        bias.resize(static_cast<std::size_t>(M));
        for (std::size_t k = 0; k < bias.size(); ++k)
          bias[k] = static_cast<float>(double(beta) * (bv.size() == 1 ? bv[0] : bv[k]) * s[k]);
      }
      if (p.op == OpCode::Conv) {
        const std::size_t per = static_cast<std::size_t>(wshape.numel() / M);
        for (std::size_t k = 0; k < static_cast<std::size_t>(M); ++k)
          for (std::size_t j = 0; j < per; ++j) W[k * per + j] = static_cast<float>(double(W[k * per + j]) * s[k]);
      } else {
        const std::int64_t K = trans ? wshape[1] : wshape[0];
        for (std::int64_t k = 0; k < K; ++k)
          for (std::int64_t n = 0; n < M; ++n) {
            const std::size_t idx = static_cast<std::size_t>(trans ? n * K + k : k * M + n);
            W[idx] = static_cast<float>(double(W[idx]) * s[static_cast<std::size_t>(n)]);
          }
        if (!bias.empty()) {
          AttrWriter aw(p.attrs);
          aw.set_float("beta", 1.f);
          p.attrs = aw.take();
        }
      }
      p.inputs[1] = add_f32_constant(g, p.name + "/W_scaled", wshape, W);
      if (!bias.empty()) p.inputs[2] = add_f32_constant(g, p.name + "/B_scaled", Shape{M}, bias);
      p.outputs[0] = m.outputs[0];
      dead[mi] = 1;
      ++changed;
      rd = readers(g);
      break;
    }
  }
  erase_nodes(g, dead);
  return changed;
}

// ---- Silu / HardSwish patterns -----------------------------------------------------------------
inline int fuse_patterns(Graph& g) {
  using namespace pass_detail;
  int changed = 0;
  const std::vector<std::int32_t> prod = g.producers();
  auto rd = readers(g);
  std::vector<char> dead(g.nodes.size(), 0);
  for (std::size_t mi = 0; mi < g.nodes.size(); ++mi) {
    Node& mul = g.nodes[mi];
    if (mul.op != OpCode::Mul || mul.inputs.size() != 2 || dead[mi]) continue;
    for (int side = 0; side < 2; ++side) {
      const std::int32_t x = mul.inputs[static_cast<std::size_t>(side)], s = mul.inputs[static_cast<std::size_t>(1 - side)];
      const std::int32_t si = s >= 0 ? prod[static_cast<std::size_t>(s)] : -1;
      if (si < 0 || dead[static_cast<std::size_t>(si)] || !single_use(g, rd, s)) continue;
      const Node& sn = g.nodes[static_cast<std::size_t>(si)];
      if (sn.inputs.size() != 1 || sn.inputs[0] != x) continue;
      OpCode op;
      if (sn.op == OpCode::Sigmoid) {
        op = OpCode::Silu;
      } else if (sn.op == OpCode::HardSigmoid && attr_float_or(sn, "alpha", 0.2f) == 1.f / 6.f &&
                 attr_float_or(sn, "beta", 0.5f) == 0.5f) {
        op = OpCode::HardSwish;
      } else {
        continue;
      }
      mul.op = op;
      mul.inputs = {x};
      mul.attrs.clear();
      dead[static_cast<std::size_t>(si)] = 1;
      ++changed;
      break;
    }
  }
  // x * Clip(x + 3, 0, 6) / 6: HardSwish as exporters without the op (paddle2onnx, old
  // PyTorch) write it.
  auto scalar_is = [&](std::int32_t v, float want) {
    float f;
    return scalar_f32(g, v, &f) && f == want;
  };
  auto producer_of = [&](std::int32_t v, OpCode op) -> std::int32_t {
    const std::int32_t p = v >= 0 ? prod[static_cast<std::size_t>(v)] : -1;
    if (p < 0 || dead[static_cast<std::size_t>(p)] || g.nodes[static_cast<std::size_t>(p)].op != op) return -1;
    return single_use(g, rd, v) ? p : -1;
  };
  for (std::size_t di = 0; di < g.nodes.size(); ++di) {
    Node& div = g.nodes[di];
    if (div.op != OpCode::Div || div.inputs.size() != 2 || dead[di] || !scalar_is(div.inputs[1], 6.f)) continue;
    const std::int32_t mi = producer_of(div.inputs[0], OpCode::Mul);
    if (mi < 0) continue;
    const Node& mul = g.nodes[static_cast<std::size_t>(mi)];
    for (int side = 0; side < 2; ++side) {
      const std::int32_t x = mul.inputs[static_cast<std::size_t>(side)];
      const std::int32_t ci = producer_of(mul.inputs[static_cast<std::size_t>(1 - side)], OpCode::Clip);
      if (ci < 0) continue;
      const Node& clip = g.nodes[static_cast<std::size_t>(ci)];
      if (clip.inputs.size() != 3 || !scalar_is(clip.inputs[1], 0.f) || !scalar_is(clip.inputs[2], 6.f)) continue;
      const std::int32_t ai = producer_of(clip.inputs[0], OpCode::Add);
      if (ai < 0) continue;
      const Node& add = g.nodes[static_cast<std::size_t>(ai)];
      const bool x_then_3 = add.inputs[0] == x && scalar_is(add.inputs[1], 3.f);
      const bool three_then_x = add.inputs[1] == x && scalar_is(add.inputs[0], 3.f);
      if (!x_then_3 && !three_then_x) continue;
      div.op = OpCode::HardSwish;
      div.inputs = {x};
      div.attrs.clear();
      dead[static_cast<std::size_t>(mi)] = dead[static_cast<std::size_t>(ci)] = dead[static_cast<std::size_t>(ai)] = 1;
      ++changed;
      break;
    }
  }
  erase_nodes(g, dead);
  return changed;
}

// ---- LayerNormalization -------------------------------------------------------------------
// The decomposed form exporters write below opset 17 (PyTorch, paddle2onnx):
//   m = ReduceMean(x, axes); d = x - m; v = ReduceMean(d ^ 2, axes); n = d / Sqrt(v + eps);
//   y = n * gamma + beta
// -> LayerNormalization(x, gamma, beta; axis, epsilon), when axes is a suffix of negative axes
// [-k .. -1], both means keep dims, the exponent is 2, eps, gamma and beta are constants, and
// gamma (beta) has the k normalised dims (leading 1s dropped).
inline int fuse_layernorm(Graph& g) {
  using namespace pass_detail;
  int changed = 0;
  const std::vector<std::int32_t> prod = g.producers();
  auto rd = readers(g);
  std::vector<char> dead(g.nodes.size(), 0);
  auto node_of = [&](std::int32_t v, OpCode op) -> std::int32_t {
    const std::int32_t p = v >= 0 ? prod[static_cast<std::size_t>(v)] : -1;
    if (p < 0 || dead[static_cast<std::size_t>(p)] || g.nodes[static_cast<std::size_t>(p)].op != op) return -1;
    return p;
  };
  auto axes_of = [&](const Node& rm, std::vector<std::int64_t>* axes) {
    if (rm.inputs.size() != 2 || attr_int_or(rm, "keepdims", 1) != 1) return false;
    const Value* a = constant(g, rm.inputs[1]);
    if (!a || a->dtype != DType::i64 || a->data.empty()) return false;
    axes->resize(a->data.size() / 8);
    std::memcpy(axes->data(), a->data.data(), a->data.size());
    for (std::size_t i = 0; i < axes->size(); ++i)
      if ((*axes)[i] != -static_cast<std::int64_t>(axes->size()) + static_cast<std::int64_t>(i)) return false;
    return true;
  };
  for (std::size_t di = 0; di < g.nodes.size(); ++di) {
    if (dead[di] || g.nodes[di].op != OpCode::Div || g.nodes[di].inputs.size() != 2) continue;
    const Node& div = g.nodes[di];
    const std::int32_t d = div.inputs[0];
    const std::int32_t sq = node_of(div.inputs[1], OpCode::Sqrt);
    const std::int32_t sub = node_of(d, OpCode::Sub);
    if (sq < 0 || sub < 0 || !single_use(g, rd, div.inputs[1]) || is_graph_output(g, d)) continue;
    const std::int32_t add_eps = node_of(g.nodes[static_cast<std::size_t>(sq)].inputs[0], OpCode::Add);
    if (add_eps < 0 || !single_use(g, rd, g.nodes[static_cast<std::size_t>(sq)].inputs[0])) continue;
    const Node& ae = g.nodes[static_cast<std::size_t>(add_eps)];
    float eps = 0;
    std::int32_t var_v = -1;
    if (scalar_f32(g, ae.inputs[1], &eps)) var_v = ae.inputs[0];
    else if (scalar_f32(g, ae.inputs[0], &eps)) var_v = ae.inputs[1];
    const std::int32_t rm2 = node_of(var_v, OpCode::ReduceMean);
    if (rm2 < 0 || !single_use(g, rd, var_v)) continue;
    const std::int32_t pw = node_of(g.nodes[static_cast<std::size_t>(rm2)].inputs[0], OpCode::Pow);
    if (pw < 0 || !single_use(g, rd, g.nodes[static_cast<std::size_t>(rm2)].inputs[0])) continue;
    float two = 0;
    const Node& pwn = g.nodes[static_cast<std::size_t>(pw)];
    if (pwn.inputs[0] != d || !scalar_f32(g, pwn.inputs[1], &two) || two != 2.f) continue;
    // d is read by exactly the Pow and the Div.
    if (rd[static_cast<std::size_t>(d)].size() != 2) continue;
    const Node& sn = g.nodes[static_cast<std::size_t>(sub)];
    const std::int32_t x = sn.inputs[0];
    const std::int32_t rm1 = node_of(sn.inputs[1], OpCode::ReduceMean);
    if (rm1 < 0 || !single_use(g, rd, sn.inputs[1]) || g.nodes[static_cast<std::size_t>(rm1)].inputs[0] != x) continue;
    std::vector<std::int64_t> ax1, ax2;
    if (!axes_of(g.nodes[static_cast<std::size_t>(rm1)], &ax1) || !axes_of(g.nodes[static_cast<std::size_t>(rm2)], &ax2) ||
        ax1 != ax2)
      continue;
    const std::int64_t k = static_cast<std::int64_t>(ax1.size());
    // The affine tail: n * gamma (+ beta).
    std::int32_t out = div.outputs[0];
    std::int32_t gamma = -1, beta = -1, mul_i = -1, addb_i = -1;
    auto normalised_const = [&](std::int32_t v) -> std::int32_t {
      const Value* c = f32_constant(g, v);
      if (!c || c->shape.numel() <= 1) return -1;
      int lead = 0;
      while (lead < c->shape.rank() && c->shape[lead] == 1) ++lead;
      if (c->shape.rank() - lead != k) return -1;
      if (lead == 0) return v;
      const std::vector<float> data = floats(*c);
      return add_f32_constant(g, c->name + "/ln", Shape(c->shape.data() + lead, static_cast<int>(k)), data);
    };
    const auto& outs = rd[static_cast<std::size_t>(out)];
    if (outs.size() == 1 && !is_graph_output(g, out)) {
      const std::int32_t mi = outs[0].first;
      const Node& mn = g.nodes[static_cast<std::size_t>(mi)];
      if (mn.op == OpCode::Mul && mn.inputs.size() == 2 && !dead[static_cast<std::size_t>(mi)]) {
        gamma = normalised_const(mn.inputs[mn.inputs[0] == out ? 1 : 0]);
        if (gamma >= 0) {
          mul_i = mi;
          out = mn.outputs[0];
          const auto& outs2 = rd[static_cast<std::size_t>(out)];
          if (outs2.size() == 1 && !is_graph_output(g, out)) {
            const std::int32_t ai = outs2[0].first;
            const Node& an = g.nodes[static_cast<std::size_t>(ai)];
            if (an.op == OpCode::Add && an.inputs.size() == 2 && !dead[static_cast<std::size_t>(ai)]) {
              beta = normalised_const(an.inputs[an.inputs[0] == out ? 1 : 0]);
              if (beta >= 0) {
                addb_i = ai;
                out = an.outputs[0];
              }
            }
          }
        }
      }
    }
    if (gamma < 0) continue;  // without a known scale the normalised size is unknown here
    Node ln;
    ln.op = OpCode::LayerNormalization;
    ln.name = g.nodes[static_cast<std::size_t>(rm1)].name + "/layernorm";
    ln.inputs = {x, gamma};
    if (beta >= 0) ln.inputs.push_back(beta);
    ln.outputs = {out};
    AttrWriter aw;
    aw.set_int("axis", -k).set_float("epsilon", eps);
    ln.attrs = aw.take();
    ln.source_op = "LayerNormalization pattern";
    ln.source_opset = g.nodes[di].source_opset;
    for (std::int32_t i : {rm1, sub, pw, rm2, add_eps, sq, static_cast<std::int32_t>(di), mul_i, addb_i})
      if (i >= 0) dead[static_cast<std::size_t>(i)] = 1;
    // Put the new node where the last one of the pattern was.
    const std::size_t last = static_cast<std::size_t>(addb_i >= 0 ? addb_i : mul_i);
    g.nodes[last] = std::move(ln);
    dead[last] = 0;
    ++changed;
    rd = readers(g);
  }
  erase_nodes(g, dead);
  return changed;
}

// ---- residual Add -----------------------------------------------------------------------------
inline int fuse_residual(Graph& g) {
  using namespace pass_detail;
  int changed = 0;
  const std::vector<std::int32_t> prod = g.producers();
  auto rd = readers(g);
  std::vector<char> dead(g.nodes.size(), 0);
  for (std::size_t ai = 0; ai < g.nodes.size(); ++ai) {
    Node& add = g.nodes[ai];
    if (add.op != OpCode::Add || add.inputs.size() != 2 || dead[ai]) continue;
    // Prefer the operand whose Conv comes later, so the other is computed before it.
    std::int32_t best = -1, best_side = -1;
    for (int side = 0; side < 2; ++side) {
      const std::int32_t y = add.inputs[static_cast<std::size_t>(side)], r = add.inputs[static_cast<std::size_t>(1 - side)];
      const std::int32_t pi = y >= 0 ? prod[static_cast<std::size_t>(y)] : -1;
      if (pi < 0 || r < 0 || r == y || dead[static_cast<std::size_t>(pi)] || !single_use(g, rd, y)) continue;
      const Node& p = g.nodes[static_cast<std::size_t>(pi)];
      if (p.op != OpCode::Conv || has_epilogue(p) || p.outputs.size() != 1) continue;
      const Value& yv = g.values[static_cast<std::size_t>(y)];
      const Value& rv = g.values[static_cast<std::size_t>(r)];
      const Value& ov = g.values[static_cast<std::size_t>(add.outputs[0])];
      if (yv.dtype != DType::f32 || rv.dtype != DType::f32 || !yv.shape.is_static()) continue;
      if (!(yv.shape == rv.shape) || !(ov.shape == yv.shape)) continue;
      if (pi > best) {
        best = pi;
        best_side = side;
      }
    }
    if (best < 0) continue;
    Node& p = g.nodes[static_cast<std::size_t>(best)];
    const std::int32_t r = add.inputs[static_cast<std::size_t>(1 - best_side)];
    if (p.inputs.size() < 4) p.inputs.resize(4, -1);
    p.inputs[3] = r;
    p.outputs[0] = add.outputs[0];
    dead[ai] = 1;
    ++changed;
    rd = readers(g);
  }
  erase_nodes(g, dead);
  // The Conv now reads r, which may come later in the node order.
  if (changed) (void)g.topological_sort();
  return changed;
}

// ---- activation epilogues ---------------------------------------------------------------------
inline int fuse_activation(Graph& g) {
  using namespace pass_detail;
  using kernels::ActivationKind;
  int changed = 0;
  const std::vector<std::int32_t> prod = g.producers();
  auto rd = readers(g);
  std::vector<char> dead(g.nodes.size(), 0);
  for (std::size_t pi = 0; pi < g.nodes.size(); ++pi) {
    Node& p = g.nodes[pi];
    if (!is_conv_or_gemm(p) || dead[pi] || p.outputs.size() != 1 || p.attr_list().has("activation")) continue;
    const std::int32_t y = p.outputs[0];
    if (is_graph_output(g, y)) continue;
    const auto& users = rd[static_cast<std::size_t>(y)];
    ActivationKind kind = ActivationKind::Identity;
    float alpha = 0.f, beta = 0.f;
    std::int32_t new_out = -1;
    std::vector<std::int32_t> remove;
    if (users.size() == 1) {
      const std::int32_t ui = users[0].first;
      const Node& a = g.nodes[static_cast<std::size_t>(ui)];
      if (dead[static_cast<std::size_t>(ui)] || a.outputs.size() != 1 || a.inputs.empty() || a.inputs[0] != y) continue;
      bool ok = true;
      switch (a.op) {
        case OpCode::Relu: kind = ActivationKind::Relu; break;
        case OpCode::Sigmoid: kind = ActivationKind::Sigmoid; break;
        case OpCode::Tanh: kind = ActivationKind::Tanh; break;
        case OpCode::Silu: kind = ActivationKind::Silu; break;
        case OpCode::LeakyRelu:
          kind = ActivationKind::LeakyRelu;
          alpha = attr_float_or(a, "alpha", 0.01f);
          break;
        case OpCode::HardSigmoid:
          kind = ActivationKind::HardSigmoid;
          alpha = attr_float_or(a, "alpha", 0.2f);
          beta = attr_float_or(a, "beta", 0.5f);
          break;
        case OpCode::HardSwish:
          kind = ActivationKind::HardSwish;
          alpha = 1.f / 6.f;
          beta = 0.5f;
          break;
        case OpCode::Gelu: {
          const char* s = nullptr;
          std::uint32_t len = 0;
          if (a.attr_list().read_string("approximate", &s, &len).ok() && s && !(len == 4 && std::memcmp(s, "none", 4) == 0))
            ok = false;  // the tanh approximation is not the erf epilogue
          kind = ActivationKind::Gelu;
          break;
        }
        case OpCode::Clip: {
          kind = ActivationKind::Clip;
          alpha = -std::numeric_limits<float>::infinity();
          beta = std::numeric_limits<float>::infinity();
          if (a.input(1) >= 0 && !scalar_f32(g, a.input(1), &alpha)) ok = false;
          if (a.input(2) >= 0 && !scalar_f32(g, a.input(2), &beta)) ok = false;
          break;
        }
        default: ok = false;
      }
      if (!ok) continue;
      new_out = a.outputs[0];
      remove.push_back(ui);
    } else if (users.size() == 2) {
      // Mul(y, Sigmoid(y)) or Mul(y, HardSigmoid(y)), in either order.
      std::int32_t si = -1, mi = -1;
      for (const auto& u : users) {
        const Node& a = g.nodes[static_cast<std::size_t>(u.first)];
        if ((a.op == OpCode::Sigmoid || a.op == OpCode::HardSigmoid) && a.inputs.size() == 1) si = u.first;
        else if (a.op == OpCode::Mul && a.inputs.size() == 2) mi = u.first;
      }
      if (si < 0 || mi < 0 || dead[static_cast<std::size_t>(si)] || dead[static_cast<std::size_t>(mi)]) continue;
      const Node& s = g.nodes[static_cast<std::size_t>(si)];
      const Node& m = g.nodes[static_cast<std::size_t>(mi)];
      const std::int32_t sv = s.outputs[0];
      if (!single_use(g, rd, sv)) continue;
      if (!((m.inputs[0] == y && m.inputs[1] == sv) || (m.inputs[1] == y && m.inputs[0] == sv))) continue;
      if (s.op == OpCode::Sigmoid) {
        kind = ActivationKind::Silu;
      } else {
        kind = ActivationKind::HardSwish;
        alpha = attr_float_or(s, "alpha", 0.2f);
        beta = attr_float_or(s, "beta", 0.5f);
      }
      new_out = m.outputs[0];
      remove = {si, mi};
    } else {
      continue;
    }
    AttrWriter aw(p.attrs);
    aw.set_int("activation", static_cast<std::int64_t>(kind));
    aw.set_float("activation_alpha", alpha).set_float("activation_beta", beta);
    p.attrs = aw.take();
    p.outputs[0] = new_out;
    for (std::int32_t r : remove) dead[static_cast<std::size_t>(r)] = 1;
    ++changed;
  }
  erase_nodes(g, dead);
  (void)prod;
  return changed;
}

// ---- dead code ------------------------------------------------------------------------------
// Removes nodes no graph output depends on, then values nothing refers to (renumbering).
inline int dead_code(Graph& g) {
  std::vector<char> live_v(g.values.size(), 0), live_n(g.nodes.size(), 0);
  for (std::int32_t o : g.outputs)
    if (o >= 0) live_v[static_cast<std::size_t>(o)] = 1;
  for (std::size_t i = g.nodes.size(); i-- > 0;) {
    bool live = false;
    for (std::int32_t o : g.nodes[i].outputs)
      if (o >= 0 && live_v[static_cast<std::size_t>(o)]) live = true;
    if (!live) continue;
    live_n[i] = 1;
    for (std::int32_t v : g.nodes[i].inputs)
      if (v >= 0) live_v[static_cast<std::size_t>(v)] = 1;
  }
  int removed = 0;
  std::vector<char> dead(g.nodes.size(), 0);
  for (std::size_t i = 0; i < g.nodes.size(); ++i)
    if (!live_n[i]) {
      dead[i] = 1;
      ++removed;
    }
  pass_detail::erase_nodes(g, dead);
  // Keep graph inputs even when unused: they are part of the model's interface.
  for (std::int32_t i : g.inputs)
    if (i >= 0) live_v[static_cast<std::size_t>(i)] = 1;
  for (const Node& n : g.nodes)
    for (std::int32_t o : n.outputs)
      if (o >= 0) live_v[static_cast<std::size_t>(o)] = 1;
  std::vector<std::int32_t> remap(g.values.size(), -1);
  std::vector<Value> kept;
  for (std::size_t i = 0; i < g.values.size(); ++i)
    if (live_v[i]) {
      remap[i] = static_cast<std::int32_t>(kept.size());
      kept.push_back(std::move(g.values[i]));
    }
  g.values.swap(kept);
  auto fix = [&](std::int32_t& v) {
    if (v >= 0) v = remap[static_cast<std::size_t>(v)];
  };
  for (Node& n : g.nodes) {
    for (std::int32_t& v : n.inputs) fix(v);
    for (std::int32_t& v : n.outputs) fix(v);
  }
  for (std::int32_t& v : g.inputs) fix(v);
  for (std::int32_t& v : g.outputs) fix(v);
  return removed;
}

}  // namespace graph
}  // namespace luodi

#endif  // LUODI_HAS_FILESYSTEM
