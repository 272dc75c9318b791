// CNN-shaped graphs built in code (a MobileNetV2-like net with inverted residuals, a ResNet-like
// net with BatchNorm and MaxPool, torchvision's MobileNetV2 and ResNet-18 (model_zoo.hpp) at a
// small input size, and an OCR-detector-like head whose upsampling sizes come from
// Shape -> Slice -> Mul -> Concat on a dynamic input): run() against the ref kernels node by
// node, on every ISA, and the planned arena against the planner's lower bound.
#include <doctest/doctest.h>
#include <luodi/format/writer.hpp>
#include <luodi/runtime/session.hpp>

#include <cmath>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "../support/test_util.hpp"
#include "load_graph.hpp"
#include "reference_eval.hpp"
#include "model_zoo.hpp"
#include "test_graphs.hpp"

using namespace luodi;
using namespace luodi::graph;
using luodi_test::make_constant;
using luodi_test::make_node;
using luodi_test::make_value;

namespace {

using Builder = luodi_test::GraphBuilder;

Graph mobilenet_like(std::int64_t hw) {
  Graph g;
  Builder b(&g);
  const std::int32_t x = g.add_value(make_value("input", DType::f32, Shape{1, 3, hw, hw}));
  g.inputs = {x};
  std::int32_t t = b.relu6(b.conv(x, 3, 16, 3, 2, 1, "stem"), "stem.act");
  std::int64_t c = 16;
  // (expansion, out channels, stride) per inverted residual block
  const std::int64_t blocks[][3] = {{1, 16, 1}, {6, 24, 2}, {6, 24, 1}, {6, 32, 2}, {6, 32, 1}, {6, 32, 1}, {6, 64, 2}, {6, 64, 1}};
  int i = 0;
  for (const auto& blk : blocks) {
    const std::string n = "block" + std::to_string(i++);
    const std::int64_t hidden = c * blk[0];
    std::int32_t y = t;
    if (blk[0] != 1) y = b.relu6(b.conv(y, c, hidden, 1, 1, 1, n + ".expand"), n + ".expand.act");
    y = b.relu6(b.conv(y, hidden, hidden, 3, blk[2], hidden, n + ".dw"), n + ".dw.act");
    y = b.conv(y, hidden, blk[1], 1, 1, 1, n + ".project");
    if (blk[2] == 1 && blk[1] == c) y = b.binary(OpCode::Add, y, t, n + ".add");
    t = y;
    c = blk[1];
  }
  t = b.relu6(b.conv(t, c, 128, 1, 1, 1, "last"), "last.act");
  g.outputs = {b.classifier(t, 128, 10)};
  return g;
}

Graph resnet_like(std::int64_t hw) {
  Graph g;
  Builder b(&g);
  const std::int32_t x = g.add_value(make_value("input", DType::f32, Shape{1, 3, hw, hw}));
  g.inputs = {x};
  std::int32_t t = b.unary(OpCode::Relu, b.batchnorm(b.conv(x, 3, 16, 7, 2, 1, "stem"), 16, "stem.bn"), "stem.relu");
  t = b.maxpool(t, "pool");
  std::int64_t c = 16;
  const std::int64_t stages[][2] = {{16, 1}, {32, 2}, {64, 2}};
  int i = 0;
  for (const auto& st : stages) {
    const std::string n = "layer" + std::to_string(i++);
    std::int32_t y = b.unary(OpCode::Relu, b.batchnorm(b.conv(t, c, st[0], 3, st[1], 1, n + ".conv1"), st[0], n + ".bn1"), n + ".relu1");
    y = b.batchnorm(b.conv(y, st[0], st[0], 3, 1, 1, n + ".conv2"), st[0], n + ".bn2");
    std::int32_t skip = t;
    if (st[1] != 1 || st[0] != c) skip = b.conv(t, c, st[0], 1, st[1], 1, n + ".down");
    t = b.unary(OpCode::Relu, b.binary(OpCode::Add, y, skip, n + ".add"), n + ".relu2");
    c = st[0];
  }
  g.outputs = {b.classifier(t, c, 10)};
  return g;
}

// An OCR-detector-like head on a dynamic input: features at 1/4 and 1/8, the 1/8 map upsampled
// to the 1/4 map's size with sizes = Concat(Shape(x4)[0:2], Shape(x4)[2:4]) computed at prepare
// time, then added, then a sigmoid probability map upsampled by 4 with constant scales.
Graph detector_like() {
  Graph g;
  Builder b(&g);
  Value in = make_value("input", DType::f32, Shape{1, 3, -1, -1});
  in.dim_names = {"", "", "height", "width"};
  const std::int32_t x = g.add_value(in);
  g.inputs = {x};
  const std::int32_t x2 = b.unary(OpCode::Relu, b.conv(x, 3, 8, 3, 2, 1, "c1"), "r1");
  const std::int32_t x4 = b.unary(OpCode::Relu, b.conv(x2, 8, 16, 3, 2, 1, "c2"), "r2");
  const std::int32_t x8 = b.unary(OpCode::Relu, b.conv(x4, 16, 16, 3, 2, 1, "c3"), "r3");
  const std::int32_t shp = b.value("shape4", DType::i64);
  g.add_node(make_node(OpCode::Shape, "shape4", {x4}, {shp}));
  const std::int32_t hw = b.value("hw4", DType::i64);
  g.add_node(make_node(OpCode::Slice, "slice_hw", {shp, b.i64("s0", {2}), b.i64("s1", {4}), b.i64("sa", {0})}, {hw}));
  const std::int32_t nc = b.value("nc4", DType::i64);
  g.add_node(make_node(OpCode::Gather, "gather_nc", {shp, b.i64("nc_idx", {0, 1})}, {nc}));
  const std::int32_t sizes = b.value("sizes", DType::i64);
  g.add_node(make_node(OpCode::Concat, "concat_sizes", {nc, hw}, {sizes}, AttrWriter().set_int("axis", 0).take()));
  const std::int32_t up = b.value("up8");
  const std::int32_t empty_f = g.add_value(make_constant<float>("empty", Shape{0}, {}));
  g.add_node(make_node(OpCode::Resize, "resize8", {x8, empty_f, empty_f, sizes}, {up},
                       AttrWriter().set_string("mode", "nearest").take()));
  const std::int32_t fused = b.binary(OpCode::Add, up, x4, "fuse");
  const std::int32_t logit = b.conv(fused, 16, 1, 3, 1, 1, "head");
  const std::int32_t prob = b.unary(OpCode::Sigmoid, logit, "prob");
  const std::int32_t scales = g.add_value(make_constant<float>("scales", Shape{4}, {1.0f, 1.0f, 4.0f, 4.0f}));
  const std::int32_t out = b.value("prob_full");
  g.add_node(make_node(OpCode::Resize, "resize_out", {prob, empty_f, scales}, {out},
                       AttrWriter().set_string("mode", "linear").set_string("coordinate_transformation_mode", "half_pixel").take()));
  g.outputs = {out};
  return g;
}

using Loaded = luodi_test::LoadedModel;

Value random_input(Shape s, std::uint32_t seed) {
  std::vector<float> v = luodi_test::random_floats(static_cast<std::size_t>(s.numel()), -1.0f, 1.0f, seed);
  return make_constant<float>("input", s, v);
}

void check_model(const Graph& g, const std::vector<Shape>& input_shapes, const char* what) {
  Loaded lm = luodi_test::load_graph(g);
  for (Isa isa : luodi_test::available_isas()) {
    const std::string model_name = what, isa_label = isa_name(isa);
    CAPTURE(model_name);
    CAPTURE(isa_label);
    SessionOptions opt;
    opt.isa = isa;
    Session s(lm.model, opt);
    for (const Shape& shape : input_shapes) {
      const std::string shape_label = shape.str().c_str();
      CAPTURE(shape_label);
      REQUIRE(s.set_input_shape(0, shape).ok());
      REQUIRE_MESSAGE(s.prepare().ok(), std::string(s.status().message()));
      const Value xin = random_input(shape, static_cast<std::uint32_t>(shape.numel()));
      std::memcpy(s.input(0).data, xin.data.data(), xin.data.size());
      s.run();
      auto ref = luodi_test::reference_eval(g, {xin});
      REQUIRE_MESSAGE(ref.ok(), std::string(ref.status().message()));
      const TensorRef out = s.output_ref(0);
      const Value& want = ref->at(out.name);
      REQUIRE(out.shape == want.shape);
      const double err = luodi_test::relative_error(static_cast<const float*>(out.data), want);
      // The ref ISA runs the same ref kernels as the node-by-node evaluation: bit for bit.
      // SIMD convolutions and GEMMs sum in another order (and with FMA): relative 1e-4.
      if (isa == Isa::scalar) CHECK(err == 0.0);
      else CHECK(err <= 1e-4);
      const MemoryStats& m = s.memory();
      const double ratio = static_cast<double>(m.activations) / static_cast<double>(m.lower_bound);
      CHECK(ratio <= 1.15);
      if (isa == Isa::scalar)
        MESSAGE(model_name << " " << shape_label << ": arena " << m.activations << " B, lower bound " << m.lower_bound
                     << " B (ratio " << ratio << "), packed weights " << m.packed << " B, persistent " << m.persistent << " B");
    }
  }
}

}  // namespace

