// The FP32 FMA peak of one core, measured at bench start-up so every GFLOP/s figure can be given
// as a fraction of it in the same run: 12 independent FMA chains in registers (two FMA pipes with
// 4 cycles of latency need at least 8), 256-bit on x86-64 with AVX2+FMA. Timed in thread CPU
// time, as Google Benchmark's rate counters are, so that time slices lost to other processes on
// a shared machine count against neither; best of several runs.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <ctime>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
__attribute__((target("avx2,fma"), noinline)) inline double luodi_bench_fma_peak_avx2() {
  __m256 a[12];
  for (int i = 0; i < 12; ++i) a[i] = _mm256_set1_ps(1.0f + 0.001f * static_cast<float>(i));
  const __m256 m = _mm256_set1_ps(0.9999999f), c = _mm256_set1_ps(1e-7f);
  const long iters = 20000000;
  timespec t0, t1;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
  for (long it = 0; it < iters; ++it) {
    for (int i = 0; i < 12; ++i) a[i] = _mm256_fmadd_ps(a[i], m, c);
    __asm__ volatile("" : "+x"(a[0]), "+x"(a[1]), "+x"(a[2]), "+x"(a[3]), "+x"(a[4]), "+x"(a[5]), "+x"(a[6]), "+x"(a[7]),
                     "+x"(a[8]), "+x"(a[9]), "+x"(a[10]), "+x"(a[11]));
  }
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
  const double s = double(t1.tv_sec - t0.tv_sec) + 1e-9 * double(t1.tv_nsec - t0.tv_nsec);
  return static_cast<double>(iters) * 12 * 8 * 2 / s / 1e9;
}
inline double luodi_bench_fma_peak() {
  if (std::getenv("LUODI_BENCH_NO_PEAK")) return 0;  // e.g. under valgrind
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) return 0;
  double best = 0;
  for (int r = 0; r < 7; ++r) {
    const double g = luodi_bench_fma_peak_avx2();
    if (g > best) best = g;
  }
  std::printf("measured FP32 FMA peak of one core: %.1f GFLOP/s (avx2 fma, best of 7, thread CPU time)\n", best);
  return best;
}
#else
inline double luodi_bench_fma_peak() {
  std::printf("FMA peak: not measured on this architecture\n");
  return 0;
}
#endif
