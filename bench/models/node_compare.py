#!/usr/bin/python3
"""Per-node time of luodi beside ONNX Runtime's, for the Conv and Gemm nodes of one model.

    node_compare.py LUODI_BENCH MODEL.luodi ORT_PROFILE.jsonl [--runs N] [--top N] [--threads N]

ORT_PROFILE.jsonl is the output of `node bench/models/ort_profile.js MODEL.onnx INPUT.npy`.
The two runtimes name their nodes differently (ORT renames the nodes it fuses), so nodes are
paired by output shape and multiply-add count, in graph order. Prints the nodes where luodi
loses most first, with each side's GFLOP/s, and the totals. ORT's per-node times come from its
own profiler, which adds a little per-node overhead; luodi's come from `luodi-bench --profile`.
"""
import collections
import json
import subprocess
import sys


def prod(dims):
    p = 1
    for d in dims.split("x"):
        p *= int(d)
    return p


def main():
    args = sys.argv[1:]

    def opt(name, default):
        if name in args:
            i = args.index(name)
            v = args[i + 1]
            del args[i:i + 2]
            return v
        return default

    runs, top, threads = opt("--runs", "20"), int(opt("--top", "20")), opt("--threads", "1")
    if len(args) != 3:
        print(__doc__)
        sys.exit(2)
    bench, model, profile = args
    ort = collections.defaultdict(list)
    ort_total = None
    for line in open(profile):
        r = json.loads(line)
        if "total_ms" in r:
            ort_total = r["total_ms"]
        elif r["op"] in ("Conv", "FusedConv", "Gemm") and len(r["inputs"]) >= 2:
            w, out = r["inputs"][1], r["outputs"][0]
            macs = prod(w) if r["op"] == "Gemm" else prod(out) * prod(w) // int(w.split("x")[0])
            ort[out].append((2 * macs, r["ms"]))
    text = subprocess.run([bench, model, "--profile", "--runs", runs, "--threads", threads],
                          capture_output=True, text=True, check=True).stdout
    rows, used = [], collections.Counter()
    for line in text.splitlines():
        f = line.split()
        if len(f) < 7 or not f[0].isdigit() or f[2] not in ("Conv", "Gemm") or f[6] == "-":
            continue
        name, out, ms, gflops = f[1], f[3], float(f[4]), float(f[6])
        flops = ms * 1e6 * gflops
        match = None
        for i, (of, oms) in enumerate(ort.get(out, [])):
            if i >= used[out] and abs(of - flops) <= 0.02 * flops + 2e5:
                match = i
                break
        if match is None:
            rows.append((0.0, name, out, flops, ms, None))
            continue
        # Keep graph order: the matched entry moves to the front of the unused ones.
        lst = ort[out]
        lst[used[out]], lst[match] = lst[match], lst[used[out]]
        oms = lst[used[out]][1]
        used[out] += 1
        rows.append((ms - oms, name, out, flops, ms, oms))
    paired = [r for r in rows if r[5] is not None]
    print("%d Conv/Gemm nodes, %d paired with ORT; luodi %.3f ms, ORT %.3f ms over the paired nodes; "
          "ORT session.run %.3f ms (profiling on)"
          % (len(rows), len(paired), sum(r[4] for r in paired), sum(r[5] for r in paired), ort_total or 0))
    print("%-40s %-16s %8s %9s %7s %9s %7s %8s" % ("node", "output", "MFLOP", "luodi ms", "GF/s", "ORT ms", "GF/s", "diff"))
    for diff, name, out, flops, ms, oms in sorted(paired, key=lambda r: -r[0])[:top]:
        print("%-40s %-16s %8.1f %9.3f %7.1f %9.3f %7.1f %+8.3f"
              % (name[-40:], out, flops / 1e6, ms, flops / ms / 1e6, oms, flops / oms / 1e6, diff))


if __name__ == "__main__":
    main()
