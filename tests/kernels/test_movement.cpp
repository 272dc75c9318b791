// Data movement: ref against PyTorch, numpy (Python slicing, numpy.pad/take) and the ONNX test
// data; the fast paths against ref at odd shapes, every element size, with threads; the shape
// helpers; the error paths.
#include <doctest/doctest.h>
#include <luodi/core/thread_pool.hpp>
#include <luodi/kernels/movement/movement.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "../support/ops_fixtures.hpp"
#include "../support/test_util.hpp"

using namespace luodi;
using namespace luodi::kernels;
using luodi_test::FixtureCase;

namespace {

DType dtype_from_numpy(const std::string& s) {
  if (s == "float32") return DType::f32;
  if (s == "float16") return DType::f16;
  if (s == "int8") return DType::i8;
  if (s == "uint8") return DType::u8;
  if (s == "int32") return DType::i32;
  if (s == "int64") return DType::i64;
  if (s == "bool") return DType::boolean;
  FAIL("unknown dtype " << s);
  return DType::f32;
}

std::vector<unsigned char> random_bytes(std::size_t n, std::uint32_t seed) {
  std::mt19937 g(seed);
  std::vector<unsigned char> v(n);
  for (auto& b : v) b = static_cast<unsigned char>(g());
  return v;
}

bool starts_with(const std::string& s, const char* p) { return s.rfind(p, 0) == 0; }

#if LUODI_HAS_THREADS
ThreadPool& pool() {
  static ThreadPool p(2);
  return p;
}
Executor* executors[] = {nullptr, &pool()};
#else
Executor* executors[] = {nullptr};
#endif

}  // namespace

