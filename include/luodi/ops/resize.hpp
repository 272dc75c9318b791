// Resize (opset 11-18 inputs: X, roi, scales, sizes) on the resize kernels. The scales or sizes
// must be known at prepare time (constants, or computed from shapes, e.g. sizes built from
// Shape(x) in an exported model); an empty tensor counts as absent, as exporters write it.
#pragma once

#include "../kernels/resize/resize.hpp"
#include "op.hpp"

namespace luodi {
namespace ops {

inline void run_resize(const RunContext& ctx) noexcept {
  kernels::resize(ctx.p<kernels::ResizeParams>(), ctx.input(0), ctx.output(0), ctx.executor);
}

inline Status prepare_resize(PrepareContext& ctx) noexcept {
  LUODI_RETURN_IF_ERROR(ctx.require_f32(0, "X"));
  const TensorDesc& x = *ctx.input(0);
  kernels::ResizeAttrs a;
  char mode[32] = "nearest", coord[32] = "half_pixel", nearest[32] = "round_prefer_floor", policy[16] = "stretch";
  LUODI_RETURN_IF_ERROR(ctx.attr_string("mode", mode, sizeof mode));
  LUODI_RETURN_IF_ERROR(ctx.attr_string("coordinate_transformation_mode", coord, sizeof coord));
  LUODI_RETURN_IF_ERROR(ctx.attr_string("nearest_mode", nearest, sizeof nearest));
  LUODI_RETURN_IF_ERROR(ctx.attr_string("keep_aspect_ratio_policy", policy, sizeof policy));
  if (!kernels::resize_mode_from_name(mode, &a.mode))
    return ctx.error(StatusCode::BadAttribute, "attribute \"mode\" is \"%s\" (nearest, linear or cubic)", mode);
  if (!kernels::coord_mode_from_name(coord, &a.coord))
    return ctx.error(StatusCode::BadAttribute, "attribute \"coordinate_transformation_mode\" is \"%s\"", coord);
  if (!kernels::nearest_mode_from_name(nearest, &a.nearest))
    return ctx.error(StatusCode::BadAttribute, "attribute \"nearest_mode\" is \"%s\"", nearest);
  if (std::strcmp(policy, "stretch") != 0)
    return ctx.error(StatusCode::Unsupported, "keep_aspect_ratio_policy \"%s\" (only stretch)", policy);
  std::int64_t exclude = 0, antialias = 0;
  LUODI_RETURN_IF_ERROR(ctx.attr_int("exclude_outside", &exclude));
  LUODI_RETURN_IF_ERROR(ctx.attr_int("antialias", &antialias));
  if (antialias) return ctx.error(StatusCode::Unsupported, "antialias (opset 18) is not supported");
  if (ctx.attrs.has("axes")) return ctx.error(StatusCode::Unsupported, "the axes attribute (opset 18) is not supported");
  a.exclude_outside = exclude != 0;
  LUODI_RETURN_IF_ERROR(ctx.attr_float("cubic_coeff_a", &a.cubic_coeff_a));
  LUODI_RETURN_IF_ERROR(ctx.attr_float("extrapolation_value", &a.extrapolation_value));
  auto present = [&](int k) { return ctx.has_input(k) && ctx.input(k)->numel() > 0; };
  float roi[8], scales[kMaxRank];
  std::int64_t sizes[kMaxRank];
  int nroi = 0, nscales = 0, nsizes = 0;
  if (present(1) && a.coord == kernels::CoordMode::TfCropAndResize)
    LUODI_RETURN_IF_ERROR(ctx.read_float_values(1, "roi", roi, 8, &nroi));
  if (present(2)) LUODI_RETURN_IF_ERROR(ctx.read_float_values(2, "scales", scales, kMaxRank, &nscales));
  if (present(3)) LUODI_RETURN_IF_ERROR(ctx.read_int_values(3, "sizes", sizes, kMaxRank, &nsizes));
  Result<kernels::ResizeParams> p = kernels::resize_params_make(x.shape, a, nscales ? scales : nullptr, nscales,
                                                                nsizes ? sizes : nullptr, nsizes, nroi ? roi : nullptr, nroi);
  if (!p.ok()) return ctx.wrap(p.status());
  LUODI_RETURN_IF_ERROR(ctx.set_output(0, DType::f32, p->output_shape()));
  ctx.set_params(*p);
  ctx.run = &run_resize;
  return Status();
}

}  // namespace ops
}  // namespace luodi
