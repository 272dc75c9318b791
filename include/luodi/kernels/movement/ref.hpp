// Reference data movement: one element at a time, by element size, written to be obviously
// correct. movement.hpp has the fast paths (blocked transposes, row copies) and is tested
// against these.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

#include "../../core/dtype.hpp"
#include "../../core/status.hpp"
#include "params.hpp"

namespace luodi {
namespace kernels {

namespace detail {
template <std::size_t S>
struct uint_of_size;
template <> struct uint_of_size<1> { using type = std::uint8_t; };
template <> struct uint_of_size<2> { using type = std::uint16_t; };
template <> struct uint_of_size<4> { using type = std::uint32_t; };
template <> struct uint_of_size<8> { using type = std::uint64_t; };
template <std::size_t S>
using uint_of_size_t = typename uint_of_size<S>::type;

// Calls f.template operator()<S>() with the element size as a constant.
template <class F>
LUODI_ALWAYS_INLINE void with_elem_size(std::size_t s, F&& f) noexcept {
  switch (s) {
    case 1: f(std::integral_constant<std::size_t, 1>()); break;
    case 2: f(std::integral_constant<std::size_t, 2>()); break;
    case 4: f(std::integral_constant<std::size_t, 4>()); break;
    case 8: f(std::integral_constant<std::size_t, 8>()); break;
    default: LUODI_ASSERT(false && "element size must be 1, 2, 4 or 8");
  }
}

// The source index of a padded coordinate `o` (in output coordinates minus the begin pad) for
// an axis of `n` elements, or -1 for "the constant".
inline std::int64_t pad_source(std::int64_t i, std::int64_t n, PadMode mode) noexcept {
  if (i >= 0 && i < n) return i;
  switch (mode) {
    case PadMode::Constant: return -1;
    case PadMode::Edge: return i < 0 ? 0 : n - 1;
    case PadMode::Wrap: {
      const std::int64_t m = i % n;
      return m < 0 ? m + n : m;
    }
    case PadMode::Reflect: {
      if (n == 1) return 0;
      const std::int64_t period = 2 * (n - 1);
      std::int64_t m = i % period;
      if (m < 0) m += period;
      return m < n ? m : period - m;
    }
  }
  return -1;
}
}  // namespace detail

namespace ref {

inline void transpose(const TransposeParams& p, const void* x, void* y) noexcept {
  detail::with_elem_size(p.elem_size, [&](auto size) {
    using T = detail::uint_of_size_t<decltype(size)::value>;
    const T* in = static_cast<const T*>(x);
    T* out = static_cast<T*>(y);
    std::int64_t in_stride[kMaxRank], ostr[kMaxRank], odim[kMaxRank], idx[kMaxRank] = {};
    std::int64_t acc = 1;
    for (int d = p.rank - 1; d >= 0; --d) {
      in_stride[d] = acc;
      acc *= p.in_dims[d];
    }
    for (int i = 0; i < p.rank; ++i) {
      odim[i] = p.in_dims[p.perm[i]];
      ostr[i] = in_stride[p.perm[i]];
    }
    std::int64_t off = 0;
    for (std::int64_t o = 0; o < p.numel; ++o) {
      out[o] = in[off];
      for (int d = p.rank - 1; d >= 0; --d) {
        off += ostr[d];
        if (++idx[d] < odim[d]) break;
        off -= idx[d] * ostr[d];
        idx[d] = 0;
      }
    }
  });
}

// Each input k contributes axis_dims[k] slices of `inner` elements per outer index.
inline void concat(const ConcatParams& p, const void* const* inputs, const std::int64_t* axis_dims, int n, void* out) noexcept {
  const std::size_t es = p.elem_size;
  auto* o = static_cast<unsigned char*>(out);
  for (std::int64_t r = 0; r < p.outer; ++r) {
    std::int64_t at = 0;
    for (int k = 0; k < n; ++k) {
      const std::int64_t run = axis_dims[k] * p.inner;
      if (run == 0) continue;  // an empty part: its data pointer may be null
      const auto* src = static_cast<const unsigned char*>(inputs[k]) + static_cast<std::size_t>(r * run) * es;
      std::memcpy(o + static_cast<std::size_t>(r * p.out_axis * p.inner + at) * es, src, static_cast<std::size_t>(run) * es);
      at += run;
    }
  }
}

inline void split(const SplitParams& p, const void* x, const std::int64_t* sizes, int n, void* const* outputs) noexcept {
  const std::size_t es = p.elem_size;
  const auto* in = static_cast<const unsigned char*>(x);
  for (std::int64_t r = 0; r < p.outer; ++r) {
    std::int64_t at = 0;
    for (int k = 0; k < n; ++k) {
      const std::int64_t run = sizes[k] * p.inner;
      if (run == 0) continue;  // an empty part: its data pointer may be null
      std::memcpy(static_cast<unsigned char*>(outputs[k]) + static_cast<std::size_t>(r * run) * es,
                  in + static_cast<std::size_t>(r * p.in_axis * p.inner + at) * es, static_cast<std::size_t>(run) * es);
      at += run;
    }
  }
}

inline void slice(const SliceParams& p, const void* x, void* y) noexcept {
  detail::with_elem_size(p.elem_size, [&](auto size) {
    using T = detail::uint_of_size_t<decltype(size)::value>;
    const T* in = static_cast<const T*>(x);
    T* out = static_cast<T*>(y);
    std::int64_t n = 1, in_stride[kMaxRank], idx[kMaxRank] = {};
    std::int64_t acc = 1;
    for (int d = p.rank - 1; d >= 0; --d) {
      in_stride[d] = acc;
      acc *= p.in_dims[d];
      n *= p.out_dims[d];
    }
    for (std::int64_t o = 0; o < n; ++o) {
      std::int64_t off = 0;
      for (int d = 0; d < p.rank; ++d) off += (p.start[d] + idx[d] * p.step[d]) * in_stride[d];
      out[o] = in[off];
      for (int d = p.rank - 1; d >= 0; --d) {
        if (++idx[d] < p.out_dims[d]) break;
        idx[d] = 0;
      }
    }
  });
}

inline void pad(const PadParams& p, const void* x, void* y) noexcept {
  detail::with_elem_size(p.elem_size, [&](auto size) {
    using T = detail::uint_of_size_t<decltype(size)::value>;
    const T* in = static_cast<const T*>(x);
    T* out = static_cast<T*>(y);
    T value;
    std::memcpy(&value, p.value, sizeof(T));
    std::int64_t n = 1, in_stride[kMaxRank], idx[kMaxRank] = {};
    std::int64_t acc = 1;
    for (int d = p.rank - 1; d >= 0; --d) {
      in_stride[d] = acc;
      acc *= p.in_dims[d];
      n *= p.out_dims[d];
    }
    for (std::int64_t o = 0; o < n; ++o) {
      std::int64_t off = 0;
      bool constant = false;
      for (int d = 0; d < p.rank; ++d) {
        const std::int64_t s = detail::pad_source(idx[d] - p.begin[d], p.in_dims[d], p.mode);
        if (s < 0) constant = true;
        off += s * in_stride[d];
      }
      out[o] = constant ? value : in[off];
      for (int d = p.rank - 1; d >= 0; --d) {
        if (++idx[d] < p.out_dims[d]) break;
        idx[d] = 0;
      }
    }
  });
}

// Indices are i32 or i64, negative ones count from the back. An index outside
// [-axis_dim, axis_dim) is data, not a programming error: it gets OutOfRange (naming the index
// and its position) and nothing is written.
inline Status gather(const GatherParams& p, const void* data, const void* indices, DType index_dtype, void* out) noexcept {
  if (index_dtype != DType::i32 && index_dtype != DType::i64)
    return Status::error(StatusCode::Unsupported, "gather: indices of dtype %s (need i32 or i64)", dtype_name(index_dtype));
  auto index_at = [&](std::int64_t k) -> std::int64_t {
    return index_dtype == DType::i64 ? static_cast<const std::int64_t*>(indices)[k]
                                     : static_cast<const std::int32_t*>(indices)[k];
  };
  for (std::int64_t k = 0; k < p.n_indices; ++k) {
    const std::int64_t i = index_at(k);
    if (i < -p.axis_dim || i >= p.axis_dim)
      return Status::error(StatusCode::OutOfRange, "gather: index %lld (position %lld) is outside [-%lld, %lld)",
                           static_cast<long long>(i), static_cast<long long>(k), static_cast<long long>(p.axis_dim),
                           static_cast<long long>(p.axis_dim));
  }
  const std::size_t row = static_cast<std::size_t>(p.inner) * p.elem_size;
  const auto* src = static_cast<const unsigned char*>(data);
  auto* dst = static_cast<unsigned char*>(out);
  for (std::int64_t o = 0; o < p.outer; ++o)
    for (std::int64_t k = 0; k < p.n_indices; ++k) {
      std::int64_t i = index_at(k);
      if (i < 0) i += p.axis_dim;
      std::memcpy(dst + static_cast<std::size_t>(o * p.n_indices + k) * row,
                  src + static_cast<std::size_t>(o * p.axis_dim + i) * row, row);
    }
  return Status();
}

inline void tile(const TileParams& p, const void* x, void* y) noexcept {
  detail::with_elem_size(p.elem_size, [&](auto size) {
    using T = detail::uint_of_size_t<decltype(size)::value>;
    const T* in = static_cast<const T*>(x);
    T* out = static_cast<T*>(y);
    std::int64_t n = 1, in_stride[kMaxRank], idx[kMaxRank] = {};
    std::int64_t acc = 1;
    for (int d = p.rank - 1; d >= 0; --d) {
      in_stride[d] = acc;
      acc *= p.in_dims[d];
      n *= p.out_dims[d];
    }
    for (std::int64_t o = 0; o < n; ++o) {
      std::int64_t off = 0;
      for (int d = 0; d < p.rank; ++d) off += (idx[d] % p.in_dims[d]) * in_stride[d];
      out[o] = in[off];
      for (int d = p.rank - 1; d >= 0; --d) {
        if (++idx[d] < p.out_dims[d]) break;
        idx[d] = 0;
      }
    }
  });
}

inline void expand(const ExpandParams& p, const void* x, void* y) noexcept {
  detail::with_elem_size(p.elem_size, [&](auto size) {
    using T = detail::uint_of_size_t<decltype(size)::value>;
    const T* in = static_cast<const T*>(x);
    T* out = static_cast<T*>(y);
    const BroadcastPlan<1>& pl = p.plan;
    const std::int64_t n = pl.inner(), s = pl.inner_stride(0);
    BroadcastCursor<1> c;
    c.seek(pl, 0);
    for (std::int64_t r = 0; r < pl.rows(); ++r, c.next(pl))
      for (std::int64_t i = 0; i < n; ++i) out[r * n + i] = in[c.off[0] + i * s];
  });
}

inline void depth_space(const DepthSpaceParams& p, const void* x, void* y) noexcept {
  detail::with_elem_size(p.elem_size, [&](auto size) {
    using T = detail::uint_of_size_t<decltype(size)::value>;
    const T* in = static_cast<const T*>(x);
    T* out = static_cast<T*>(y);
    const std::int64_t b = p.block;
    if (p.to_space) {
      const std::int64_t co = p.c / (b * b), ho = p.h * b, wo = p.w * b;
      for (std::int64_t n = 0; n < p.n; ++n)
        for (std::int64_t c = 0; c < co; ++c)
          for (std::int64_t oh = 0; oh < ho; ++oh)
            for (std::int64_t ow = 0; ow < wo; ++ow) {
              const std::int64_t i = oh % b, j = ow % b, h = oh / b, w = ow / b;
              const std::int64_t ic = p.mode == DepthToSpaceMode::DCR ? (i * b + j) * co + c : c * b * b + i * b + j;
              out[((n * co + c) * ho + oh) * wo + ow] = in[((n * p.c + ic) * p.h + h) * p.w + w];
            }
    } else {
      const std::int64_t co = p.c * b * b, ho = p.h / b, wo = p.w / b;
      for (std::int64_t n = 0; n < p.n; ++n)
        for (std::int64_t oc = 0; oc < co; ++oc)
          for (std::int64_t oh = 0; oh < ho; ++oh)
            for (std::int64_t ow = 0; ow < wo; ++ow) {
              const std::int64_t blk = oc / p.c, c = oc % p.c, i = blk / b, j = blk % b;
              out[((n * co + oc) * ho + oh) * wo + ow] = in[((n * p.c + c) * p.h + oh * b + i) * p.w + ow * b + j];
            }
    }
  });
}

}  // namespace ref

// ---- Cast ---------------------------------------------------------------------------------------
namespace detail {
template <class T>
LUODI_ALWAYS_INLINE float cast_to_float(T v) noexcept {
  if constexpr (std::is_same<T, half>::value) return half_to_float(v.bits);
  else return static_cast<float>(v);
}
// float -> integer: NaN -> 0, truncation toward zero, saturation.
template <class I>
LUODI_ALWAYS_INLINE I saturate_float(float f) noexcept {
  if (f != f) return 0;
  // The bounds as floats: lo is exact (a power of two or 0); values at or above hi_excl
  // (2^(digits)) saturate.
  constexpr float lo = static_cast<float>(std::numeric_limits<I>::min());
  constexpr float hi_excl = static_cast<float>(std::numeric_limits<I>::max()) + 1.0f;  // exact power of two
  if (f <= lo) return std::numeric_limits<I>::min();
  if (f >= hi_excl) return std::numeric_limits<I>::max();
  return static_cast<I>(f);  // in range after truncation
}
template <class From, class To>
LUODI_ALWAYS_INLINE To cast_one(From v) noexcept {
  constexpr bool from_float = std::is_same<From, float>::value || std::is_same<From, half>::value;
  if constexpr (std::is_same<To, bool>::value) {
    if constexpr (from_float) return cast_to_float(v) != 0.0f;
    else return v != 0;
  } else if constexpr (std::is_same<To, half>::value) {
    if constexpr (std::is_same<From, half>::value) return v;
    else return half{float_to_half(static_cast<float>(v))};
  } else if constexpr (std::is_same<To, float>::value) {
    return cast_to_float(v);
  } else {  // integer target
    if constexpr (from_float) return saturate_float<To>(cast_to_float(v));
    else return static_cast<To>(v);  // integer and bool sources: wraps (two's complement)
  }
}
template <class From, class To>
void cast_typed(const void* x, void* y, std::int64_t n) noexcept {
  const From* in = static_cast<const From*>(x);
  To* out = static_cast<To*>(y);
  for (std::int64_t i = 0; i < n; ++i) out[i] = cast_one<From, To>(in[i]);
}
template <class From>
void cast_from(DType to, const void* x, void* y, std::int64_t n) noexcept {
  switch (to) {
    case DType::f32: return cast_typed<From, float>(x, y, n);
    case DType::f16: return cast_typed<From, half>(x, y, n);
    case DType::i8: return cast_typed<From, std::int8_t>(x, y, n);
    case DType::u8: return cast_typed<From, std::uint8_t>(x, y, n);
    case DType::i32: return cast_typed<From, std::int32_t>(x, y, n);
    case DType::i64: return cast_typed<From, std::int64_t>(x, y, n);
    case DType::boolean: return cast_typed<From, bool>(x, y, n);
  }
}
}  // namespace detail

namespace ref {
// n elements of dtype `from` at x to dtype `to` at y (semantics in params.hpp).
inline Status cast(DType from, DType to, const void* x, void* y, std::int64_t n) noexcept {
  LUODI_RETURN_IF_ERROR(cast_check(from, to));
  switch (from) {
    case DType::f32: detail::cast_from<float>(to, x, y, n); break;
    case DType::f16: detail::cast_from<half>(to, x, y, n); break;
    case DType::i8: detail::cast_from<std::int8_t>(to, x, y, n); break;
    case DType::u8: detail::cast_from<std::uint8_t>(to, x, y, n); break;
    case DType::i32: detail::cast_from<std::int32_t>(to, x, y, n); break;
    case DType::i64: detail::cast_from<std::int64_t>(to, x, y, n); break;
    case DType::boolean: detail::cast_from<bool>(to, x, y, n); break;
  }
  return Status();
}
}  // namespace ref

}  // namespace kernels
}  // namespace luodi
