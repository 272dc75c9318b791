// Reference Conv2D: the definition in params.hpp as direct loops, float accumulation in
// (ci, ky, kx) order. It is the MCU path and the oracle for every fast path; it is itself
// checked against PyTorch fixtures (tests/fixtures/gen_conv_fixtures.py).
#pragma once

#include <cstdint>

#include "../../simd/arch.hpp"
#include "../activation/ref.hpp"
#include "params.hpp"

namespace luodi {
namespace kernels {
namespace ref {

// Output channels [co0, co1) of image n. w is OIHW, bias and residual may be null.
// Templates over Arch (default scalar) so that SIMD tables falling back to them get their own
// instantiation: see "the one rule" in docs/architecture.md.
template <class Arch = simd::scalar>
void conv2d_f32_channels(const Conv2dParams& p, const float* x, const float* w, const float* bias,
                                const float* residual, float* y, std::int64_t n, std::int64_t co0,
                                std::int64_t co1) noexcept {
  const std::int64_t Ho = conv2d_out_h(p), Wo = conv2d_out_w(p);
  const std::int64_t cin_g = p.C_in / p.groups, cout_g = p.C_out / p.groups;
  for (std::int64_t co = co0; co < co1; ++co) {
    const std::int64_t g = co / cout_g;
    const float* wc = w + co * cin_g * p.kernel_h * p.kernel_w;
    for (std::int64_t oy = 0; oy < Ho; ++oy) {
      for (std::int64_t ox = 0; ox < Wo; ++ox) {
        float acc = 0.0f;
        for (std::int64_t c = 0; c < cin_g; ++c) {
          const float* xc = x + ((n * p.C_in) + g * cin_g + c) * p.H * p.W;
          for (std::int64_t ky = 0; ky < p.kernel_h; ++ky) {
            const std::int64_t iy = oy * p.stride_h - p.pad_top + ky * p.dilation_h;
            if (iy < 0 || iy >= p.H) continue;
            for (std::int64_t kx = 0; kx < p.kernel_w; ++kx) {
              const std::int64_t ix = ox * p.stride_w - p.pad_left + kx * p.dilation_w;
              if (ix < 0 || ix >= p.W) continue;
              acc += xc[iy * p.W + ix] * wc[(c * p.kernel_h + ky) * p.kernel_w + kx];
            }
          }
        }
        const std::int64_t o = ((n * p.C_out + co) * Ho + oy) * Wo + ox;
        if (bias) acc += bias[co];
        if (residual) acc += residual[o];
        y[o] = activate(p.activation, acc, p.act_params);
      }
    }
  }
}

template <class Arch = simd::scalar>
void conv2d_f32(const Conv2dParams& p, const float* x, const float* w, const float* bias, const float* residual,
                       float* y) noexcept {
  for (std::int64_t n = 0; n < p.N; ++n) conv2d_f32_channels<Arch>(p, x, w, bias, residual, y, n, 0, p.C_out);
}

}  // namespace ref
}  // namespace kernels
}  // namespace luodi
