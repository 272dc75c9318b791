// Shape: up to kMaxRank int64 dimensions, stored inline (no heap).
//
// A dimension of -1 means "not known yet" (a symbolic dim in a model file, before the session
// binds real input sizes). Element counts are computed with overflow checks, because shapes come
// from untrusted files: checked_numel() refuses any product above 2^62.
#pragma once

#include <cstdint>
#include <cstdio>
#include <initializer_list>

#include "../config.hpp"
#include "status.hpp"

namespace luodi {

inline constexpr int kMaxRank = 8;
// The largest element count or byte size luodi accepts anywhere: leaves headroom so that
// count * sizeof(element) and offset + size cannot overflow int64 either.
inline constexpr std::int64_t kMaxElements = std::int64_t(1) << 52;

namespace detail {
// a * b when both are >= 0 and the product is <= kMaxElements; false otherwise.
inline bool checked_mul(std::int64_t a, std::int64_t b, std::int64_t* out) noexcept {
  if (a < 0 || b < 0) return false;
  if (a != 0 && b > kMaxElements / a) return false;
  *out = a * b;
  return true;
}
inline bool checked_add(std::int64_t a, std::int64_t b, std::int64_t* out) noexcept {
  if (a < 0 || b < 0 || a > kMaxElements - b) return false;
  *out = a + b;
  return true;
}
}  // namespace detail

// A printable form of a shape, "1x3x224x224" (or "scalar"), in a fixed buffer.
struct ShapeString {
  char text[kMaxRank * 21 + 8];
  const char* c_str() const noexcept { return text; }
};

class Shape {
 public:
  constexpr Shape() noexcept = default;  // rank 0: a scalar with one element
  Shape(std::initializer_list<std::int64_t> dims) noexcept {
    LUODI_ASSERT(dims.size() <= static_cast<std::size_t>(kMaxRank));
    for (std::int64_t d : dims) dims_[rank_++] = d;
  }
  // From a pointer and count; rank > kMaxRank is a caller bug (validate first with make()).
  Shape(const std::int64_t* dims, int rank) noexcept {
    LUODI_ASSERT(rank >= 0 && rank <= kMaxRank);
    for (int i = 0; i < rank; ++i) dims_[i] = dims[i];
    rank_ = rank;
  }
  // Checked construction from untrusted data: rank within limits, every dim >= -1.
  static Result<Shape> make(const std::int64_t* dims, int rank) noexcept {
    if (rank < 0 || rank > kMaxRank)
      return Status::error(StatusCode::OutOfRange, "rank %d is outside 0..%d", rank, kMaxRank);
    for (int i = 0; i < rank; ++i)
      if (dims[i] < -1)
        return Status::error(StatusCode::OutOfRange, "dimension %d is %lld; dims must be >= 0 (or -1 for unknown)",
                             i, static_cast<long long>(dims[i]));
    return Shape(dims, rank);
  }

  int rank() const noexcept { return rank_; }
  std::int64_t operator[](int i) const noexcept {
    LUODI_DCHECK(i >= 0 && i < rank_);
    return dims_[i];
  }
  std::int64_t& operator[](int i) noexcept {
    LUODI_DCHECK(i >= 0 && i < rank_);
    return dims_[i];
  }
  // Negative axes count from the back, as in NumPy and ONNX.
  std::int64_t dim(int axis) const noexcept { return dims_[axis < 0 ? axis + rank_ : axis]; }
  const std::int64_t* data() const noexcept { return dims_; }
  const std::int64_t* begin() const noexcept { return dims_; }
  const std::int64_t* end() const noexcept { return dims_ + rank_; }

  void push_back(std::int64_t d) noexcept {
    LUODI_ASSERT(rank_ < kMaxRank);
    dims_[rank_++] = d;
  }
  void resize(int rank, std::int64_t fill = 1) noexcept {
    LUODI_ASSERT(rank >= 0 && rank <= kMaxRank);
    for (int i = rank_; i < rank; ++i) dims_[i] = fill;
    rank_ = rank;
  }

  // True when every dim is known (>= 0).
  bool is_static() const noexcept {
    for (int i = 0; i < rank_; ++i)
      if (dims_[i] < 0) return false;
    return true;
  }

  // Element count with overflow and unknown-dim checks. False if any dim is -1 or the product
  // exceeds kMaxElements.
  bool checked_numel(std::int64_t* out) const noexcept {
    std::int64_t n = 1;
    for (int i = 0; i < rank_; ++i)
      if (!detail::checked_mul(n, dims_[i], &n)) return false;
    *out = n;
    return true;
  }
  Result<std::int64_t> numel_checked() const noexcept {
    std::int64_t n;
    if (!checked_numel(&n)) {
      return Status::error(is_static() ? StatusCode::Overflow : StatusCode::InvalidArgument,
                           is_static() ? "element count of shape %s overflows" : "shape %s has unknown dimensions",
                           str().c_str());
    }
    return n;
  }
  // Unchecked count, for shapes that were validated already.
  std::int64_t numel() const noexcept {
    std::int64_t n = 1;
    for (int i = 0; i < rank_; ++i) n *= dims_[i];
    return n;
  }

  // Product of dims in [begin, end).
  std::int64_t count(int begin, int end) const noexcept {
    std::int64_t n = 1;
    for (int i = begin; i < end; ++i) n *= dims_[i];
    return n;
  }

  ShapeString str() const noexcept {
    ShapeString s;
    if (rank_ == 0) {
      std::snprintf(s.text, sizeof s.text, "scalar");
      return s;
    }
    std::size_t pos = 0;
    for (int i = 0; i < rank_ && pos < sizeof s.text; ++i) {
      int n = dims_[i] < 0 ? std::snprintf(s.text + pos, sizeof s.text - pos, i ? "x?" : "?")
                           : std::snprintf(s.text + pos, sizeof s.text - pos, i ? "x%lld" : "%lld",
                                           static_cast<long long>(dims_[i]));
      if (n < 0) break;
      pos += static_cast<std::size_t>(n);
    }
    return s;
  }

  friend bool operator==(const Shape& a, const Shape& b) noexcept {
    if (a.rank_ != b.rank_) return false;
    for (int i = 0; i < a.rank_; ++i)
      if (a.dims_[i] != b.dims_[i]) return false;
    return true;
  }
  friend bool operator!=(const Shape& a, const Shape& b) noexcept { return !(a == b); }

 private:
  std::int64_t dims_[kMaxRank] = {0};
  int rank_ = 0;
};

// Row-major (C order) element strides for a shape.
struct Strides {
  std::int64_t s[kMaxRank] = {0};
  std::int64_t operator[](int i) const noexcept { return s[i]; }
  std::int64_t& operator[](int i) noexcept { return s[i]; }
};
inline Strides contiguous_strides(const Shape& shape) noexcept {
  Strides st;
  std::int64_t acc = 1;
  for (int i = shape.rank() - 1; i >= 0; --i) {
    st[i] = acc;
    acc *= shape[i];
  }
  return st;
}

}  // namespace luodi
