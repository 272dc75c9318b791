#!/usr/bin/python3
"""luodi's op kernels against ONNX Runtime 1.30, one thread, alternating in one session.

    /usr/bin/python3 bench/kernels/peers/make_ops_models.py /tmp/ops_models
    /usr/bin/python3 bench/kernels/peers/compare_ort.py build /tmp/ops_models [rounds]

For every model made by make_ops_models.py, alternately runs the luodi bench of the same name
(bench/kernels/bench_<family>, AVX2 and AVX-512) and ORT's profiler (ort_ops.js), `rounds` times
(default 3), and prints the medians over rounds and the ratio ORT / luodi (> 1: luodi is faster).
luodi: Google Benchmark's CPU time per call. ORT: its profiler's kernel time per run, the
minimum of 30 runs (the unpreempted one), all nodes it executed ("ORT"), and without the NCHWc
reorders it wraps pooling in ("ORT op"; in a whole network those are amortised).
"""
import os
import re
import statistics
import subprocess
import sys

build, models = sys.argv[1], sys.argv[2]
rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
here = os.path.dirname(os.path.abspath(__file__))
binary_of = {"transpose": "bench_movement"}


def luodi_times(name):
    """CPU time per call (us) of the luodi bench of this name, per ISA."""
    fam = name.split("/")[0]
    exe = os.path.join(build, "bin", binary_of.get(fam, "bench_" + fam))
    pat = "^" + re.escape(name) + "/(avx2\\+fma|avx512f|fast)/"
    out = subprocess.run([exe, "--benchmark_filter=" + pat, "--benchmark_min_time=0.3"], capture_output=True, text=True).stdout
    res = {}
    for line in out.splitlines():
        m = re.match(r"^(\S+)/(avx2\+fma|avx512f|fast)/\S*\s+[\d.]+ us\s+([\d.]+) us", line)
        if m:
            res[m.group(2)] = float(m.group(3))
    return res


def ort_times(name):
    out = subprocess.run(["node", os.path.join(here, "ort_ops.js"), models, "--runs", "30", "--filter", name],
                         capture_output=True, text=True).stdout
    m = re.search(r"min\s+(\d+) us\s+median\s+(\d+) us\s+op only min\s+(\d+) us", out)
    return (float(m.group(1)), float(m.group(3))) if m else (float("nan"), float("nan"))


names = sorted(d.replace("__", "/") for d in os.listdir(models))
print(f"{'case':40} {'luodi avx2':>10} {'avx512':>8} {'ORT':>8} {'ORT op':>8}  ORT/luodi(best)  ORT op/luodi")
for name in names:
    l2, l5, o, oo = [], [], [], []
    for _ in range(rounds):
        t = luodi_times(name)
        l2.append(t.get("avx2+fma", t.get("fast", float("nan"))))
        l5.append(t.get("avx512f", t.get("fast", float("nan"))))
        a, b = ort_times(name)
        o.append(a)
        oo.append(b)
    m2, m5, mo, moo = (statistics.median(v) for v in (l2, l5, o, oo))
    best = min(m2, m5)
    print(f"{name:40} {m2:10.1f} {m5:8.1f} {mo:8.0f} {moo:8.0f}  {mo / best:6.2f}  {moo / best:6.2f}", flush=True)
