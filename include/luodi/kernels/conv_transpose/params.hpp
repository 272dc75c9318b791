// ConvTranspose2D parameters (ONNX ConvTranspose semantics, NCHW), validation and shapes.
//
// The transpose (adjoint) of Conv2D: every input pixel scatters its weights into the output,
//   y[n][co][iy*sh - pt + ky*dh][ix*sw - pl + kx*dw] += x[n][ci][iy][ix] * w[ci][co - g*Cout/G][ky][kx]
// for ci in group g = co / (C_out/groups); then y = act(y + b[co] + residual). Weights are
// [C_in][C_out/groups][kernel_h][kernel_w] (ONNX/PyTorch layout). Output size per axis:
//   (in - 1)*stride - pad_begin - pad_end + dilation*(kernel - 1) + output_padding + 1.
// ONNX's output_shape and auto_pad attributes are resolved into pads by the converter.
#pragma once

#include <cstdint>

#include "../../core/shape.hpp"
#include "../../core/status.hpp"
#include "../activation/params.hpp"
#include "../conv2d/params.hpp"

namespace luodi {
namespace kernels {

struct ConvTranspose2dParams {
  std::int64_t N = 1, C_in = 0, H = 0, W = 0, C_out = 0;
  std::int64_t kernel_h = 1, kernel_w = 1;
  std::int64_t stride_h = 1, stride_w = 1;
  std::int64_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  std::int64_t output_padding_h = 0, output_padding_w = 0;
  std::int64_t dilation_h = 1, dilation_w = 1;
  std::int64_t groups = 1;
  bool has_bias = false;
  bool has_residual = false;
  ActivationKind activation = ActivationKind::Identity;
  ActivationParams act_params{};
};

inline std::int64_t conv_transpose2d_out_h(const ConvTranspose2dParams& p) noexcept {
  return (p.H - 1) * p.stride_h - p.pad_top - p.pad_bottom + p.dilation_h * (p.kernel_h - 1) + p.output_padding_h + 1;
}
inline std::int64_t conv_transpose2d_out_w(const ConvTranspose2dParams& p) noexcept {
  return (p.W - 1) * p.stride_w - p.pad_left - p.pad_right + p.dilation_w * (p.kernel_w - 1) + p.output_padding_w + 1;
}
inline Shape conv_transpose2d_output_shape(const ConvTranspose2dParams& p) noexcept {
  return Shape{p.N, p.C_out, conv_transpose2d_out_h(p), conv_transpose2d_out_w(p)};
}
inline Shape conv_transpose2d_weight_shape(const ConvTranspose2dParams& p) noexcept {
  return Shape{p.C_in, p.groups > 0 ? p.C_out / p.groups : 0, p.kernel_h, p.kernel_w};
}

inline Status validate(const ConvTranspose2dParams& p) noexcept {
  const char* T = "ConvTranspose2dParams";
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
                      {"output_padding_h", p.output_padding_h, 0},
                      {"output_padding_w", p.output_padding_w, 0},
                      {"dilation_h", p.dilation_h, 1},
                      {"dilation_w", p.dilation_w, 1},
                      {"groups", p.groups, 1}};
  for (const F& f : fields) {
    LUODI_RETURN_IF_ERROR(detail::conv_field_at_least(T, f.name, f.v, f.lo));
    LUODI_RETURN_IF_ERROR(detail::conv_field_at_most(T, f.name, f.v));
  }
  if (p.C_in % p.groups != 0)
    return Status::error(StatusCode::InvalidArgument, "ConvTranspose2dParams.groups is %lld; it must divide C_in = %lld",
                         static_cast<long long>(p.groups), static_cast<long long>(p.C_in));
  if (p.C_out % p.groups != 0)
    return Status::error(StatusCode::InvalidArgument, "ConvTranspose2dParams.groups is %lld; it must divide C_out = %lld",
                         static_cast<long long>(p.groups), static_cast<long long>(p.C_out));
  // As PyTorch requires: otherwise the extra rows/columns could not come from any input pixel.
  if (p.output_padding_h >= p.stride_h && p.output_padding_h >= p.dilation_h)
    return Status::error(StatusCode::InvalidArgument,
                         "ConvTranspose2dParams.output_padding_h is %lld; must be smaller than stride_h or dilation_h",
                         static_cast<long long>(p.output_padding_h));
  if (p.output_padding_w >= p.stride_w && p.output_padding_w >= p.dilation_w)
    return Status::error(StatusCode::InvalidArgument,
                         "ConvTranspose2dParams.output_padding_w is %lld; must be smaller than stride_w or dilation_w",
                         static_cast<long long>(p.output_padding_w));
  if (conv_transpose2d_out_h(p) < 1)
    return Status::error(StatusCode::ShapeMismatch, "ConvTranspose2dParams.pad_top/pad_bottom: the output height is %lld",
                         static_cast<long long>(conv_transpose2d_out_h(p)));
  if (conv_transpose2d_out_w(p) < 1)
    return Status::error(StatusCode::ShapeMismatch, "ConvTranspose2dParams.pad_left/pad_right: the output width is %lld",
                         static_cast<long long>(conv_transpose2d_out_w(p)));
  std::int64_t t = 0;
  if (!::luodi::detail::checked_mul(p.N, p.C_in, &t) || !::luodi::detail::checked_mul(t, p.H, &t) || !::luodi::detail::checked_mul(t, p.W, &t))
    return Status(StatusCode::Overflow, "ConvTranspose2dParams: N*C_in*H*W overflows");
  if (!::luodi::detail::checked_mul(p.N, p.C_out, &t) || !::luodi::detail::checked_mul(t, conv_transpose2d_out_h(p), &t) ||
      !::luodi::detail::checked_mul(t, conv_transpose2d_out_w(p), &t))
    return Status(StatusCode::Overflow, "ConvTranspose2dParams: the output N*C_out*H_out*W_out overflows");
  if (!::luodi::detail::checked_mul(p.C_in, p.C_out / p.groups, &t) || !::luodi::detail::checked_mul(t, p.kernel_h * p.kernel_w, &t))
    return Status(StatusCode::Overflow, "ConvTranspose2dParams: the weight count overflows");
  if (static_cast<int>(p.activation) >= kActivationCount)
    return Status::error(StatusCode::InvalidArgument, "ConvTranspose2dParams.activation is %d; not an ActivationKind",
                         static_cast<int>(p.activation));
  return Status();
}

}  // namespace kernels
}  // namespace luodi
