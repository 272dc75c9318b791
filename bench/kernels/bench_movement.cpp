// Data movement: the fast paths against the element-by-element ref, in one run (no ISA
// dispatch: these are copies, compiled with the binary's own flags).
#include <luodi/kernels/movement/movement.hpp>

#include "ops_bench_util.hpp"

using namespace luodi;
using namespace luodi::kernels;

namespace {

template <class Fast, class Ref>
void bench_pair(const std::string& name, double bytes, Fast fast, Ref ref) {
  benchmark::RegisterBenchmark((name + "/ref").c_str(), [=](benchmark::State& st) {
    for (auto _ : st) {
      ref();
      benchmark::ClobberMemory();
    }
    luodi_bench::set_bytes(st, bytes);
  })->Unit(benchmark::kMicrosecond)->MinTime(0.2);
  benchmark::RegisterBenchmark((name + "/fast").c_str(), [=](benchmark::State& st) {
    for (auto _ : st) {
      fast();
      benchmark::ClobberMemory();
    }
    luodi_bench::set_bytes(st, bytes);
  })->Unit(benchmark::kMicrosecond)->MinTime(0.2);
}

std::vector<float>& buf(int k, std::size_t n) {
  static std::vector<float> b[4];
  if (b[k].size() < n) b[k] = luodi_bench::random_floats(n, -1, 1, static_cast<std::uint32_t>(k));
  return b[k];
}

int register_all() {
  const Shape s{1, 64, 56, 56};
  const std::size_t n = static_cast<std::size_t>(s.numel());
  const double rw = 8.0 * double(n);
  {
    const std::int64_t to_nhwc[4] = {0, 2, 3, 1};
    static const TransposeParams p = transpose_params_make(s, to_nhwc, 4, 4).value();
    bench_pair("transpose/nchw_to_nhwc/1x64x56x56", rw, [=] { transpose(p, buf(0, n).data(), buf(1, n).data()); },
               [=] { ref::transpose(p, buf(0, n).data(), buf(1, n).data()); });
    const Shape hw{1, 56, 56, 64};
    const std::int64_t to_nchw[4] = {0, 3, 1, 2};
    static const TransposeParams q = transpose_params_make(hw, to_nchw, 4, 4).value();
    bench_pair("transpose/nhwc_to_nchw/1x56x56x64", rw, [=] { transpose(q, buf(0, n).data(), buf(1, n).data()); },
               [=] { ref::transpose(q, buf(0, n).data(), buf(1, n).data()); });
    const std::int64_t shuffle[5] = {0, 2, 1, 3, 4};  // ShuffleNet channel shuffle: 1x2x58x28x28 -> 1x58x2x28x28
    const Shape sh{1, 2, 58, 28, 28};
    static const TransposeParams r = transpose_params_make(sh, shuffle, 5, 4).value();
    const std::size_t m = static_cast<std::size_t>(sh.numel());
    bench_pair("transpose/channel_shuffle/1x2x58x28x28", 8.0 * double(m), [=] { transpose(r, buf(0, m).data(), buf(1, m).data()); },
               [=] { ref::transpose(r, buf(0, m).data(), buf(1, m).data()); });
  }
  {
    const Shape a{1, 64, 28, 28};
    const Shape* shapes[4] = {&a, &a, &a, &a};
    static const ConcatParams p = concat_params_make(shapes, 4, 1, 4).value();
    const std::size_t m = static_cast<std::size_t>(a.numel());
    static const std::int64_t dims[4] = {64, 64, 64, 64};
    bench_pair("concat/4x1x64x28x28_axis1", 8.0 * 4 * double(m),
               [=] {
                 const void* in[4] = {buf(0, m).data(), buf(1, m).data(), buf(2, m).data(), buf(0, m).data()};
                 concat(p, in, dims, 4, buf(3, 4 * m).data());
               },
               [=] {
                 const void* in[4] = {buf(0, m).data(), buf(1, m).data(), buf(2, m).data(), buf(0, m).data()};
                 ref::concat(p, in, dims, 4, buf(3, 4 * m).data());
               });
  }
  {
    const std::int64_t pads[8] = {0, 0, 1, 1, 0, 0, 1, 1};
    static const PadParams p = pad_params_make(s, pads, 8, nullptr, 0, PadMode::Constant, nullptr, 4).value();
    const std::size_t m = static_cast<std::size_t>(p.out_shape().numel());
    bench_pair("pad/constant1/1x64x56x56", 4.0 * double(n + m), [=] { pad(p, buf(0, n).data(), buf(1, m).data()); },
               [=] { ref::pad(p, buf(0, n).data(), buf(1, m).data()); });
    static const PadParams q = pad_params_make(s, pads, 8, nullptr, 0, PadMode::Reflect, nullptr, 4).value();
    bench_pair("pad/reflect1/1x64x56x56", 4.0 * double(n + m), [=] { pad(q, buf(0, n).data(), buf(1, m).data()); },
               [=] { ref::pad(q, buf(0, n).data(), buf(1, m).data()); });
  }
  {
    const std::int64_t st[2] = {1, 1}, en[2] = {55, 55}, ax[2] = {2, 3};
    static const SliceParams p = slice_params_make(s, st, en, ax, nullptr, 2, 4).value();
    const std::size_t m = static_cast<std::size_t>(p.out_shape().numel());
    bench_pair("slice/crop1/1x64x56x56", 8.0 * double(m), [=] { slice(p, buf(0, n).data(), buf(1, m).data()); },
               [=] { ref::slice(p, buf(0, n).data(), buf(1, m).data()); });
  }
  {
    static const DepthSpaceParams p = depth_space_params_make(s, 2, true, DepthToSpaceMode::CRD, 4).value();
    bench_pair("depth_to_space/crd2/1x64x56x56", rw, [=] { depth_space(p, buf(0, n).data(), buf(1, n).data()); },
               [=] { ref::depth_space(p, buf(0, n).data(), buf(1, n).data()); });
  }
  {
    static const std::int64_t reps[4] = {1, 1, 2, 2};
    static const TileParams p = tile_params_make(Shape{1, 64, 28, 28}, reps, 4, 4).value();
    const std::size_t m = static_cast<std::size_t>(p.out_shape().numel());
    bench_pair("tile/2x2/1x64x28x28", 4.0 * double(m + m / 4), [=] { tile(p, buf(0, m / 4).data(), buf(1, m).data()); },
               [=] { ref::tile(p, buf(0, m / 4).data(), buf(1, m).data()); });
  }
  bench_pair("cast/f32_to_f16/1x64x56x56", 6.0 * double(n),
             [=] { (void)cast(DType::f32, DType::f16, buf(0, n).data(), buf(1, n).data(), static_cast<std::int64_t>(n)); },
             [=] { (void)ref::cast(DType::f32, DType::f16, buf(0, n).data(), buf(1, n).data(), static_cast<std::int64_t>(n)); });
  return 0;
}
const int registered = register_all();

}  // namespace

BENCHMARK_MAIN();
