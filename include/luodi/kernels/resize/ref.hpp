// Reference Resize: every output element computes its taps along H and W from the formulas in
// params.hpp and sums the separable weights, W innermost (as the ONNX reference interpolates
// the innermost axis first).
#pragma once

#include <cstdint>

#include "params.hpp"

namespace luodi {
namespace kernels {
namespace ref {

// Planes [p0, p1) of the N*C planes.
inline void resize(const ResizeParams& p, const float* x, float* y, std::int64_t p0, std::int64_t p1) noexcept {
  for (std::int64_t plane = p0; plane < p1; ++plane) {
    const float* in = x + plane * p.ih * p.iw;
    float* out = y + plane * p.oh * p.ow;
    for (std::int64_t oy = 0; oy < p.oh; ++oy) {
      const detail::ResizeTaps ty = detail::resize_taps(p.a, oy, p.scale_h, p.ih, p.oh, p.len_h, p.roi_h0, p.roi_h1);
      for (std::int64_t ox = 0; ox < p.ow; ++ox) {
        const detail::ResizeTaps tx = detail::resize_taps(p.a, ox, p.scale_w, p.iw, p.ow, p.len_w, p.roi_w0, p.roi_w1);
        if (ty.outside || tx.outside) {
          out[oy * p.ow + ox] = p.a.extrapolation_value;
          continue;
        }
        float acc = 0.0f;
        for (int i = 0; i < ty.count; ++i) {
          float row = 0.0f;
          for (int j = 0; j < tx.count; ++j) row += tx.w[j] * in[ty.idx[i] * p.iw + tx.idx[j]];
          acc += ty.w[i] * row;
        }
        out[oy * p.ow + ox] = acc;
      }
    }
  }
}

inline void resize(const ResizeParams& p, const float* x, float* y) noexcept { resize(p, x, y, 0, p.n * p.c); }

}  // namespace ref
}  // namespace kernels
}  // namespace luodi
