// Shape helpers shared by the kernel families: axis normalisation, axis sets, and the element
// count checks every shape helper needs.
//
// Every helper returns a Status naming what was wrong (the axis, the rank, the shapes), because
// the runtime calls them during shape inference on shapes read from untrusted model files.
#pragma once

#include <cstdint>

#include "../../core/shape.hpp"
#include "../../core/status.hpp"

namespace luodi {
namespace kernels {

// ONNX axes are in [-rank, rank); negative ones count from the back.
inline Result<int> normalize_axis(std::int64_t axis, int rank, const char* what = "axis") noexcept {
  if (axis < -static_cast<std::int64_t>(rank) || axis >= rank)
    return Status::error(StatusCode::OutOfRange, "%s %lld is outside [-%d, %d) for a rank-%d tensor", what,
                         static_cast<long long>(axis), rank, rank, rank);
  return static_cast<int>(axis < 0 ? axis + rank : axis);
}

// A set of axes as a bit mask, with duplicates rejected (ONNX leaves repeated axes undefined;
// luodi refuses them so that a malformed model gets a clear error).
struct AxisSet {
  std::uint32_t mask = 0;
  bool has(int axis) const noexcept { return (mask >> axis) & 1u; }
  int count() const noexcept {
    int n = 0;
    for (std::uint32_t m = mask; m; m &= m - 1) ++n;
    return n;
  }
};

inline Result<AxisSet> make_axis_set(const std::int64_t* axes, int count, int rank, const char* what = "axes") noexcept {
  if (count < 0 || count > kMaxRank)
    return Status::error(StatusCode::OutOfRange, "%s: %d entries; at most %d are allowed", what, count, kMaxRank);
  AxisSet s;
  for (int i = 0; i < count; ++i) {
    Result<int> a = normalize_axis(axes[i], rank, what);
    if (!a.ok()) return a.status();
    if (s.has(*a))
      return Status::error(StatusCode::InvalidArgument, "%s: axis %lld appears twice (rank %d)", what,
                           static_cast<long long>(axes[i]), rank);
    s.mask |= 1u << *a;
  }
  return s;
}

// The element count of a static shape, or a Status (unknown dims, overflow).
inline Status checked_numel(const Shape& s, const char* what, std::int64_t* out) noexcept {
  if (!s.checked_numel(out))
    return Status::error(s.is_static() ? StatusCode::Overflow : StatusCode::InvalidArgument,
                         s.is_static() ? "%s: element count of shape %s overflows" : "%s: shape %s has unknown dims", what,
                         s.str().c_str());
  return Status();
}

inline Status require_static(const Shape& s, const char* what) noexcept {
  std::int64_t n;
  return checked_numel(s, what, &n);
}

inline Status require_rank(const Shape& s, int rank, const char* what) noexcept {
  if (s.rank() != rank)
    return Status::error(StatusCode::ShapeMismatch, "%s has shape %s (rank %d); rank %d is required", what,
                         s.str().c_str(), s.rank(), rank);
  return Status();
}

}  // namespace kernels
}  // namespace luodi
