// SIMD row kernels of the image layer (placeholder: forwards to ref until the SIMD paths land).
#pragma once

#include <cstdint>

#include "../../simd/arch.hpp"
#include "fused.hpp"
#include "params.hpp"
#include "ref.hpp"

#if LUODI_HAS_XSIMD
namespace luodi {
namespace image {
namespace detail {
namespace simd_impl {

template <class Arch>
void resize_nn_row(const std::uint8_t* src, std::uint8_t* dst, const std::int32_t* xofs, int dw, int cn) noexcept {
  ref::resize_nn_row<Arch>(src, dst, xofs, dw, cn);
}
template <class Arch>
void resize_linear_h(const std::uint8_t* src, int row_bytes, std::int32_t* h, const LinearTap* taps, int dw,
                     int cn) noexcept {
  ref::resize_linear_h<Arch>(src, row_bytes, h, taps, dw, cn);
}
template <class Arch>
void resize_linear_v(const std::int32_t* h0, const std::int32_t* h1, std::uint8_t* dst, int n, int b0, int b1) noexcept {
  ref::resize_linear_v<Arch>(h0, h1, dst, n, b0, b1);
}
template <class Arch>
void resize_area_fast_row(const std::uint8_t* src, int stride, std::uint8_t* dst, int dw, int cn, int kx, int ky) noexcept {
  ref::resize_area_fast_row<Arch>(src, stride, dst, dw, cn, kx, ky);
}
template <class Arch>
void area_vsum(const std::uint8_t* row, std::int32_t* acc, int n, int init) noexcept { ref::area_vsum<Arch>(row, acc, n, init); }
template <class Arch>
void area_mix(const std::uint8_t* first, const std::int32_t* mid, const std::uint8_t* last, float wf, float wm, float wl,
              float* out, int n) noexcept {
  ref::area_mix<Arch>(first, mid, last, wf, wm, wl, out, n);
}
template <class Arch>
void area_h(const float* r, std::uint8_t* dst, const AreaTap* taps, int dw, int cn) noexcept { ref::area_h<Arch>(r, dst, taps, dw, cn); }
template <class Arch>
void packed_convert(const std::uint8_t* src, std::uint8_t* dst, int n, PackedConvert p) noexcept { ref::packed_convert<Arch>(src, dst, n, p); }
template <class Arch>
void yuv420_to_rgb_rows(const YuvRows& yr, std::uint8_t* d0, std::uint8_t* d1, int width, int dcn, int bidx) noexcept {
  ref::yuv420_to_rgb_rows<Arch>(yr, d0, d1, width, dcn, bidx);
}
template <class Arch>
void warp_linear_row(const ref::WarpSource& s, std::uint8_t* dst, int n, int X0, int Y0, const std::int32_t* adelta,
                     const std::int32_t* bdelta) noexcept {
  ref::warp_linear_row<Arch>(s, dst, n, X0, Y0, adelta, bdelta);
}
template <class Arch>
void warp_nn_row(const ref::WarpSource& s, std::uint8_t* dst, int n, int X0, int Y0, const std::int32_t* adelta,
                 const std::int32_t* bdelta) noexcept {
  ref::warp_nn_row<Arch>(s, dst, n, X0, Y0, adelta, bdelta);
}

}  // namespace simd_impl

template <class Arch>
constexpr FusedKernels fused_simd_table() noexcept {
  return fused_ref_table<Arch>();
}

}  // namespace detail
}  // namespace image
}  // namespace luodi
#endif
