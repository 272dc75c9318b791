// Conv2D parameters (ONNX Conv semantics, NCHW), validation and output-shape helpers.
//
//   y[n][co][oy][ox] = act( b[co] + residual[n][co][oy][ox]
//        + sum_{ci in group(co), ky, kx} w[co][ci - g*Cin/G][ky][kx]
//                                        * x[n][ci][oy*sh - pt + ky*dh][ox*sw - pl + kx*dw] )
//
// with zero outside the input. Weights are OIHW: [C_out][C_in/groups][kernel_h][kernel_w].
// Conv1D is the H = 1, kernel_h = 1 case (conv1d_params). The residual is added before the
// activation, as in a ResNet block.
#pragma once

#include <cstdint>

#include "../../core/shape.hpp"
#include "../../core/status.hpp"
#include "../activation/params.hpp"

namespace luodi {
namespace kernels {

struct Conv2dParams {
  std::int64_t N = 1, C_in = 0, H = 0, W = 0, C_out = 0;
  std::int64_t kernel_h = 1, kernel_w = 1;
  std::int64_t stride_h = 1, stride_w = 1;
  std::int64_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  std::int64_t dilation_h = 1, dilation_w = 1;
  std::int64_t groups = 1;
  bool has_bias = false;
  bool has_residual = false;
  ActivationKind activation = ActivationKind::Identity;
  ActivationParams act_params{};
};

namespace detail {
// floor((in + pads - dil*(k-1) - 1) / stride) + 1, or <= 0 when the kernel does not fit.
inline std::int64_t conv_out_dim(std::int64_t in, std::int64_t pad0, std::int64_t pad1, std::int64_t k, std::int64_t stride,
                                 std::int64_t dil) noexcept {
  const std::int64_t span = dil * (k - 1) + 1;
  const std::int64_t padded = in + pad0 + pad1;
  if (padded < span || stride < 1) return 0;
  return (padded - span) / stride + 1;
}
}  // namespace detail

inline std::int64_t conv2d_out_h(const Conv2dParams& p) noexcept {
  return detail::conv_out_dim(p.H, p.pad_top, p.pad_bottom, p.kernel_h, p.stride_h, p.dilation_h);
}
inline std::int64_t conv2d_out_w(const Conv2dParams& p) noexcept {
  return detail::conv_out_dim(p.W, p.pad_left, p.pad_right, p.kernel_w, p.stride_w, p.dilation_w);
}
inline Shape conv2d_output_shape(const Conv2dParams& p) noexcept { return Shape{p.N, p.C_out, conv2d_out_h(p), conv2d_out_w(p)}; }
inline Shape conv2d_weight_shape(const Conv2dParams& p) noexcept {
  return Shape{p.C_out, p.groups > 0 ? p.C_in / p.groups : 0, p.kernel_h, p.kernel_w};
}

// A Conv1D over [N][C_in][L] as the Conv2D with H = 1.
inline Conv2dParams conv1d_params(std::int64_t N, std::int64_t C_in, std::int64_t L, std::int64_t C_out, std::int64_t kernel,
                                  std::int64_t stride = 1, std::int64_t pad_left = 0, std::int64_t pad_right = 0,
                                  std::int64_t dilation = 1, std::int64_t groups = 1) noexcept {
  Conv2dParams p;
  p.N = N;
  p.C_in = C_in;
  p.H = 1;
  p.W = L;
  p.C_out = C_out;
  p.kernel_w = kernel;
  p.stride_w = stride;
  p.pad_left = pad_left;
  p.pad_right = pad_right;
  p.dilation_w = dilation;
  p.groups = groups;
  return p;
}

namespace detail {
inline Status conv_field_at_least(const char* type, const char* field, std::int64_t v, std::int64_t lo) noexcept {
  if (v >= lo) return Status();
  return Status::error(StatusCode::InvalidArgument, "%s.%s is %lld; must be >= %lld", type, field, static_cast<long long>(v),
                       static_cast<long long>(lo));
}
// Every kernel indexes with int64 but loops over single dimensions with int: keep each below 2^30.
inline Status conv_field_at_most(const char* type, const char* field, std::int64_t v) noexcept {
  if (v <= (std::int64_t(1) << 30)) return Status();
  return Status::error(StatusCode::OutOfRange, "%s.%s is %lld; must be <= 2^30", type, field, static_cast<long long>(v));
}
}  // namespace detail

inline Status validate(const Conv2dParams& p) noexcept {
  const char* T = "Conv2dParams";
  struct F {
    const char* name;
    std::int64_t v, lo;
  };
  const F fields[] = {{"N", p.N, 1},
                      {"C_in", p.C_in, 1},
                      {"H", p.H, 1},
                      {"W", p.W, 1},
                      {"C_out", p.C_out, 1},
                      {"kernel_h", p.kernel_h, 1},
                      {"kernel_w", p.kernel_w, 1},
                      {"stride_h", p.stride_h, 1},
                      {"stride_w", p.stride_w, 1},
                      {"pad_top", p.pad_top, 0},
                      {"pad_left", p.pad_left, 0},
                      {"pad_bottom", p.pad_bottom, 0},
                      {"pad_right", p.pad_right, 0},
                      {"dilation_h", p.dilation_h, 1},
                      {"dilation_w", p.dilation_w, 1},
                      {"groups", p.groups, 1}};
  for (const F& f : fields) {
    LUODI_RETURN_IF_ERROR(detail::conv_field_at_least(T, f.name, f.v, f.lo));
    LUODI_RETURN_IF_ERROR(detail::conv_field_at_most(T, f.name, f.v));
  }
  if (p.C_in % p.groups != 0)
    return Status::error(StatusCode::InvalidArgument, "Conv2dParams.groups is %lld; it must divide C_in = %lld",
                         static_cast<long long>(p.groups), static_cast<long long>(p.C_in));
  if (p.C_out % p.groups != 0)
    return Status::error(StatusCode::InvalidArgument, "Conv2dParams.groups is %lld; it must divide C_out = %lld",
                         static_cast<long long>(p.groups), static_cast<long long>(p.C_out));
  if (conv2d_out_h(p) < 1)
    return Status::error(StatusCode::ShapeMismatch,
                         "Conv2dParams.kernel_h: the dilated kernel (%lld) is taller than the padded input (%lld)",
                         static_cast<long long>(p.dilation_h * (p.kernel_h - 1) + 1),
                         static_cast<long long>(p.H + p.pad_top + p.pad_bottom));
  if (conv2d_out_w(p) < 1)
    return Status::error(StatusCode::ShapeMismatch,
                         "Conv2dParams.kernel_w: the dilated kernel (%lld) is wider than the padded input (%lld)",
                         static_cast<long long>(p.dilation_w * (p.kernel_w - 1) + 1),
                         static_cast<long long>(p.W + p.pad_left + p.pad_right));
  std::int64_t t = 0;
  if (!::luodi::detail::checked_mul(p.N, p.C_in, &t) || !::luodi::detail::checked_mul(t, p.H, &t) || !::luodi::detail::checked_mul(t, p.W, &t))
    return Status(StatusCode::Overflow, "Conv2dParams: N*C_in*H*W overflows");
  if (!::luodi::detail::checked_mul(p.N, p.C_out, &t) || !::luodi::detail::checked_mul(t, conv2d_out_h(p), &t) ||
      !::luodi::detail::checked_mul(t, conv2d_out_w(p), &t))
    return Status(StatusCode::Overflow, "Conv2dParams: the output N*C_out*H_out*W_out overflows");
  if (!::luodi::detail::checked_mul(p.C_out, p.C_in / p.groups, &t) || !::luodi::detail::checked_mul(t, p.kernel_h * p.kernel_w, &t))
    return Status(StatusCode::Overflow, "Conv2dParams: the weight count overflows");
  if (static_cast<int>(p.activation) >= kActivationCount)
    return Status::error(StatusCode::InvalidArgument, "Conv2dParams.activation is %d; not an ActivationKind",
                         static_cast<int>(p.activation));
  return Status();
}

}  // namespace kernels
}  // namespace luodi
