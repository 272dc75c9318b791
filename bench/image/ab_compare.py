#!/usr/bin/env python3
"""Compare bench_image binaries (e.g. before/after a change) against OpenCV, alternating.

  bench/image/ab_compare.py ROUNDS FILTER BIN [BIN ...]

Each round runs every binary once (order reversed every other round) with 3 repetitions of
the filtered benchmarks interleaved at random, so OpenCV and luodi, and the binaries, share the
machine's noise. Prints, per op and binary, the median CPU time of luodi and of OpenCV over
all rounds and their ratio ("speed": OpenCV time / luodi time; "time frac": its inverse).
"""
import collections
import json
import statistics
import subprocess
import sys


def main():
    rounds, filt, bins = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    res = collections.defaultdict(list)  # (binary, run name) -> CPU times
    for r in range(rounds):
        for b in bins if r % 2 == 0 else bins[::-1]:
            out = subprocess.run([b, '--benchmark_filter=' + filt, '--benchmark_repetitions=3',
                                  '--benchmark_enable_random_interleaving=true', '--benchmark_format=json',
                                  '--benchmark_min_time=0.2'], capture_output=True, text=True, check=True).stdout
            for bm in json.loads(out)['benchmarks']:
                if bm.get('run_type') == 'iteration':
                    res[(b, bm['run_name'])].append(bm['cpu_time'])
    groups = collections.defaultdict(dict)
    for (b, name), v in res.items():
        op, impl = name.split('/')
        groups[(b, op)][impl] = statistics.median(v)
    for (b, op), d in sorted(groups.items(), key=lambda x: (x[0][1], x[0][0])):
        cv = [v for k, v in d.items() if k.startswith('opencv')]
        for k, v in d.items():
            if k.startswith('opencv') or not cv:
                continue
            print(f"{op:38s} {b.split('/')[-1]:20s} {k:16s} luodi {v:9.1f} us  opencv {cv[0]:9.1f} us  "
                  f"speed {cv[0] / v:5.2f}x  time frac {v / cv[0]:.3f}")


if __name__ == '__main__':
    main()
