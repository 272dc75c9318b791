// CNN graphs built in code with random weights, for runtime tests and benches: a graph builder,
// and the torchvision architectures MobileNetV2 and ResNet-18/50 as their ONNX exports look
// (BatchNorm folded into the convolutions' biases, ReLU/ReLU6 as separate nodes, ResNet's
// residual Add then ReLU), at any input size.
#pragma once

#include <luodi/graph/ir.hpp>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "test_graphs.hpp"

namespace luodi_test {

class GraphBuilder {
 public:
  explicit GraphBuilder(luodi::graph::Graph* g, std::uint32_t seed = 17) : g_(g), rng_(seed) {}

  luodi::graph::Graph& graph() noexcept { return *g_; }

  std::int32_t value(const std::string& name, luodi::DType dt = luodi::DType::f32) {
    return g_->add_value(make_value(name, dt, luodi::Shape{}));
  }
  std::int32_t weight(const std::string& name, luodi::Shape s, float stddev) {
    std::normal_distribution<float> d(0.0f, stddev);
    std::vector<float> v(static_cast<std::size_t>(s.numel()));
    for (auto& x : v) x = d(rng_);
    return g_->add_value(make_constant<float>(name, s, v));
  }
  std::int32_t positive(const std::string& name, luodi::Shape s) {
    std::uniform_real_distribution<float> d(0.5f, 1.5f);
    std::vector<float> v(static_cast<std::size_t>(s.numel()));
    for (auto& x : v) x = d(rng_);
    return g_->add_value(make_constant<float>(name, s, v));
  }
  std::int32_t i64(const std::string& name, std::vector<std::int64_t> v) {
    return g_->add_value(make_constant<std::int64_t>(name, luodi::Shape{static_cast<std::int64_t>(v.size())}, v));
  }
  std::int32_t f32_scalar(const std::string& name, float v) {
    return g_->add_value(make_constant<float>(name, luodi::Shape{}, {v}));
  }

  // Conv with bias, pads k/2 (He-initialised so activations stay O(1)).
  std::int32_t conv(std::int32_t x, std::int64_t cin, std::int64_t cout, std::int64_t k, std::int64_t stride,
                    std::int64_t groups, const std::string& name) {
    using namespace luodi::graph;
    const float stddev = std::sqrt(2.0f / static_cast<float>(cin / groups * k * k));
    const std::int32_t w = weight(name + ".w", luodi::Shape{cout, cin / groups, k, k}, stddev);
    const std::int32_t b = weight(name + ".b", luodi::Shape{cout}, 0.1f);
    const std::int32_t y = value(name);
    AttrWriter a;
    a.set_ints("kernel_shape", {k, k}).set_ints("strides", {stride, stride}).set_int("group", groups);
    a.set_ints("pads", {k / 2, k / 2, k / 2, k / 2});
    g_->add_node(make_node(OpCode::Conv, name, {x, w, b}, {y}, a.take()));
    return y;
  }
  std::int32_t relu6(std::int32_t x, const std::string& name) {
    const std::int32_t y = value(name);
    g_->add_node(make_node(luodi::graph::OpCode::Clip, name,
                           {x, f32_scalar(name + ".lo", 0.0f), f32_scalar(name + ".hi", 6.0f)}, {y}));
    return y;
  }
  std::int32_t unary(luodi::graph::OpCode op, std::int32_t x, const std::string& name) {
    const std::int32_t y = value(name);
    g_->add_node(make_node(op, name, {x}, {y}));
    return y;
  }
  std::int32_t binary(luodi::graph::OpCode op, std::int32_t a, std::int32_t b, const std::string& name) {
    const std::int32_t y = value(name);
    g_->add_node(make_node(op, name, {a, b}, {y}));
    return y;
  }
  std::int32_t batchnorm(std::int32_t x, std::int64_t c, const std::string& name) {
    const std::int32_t y = value(name);
    g_->add_node(make_node(luodi::graph::OpCode::BatchNormalization, name,
                           {x, weight(name + ".scale", luodi::Shape{c}, 0.5f), weight(name + ".bias", luodi::Shape{c}, 0.1f),
                            weight(name + ".mean", luodi::Shape{c}, 0.1f), positive(name + ".var", luodi::Shape{c})},
                           {y}));
    return y;
  }
  std::int32_t maxpool(std::int32_t x, const std::string& name) {
    using namespace luodi::graph;
    const std::int32_t y = value(name);
    g_->add_node(make_node(OpCode::MaxPool, name, {x}, {y},
                           AttrWriter().set_ints("kernel_shape", {3, 3}).set_ints("strides", {2, 2}).set_ints("pads", {1, 1, 1, 1}).take()));
    return y;
  }
  // GlobalAveragePool -> Flatten -> Gemm -> Softmax.
  std::int32_t classifier(std::int32_t x, std::int64_t c, std::int64_t classes) {
    using namespace luodi::graph;
    const std::int32_t gap = value("gap");
    g_->add_node(make_node(OpCode::GlobalAveragePool, "gap", {x}, {gap}));
    const std::int32_t flat = value("flat");
    g_->add_node(make_node(OpCode::Flatten, "flatten", {gap}, {flat}));
    const std::int32_t logits = value("logits");
    g_->add_node(make_node(OpCode::Gemm, "fc",
                           {flat, weight("fc.w", luodi::Shape{classes, c}, 0.05f), weight("fc.b", luodi::Shape{classes}, 0.1f)},
                           {logits}, AttrWriter().set_int("transB", 1).take()));
    const std::int32_t prob = value("prob");
    g_->add_node(make_node(OpCode::Softmax, "softmax", {logits}, {prob}, AttrWriter().set_int("axis", 1).take()));
    return prob;
  }

