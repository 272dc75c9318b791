#!/usr/bin/python3
"""Per-node time of luodi beside ONNX Runtime's, for the Conv and Gemm nodes of one model.

    node_compare.py LUODI_BENCH MODEL.luodi ORT_PROFILE.jsonl [--runs N] [--top N] [--threads N]

ORT_PROFILE.jsonl is the output of `node bench/models/ort_profile.js MODEL.onnx INPUT.npy`.
The two runtimes name their nodes differently (ORT renames the nodes it fuses), so nodes are
paired by output shape and multiply-add count, in graph order. ORT's blocked (NCHWc) kernels
round channel counts up to its block (72 -> 80 on AVX-512, with Reorder nodes around them);
such nodes are paired by the rounded shape and a multiply-add count at most the rounding's
growth above luodi's, and their FLOP and GFLOP/s columns use luodi's (unpadded) count. Prints the nodes where luodi
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


BLOCK = 16  # ORT's NCHWc block on AVX-512 (8 on AVX2)


def blocked_c(dims):
    c = int(dims.split("x")[1])
    return (c + BLOCK - 1) // BLOCK * BLOCK


def blocked(dims):
    d = dims.split("x")
    if len(d) < 2:
        return dims
    d[1] = str(blocked_c(dims))
    return "x".join(d)


def opt(args, name, default):
    """Removes `name VALUE` from the list args and returns VALUE, or default if name is absent
    (also used by bench/contention's drivers)."""
    if name in args:
        i = args.index(name)
        v = args[i + 1]
        del args[i:i + 2]
        return v
    return default


def main():
    args = sys.argv[1:]
    runs, top, threads = opt(args, "--runs", "20"), int(opt(args, "--top", "20")), opt(args, "--threads", "1")
    if len(args) != 3:
        print(__doc__)
        sys.exit(2)
    bench, model, profile = args
    ort = collections.defaultdict(list)
    ort_blocked = collections.defaultdict(list)  # same entries, keyed by the rounded shape
    ort_total = None
    for line in open(profile):
        r = json.loads(line)
        if "total_ms" in r:
            ort_total = r["total_ms"]
        elif r["op"] in ("Conv", "FusedConv", "Gemm") and len(r["inputs"]) >= 2:
            w, out = r["inputs"][1], r["outputs"][0]
            macs = prod(w) if r["op"] == "Gemm" else prod(out) * prod(w) // int(w.split("x")[0])
            ort[out].append((2 * macs, r["ms"]))
            ort_blocked[blocked(out)].append([2 * macs, r["ms"], out, False])
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
        if match is not None:
            # Keep graph order: the matched entry moves to the front of the unused ones.
            lst = ort[out]
            lst[used[out]], lst[match] = lst[match], lst[used[out]]
            oms = lst[used[out]][1]
            used[out] += 1
            for e in ort_blocked[blocked(out)]:  # the same ORT node, no longer free
                if e[2] == out and not e[3] and e[1] == oms:
                    e[3] = True
                    break
            rows.append((ms - oms, name, out, flops, ms, oms))
            continue
        # A channel-padded ORT node: first free one in graph order with the rounded shape whose
        # multiply-adds are no fewer than luodi's and at most the rounding's growth (input and
        # output channels each, hence squared) more.
        key, grow = blocked(out), (blocked_c(out) / int(out.split("x")[1])) ** 2
        for e in ort_blocked.get(key, []):
            if not e[3] and e[2] != out and flops * 0.98 - 2e5 <= e[0] <= flops * grow * 1.6 + 2e5:
                e[3] = True
                rows.append((ms - e[1], name, out, flops, ms, e[1]))
                break
        else:
            rows.append((0.0, name, out, flops, ms, None))
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
