// The image kernel family: one table of row kernels per ISA (see simd/dispatch.hpp).
//
// The ops in resize.hpp, color.hpp, warp.hpp and preprocess.hpp validate their arguments, build
// the coefficient tables, and call these row kernels; the kernels never fail and never allocate.
// Every entry has a scalar twin in ref.hpp; tests/image/ runs each op on every ISA against the
// scalar table and the scalar table against OpenCV.
#pragma once

#include <cstdint>

#include "../../simd/dispatch.hpp"
#include "fused.hpp"
#include "params.hpp"
#include "ref.hpp"
#include "simd.hpp"

namespace luodi {
namespace image {
namespace detail {

struct ImageKernels {
  void (*resize_nn_row)(const std::uint8_t* src, int row_bytes, std::uint8_t* dst, const std::int32_t* xofs, int dw,
                        int cn) noexcept;
  // An ISA's own layout of one column tile's taps for resize_linear_h, built once per tile into
  // plan (plan_bytes, 64-byte aligned); false when the ISA has none (resize_linear_h then gets
  // nullptr and reads the taps).
  bool (*resize_linear_plan)(const LinearTap* taps, int dw, int cn, void* plan, int plan_bytes) noexcept;
  // `next` (or nullptr) is the source row the driver will need next: SIMD kernels prefetch it
  // column by column in step with this row (the rows of a down-scale are far apart, so the
  // hardware prefetcher restarts on each; a burst of prefetches for a whole row was slower).
  void (*resize_linear_h)(const std::uint8_t* src, int row_bytes, std::int32_t* h, const LinearTap* taps, int dw,
                          int cn, const void* plan, const std::uint8_t* next) noexcept;
  void (*resize_linear_v)(const std::int32_t* h0, const std::int32_t* h1, std::uint8_t* dst, int n, int b0,
                          int b1) noexcept;
  void (*resize_area_fast_row)(const std::uint8_t* src, int stride, std::uint8_t* dst, int dw, int cn, int kx,
                               int ky) noexcept;
  void (*area_vsum)(const std::uint8_t* row, std::int32_t* acc, int n, int init) noexcept;
  void (*area_mix)(const std::uint8_t* first, const std::int32_t* mid, const std::uint8_t* last, float wf, float wm,
                   float wl, float* out, int n) noexcept;
  void (*area_h)(const float* r, std::uint8_t* dst, const AreaTap* taps, int dw, int cn) noexcept;
  void (*packed_convert)(const std::uint8_t* src, std::uint8_t* dst, int n, PackedConvert p) noexcept;
  void (*yuv420_to_rgb_rows)(const YuvRows& yr, std::uint8_t* d0, std::uint8_t* d1, int width, int dcn,
                             int bidx) noexcept;
  void (*warp_linear_row)(const ref::WarpSource& s, std::uint8_t* dst, int n, int X0, int Y0,
                          const std::int32_t* adelta, const std::int32_t* bdelta) noexcept;
  void (*warp_nn_row)(const ref::WarpSource& s, std::uint8_t* dst, int n, int X0, int Y0, const std::int32_t* adelta,
                      const std::int32_t* bdelta) noexcept;
  FusedKernels fused;
};

struct ImageFamily {
  using Table = ImageKernels;
  template <class Arch>
  static const Table& table() noexcept {
    if constexpr (simd::is_scalar_v<Arch>) {
      static constexpr Table t = {
          &ref::resize_nn_row<Arch>,      &ref::resize_linear_plan<Arch>, &ref::resize_linear_h<Arch>,
          &ref::resize_linear_v<Arch>,
          &ref::resize_area_fast_row<Arch>, &ref::area_vsum<Arch>,     &ref::area_mix<Arch>,
          &ref::area_h<Arch>,             &ref::packed_convert<Arch>,  &ref::yuv420_to_rgb_rows<Arch>,
          &ref::warp_linear_row<Arch>,    &ref::warp_nn_row<Arch>,     fused_ref_table<Arch>(),
      };
      return t;
    } else {
#if LUODI_HAS_XSIMD
      static constexpr Table t = {
          &simd_impl::resize_nn_row<Arch>,        &simd_impl::resize_linear_plan<Arch>,
          &simd_impl::resize_linear_h<Arch>,
          &simd_impl::resize_linear_v<Arch>,      &simd_impl::resize_area_fast_row<Arch>,
          &simd_impl::area_vsum<Arch>,            &simd_impl::area_mix<Arch>,
          &simd_impl::area_h<Arch>,               &simd_impl::packed_convert<Arch>,
          &simd_impl::yuv420_to_rgb_rows<Arch>,   &simd_impl::warp_linear_row<Arch>,
          &simd_impl::warp_nn_row<Arch>,          fused_simd_table<Arch>(),
      };
      return t;
#else
      return table<simd::scalar>();
#endif
    }
  }
  LUODI_DISPATCH_DECLARE_ISAS(Table)
};

inline const ImageKernels& image_kernels(Isa isa = active_isa()) noexcept { return select_table<ImageFamily>(isa); }

}  // namespace detail
}  // namespace image
}  // namespace luodi
