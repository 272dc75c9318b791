// Ops that only move shapes around: Shape, Reshape, Flatten, Squeeze, Unsqueeze, Identity,
// Dropout (inference), and ConstantOfShape. The reshape-like ones are views: their output is
// their input's bytes under a new shape, so the session runs nothing for them and the planner
// gives the output the input's storage.
#pragma once

#include <cmath>

#include "op.hpp"

namespace luodi {
namespace ops {

namespace detail {
// ONNX axis in [-rank, rank) -> [0, rank).
inline Status norm_axis(const PrepareContext& ctx, std::int64_t axis, int rank, const char* what, int* out) noexcept {
  if (axis < -static_cast<std::int64_t>(rank) || axis >= rank)
    return ctx.error(StatusCode::OutOfRange, "%s %lld is outside [-%d, %d) for a rank-%d tensor", what,
                     static_cast<long long>(axis), rank, rank, rank);
  *out = static_cast<int>(axis < 0 ? axis + rank : axis);
  return Status();
}
inline Status require_known_shape(const PrepareContext& ctx, int k, const char* what) noexcept {
  LUODI_RETURN_IF_ERROR(ctx.require_input(k, what));
  std::int64_t n;
  if (!ctx.input(k)->shape.checked_numel(&n))
    return ctx.error(StatusCode::ShapeMismatch, "input %d (%s) has shape %s, which is not fully known", k, what,
                     ctx.input(k)->shape.str().c_str());
  return Status();
}
}  // namespace detail

// ---- views -----------------------------------------------------------------------------------
inline Status finish_view(PrepareContext& ctx, const Shape& out) noexcept {
  const TensorDesc& x = *ctx.input(0);
  std::int64_t n = 0;
  if (!out.checked_numel(&n) || n != x.numel())
    return ctx.error(StatusCode::ShapeMismatch, "cannot view %s (%lld elements) as %s", x.shape.str().c_str(),
                     static_cast<long long>(x.numel()), out.str().c_str());
  LUODI_RETURN_IF_ERROR(ctx.set_output(0, x.dtype, out));
  ctx.is_view = true;
  return Status();
}

inline Status prepare_reshape(PrepareContext& ctx) noexcept {
  LUODI_RETURN_IF_ERROR(detail::require_known_shape(ctx, 0, "data"));
  std::int64_t spec[kMaxRank];
  int rank = 0;
  LUODI_RETURN_IF_ERROR(ctx.read_int_values(1, "shape", spec, kMaxRank, &rank));
  std::int64_t allowzero = 0;
  LUODI_RETURN_IF_ERROR(ctx.attr_int("allowzero", &allowzero));
  const Shape& in = ctx.input(0)->shape;
  Shape out;
  out.resize(rank, 0);
  int infer = -1;
  std::int64_t known = 1;
  bool has_zero = false;
  for (int d = 0; d < rank; ++d) {
    std::int64_t v = spec[d];
    if (v == -1) {
      if (infer >= 0) return ctx.error(StatusCode::InvalidArgument, "shape has more than one -1");
      infer = d;
      continue;
    }
    if (v < -1) return ctx.error(StatusCode::InvalidArgument, "shape[%d] is %lld", d, static_cast<long long>(v));
    if (v == 0 && allowzero == 0) {
      if (d >= in.rank())
        return ctx.error(StatusCode::ShapeMismatch, "shape[%d] is 0 (copy the input dim) but the input %s has rank %d", d,
                         in.str().c_str(), in.rank());
      v = in[d];
    }
    if (v == 0) has_zero = true;
    out[d] = v;
    if (!luodi::detail::checked_mul(known, v, &known))
      return ctx.error(StatusCode::Overflow, "shape %s overflows", out.str().c_str());
  }
  if (infer >= 0) {
    if (has_zero && allowzero != 0)
      return ctx.error(StatusCode::InvalidArgument, "shape has both -1 and 0 with allowzero=1");
    const std::int64_t n = ctx.input(0)->numel();
    if (known == 0 || n % known != 0)
      return ctx.error(StatusCode::ShapeMismatch, "cannot reshape %s (%lld elements) with -1 at dim %d of a shape with %lld known elements",
                       in.str().c_str(), static_cast<long long>(n), infer, static_cast<long long>(known));
    out[infer] = n / known;
  }
  return finish_view(ctx, out);
}

inline Status prepare_flatten(PrepareContext& ctx) noexcept {
  LUODI_RETURN_IF_ERROR(detail::require_known_shape(ctx, 0, "input"));
  const Shape& in = ctx.input(0)->shape;
  std::int64_t axis = 1;
  LUODI_RETURN_IF_ERROR(ctx.attr_int("axis", &axis));
  // Flatten's axis may equal the rank: [-r, r].
  if (axis < -static_cast<std::int64_t>(in.rank()) || axis > in.rank())
    return ctx.error(StatusCode::OutOfRange, "axis %lld is outside [-%d, %d]", static_cast<long long>(axis), in.rank(),
                     in.rank());
  const int a = static_cast<int>(axis < 0 ? axis + in.rank() : axis);
  return finish_view(ctx, Shape{in.count(0, a), in.count(a, in.rank())});
}

inline Status prepare_squeeze(PrepareContext& ctx) noexcept {
  LUODI_RETURN_IF_ERROR(detail::require_known_shape(ctx, 0, "data"));
  const Shape& in = ctx.input(0)->shape;
  bool drop[kMaxRank] = {};
  if (ctx.has_input(1)) {
    std::int64_t axes[kMaxRank];
    int n = 0;
    LUODI_RETURN_IF_ERROR(ctx.read_int_values(1, "axes", axes, kMaxRank, &n));
    for (int i = 0; i < n; ++i) {
      int a = 0;
      LUODI_RETURN_IF_ERROR(detail::norm_axis(ctx, axes[i], in.rank(), "axis", &a));
      if (drop[a]) return ctx.error(StatusCode::InvalidArgument, "axis %d appears twice", a);
      if (in[a] != 1)
        return ctx.error(StatusCode::ShapeMismatch, "cannot squeeze axis %d of %s: its size is %lld, not 1", a,
                         in.str().c_str(), static_cast<long long>(in[a]));
      drop[a] = true;
    }
  } else {
    for (int d = 0; d < in.rank(); ++d) drop[d] = in[d] == 1;
  }
  Shape out;
  for (int d = 0; d < in.rank(); ++d)
    if (!drop[d]) out.push_back(in[d]);
  return finish_view(ctx, out);
}

inline Status prepare_unsqueeze(PrepareContext& ctx) noexcept {
  LUODI_RETURN_IF_ERROR(detail::require_known_shape(ctx, 0, "data"));
  const Shape& in = ctx.input(0)->shape;
  std::int64_t axes[kMaxRank];
  int n = 0;
  LUODI_RETURN_IF_ERROR(ctx.read_int_values(1, "axes", axes, kMaxRank, &n));
  const int rank = in.rank() + n;
  if (rank > kMaxRank)
    return ctx.error(StatusCode::OutOfRange, "the output would have rank %d; at most %d", rank, kMaxRank);
  bool ins[kMaxRank] = {};
  for (int i = 0; i < n; ++i) {
    int a = 0;
    LUODI_RETURN_IF_ERROR(detail::norm_axis(ctx, axes[i], rank, "axis", &a));
    if (ins[a]) return ctx.error(StatusCode::InvalidArgument, "axis %d appears twice", a);
    ins[a] = true;
  }
  Shape out;
  int src = 0;
  for (int d = 0; d < rank; ++d) out.push_back(ins[d] ? 1 : in[src++]);
  return finish_view(ctx, out);
}

inline Status prepare_identity(PrepareContext& ctx) noexcept {
  LUODI_RETURN_IF_ERROR(detail::require_known_shape(ctx, 0, "input"));
  return finish_view(ctx, ctx.input(0)->shape);
}

// Dropout at inference is the identity. The optional mask output and training mode are not.
inline Status prepare_dropout(PrepareContext& ctx) noexcept {
  if (ctx.num_outputs > 1)
    return ctx.error(StatusCode::Unsupported, "the mask output of Dropout is not supported (inference only)");
  if (ctx.has_input(2)) {
    LUODI_RETURN_IF_ERROR(ctx.require_value(2, "training_mode"));
    const TensorDesc& t = *ctx.input(2);
    if (t.dtype != DType::boolean || t.numel() != 1)
      return ctx.error(StatusCode::DTypeMismatch, "training_mode must be one bool");
    if (*static_cast<const std::uint8_t*>(t.data) != 0)
      return ctx.error(StatusCode::Unsupported, "training_mode is true; luodi runs inference only");
  }
  return prepare_identity(ctx);
}

// ---- Shape -------------------------------------------------------------------------------------
struct ShapeOpParams {
  std::int64_t dims[kMaxRank];
  int count;
};
inline void run_shape(const RunContext& ctx) noexcept {
  const ShapeOpParams& p = ctx.p<ShapeOpParams>();
  std::memcpy(ctx.out[0], p.dims, sizeof(std::int64_t) * static_cast<std::size_t>(p.count));
}
inline Status prepare_shape(PrepareContext& ctx) noexcept {
  LUODI_RETURN_IF_ERROR(detail::require_known_shape(ctx, 0, "data"));
  const Shape& in = ctx.input(0)->shape;
  std::int64_t start = 0, end = in.rank();
  LUODI_RETURN_IF_ERROR(ctx.attr_int("start", &start));
  LUODI_RETURN_IF_ERROR(ctx.attr_int("end", &end));
  // Opset 15: negative counts from the back; both are clamped to [0, rank].
  auto clamp = [&](std::int64_t v) {
    if (v < 0) v += in.rank();
    return v < 0 ? std::int64_t(0) : (v > in.rank() ? std::int64_t(in.rank()) : v);
  };
  start = clamp(start);
  end = clamp(end);
  ShapeOpParams p{};
  p.count = end > start ? static_cast<int>(end - start) : 0;
  for (int i = 0; i < p.count; ++i) p.dims[i] = in[static_cast<int>(start) + i];
  LUODI_RETURN_IF_ERROR(ctx.set_output(0, DType::i64, Shape{p.count}));
  ctx.set_params(p);
  ctx.run = &run_shape;
  return Status();
}

// ---- ConstantOfShape -------------------------------------------------------------------------
struct FillParams {
  std::int64_t count;
  std::uint8_t value[8];
  std::uint8_t elem;
};
inline void run_fill(const RunContext& ctx) noexcept {
  const FillParams& p = ctx.p<FillParams>();
  std::uint8_t* out = static_cast<std::uint8_t*>(ctx.out[0]);
  for (std::int64_t i = 0; i < p.count; ++i) std::memcpy(out + i * p.elem, p.value, p.elem);
}
inline Status prepare_constant_of_shape(PrepareContext& ctx) noexcept {
  std::int64_t dims[kMaxRank];
  int rank = 0;
  LUODI_RETURN_IF_ERROR(ctx.read_int_values(0, "input", dims, kMaxRank, &rank));
  Shape out;
  for (int d = 0; d < rank; ++d) {
    if (dims[d] < 0) return ctx.error(StatusCode::InvalidArgument, "dim %d of the requested shape is %lld", d, static_cast<long long>(dims[d]));
    out.push_back(dims[d]);
  }
  // "value": one element; Float/Floats make f32, Int/Ints make i64; "dtype" overrides.
  DType dt = DType::f32;
  double v = 0.0;
  std::int64_t iv = 0;  // the exact value of an integer attribute (a double holds only 53 bits)
  graph::Attr a;
  if (ctx.attrs.find("value", &a)) {
    if (a.count != 1) return ctx.error(StatusCode::BadAttribute, "attribute \"value\" must hold one element; it holds %u",
                                         static_cast<unsigned>(a.count));
    if (a.type == graph::AttrType::Float || a.type == graph::AttrType::Floats) {
      v = a.float_at(0);
      iv = (v > -9.2e18 && v < 9.2e18) ? static_cast<std::int64_t>(v) : 0;  // NaN and huge: 0, not UB
    } else {
      dt = DType::i64;
      iv = a.int_at(0);
      v = static_cast<double>(iv);
    }
  }
  std::int64_t dtype_attr = 0;
  LUODI_RETURN_IF_ERROR(ctx.attr_int("dtype", &dtype_attr));
  if (dtype_attr != 0) {
    if (dtype_attr < 0 || !dtype_valid(static_cast<std::uint32_t>(dtype_attr)))
      return ctx.error(StatusCode::BadAttribute, "attribute \"dtype\" is %lld, not a luodi dtype", static_cast<long long>(dtype_attr));
    dt = static_cast<DType>(dtype_attr);
  }
  FillParams p{};
  p.count = 0;
  p.elem = static_cast<std::uint8_t>(dtype_size(dt));
  switch (dt) {
    case DType::f32: { const float f = static_cast<float>(v); std::memcpy(p.value, &f, 4); break; }
    case DType::f16: { const std::uint16_t h = float_to_half(static_cast<float>(v)); std::memcpy(p.value, &h, 2); break; }
    case DType::i8: { const std::int8_t i = static_cast<std::int8_t>(iv); std::memcpy(p.value, &i, 1); break; }
    case DType::u8: { const std::uint8_t i = static_cast<std::uint8_t>(iv); std::memcpy(p.value, &i, 1); break; }
    case DType::i32: { const std::int32_t i = static_cast<std::int32_t>(iv); std::memcpy(p.value, &i, 4); break; }
    case DType::i64: std::memcpy(p.value, &iv, 8); break;
    case DType::boolean: { p.value[0] = v != 0.0 ? 1 : 0; break; }
  }
  LUODI_RETURN_IF_ERROR(ctx.set_output(0, dt, out));
  p.count = out.numel();
  ctx.set_params(p);
  ctx.run = &run_fill;
  return Status();
}

// ---- Range -----------------------------------------------------------------------------------
// Range(start, limit, delta): max(ceil((limit - start) / delta), 0) values start + i * delta.
// All three are scalars whose values must be known, so the node is always evaluated at
// prepare time. f32, i32 and i64.
struct RangeParams {
  std::int64_t count;
  double start, delta;       // f32
  std::int64_t istart, idelta;  // integers
  DType dtype;
};
inline void run_range(const RunContext& ctx) noexcept {
  const RangeParams& p = ctx.p<RangeParams>();
  for (std::int64_t i = 0; i < p.count; ++i) {
    switch (p.dtype) {
      case DType::f32: ctx.output<float>(0)[i] = static_cast<float>(p.start + static_cast<double>(i) * p.delta); break;
      case DType::i32: ctx.output<std::int32_t>(0)[i] = static_cast<std::int32_t>(p.istart + i * p.idelta); break;
      default: ctx.output<std::int64_t>(0)[i] = p.istart + i * p.idelta; break;
    }
  }
}
inline Status prepare_range(PrepareContext& ctx) noexcept {
  const char* names[3] = {"start", "limit", "delta"};
  for (int k = 0; k < 3; ++k) {
    LUODI_RETURN_IF_ERROR(ctx.require_value(k, names[k]));
    if (ctx.input(k)->numel() != 1 || ctx.input(k)->dtype != ctx.input(0)->dtype)
      return ctx.error(StatusCode::ShapeMismatch, "input %d (%s) must be one %s", k, names[k], dtype_name(ctx.input(0)->dtype));
  }
  RangeParams p{};
  p.dtype = ctx.input(0)->dtype;
  auto value = [&](int k) -> double {
    switch (p.dtype) {
      case DType::f32: return static_cast<double>(*ctx.input(k)->as<float>());
      case DType::i32: return static_cast<double>(*ctx.input(k)->as<std::int32_t>());
      default: return static_cast<double>(*ctx.input(k)->as<std::int64_t>());
    }
  };
  if (p.dtype != DType::f32 && p.dtype != DType::i32 && p.dtype != DType::i64)
    return ctx.error(StatusCode::Unsupported, "Range of %s (f32, i32 or i64)", dtype_name(p.dtype));
  const double start = value(0), limit = value(1), delta = value(2);
  if (!(delta != 0.0) || !std::isfinite(start) || !std::isfinite(limit) || !std::isfinite(delta))
    return ctx.error(StatusCode::InvalidArgument, "start %g, limit %g, delta %g: delta must be non-zero and all finite", start,
                     limit, delta);
  const double n = std::ceil((limit - start) / delta);
  if (n > static_cast<double>(kMaxElements) || std::fabs(start) + (n > 0 ? n : 0) * std::fabs(delta) > 9e18)
    return ctx.error(StatusCode::Overflow, "Range from %g by %g to %g is too long", start, delta, limit);
  p.count = n > 0 ? static_cast<std::int64_t>(n) : 0;
  p.start = start;
  p.delta = delta;
  if (p.dtype != DType::f32) {
    p.istart = p.dtype == DType::i32 ? *ctx.input(0)->as<std::int32_t>() : *ctx.input(0)->as<std::int64_t>();
    p.idelta = p.dtype == DType::i32 ? *ctx.input(2)->as<std::int32_t>() : *ctx.input(2)->as<std::int64_t>();
  }
  LUODI_RETURN_IF_ERROR(ctx.set_output(0, p.dtype, Shape{p.count}));
  ctx.set_params(p);
  ctx.run = &run_range;
  return Status();
}

}  // namespace ops
}  // namespace luodi
