// Normalisations (ONNX opset 13-17): BatchNormalization (inference), InstanceNormalization,
// LayerNormalization (opset 17: axis, epsilon, optional bias) and LRN.
//
//   BatchNorm     y = (x - mean[c]) / sqrt(var[c] + eps) * scale[c] + bias[c]
//   InstanceNorm  y = (x - mu) / sqrt(sigma^2 + eps) * scale[c] + bias[c], mu and the biased
//                 variance sigma^2 over the spatial dims of each (n, c)
//   LayerNorm     y = (x - mu) / sqrt(sigma^2 + eps) * scale + bias over dims [axis, rank);
//                 scale and bias have the normalised shape (or one element)
//   LRN           y = x / (bias + alpha / size * sum(x[c']^2))^beta over the channels
//                 c' in [c - floor((size-1)/2), c + ceil((size-1)/2)] (ONNX's window; PyTorch's
//                 LocalResponseNorm puts the extra channel of an even size on the other side)
// Not supported: BatchNormalization's training mode and its extra outputs; LayerNorm's Mean and
// InvStdDev outputs (the runtime only asks for Y).
#pragma once

#include <cstdint>

#include "../../core/shape.hpp"
#include "../../core/status.hpp"
#include "../common/broadcast.hpp"
#include "../common/shape_util.hpp"

namespace luodi {
namespace kernels {

// N x C x (inner) for batch and instance norm and LRN.
struct ChannelNormParams {
  std::int64_t n = 0, c = 0, inner = 1;
  float epsilon = 1e-5f;
};
using BatchNormParams = ChannelNormParams;
using InstanceNormParams = ChannelNormParams;

namespace detail {
inline Status channel_norm_check(const char* op, const Shape& x, const Shape* params, const char* const* names, int count,
                                 ChannelNormParams* p) noexcept {
  LUODI_RETURN_IF_ERROR(require_static(x, op));
  if (x.rank() < 2)
    return Status::error(StatusCode::ShapeMismatch, "%s: input %s needs at least N and C", op, x.str().c_str());
  p->n = x[0];
  p->c = x[1];
  p->inner = x.count(2, x.rank());
  for (int i = 0; i < count; ++i) {
    const Shape& s = params[i];
    std::int64_t ne = 0;
    if (!s.checked_numel(&ne) || ne != p->c || (s.rank() != 1 && !(s.rank() == 0 && p->c == 1)))
      return Status::error(StatusCode::ShapeMismatch, "%s: %s has shape %s; the input %s has %lld channels", op, names[i],
                           s.str().c_str(), x.str().c_str(), static_cast<long long>(p->c));
  }
  return Status();
}
inline Status check_epsilon(const char* op, float eps) noexcept {
  if (!(eps >= 0.0f) || eps > 1e30f) return Status::error(StatusCode::BadAttribute, "%s: epsilon %g is not >= 0", op, double(eps));
  return Status();
}
}  // namespace detail

inline Result<BatchNormParams> batch_norm_params_make(const Shape& x, const Shape& scale, const Shape& bias, const Shape& mean,
                                                      const Shape& var, float epsilon) noexcept {
  BatchNormParams p;
  const Shape s[4] = {scale, bias, mean, var};
  const char* names[4] = {"scale", "bias", "mean", "var"};
  LUODI_RETURN_IF_ERROR(detail::check_epsilon("batch_norm", epsilon));
  LUODI_RETURN_IF_ERROR(detail::channel_norm_check("batch_norm", x, s, names, 4, &p));
  p.epsilon = epsilon;
  return p;
}

inline Result<InstanceNormParams> instance_norm_params_make(const Shape& x, const Shape& scale, const Shape& bias,
                                                            float epsilon) noexcept {
  InstanceNormParams p;
  const Shape s[2] = {scale, bias};
  const char* names[2] = {"scale", "bias"};
  LUODI_RETURN_IF_ERROR(detail::check_epsilon("instance_norm", epsilon));
  LUODI_RETURN_IF_ERROR(detail::channel_norm_check("instance_norm", x, s, names, 2, &p));
  if (x.rank() < 3)
    return Status::error(StatusCode::ShapeMismatch, "instance_norm: input %s has no spatial dims", x.str().c_str());
  p.epsilon = epsilon;
  return p;
}

struct LayerNormParams {
  std::int64_t outer = 1, inner = 1;
  float epsilon = 1e-5f;
  bool has_bias = false;
  bool scale_is_scalar = false, bias_is_scalar = false;
};

// bias may be null (opset 17's optional B).
inline Result<LayerNormParams> layer_norm_params_make(const Shape& x, std::int64_t axis, const Shape& scale, const Shape* bias,
                                                      float epsilon) noexcept {
  LUODI_RETURN_IF_ERROR(require_static(x, "layer_norm"));
  LUODI_RETURN_IF_ERROR(detail::check_epsilon("layer_norm", epsilon));
  Result<int> ax = normalize_axis(axis, x.rank(), "layer_norm axis");
  if (!ax.ok()) return ax.status();
  LayerNormParams p;
  p.outer = x.count(0, *ax);
  p.inner = x.count(*ax, x.rank());
  p.epsilon = epsilon;
  const Shape normalized(x.data() + *ax, x.rank() - *ax);
  auto check = [&](const Shape& s, const char* name, bool* scalar) -> Status {
    LUODI_RETURN_IF_ERROR(require_static(s, name));
    const std::int64_t ne = s.numel();
    if (broadcasts_to(s, normalized) && (ne == p.inner || ne == 1)) {
      *scalar = ne == 1 && p.inner != 1;
      return Status();
    }
    return Status::error(StatusCode::ShapeMismatch,
                         "layer_norm: %s has shape %s; it must have the normalised shape %s (dims %d.. of %s) or one element",
                         name, s.str().c_str(), normalized.str().c_str(), *ax, x.str().c_str());
  };
  LUODI_RETURN_IF_ERROR(check(scale, "scale", &p.scale_is_scalar));
  if (bias) {
    LUODI_RETURN_IF_ERROR(check(*bias, "bias", &p.bias_is_scalar));
    p.has_bias = true;
  }
  return p;
}

struct LrnParams {
  std::int64_t n = 0, c = 0, inner = 1;
  std::int64_t size = 1;
  float alpha = 1e-4f, beta = 0.75f, bias = 1.0f;
};

inline Result<LrnParams> lrn_params_make(const Shape& x, std::int64_t size, float alpha, float beta, float bias) noexcept {
  LUODI_RETURN_IF_ERROR(require_static(x, "lrn"));
  if (x.rank() < 3) return Status::error(StatusCode::ShapeMismatch, "lrn: input %s needs N, C and spatial dims", x.str().c_str());
  if (size < 1 || size > (std::int64_t(1) << 20))
    return Status::error(StatusCode::BadAttribute, "lrn: size %lld is out of range", static_cast<long long>(size));
  if (!(alpha == alpha) || !(beta == beta) || !(bias == bias))
    return Status::error(StatusCode::BadAttribute, "lrn: alpha, beta and bias must not be NaN");
  LrnParams p;
  p.n = x[0];
  p.c = x[1];
  p.inner = x.count(2, x.rank());
  p.size = size;
  p.alpha = alpha;
  p.beta = beta;
  p.bias = bias;
  return p;
}

}  // namespace kernels
}  // namespace luodi
