// Compile-time check of luodi's compile-time ISA mode (no runtime dispatch): built twice by the
// `native_arch` test, once with the flags -march=native gives on an AVX-512 CPU (xsimd's
// default_arch is then avx512bw) and once with AVX2 + FMA. luodi's default_arch must be the
// arch its specialised kernels are written for, or those kernels silently fall back to their
// generic code (they did under -march=native until this check existed).
#include <type_traits>

#include <luodi/simd/arch.hpp>
#include <luodi/simd/dispatch.hpp>

static_assert(std::is_same<luodi::simd::default_arch, LUODI_EXPECTED_ARCH>::value,
              "luodi::simd::default_arch is not the arch luodi's kernels specialise on");

// The planning rules measured on the avx2 kernels (gemm_plan's blocking, Conv2D's pointwise B
// packing) key on isa_runs_avx2: a compile-time AVX2 + FMA build's Isa::native must count, and an
// AVX-512 one's must not.
static_assert(luodi::isa_runs_avx2(luodi::Isa::native) ==
                  std::is_same<LUODI_EXPECTED_ARCH, xsimd::fma3<xsimd::avx2>>::value,
              "isa_runs_avx2(Isa::native) does not match the compile-time arch");
