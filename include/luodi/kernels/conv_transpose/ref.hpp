// Reference ConvTranspose2D, written as a gather: each output pixel sums the input pixels whose
// scatter reaches it (iy = (oy + pt - ky*dh) / sh when that division is exact). Float
// accumulation in (ci, ky, kx) order. Checked against PyTorch fixtures.
#pragma once

#include <cstdint>

#include "../activation/ref.hpp"
#include "../../simd/arch.hpp"
#include "params.hpp"

namespace luodi {
namespace kernels {
namespace ref {

template <class Arch = simd::scalar>
void conv_transpose2d_f32_channels(const ConvTranspose2dParams& p, const float* x, const float* w, const float* bias,
                                          const float* residual, float* y, std::int64_t n, std::int64_t co0,
                                          std::int64_t co1) noexcept {
  const std::int64_t Ho = conv_transpose2d_out_h(p), Wo = conv_transpose2d_out_w(p);
  const std::int64_t cin_g = p.C_in / p.groups, cout_g = p.C_out / p.groups;
  const std::int64_t kk = p.kernel_h * p.kernel_w;
  for (std::int64_t co = co0; co < co1; ++co) {
    const std::int64_t g = co / cout_g, col = co - g * cout_g;
    for (std::int64_t oy = 0; oy < Ho; ++oy) {
      for (std::int64_t ox = 0; ox < Wo; ++ox) {
        float acc = 0.0f;
        for (std::int64_t c = 0; c < cin_g; ++c) {
          const std::int64_t ci = g * cin_g + c;
          const float* xc = x + (n * p.C_in + ci) * p.H * p.W;
          const float* wc = w + (ci * cout_g + col) * kk;
          for (std::int64_t ky = 0; ky < p.kernel_h; ++ky) {
            const std::int64_t ty = oy + p.pad_top - ky * p.dilation_h;
            if (ty < 0 || ty % p.stride_h != 0) continue;
            const std::int64_t iy = ty / p.stride_h;
            if (iy >= p.H) continue;
            for (std::int64_t kx = 0; kx < p.kernel_w; ++kx) {
              const std::int64_t tx = ox + p.pad_left - kx * p.dilation_w;
              if (tx < 0 || tx % p.stride_w != 0) continue;
              const std::int64_t ix = tx / p.stride_w;
              if (ix >= p.W) continue;
              acc += xc[iy * p.W + ix] * wc[ky * p.kernel_w + kx];
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

}  // namespace ref
}  // namespace kernels
}  // namespace luodi
