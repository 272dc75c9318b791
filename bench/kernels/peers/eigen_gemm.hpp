// Eigen as the GEMM peer of bench_gemm, compiled in its own translation units with the ISA flags
// luodi's kernels get (eigen_gemm_avx2.cpp: -mavx2 -mfma; eigen_gemm_avx512.cpp: -mavx512f), so
// the comparison is like for like. The two TUs use different Eigen index and Map stride types so
// that their template instantiations have different names and the linker cannot mix them.
#pragma once

// C[M x N] = A[M x K] * B[K x N], all row-major, single-threaded.
void eigen_sgemm_avx2(int M, int N, int K, const float* A, const float* B, float* C);
void eigen_sgemm_avx512(int M, int N, int K, const float* A, const float* B, float* C);