TEST_CASE("movement ref and fast paths: against PyTorch, numpy and the ONNX test data") {
  luodi_test::FixtureFile f;
  std::string err;
  REQUIRE_MESSAGE(f.load("movement.ldfx", &err), err);
  int counts[16] = {};
  for (const FixtureCase& c : f.cases()) {
    INFO("case " << c.name << " (" << c.at("src").str() << ")");
    if (starts_with(c.name, "transpose")) {
      const auto& x = c.at("x");
      const auto& y = c.at("y");
      const auto perm = c.at("perm").ints();
      auto shape = transpose_output_shape(x.shape, perm.data(), static_cast<int>(perm.size()));
      REQUIRE_MESSAGE(shape.ok(), std::string(shape.status().message()));
      CHECK(*shape == y.shape);
      auto p = transpose_params_make(x.shape, perm.data(), static_cast<int>(perm.size()), dtype_size(x.dtype));
      REQUIRE(p.ok());
      std::vector<unsigned char> got(y.bytes.size());
      ref::transpose(*p, x.bytes.data(), got.data());
      CHECK(got == y.bytes);
      for (Executor* ex : executors) {
        std::fill(got.begin(), got.end(), 0);
        transpose(*p, x.bytes.data(), got.data(), ex);
        CHECK(got == y.bytes);
      }
      ++counts[0];
    } else if (starts_with(c.name, "concat")) {
      const int n = static_cast<int>(c.at("count").scalar_int());
      std::vector<const Shape*> shapes;
      std::vector<const void*> ptrs;
      std::vector<std::int64_t> axis_dims;
      const std::int64_t axis = c.at("axis").scalar_int();
      for (int i = 0; i < n; ++i) {
        const auto& xi = c.at(("x" + std::to_string(i)).c_str());
        shapes.push_back(&xi.shape);
        ptrs.push_back(xi.bytes.data());
        axis_dims.push_back(xi.shape.dim(static_cast<int>(axis)));
      }
      const auto& y = c.at("y");
      auto shape = concat_output_shape(shapes.data(), n, axis);
      REQUIRE(shape.ok());
      CHECK(*shape == y.shape);
      auto p = concat_params_make(shapes.data(), n, axis, dtype_size(y.dtype));
      REQUIRE(p.ok());
      std::vector<unsigned char> got(y.bytes.size());
      ref::concat(*p, ptrs.data(), axis_dims.data(), n, got.data());
      CHECK(got == y.bytes);
      for (Executor* ex : executors) {
        std::fill(got.begin(), got.end(), 0);
        concat(*p, ptrs.data(), axis_dims.data(), n, got.data(), ex);
        CHECK(got == y.bytes);
      }
      ++counts[1];
    } else if (starts_with(c.name, "split")) {
      const auto& x = c.at("x");
      const int n = static_cast<int>(c.at("count").scalar_int());
      const std::int64_t axis = c.at("axis").scalar_int();
      std::vector<std::int64_t> given = c.at("sizes").ints(), sizes(static_cast<std::size_t>(n));
      const int ax = normalize_axis(axis, x.shape.rank()).value();
      REQUIRE(split_sizes(x.shape[ax], given.empty() ? nullptr : given.data(), static_cast<int>(given.size()), n, sizes.data(),
                          /*uneven_last_allowed=*/false)
                  .ok());
      auto p = split_params_make(x.shape, axis, sizes.data(), n, dtype_size(x.dtype));
      REQUIRE_MESSAGE(p.ok(), std::string(p.status().message()));
      std::vector<std::vector<unsigned char>> outs(static_cast<std::size_t>(n));
      std::vector<void*> ptrs;
      for (int i = 0; i < n; ++i) {
        const auto& yi = c.at(("y" + std::to_string(i)).c_str());
        CHECK(yi.shape.dim(ax) == sizes[static_cast<std::size_t>(i)]);
        outs[static_cast<std::size_t>(i)].assign(yi.bytes.size(), 0);
        ptrs.push_back(outs[static_cast<std::size_t>(i)].data());
      }
      for (int pass = 0; pass < 2; ++pass) {
        if (pass == 0) ref::split(*p, x.bytes.data(), sizes.data(), n, ptrs.data());
        else split(*p, x.bytes.data(), sizes.data(), n, ptrs.data(), executors[sizeof executors / sizeof *executors - 1]);
        for (int i = 0; i < n; ++i) CHECK(outs[static_cast<std::size_t>(i)] == c.at(("y" + std::to_string(i)).c_str()).bytes);
      }
      ++counts[2];
    } else if (starts_with(c.name, "slice")) {
      const auto& x = c.at("x");
      const auto& y = c.at("y");
      const auto starts = c.at("starts").ints(), ends = c.at("ends").ints();
      std::vector<std::int64_t> axes, steps;
      if (c.has("axes")) axes = c.at("axes").ints();
      if (c.has("steps")) steps = c.at("steps").ints();
      auto p = slice_params_make(x.shape, starts.data(), ends.data(), axes.empty() ? nullptr : axes.data(),
                                 steps.empty() ? nullptr : steps.data(), static_cast<int>(starts.size()), dtype_size(x.dtype));
      REQUIRE_MESSAGE(p.ok(), std::string(p.status().message()));
      CHECK(p->out_shape() == y.shape);
      std::vector<unsigned char> got(y.bytes.size());
      ref::slice(*p, x.bytes.data(), got.data());
      CHECK(got == y.bytes);
      for (Executor* ex : executors) {
        std::fill(got.begin(), got.end(), 0);
        slice(*p, x.bytes.data(), got.data(), ex);
        CHECK(got == y.bytes);
      }
      ++counts[3];
    } else if (starts_with(c.name, "pad")) {
      const auto& x = c.at("x");
      const auto& y = c.at("y");
      const auto pads = c.at("pads").ints();
      PadMode mode = PadMode::Constant;
      REQUIRE(pad_mode_from_name(c.at("mode").str().c_str(), &mode));
      const auto& value = c.at("value");
      REQUIRE(value.dtype == x.dtype);
      auto p = pad_params_make(x.shape, pads.data(), static_cast<int>(pads.size()), nullptr, 0, mode, value.bytes.data(),
                               dtype_size(x.dtype));
      REQUIRE_MESSAGE(p.ok(), std::string(p.status().message()));
      CHECK(p->out_shape() == y.shape);
      std::vector<unsigned char> got(y.bytes.size());
      ref::pad(*p, x.bytes.data(), got.data());
      CHECK(got == y.bytes);
      for (Executor* ex : executors) {
        std::fill(got.begin(), got.end(), 0);
        pad(*p, x.bytes.data(), got.data(), ex);
        CHECK(got == y.bytes);
      }
      ++counts[4];
    } else if (starts_with(c.name, "gather")) {
      const auto& x = c.at("x");
      const auto& ind = c.at("indices");
      const auto& y = c.at("y");
      const std::int64_t axis = c.at("axis").scalar_int();
      auto shape = gather_output_shape(x.shape, ind.shape, axis);
      REQUIRE(shape.ok());
      CHECK(*shape == y.shape);
      auto p = gather_params_make(x.shape, ind.shape, axis, dtype_size(x.dtype));
      REQUIRE(p.ok());
      std::vector<unsigned char> got(y.bytes.size());
      REQUIRE(gather(*p, x.bytes.data(), ind.bytes.data(), ind.dtype, got.data()).ok());
      CHECK(got == y.bytes);
      ++counts[5];
    } else if (starts_with(c.name, "tile")) {
      const auto& x = c.at("x");
      const auto& y = c.at("y");
      const auto reps = c.at("repeats").ints();
      auto p = tile_params_make(x.shape, reps.data(), static_cast<int>(reps.size()), dtype_size(x.dtype));
      REQUIRE(p.ok());
      CHECK(p->out_shape() == y.shape);
      std::vector<unsigned char> got(y.bytes.size());
      ref::tile(*p, x.bytes.data(), got.data());
      CHECK(got == y.bytes);
      for (Executor* ex : executors) {
        std::fill(got.begin(), got.end(), 0);
        tile(*p, x.bytes.data(), got.data(), ex);
        CHECK(got == y.bytes);
      }
      ++counts[6];
    } else if (starts_with(c.name, "expand")) {
      const auto& x = c.at("x");
      const auto& y = c.at("y");
      const auto target = c.at("shape").ints();
      auto shape = expand_output_shape(x.shape, target.data(), static_cast<int>(target.size()));
      REQUIRE_MESSAGE(shape.ok(), std::string(shape.status().message()));
      CHECK(*shape == y.shape);
      auto p = expand_params_make(x.shape, *shape, dtype_size(x.dtype));
      REQUIRE(p.ok());
      std::vector<unsigned char> got(y.bytes.size());
      ref::expand(*p, x.bytes.data(), got.data());
      CHECK(got == y.bytes);
      for (Executor* ex : executors) {
        std::fill(got.begin(), got.end(), 0);
        expand(*p, x.bytes.data(), got.data(), ex);
        CHECK(got == y.bytes);
      }
      ++counts[7];
    } else if (starts_with(c.name, "cast")) {
      const auto& x = c.at("x");
      const auto& y = c.at("y");
      const DType to = dtype_from_numpy(c.at("to").str());
      REQUIRE(y.dtype == to);
      INFO(std::string(dtype_name(x.dtype)) << " -> " << std::string(dtype_name(to)));
      std::vector<unsigned char> got(y.bytes.size());
      REQUIRE(ref::cast(x.dtype, to, x.bytes.data(), got.data(), x.numel()).ok());
      CHECK(got == y.bytes);
      std::fill(got.begin(), got.end(), 0);
      REQUIRE(cast(x.dtype, to, x.bytes.data(), got.data(), x.numel(), executors[0]).ok());
      CHECK(got == y.bytes);
      ++counts[8];
    } else if (starts_with(c.name, "d2s") || starts_with(c.name, "s2d")) {
      const auto& x = c.at("x");
      const auto& y = c.at("y");
      const bool to_space = starts_with(c.name, "d2s");
      DepthToSpaceMode mode = DepthToSpaceMode::DCR;
      if (c.has("mode") && c.at("mode").str() == "CRD") mode = DepthToSpaceMode::CRD;
      auto p = depth_space_params_make(x.shape, c.at("block").scalar_int(), to_space, mode, dtype_size(x.dtype));
      REQUIRE_MESSAGE(p.ok(), std::string(p.status().message()));
      CHECK(depth_space_output_shape(*p) == y.shape);
      std::vector<unsigned char> got(y.bytes.size());
      ref::depth_space(*p, x.bytes.data(), got.data());
      CHECK(got == y.bytes);
      for (Executor* ex : executors) {
        std::fill(got.begin(), got.end(), 0);
        depth_space(*p, x.bytes.data(), got.data(), ex);
        CHECK(got == y.bytes);
      }
      ++counts[9];
    } else if (starts_with(c.name, "reshape")) {
      const auto in = c.at("in_shape").ints(), target = c.at("shape").ints(), out = c.at("out_shape").ints();
      auto s = reshape_output_shape(Shape(in.data(), static_cast<int>(in.size())), target.data(), static_cast<int>(target.size()));
      REQUIRE_MESSAGE(s.ok(), std::string(s.status().message()));
      CHECK(*s == Shape(out.data(), static_cast<int>(out.size())));
      ++counts[10];
    } else if (starts_with(c.name, "flatten")) {
      const auto in = c.at("in_shape").ints(), out = c.at("out_shape").ints();
      auto s = flatten_output_shape(Shape(in.data(), static_cast<int>(in.size())), c.at("axis").scalar_int());
      REQUIRE(s.ok());
      CHECK(*s == Shape(out.data(), static_cast<int>(out.size())));
      ++counts[10];
    } else if (starts_with(c.name, "squeeze") || starts_with(c.name, "unsqueeze")) {
      const auto in = c.at("in_shape").ints(), out = c.at("out_shape").ints();
      std::vector<std::int64_t> axes;
      if (c.has("axes")) axes = c.at("axes").ints();
      const Shape ins(in.data(), static_cast<int>(in.size()));
      auto s = starts_with(c.name, "squeeze")
                   ? squeeze_output_shape(ins, axes.empty() ? nullptr : axes.data(), static_cast<int>(axes.size()))
                   : unsqueeze_output_shape(ins, axes.data(), static_cast<int>(axes.size()));
      REQUIRE_MESSAGE(s.ok(), std::string(s.status().message()));
      CHECK(*s == Shape(out.data(), static_cast<int>(out.size())));
      ++counts[10];
    } else {
      FAIL("unknown fixture case " << c.name);
    }
  }
  for (int k = 0; k <= 10; ++k) CHECK_MESSAGE(counts[k] >= 2, "kind " << k << " has " << counts[k] << " cases");
}

