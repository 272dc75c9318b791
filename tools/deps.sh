#!/usr/bin/env bash
# Install the Debian 12 packages luodi needs for a purpose, only those that are missing.
#   tools/deps.sh demo    build and run the demo
#   tools/deps.sh test    the whole test matrix (compilers, cross toolchains, fixtures' Python,
#                         ImageMagick and fonts for tools/gen_ocr_images.sh)
# The demo's images are committed, so the demo itself needs neither ImageMagick nor the fonts.
set -euo pipefail

purpose=${1:-test}
build=(g++ cmake ninja-build pkg-config libxsimd-dev libeigen3-dev libstb-dev)
case "$purpose" in
  demo) want=("${build[@]}") ;;
  test) want=("${build[@]}" clang libclang-rt-14-dev doctest-dev libbenchmark-dev libopencv-dev
              libonnx-testdata python3-numpy python3-onnx python3-torch python3-torchvision
              g++-aarch64-linux-gnu qemu-user gcc-arm-none-eabi libnewlib-arm-none-eabi libstdc++-arm-none-eabi-newlib qemu-system-arm
              imagemagick fonts-dejavu-core fonts-noto-cjk) ;;
  *) echo "usage: $0 demo|test" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all ${#want[@]} packages for '$purpose' are installed"
  exit 0
fi
echo "deps: installing ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "deps: done"
