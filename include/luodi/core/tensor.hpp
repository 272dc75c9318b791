// TensorView<T> (non-owning, strided) and Tensor<T> (owning, 64-byte aligned, contiguous).
//
// Strides are in elements, not bytes, and may be any non-negative values; a view built with
// TensorView::contiguous() has row-major strides. Kernels take raw pointers and shapes; views
// are the user-facing currency (session inputs and outputs, preprocessing targets).
//
// Layout is explicit: it says how the dims of a rank-4 image tensor are to be read. luodi's
// models take and return plain NCHW (what ONNX and PyTorch use); NHWC exists for
// preprocessing outputs and for users whose pipelines are channel-last.
#pragma once

#include <cstdint>
#include <cstring>
#include <utility>

#include "../config.hpp"
#include "dtype.hpp"
#include "memory.hpp"
#include "shape.hpp"
#include "status.hpp"

namespace luodi {

enum class Layout : std::uint8_t {
  Plain = 0,  // row-major over the shape as given, no image semantics
  NCHW = 1,
  NHWC = 2,
};

inline const char* layout_name(Layout l) noexcept {
  switch (l) {
    case Layout::Plain: return "plain";
    case Layout::NCHW: return "NCHW";
    case Layout::NHWC: return "NHWC";
  }
  return "invalid";
}

template <class T>
struct TensorView {
  T* data = nullptr;
  Shape shape;
  Strides strides;  // in elements
  Layout layout = Layout::Plain;

  TensorView() noexcept = default;
  TensorView(T* d, const Shape& s, const Strides& st, Layout l = Layout::Plain) noexcept
      : data(d), shape(s), strides(st), layout(l) {}

  // A row-major view of `shape` over `data`.
  static TensorView contiguous(T* data, const Shape& shape, Layout layout = Layout::Plain) noexcept {
    return TensorView(data, shape, contiguous_strides(shape), layout);
  }

  // TensorView<const T> from TensorView<T>.
  template <class U, class = std::enable_if_t<std::is_same<const U, T>::value && !std::is_same<U, T>::value>>
  TensorView(const TensorView<U>& o) noexcept  // NOLINT: implicit
      : data(o.data), shape(o.shape), strides(o.strides), layout(o.layout) {}

  int rank() const noexcept { return shape.rank(); }
  std::int64_t dim(int axis) const noexcept { return shape.dim(axis); }
  std::int64_t numel() const noexcept { return shape.numel(); }
  bool empty() const noexcept { return data == nullptr || numel() == 0; }

  bool is_contiguous() const noexcept {
    std::int64_t expect = 1;
    for (int i = shape.rank() - 1; i >= 0; --i) {
      if (shape[i] != 1 && strides[i] != expect) return false;
      expect *= shape[i];
    }
    return true;
  }

  // Element access by full index (checked only in debug builds).
  template <class... I>
  T& at(I... idx) const noexcept {
    static_assert(sizeof...(I) <= kMaxRank, "too many indices");
    const std::int64_t ix[] = {static_cast<std::int64_t>(idx)...};
    LUODI_DCHECK(static_cast<int>(sizeof...(I)) == shape.rank());
    std::int64_t off = 0;
    for (int i = 0; i < static_cast<int>(sizeof...(I)); ++i) {
      LUODI_DCHECK(ix[i] >= 0 && ix[i] < shape[i]);
      off += ix[i] * strides[i];
    }
    return data[off];
  }
  // Linear access for contiguous views.
  T& operator[](std::int64_t i) const noexcept { return data[i]; }

  // The same data seen with another shape of equal element count; contiguous views only.
  Result<TensorView> reshaped(const Shape& s) const noexcept {
    std::int64_t n = 0;
    if (!s.checked_numel(&n) || n != numel())
      return Status::error(StatusCode::ShapeMismatch, "cannot view %s as %s", shape.str().c_str(), s.str().c_str());
    if (!is_contiguous())
      return Status::error(StatusCode::InvalidArgument, "cannot reshape a non-contiguous view of %s", shape.str().c_str());
    return contiguous(data, s, layout);
  }
};

// An owned, contiguous, 64-byte aligned tensor. Move-only.
template <class T>
class Tensor {
 public:
  Tensor() noexcept = default;

  static Result<Tensor> create(const Shape& shape, Layout layout = Layout::Plain) noexcept {
    std::int64_t n = 0;
    if (!shape.checked_numel(&n))
      return Status::error(StatusCode::Overflow, "tensor shape %s is unknown or too large", shape.str().c_str());
    Tensor t;
    LUODI_ASSIGN_OR_RETURN(t.storage_, AlignedBuffer::create(static_cast<std::size_t>(n) * sizeof(T)));
    t.shape_ = shape;
    t.layout_ = layout;
    return t;
  }
  static Result<Tensor> zeros(const Shape& shape, Layout layout = Layout::Plain) noexcept {
    auto r = create(shape, layout);
    if (r.ok()) std::memset(r->storage_.data(), 0, r->storage_.size());
    return r;
  }

  T* data() noexcept { return reinterpret_cast<T*>(storage_.data()); }
  const T* data() const noexcept { return reinterpret_cast<const T*>(storage_.data()); }
  const Shape& shape() const noexcept { return shape_; }
  Layout layout() const noexcept { return layout_; }
  std::int64_t numel() const noexcept { return storage_.empty() ? 0 : shape_.numel(); }
  std::size_t bytes() const noexcept { return static_cast<std::size_t>(numel()) * sizeof(T); }
  T& operator[](std::int64_t i) noexcept { return data()[i]; }
  const T& operator[](std::int64_t i) const noexcept { return data()[i]; }
  T* begin() noexcept { return data(); }
  T* end() noexcept { return data() + numel(); }

  TensorView<T> view() noexcept { return TensorView<T>::contiguous(data(), shape_, layout_); }
  TensorView<const T> view() const noexcept { return TensorView<const T>::contiguous(data(), shape_, layout_); }
  operator TensorView<T>() noexcept { return view(); }              // NOLINT: implicit
  operator TensorView<const T>() const noexcept { return view(); }  // NOLINT: implicit

 private:
  AlignedBuffer storage_;
  Shape shape_;
  Layout layout_ = Layout::Plain;
};

}  // namespace luodi
