#!/usr/bin/env bash
# luodi's demo on a fresh Debian 12: PP-OCRv4 text detection, direction classification and
# recognition on the bundled images (examples/ocr/data), on luodi alone.
#
#   bash tools/demo.sh [IMAGE...]        (default: the bundled images)
#
# It installs what is missing (tools/deps.sh demo), configures build/demo, builds only
# luodi-convert and ocr_demo, converts the PP-OCR ONNX files in models/ppocr to .luodi (skipped
# when each .luodi is newer than its .onnx, the converter and this script), and runs ocr_demo. The second run
# only rebuilds and reconverts what changed. Annotated images go to build/demo/ocr_out/.
set -euo pipefail
cd "$(dirname "$0")/.."
build=build/demo
onnx=models/ppocr
out=$build/models

bash tools/deps.sh demo

if [ ! -f "$build/build.ninja" ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DLUODI_BUILD_TESTS=OFF -DLUODI_BUILD_BENCH=OFF \
    -DLUODI_BUILD_TOOLS=ON -DLUODI_BUILD_EXAMPLES=ON >/dev/null
fi
cmake --build "$build" -j "$(nproc)" --target luodi-convert ocr_demo

# Each model carries PaddleOCR's preprocessing contract (ocr_demo reads the channel order and
# normalisation from it; the det size is chosen per image, the size here is nominal). The same
# flags are in tests/ocr/CMakeLists.txt.
convert=$build/bin/luodi-convert
declare -A contract=(
  [ch_PP-OCRv4_det_infer]="order=bgr,size=960x960,pixel_scale=1/255,mean=0.485:0.456:0.406,std=0.229:0.224:0.225"
  [ch_ppocr_mobile_v2.0_cls_infer]="ppocr,size=192x48"
  [ch_PP-OCRv4_rec_infer]="ppocr,size=320x48"
)
mkdir -p "$out"
for m in ch_PP-OCRv4_det_infer ch_ppocr_mobile_v2.0_cls_infer ch_PP-OCRv4_rec_infer; do
  src=$onnx/$m.onnx
  dst=$out/$m.luodi
  if [ -f "$dst" ] && [ "$dst" -nt "$src" ] && [ "$dst" -nt "$convert" ] && [ "$dst" -nt "$0" ]; then
    continue
  fi
  if ! "$convert" "$src" "$dst" --preprocess "${contract[$m]}"; then
    rm -f "$dst"
    exit 1
  fi
done
cp -p "$onnx/ppocr_keys_v1.txt" "$out/"

if [ $# -eq 0 ]; then
  set -- examples/ocr/data/*.jpg
fi
exec "./$build/bin/ocr_demo" --models "$out" --out "$build/ocr_out" "$@"