TEST_CASE("transpose: fast paths equal ref for every permutation of rank 4, every element size, odd shapes") {
  const std::vector<std::vector<std::int64_t>> shapes = {{2, 3, 5, 7}, {1, 17, 1, 33}, {3, 16, 4, 15}, {2, 65, 3, 1}};
  for (std::size_t es : {1, 2, 4, 8}) {
    for (const auto& sd : shapes) {
      const Shape s(sd.data(), 4);
      std::int64_t perm[4] = {0, 1, 2, 3};
      const auto x = random_bytes(static_cast<std::size_t>(s.numel()) * es, 7);
      do {
        auto p = transpose_params_make(s, perm, 4, es);
        REQUIRE(p.ok());
        std::vector<unsigned char> want(x.size()), got(x.size());
        ref::transpose(*p, x.data(), want.data());
        // ref itself against the definition: out[i0,i1,i2,i3] = in[idx permuted]
        const Shape out = transpose_output_shape(s, perm, 4).value();
        std::int64_t idx[4];
        bool ok = true;
        for (std::int64_t o = 0; o < out.numel() && ok; ++o) {
          std::int64_t rem = o;
          for (int d = 3; d >= 0; --d) {
            idx[d] = rem % out[d];
            rem /= out[d];
          }
          std::int64_t in_idx[4];
          for (int d = 0; d < 4; ++d) in_idx[perm[d]] = idx[d];
          const std::int64_t off = ((in_idx[0] * s[1] + in_idx[1]) * s[2] + in_idx[2]) * s[3] + in_idx[3];
          ok = std::memcmp(&want[static_cast<std::size_t>(o) * es], &x[static_cast<std::size_t>(off) * es], es) == 0;
        }
        CHECK_MESSAGE(ok, "ref transpose " << perm[0] << perm[1] << perm[2] << perm[3]);
        for (Executor* ex : executors) {
          transpose(*p, x.data(), got.data(), ex);
          CHECK_MESSAGE(got == want, "es " << es << " perm " << perm[0] << perm[1] << perm[2] << perm[3] << " shape "
                                           << std::string(s.str().c_str()));
        }
      } while (std::next_permutation(perm, perm + 4));
    }
  }
  // NCHW <-> NHWC at sizes around the 16-element tile, and a 2-D transpose with a long side
  for (std::int64_t c : {15, 16, 17, 33}) {
    for (std::int64_t hw : {1, 15, 16, 17, 100}) {
      const Shape s{2, c, hw, 1};
      const std::int64_t to_nhwc[4] = {0, 2, 3, 1};
      auto p = transpose_params_make(s, to_nhwc, 4, 4);
      REQUIRE(p.ok());
      const auto x = random_bytes(static_cast<std::size_t>(s.numel()) * 4, 9);
      std::vector<unsigned char> want(x.size()), got(x.size());
      ref::transpose(*p, x.data(), want.data());
      transpose(*p, x.data(), got.data(), executors[sizeof executors / sizeof *executors - 1]);
      CHECK(got == want);
    }
  }
}

