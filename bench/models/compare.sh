#!/bin/sh
# Whole models, luodi against ONNX Runtime 1.30 (CPU EP, through onnxruntime-node), in one run:
# converts each model with luodi-convert at a fixed input shape, then for 1 and 2 threads runs
# `luodi-bench --json` and `node ort_run.js` alternately for ROUNDS rounds, and writes a markdown
# table into docs/performance.md between the "compare.sh" marker comments (reruns replace it).
#
#   bench/models/compare.sh [BUILD_DIR]           (default: build)
#   env: ROUNDS (3), RUNS per round (10), THREADS ("1 2"), ORT_RUN (bench/contention/ort_cpu.js),
#        NODE_PATH (/tmp/peers/node_modules), DOC (docs/performance.md; "-" prints the table only),
#        DET (det input, 1x3x640x640), MODELS (a space-separated subset of the names below)
#
# Each figure is the median over rounds of each round's median latency; luodi/ORT < 1 means
# luodi is faster. At one thread the table also sets luodi's process CPU time per run
# (luodi-bench's cpu_median_ms) against ORT's: on a shared VM whose other vCPU is busy, this
# one loses milliseconds of wall time at a stretch and CPU time does not count them
# (docs/performance.md, "ResNet under a neighbour"). ORT_RUN's default, ort_cpu.js, is the
# shared peer runner's session (/work/shared/peers/ort_run.js: CPU EP, all graph optimisations,
# sequential, 4 warm-up runs) plus CPU time per run; ORT_RUN=/work/shared/peers/ort_run.js
# works too, without the CPU columns. Both run on the same input shape; luodi-bench on seeded uniform [0,1) data,
# ORT on the same kind of data from an .npy (dense fp32 kernels do not depend on the values).
# Models: the bundled PP-OCRv4 det/rec and PP-OCR mobile v2 cls (models/ppocr), and eight
# torchvision ImageNet classifiers at 224x224 with random weights, exported by
# `tests/models/make_torch_models.py bench` (resnet18/50, mobilenet_v2, mobilenet_v3_small/large,
# squeezenet1_1, shufflenet_v2_x1_0, efficientnet_b0). MODELS="name ..." runs a subset.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
ROUNDS=${ROUNDS:-3}
RUNS=${RUNS:-10}
THREADS=${THREADS:-"1 2"}
ORT_RUN=${ORT_RUN:-$root/bench/contention/ort_cpu.js}
DOC=${DOC:-$root/docs/performance.md}
DET=${DET:-1x3x640x640}
export NODE_PATH=${NODE_PATH:-/tmp/peers/node_modules}
PY=/usr/bin/python3

for t in luodi-convert luodi-bench; do
  [ -x "$build/bin/$t" ] || { echo "compare.sh: $build/bin/$t is missing (cmake --build $build --target $t)" >&2; exit 2; }
done
[ -f "$ORT_RUN" ] || { echo "compare.sh: no ONNX Runtime runner at $ORT_RUN" >&2; exit 2; }
[ -d "$NODE_PATH/onnxruntime-node" ] || {
  echo "compare.sh: onnxruntime-node is not in $NODE_PATH; install it with" >&2
  echo "  mkdir -p /tmp/peers && cd /tmp/peers && npm init -y && npm install onnxruntime-node@1.30.0 --ignore-scripts" >&2
  exit 2
}

work=$build/bench-models
mkdir -p "$work"
cd "$work"

# torchvision models (random weights, fixed seeds); exported once, reused by reruns.
tv="resnet18 resnet50 mobilenet_v2 mobilenet_v3_small mobilenet_v3_large squeezenet1_1 shufflenet_v2_x1_0 efficientnet_b0"
for m in $tv; do
  if [ ! -f "torchvision/$m.onnx" ]; then
    $PY "$root/tests/models/make_torch_models.py" bench torchvision >/dev/null 2>&1
    break
  fi
done

# name  onnx  input-shape
models="ppocr_det $root/models/ppocr/ch_PP-OCRv4_det_infer.onnx $DET
ppocr_rec $root/models/ppocr/ch_PP-OCRv4_rec_infer.onnx 1x3x48x320
ppocr_cls $root/models/ppocr/ch_ppocr_mobile_v2.0_cls_infer.onnx 1x3x48x192"
for m in $tv; do
  models="$models
$m $work/torchvision/$m.onnx 1x3x224x224"
done
if [ -n "${MODELS:-}" ]; then
  models=$(echo "$models" | while read -r name rest; do
    case " $MODELS " in *" $name "*) echo "$name $rest" ;; esac
  done)
fi

results=$work/results.jsonl
: > "$results"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "$models" | while read -r name onnx shape; do
  input=$($PY -c "import onnx,sys; print(onnx.load(sys.argv[1]).graph.input[0].name)" "$onnx" </dev/null)
  "$build/bin/luodi-convert" "$onnx" "$name.luodi" --input "$input=$shape" >/dev/null </dev/null
  $PY - "$shape" "$name.in.npy" <<'EOF'
import sys
import numpy as np
shape = tuple(int(d) for d in sys.argv[1].split("x"))
np.save(sys.argv[2], np.random.default_rng(1).random(shape, dtype=np.float32))
EOF
  for t in $THREADS; do
    r=1
    while [ "$r" -le "$ROUNDS" ]; do
      l=$("$build/bin/luodi-bench" "$name.luodi" --input "$input=$shape" --threads "$t" --runs "$RUNS" --warmup 3 --json </dev/null)
      o=$(node "$ORT_RUN" "$onnx" "$name.in.npy" --threads "$t" --runs "$RUNS" </dev/null)
      printf '{"name":"%s","shape":"%s","threads":%s,"round":%s,"luodi":%s,"ort":%s}\n' \
        "$name" "$shape" "$t" "$r" "$l" "$o" >> "$results"
      echo "compare.sh: $name $shape threads=$t round $r done" >&2
      r=$((r + 1))
    done
  done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# The FP32 FMA peak of one core on this machine (bench/kernels/peak.hpp, the probe every kernel
