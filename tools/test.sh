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
declare -A extra=(
  [asan]="-DLUODI_BUILD_FUZZERS=ON"
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
