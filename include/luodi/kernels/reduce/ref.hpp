// Reference reductions: each output element walks its reduced elements in row-major order and
// folds them with the op. Floats accumulate in float.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "../../core/dtype.hpp"
#include "../../core/status.hpp"
#include "../eltwise/ref.hpp"
#include "params.hpp"

namespace luodi {
namespace kernels {
namespace detail {
template <class T>
struct ReduceFold {
  static constexpr bool fp = std::is_floating_point<T>::value;
  ReduceOp op;
  T acc;
  T mx;  // running max, for log_sum_exp's second pass
  explicit ReduceFold(ReduceOp o) noexcept : op(o), acc(init(o)), mx(T(0)) {}
  static T init(ReduceOp o) noexcept {
    switch (o) {
      case ReduceOp::Max: return fp ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::lowest();
      case ReduceOp::Min: return fp ? std::numeric_limits<T>::infinity() : std::numeric_limits<T>::max();
      case ReduceOp::Prod: return T(1);
      default: return T(0);
    }
  }
  void add(T v) noexcept {
    switch (op) {
      case ReduceOp::Sum:
      case ReduceOp::Mean:
      case ReduceOp::LogSum: acc = ref::binary_scalar<BinaryOp::Add, T>(acc, v); break;
      case ReduceOp::Max: acc = ref::binary_scalar<BinaryOp::Max, T>(acc, v); break;
      case ReduceOp::Min: acc = ref::binary_scalar<BinaryOp::Min, T>(acc, v); break;
      case ReduceOp::Prod: acc = ref::binary_scalar<BinaryOp::Mul, T>(acc, v); break;
      case ReduceOp::SumSquare:
      case ReduceOp::L2: acc = ref::binary_scalar<BinaryOp::Add, T>(acc, ref::binary_scalar<BinaryOp::Mul, T>(v, v)); break;
      case ReduceOp::L1: acc = ref::binary_scalar<BinaryOp::Add, T>(acc, v < T(0) ? ref::binary_scalar<BinaryOp::Sub, T>(T(0), v) : v); break;
      case ReduceOp::LogSumExp: break;  // two passes, see reduce()
    }
  }
  T finish(std::int64_t count) const noexcept {
    switch (op) {
      case ReduceOp::Mean:
        if constexpr (fp) return acc / static_cast<T>(count);
        else return count == 0 ? T(0) : static_cast<T>(acc / static_cast<T>(count));
      case ReduceOp::L2:
        if constexpr (fp) return std::sqrt(acc);
        else return acc;
      case ReduceOp::LogSum:
        if constexpr (fp) return std::log(acc);
        else return acc;
      default: return acc;
    }
  }
};
}  // namespace detail

namespace ref {

// Outputs [o0, o1) of p.out_numel.
template <class T>
void reduce(const ReduceParams& p, const T* x, T* y, std::int64_t o0, std::int64_t o1) noexcept {
  // Collapsed strides, and the kept / reduced dims separately.
  std::int64_t stride[kMaxRank], acc = 1;
  for (int d = p.rank - 1; d >= 0; --d) {
    stride[d] = acc;
    acc *= p.dims[d];
  }
  int kd[kMaxRank], rd[kMaxRank], nk = 0, nr = 0;
  for (int d = 0; d < p.rank; ++d) (p.reduced[d] ? rd[nr++] : kd[nk++]) = d;
  for (std::int64_t o = o0; o < o1; ++o) {
    std::int64_t base = 0, rem = o;
    for (int k = nk - 1; k >= 0; --k) {
      base += (rem % p.dims[kd[k]]) * stride[kd[k]];
      rem /= p.dims[kd[k]];
    }
    auto for_each_reduced = [&](auto&& f) {
      std::int64_t idx[kMaxRank] = {}, off = base;
      for (std::int64_t i = 0; i < p.reduce_count; ++i) {
        f(x[off]);
        for (int k = nr - 1; k >= 0; --k) {
          off += stride[rd[k]];
          if (++idx[k] < p.dims[rd[k]]) break;
          off -= idx[k] * stride[rd[k]];
          idx[k] = 0;
        }
      }
    };
    detail::ReduceFold<T> fold(p.op);
    if constexpr (std::is_floating_point<T>::value) {
      if (p.op == ReduceOp::LogSumExp) {
        // max + log(sum(exp(x - max))); a max of +-inf or NaN is returned as is (log of the sum
        // would be NaN for inf - inf)
        T m = -std::numeric_limits<T>::infinity();
        for_each_reduced([&](T v) { m = ref::binary_scalar<BinaryOp::Max, T>(m, v); });
        if (std::isinf(m) || m != m) {
          y[o] = m;
          continue;
        }
        T s = 0;
        for_each_reduced([&](T v) { s += std::exp(v - m); });
        y[o] = m + std::log(s);
        continue;
      }
    }
    for_each_reduced([&](T v) { fold.add(v); });
    y[o] = fold.finish(p.reduce_count);
  }
}

template <class T>
void reduce(const ReduceParams& p, const T* x, T* y) noexcept {
  reduce<T>(p, x, y, 0, p.out_numel);
}

// Any dtype reduce_check_dtype accepts.
inline Status reduce_any(const ReduceParams& p, DType dtype, const void* x, void* y) noexcept {
  LUODI_RETURN_IF_ERROR(reduce_check_dtype(p.op, dtype));
  switch (dtype) {
    case DType::f32: reduce<float>(p, static_cast<const float*>(x), static_cast<float*>(y)); break;
    case DType::i32: reduce<std::int32_t>(p, static_cast<const std::int32_t*>(x), static_cast<std::int32_t*>(y)); break;
    case DType::i64: reduce<std::int64_t>(p, static_cast<const std::int64_t*>(x), static_cast<std::int64_t*>(y)); break;
    default: break;
  }
  return Status();
}

// ArgMax / ArgMin: the first (or, with select_last_index, the last) position of the extreme
// value. NaN is not treated specially (comparisons with it are false).
template <class T>
void arg_reduce(const ArgReduceParams& p, const T* x, std::int64_t* y) noexcept {
  for (std::int64_t o = 0; o < p.outer; ++o)
    for (std::int64_t i = 0; i < p.inner; ++i) {
      const T* line = x + o * p.n * p.inner + i;
      T best = line[0];
      std::int64_t at = 0;
      for (std::int64_t k = 1; k < p.n; ++k) {
        const T v = line[k * p.inner];
        const bool better = p.is_max ? (p.select_last_index ? v >= best : v > best) : (p.select_last_index ? v <= best : v < best);
        if (better) {
          best = v;
          at = k;
        }
      }
      y[o * p.inner + i] = at;
    }
}

inline Status arg_reduce_any(const ArgReduceParams& p, DType dtype, const void* x, std::int64_t* y) noexcept {
  switch (dtype) {
    case DType::f32: arg_reduce<float>(p, static_cast<const float*>(x), y); return Status();
    case DType::i32: arg_reduce<std::int32_t>(p, static_cast<const std::int32_t*>(x), y); return Status();
    case DType::i64: arg_reduce<std::int64_t>(p, static_cast<const std::int64_t*>(x), y); return Status();
    case DType::u8: arg_reduce<std::uint8_t>(p, static_cast<const std::uint8_t*>(x), y); return Status();
    case DType::i8: arg_reduce<std::int8_t>(p, static_cast<const std::int8_t*>(x), y); return Status();
    default: break;
  }
  return Status::error(StatusCode::Unsupported, "argmax/argmin: dtype %s is not supported", dtype_name(dtype));
}

}  // namespace ref
}  // namespace kernels
}  // namespace luodi
