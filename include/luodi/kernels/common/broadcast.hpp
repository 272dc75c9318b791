// NumPy broadcasting: the output shape, and a collapsed iteration plan for the kernels.
//
// A BroadcastPlan describes K operands broadcast to one output, after two simplifications
// that make the kernels' inner loops simple and long:
//   1. output dims of size 1 are dropped;
//   2. adjacent dims are merged when every operand is contiguous across them (or broadcast
//      across both).
// What remains has operand strides of 0 (broadcast) or contiguous, so the innermost dim has a
// stride of 0 or 1 for every operand. That gives the three inner loops the SIMD kernels
// specialise: vector-vector (same shape), vector-scalar (a scalar, or a per-channel operand
// [1,C,1,1] against NCHW, whose inner dim is H*W) and scalar-vector.
//
// The plan is plain data (no pointers), computed once at prepare time.
#pragma once

#include <cstdint>

#include "../../core/parallel.hpp"
#include "../../core/shape.hpp"
#include "../../core/status.hpp"
#include "shape_util.hpp"

namespace luodi {
namespace kernels {

// The broadcast of shapes[0..n): right-aligned, each dim equal or 1. ShapeMismatch names both
// shapes and the offending dim.
inline Result<Shape> broadcast_shapes(const Shape* const* shapes, int n) noexcept {
  int rank = 0;
  for (int k = 0; k < n; ++k) {
    LUODI_RETURN_IF_ERROR(require_static(*shapes[k], "broadcast operand"));
    if (shapes[k]->rank() > rank) rank = shapes[k]->rank();
  }
  Shape out;
  out.resize(rank, 1);
  for (int d = 0; d < rank; ++d) {
    std::int64_t v = 1;
    int from = -1;
    for (int k = 0; k < n; ++k) {
      const Shape& s = *shapes[k];
      const int sd = d - (rank - s.rank());
      if (sd < 0) continue;
      const std::int64_t e = s[sd];
      if (e == 1) continue;
      if (v == 1) {
        v = e;
        from = k;
      } else if (e != v) {
        return Status::error(StatusCode::ShapeMismatch,
                             "shapes %s and %s cannot be broadcast: dim %d (from the right) is %lld vs %lld",
                             shapes[from]->str().c_str(), s.str().c_str(), rank - d, static_cast<long long>(v),
                             static_cast<long long>(e));
      }
    }
    out[d] = v;
  }
  return out;
}

inline Result<Shape> broadcast_shapes(const Shape& a, const Shape& b) noexcept {
  const Shape* s[2] = {&a, &b};
  return broadcast_shapes(s, 2);
}
inline Result<Shape> broadcast_shapes(const Shape& a, const Shape& b, const Shape& c) noexcept {
  const Shape* s[3] = {&a, &b, &c};
  return broadcast_shapes(s, 3);
}

// Whether `from` broadcasts to exactly `to` (unidirectional broadcasting, as Expand's input,
// PRelu's slope and LayerNorm's scale use it).
inline bool broadcasts_to(const Shape& from, const Shape& to) noexcept {
  if (from.rank() > to.rank()) return false;
  for (int d = 0; d < from.rank(); ++d) {
    const std::int64_t f = from[d], t = to[to.rank() - from.rank() + d];
    if (f != 1 && f != t) return false;
  }
  return true;
}

template <int K>
struct BroadcastPlan {
  static_assert(K >= 1 && K <= 4, "1 to 4 operands");
  int rank = 1;
  std::int64_t dims[kMaxRank] = {1};                // output dims after collapsing
  std::int64_t strides[K][kMaxRank] = {};           // element strides per operand; 0 = broadcast
  std::int64_t numel = 1;                           // output elements

