// Data movement: parameters and shape helpers for Transpose, Concat, Split, Slice, Pad, Gather,
// Tile, Expand, Cast, DepthToSpace, SpaceToDepth, and the zero-copy Reshape, Flatten, Squeeze
// and Unsqueeze (ONNX opset 13-17 semantics).
//
// Every kernel here is dtype-agnostic: it moves elements of 1, 2, 4 or 8 bytes (Cast is the
// exception; it converts). Each *_params_make checks the shapes and attributes and returns a
// Status that names the bad one; the runtime calls them at prepare time and for shape
// inference, and the kernels only DCHECK.
#pragma once

#include <cstdint>
#include <cstring>
#include <limits>

#include "../../core/dtype.hpp"
#include "../../core/shape.hpp"
#include "../../core/status.hpp"
#include "../common/broadcast.hpp"
#include "../common/shape_util.hpp"

namespace luodi {
namespace kernels {

inline Status check_elem_size(std::size_t elem_size, const char* op) noexcept {
  if (elem_size != 1 && elem_size != 2 && elem_size != 4 && elem_size != 8)
    return Status::error(StatusCode::InvalidArgument, "%s: element size %zu is not 1, 2, 4 or 8", op, elem_size);
  return Status();
}

// ---- Transpose --------------------------------------------------------------------------------
// The plan keeps the collapsed problem: input dims that stay adjacent and in order under perm
// are merged, and size-1 dims are dropped, so NCHW->NHWC becomes a batched 2-D transpose
// [N, C, HW] -> [N, HW, C].
struct TransposeParams {
  int rank = 0;                        // collapsed rank
  std::int64_t in_dims[kMaxRank] = {};  // collapsed input dims
  int perm[kMaxRank] = {};              // out axis i reads collapsed input axis perm[i]
  std::int64_t numel = 0;
  std::uint8_t elem_size = 4;
};

// perm == nullptr (or count 0) reverses the axes, as ONNX's default does.
inline Result<Shape> transpose_output_shape(const Shape& in, const std::int64_t* perm, int count) noexcept {
  const int r = in.rank();
  LUODI_RETURN_IF_ERROR(require_static(in, "transpose input"));
  Shape out;
  out.resize(r);
  if (perm == nullptr || count == 0) {
    for (int i = 0; i < r; ++i) out[i] = in[r - 1 - i];
    return out;
  }
  if (count != r)
    return Status::error(StatusCode::BadAttribute, "transpose: perm has %d entries for an input of shape %s (rank %d)", count,
                         in.str().c_str(), r);
  std::uint32_t seen = 0;
  for (int i = 0; i < r; ++i) {
    if (perm[i] < 0 || perm[i] >= r || ((seen >> perm[i]) & 1u))
      return Status::error(StatusCode::BadAttribute, "transpose: perm[%d] = %lld is %s (rank %d)", i,
                           static_cast<long long>(perm[i]), (perm[i] < 0 || perm[i] >= r) ? "out of range" : "repeated", r);
    seen |= 1u << perm[i];
    out[i] = in[static_cast<int>(perm[i])];
  }
  return out;
}

inline Result<TransposeParams> transpose_params_make(const Shape& in, const std::int64_t* perm, int count,
                                                     std::size_t elem_size) noexcept {
  LUODI_RETURN_IF_ERROR(check_elem_size(elem_size, "transpose"));
  LUODI_ASSIGN_OR_RETURN(Shape out, transpose_output_shape(in, perm, count));
  (void)out;
  const int r = in.rank();
  int p[kMaxRank];
  for (int i = 0; i < r; ++i) p[i] = (perm == nullptr || count == 0) ? r - 1 - i : static_cast<int>(perm[i]);
  TransposeParams t;
  t.elem_size = static_cast<std::uint8_t>(elem_size);
  t.numel = in.numel();
  // Keep the input axes that are not 1, in output order.
  int keep[kMaxRank], nk = 0;
  for (int i = 0; i < r; ++i)
    if (in[p[i]] != 1) keep[nk++] = p[i];
  // Merge runs where consecutive output axes are consecutive input axes.
  int group_first[kMaxRank], ng = 0;  // input axis starting each group, in output order
  std::int64_t group_dim[kMaxRank];
  for (int i = 0; i < nk; ++i) {
    if (ng > 0 && keep[i] == keep[i - 1] + 1) {
      // consecutive in the input too, unless a kept axis lies between (impossible: +1)
      group_dim[ng - 1] *= in[keep[i]];
      continue;
    }
    group_first[ng] = keep[i];
    group_dim[ng] = in[keep[i]];
    ++ng;
  }
  // Collapsed input order: groups sorted by their first input axis.
  int order[kMaxRank];  // order[j] = group index of the j-th collapsed input axis
  for (int g = 0; g < ng; ++g) order[g] = g;
  for (int a = 1; a < ng; ++a)
    for (int b = a; b > 0 && group_first[order[b]] < group_first[order[b - 1]]; --b) {
      const int tmp = order[b];
      order[b] = order[b - 1];
      order[b - 1] = tmp;
    }
  int pos_of_group[kMaxRank];
  for (int j = 0; j < ng; ++j) {
    pos_of_group[order[j]] = j;
    t.in_dims[j] = group_dim[order[j]];
  }
  for (int g = 0; g < ng; ++g) t.perm[g] = pos_of_group[g];
  t.rank = ng;
  if (ng == 0) {  // a single element (or all dims 1)
    t.rank = 1;
    t.in_dims[0] = 1;
    t.perm[0] = 0;
  }
  return t;
}

// ---- Concat / Split ---------------------------------------------------------------------------
struct ConcatParams {
  std::int64_t outer = 1;     // product of dims before the axis
  std::int64_t inner = 1;     // product of dims after the axis
  std::int64_t out_axis = 0;  // the output's extent along the axis
  std::uint8_t elem_size = 4;
};

inline Result<Shape> concat_output_shape(const Shape* const* inputs, int n, std::int64_t axis) noexcept {
  if (n < 1) return Status::error(StatusCode::InvalidArgument, "concat: no inputs");
  const Shape& s0 = *inputs[0];
  LUODI_ASSIGN_OR_RETURN(const int ax, normalize_axis(axis, s0.rank(), "concat axis"));
  Shape out = s0;
  for (int k = 0; k < n; ++k) {
    const Shape& s = *inputs[k];
    LUODI_RETURN_IF_ERROR(require_static(s, "concat input"));
    if (s.rank() != s0.rank())
      return Status::error(StatusCode::ShapeMismatch, "concat: input %d has shape %s, input 0 has %s (ranks differ)", k,
                           s.str().c_str(), s0.str().c_str());
    for (int d = 0; d < s.rank(); ++d)
      if (d != ax && s[d] != s0[d])
        return Status::error(StatusCode::ShapeMismatch, "concat on axis %d: input %d has shape %s, input 0 has %s (dim %d differs)",
                             ax, k, s.str().c_str(), s0.str().c_str(), d);
    if (k > 0 && !::luodi::detail::checked_add(out[ax], s[ax], &out[ax]))
      return Status::error(StatusCode::Overflow, "concat: the output extent along axis %d overflows", ax);
  }
  return out;
}

inline Result<ConcatParams> concat_params_make(const Shape* const* inputs, int n, std::int64_t axis,
                                               std::size_t elem_size) noexcept {
  LUODI_RETURN_IF_ERROR(check_elem_size(elem_size, "concat"));
  LUODI_ASSIGN_OR_RETURN(Shape out, concat_output_shape(inputs, n, axis));
  const int ax = *normalize_axis(axis, out.rank());
  ConcatParams p;
  p.outer = out.count(0, ax);
  p.inner = out.count(ax + 1, out.rank());
  p.out_axis = out[ax];
  p.elem_size = static_cast<std::uint8_t>(elem_size);
  return p;
}

// Split sizes for an axis of extent `dim`: the given `split` (opset 13 input; must sum to dim),
// or `num_outputs` parts (opset 18: ceil(dim / n) each, the last one smaller; opset 13 without
// `split`: equal parts, which must divide dim).
inline Status split_sizes(std::int64_t dim, const std::int64_t* split, int split_count, int num_outputs,
                          std::int64_t* sizes_out, bool uneven_last_allowed = true) noexcept {
  if (split != nullptr && split_count > 0) {
    if (num_outputs != 0 && num_outputs != split_count)
      return Status::error(StatusCode::BadAttribute, "split: %d sizes given for %d outputs", split_count, num_outputs);
    std::int64_t sum = 0;
    for (int i = 0; i < split_count; ++i) {
      if (split[i] < 0)
        return Status::error(StatusCode::BadAttribute, "split: size %d is %lld (negative)", i, static_cast<long long>(split[i]));
      if (!::luodi::detail::checked_add(sum, split[i], &sum))
        return Status::error(StatusCode::Overflow, "split: the sizes overflow");
      sizes_out[i] = split[i];
    }
    if (sum != dim)
      return Status::error(StatusCode::ShapeMismatch, "split: sizes sum to %lld, but the axis has %lld elements",
                           static_cast<long long>(sum), static_cast<long long>(dim));
    return Status();
  }
  if (num_outputs < 1) return Status::error(StatusCode::BadAttribute, "split: %d outputs", num_outputs);
  if (!uneven_last_allowed && dim % num_outputs != 0)
    return Status::error(StatusCode::ShapeMismatch, "split: axis of %lld elements does not divide into %d equal parts",
                         static_cast<long long>(dim), num_outputs);
  const std::int64_t part = (dim + num_outputs - 1) / num_outputs;
  std::int64_t left = dim;
  for (int i = 0; i < num_outputs; ++i) {
    sizes_out[i] = left < part ? left : part;
    left -= sizes_out[i];
  }
  return Status();
}

struct SplitParams {
  std::int64_t outer = 1, inner = 1, in_axis = 0;
  std::uint8_t elem_size = 4;
};
inline Result<SplitParams> split_params_make(const Shape& in, std::int64_t axis, const std::int64_t* sizes, int count,
                                             std::size_t elem_size) noexcept {
  LUODI_RETURN_IF_ERROR(check_elem_size(elem_size, "split"));
  LUODI_RETURN_IF_ERROR(require_static(in, "split input"));
  LUODI_ASSIGN_OR_RETURN(const int ax, normalize_axis(axis, in.rank(), "split axis"));
  std::int64_t sum = 0;
  for (int i = 0; i < count; ++i) {
    if (sizes[i] < 0 || !::luodi::detail::checked_add(sum, sizes[i], &sum))
      return Status::error(StatusCode::BadAttribute, "split: size %d is %lld", i, static_cast<long long>(sizes[i]));
  }
  if (sum != in[ax])
    return Status::error(StatusCode::ShapeMismatch, "split: sizes sum to %lld; axis %d of %s has %lld",
                         static_cast<long long>(sum), ax, in.str().c_str(), static_cast<long long>(in[ax]));
  SplitParams p;
  p.outer = in.count(0, ax);
  p.inner = in.count(ax + 1, in.rank());
  p.in_axis = in[ax];
  p.elem_size = static_cast<std::uint8_t>(elem_size);
  return p;
}

// ---- Slice ------------------------------------------------------------------------------------
// ONNX clamping: negative starts/ends count from the back; for a positive step start and end are
// clamped to [0, dim], for a negative one start to [0, dim-1] and end to [-1, dim-1]. INT64_MAX
// and INT64_MIN (what exporters write for "to the end") work without overflow.
struct SliceParams {
  int rank = 0;
  std::int64_t in_dims[kMaxRank] = {};
  std::int64_t out_dims[kMaxRank] = {};
  std::int64_t start[kMaxRank] = {};
  std::int64_t step[kMaxRank] = {};
  std::uint8_t elem_size = 4;
  Shape out_shape() const noexcept { return Shape(out_dims, rank); }
};

inline Result<SliceParams> slice_params_make(const Shape& in, const std::int64_t* starts, const std::int64_t* ends,
                                             const std::int64_t* axes, const std::int64_t* steps, int count,
                                             std::size_t elem_size) noexcept {
  LUODI_RETURN_IF_ERROR(check_elem_size(elem_size, "slice"));
  LUODI_RETURN_IF_ERROR(require_static(in, "slice input"));
  const int r = in.rank();
  SliceParams p;
  p.rank = r;
  p.elem_size = static_cast<std::uint8_t>(elem_size);
  for (int d = 0; d < r; ++d) {
    p.in_dims[d] = p.out_dims[d] = in[d];
    p.start[d] = 0;
    p.step[d] = 1;
  }
  if (count < 0 || count > r)
    return Status::error(StatusCode::BadAttribute, "slice: %d starts for an input of shape %s", count, in.str().c_str());
  std::uint32_t seen = 0;
  for (int i = 0; i < count; ++i) {
    int ax = i;
    if (axes) {
      LUODI_ASSIGN_OR_RETURN(ax, normalize_axis(axes[i], r, "slice axis"));
    }
    if ((seen >> ax) & 1u) return Status::error(StatusCode::BadAttribute, "slice: axis %d appears twice", ax);
    seen |= 1u << ax;
    const std::int64_t step = steps ? steps[i] : 1;
    if (step == 0) return Status::error(StatusCode::BadAttribute, "slice: step for axis %d is 0", ax);
    const std::int64_t dim = in[ax];
    std::int64_t s = starts[i], e = ends[i];
    if (s < 0) s += dim;  // no overflow: dim >= 0, s >= INT64_MIN
    if (e < 0) e += dim;
    std::int64_t count_ax;
    if (step > 0) {
      s = s < 0 ? 0 : (s > dim ? dim : s);
      e = e < 0 ? 0 : (e > dim ? dim : e);
      // ceil((e - s) / step), written so that a huge step cannot overflow
      count_ax = e <= s ? 0 : (step >= e - s ? 1 : (e - s + step - 1) / step);
    } else {
      s = s < 0 ? 0 : (s > dim - 1 ? dim - 1 : s);
      e = e < -1 ? -1 : (e > dim - 1 ? dim - 1 : e);
      // ceil((s - e) / -step); -step is only formed once it is known to be small
      if (dim == 0 || s <= e) count_ax = 0;
      else count_ax = step <= -(s - e) ? 1 : (s - e + (-step) - 1) / (-step);
    }
    p.start[ax] = count_ax > 0 ? s : 0;
    p.step[ax] = step;
    p.out_dims[ax] = count_ax;
  }
  return p;
}

// ---- Pad --------------------------------------------------------------------------------------
enum class PadMode : std::uint8_t { Constant = 0, Reflect = 1, Edge = 2, Wrap = 3 };

inline const char* pad_mode_name(PadMode m) noexcept {
  switch (m) {
    case PadMode::Constant: return "constant";
    case PadMode::Reflect: return "reflect";
    case PadMode::Edge: return "edge";
    case PadMode::Wrap: return "wrap";
  }
  return "invalid";
}
inline bool pad_mode_from_name(const char* s, PadMode* m) noexcept {
  for (PadMode k : {PadMode::Constant, PadMode::Reflect, PadMode::Edge, PadMode::Wrap})
    if (std::strcmp(s, pad_mode_name(k)) == 0) {
      *m = k;
      return true;
    }
  return false;
}

// Pads may be negative (ONNX allows it: that side is cropped). Reflect needs pads of at most
// dim-1 (PyTorch and ONNX Runtime refuse more; numpy's repeated reflection of wider pads is
// not periodic and not supported); wrap repeats with period dim, however wide the pad.
struct PadParams {
  int rank = 0;
  std::int64_t in_dims[kMaxRank] = {};
  std::int64_t out_dims[kMaxRank] = {};
  std::int64_t begin[kMaxRank] = {};  // may be negative
  PadMode mode = PadMode::Constant;
  std::uint8_t elem_size = 4;
  unsigned char value[8] = {};  // the constant, as elem_size bytes of the tensor's dtype
  Shape out_shape() const noexcept { return Shape(out_dims, rank); }
};

// pads: [begin_0, ..., begin_{k-1}, end_0, ..., end_{k-1}] for the k axes in `axes` (all axes
// when axes == nullptr, then k = rank). `value` points to one element of the dtype (or null
// for zero).
inline Result<PadParams> pad_params_make(const Shape& in, const std::int64_t* pads, int pads_count, const std::int64_t* axes,
                                         int axes_count, PadMode mode, const void* value, std::size_t elem_size) noexcept {
  LUODI_RETURN_IF_ERROR(check_elem_size(elem_size, "pad"));
  LUODI_RETURN_IF_ERROR(require_static(in, "pad input"));
  const int r = in.rank();
  const int k = axes ? axes_count : r;
  if (pads_count != 2 * k)
    return Status::error(StatusCode::BadAttribute, "pad: %d pads for %d axes of an input of shape %s (need %d)", pads_count, k,
                         in.str().c_str(), 2 * k);
  if (static_cast<int>(mode) > 3) return Status::error(StatusCode::BadAttribute, "pad: mode %d is unknown", static_cast<int>(mode));
  PadParams p;
  p.rank = r;
  p.mode = mode;
  p.elem_size = static_cast<std::uint8_t>(elem_size);
  if (value) std::memcpy(p.value, value, elem_size);
  std::int64_t end[kMaxRank] = {};
  for (int d = 0; d < r; ++d) p.in_dims[d] = in[d];
  std::uint32_t seen = 0;
  for (int i = 0; i < k; ++i) {
    int ax = i;
    if (axes) {
      LUODI_ASSIGN_OR_RETURN(ax, normalize_axis(axes[i], r, "pad axis"));
    }
    if ((seen >> ax) & 1u) return Status::error(StatusCode::BadAttribute, "pad: axis %d appears twice", ax);
    seen |= 1u << ax;
    p.begin[ax] = pads[i];
    end[ax] = pads[k + i];
  }
  for (int d = 0; d < r; ++d) {
    const std::int64_t lim = kMaxElements;
    if (p.begin[d] > lim || end[d] > lim || p.begin[d] < -lim || end[d] < -lim)
      return Status::error(StatusCode::OutOfRange, "pad: pads of axis %d are out of range", d);
    const std::int64_t o = in[d] + p.begin[d] + end[d];
    if (o < 0)
      return Status::error(StatusCode::BadAttribute, "pad: axis %d of %s would have %lld elements (pads %lld, %lld)", d,
                           in.str().c_str(), static_cast<long long>(o), static_cast<long long>(p.begin[d]),
                           static_cast<long long>(end[d]));
    p.out_dims[d] = o;
    const bool grows = p.begin[d] > 0 || end[d] > 0;
    if (mode != PadMode::Constant && grows && in[d] == 0)
      return Status::error(StatusCode::BadAttribute, "pad: %s mode cannot pad axis %d, which is empty", pad_mode_name(mode), d);
    if (mode == PadMode::Reflect && (p.begin[d] > in[d] - 1 || end[d] > in[d] - 1))
      return Status::error(StatusCode::Unsupported,
                           "pad: reflect pads (%lld, %lld) on axis %d of %s exceed the axis size - 1 (as in PyTorch and "
                           "ONNX Runtime; numpy's repeated reflection is not supported)",
                           static_cast<long long>(p.begin[d]), static_cast<long long>(end[d]), d, in.str().c_str());
  }
  std::int64_t n;
  LUODI_RETURN_IF_ERROR(checked_numel(p.out_shape(), "pad output", &n));
  return p;
}

// ---- Gather -----------------------------------------------------------------------------------
struct GatherParams {
  std::int64_t outer = 1, axis_dim = 0, inner = 1, n_indices = 0;
  std::uint8_t elem_size = 4;
};

// data.shape[:axis] + indices.shape + data.shape[axis+1:]
inline Result<Shape> gather_output_shape(const Shape& data, const Shape& indices, std::int64_t axis) noexcept {
  LUODI_RETURN_IF_ERROR(require_static(data, "gather data"));
  LUODI_RETURN_IF_ERROR(require_static(indices, "gather indices"));
  LUODI_ASSIGN_OR_RETURN(const int ax, normalize_axis(axis, data.rank(), "gather axis"));
  if (data.rank() - 1 + indices.rank() > kMaxRank)
    return Status::error(StatusCode::Unsupported, "gather: output rank %d exceeds %d", data.rank() - 1 + indices.rank(), kMaxRank);
  Shape out;
  for (int d = 0; d < ax; ++d) out.push_back(data[d]);
  for (int d = 0; d < indices.rank(); ++d) out.push_back(indices[d]);
  for (int d = ax + 1; d < data.rank(); ++d) out.push_back(data[d]);
  return out;
}
inline Result<GatherParams> gather_params_make(const Shape& data, const Shape& indices, std::int64_t axis,
                                               std::size_t elem_size) noexcept {
  LUODI_RETURN_IF_ERROR(check_elem_size(elem_size, "gather"));
  LUODI_ASSIGN_OR_RETURN(Shape out, gather_output_shape(data, indices, axis));
  (void)out;
  const int ax = *normalize_axis(axis, data.rank());
  GatherParams p;
  p.outer = data.count(0, ax);
  p.axis_dim = data[ax];
  p.inner = data.count(ax + 1, data.rank());
  p.n_indices = indices.numel();
  p.elem_size = static_cast<std::uint8_t>(elem_size);
  return p;
}

// ---- Tile / Expand ----------------------------------------------------------------------------
struct TileParams {
  int rank = 0;
  std::int64_t in_dims[kMaxRank] = {};
  std::int64_t out_dims[kMaxRank] = {};
  std::uint8_t elem_size = 4;
  Shape out_shape() const noexcept { return Shape(out_dims, rank); }
};
inline Result<TileParams> tile_params_make(const Shape& in, const std::int64_t* repeats, int count,
                                           std::size_t elem_size) noexcept {
  LUODI_RETURN_IF_ERROR(check_elem_size(elem_size, "tile"));
  LUODI_RETURN_IF_ERROR(require_static(in, "tile input"));
  if (count != in.rank())
    return Status::error(StatusCode::ShapeMismatch, "tile: %d repeats for an input of shape %s (rank %d)", count,
                         in.str().c_str(), in.rank());
  TileParams p;
  p.rank = in.rank();
  p.elem_size = static_cast<std::uint8_t>(elem_size);
  for (int d = 0; d < p.rank; ++d) {
    if (repeats[d] < 0)
      return Status::error(StatusCode::BadAttribute, "tile: repeats[%d] is %lld (negative)", d, static_cast<long long>(repeats[d]));
    p.in_dims[d] = in[d];
    if (!::luodi::detail::checked_mul(in[d], repeats[d], &p.out_dims[d]))
      return Status::error(StatusCode::Overflow, "tile: axis %d overflows", d);
  }
  std::int64_t n;
  LUODI_RETURN_IF_ERROR(checked_numel(p.out_shape(), "tile output", &n));
  return p;
}

// Expand: the output is the broadcast of the input shape and the requested shape (ONNX Expand
// broadcasts both ways, so a requested 1 keeps the input's dim).
struct ExpandParams {
  BroadcastPlan<1> plan;
  std::uint8_t elem_size = 4;
};
inline Result<Shape> expand_output_shape(const Shape& in, const std::int64_t* shape, int count) noexcept {
  LUODI_ASSIGN_OR_RETURN(Shape req, Shape::make(shape, count));
  Result<Shape> r = broadcast_shapes(in, req);
  if (!r.ok()) {
    Status s = r.status();
    return s.prepend("expand: ");
  }
  return r;
}
inline Result<ExpandParams> expand_params_make(const Shape& in, const Shape& out, std::size_t elem_size) noexcept {
  LUODI_RETURN_IF_ERROR(check_elem_size(elem_size, "expand"));
  const Shape* ops[1] = {&in};
  LUODI_ASSIGN_OR_RETURN(BroadcastPlan<1> plan, make_broadcast_plan<1>(ops, out));
  ExpandParams p;
  p.plan = plan;
  p.elem_size = static_cast<std::uint8_t>(elem_size);
  return p;
}

// ---- DepthToSpace / SpaceToDepth --------------------------------------------------------------
enum class DepthToSpaceMode : std::uint8_t { DCR = 0, CRD = 1 };

struct DepthSpaceParams {
  std::int64_t n = 0, c = 0, h = 0, w = 0;  // the input's NCHW dims
  std::int64_t block = 1;
  DepthToSpaceMode mode = DepthToSpaceMode::DCR;
  bool to_space = true;  // DepthToSpace (true) or SpaceToDepth (false)
  std::uint8_t elem_size = 4;
};

inline Result<DepthSpaceParams> depth_space_params_make(const Shape& in, std::int64_t block, bool to_space,
                                                        DepthToSpaceMode mode, std::size_t elem_size) noexcept {
  const char* op = to_space ? "depth_to_space" : "space_to_depth";
  LUODI_RETURN_IF_ERROR(check_elem_size(elem_size, op));
  LUODI_RETURN_IF_ERROR(require_static(in, op));
  if (in.rank() != 4)
    return Status::error(StatusCode::ShapeMismatch, "%s: input shape %s is not 4-D NCHW", op, in.str().c_str());
  if (block < 1 || block > (std::int64_t(1) << 20))
    return Status::error(StatusCode::BadAttribute, "%s: blocksize %lld is out of range", op, static_cast<long long>(block));
  DepthSpaceParams p{in[0], in[1], in[2], in[3], block, mode, to_space, static_cast<std::uint8_t>(elem_size)};
  if (to_space && in[1] % (block * block) != 0)
    return Status::error(StatusCode::ShapeMismatch, "depth_to_space: %lld channels of %s do not divide by blocksize^2 = %lld",
                         static_cast<long long>(in[1]), in.str().c_str(), static_cast<long long>(block * block));
  if (!to_space && (in[2] % block != 0 || in[3] % block != 0))
    return Status::error(StatusCode::ShapeMismatch, "space_to_depth: H and W of %s do not divide by blocksize %lld",
                         in.str().c_str(), static_cast<long long>(block));
  if (!to_space && mode != DepthToSpaceMode::DCR)
    return Status::error(StatusCode::BadAttribute, "space_to_depth has no mode attribute (DCR only)");
  return p;
}
inline Shape depth_space_output_shape(const DepthSpaceParams& p) noexcept {
  const std::int64_t b = p.block;
  return p.to_space ? Shape{p.n, p.c / (b * b), p.h * b, p.w * b} : Shape{p.n, p.c * b * b, p.h / b, p.w / b};
}

// ---- Cast ---------------------------------------------------------------------------------------
// Conversions between every pair of luodi dtypes:
//   float -> integer truncates toward zero and saturates to the integer's range; NaN gives 0
//     (C++ leaves out-of-range conversions undefined; luodi defines them so no target traps);
//   integer -> integer wraps (two's complement), as C++ and numpy's astype do;
//   anything -> bool is x != 0 (so NaN -> true); bool -> anything is 0 or 1;
//   f16 <-> f32 rounds to nearest even (core/dtype.hpp); other types reach f16 through f32.
inline Status cast_check(DType from, DType to) noexcept {
  if (dtype_size(from) == 0 || dtype_size(to) == 0)
    return Status::error(StatusCode::InvalidArgument, "cast: dtype codes %d -> %d are not both dtypes", static_cast<int>(from),
                         static_cast<int>(to));
  return Status();
}

// ---- Reshape / Flatten / Squeeze / Unsqueeze: shape only, the data does not move -------------
// Reshape: 0 copies the input's dim at that position (unless allowzero), -1 is inferred.
inline Result<Shape> reshape_output_shape(const Shape& in, const std::int64_t* shape, int count, bool allowzero = false) noexcept {
  LUODI_RETURN_IF_ERROR(require_static(in, "reshape input"));
  if (count < 0 || count > kMaxRank)
    return Status::error(StatusCode::Unsupported, "reshape: target rank %d exceeds %d", count, kMaxRank);
  Shape out;
  int infer = -1;
  std::int64_t known = 1;
  bool has_zero = false;
  for (int i = 0; i < count; ++i) {
    std::int64_t d = shape[i];
    if (d == -1) {
      if (infer >= 0) return Status::error(StatusCode::BadAttribute, "reshape: more than one -1 in the target shape");
      infer = i;
      out.push_back(1);
      continue;
    }
    if (d == 0 && !allowzero) {
      if (i >= in.rank())
        return Status::error(StatusCode::BadAttribute, "reshape: target dim %d is 0 (copy) but the input %s has rank %d", i,
                             in.str().c_str(), in.rank());
      d = in[i];
    }
    if (d < 0) return Status::error(StatusCode::BadAttribute, "reshape: target dim %d is %lld", i, static_cast<long long>(d));
    if (d == 0) has_zero = true;
    if (!::luodi::detail::checked_mul(known, d, &known)) return Status::error(StatusCode::Overflow, "reshape: target shape overflows");
    out.push_back(d);
  }
  const std::int64_t n = in.numel();
  if (infer >= 0) {
    if (allowzero && has_zero)
      return Status::error(StatusCode::BadAttribute, "reshape: -1 together with a 0 dim under allowzero");
    if (known == 0 || n % known != 0)
      return Status::error(StatusCode::ShapeMismatch, "reshape: cannot infer the -1 dim: %lld elements of %s over %lld",
                           static_cast<long long>(n), in.str().c_str(), static_cast<long long>(known));
    out[infer] = n / known;
  } else if (known != n) {
    return Status::error(StatusCode::ShapeMismatch, "reshape: %s has %lld elements, the target shape %s has %lld",
                         in.str().c_str(), static_cast<long long>(n), out.str().c_str(), static_cast<long long>(known));
  }
  return out;
}

// Flatten: [prod(dims[:axis]), prod(dims[axis:])]; axis in [-rank, rank].
inline Result<Shape> flatten_output_shape(const Shape& in, std::int64_t axis) noexcept {
  LUODI_RETURN_IF_ERROR(require_static(in, "flatten input"));
  const int r = in.rank();
  if (axis < -r || axis > r)
    return Status::error(StatusCode::OutOfRange, "flatten: axis %lld is outside [-%d, %d]", static_cast<long long>(axis), r, r);
  const int ax = static_cast<int>(axis < 0 ? axis + r : axis);
  return Shape{in.count(0, ax), in.count(ax, r)};
}

// Squeeze: the given axes (each must be 1), or every 1 when axes is null.
inline Result<Shape> squeeze_output_shape(const Shape& in, const std::int64_t* axes, int count) noexcept {
  LUODI_RETURN_IF_ERROR(require_static(in, "squeeze input"));
  AxisSet set;
  if (axes && count > 0) {
    LUODI_ASSIGN_OR_RETURN(set, make_axis_set(axes, count, in.rank(), "squeeze axes"));
    for (int d = 0; d < in.rank(); ++d)
      if (set.has(d) && in[d] != 1)
        return Status::error(StatusCode::ShapeMismatch, "squeeze: axis %d of %s is %lld, not 1", d, in.str().c_str(),
                             static_cast<long long>(in[d]));
  } else {
    for (int d = 0; d < in.rank(); ++d)
      if (in[d] == 1) set.mask |= 1u << d;
  }
  Shape out;
  for (int d = 0; d < in.rank(); ++d)
    if (!set.has(d)) out.push_back(in[d]);
  return out;
}

// Unsqueeze: axes refer to the output (rank + count), may be negative, in any order.
inline Result<Shape> unsqueeze_output_shape(const Shape& in, const std::int64_t* axes, int count) noexcept {
  LUODI_RETURN_IF_ERROR(require_static(in, "unsqueeze input"));
  const int r = in.rank() + count;
  if (count < 0 || r > kMaxRank) return Status::error(StatusCode::Unsupported, "unsqueeze: output rank %d exceeds %d", r, kMaxRank);
  LUODI_ASSIGN_OR_RETURN(AxisSet set, make_axis_set(axes, count, r, "unsqueeze axes"));
  Shape out;
  int k = 0;
  for (int d = 0; d < r; ++d) out.push_back(set.has(d) ? 1 : in[k++]);
  return out;
}

}  // namespace kernels
}  // namespace luodi
