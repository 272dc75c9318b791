// Reference pooling: every output element walks its window tap by tap. Max propagates NaN (as
// PyTorch does); average sums in window order and divides once.
#pragma once

#include <cstdint>
#include <limits>

#include "params.hpp"

namespace luodi {
namespace kernels {
namespace ref {

// The planes [p0, p1) of the N*C planes.
inline void pool(const PoolParams& p, const float* x, float* y, std::int64_t p0, std::int64_t p1) noexcept {
  const bool is_max = p.kind == PoolKind::Max;
  for (std::int64_t plane = p0; plane < p1; ++plane) {
    const float* in = x + plane * p.ih * p.iw;
    float* out = y + plane * p.oh * p.ow;
    for (std::int64_t oh = 0; oh < p.oh; ++oh) {
      for (std::int64_t ow = 0; ow < p.ow; ++ow) {
        const std::int64_t h0 = oh * p.sh - p.pad_top, w0 = ow * p.sw - p.pad_left;
        float acc = is_max ? -std::numeric_limits<float>::infinity() : 0.0f;
        std::int64_t inside = 0, padded = 0;
        for (std::int64_t i = 0; i < p.kh; ++i) {
          const std::int64_t h = h0 + i * p.dh;
          const bool h_in = h >= 0 && h < p.ih;
          const bool h_pad = h >= -p.pad_top && h < p.ih + p.pad_bottom;
          for (std::int64_t j = 0; j < p.kw; ++j) {
            const std::int64_t w = w0 + j * p.dw;
            const bool w_in = w >= 0 && w < p.iw;
            const bool w_pad = w >= -p.pad_left && w < p.iw + p.pad_right;
            if (h_pad && w_pad) ++padded;
            if (!(h_in && w_in)) continue;
            ++inside;
            const float v = in[h * p.iw + w];
            if (is_max) {
              if (v > acc || v != v) acc = v;
            } else {
              acc += v;
            }
          }
          if (is_max && acc != acc) break;
        }
        if (!is_max) {
          const std::int64_t count = p.count_include_pad ? padded : inside;
          acc = count > 0 ? acc / static_cast<float>(count) : 0.0f;
        }
        out[oh * p.ow + ow] = acc;
      }
    }
  }
}

inline void pool(const PoolParams& p, const float* x, float* y) noexcept { pool(p, x, y, 0, p.n * p.c); }

}  // namespace ref
}  // namespace kernels
}  // namespace luodi