TEST_CASE("slice, pad, tile, expand, depth_to_space: fast paths equal ref on random problems") {
  std::mt19937 g(42);
  auto uni = [&](std::int64_t lo, std::int64_t hi) { return std::uniform_int_distribution<std::int64_t>(lo, hi)(g); };
  for (int iter = 0; iter < 300; ++iter) {
    const int rank = static_cast<int>(uni(1, 4));
    std::int64_t dims[4];
    for (int d = 0; d < rank; ++d) dims[d] = uni(1, 9);
    const Shape s(dims, rank);
    const std::size_t es = std::size_t(1) << uni(0, 3);
    const auto x = random_bytes(static_cast<std::size_t>(s.numel()) * es, static_cast<std::uint32_t>(iter));
    // slice
    {
      std::int64_t st[4], en[4], ax[4], stp[4];
      for (int d = 0; d < rank; ++d) {
        ax[d] = d;
        st[d] = uni(-12, 12);
        en[d] = uni(-12, 12);
        stp[d] = uni(0, 1) ? uni(1, 3) : -uni(1, 3);
      }
      auto p = slice_params_make(s, st, en, ax, stp, rank, es);
      REQUIRE(p.ok());
      const std::size_t n = static_cast<std::size_t>(p->out_shape().numel()) * es;
      std::vector<unsigned char> want(n), got(n);
      ref::slice(*p, x.data(), want.data());
      slice(*p, x.data(), got.data(), executors[iter % 2 == 0 ? 0 : sizeof executors / sizeof *executors - 1]);
      CHECK(got == want);
    }
    // pad, every mode, negative pads too
    for (PadMode mode : {PadMode::Constant, PadMode::Reflect, PadMode::Edge, PadMode::Wrap}) {
      std::int64_t pads[8];
      for (int d = 0; d < rank; ++d) {
        const std::int64_t hi = mode == PadMode::Reflect ? dims[d] - 1 : 11;
        pads[d] = uni(-1, hi);
        pads[rank + d] = uni(-1, hi);
        if (dims[d] + pads[d] + pads[rank + d] < 0) pads[d] = 0;
      }
      const std::uint64_t value = 0x0123456789ABCDEFull;
      auto p = pad_params_make(s, pads, 2 * rank, nullptr, 0, mode, &value, es);
      if (mode == PadMode::Reflect && !p.ok()) {  // pads wider than dim-1
        CHECK(p.status().code() == StatusCode::Unsupported);
        continue;
      }
      REQUIRE_MESSAGE(p.ok(), std::string(p.status().message()));
      const std::size_t n = static_cast<std::size_t>(p->out_shape().numel()) * es;
      std::vector<unsigned char> want(n), got(n);
      ref::pad(*p, x.data(), want.data());
      pad(*p, x.data(), got.data(), executors[iter % 2 == 0 ? 0 : sizeof executors / sizeof *executors - 1]);
      CHECK_MESSAGE(got == want, pad_mode_name(mode));
    }
    // tile
    {
      std::int64_t reps[4];
      for (int d = 0; d < rank; ++d) reps[d] = uni(0, 3);
      auto p = tile_params_make(s, reps, rank, es);
      REQUIRE(p.ok());
      const std::size_t n = static_cast<std::size_t>(p->out_shape().numel()) * es;
      std::vector<unsigned char> want(n), got(n);
      ref::tile(*p, x.data(), want.data());
      tile(*p, x.data(), got.data());
      CHECK(got == want);
    }
  }
  // expand with every rank pattern of ones
  for (int mask = 0; mask < 16; ++mask) {
    std::int64_t in_dims[4];
    const std::int64_t out_dims[4] = {2, 3, 17, 5};
    for (int d = 0; d < 4; ++d) in_dims[d] = ((mask >> d) & 1) ? 1 : out_dims[d];
    const Shape in(in_dims, 4);
    auto shape = expand_output_shape(in, out_dims, 4);
    REQUIRE(shape.ok());
    auto p = expand_params_make(in, *shape, 4);
    REQUIRE(p.ok());
    const auto x = random_bytes(static_cast<std::size_t>(in.numel()) * 4, static_cast<std::uint32_t>(mask));
    std::vector<unsigned char> want(static_cast<std::size_t>(shape->numel()) * 4), got(want.size());
    ref::expand(*p, x.data(), want.data());
    expand(*p, x.data(), got.data());
    CHECK(got == want);
  }
  // depth_to_space / space_to_depth at a few odd sizes, both modes
  for (std::int64_t b : {2, 3}) {
    for (DepthToSpaceMode m : {DepthToSpaceMode::DCR, DepthToSpaceMode::CRD}) {
      const Shape s{2, 5 * b * b, 3, 7};
      auto p = depth_space_params_make(s, b, true, m, 4);
      REQUIRE(p.ok());
      const auto x = random_bytes(static_cast<std::size_t>(s.numel()) * 4, 3);
      std::vector<unsigned char> want(x.size()), got(x.size()), back(x.size());
      ref::depth_space(*p, x.data(), want.data());
      depth_space(*p, x.data(), got.data());
      CHECK(got == want);
      if (m == DepthToSpaceMode::DCR) {
        // space_to_depth undoes DCR depth_to_space
        auto q = depth_space_params_make(depth_space_output_shape(*p), b, false, DepthToSpaceMode::DCR, 4);
        REQUIRE(q.ok());
        depth_space(*q, got.data(), back.data());
        CHECK(back == x);
        ref::depth_space(*q, got.data(), back.data());
        CHECK(back == x);
      }
    }
  }
}