# bench prints), unless PEAK (GFLOP/s) is given: hosts differ (Zen 4 measured 115-116, a Zen 3
# 95-97), so a fixed figure would misstate "of peak" on the next one. -O3 as the benches are
# built: at -O2 GCC keeps the 12 chains in memory and the probe reads ~16 GFLOP/s.
if [ -z "${PEAK:-}" ]; then
  printf '#include "peak.hpp"\nint main() { return luodi_bench_fma_peak() > 0 ? 0 : 1; }\n' > peak.cpp
  if ${CXX:-c++} -O3 -I "$root/bench/kernels" peak.cpp -o peak 2>/dev/null; then
    PEAK=$(./peak | sed -n 's/.*: \([0-9.]*\) GFLOP.*/\1/p')
  fi
fi
export PEAK=${PEAK:-0}

$PY - "$results" "$DOC" "$load_before" "$load_after" "$ROUNDS" "$RUNS" <<'EOF'
import json, re, statistics, sys, datetime
results, doc, load_before, load_after, rounds, runs = sys.argv[1:7]
import os
PEAK = float(os.environ.get("PEAK", "0") or 0)  # GFLOP/s per core, FP32 FMA (0: not measured)
rows = {}
order = []
for line in open(results):
    r = json.loads(line)
    key = (r["name"], r["shape"], r["threads"])
    if key not in rows:
        rows[key] = []
        order.append(key)
    rows[key].append(r)
cpu = "unknown"
info = {}
for line in open("/proc/cpuinfo"):
    if ":" in line:
        k, v = (x.strip() for x in line.split(":", 1))
        info.setdefault(k, v)
if "model name" in info:
    # The model name alone ("AMD EPYC") does not tell the generations apart; the family/model
    # and whether the CPU has AVX-512 decide which kernels run.
    cpu = "%s (family %s, model %s, %s)" % (info["model name"], info.get("cpu family", "?"), info.get("model", "?"),
                                           "AVX-512" if "avx512f" in info.get("flags", "").split() else "no AVX-512")
out = []
out.append("Generated by `bench/models/compare.sh` on %s UTC. Machine: %s, %d logical CPUs "
           "(`/proc/cpuinfo`), shared: load average %s before, %s after (1/5/15 min). "
           "Median over %s alternating rounds of each round's median of %s runs; "
           "ISA %s. GFLOP/s counts Conv, ConvTranspose, Gemm and MatMul multiply-adds "
           "(luodi-bench's count) over luodi's median; the peak is %g GFLOP/s per thread (measured by "
           "bench/kernels/peak.hpp in this run unless PEAK was given). "
           "CPU time (one thread only): the median over rounds of each side's median process CPU "
           "time per run, which leaves out the time this vCPU was taken away."
           % (datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M"), cpu,
              sum(1 for l in open("/proc/cpuinfo") if l.startswith("processor")),
              load_before, load_after, rounds, runs,
              rows[order[0]][0]["luodi"]["isa"] if order else "?", PEAK))
out.append("")
out.append("| model | input | threads | luodi median ms | ORT median ms | luodi/ORT | luodi min / ORT min | luodi/ORT CPU time | luodi GFLOP | luodi GFLOP/s | of peak |")
out.append("|---|---|---|---|---|---|---|---|---|---|---|")
for key in order:
    rs = rows[key]
    lm = statistics.median(r["luodi"]["median_ms"] for r in rs)
    om = statistics.median(r["ort"]["median_ms"] for r in rs)
    lmin = min(r["luodi"]["min_ms"] for r in rs)
    omin = min(r["ort"]["min_ms"] for r in rs)
    flops = rs[0]["luodi"]["flops"]
    gf = flops / (lm * 1e6)
    # CPU time only at one thread: with more, both runtimes' figures sum every thread, spinning
    # pool threads included, which is not a latency.
    cpu_ratio = "-"
    if key[2] == 1 and all("cpu_median_ms" in r["luodi"] and "cpu_median_ms" in r["ort"] for r in rs):
        lc = statistics.median(r["luodi"]["cpu_median_ms"] for r in rs)
        oc = statistics.median(r["ort"]["cpu_median_ms"] for r in rs)
        cpu_ratio = "%.2f (%.2f / %.2f ms)" % (lc / oc, lc, oc)
    of_peak = "%.0f%%" % (100.0 * gf / (PEAK * key[2])) if PEAK > 0 else "-"
    out.append("| %s | %s | %d | %.2f | %.2f | %.2f | %.2f | %s | %.3f | %.1f | %s |"
               % (key[0], key[1], key[2], lm, om, lm / om, lmin / omin, cpu_ratio, flops / 1e9, gf, of_peak))
table = "\n".join(out) + "\n"
if doc == "-":
    sys.stdout.write(table)
    sys.exit(0)
begin, end = "<!-- compare.sh: begin (generated; edits are overwritten) -->", "<!-- compare.sh: end -->"
text = open(doc).read()
block = begin + "\n" + table + end
if begin in text and end in text:
    text = re.sub(re.escape(begin) + ".*?" + re.escape(end), lambda m: block, text, flags=re.S)
else:
    text = text.rstrip("\n") + "\n\n" + block + "\n"
open(doc, "w").write(text)
sys.stdout.write(table)
EOF
