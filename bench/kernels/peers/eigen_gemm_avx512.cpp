#define EIGEN_DONT_PARALLELIZE
#include <Eigen/Core>

#include "eigen_gemm.hpp"

void eigen_sgemm_avx512(int M, int N, int K, const float* A, const float* B, float* C) {
  using Mat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  // OuterStride (here equal to the dense row length) makes every Eigen template instantiated
  // in this TU differ from the avx2 TU's, which uses plain Maps and int indices.
  using S = Eigen::OuterStride<>;
  Eigen::Map<const Mat, 0, S> a(A, M, K, S(K)), b(B, K, N, S(N));
  Eigen::Map<Mat, 0, S> c(C, M, N, S(N));
  c.noalias() = a * b;
}