  LUODI_ALWAYS_INLINE std::int64_t inner() const noexcept { return dims[rank - 1]; }
  LUODI_ALWAYS_INLINE std::int64_t rows() const noexcept { return inner() == 0 ? 0 : numel / inner(); }
  LUODI_ALWAYS_INLINE std::int64_t inner_stride(int k) const noexcept { return strides[k][rank - 1]; }
  // Whether operand k is one element repeated everywhere.
  LUODI_ALWAYS_INLINE bool is_scalar(int k) const noexcept {
    for (int d = 0; d < rank; ++d)
      if (strides[k][d] != 0) return false;
    return true;
  }
};

// The plan for operands `shapes` broadcast to `out`, which must be their broadcast shape (or,
// for unidirectional broadcasting, a shape they each broadcast to).
template <int K>
Result<BroadcastPlan<K>> make_broadcast_plan(const Shape* const (&shapes)[K], const Shape& out) noexcept {
  BroadcastPlan<K> p;
  LUODI_RETURN_IF_ERROR(require_static(out, "broadcast output"));
  for (int k = 0; k < K; ++k)
    if (!broadcasts_to(*shapes[k], out))
      return Status::error(StatusCode::ShapeMismatch, "operand %d of shape %s does not broadcast to %s", k,
                           shapes[k]->str().c_str(), out.str().c_str());
  // Full-rank strides per operand (0 where broadcast).
  std::int64_t st[K][kMaxRank];
  for (int k = 0; k < K; ++k) {
    const Shape& s = *shapes[k];
    std::int64_t acc = 1;
    for (int d = out.rank() - 1; d >= 0; --d) {
      const int sd = d - (out.rank() - s.rank());
      const std::int64_t e = sd >= 0 ? s[sd] : 1;
      st[k][d] = (e == 1) ? 0 : acc;
      acc *= e;
    }
  }
  // Drop size-1 dims, then merge neighbours that are contiguous for every operand.
  int r = 0;
  std::int64_t numel = 1;
  for (int d = 0; d < out.rank(); ++d) {
    numel *= out[d];
    if (out[d] == 1) continue;
    if (r > 0) {
      bool merge = true;
      for (int k = 0; k < K; ++k)
        if (p.strides[k][r - 1] != st[k][d] * out[d]) merge = false;
      if (merge) {
        p.dims[r - 1] *= out[d];
        for (int k = 0; k < K; ++k) p.strides[k][r - 1] = st[k][d];
        continue;
      }
    }
    p.dims[r] = out[d];
    for (int k = 0; k < K; ++k) p.strides[k][r] = st[k][d];
    ++r;
  }
  if (r == 0) {  // every dim is 1: one element
    r = 1;
    p.dims[0] = 1;
    for (int k = 0; k < K; ++k) p.strides[k][0] = 0;
  }
  if (numel == 0) {  // nothing to compute; keep the plan trivially empty
    r = 1;
    p.dims[0] = 0;
    for (int k = 0; k < K; ++k) p.strides[k][0] = 0;
  }
  p.rank = r;
  p.numel = numel;
  return p;
}

// Walks the rows (all dims but the innermost) of a plan, keeping each operand's element offset.
template <int K>
struct BroadcastCursor {
  std::int64_t idx[kMaxRank] = {};
  std::int64_t off[K] = {};

  LUODI_ALWAYS_INLINE void seek(const BroadcastPlan<K>& p, std::int64_t row) noexcept {
    for (int k = 0; k < K; ++k) off[k] = 0;
    for (int d = p.rank - 2; d >= 0; --d) {
      idx[d] = row % p.dims[d];
      row /= p.dims[d];
      for (int k = 0; k < K; ++k) off[k] += idx[d] * p.strides[k][d];
    }
  }
  LUODI_ALWAYS_INLINE void next(const BroadcastPlan<K>& p) noexcept {
    for (int d = p.rank - 2; d >= 0; --d) {
      ++idx[d];
      for (int k = 0; k < K; ++k) off[k] += p.strides[k][d];
      if (idx[d] < p.dims[d]) return;
      for (int k = 0; k < K; ++k) off[k] -= idx[d] * p.strides[k][d];
      idx[d] = 0;
    }
  }
};

// Runs fn(offsets, out_offset, begin, end) over the output elements [e0, e1) of the plan, one
// row segment at a time: the inner range [begin, end) of one row, whose operand k starts at
// offsets[k] (the row's start; add begin * inner_stride(k)) and whose output starts at
// out_offset (the row's start). Serial: the dispatched kernels take an element range, and the
// caller splits [0, numel) across threads (see split_elements), so no code compiled for one
// ISA ever touches an Executor.
template <int K, class F>
LUODI_ALWAYS_INLINE void for_each_segment(const BroadcastPlan<K>& p, std::int64_t e0, std::int64_t e1, F&& fn) noexcept {
  const std::int64_t inner = p.inner();
  if (inner == 0 || e0 >= e1) return;
  BroadcastCursor<K> c;
  std::int64_t row = e0 / inner;
  c.seek(p, row);
  std::int64_t b = e0 - row * inner;
  while (true) {
    const std::int64_t row_end = (row + 1) * inner;
    const std::int64_t e = (e1 < row_end ? e1 : row_end) - row * inner;
    fn(static_cast<const std::int64_t*>(c.off), row * inner, b, e);
    if (row_end >= e1) break;
    ++row;
    c.next(p);
    b = 0;
  }
}

// Splits [0, n) elements across the executor in chunks of at least `grain` and calls
// fn(begin, end) for each; inline without an executor.
template <class F>
void split_elements(std::int64_t n, Executor* ex, F&& fn, std::int64_t grain = 1 << 14) noexcept {
  if (n <= 0) return;
  if (ex == nullptr || n < 2 * grain) return fn(std::int64_t(0), n);  // also keeps GCC's -Wnonnull quiet
  parallel_for(n, fn, ex, grain);
}

}  // namespace kernels
}  // namespace luodi
