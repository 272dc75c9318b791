// Data movement: Transpose, Concat, Split, Slice, Pad, Gather, Tile, Expand, Cast,
// DepthToSpace / SpaceToDepth (params and shape helpers in params.hpp, the reference in ref.hpp).
//
// These are memory-bound copies, so the fast paths are about access patterns, not SIMD
// arithmetic: cache-blocked 2-D transposes (NCHW <-> NHWC is a batched 2-D transpose of
// [C, HW]), memcpy of every contiguous run, and pads written row by row. They are plain C++
// compiled with the including translation unit's flags (no dispatch family: there is no
// arithmetic to specialise per ISA, and the compiler vectorises the blocked copies).
// Every entry point splits independent output rows across an optional Executor.
#pragma once

#include <cstdint>
#include <cstring>

#include "../../core/parallel.hpp"
#include "params.hpp"
#include "ref.hpp"

namespace luodi {
namespace kernels {

namespace detail {

// y[c * rows + r] = x[r * cols + c] for a rows x cols block, in tiles that keep both the reads
// and the writes within a few cache lines.
template <class T>
void transpose_2d(const T* x, T* y, std::int64_t rows, std::int64_t cols, std::int64_t r0, std::int64_t r1) noexcept {
  constexpr std::int64_t kTile = 64 / sizeof(T) < 8 ? 8 : 64 / sizeof(T);  // one cache line of T, at least 8
  for (std::int64_t rb = r0; rb < r1; rb += kTile) {
    const std::int64_t re = rb + kTile < r1 ? rb + kTile : r1;
    for (std::int64_t cb = 0; cb < cols; cb += kTile) {
      const std::int64_t ce = cb + kTile < cols ? cb + kTile : cols;
      if (re - rb == kTile && ce - cb == kTile) {
        for (std::int64_t c = 0; c < kTile; ++c)
          for (std::int64_t r = 0; r < kTile; ++r) y[(cb + c) * rows + rb + r] = x[(rb + r) * cols + cb + c];
      } else {
        for (std::int64_t c = cb; c < ce; ++c)
          for (std::int64_t r = rb; r < re; ++r) y[c * rows + r] = x[r * cols + c];
      }
    }
  }
}

}  // namespace detail

// Transpose with fast paths: a plain copy when the permutation collapses to identity, row
// copies when the innermost axis stays innermost, and blocked 2-D transposes for perm (1, 0)
// and batched (0, 2, 1), which is what NCHW <-> NHWC collapse to.
inline void transpose(const TransposeParams& p, const void* x, void* y, Executor* ex = nullptr) noexcept {
  const std::size_t es = p.elem_size;
  if (p.numel == 0) return;
  if (p.rank == 1) {
    std::memcpy(y, x, static_cast<std::size_t>(p.numel) * es);
    return;
  }
  const bool batched = p.rank == 3 && p.perm[0] == 0 && p.perm[1] == 2 && p.perm[2] == 1;
  if ((p.rank == 2 && p.perm[0] == 1) || batched) {
    const std::int64_t batch = batched ? p.in_dims[0] : 1;
    const std::int64_t rows = p.in_dims[p.rank - 2], cols = p.in_dims[p.rank - 1];
    // Tasks: (batch, block of 64 rows).
    const std::int64_t row_blocks = (rows + 63) / 64;
    detail::with_elem_size(es, [&](auto size) {
      using T = detail::uint_of_size_t<decltype(size)::value>;
      const T* in = static_cast<const T*>(x);
      T* out = static_cast<T*>(y);
      auto body = [&](std::int64_t t0, std::int64_t t1) {
        for (std::int64_t t = t0; t < t1; ++t) {
          const std::int64_t b = t / row_blocks, rb = (t % row_blocks) * 64;
          const std::int64_t re = rb + 64 < rows ? rb + 64 : rows;
          detail::transpose_2d<T>(in + b * rows * cols, out + b * rows * cols, rows, cols, rb, re);
        }
      };
      const std::int64_t per_task = 64 * cols;
      split_elements(batch * row_blocks, ex, body, per_task >= 8192 ? 1 : 8192 / per_task);
    });
    return;
  }
  if (p.perm[p.rank - 1] == p.rank - 1) {
    // The innermost axis stays: copy runs of in_dims[rank-1] elements.
    const std::int64_t run = p.in_dims[p.rank - 1];
    std::int64_t in_stride[kMaxRank], acc = 1;
    for (int d = p.rank - 1; d >= 0; --d) {
      in_stride[d] = acc;
      acc *= p.in_dims[d];
    }
    const std::int64_t runs = p.numel / run;
    auto body = [&](std::int64_t r0, std::int64_t r1) {
      // Unravel r0 over the output's outer dims.
      std::int64_t idx[kMaxRank] = {}, off = 0, rem = r0;
      for (int d = p.rank - 2; d >= 0; --d) {
        const std::int64_t od = p.in_dims[p.perm[d]];
        idx[d] = rem % od;
        rem /= od;
        off += idx[d] * in_stride[p.perm[d]];
      }
      for (std::int64_t r = r0; r < r1; ++r) {
        std::memcpy(static_cast<unsigned char*>(y) + static_cast<std::size_t>(r * run) * es,
                    static_cast<const unsigned char*>(x) + static_cast<std::size_t>(off) * es, static_cast<std::size_t>(run) * es);
        for (int d = p.rank - 2; d >= 0; --d) {
          off += in_stride[p.perm[d]];
          if (++idx[d] < p.in_dims[p.perm[d]]) break;
          off -= idx[d] * in_stride[p.perm[d]];
          idx[d] = 0;
        }
      }
    };
    split_elements(runs, ex, body, run >= 4096 ? 1 : 4096 / run);
    return;
  }
  ref::transpose(p, x, y);
}

inline void concat(const ConcatParams& p, const void* const* inputs, const std::int64_t* axis_dims, int n, void* out,
                   Executor* ex = nullptr) noexcept {
  const std::size_t es = p.elem_size;
  auto body = [&](std::int64_t r0, std::int64_t r1) {
    for (std::int64_t r = r0; r < r1; ++r) {
      std::int64_t at = 0;
      for (int k = 0; k < n; ++k) {
        const std::int64_t run = axis_dims[k] * p.inner;
        if (run == 0) continue;  // an empty part: its data pointer may be null
        std::memcpy(static_cast<unsigned char*>(out) + static_cast<std::size_t>(r * p.out_axis * p.inner + at) * es,
                    static_cast<const unsigned char*>(inputs[k]) + static_cast<std::size_t>(r * run) * es,
                    static_cast<std::size_t>(run) * es);
        at += run;
      }
    }
  };
  const std::int64_t row = p.out_axis * p.inner;
  split_elements(p.outer, ex, body, row >= 8192 ? 1 : 8192 / (row > 0 ? row : 1));
}

inline void split(const SplitParams& p, const void* x, const std::int64_t* sizes, int n, void* const* outputs,
                  Executor* ex = nullptr) noexcept {
  const std::size_t es = p.elem_size;
  auto body = [&](std::int64_t r0, std::int64_t r1) {
    for (std::int64_t r = r0; r < r1; ++r) {
      std::int64_t at = 0;
      for (int k = 0; k < n; ++k) {
        const std::int64_t run = sizes[k] * p.inner;
        if (run == 0) continue;  // an empty part: its data pointer may be null
        std::memcpy(static_cast<unsigned char*>(outputs[k]) + static_cast<std::size_t>(r * run) * es,
                    static_cast<const unsigned char*>(x) + static_cast<std::size_t>(r * p.in_axis * p.inner + at) * es,
                    static_cast<std::size_t>(run) * es);
        at += run;
      }
    }
  };
  const std::int64_t row = p.in_axis * p.inner;
  split_elements(p.outer, ex, body, row >= 8192 ? 1 : 8192 / (row > 0 ? row : 1));
}

// Slice: the innermost axis is copied as one strided run per output row (a memcpy when its
// step is 1).
inline void slice(const SliceParams& p, const void* x, void* y, Executor* ex = nullptr) noexcept {
  std::int64_t n = 1;
  for (int d = 0; d < p.rank; ++d) n *= p.out_dims[d];
  if (n == 0) return;
  if (p.rank == 0) {
    std::memcpy(y, x, p.elem_size);
    return;
  }
  detail::with_elem_size(p.elem_size, [&](auto size) {
    using T = detail::uint_of_size_t<decltype(size)::value>;
    const T* in = static_cast<const T*>(x);
    T* out = static_cast<T*>(y);
    std::int64_t in_stride[kMaxRank], acc = 1;
    for (int d = p.rank - 1; d >= 0; --d) {
      in_stride[d] = acc;
      acc *= p.in_dims[d];
    }
    const int last = p.rank - 1;
    const std::int64_t inner = p.out_dims[last], step = p.step[last];
    auto body = [&](std::int64_t r0, std::int64_t r1) {
      std::int64_t idx[kMaxRank] = {}, rem = r0;
      for (int d = last - 1; d >= 0; --d) {
        idx[d] = rem % p.out_dims[d];
        rem /= p.out_dims[d];
      }
      for (std::int64_t r = r0; r < r1; ++r) {
        std::int64_t off = p.start[last];
        for (int d = 0; d < last; ++d) off += (p.start[d] + idx[d] * p.step[d]) * in_stride[d];
        T* o = out + r * inner;
        const T* src = in + off;
        if (step == 1) std::memcpy(o, src, static_cast<std::size_t>(inner) * sizeof(T));
        else
          for (std::int64_t i = 0; i < inner; ++i) o[i] = src[i * step];
        for (int d = last - 1; d >= 0; --d) {
          if (++idx[d] < p.out_dims[d]) break;
          idx[d] = 0;
        }
      }
    };
    split_elements(n / inner, ex, body, inner >= 4096 ? 1 : 4096 / inner);
  });
}

// Pad, one output row (innermost axis) at a time: the left pad, one memcpy of the input run,
// the right pad. Rows whose outer coordinates fall in the constant padding are filled.
inline void pad(const PadParams& p, const void* x, void* y, Executor* ex = nullptr) noexcept {
  std::int64_t n = 1;
  for (int d = 0; d < p.rank; ++d) n *= p.out_dims[d];
  if (n == 0) return;
  if (p.rank == 0) {
    std::memcpy(y, x, p.elem_size);
    return;
  }
  detail::with_elem_size(p.elem_size, [&](auto size) {
    using T = detail::uint_of_size_t<decltype(size)::value>;
    const T* in = static_cast<const T*>(x);
    T* out = static_cast<T*>(y);
    T value;
    std::memcpy(&value, p.value, sizeof(T));
    std::int64_t in_stride[kMaxRank], acc = 1;
    for (int d = p.rank - 1; d >= 0; --d) {
      in_stride[d] = acc;
      acc *= p.in_dims[d];
    }
    const int last = p.rank - 1;
    const std::int64_t wo = p.out_dims[last], wi = p.in_dims[last], b = p.begin[last];
    // The output columns [c0, c1) that read input columns [c0 - b, c1 - b) directly.
    std::int64_t c0 = b < 0 ? 0 : b, c1 = b + wi < wo ? b + wi : wo;
    if (c1 < c0) c1 = c0;
    auto body = [&](std::int64_t r0, std::int64_t r1) {
      std::int64_t idx[kMaxRank] = {}, rem = r0;
      for (int d = last - 1; d >= 0; --d) {
        idx[d] = rem % p.out_dims[d];
        rem /= p.out_dims[d];
      }
      for (std::int64_t r = r0; r < r1; ++r) {
        T* o = out + r * wo;
        std::int64_t off = 0;
        bool constant = false;
        for (int d = 0; d < last; ++d) {
          const std::int64_t s = detail::pad_source(idx[d] - p.begin[d], p.in_dims[d], p.mode);
          if (s < 0) constant = true;
          off += s * in_stride[d];
        }
        if (constant) {
          for (std::int64_t i = 0; i < wo; ++i) o[i] = value;
        } else {
          const T* row = in + off;
          for (std::int64_t i = 0; i < c0; ++i) {
            const std::int64_t s = detail::pad_source(i - b, wi, p.mode);
            o[i] = s < 0 ? value : row[s];
          }
          if (c1 > c0) std::memcpy(o + c0, row + (c0 - b), static_cast<std::size_t>(c1 - c0) * sizeof(T));
          for (std::int64_t i = c1; i < wo; ++i) {
            const std::int64_t s = detail::pad_source(i - b, wi, p.mode);
            o[i] = s < 0 ? value : row[s];
          }
        }
        for (int d = last - 1; d >= 0; --d) {
          if (++idx[d] < p.out_dims[d]) break;
          idx[d] = 0;
        }
      }
    };
    split_elements(n / wo, ex, body, wo >= 4096 ? 1 : 4096 / wo);
  });
}

// Gather is row copies already; see ref::gather (index checking is part of its contract).
inline Status gather(const GatherParams& p, const void* data, const void* indices, DType index_dtype, void* out) noexcept {
  return ref::gather(p, data, indices, index_dtype, out);
}

// Tile: the innermost axis is copied (repeated) per output row from the matching input row.
inline void tile(const TileParams& p, const void* x, void* y, Executor* ex = nullptr) noexcept {
  std::int64_t n = 1;
  for (int d = 0; d < p.rank; ++d) n *= p.out_dims[d];
  if (n == 0) return;
  if (p.rank == 0) {
    std::memcpy(y, x, p.elem_size);
    return;
  }
  const std::size_t es = p.elem_size;
  std::int64_t in_stride[kMaxRank], acc = 1;
  for (int d = p.rank - 1; d >= 0; --d) {
    in_stride[d] = acc;
    acc *= p.in_dims[d];
  }
  const int last = p.rank - 1;
  const std::int64_t wo = p.out_dims[last], wi = p.in_dims[last];
  auto body = [&](std::int64_t r0, std::int64_t r1) {
    std::int64_t idx[kMaxRank] = {}, rem = r0;
    for (int d = last - 1; d >= 0; --d) {
      idx[d] = rem % p.out_dims[d];
      rem /= p.out_dims[d];
    }
    for (std::int64_t r = r0; r < r1; ++r) {
      std::int64_t off = 0;
      for (int d = 0; d < last; ++d) off += (idx[d] % p.in_dims[d]) * in_stride[d];
      auto* o = static_cast<unsigned char*>(y) + static_cast<std::size_t>(r * wo) * es;
      const auto* src = static_cast<const unsigned char*>(x) + static_cast<std::size_t>(off) * es;
      for (std::int64_t i = 0; i < wo; i += wi) std::memcpy(o + static_cast<std::size_t>(i) * es, src, static_cast<std::size_t>(wi) * es);
      for (int d = last - 1; d >= 0; --d) {
        if (++idx[d] < p.out_dims[d]) break;
        idx[d] = 0;
      }
    }
  };
  split_elements(n / wo, ex, body, wo >= 4096 ? 1 : 4096 / wo);
}

// Expand: each output row is a memcpy (inner stride 1) or a fill (inner stride 0).
inline void expand(const ExpandParams& p, const void* x, void* y, Executor* ex = nullptr) noexcept {
  detail::with_elem_size(p.elem_size, [&](auto size) {
    using T = detail::uint_of_size_t<decltype(size)::value>;
    const T* in = static_cast<const T*>(x);
    T* out = static_cast<T*>(y);
    const BroadcastPlan<1>& pl = p.plan;
    const std::int64_t s = pl.inner_stride(0);
    split_elements(pl.numel, ex, [&](std::int64_t e0, std::int64_t e1) {
      for_each_segment(pl, e0, e1, [&](const std::int64_t* off, std::int64_t oo, std::int64_t i0, std::int64_t i1) {
        if (s == 1) std::memcpy(out + oo + i0, in + off[0] + i0, static_cast<std::size_t>(i1 - i0) * sizeof(T));
        else
          for (std::int64_t i = i0; i < i1; ++i) out[oo + i] = in[off[0]];
      });
    });
  });
}

inline Status cast(DType from, DType to, const void* x, void* y, std::int64_t n, Executor* ex = nullptr) noexcept {
  LUODI_RETURN_IF_ERROR(cast_check(from, to));
  const std::size_t fs = dtype_size(from), ts = dtype_size(to);
  if (from == to) {
    std::memcpy(y, x, static_cast<std::size_t>(n) * fs);
    return Status();
  }
  split_elements(n, ex, [&](std::int64_t e0, std::int64_t e1) {
    (void)ref::cast(from, to, static_cast<const unsigned char*>(x) + static_cast<std::size_t>(e0) * fs,
                    static_cast<unsigned char*>(y) + static_cast<std::size_t>(e0) * ts, e1 - e0);
  });
  return Status();
}

// DepthToSpace / SpaceToDepth: for each output row, the source row is one input row read with
// a stride of 1 (the inner index moves through blocks).
inline void depth_space(const DepthSpaceParams& p, const void* x, void* y, Executor* ex = nullptr) noexcept {
  detail::with_elem_size(p.elem_size, [&](auto size) {
    using T = detail::uint_of_size_t<decltype(size)::value>;
    const T* in = static_cast<const T*>(x);
    T* out = static_cast<T*>(y);
    const std::int64_t b = p.block;
    if (p.to_space) {
      const std::int64_t co = p.c / (b * b), ho = p.h * b, wo = p.w * b;
      auto body = [&](std::int64_t r0, std::int64_t r1) {
        for (std::int64_t r = r0; r < r1; ++r) {  // r = (n * co + c) * ho + oh
          const std::int64_t oh = r % ho, nc = r / ho, c = nc % co, n = nc / co;
          const std::int64_t i = oh % b, h = oh / b;
          T* o = out + r * wo;
          for (std::int64_t j = 0; j < b; ++j) {
            const std::int64_t ic = p.mode == DepthToSpaceMode::DCR ? (i * b + j) * co + c : c * b * b + i * b + j;
            const T* src = in + ((n * p.c + ic) * p.h + h) * p.w;
            for (std::int64_t w = 0; w < p.w; ++w) o[w * b + j] = src[w];
          }
        }
      };
      split_elements(p.n * co * ho, ex, body, 64);
    } else {
      const std::int64_t co = p.c * b * b, ho = p.h / b, wo = p.w / b;
      auto body = [&](std::int64_t r0, std::int64_t r1) {
        for (std::int64_t r = r0; r < r1; ++r) {  // r = (n * co + oc) * ho + oh
          const std::int64_t oh = r % ho, noc = r / ho, oc = noc % co, n = noc / co;
          const std::int64_t blk = oc / p.c, c = oc % p.c, i = blk / b, j = blk % b;
          const T* src = in + ((n * p.c + c) * p.h + oh * b + i) * p.w + j;
          T* o = out + r * wo;
          for (std::int64_t w = 0; w < wo; ++w) o[w] = src[w * b];
        }
      };
      split_elements(p.n * co * ho, ex, body, 64);
    }
  });
}

}  // namespace kernels
}  // namespace luodi
