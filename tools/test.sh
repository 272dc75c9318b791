#!/usr/bin/env bash
# luodi's whole test suite on a fresh Debian 12: installs what is missing, then builds and tests
# every variant of the matrix. Each variant builds only what it needs.
#
#   bash tools/test.sh                      # everything
#   LUODI_VARIANTS="release asan" bash tools/test.sh
#
# variant    compiler / flags                         builds                       runs (CTest labels)
# release    g++, runtime dispatch, -Werror           everything                   unit build headers consumer
#                                                                                  conformance models demo
# clang      clang 14, -Werror                        what asan does not: tools,   unit build
#                                                     examples, demo/model tests
# scalar     no xsimd, no Eigen (reference kernels)   unit kernels runtime         unit conformance
#                                                     conformance
# asan       clang, ASan + UBSan, libFuzzer targets;  unit kernels image runtime   unit fuzz
#            kernels for the ISAs this CPU runs       onnx fuzz
# aarch64    g++-aarch64-linux-gnu, NEON, qemu-user,  unit kernels image runtime   unit
#            -fno-exceptions -fno-rtti                onnx tools (its unit tests)
# cortex-m4  arm-none-eabi, bare metal, reference      the embedded programs, for   embedded
#            kernels, on QEMU's mps2-an386 board       the board (+ a host
#                                                      luodi-convert)
# noexcept   -fno-exceptions -fno-rtti on x86-64      unit runtime tools examples  unit
#            (not in the default list; see below)
# clang and asan together put every library file through clang with -Werror.
#
# The library's exception-dependent code (config.hpp, core/status.hpp, core/thread_pool.hpp,
# runtime/session.hpp) is not architecture-specific, so the no-exceptions build is the AArch64
# one, which is also how an embedded Linux product on a NEON core builds. What only the noexcept
# variant builds without exceptions: the command-line tools and the examples other than
# examples/embedded (which is built without exceptions or RTTI in every variant that builds
# examples). They are host programs; `LUODI_VARIANTS=noexcept bash tools/test.sh` still builds
# and tests them that way.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/deps.sh test

variants=${LUODI_VARIANTS:-"release clang scalar asan aarch64 cortex-m4"}
jobs=$(nproc)
declare -A labels=(
  [release]="unit|build|headers|consumer|conformance|models|demo"
  [clang]="unit|build"
  [scalar]="unit|conformance"
  [noexcept]="unit"
  [asan]="unit|fuzz"
  [aarch64]="unit"
  [cortex-m4]="embedded"
)
# What each variant compiles beyond the library: the test folders (LUODI_TEST_AREAS; empty =
# all), and whether the tools and examples are built (see the table above). On 2 cores every
# folder built twice costs minutes, so each variant builds what it is for.
declare -A extra=(
  [clang]="-DLUODI_TEST_AREAS=unit;conformance;examples;ocr;models"
  [scalar]="-DLUODI_TEST_AREAS=unit;kernels;runtime;conformance -DLUODI_BUILD_TOOLS=OFF -DLUODI_BUILD_EXAMPLES=OFF"
  [noexcept]="-DLUODI_TEST_AREAS=unit;runtime;tools"
  [asan]="-DLUODI_BUILD_FUZZERS=ON -DLUODI_TEST_AREAS=unit;kernels;image;runtime;onnx;fuzz -DLUODI_BUILD_TOOLS=OFF -DLUODI_BUILD_EXAMPLES=OFF"
  [aarch64]="-DLUODI_TEST_AREAS=unit;kernels;image;runtime;onnx;tools -DLUODI_BUILD_TOOLS=OFF -DLUODI_BUILD_EXAMPLES=OFF"
  [cortex-m4]="-DLUODI_HOST_CONVERT=$PWD/build/host-convert/bin/luodi-convert"
)
# The cortex-m4 variant converts the embedded example's model on the host: a luodi-convert with
# the reference kernels only (the board runs those too, and its test compares with PyTorch's
# logits, not the stored golden pair), which builds in about a minute.
host_convert() {
  cmake -S . -B build/host-convert -G Ninja -DCMAKE_BUILD_TYPE=Release -DLUODI_WITH_XSIMD=OFF \
    -DLUODI_WITH_EIGEN=OFF -DLUODI_BUILD_TESTS=OFF -DLUODI_BUILD_BENCH=OFF -DLUODI_BUILD_EXAMPLES=OFF \
    -DLUODI_INSTALL=OFF >/dev/null
  cmake --build build/host-convert -j "$jobs" --target luodi-convert
}
# ASan + UBSan run the kernels this CPU can run: a family compiled for an ISA the CPU lacks would
# only be compiled (the clang variant already puts it through clang -Werror), and the AVX-512
# Conv2D translation unit is the slowest one under ASan (about 160 s).
asan_isas="sse2"
if grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo; then asan_isas+=";avx2"; fi
if grep -qw avx512f /proc/cpuinfo; then asan_isas+=";avx512f"; fi
extra[asan]+=" -DLUODI_DISPATCH_ISAS=$asan_isas"
summary=()
for v in $variants; do
  [ -n "${labels[$v]+set}" ] || { echo "unknown variant '$v'" >&2; exit 2; }
  echo "=== $v ==="
  start=$(date +%s)
  [ "$v" = cortex-m4 ] && host_convert
  cmake --preset "$v" -DLUODI_WERROR=ON ${extra[$v]:-} >/dev/null
  cmake --build --preset "$v" -j "$jobs"
  if [ -n "${labels[$v]}" ]; then
    ctest --preset "$v" -j "$jobs" -L "${labels[$v]}" --no-tests=error
  fi
  summary+=("$(printf '%-10s passed in %4ds' "$v" $(( $(date +%s) - start )))")
done
echo "=== summary ==="
printf '%s\n' "${summary[@]}"
