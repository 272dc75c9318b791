#!/usr/bin/python3
"""Whole-model latency of luodi and ONNX Runtime with and without a neighbour on the other core.

    contend_models.py BUILD_DIR [--models resnet18,resnet50] [--rounds 4] [--runs 10]
                      [--modes quiet,stream] [--variants "default,--no-winograd,GLIBC_TUNABLES=glibc.malloc.hugetlb=1"]
                      [--bench2 OTHER/luodi-bench] [--cpu 0] [--other 1] [--gbps R] [--nice -15]

For each round, each mode in turn (alternated, so drift hits all alike): `quiet` runs nothing
beside; any other mode starts `luodi-contend MODE` pinned to the other CPU, waits 0.5 s for its
buffers to be faulted in, runs every luodi-bench variant and ORT pinned to --cpu, then stops
it. Prints each round's medians (with how busy the other CPU was meanwhile, from /proc/stat), then
per model and mode the median over rounds of the medians, the min over rounds of the minima,
and luodi/ORT ratios of both, for wall time and for process CPU time (ORT through ort_cpu.js). Models come from
/work/bench-models (the .luodi and input .npy) and /work/bench-models/torchvision (.onnx).
Keep it short: the other CPU belongs to others too.
"""
import json
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "models"))
from node_compare import opt  # noqa: E402  (bench/models: the option parser both drivers use)

MODELS = "/work/bench-models"
ORT_RUN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ort_cpu.js")


def cpu_ticks(cpu):
    """(busy, total) jiffies of one CPU from /proc/stat."""
    with open("/proc/stat") as f:
        for line in f:
            if line.startswith(f"cpu{cpu} "):
                v = [int(x) for x in line.split()[1:]]
                idle = v[3] + v[4]
                return sum(v) - idle, sum(v)
    return 0, 1


def main():
    args = sys.argv[1:]
    models = opt(args, "--models", "resnet18,resnet50").split(",")
    rounds = int(opt(args, "--rounds", "4"))
    runs = int(opt(args, "--runs", "10"))
    modes = opt(args, "--modes", "quiet,stream").split(",")
    variants = opt(args, "--variants", "default").split(",")
    bench2 = opt(args, "--bench2", None)
    cpu = opt(args, "--cpu", "0")
    other = opt(args, "--other", "1")
    gbps = opt(args, "--gbps", None)
    # Both sides run at this niceness (root only below 0): with the contender holding the other
    # CPU, the neighbours' unpinned work would otherwise migrate onto the measured CPU and
    # time-share with it, which measures the scheduler, not the memory system.
    nice = ["nice", "-n", opt(args, "--nice", "-15")]
    if len(args) != 1:
        sys.exit(__doc__)
    build = args[0]
    bench = os.path.join(build, "bin", "luodi-bench")
    contend = os.path.join(build, "bin", "luodi-contend")
    env = dict(os.environ, NODE_PATH=os.environ.get("NODE_PATH", "/tmp/peers/node_modules"))

    # (label, command prefix) for every luodi run, then ORT.
    runners = []
    for b, tag in [(bench, "luodi")] + ([(bench2, "luodi2")] if bench2 else []):
        for v in variants:
            words = [] if v == "default" else v.split()  # NAME=VALUE words go to the environment
            extra = [w for w in words if "=" not in w or w.startswith("--")]
            venv = dict(env, **dict(w.split("=", 1) for w in words if "=" in w and not w.startswith("--")))
            runners.append((tag + ("" if v == "default" else " " + v), b, extra, venv))

    res = {}  # (model, mode, label) -> per round: (wall median, wall min, other CPU's busy share, CPU median, CPU min)
    for r in range(rounds):
        for mode in modes:
            proc = None
            if mode != "quiet":
                cmd = nice + ["taskset", "-c", other, contend, mode, "--seconds", "600"]
                if gbps:
                    cmd += ["--gbps", gbps]
                proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
                time.sleep(0.5)
            try:
                for m in models:
                    for label, b, extra, venv in runners:
                        t0 = cpu_ticks(other)
                        out = subprocess.run(nice + ["taskset", "-c", cpu, b, f"{MODELS}/{m}.luodi", "--runs", str(runs),
                                              "--threads", "1", "--json"] + extra,
                                             capture_output=True, text=True, check=True, env=venv).stdout
                        j = json.loads(out)
                        t1 = cpu_ticks(other)
                        busy = (t1[0] - t0[0]) / max(1, t1[1] - t0[1])
                        res.setdefault((m, mode, label), []).append((j["median_ms"], j["min_ms"], busy, j["cpu_median_ms"], j["cpu_min_ms"]))
                    t0 = cpu_ticks(other)
                    out = subprocess.run(nice + ["taskset", "-c", cpu, "node", ORT_RUN, f"{MODELS}/torchvision/{m}.onnx",
                                          f"{MODELS}/{m}.in.npy", "--threads", "1", "--runs", str(runs)],
                                         capture_output=True, text=True, check=True, env=env).stdout
                    j = json.loads(out.strip().splitlines()[-1])
                    t1 = cpu_ticks(other)
                    busy = (t1[0] - t0[0]) / max(1, t1[1] - t0[1])
                    res.setdefault((m, mode, "ort"), []).append((j["median_ms"], j["min_ms"], busy, j["cpu_median_ms"], j["cpu_min_ms"]))
            finally:
                if proc:
                    proc.terminate()
                    got = proc.communicate()[0].strip()
            line = " ".join(f"{m}:{label}={res[(m, mode, label)][-1][0]:.1f}@{res[(m, mode, label)][-1][2]:.0%}"
                            for m in models for label in [x[0] for x in runners] + ["ort"])
            print(f"round {r} {mode:8s} {line}" + (f"  [{got}]" if proc else ""), flush=True)

    print("\nmedians over rounds of each round's median; min: over rounds of the minima; cpu: process CPU time")
    print("model     mode      runtime                 wall med   min  /ORT med /ORT min | cpu med   min  /ORT med /ORT min")
    for m in models:
        for mode in modes:
            ort = res[(m, mode, "ort")]
            o = [statistics.median(x[0] for x in ort), min(x[1] for x in ort), statistics.median(x[3] for x in ort), min(x[4] for x in ort)]
            for label in [x[0] for x in runners] + ["ort"]:
                v = res[(m, mode, label)]
                f = [statistics.median(x[0] for x in v), min(x[1] for x in v), statistics.median(x[3] for x in v), min(x[4] for x in v)]
                print(f"{m:9s} {mode:9s} {label:22s} {f[0]:8.1f} {f[1]:6.1f} {f[0] / o[0]:8.2f} {f[1] / o[1]:8.2f} | "
                      f"{f[2]:7.1f} {f[3]:6.1f} {f[2] / o[2]:8.2f} {f[3] / o[3]:8.2f}")


if __name__ == "__main__":
    main()
