#!/usr/bin/env bash
# The committed OCR images come from the committed script: render them again into a scratch
# directory and compare. The ground truth must match byte for byte; each image within a mean
# absolute error of 0.5% of full scale (about one grey level), which allows another ImageMagick
# or FreeType build to anti-alias differently but not a changed text, font, angle or layout.
#   check_images.sh <source dir> <scratch dir>
set -euo pipefail
src=$1
tmp=$2
rm -rf "$tmp"
bash "$src/tools/gen_ocr_images.sh" "$tmp" >/dev/null
data="$src/examples/ocr/data"
cmp "$data/ground_truth.tsv" "$tmp/ground_truth.tsv"
status=0
for f in "$data"/*.jpg; do
  name=$(basename "$f")
  # compare prints the metric on stderr and exits 1 when the images differ at all
  mae=$(compare -metric MAE "$f" "$tmp/$name" null: 2>&1 >/dev/null || true)
  norm=$(sed -n 's/.*(\(.*\)).*/\1/p' <<<"$mae")
  if [ -z "$norm" ] || ! awk -v m="$norm" 'BEGIN { exit !(m <= 0.005) }'; then
    echo "$name: differs from a fresh render (MAE $mae)"
    status=1
  else
    echo "$name: MAE $mae"
  fi
done
exit $status
