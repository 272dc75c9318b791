// Ops on the GEMM and convolution kernels: Conv (1-D and 2-D, with luodi's fused bias, residual
// and activation), ConvTranspose (2-D), Gemm (with the same fusions) and MatMul.
//
// Constant weights are packed once per prepare into the session's arena (kernels' *_pack), in
// the layout the plan chosen for this ISA and input size wants. auto_pad and ConvTranspose's
// output_shape are resolved here, from the actual input size, so they keep working when a
// session is re-prepared for another size.
#pragma once

#include "../kernels/conv2d/conv2d.hpp"
#include "../kernels/conv_transpose/conv_transpose.hpp"
#include "../kernels/gemm/gemm.hpp"
#include "op.hpp"

namespace luodi {
namespace ops {

namespace detail {

// The fused epilogue attributes (ops/schema.hpp).
inline Status read_fused_activation(const PrepareContext& ctx, kernels::ActivationKind* kind,
                                     kernels::ActivationParams* p) noexcept {
  std::int64_t act = 0;
  LUODI_RETURN_IF_ERROR(ctx.attr_int("activation", &act));
  if (act < 0 || act >= kernels::kActivationCount)
    return ctx.error(StatusCode::BadAttribute, "attribute \"activation\" is %lld, not an activation kind",
                     static_cast<long long>(act));
  *kind = static_cast<kernels::ActivationKind>(act);
  *p = kernels::activation_defaults(*kind);
  LUODI_RETURN_IF_ERROR(ctx.attr_float("activation_alpha", &p->alpha));
  LUODI_RETURN_IF_ERROR(ctx.attr_float("activation_beta", &p->beta));
  return Status();
}

enum class AutoPadMode { NotSet, SameUpper, SameLower, Valid };
inline Status read_conv_auto_pad(const PrepareContext& ctx, AutoPadMode* out) noexcept {
  char s[16] = "NOTSET";
  LUODI_RETURN_IF_ERROR(ctx.attr_string("auto_pad", s, sizeof s));
  if (std::strcmp(s, "NOTSET") == 0) *out = AutoPadMode::NotSet;
  else if (std::strcmp(s, "SAME_UPPER") == 0) *out = AutoPadMode::SameUpper;
  else if (std::strcmp(s, "SAME_LOWER") == 0) *out = AutoPadMode::SameLower;
  else if (std::strcmp(s, "VALID") == 0) *out = AutoPadMode::Valid;
  else return ctx.error(StatusCode::BadAttribute, "attribute \"auto_pad\" is \"%s\" (NOTSET, SAME_UPPER, SAME_LOWER, VALID)", s);
  return Status();
}

// The spatial attributes of a convolution with `spatial` (1 or 2) dims, as [h, w] pairs
// (1-D fills only w; h keeps its default).
struct ConvAttrs {
  std::int64_t kernel[2] = {1, 1}, stride[2] = {1, 1}, dilation[2] = {1, 1};
  std::int64_t pads[4] = {0, 0, 0, 0};  // h_begin, w_begin, h_end, w_end
  std::int64_t output_padding[2] = {0, 0};
  std::int64_t output_shape[2] = {-1, -1};
  std::int64_t group = 1;
  AutoPadMode auto_pad = AutoPadMode::NotSet;
};

inline Status read_pairs(const PrepareContext& ctx, const char* name, int spatial, std::int64_t* hw, std::int64_t lo,
                         std::int64_t* count_out = nullptr) noexcept {
  std::int64_t v[4];
  std::uint32_t n = 0;
  LUODI_RETURN_IF_ERROR(ctx.attr_ints(name, v, 4, &n));
  if (count_out) *count_out = n;
  if (n == 0) return Status();
  if (static_cast<int>(n) != spatial)
    return ctx.error(StatusCode::BadAttribute, "attribute \"%s\" has %u values for %d spatial dims", name,
                     static_cast<unsigned>(n), spatial);
  for (std::uint32_t i = 0; i < n; ++i)
    if (v[i] < lo || v[i] > (std::int64_t(1) << 30))
      return ctx.error(StatusCode::BadAttribute, "attribute \"%s\"[%u] is %lld", name, static_cast<unsigned>(i),
                       static_cast<long long>(v[i]));
  if (spatial == 2) {
    hw[0] = v[0];
    hw[1] = v[1];
  } else {
    hw[1] = v[0];
  }
  return Status();
}

inline Status read_conv_attrs(const PrepareContext& ctx, int spatial, ConvAttrs* a) noexcept {
  LUODI_RETURN_IF_ERROR(read_pairs(ctx, "kernel_shape", spatial, a->kernel, 1));
  LUODI_RETURN_IF_ERROR(read_pairs(ctx, "strides", spatial, a->stride, 1));
  LUODI_RETURN_IF_ERROR(read_pairs(ctx, "dilations", spatial, a->dilation, 1));
  LUODI_RETURN_IF_ERROR(ctx.attr_int("group", &a->group));
  if (a->group < 1) return ctx.error(StatusCode::BadAttribute, "attribute \"group\" is %lld", static_cast<long long>(a->group));
  std::int64_t v[4];
  std::uint32_t n = 0;
  LUODI_RETURN_IF_ERROR(ctx.attr_ints("pads", v, 4, &n));
  if (n != 0) {
    if (static_cast<int>(n) != 2 * spatial)
      return ctx.error(StatusCode::BadAttribute, "attribute \"pads\" has %u values for %d spatial dims",
                       static_cast<unsigned>(n), spatial);
    for (std::uint32_t i = 0; i < n; ++i)
      if (v[i] < 0 || v[i] > (std::int64_t(1) << 30))
        return ctx.error(StatusCode::BadAttribute, "attribute \"pads\"[%u] is %lld", static_cast<unsigned>(i),
                         static_cast<long long>(v[i]));
    if (spatial == 2) {
      for (int i = 0; i < 4; ++i) a->pads[i] = v[i];
    } else {
      a->pads[1] = v[0];
      a->pads[3] = v[1];
    }
  }
  return read_conv_auto_pad(ctx, &a->auto_pad);
}

// Conv's SAME/VALID padding for one axis: out = ceil(in / stride), the total padding split with
// the odd pixel at the end (SAME_UPPER) or the beginning (SAME_LOWER).
inline void same_pads(AutoPadMode mode, std::int64_t in, std::int64_t k, std::int64_t s, std::int64_t d,
                      std::int64_t* begin, std::int64_t* end) noexcept {
  if (mode == AutoPadMode::Valid) {
    *begin = *end = 0;
    return;
  }
  const std::int64_t out = (in + s - 1) / s;
  std::int64_t total = (out - 1) * s + (k - 1) * d + 1 - in;
  if (total < 0) total = 0;
  const std::int64_t small = total / 2, big = total - small;
  *begin = mode == AutoPadMode::SameUpper ? small : big;
  *end = mode == AutoPadMode::SameUpper ? big : small;
}

}  // namespace detail

// ---- Conv ----------------------------------------------------------------------------------
struct ConvOpParams {
  kernels::Conv2dPlan plan;
};
// Every plan field conv2d_pack reads (conv2d.hpp, winograd.hpp, depthwise.hpp,
// direct_rows.hpp); the spatial size and the cache blocking are not among them, so a re-plan for
// another width keeps the packed weights unless the algorithm (or its padding) changes.
struct ConvPackKey {
  std::int64_t algo, isa, mr, nr, groups, cin_g, cout_g, kernel_h, kernel_w, stride_w, K, cout_pad, group_floats,
      bias_offset, packed_bytes, has_bias, dr_mc;
};
inline ConvPackKey conv_pack_key(const kernels::Conv2dPlan& pl) noexcept {
  return ConvPackKey{static_cast<std::int64_t>(pl.algo), static_cast<std::int64_t>(pl.isa), pl.mr, pl.nr, pl.p.groups,
                     pl.cin_g, pl.cout_g, pl.p.kernel_h, pl.p.kernel_w, pl.p.stride_w, pl.K, pl.cout_pad,
                     pl.group_floats, pl.bias_offset, pl.packed_bytes, pl.p.has_bias ? 1 : 0, pl.dr_mc};
}
inline void pack_conv(const void* params, const void* const* in, void* packed) noexcept {
  const kernels::Conv2dPlan& plan = static_cast<const ConvOpParams*>(params)->plan;
  kernels::conv2d_pack(plan, static_cast<const float*>(in[1]), static_cast<const float*>(in[2]), packed);
}
inline void run_conv(const RunContext& ctx) noexcept {
  const kernels::Conv2dPlan& plan = ctx.p<ConvOpParams>().plan;
  kernels::conv2d_run(plan, ctx.input(0), ctx.packed, plan.p.has_residual ? ctx.input(3) : nullptr, ctx.output(0),
                      ctx.scratch, ctx.executor);
}

inline Status prepare_conv(PrepareContext& ctx) noexcept {
  LUODI_RETURN_IF_ERROR(ctx.require_f32(0, "X"));
  LUODI_RETURN_IF_ERROR(ctx.require_input(1, "W"));
  const TensorDesc& x = *ctx.input(0);
  const TensorDesc& w = *ctx.input(1);
  if (w.dtype != DType::f32)
    return ctx.error(StatusCode::DTypeMismatch, "W is %s; f32 is required (store f16 weights behind a Cast)",
                     dtype_name(w.dtype));
  LUODI_RETURN_IF_ERROR(ctx.require_value(1, "W"));
  const int rank = x.shape.rank();
  if (rank != 3 && rank != 4)
    return ctx.error(StatusCode::Unsupported, "input %s; Conv supports NCW and NCHW", x.shape.str().c_str());
  if (w.shape.rank() != rank)
    return ctx.error(StatusCode::ShapeMismatch, "W has shape %s for an input of shape %s", w.shape.str().c_str(),
                     x.shape.str().c_str());
  const int spatial = rank - 2;
  detail::ConvAttrs a;
  a.kernel[0] = spatial == 2 ? w.shape[2] : 1;
  a.kernel[1] = w.shape[rank - 1];
  const std::int64_t wk[2] = {a.kernel[0], a.kernel[1]};
  LUODI_RETURN_IF_ERROR(detail::read_conv_attrs(ctx, spatial, &a));
  if (a.kernel[0] != wk[0] || a.kernel[1] != wk[1])
    return ctx.error(StatusCode::ShapeMismatch, "kernel_shape %lldx%lld does not match W %s",
                     static_cast<long long>(a.kernel[0]), static_cast<long long>(a.kernel[1]), w.shape.str().c_str());
  kernels::Conv2dParams p;
  p.N = x.shape[0];
  p.C_in = x.shape[1];
  p.H = spatial == 2 ? x.shape[2] : 1;
  p.W = x.shape[rank - 1];
  p.C_out = w.shape[0];
  p.kernel_h = a.kernel[0];
  p.kernel_w = a.kernel[1];
  p.stride_h = a.stride[0];
  p.stride_w = a.stride[1];
  p.dilation_h = a.dilation[0];
  p.dilation_w = a.dilation[1];
  p.groups = a.group;
  if (a.auto_pad != detail::AutoPadMode::NotSet) {
    detail::same_pads(a.auto_pad, p.H, p.kernel_h, p.stride_h, p.dilation_h, &a.pads[0], &a.pads[2]);
    detail::same_pads(a.auto_pad, p.W, p.kernel_w, p.stride_w, p.dilation_w, &a.pads[1], &a.pads[3]);
    if (spatial == 1) a.pads[0] = a.pads[2] = 0;
  }
  p.pad_top = a.pads[0];
  p.pad_left = a.pads[1];
  p.pad_bottom = a.pads[2];
  p.pad_right = a.pads[3];
  if (w.shape[1] * p.groups != p.C_in)
    return ctx.error(StatusCode::ShapeMismatch, "W %s has %lld input channels per group; X %s with group %lld needs %lld",
                     w.shape.str().c_str(), static_cast<long long>(w.shape[1]), x.shape.str().c_str(),
                     static_cast<long long>(p.groups), static_cast<long long>(p.groups ? p.C_in / p.groups : 0));
  if (ctx.has_input(2)) {
    LUODI_RETURN_IF_ERROR(ctx.require_dtype(2, DType::f32, "B"));
    LUODI_RETURN_IF_ERROR(ctx.require_value(2, "B"));
    if (ctx.input(2)->numel() != p.C_out)
      return ctx.error(StatusCode::ShapeMismatch, "B has shape %s; %lld output channels", ctx.input(2)->shape.str().c_str(),
                       static_cast<long long>(p.C_out));
    p.has_bias = true;
  }
  LUODI_RETURN_IF_ERROR(detail::read_fused_activation(ctx, &p.activation, &p.act_params));
  LUODI_RETURN_IF_ERROR(ctx.wrap(kernels::validate(p)));
  Shape out = kernels::conv2d_output_shape(p);
  if (spatial == 1) out = Shape{out[0], out[1], out[3]};
  if (ctx.has_input(3)) {
    LUODI_RETURN_IF_ERROR(ctx.require_dtype(3, DType::f32, "Residual"));
    if (ctx.input(3)->shape != out)
      return ctx.error(StatusCode::ShapeMismatch, "the fused residual has shape %s; the output is %s",
                       ctx.input(3)->shape.str().c_str(), out.str().c_str());
    p.has_residual = true;
  }
  ConvOpParams op;
  op.plan = kernels::conv2d_plan(p, ctx.isa, ctx.winograd);
  LUODI_RETURN_IF_ERROR(ctx.set_output(0, DType::f32, out));
  ctx.set_params(op);
  ctx.run = &run_conv;
  ctx.pack = &pack_conv;
  ctx.packed_bytes = static_cast<std::size_t>(op.plan.packed_bytes);
  ctx.set_pack_key(conv_pack_key(op.plan));
  ctx.scratch_bytes = kernels::conv2d_scratch_bytes(op.plan, ctx.concurrency);
  return Status();
}

// ---- ConvTranspose ---------------------------------------------------------------------------
struct ConvTransposeOpParams {
  kernels::ConvTranspose2dPlan plan;
};
// Every plan field conv_transpose2d_pack reads.
struct ConvTransposePackKey {
  std::int64_t algo, isa, mr, groups, C_in, C_out, cin_g, cout_g, kernel_h, kernel_w, M, m_pad, group_floats, bias_offset,
      packed_bytes, has_bias;
};
inline void pack_conv_transpose(const void* params, const void* const* in, void* packed) noexcept {
  const kernels::ConvTranspose2dPlan& plan = static_cast<const ConvTransposeOpParams*>(params)->plan;
  kernels::conv_transpose2d_pack(plan, static_cast<const float*>(in[1]), static_cast<const float*>(in[2]), packed);
}
inline void run_conv_transpose(const RunContext& ctx) noexcept {
  const kernels::ConvTranspose2dPlan& plan = ctx.p<ConvTransposeOpParams>().plan;
  kernels::conv_transpose2d_run(plan, ctx.input(0), ctx.packed, nullptr, ctx.output(0), ctx.scratch, ctx.executor);
}

inline Status prepare_conv_transpose(PrepareContext& ctx) noexcept {
  LUODI_RETURN_IF_ERROR(ctx.require_f32(0, "X"));
  LUODI_RETURN_IF_ERROR(ctx.require_dtype(1, DType::f32, "W"));
  LUODI_RETURN_IF_ERROR(ctx.require_value(1, "W"));
  const TensorDesc& x = *ctx.input(0);
  const TensorDesc& w = *ctx.input(1);
  if (x.shape.rank() != 4 || w.shape.rank() != 4)
    return ctx.error(StatusCode::Unsupported, "X %s and W %s; ConvTranspose supports 2-D (NCHW) only",
                     x.shape.str().c_str(), w.shape.str().c_str());
  detail::ConvAttrs a;
  a.kernel[0] = w.shape[2];
  a.kernel[1] = w.shape[3];
  LUODI_RETURN_IF_ERROR(detail::read_conv_attrs(ctx, 2, &a));
  LUODI_RETURN_IF_ERROR(detail::read_pairs(ctx, "output_padding", 2, a.output_padding, 0));
  std::int64_t has_output_shape = 0;
  LUODI_RETURN_IF_ERROR(detail::read_pairs(ctx, "output_shape", 2, a.output_shape, 1, &has_output_shape));
  kernels::ConvTranspose2dParams p;
  p.N = x.shape[0];
  p.C_in = x.shape[1];
  p.H = x.shape[2];
  p.W = x.shape[3];
  p.groups = a.group;
  p.C_out = w.shape[1] * a.group;
  p.kernel_h = a.kernel[0];
  p.kernel_w = a.kernel[1];
  p.stride_h = a.stride[0];
  p.stride_w = a.stride[1];
  p.dilation_h = a.dilation[0];
  p.dilation_w = a.dilation[1];
  p.output_padding_h = a.output_padding[0];
  p.output_padding_w = a.output_padding[1];
  if (w.shape[0] != p.C_in)
    return ctx.error(StatusCode::ShapeMismatch, "W %s has %lld input channels; X %s has %lld", w.shape.str().c_str(),
                     static_cast<long long>(w.shape[0]), x.shape.str().c_str(), static_cast<long long>(p.C_in));
  // ONNX: with output_shape (or SAME auto_pad, whose output is in * stride), the pads follow
  // from total = stride*(in-1) + output_padding + (k-1)*d + 1 - out; SAME_UPPER puts the odd
  // pixel at the end, otherwise at the beginning (the operator spec's formulas; ONNX Runtime
  // is known to differ for odd totals, and PyTorch exports explicit pads instead).
  const bool same = a.auto_pad == detail::AutoPadMode::SameUpper || a.auto_pad == detail::AutoPadMode::SameLower;
  if (has_output_shape || same) {
    const std::int64_t in[2] = {p.H, p.W}, k[2] = {p.kernel_h, p.kernel_w}, s[2] = {p.stride_h, p.stride_w},
                       d[2] = {p.dilation_h, p.dilation_w}, op[2] = {p.output_padding_h, p.output_padding_w};
    for (int i = 0; i < 2; ++i) {
      const std::int64_t target = has_output_shape ? a.output_shape[i] : in[i] * s[i];
      std::int64_t total = s[i] * (in[i] - 1) + op[i] + (k[i] - 1) * d[i] + 1 - target;
      if (total < 0) {
        // A larger output than the kernel's reach: the extra rows/columns are output padding
        // at the end (zeros plus bias), as ONNX's test data has it.
        (i == 0 ? p.output_padding_h : p.output_padding_w) += -total;
        total = 0;
      }
      const std::int64_t half = total / 2;
      const bool upper = a.auto_pad == detail::AutoPadMode::SameUpper;
      a.pads[i] = upper ? half : total - half;
      a.pads[2 + i] = upper ? total - half : half;
    }
  } else if (a.auto_pad == detail::AutoPadMode::Valid) {
    for (std::int64_t& v : a.pads) v = 0;
  }
  p.pad_top = a.pads[0];
  p.pad_left = a.pads[1];
  p.pad_bottom = a.pads[2];
  p.pad_right = a.pads[3];
  if (ctx.has_input(2)) {
    LUODI_RETURN_IF_ERROR(ctx.require_dtype(2, DType::f32, "B"));
    LUODI_RETURN_IF_ERROR(ctx.require_value(2, "B"));
    if (ctx.input(2)->numel() != p.C_out)
      return ctx.error(StatusCode::ShapeMismatch, "B has shape %s; %lld output channels", ctx.input(2)->shape.str().c_str(),
                       static_cast<long long>(p.C_out));
    p.has_bias = true;
  }
  LUODI_RETURN_IF_ERROR(ctx.wrap(kernels::validate(p)));
  ConvTransposeOpParams op;
  op.plan = kernels::conv_transpose2d_plan(p, ctx.isa);
  LUODI_RETURN_IF_ERROR(ctx.set_output(0, DType::f32, kernels::conv_transpose2d_output_shape(p)));
  ctx.set_params(op);
  ctx.run = &run_conv_transpose;
  ctx.pack = &pack_conv_transpose;
  ctx.packed_bytes = static_cast<std::size_t>(op.plan.packed_bytes);
  {
    const kernels::ConvTranspose2dPlan& pl = op.plan;
    ctx.set_pack_key(ConvTransposePackKey{static_cast<std::int64_t>(pl.algo), static_cast<std::int64_t>(pl.isa), pl.mr,
                                          pl.p.groups, pl.p.C_in, pl.p.C_out, pl.cin_g, pl.cout_g, pl.p.kernel_h,
                                          pl.p.kernel_w, pl.M, pl.m_pad, pl.group_floats, pl.bias_offset,
                                          pl.packed_bytes, pl.p.has_bias ? 1 : 0});
  }
  ctx.scratch_bytes = kernels::conv_transpose2d_scratch_bytes(op.plan, ctx.concurrency);
  return Status();
}

// ---- Gemm / MatMul ---------------------------------------------------------------------------
struct GemmOpParams {
  kernels::GemmPlan plan;
  bool packed;  // B (and the bias) constant: packed at prepare
};
// Every plan field gemm_pack_b reads. M enters only through the bias count (a Row or Full
// bias), so a MatMul on a sequence whose length follows the input width keeps its packed B.
struct GemmPackKey {
  std::int64_t algo, isa, nr, trans_b, K, N, b_slices, b_slice_floats, bias, bias_count, bias_offset, packed_bytes;
};
inline void pack_gemm(const void* params, const void* const* in, void* packed) noexcept {
  const GemmOpParams& p = *static_cast<const GemmOpParams*>(params);
  kernels::gemm_pack_b(p.plan, static_cast<const float*>(in[1]), static_cast<const float*>(in[2]), packed);
}
inline void run_gemm(const RunContext& ctx) noexcept {
  const GemmOpParams& p = ctx.p<GemmOpParams>();
  const float* residual = p.plan.p.has_residual ? ctx.input(3) : nullptr;
  if (p.packed)
    kernels::gemm_run(p.plan, ctx.input(0), ctx.packed, residual, ctx.output(0), ctx.scratch, ctx.executor);
  else
    kernels::gemm_run_unpacked(p.plan, ctx.input(0), ctx.input(1), ctx.input(2), residual, ctx.output(0), ctx.scratch,
                               ctx.executor);
}

inline Status finish_gemm(PrepareContext& ctx, const kernels::GemmParams& gp, const Shape& out, bool bias_known) noexcept {
  LUODI_RETURN_IF_ERROR(ctx.wrap(kernels::validate(gp)));
  GemmOpParams op;
  op.plan = kernels::gemm_plan(gp, ctx.isa);
  op.packed = ctx.input(1)->data != nullptr && bias_known;
  LUODI_RETURN_IF_ERROR(ctx.set_output(0, DType::f32, out));
  ctx.set_params(op);
  ctx.run = &run_gemm;
  if (op.packed) {
    ctx.pack = &pack_gemm;
    ctx.packed_bytes = static_cast<std::size_t>(op.plan.packed_bytes);
    const kernels::GemmPlan& pl = op.plan;
    ctx.set_pack_key(GemmPackKey{static_cast<std::int64_t>(pl.algo), static_cast<std::int64_t>(pl.isa), pl.nr,
                                 pl.p.trans_b ? 1 : 0, pl.p.K, pl.p.N, pl.b_slices, pl.b_slice_floats,
                                 static_cast<std::int64_t>(pl.p.bias), kernels::gemm_bias_count(pl.p), pl.bias_offset,
                                 pl.packed_bytes});
  }
  ctx.scratch_bytes = kernels::gemm_scratch_bytes(op.plan, ctx.concurrency);
  return Status();
}

inline Status prepare_gemm(PrepareContext& ctx) noexcept {
  LUODI_RETURN_IF_ERROR(ctx.require_f32(0, "A"));
  LUODI_RETURN_IF_ERROR(ctx.require_dtype(1, DType::f32, "B"));
  const Shape& a = ctx.input(0)->shape;
  const Shape& b = ctx.input(1)->shape;
  if (a.rank() != 2 || b.rank() != 2)
    return ctx.error(StatusCode::ShapeMismatch, "A %s and B %s must be 2-D", a.str().c_str(), b.str().c_str());
  kernels::GemmParams p;
  std::int64_t ta = 0, tb = 0;
  LUODI_RETURN_IF_ERROR(ctx.attr_int("transA", &ta));
  LUODI_RETURN_IF_ERROR(ctx.attr_int("transB", &tb));
  LUODI_RETURN_IF_ERROR(ctx.attr_float("alpha", &p.alpha));
  LUODI_RETURN_IF_ERROR(ctx.attr_float("beta", &p.beta));
  p.trans_a = ta != 0;
  p.trans_b = tb != 0;
  p.M = p.trans_a ? a[1] : a[0];
  p.K = p.trans_a ? a[0] : a[1];
  const std::int64_t kb = p.trans_b ? b[1] : b[0];
  p.N = p.trans_b ? b[0] : b[1];
  if (kb != p.K)
    return ctx.error(StatusCode::ShapeMismatch, "op(A) is %lldx%lld but op(B) is %lldx%lld", static_cast<long long>(p.M),
                     static_cast<long long>(p.K), static_cast<long long>(kb), static_cast<long long>(p.N));
  bool bias_known = true;
  if (ctx.has_input(2)) {
    LUODI_RETURN_IF_ERROR(ctx.require_dtype(2, DType::f32, "C"));
    const Shape& c = ctx.input(2)->shape;
    // Unidirectional broadcast of C to [M, N].
    if (c.numel() == 1) p.bias = kernels::GemmBias::Scalar;
    else if ((c.rank() == 1 && c[0] == p.N) || (c.rank() == 2 && c[0] == 1 && c[1] == p.N)) p.bias = kernels::GemmBias::Col;
    else if (c.rank() == 2 && c[0] == p.M && c[1] == 1) p.bias = kernels::GemmBias::Row;
    else if (c.rank() == 2 && c[0] == p.M && c[1] == p.N) p.bias = kernels::GemmBias::Full;
    else
      return ctx.error(StatusCode::ShapeMismatch, "C of shape %s does not broadcast to %lldx%lld", c.str().c_str(),
                       static_cast<long long>(p.M), static_cast<long long>(p.N));
    bias_known = ctx.input(2)->data != nullptr;
  }
  LUODI_RETURN_IF_ERROR(detail::read_fused_activation(ctx, &p.activation, &p.act_params));
  const Shape out{p.M, p.N};
  if (ctx.has_input(3)) {
    LUODI_RETURN_IF_ERROR(ctx.require_dtype(3, DType::f32, "Residual"));
    if (ctx.input(3)->shape != out)
      return ctx.error(StatusCode::ShapeMismatch, "the fused residual has shape %s; the output is %s",
                       ctx.input(3)->shape.str().c_str(), out.str().c_str());
    p.has_residual = true;
  }
  return finish_gemm(ctx, p, out, bias_known);
}

inline Status prepare_matmul(PrepareContext& ctx) noexcept {
  LUODI_RETURN_IF_ERROR(ctx.require_f32(0, "A"));
  LUODI_RETURN_IF_ERROR(ctx.require_dtype(1, DType::f32, "B"));
  kernels::GemmParams p;
  Shape out;
  LUODI_RETURN_IF_ERROR(ctx.wrap(kernels::matmul_params(ctx.input(0)->shape, ctx.input(1)->shape, &p, &out)));
  return finish_gemm(ctx, p, out, true);
}

}  // namespace ops
}  // namespace luodi
