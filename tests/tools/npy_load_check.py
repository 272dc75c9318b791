#!/usr/bin/python3
"""Loads every file of a luodi-run --dump directory with numpy.load and checks each one's dtype
and shape against DIR/index.txt: the dump is readable by NumPy itself, not only by luodi's reader.
Exits 77 (CTest's skip) without numpy."""
import os
import sys

try:
    import numpy as np
except ImportError:
    sys.exit(77)

DTYPES = {"f32": "float32", "f16": "float16", "i8": "int8", "u8": "uint8", "i32": "int32", "i64": "int64",
          "bool": "bool"}


def main():
    d = sys.argv[1]
    n = 0
    with open(os.path.join(d, "index.txt")) as f:
        for line in f:
            file, name, dtype, shape = line.rstrip("\n").split("\t")
            a = np.load(os.path.join(d, file), allow_pickle=False)
            want = () if shape == "scalar" else tuple(int(x) for x in shape.split("x"))
            if a.shape != want or str(a.dtype) != DTYPES.get(dtype, dtype):
                sys.exit("%s (%s): numpy reads %s %s, the index says %s %s" % (file, name, a.dtype, a.shape, dtype, shape))
            n += 1
    if n == 0:
        sys.exit("no files in " + d)
    print("numpy loaded %d files" % n)


if __name__ == "__main__":
    main()
