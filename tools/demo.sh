#!/usr/bin/env bash
# luodi's demo on a fresh Debian 12: installs what is missing, builds, runs.
# A second run only rebuilds what changed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/deps.sh demo
cmake -S . -B build/demo -G Ninja -DCMAKE_BUILD_TYPE=Release -DLUODI_BUILD_TESTS=OFF -DLUODI_BUILD_BENCH=OFF \
  -DLUODI_BUILD_TOOLS=OFF >/dev/null
cmake --build build/demo -j "$(nproc)" --target quickstart
./build/demo/bin/quickstart
