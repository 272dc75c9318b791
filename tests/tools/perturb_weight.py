#!/usr/bin/python3
"""Writes a copy of an ONNX model with one element of one float initializer changed, for the
luodi-run --check-against test: the check must name the node that consumes that weight as the
first divergence, and every node before it must agree.

    perturb_weight.py IN.onnx OUT.onnx INITIALIZER [DELTA]   (adds DELTA, default 0.25, to element 0)

Exits 77 (CTest's skip) when python3-onnx is missing.
"""
import sys

try:
    import numpy as np
    import onnx
    from onnx import numpy_helper
except ImportError:
    sys.exit(77)


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    src, dst, name = sys.argv[1:4]
    delta = float(sys.argv[4]) if len(sys.argv) == 5 else 0.25
    model = onnx.load(src)
    for i, init in enumerate(model.graph.initializer):
        if init.name == name:
            w = numpy_helper.to_array(init).astype(np.float32).copy()
            w.flat[0] += delta
            model.graph.initializer[i].CopyFrom(numpy_helper.from_array(w, name))
            onnx.save(model, dst)
            return
    sys.exit("no initializer named %r in %s" % (name, src))


if __name__ == "__main__":
    main()
