#!/usr/bin/env bash
# Renders the OCR demo's bundled images (examples/ocr/data/) and their ground truth.
#
#   bash tools/gen_ocr_images.sh [outdir]      (default: examples/ocr/data)
#
# Needs ImageMagick 6 (`convert`) and two Debian font packages: fonts-dejavu-core (Latin) and
# fonts-noto-cjk (Chinese); `bash tools/deps.sh test` installs them. The images are committed, so
# the demo and its test do not need this script; it is here so anyone can see and redo how they
# were made. Noise and the plasma textures take -seed, so a rerun with the same ImageMagick and
# fonts gives the same pixels (other versions may differ by a few grey levels).
#
# What the images exercise:
#   receipt_en.jpg   English lines in three DejaVu faces on a paper texture, light noise and blur
#   notice_zh.jpg    Chinese lines (Noto Sans CJK SC), digits and full-width punctuation, on a
#                    tinted board
#   rotated.jpg      lines turned by -6, +3 and +8 degrees, and one line turned by 180 degrees
#                    (only the direction classifier can read that one), English and Chinese
#   sign_dark.jpg    light text on a dark gradient (inverse polarity), stronger blur
# The ground truth (ground_truth.tsv) lists, per image, the rendered strings in reading order
# (top to bottom), one per line: <image>\t<angle>\t<text>, where angle is the direction the
# text runs in, in degrees clockwise from +x on screen (180: upside down).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-examples/ocr/data}
mkdir -p "$out"

command -v convert >/dev/null || { echo "gen_ocr_images: ImageMagick's convert is missing (apt-get install imagemagick)" >&2; exit 1; }
fonts=$(convert -list font)
for f in DejaVu-Sans DejaVu-Sans-Bold DejaVu-Serif DejaVu-Sans-Mono Noto-Sans-CJK-SC Noto-Sans-CJK-SC-Bold; do
  grep -q "Font: $f\$" <<<"$fonts" ||
    { echo "gen_ocr_images: font $f is missing (apt-get install fonts-dejavu-core fonts-noto-cjk)" >&2; exit 1; }
done

gt="$out/ground_truth.tsv"
: >"$gt"
truth() {  # truth <image> <angle> <text> [<angle> <text>]...: in reading order
  local img=$1
  shift
  while [ $# -gt 0 ]; do
    printf '%s\t%s\t%s\n' "$img" "$1" "$2" >>"$gt"
    shift 2
  done
}

# A paper-like background: a grey fractal plasma mapped between two colours.
paper() {  # paper <seed> <WxH> <dark> <light>
  convert -seed "$1" -size "$2" plasma:fractal -colorspace Gray -blur 0x2 -auto-level +level-colors "$3","$4" png:-
}

# 1. English receipt.
paper 11 640x360 '#d9ceb6' '#faf5ea' |
  convert png:- -fill '#1e1e1e' \
    -font DejaVu-Sans-Bold -pointsize 30 -annotate +40+62 'CORNER BAKERY' \
    -font DejaVu-Sans -pointsize 22 -annotate +40+116 'Sourdough loaf 2 x 4.50' \
    -annotate +40+160 'Oat milk latte 3.80' \
    -font DejaVu-Sans-Mono -pointsize 22 -annotate +40+204 'Total EUR 12.80' \
    -font DejaVu-Serif -pointsize 20 -annotate +40+262 'Thank you, see you soon!' \
    -font DejaVu-Sans -pointsize 16 -fill '#404040' -annotate +40+312 'Open daily 7:00-19:00' \
    -seed 12 -attenuate 0.6 +noise Gaussian -blur 0x0.6 -quality 88 "$out/receipt_en.jpg"
truth receipt_en.jpg 0 'CORNER BAKERY' 0 'Sourdough loaf 2 x 4.50' 0 'Oat milk latte 3.80' 0 'Total EUR 12.80' \
  0 'Thank you, see you soon!' 0 'Open daily 7:00-19:00'

# 2. Chinese notice board.
paper 21 600x420 '#c9d8c5' '#eef5ea' |
  convert png:- -fill '#14301c' \
    -font Noto-Sans-CJK-SC-Bold -pointsize 38 -annotate +60+78 '欢迎光临落地书店' \
    -font Noto-Sans-CJK-SC -pointsize 26 -annotate +60+148 '营业时间09:00-21:00' \
    -annotate +60+208 '北京市海淀区中关村大街27号' \
    -fill '#8a1c1c' -annotate +60+268 '今日特价：苹果每斤5.8元' \
    -fill '#14301c' -pointsize 22 -annotate +60+328 '会员卡满100元减20元' \
    -pointsize 20 -annotate +60+380 '请勿在店内吸烟' \
    -seed 22 -attenuate 0.5 +noise Gaussian -blur 0x0.5 -quality 88 "$out/notice_zh.jpg"
truth notice_zh.jpg 0 '欢迎光临落地书店' 0 '营业时间09:00-21:00' 0 '北京市海淀区中关村大街27号' 0 '今日特价：苹果每斤5.8元' \
  0 '会员卡满100元减20元' 0 '请勿在店内吸烟'

# 3. Rotated lines. ImageMagick's -annotate AxA+x+y turns the text by A degrees (clockwise, in
# image coordinates) about its baseline origin (x, y).
paper 31 640x440 '#cfcfd4' '#f6f6f8' |
  convert png:- -fill '#111111' \
    -font DejaVu-Sans -pointsize 26 -annotate -6x-6+50+90 'Rising to the right' \
    -font Noto-Sans-CJK-SC -pointsize 28 -annotate 3x3+60+170 '深度学习推理库' \
    -font DejaVu-Serif -pointsize 24 -annotate 8x8+60+225 'Slightly turned line' \
    -font DejaVu-Sans-Bold -pointsize 26 -annotate 180x180+560+370 'UPSIDE DOWN 2024' \
    -seed 32 -attenuate 0.5 +noise Gaussian -blur 0x0.5 -quality 88 "$out/rotated.jpg"
truth rotated.jpg -6 'Rising to the right' 3 '深度学习推理库' 8 'Slightly turned line' 180 'UPSIDE DOWN 2024'

# 4. A dark sign: light text on a blue gradient, blurrier.
convert -size 560x300 gradient:'#12305a'-'#1f4f8a' -fill '#f2f2f2' \
    -font DejaVu-Sans-Bold -pointsize 40 -annotate +40+80 'EXIT 12B' \
    -font Noto-Sans-CJK-SC -pointsize 32 -annotate +40+150 '出口 注意安全' \
    -font DejaVu-Sans -pointsize 24 -annotate +40+215 'Airport Terminal 2' \
    -font DejaVu-Sans -pointsize 18 -annotate +40+265 'Platform 3 - 250 m' \
    -seed 42 -attenuate 0.4 +noise Gaussian -blur 0x0.9 -quality 88 "$out/sign_dark.jpg"
truth sign_dark.jpg 0 'EXIT 12B' 0 '出口 注意安全' 0 'Airport Terminal 2' 0 'Platform 3 - 250 m'

ls -l "$out"
