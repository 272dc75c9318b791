#define EIGEN_DEFAULT_DENSE_INDEX_TYPE int
#define EIGEN_DONT_PARALLELIZE
#include <Eigen/Core>

#include "eigen_gemm.hpp"

void eigen_sgemm_avx2(int M, int N, int K, const float* A, const float* B, float* C) {
  using Mat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  Eigen::Map<const Mat> a(A, M, K), b(B, K, N);
  Eigen::Map<Mat> c(C, M, N);
  c.noalias() = a * b;
}
