#!/usr/bin/python3
"""Which Conv/Gemm nodes grow under a neighbour: luodi and ONNX Runtime per-node times, quiet and
with `luodi-contend MODE` on the other CPU, alternated over rounds.

    contend_nodes.py BUILD_DIR MODEL [--rounds 3] [--runs 8] [--modes quiet,stream] [--cpu 0]
                     [--other 1] [--nice -15] [--top 30]

MODEL names /work/bench-models/MODEL.luodi, MODEL.in.npy and torchvision/MODEL.onnx. Nodes are
grouped by what both runtimes can state: output shape CxHxW and K, the multiply-adds per output
(Cin*kh*kw/groups: luodi's FLOPs / 2 / outputs, ORT's from the weight shape), summed over the
nodes of a group. Prints per group each runtime's median time per mode and the growth
(mode / quiet); the weight bytes per group show whether big-weight nodes grow more.
"""
import collections
import json
import os
import statistics
import subprocess
import sys
import time

from contend_models import MODELS, opt  # same folder: the model paths and the option parser

HERE = os.path.dirname(os.path.abspath(__file__))


def prod(v):
    p = 1
    for x in v:
        p *= x
    return p


def main():
    args = sys.argv[1:]
    rounds = int(opt(args, "--rounds", "3"))
    runs = opt(args, "--runs", "8")
    modes = opt(args, "--modes", "quiet,stream").split(",")
    cpu, other = opt(args, "--cpu", "0"), opt(args, "--other", "1")
    nice = ["nice", "-n", opt(args, "--nice", "-15")]
    top = int(opt(args, "--top", "30"))
    if len(args) != 2:
        sys.exit(__doc__)
    build, model = args
    env = dict(os.environ, NODE_PATH=os.environ.get("NODE_PATH", "/tmp/peers/node_modules"))
    ours = collections.defaultdict(list)    # (mode, key) -> [ms per round]
    theirs = collections.defaultdict(list)
    wbytes = {}
    totals = collections.defaultdict(list)  # (mode, runtime) -> [ms]
    for r in range(rounds):
        for mode in modes:
            proc = None
            if mode != "quiet":
                proc = subprocess.Popen(nice + ["taskset", "-c", other, os.path.join(build, "bin", "luodi-contend"), mode,
                                                "--seconds", "600"], stdout=subprocess.PIPE, text=True)
                time.sleep(0.5)
            try:
                j = json.loads(subprocess.run(nice + ["taskset", "-c", cpu, os.path.join(build, "bin", "luodi-bench"),
                                                      f"{MODELS}/{model}.luodi", "--runs", runs, "--profile", "--json"],
                                              capture_output=True, text=True, check=True).stdout)
                acc = collections.Counter()
                for n in j["nodes"]:
                    if "flops" not in n:
                        continue
                    out = [int(x) for x in n["shape"].split("x")]
                    key = ("x".join(map(str, out[1:])), n["flops"] // (2 * prod(out)))
                    acc[key] += n["ms"]
                for k, v in acc.items():
                    ours[(mode, k)].append(v)
                totals[(mode, "luodi")].append(j["profile_total_ms"])
                lines = subprocess.run(nice + ["taskset", "-c", cpu, "node", os.path.join(HERE, "..", "models", "ort_profile.js"),
                                               f"{MODELS}/torchvision/{model}.onnx", f"{MODELS}/{model}.in.npy", "--runs", runs],
                                       capture_output=True, text=True, check=True, env=env).stdout.splitlines()
                acc = collections.Counter()
                for line in lines:
                    n = json.loads(line)
                    if "total_ms" in n:
                        totals[(mode, "ort")].append(n["total_ms"])
                        continue
                    if n["op"] not in ("Conv", "FusedConv", "Gemm", "MatMul") or len(n["inputs"]) < 2:
                        continue
                    out = [int(x) for x in n["outputs"][0].split("x")]
                    if n["op"] == "Conv":
                        w = [int(x) for x in n["inputs"][1].split("x")]
                        k_per_out = prod(w[1:])
                    else:  # ORT lists a Gemm's prepacked weight as absent: K from the input
                        k_per_out = int(n["inputs"][0].split("x")[-1])
                        w = [k_per_out, out[-1]]
                    key = ("x".join(map(str, out[1:])), k_per_out)
                    acc[key] += n["ms"]
                    if r == 0 and mode == modes[0]:
                        wbytes[key] = wbytes.get(key, 0) + 4 * prod(w)
                for k, v in acc.items():
                    theirs[(mode, k)].append(v)
            finally:
                if proc:
                    proc.terminate()
                    got = proc.communicate()[0].strip()
                    print(f"round {r} {mode}: {got}", file=sys.stderr)
    keys = sorted({k for (_, k) in ours}, key=lambda k: -statistics.median(ours[(modes[0], k)]))
    hdr = " ".join(f"{m:>8s}" for m in modes)
    print(f"{'output':>12s} {'K':>5s} {'w MB':>6s} | luodi ms {hdr} growth | ORT ms {hdr} growth")
    med = lambda v: statistics.median(v) if v else float("nan")
    for k in keys[:top]:
        lo = [med(ours[(m, k)]) for m in modes]
        th = [med(theirs[(m, k)]) for m in modes]
        print(f"{k[0]:>12s} {k[1]:5d} {wbytes.get(k, 0) / 1e6:6.2f} | " + " ".join(f"{x:8.2f}" for x in lo) +
              " " + " ".join(f"{x / lo[0]:5.2f}" for x in lo[1:]) + " | " + " ".join(f"{x:8.2f}" for x in th) +
              " " + " ".join(f"{x / th[0]:5.2f}" if th[0] == th[0] and th[0] > 0 else "  -  " for x in th[1:]))
    for rt in ("luodi", "ort"):
        t = [med(totals[(m, rt)]) for m in modes]
        print(f"total {rt}: " + " ".join(f"{m} {x:.1f} ms" for m, x in zip(modes, t)))


if __name__ == "__main__":
    main()