TEST_CASE("cast: float to integer saturates, NaN gives 0, anything to bool is != 0") {
  const float inf = std::numeric_limits<float>::infinity();
  const float in[] = {std::numeric_limits<float>::quiet_NaN(), inf, -inf, 1e10f, -1e10f, 300.7f, -300.7f, -0.9f, 2.9f};
  std::int32_t i32[9];
  std::uint8_t u8[9];
  std::int8_t i8[9];
  bool b[9];
  REQUIRE(ref::cast(DType::f32, DType::i32, in, i32, 9).ok());
  REQUIRE(ref::cast(DType::f32, DType::u8, in, u8, 9).ok());
  REQUIRE(ref::cast(DType::f32, DType::i8, in, i8, 9).ok());
  REQUIRE(ref::cast(DType::f32, DType::boolean, in, b, 9).ok());
  const std::int32_t imax = std::numeric_limits<std::int32_t>::max(), imin = std::numeric_limits<std::int32_t>::min();
  const std::int32_t want_i32[] = {0, imax, imin, imax, imin, 300, -300, 0, 2};
  const std::uint8_t want_u8[] = {0, 255, 0, 255, 0, 255, 0, 0, 2};
  const std::int8_t want_i8[] = {0, 127, -128, 127, -128, 127, -128, 0, 2};
  for (int i = 0; i < 9; ++i) {
    INFO("input " << in[i]);
    CHECK(i32[i] == want_i32[i]);
    CHECK(u8[i] == want_u8[i]);
    CHECK(i8[i] == want_i8[i]);
    CHECK(b[i] == true);  // every input is nonzero, NaN included
  }
  // f16 round trip of every half value through f32
  std::vector<std::uint16_t> h(65536), back(65536);
  std::vector<float> f(65536);
  for (int i = 0; i < 65536; ++i) h[static_cast<std::size_t>(i)] = static_cast<std::uint16_t>(i);
  REQUIRE(cast(DType::f16, DType::f32, h.data(), f.data(), 65536).ok());
  REQUIRE(cast(DType::f32, DType::f16, f.data(), back.data(), 65536).ok());
  for (int i = 0; i < 65536; ++i) {
    const bool nan = ((i >> 10) & 0x1F) == 0x1F && (i & 0x3FF);
    if (!nan) REQUIRE(back[static_cast<std::size_t>(i)] == h[static_cast<std::size_t>(i)]);
  }
}

