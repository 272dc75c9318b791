#!/usr/bin/env bash
# luodi's whole test suite on a fresh Debian 12: installs what is missing, then builds and tests
# every variant of the matrix. Each variant builds only what it needs.
#
#   bash tools/test.sh                      # everything
#   LUODI_VARIANTS="release asan" bash tools/test.sh
#
# variant    compiler / flags                         runs (CTest labels)
# release    g++, runtime dispatch, -Werror           unit build consumer conformance models demo
# clang      clang 14                                 unit build
# scalar     no xsimd, no Eigen (reference kernels)   unit conformance
# noexcept   -fno-exceptions -fno-rtti                unit
# asan       clang, ASan + UBSan, libFuzzer targets   unit fuzz
# aarch64    g++-aarch64-linux-gnu, NEON, qemu-user   unit
# cortex-m4  arm-none-eabi, bare metal                (build only)
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/deps.sh test

variants=${LUODI_VARIANTS:-"release clang scalar noexcept asan aarch64 cortex-m4"}
jobs=$(nproc)
declare -A labels=(
  [release]="unit|build|consumer|conformance|models|demo"
  [clang]="unit|build"
  [scalar]="unit|conformance"
  [noexcept]="unit"
  [asan]="unit|fuzz"
  [aarch64]="unit"
  [cortex-m4]=""
)
# What each variant compiles beyond the library: the test folders it runs (LUODI_TEST_AREAS;
# empty = all), and whether the tools and examples are built. Only release and clang build
# everything (clang is the second compiler's warning gate); the others build what they test.
declare -A extra=(
  [scalar]="-DLUODI_TEST_AREAS=unit;kernels;image;runtime;onnx;conformance -DLUODI_BUILD_TOOLS=OFF -DLUODI_BUILD_EXAMPLES=OFF"
  [noexcept]="-DLUODI_TEST_AREAS=unit;kernels;image;runtime;onnx;tools"
  [asan]="-DLUODI_BUILD_FUZZERS=ON -DLUODI_TEST_AREAS=unit;kernels;image;runtime;onnx;tools;fuzz -DLUODI_BUILD_EXAMPLES=OFF"
  [aarch64]="-DLUODI_TEST_AREAS=unit;kernels;image;runtime -DLUODI_BUILD_TOOLS=OFF -DLUODI_BUILD_EXAMPLES=OFF"
)
summary=()
for v in $variants; do
  [ -n "${labels[$v]+set}" ] || { echo "unknown variant '$v'" >&2; exit 2; }
  echo "=== $v ==="
  start=$(date +%s)
  cmake --preset "$v" -DLUODI_WERROR=ON ${extra[$v]:-} >/dev/null
  cmake --build --preset "$v" -j "$jobs"
  if [ -n "${labels[$v]}" ]; then
    ctest --preset "$v" -j "$jobs" -L "${labels[$v]}" --no-tests=error
  fi
  summary+=("$(printf '%-10s passed in %4ds' "$v" $(( $(date +%s) - start )))")
done
echo "=== summary ==="
printf '%s\n' "${summary[@]}"