 private:
  luodi::graph::Graph* g_;
  std::mt19937 rng_;
};

// torchvision.models.mobilenet_v2 (width 1.0) as exported to ONNX: BatchNorm folded.
inline luodi::graph::Graph mobilenet_v2(std::int64_t h, std::int64_t w, std::int64_t classes = 1000) {
  using namespace luodi;
  graph::Graph g;
  GraphBuilder b(&g);
  const std::int32_t x = g.add_value(make_value("input", DType::f32, Shape{1, 3, h, w}));
  g.inputs = {x};
  std::int32_t t = b.relu6(b.conv(x, 3, 32, 3, 2, 1, "features.0"), "features.0.act");
  std::int64_t c = 32;
  const std::int64_t settings[][4] = {{1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2}, {6, 64, 4, 2},
                                      {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
  int block = 1;
  for (const auto& s : settings) {
    for (std::int64_t i = 0; i < s[2]; ++i) {
      const std::string n = "features." + std::to_string(block++);
      const std::int64_t stride = i == 0 ? s[3] : 1, hidden = c * s[0];
      std::int32_t y = t;
      if (s[0] != 1) y = b.relu6(b.conv(y, c, hidden, 1, 1, 1, n + ".expand"), n + ".expand.act");
      y = b.relu6(b.conv(y, hidden, hidden, 3, stride, hidden, n + ".dw"), n + ".dw.act");
      y = b.conv(y, hidden, s[1], 1, 1, 1, n + ".project");
      if (stride == 1 && s[1] == c) y = b.binary(graph::OpCode::Add, t, y, n + ".add");
      t = y;
      c = s[1];
    }
  }
  t = b.relu6(b.conv(t, c, 1280, 1, 1, 1, "features.18"), "features.18.act");
  g.outputs = {b.classifier(t, 1280, classes)};
  return g;
}

// torchvision.models.resnet18 / resnet50 as exported to ONNX: BatchNorm folded.
inline luodi::graph::Graph resnet(int depth, std::int64_t h, std::int64_t w, std::int64_t classes = 1000) {
  using namespace luodi;
  graph::Graph g;
  GraphBuilder b(&g);
  const std::int32_t x = g.add_value(make_value("input", DType::f32, Shape{1, 3, h, w}));
  g.inputs = {x};
  std::int32_t t = b.maxpool(b.unary(graph::OpCode::Relu, b.conv(x, 3, 64, 7, 2, 1, "conv1"), "relu"), "maxpool");
  const bool bottleneck = depth >= 50;
  const int blocks50[4] = {3, 4, 6, 3}, blocks18[4] = {2, 2, 2, 2};
  const int* blocks = bottleneck ? blocks50 : blocks18;
  std::int64_t c = 64;
  for (int stage = 0; stage < 4; ++stage) {
    const std::int64_t width = 64 << stage, out = bottleneck ? 4 * width : width;
    for (int i = 0; i < blocks[stage]; ++i) {
      const std::string n = "layer" + std::to_string(stage + 1) + "." + std::to_string(i);
      const std::int64_t stride = (i == 0 && stage > 0) ? 2 : 1;
      std::int32_t y;
      if (bottleneck) {
        y = b.unary(graph::OpCode::Relu, b.conv(t, c, width, 1, 1, 1, n + ".conv1"), n + ".relu1");
        y = b.unary(graph::OpCode::Relu, b.conv(y, width, width, 3, stride, 1, n + ".conv2"), n + ".relu2");
        y = b.conv(y, width, out, 1, 1, 1, n + ".conv3");
      } else {
        y = b.unary(graph::OpCode::Relu, b.conv(t, c, width, 3, stride, 1, n + ".conv1"), n + ".relu1");
        y = b.conv(y, width, width, 3, 1, 1, n + ".conv2");
      }
      std::int32_t skip = t;
      if (stride != 1 || c != out) skip = b.conv(t, c, out, 1, stride, 1, n + ".downsample");
      t = b.unary(graph::OpCode::Relu, b.binary(graph::OpCode::Add, y, skip, n + ".add"), n + ".relu");
      c = out;
    }
  }
  g.outputs = {b.classifier(t, c, classes)};
  return g;
}

}  // namespace luodi_test