TEST_CASE("movement: bad shapes and attributes get a Status that names them") {
  const std::int64_t bad_perm[3] = {0, 0, 1};
  auto t = transpose_params_make(Shape{2, 3, 4}, bad_perm, 3, 4);
  REQUIRE(!t.ok());
  CHECK(std::string(t.status().message()).find("repeated") != std::string::npos);
  const std::int64_t short_perm[2] = {1, 0};
  CHECK(!transpose_params_make(Shape{2, 3, 4}, short_perm, 2, 4).ok());
  CHECK(transpose_params_make(Shape{2, 3}, short_perm, 2, 3).status().code() == StatusCode::InvalidArgument);  // elem size 3

  const Shape a{2, 3, 4}, b{2, 5, 5};
  const Shape* in[2] = {&a, &b};
  auto c = concat_output_shape(in, 2, 1);
  REQUIRE(!c.ok());
  CHECK(c.status().code() == StatusCode::ShapeMismatch);
  CHECK(std::string(c.status().message()).find("2x5x5") != std::string::npos);
  CHECK(concat_output_shape(in, 2, 3).status().code() == StatusCode::OutOfRange);

  std::int64_t sizes[3];
  const std::int64_t split_bad[2] = {2, 2};
  auto sp = split_sizes(5, split_bad, 2, 0, sizes);
  REQUIRE(!sp.ok());
  CHECK(std::string(sp.message()).find("sum to 4") != std::string::npos);
  REQUIRE(split_sizes(5, nullptr, 0, 3, sizes).ok());  // opset 18: ceil(5/3) = 2, 2, 1
  CHECK(sizes[0] == 2);
  CHECK(sizes[1] == 2);
  CHECK(sizes[2] == 1);

  const std::int64_t st[1] = {0}, en[1] = {3}, zero_step[1] = {0}, ax_bad[1] = {5};
  CHECK(slice_params_make(Shape{4}, st, en, nullptr, zero_step, 1, 4).status().code() == StatusCode::BadAttribute);
  CHECK(slice_params_make(Shape{4}, st, en, ax_bad, nullptr, 1, 4).status().code() == StatusCode::OutOfRange);

  const std::int64_t pads_neg[2] = {-3, -2};
  auto pd = pad_params_make(Shape{4}, pads_neg, 2, nullptr, 0, PadMode::Constant, nullptr, 4);
  REQUIRE(!pd.ok());
  CHECK(std::string(pd.status().message()).find("-1 elements") != std::string::npos);
  const std::int64_t pads_one[2] = {1, 0};
  CHECK(!pad_params_make(Shape{0}, pads_one, 2, nullptr, 0, PadMode::Reflect, nullptr, 4).ok());
  CHECK(!pad_params_make(Shape{3, 3}, pads_one, 2, nullptr, 0, PadMode::Reflect, nullptr, 4).ok());  // 2 pads for rank 2

  // gather indices out of range: a Status, and nothing written
  auto g = gather_params_make(Shape{4, 2}, Shape{3}, 0, 4);
  REQUIRE(g.ok());
  const std::int64_t idx[3] = {1, -5, 0};
  const float data[8] = {};
  float out[6] = {9, 9, 9, 9, 9, 9};
  Status gs = gather(*g, data, idx, DType::i64, out);
  CHECK(gs.code() == StatusCode::OutOfRange);
  CHECK(std::string(gs.message()).find("-5") != std::string::npos);
  CHECK(out[0] == 9);
  CHECK(gather(*g, data, idx, DType::f32, out).code() == StatusCode::Unsupported);

  const std::int64_t reps_neg[2] = {1, -1};
  CHECK(tile_params_make(Shape{2, 2}, reps_neg, 2, 4).status().code() == StatusCode::BadAttribute);
  const std::int64_t ex_bad[2] = {3, 4};
  auto e = expand_output_shape(Shape{2, 4}, ex_bad, 2);
  REQUIRE(!e.ok());
  CHECK(std::string(e.status().message()).find("expand") != std::string::npos);
  CHECK(depth_space_params_make(Shape{1, 6, 2, 2}, 2, true, DepthToSpaceMode::DCR, 4).status().code() == StatusCode::ShapeMismatch);
  CHECK(depth_space_params_make(Shape{1, 4, 3, 2}, 2, false, DepthToSpaceMode::DCR, 4).status().code() == StatusCode::ShapeMismatch);

  const std::int64_t two_infer[2] = {-1, -1}, bad_count[2] = {5, 5};
  CHECK(reshape_output_shape(Shape{2, 3}, two_infer, 2).status().code() == StatusCode::BadAttribute);
  auto rs = reshape_output_shape(Shape{2, 3}, bad_count, 2);
  REQUIRE(!rs.ok());
  CHECK(std::string(rs.status().message()).find("2x3") != std::string::npos);
  const std::int64_t sq[1] = {1};
  CHECK(squeeze_output_shape(Shape{2, 3}, sq, 1).status().code() == StatusCode::ShapeMismatch);
  const std::int64_t usq[2] = {1, 1};
  CHECK(unsqueeze_output_shape(Shape{2, 3}, usq, 2).status().code() == StatusCode::InvalidArgument);  // repeated axis
}
