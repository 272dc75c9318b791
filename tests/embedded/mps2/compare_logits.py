#!/usr/bin/python3
"""Runs the embedded example (on the emulated board) and checks what it prints against PyTorch.

    compare_logits.py REFERENCE.txt CLASS -- COMMAND...

REFERENCE.txt is examples/embedded/model/reference.txt: one line per sample frame, its class name
and PyTorch's six logits (written by make_tiny_cnn.py). Passes when the program exits 0, names
CLASS as the best class, and prints logits within 1e-4 of the largest reference logit's magnitude
(the tolerance of the host test tests/examples/test_tiny_cnn.cpp: float32 through three
convolutions and a linear layer, summed in other orders than PyTorch's).
"""
import subprocess
import sys


def main():
    if len(sys.argv) < 5 or sys.argv[3] != "--":
        print(__doc__)
        return 2
    reference, cls, cmd = sys.argv[1], sys.argv[2], sys.argv[4:]
    ref = None
    for line in open(reference):
        f = line.split()
        if f and f[0] == cls:
            ref = [float(v) for v in f[1:]]
    if ref is None:
        print("compare_logits: no reference for class %r in %s" % (cls, reference))
        return 1
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=110)
    sys.stdout.write(p.stdout)
    sys.stdout.write(p.stderr)
    if p.returncode != 0:
        print("compare_logits: the program exited with %d" % p.returncode)
        return 1
    lines = p.stdout.splitlines()
    if not lines or not lines[0].startswith(cls + " (class "):
        print("compare_logits: the first line does not name %r" % cls)
        return 1
    got = None
    for line in lines:
        if line.startswith("logits:"):
            got = [float(v) for v in line.split()[1:]]
    if got is None or len(got) != len(ref):
        print("compare_logits: expected a line 'logits:' with %d values" % len(ref))
        return 1
    tol = 1e-4 * max(abs(v) for v in ref)
    worst = max(abs(g - r) for g, r in zip(got, ref))
    print("compare_logits: max |luodi - PyTorch| = %.3g (tolerance %.3g)" % (worst, tol))
    return 0 if worst <= tol else 1


if __name__ == "__main__":
    sys.exit(main())
