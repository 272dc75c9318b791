// Ops on the data-movement kernels (kernels/movement): Transpose, Concat, Split, Slice, Pad,
// Gather, Tile, Expand, Cast, DepthToSpace, SpaceToDepth. They move elements of any dtype (by
// element size; Cast converts). Slice, Pad, Tile and Expand take their parameters from inputs
// whose values must be known at prepare time; Split's sizes too.
#pragma once

#include "../kernels/movement/movement.hpp"
#include "op.hpp"

namespace luodi {
namespace ops {

namespace detail {
inline std::size_t elem_size_of(const TensorDesc& t) noexcept { return dtype_size(t.dtype); }
}  // namespace detail

// ---- Transpose ---------------------------------------------------------------------------------
inline void run_transpose(const RunContext& ctx) noexcept {
  kernels::transpose(ctx.p<kernels::TransposeParams>(), ctx.in[0], ctx.out[0], ctx.executor);
}
inline Status prepare_transpose(PrepareContext& ctx) noexcept {
  LUODI_RETURN_IF_ERROR(ctx.require_input(0, "data"));
  const TensorDesc& x = *ctx.input(0);
  std::int64_t perm[kMaxRank];
  std::uint32_t n = 0;
  LUODI_RETURN_IF_ERROR(ctx.attr_ints("perm", perm, kMaxRank, &n));
  Result<Shape> out = kernels::transpose_output_shape(x.shape, n ? perm : nullptr, static_cast<int>(n));
  if (!out.ok()) return ctx.wrap(out.status());
  Result<kernels::TransposeParams> p =
      kernels::transpose_params_make(x.shape, n ? perm : nullptr, static_cast<int>(n), detail::elem_size_of(x));
  if (!p.ok()) return ctx.wrap(p.status());
  LUODI_RETURN_IF_ERROR(ctx.set_output(0, x.dtype, *out));
  ctx.set_params(*p);
  ctx.run = &run_transpose;
  return Status();
}

// ---- Concat ------------------------------------------------------------------------------------
struct ConcatOpParams {
  kernels::ConcatParams p;
  std::int64_t axis_dims[kMaxOpInputs];
  int n;
};
inline void run_concat(const RunContext& ctx) noexcept {
  const ConcatOpParams& p = ctx.p<ConcatOpParams>();
  kernels::concat(p.p, ctx.in, p.axis_dims, p.n, ctx.out[0], ctx.executor);
}
inline Status prepare_concat(PrepareContext& ctx) noexcept {
  std::int64_t axis = 0;
  LUODI_RETURN_IF_ERROR(ctx.attr_int("axis", &axis, true));
  const Shape* shapes[kMaxOpInputs];
  for (int k = 0; k < ctx.num_inputs; ++k) {
    LUODI_RETURN_IF_ERROR(ctx.require_input(k, "input"));
    if (ctx.input(k)->dtype != ctx.input(0)->dtype)
      return ctx.error(StatusCode::DTypeMismatch, "input %d is %s but input 0 is %s", k,
                       dtype_name(ctx.input(k)->dtype), dtype_name(ctx.input(0)->dtype));
    shapes[k] = &ctx.input(k)->shape;
  }
  Result<Shape> out = kernels::concat_output_shape(shapes, ctx.num_inputs, axis);
  if (!out.ok()) return ctx.wrap(out.status());
  Result<kernels::ConcatParams> cp =
      kernels::concat_params_make(shapes, ctx.num_inputs, axis, detail::elem_size_of(*ctx.input(0)));
  if (!cp.ok()) return ctx.wrap(cp.status());
  ConcatOpParams p{};
  p.p = *cp;
  p.n = ctx.num_inputs;
  const int ax = static_cast<int>(axis < 0 ? axis + out->rank() : axis);
  for (int k = 0; k < ctx.num_inputs; ++k) p.axis_dims[k] = (*shapes[k])[ax];
  LUODI_RETURN_IF_ERROR(ctx.set_output(0, ctx.input(0)->dtype, *out));
  ctx.set_params(p);
  ctx.run = &run_concat;
  return Status();
}

// ---- Split -------------------------------------------------------------------------------------
struct SplitOpParams {
  kernels::SplitParams p;
  std::int64_t sizes[kMaxOpOutputs];
  int n;
};
inline void run_split(const RunContext& ctx) noexcept {
  const SplitOpParams& p = ctx.p<SplitOpParams>();
  kernels::split(p.p, ctx.in[0], p.sizes, p.n, ctx.out, ctx.executor);
}
inline Status prepare_split(PrepareContext& ctx) noexcept {
  LUODI_RETURN_IF_ERROR(ctx.require_input(0, "input"));
  const TensorDesc& x = *ctx.input(0);
  std::int64_t axis = 0, num_outputs = 0;
  LUODI_RETURN_IF_ERROR(ctx.attr_int("axis", &axis));
  LUODI_RETURN_IF_ERROR(ctx.attr_int("num_outputs", &num_outputs));
  if (axis < -static_cast<std::int64_t>(x.shape.rank()) || axis >= x.shape.rank())
    return ctx.error(StatusCode::OutOfRange, "axis %lld is outside [-%d, %d)", static_cast<long long>(axis),
                     x.shape.rank(), x.shape.rank());
  const int ax = static_cast<int>(axis < 0 ? axis + x.shape.rank() : axis);
  SplitOpParams p{};
  p.n = ctx.num_outputs;
  std::int64_t given[kMaxOpOutputs];
  int given_count = 0;
  if (ctx.has_input(1)) LUODI_RETURN_IF_ERROR(ctx.read_int_values(1, "split", given, kMaxOpOutputs, &given_count));
  if (given_count && given_count != ctx.num_outputs)
    return ctx.error(StatusCode::ShapeMismatch, "%d split sizes for %d outputs", given_count, ctx.num_outputs);
  if (num_outputs != 0 && num_outputs != ctx.num_outputs)
    return ctx.error(StatusCode::BadAttribute, "attribute \"num_outputs\" is %lld but the node has %d outputs",
                     static_cast<long long>(num_outputs), ctx.num_outputs);
  // Opset 18's num_outputs allows a smaller last part; opset 13's equal split must divide.
  Status s = kernels::split_sizes(x.shape[ax], given_count ? given : nullptr, given_count, ctx.num_outputs, p.sizes,
                                  num_outputs != 0);
  if (!s.ok()) return ctx.wrap(s);
  Result<kernels::SplitParams> sp = kernels::split_params_make(x.shape, axis, p.sizes, p.n, detail::elem_size_of(x));
  if (!sp.ok()) return ctx.wrap(sp.status());
  p.p = *sp;
  for (int k = 0; k < p.n; ++k) {
    Shape o = x.shape;
    o[ax] = p.sizes[k];
    LUODI_RETURN_IF_ERROR(ctx.set_output(k, x.dtype, o));
  }
  ctx.set_params(p);
  ctx.run = &run_split;
  return Status();
}

// ---- Slice -------------------------------------------------------------------------------------
inline void run_slice(const RunContext& ctx) noexcept {
  kernels::slice(ctx.p<kernels::SliceParams>(), ctx.in[0], ctx.out[0], ctx.executor);
}
inline Status prepare_slice(PrepareContext& ctx) noexcept {
  LUODI_RETURN_IF_ERROR(ctx.require_input(0, "data"));
  const TensorDesc& x = *ctx.input(0);
  std::int64_t starts[kMaxRank], ends[kMaxRank], axes[kMaxRank], steps[kMaxRank];
  int ns = 0, ne = 0, na = 0, nst = 0;
  LUODI_RETURN_IF_ERROR(ctx.read_int_values(1, "starts", starts, kMaxRank, &ns));
  LUODI_RETURN_IF_ERROR(ctx.read_int_values(2, "ends", ends, kMaxRank, &ne));
  if (ctx.has_input(3)) LUODI_RETURN_IF_ERROR(ctx.read_int_values(3, "axes", axes, kMaxRank, &na));
  if (ctx.has_input(4)) LUODI_RETURN_IF_ERROR(ctx.read_int_values(4, "steps", steps, kMaxRank, &nst));
  if (ne != ns || (ctx.has_input(3) && na != ns) || (ctx.has_input(4) && nst != ns))
    return ctx.error(StatusCode::ShapeMismatch, "starts, ends, axes and steps have %d, %d, %d and %d values", ns, ne,
                     ctx.has_input(3) ? na : ns, ctx.has_input(4) ? nst : ns);
  Result<kernels::SliceParams> p = kernels::slice_params_make(x.shape, starts, ends, ctx.has_input(3) ? axes : nullptr,
                                                              ctx.has_input(4) ? steps : nullptr, ns,
                                                              detail::elem_size_of(x));
  if (!p.ok()) return ctx.wrap(p.status());
  LUODI_RETURN_IF_ERROR(ctx.set_output(0, x.dtype, p->out_shape()));
  ctx.set_params(*p);
  ctx.run = &run_slice;
  return Status();
}

// ---- Pad ---------------------------------------------------------------------------------------
inline void run_pad(const RunContext& ctx) noexcept {
  kernels::pad(ctx.p<kernels::PadParams>(), ctx.in[0], ctx.out[0], ctx.executor);
}
inline Status prepare_pad(PrepareContext& ctx) noexcept {
  LUODI_RETURN_IF_ERROR(ctx.require_input(0, "data"));
  const TensorDesc& x = *ctx.input(0);
  char mode_name[16] = "constant";
  LUODI_RETURN_IF_ERROR(ctx.attr_string("mode", mode_name, sizeof mode_name));
  kernels::PadMode mode;
  if (!kernels::pad_mode_from_name(mode_name, &mode))
    return ctx.error(StatusCode::BadAttribute, "attribute \"mode\" is \"%s\" (constant, reflect, edge or wrap)", mode_name);
  std::int64_t pads[2 * kMaxRank], axes[kMaxRank];
  int np = 0, na = 0;
  LUODI_RETURN_IF_ERROR(ctx.read_int_values(1, "pads", pads, 2 * kMaxRank, &np));
  const void* value = nullptr;
  if (ctx.has_input(2)) {
    LUODI_RETURN_IF_ERROR(ctx.require_value(2, "constant_value"));
    const TensorDesc& v = *ctx.input(2);
    if (v.dtype != x.dtype || v.numel() != 1)
      return ctx.error(StatusCode::ShapeMismatch, "constant_value must be one %s; it is %s %s", dtype_name(x.dtype),
                       dtype_name(v.dtype), v.shape.str().c_str());
    value = v.data;
  }
  if (ctx.has_input(3)) LUODI_RETURN_IF_ERROR(ctx.read_int_values(3, "axes", axes, kMaxRank, &na));
  Result<kernels::PadParams> p = kernels::pad_params_make(x.shape, pads, np, ctx.has_input(3) ? axes : nullptr, na, mode,
                                                          value, detail::elem_size_of(x));
  if (!p.ok()) return ctx.wrap(p.status());
  LUODI_RETURN_IF_ERROR(ctx.set_output(0, x.dtype, p->out_shape()));
  ctx.set_params(*p);
  ctx.run = &run_pad;
  return Status();
}

// ---- Gather ------------------------------------------------------------------------------------
struct GatherOpParams {
  kernels::GatherParams p;
  DType index_dtype;
  std::size_t out_bytes;
};
inline void run_gather(const RunContext& ctx) noexcept {
  const GatherOpParams& p = ctx.p<GatherOpParams>();
  // Indices computed at run time can be out of range; the kernel then writes nothing, and the
  // output is zeroed rather than left holding stale bytes.
  if (!kernels::gather(p.p, ctx.in[0], ctx.in[1], p.index_dtype, ctx.out[0]).ok() && p.out_bytes)
    std::memset(ctx.out[0], 0, p.out_bytes);
}
inline Status prepare_gather(PrepareContext& ctx) noexcept {
  LUODI_RETURN_IF_ERROR(ctx.require_input(0, "data"));
  LUODI_RETURN_IF_ERROR(ctx.require_input(1, "indices"));
  const TensorDesc& x = *ctx.input(0);
  const TensorDesc& idx = *ctx.input(1);
  if (idx.dtype != DType::i64 && idx.dtype != DType::i32)
    return ctx.error(StatusCode::DTypeMismatch, "indices are %s; i32 or i64 are required", dtype_name(idx.dtype));
  std::int64_t axis = 0;
  LUODI_RETURN_IF_ERROR(ctx.attr_int("axis", &axis));
  Result<Shape> out = kernels::gather_output_shape(x.shape, idx.shape, axis);
  if (!out.ok()) return ctx.wrap(out.status());
  Result<kernels::GatherParams> gp = kernels::gather_params_make(x.shape, idx.shape, axis, detail::elem_size_of(x));
  if (!gp.ok()) return ctx.wrap(gp.status());
  // Known indices are checked now, so that a bad constant index is a prepare error.
  if (idx.data) {
    const std::int64_t dim = gp->axis_dim;
    for (std::int64_t k = 0; k < idx.numel(); ++k) {
      const std::int64_t v = idx.dtype == DType::i64 ? idx.as<std::int64_t>()[k] : idx.as<std::int32_t>()[k];
      if (v < -dim || v >= dim)
        return ctx.error(StatusCode::OutOfRange, "index %lld (position %lld) is outside [-%lld, %lld)",
                         static_cast<long long>(v), static_cast<long long>(k), static_cast<long long>(dim),
                         static_cast<long long>(dim));
    }
  }
  LUODI_RETURN_IF_ERROR(ctx.set_output(0, x.dtype, *out));
  ctx.set_params(GatherOpParams{*gp, idx.dtype, ctx.output(0).bytes()});
  ctx.run = &run_gather;
  return Status();
}

// ---- Tile / Expand -----------------------------------------------------------------------------
inline void run_tile(const RunContext& ctx) noexcept {
  kernels::tile(ctx.p<kernels::TileParams>(), ctx.in[0], ctx.out[0], ctx.executor);
}
inline Status prepare_tile(PrepareContext& ctx) noexcept {
  LUODI_RETURN_IF_ERROR(ctx.require_input(0, "input"));
  const TensorDesc& x = *ctx.input(0);
  std::int64_t reps[kMaxRank];
  int n = 0;
  LUODI_RETURN_IF_ERROR(ctx.read_int_values(1, "repeats", reps, kMaxRank, &n));
  Result<kernels::TileParams> p = kernels::tile_params_make(x.shape, reps, n, detail::elem_size_of(x));
  if (!p.ok()) return ctx.wrap(p.status());
  LUODI_RETURN_IF_ERROR(ctx.set_output(0, x.dtype, p->out_shape()));
  ctx.set_params(*p);
  ctx.run = &run_tile;
  return Status();
}

inline void run_expand(const RunContext& ctx) noexcept {
  kernels::expand(ctx.p<kernels::ExpandParams>(), ctx.in[0], ctx.out[0], ctx.executor);
}
inline Status prepare_expand(PrepareContext& ctx) noexcept {
  LUODI_RETURN_IF_ERROR(ctx.require_input(0, "input"));
  const TensorDesc& x = *ctx.input(0);
  std::int64_t dims[kMaxRank];
  int n = 0;
  LUODI_RETURN_IF_ERROR(ctx.read_int_values(1, "shape", dims, kMaxRank, &n));
  Result<Shape> out = kernels::expand_output_shape(x.shape, dims, n);
  if (!out.ok()) return ctx.wrap(out.status());
  LUODI_RETURN_IF_ERROR(ctx.set_output(0, x.dtype, *out));
  Result<kernels::ExpandParams> p = kernels::expand_params_make(x.shape, *out, detail::elem_size_of(x));
  if (!p.ok()) return ctx.wrap(p.status());
  ctx.set_params(*p);
  ctx.run = &run_expand;
  return Status();
}

// ---- Cast --------------------------------------------------------------------------------------
struct CastParams {
  DType from, to;
  std::int64_t n;
};
inline void run_cast(const RunContext& ctx) noexcept {
  const CastParams& p = ctx.p<CastParams>();
  (void)kernels::cast(p.from, p.to, ctx.in[0], ctx.out[0], p.n, ctx.executor);
}
inline Status prepare_cast(PrepareContext& ctx) noexcept {
  LUODI_RETURN_IF_ERROR(ctx.require_input(0, "input"));
  const TensorDesc& x = *ctx.input(0);
  std::int64_t to = 0;
  LUODI_RETURN_IF_ERROR(ctx.attr_int("to", &to, true));
  if (to < 0 || !dtype_valid(static_cast<std::uint32_t>(to)))
    return ctx.error(StatusCode::BadAttribute, "attribute \"to\" is %lld, not a luodi dtype", static_cast<long long>(to));
  LUODI_RETURN_IF_ERROR(ctx.wrap(kernels::cast_check(x.dtype, static_cast<DType>(to))));
  LUODI_RETURN_IF_ERROR(ctx.set_output(0, static_cast<DType>(to), x.shape));
  ctx.set_params(CastParams{x.dtype, static_cast<DType>(to), x.numel()});
  ctx.run = &run_cast;
  return Status();
}

// ---- DepthToSpace / SpaceToDepth ---------------------------------------------------------------
inline void run_depth_space(const RunContext& ctx) noexcept {
  kernels::depth_space(ctx.p<kernels::DepthSpaceParams>(), ctx.in[0], ctx.out[0], ctx.executor);
}
inline Status prepare_depth_space(PrepareContext& ctx) noexcept {
  LUODI_RETURN_IF_ERROR(ctx.require_input(0, "input"));
  const TensorDesc& x = *ctx.input(0);
  const bool to_space = ctx.op == graph::OpCode::DepthToSpace;
  std::int64_t block = 0;
  LUODI_RETURN_IF_ERROR(ctx.attr_int("blocksize", &block, true));
  kernels::DepthToSpaceMode mode = kernels::DepthToSpaceMode::DCR;
  if (to_space) {
    char m[8] = "DCR";
    LUODI_RETURN_IF_ERROR(ctx.attr_string("mode", m, sizeof m));
    if (std::strcmp(m, "CRD") == 0) mode = kernels::DepthToSpaceMode::CRD;
    else if (std::strcmp(m, "DCR") != 0)
      return ctx.error(StatusCode::BadAttribute, "attribute \"mode\" is \"%s\" (DCR or CRD)", m);
  }
  Result<kernels::DepthSpaceParams> p =
      kernels::depth_space_params_make(x.shape, block, to_space, mode, detail::elem_size_of(x));
  if (!p.ok()) return ctx.wrap(p.status());
  LUODI_RETURN_IF_ERROR(ctx.set_output(0, x.dtype, kernels::depth_space_output_shape(*p)));
  ctx.set_params(*p);
  ctx.run = &run_depth_space;
  return Status();
}

}  // namespace ops
}  // namespace luodi
