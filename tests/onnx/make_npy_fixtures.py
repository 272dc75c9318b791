#!/usr/bin/python3
"""Writes the .npy files test_npy.cpp reads, with NumPy itself (python3-numpy).

    /usr/bin/python3 tests/onnx/make_npy_fixtures.py

Each supported file holds arange(n) in its dtype (bool: arange(n) % 2), so the test knows every
value without a second copy of it. The unsupported ones must be refused with a clear error.
"""
import os

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "npy")
os.makedirs(OUT, exist_ok=True)
for name, dt in (("f4", np.float32), ("f2", np.float16), ("i1", np.int8), ("u1", np.uint8), ("i4", np.int32),
                 ("i8", np.int64)):
    np.save(os.path.join(OUT, f"arange_{name}.npy"), np.arange(2 * 3 * 5).astype(dt).reshape(2, 3, 5))
np.save(os.path.join(OUT, "arange_b1.npy"), (np.arange(7) % 2).astype(bool))
np.save(os.path.join(OUT, "scalar_f4.npy"), np.array(3.5, dtype=np.float32))
np.save(os.path.join(OUT, "empty_f4.npy"), np.zeros((0, 4), dtype=np.float32))
# Refused:
np.save(os.path.join(OUT, "bad_f8.npy"), np.arange(4, dtype=np.float64))
np.save(os.path.join(OUT, "bad_fortran.npy"), np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3)))
np.save(os.path.join(OUT, "bad_bigendian.npy"), np.arange(4, dtype=">f4"))
np.save(os.path.join(OUT, "bad_object.npy"), np.array([1, "a"], dtype=object), allow_pickle=True)
with open(os.path.join(OUT, "arange_f4.npy"), "rb") as f:
    good = f.read()
with open(os.path.join(OUT, "bad_truncated.npy"), "wb") as f:
    f.write(good[:-3])