TEST_CASE("cnn graphs: a MobileNetV2-like net") { check_model(mobilenet_like(64), {Shape{1, 3, 64, 64}}, "mobilenet-like"); }

TEST_CASE("cnn graphs: a ResNet-like net") { check_model(resnet_like(64), {Shape{1, 3, 64, 64}}, "resnet-like"); }

TEST_CASE("cnn graphs: torchvision MobileNetV2 and ResNet-18 at 64x64") {
  check_model(luodi_test::mobilenet_v2(64, 64, 10), {Shape{1, 3, 64, 64}}, "mobilenet_v2");
  check_model(luodi_test::resnet(18, 64, 64, 10), {Shape{1, 3, 64, 64}}, "resnet18");
}

// Every kernel partitions over independent outputs and small nodes run whole on the caller
// (useful_threads), so the thread count, the pool's spin setting, the order tasks run in and
// which thread runs them must not change a single bit. Compared over every intermediate tensor.
TEST_CASE("cnn graphs: 1, 2 and 3 threads, spinning or not, and a user executor give the same bits") {
  struct Reversed : Executor {  // a user's executor: runs the tasks last to first, on the caller
    int concurrency() const noexcept override { return 4; }
    void run(std::int64_t tasks, RangeFn task) noexcept override {
      for (std::int64_t i = tasks - 1; i >= 0; --i) task(i, i + 1);
    }
  };
  for (const char* name : {"mobilenet_v2", "resnet18"}) {
    CAPTURE(name);
    const Graph g = std::string(name) == "resnet18" ? luodi_test::resnet(18, 64, 64, 10) : luodi_test::mobilenet_v2(64, 64, 10);
    Loaded lm = luodi_test::load_graph(g);
    const Value xin = random_input(Shape{1, 3, 64, 64}, 5);
    std::vector<std::vector<std::uint8_t>> want;
    struct Config {
      int threads, spin;
      bool user;
      std::int64_t min_flops;  // the small-node cut-off; 0 splits every conv
    };
    const Config configs[] = {{1, 0, false, 0},
                              {2, kDefaultSpinMicroseconds, false, kMinFlopsPerThread},
                              {2, kDefaultSpinMicroseconds, false, 0},
                              {2, 0, false, 0},
                              {3, 50, false, 0},
                              {1, 0, true, kMinFlopsPerThread},
                              {1, 0, true, 0}};
    for (const Config& c : configs) {
      if (c.threads > 1 && !LUODI_HAS_THREADS) continue;  // no pool in this build
      CAPTURE(c.threads);
      CAPTURE(c.spin);
      CAPTURE(c.user);
      CAPTURE(c.min_flops);
      Reversed rev;
      rev.set_min_flops_per_thread(c.min_flops);
      SessionOptions opt;
      opt.threads = c.threads;
      opt.spin_microseconds = c.spin;
      opt.min_flops_per_thread = c.min_flops;  // the pool's cut-off (the user executor has its own)
      opt.keep_intermediates = true;
      if (c.user) opt.executor = &rev;
      Session s(lm.model, opt);
      REQUIRE_MESSAGE(s.ok(), std::string(s.status().message()));
      std::memcpy(s.input(0).data, xin.data.data(), xin.data.size());
      for (int rep = 0; rep < 2; ++rep) {  // twice: a second run on warm workers is the same
        s.run();
        std::vector<std::vector<std::uint8_t>> got;
        for (std::int32_t v = 0; v < static_cast<std::int32_t>(g.values.size()); ++v) {
          const Result<TensorRef> r = s.tensor(g.values[static_cast<std::size_t>(v)].name.c_str());
          if (!r.ok() || r->data == nullptr) continue;
          const TensorRef t = *r;
          const auto* b = static_cast<const std::uint8_t*>(t.data);
          got.emplace_back(b, b + t.shape.numel() * static_cast<std::int64_t>(dtype_size(t.dtype)));
        }
        REQUIRE(got.size() > 50);
        if (want.empty()) want = got;
        REQUIRE(got.size() == want.size());
        std::size_t differing = 0;
        for (std::size_t k = 0; k < got.size(); ++k) differing += got[k] != want[k];
        CHECK(differing == 0);
      }
    }
  }
}

TEST_CASE("cnn graphs: a detector head re-prepared for several input sizes") {
  check_model(detector_like(), {Shape{1, 3, 64, 96}, Shape{1, 3, 32, 32}, Shape{1, 3, 128, 64}}, "detector-like");
}
