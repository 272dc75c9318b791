// GEMM / MatMul parameters (ONNX Gemm and MatMul semantics), validation and shape helpers.
//
//   C[b] = act(alpha * op(A[b]) * op(B[b]) + beta * bias + residual[b])
//
// op(A) is M x K (A is stored K x M when trans_a), op(B) is K x N (B stored N x K when trans_b).
// All matrices are dense row-major. Batches follow NumPy broadcasting: the batch index is split
// over batch_dims, and each operand's offset is sum(index_d * stride_d) with stride 0 where that
// operand is broadcast. C and the residual are dense [batch][M][N]. The bias is not batched
// (ONNX Gemm has no batch; MatMul has no bias).
#pragma once

#include <cstdint>

#include "../../core/shape.hpp"
#include "../../core/status.hpp"
#include "../activation/params.hpp"

namespace luodi {
namespace kernels {

// How the bias broadcasts to M x N (ONNX Gemm's unidirectional broadcast of C).
enum class GemmBias : std::uint8_t {
  None = 0,
  Scalar = 1,  // one value
  Row = 2,     // one per row of C (length M; ONNX C of shape [M, 1])
  Col = 3,     // one per column of C (length N; ONNX C of shape [N] or [1, N])
  Full = 4,    // M x N
};

inline constexpr int kGemmMaxBatchRank = 6;

struct GemmParams {
  std::int64_t M = 0, N = 0, K = 0;
  bool trans_a = false, trans_b = false;
  float alpha = 1.0f, beta = 1.0f;
  GemmBias bias = GemmBias::None;
  bool has_residual = false;
  ActivationKind activation = ActivationKind::Identity;
  ActivationParams act_params{};
  int batch_rank = 0;  // 0: a single product
  std::int64_t batch_dims[kGemmMaxBatchRank] = {};
  std::int64_t a_batch_strides[kGemmMaxBatchRank] = {};  // in elements; 0 = broadcast
  std::int64_t b_batch_strides[kGemmMaxBatchRank] = {};
};

inline std::int64_t gemm_batch_count(const GemmParams& p) noexcept {
  std::int64_t n = 1;
  for (int d = 0; d < p.batch_rank; ++d) n *= p.batch_dims[d];
  return n;
}
// Offsets of A and B for batch index `b` (row-major over batch_dims).
inline void gemm_batch_offsets(const GemmParams& p, std::int64_t b, std::int64_t* a_off, std::int64_t* b_off) noexcept {
  std::int64_t oa = 0, ob = 0;
  for (int d = p.batch_rank - 1; d >= 0; --d) {
    const std::int64_t i = b % p.batch_dims[d];
    b /= p.batch_dims[d];
    oa += i * p.a_batch_strides[d];
    ob += i * p.b_batch_strides[d];
  }
  *a_off = oa;
  *b_off = ob;
}
inline std::int64_t gemm_bias_count(const GemmParams& p) noexcept {
  switch (p.bias) {
    case GemmBias::None: return 0;
    case GemmBias::Scalar: return 1;
    case GemmBias::Row: return p.M;
    case GemmBias::Col: return p.N;
    case GemmBias::Full: return p.M * p.N;
  }
  return 0;
}

inline Status validate(const GemmParams& p) noexcept {
  if (p.M < 1) return Status::error(StatusCode::InvalidArgument, "GemmParams.M is %lld; must be >= 1", static_cast<long long>(p.M));
  if (p.N < 1) return Status::error(StatusCode::InvalidArgument, "GemmParams.N is %lld; must be >= 1", static_cast<long long>(p.N));
  if (p.K < 1) return Status::error(StatusCode::InvalidArgument, "GemmParams.K is %lld; must be >= 1", static_cast<long long>(p.K));
  std::int64_t t = 0;
  if (!::luodi::detail::checked_mul(p.M, p.K, &t) || !::luodi::detail::checked_mul(p.K, p.N, &t) || !::luodi::detail::checked_mul(p.M, p.N, &t))
    return Status::error(StatusCode::Overflow, "GemmParams M=%lld N=%lld K=%lld: a matrix has too many elements",
                         static_cast<long long>(p.M), static_cast<long long>(p.N), static_cast<long long>(p.K));
  if (static_cast<int>(p.activation) >= kActivationCount)
    return Status::error(StatusCode::InvalidArgument, "GemmParams.activation is %d; not an ActivationKind",
                         static_cast<int>(p.activation));
  if (static_cast<int>(p.bias) > static_cast<int>(GemmBias::Full))
    return Status::error(StatusCode::InvalidArgument, "GemmParams.bias is %d; not a GemmBias", static_cast<int>(p.bias));
  if (p.batch_rank < 0 || p.batch_rank > kGemmMaxBatchRank)
    return Status::error(StatusCode::OutOfRange, "GemmParams.batch_rank is %d; must be in 0..%d", p.batch_rank,
                         kGemmMaxBatchRank);
  std::int64_t batches = 1;
  for (int d = 0; d < p.batch_rank; ++d) {
    if (p.batch_dims[d] < 1)
      return Status::error(StatusCode::InvalidArgument, "GemmParams.batch_dims[%d] is %lld; must be >= 1", d,
                           static_cast<long long>(p.batch_dims[d]));
    if (p.a_batch_strides[d] < 0 || p.b_batch_strides[d] < 0)
      return Status::error(StatusCode::InvalidArgument, "GemmParams.%s_batch_strides[%d] is negative",
                           p.a_batch_strides[d] < 0 ? "a" : "b", d);
    if (!::luodi::detail::checked_mul(batches, p.batch_dims[d], &batches))
      return Status(StatusCode::Overflow, "GemmParams.batch_dims: the batch count overflows");
  }
  if (!::luodi::detail::checked_mul(batches, p.M * p.N, &t))
    return Status(StatusCode::Overflow, "GemmParams: batch * M * N overflows");
  return Status();
}

// Fill a GemmParams for ONNX MatMul of shapes a and b (NumPy matmul semantics: a 1-D operand is
// promoted by a 1 dimension that is removed from the result; batch dims broadcast). The output
// shape goes to *out_shape. Bias, residual and activation stay off.
inline Status matmul_params(const Shape& a, const Shape& b, GemmParams* out, Shape* out_shape) noexcept {
  if (a.rank() < 1) return Status(StatusCode::ShapeMismatch, "MatMul: A must have rank >= 1");
  if (b.rank() < 1) return Status(StatusCode::ShapeMismatch, "MatMul: B must have rank >= 1");
  for (int i = 0; i < a.rank(); ++i)
    if (a[i] < 1) return Status::error(StatusCode::ShapeMismatch, "MatMul: A dim %d is %lld; must be >= 1", i, static_cast<long long>(a[i]));
  for (int i = 0; i < b.rank(); ++i)
    if (b[i] < 1) return Status::error(StatusCode::ShapeMismatch, "MatMul: B dim %d is %lld; must be >= 1", i, static_cast<long long>(b[i]));
  GemmParams p;
  const bool a1 = a.rank() == 1, b1 = b.rank() == 1;
  p.M = a1 ? 1 : a.dim(-2);
  p.K = a.dim(-1);
  const std::int64_t kb = b1 ? b[0] : b.dim(-2);
  p.N = b1 ? 1 : b.dim(-1);
  if (kb != p.K)
    return Status::error(StatusCode::ShapeMismatch, "MatMul: A has K=%lld but B has K=%lld", static_cast<long long>(p.K),
                         static_cast<long long>(kb));
  const int ra = a1 ? 0 : a.rank() - 2, rb = b1 ? 0 : b.rank() - 2;
  const int r = ra > rb ? ra : rb;
  if (r > kGemmMaxBatchRank)
    return Status::error(StatusCode::Unsupported, "MatMul: %d batch dims; at most %d are supported", r, kGemmMaxBatchRank);
  p.batch_rank = r;
  std::int64_t sa = p.M * p.K, sb = p.K * p.N;  // running strides, innermost batch dim first
  for (int d = r - 1; d >= 0; --d) {
    const int ia = d - (r - ra), ib = d - (r - rb);
    const std::int64_t da = ia >= 0 ? a[ia] : 1, db = ib >= 0 ? b[ib] : 1;
    if (da != db && da != 1 && db != 1)
      return Status::error(StatusCode::ShapeMismatch, "MatMul: batch dims %lld and %lld do not broadcast",
                           static_cast<long long>(da), static_cast<long long>(db));
    p.batch_dims[d] = da > db ? da : db;
    p.a_batch_strides[d] = da == 1 ? 0 : sa;
    p.b_batch_strides[d] = db == 1 ? 0 : sb;
    sa *= da;
    sb *= db;
  }
  LUODI_RETURN_IF_ERROR(validate(p));
  std::int64_t dims[kMaxRank];
  int n = 0;
  for (int d = 0; d < r; ++d) dims[n++] = p.batch_dims[d];
  if (!a1) dims[n++] = p.M;
  if (!b1) dims[n++] = p.N;
  *out_shape = Shape(dims, n);
  *out = p;
  return Status();
}

}  // namespace kernels
}  // namespace luodi
