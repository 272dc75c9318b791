#!/usr/bin/env python3
"""Turn the ONNX node tests (onnx's backend test data, Debian python3-onnx / libonnx-testdata)
into a flat binary file that tests/runtime/conformance/onnx_node_runner.cpp reads, builds as a
luodi graph (no ONNX importer involved), writes as .luodi, loads, prepares and runs, comparing
with the ONNX expected outputs.

    gen_onnx_node_cases.py <output file> [node test data dir]

Only single-node tests of ops in luodi's op list are taken, at opsets whose semantics are luodi's
(opset 17 forms: ops whose attributes became inputs in opset 13 need opset >= 13). Tests with a
dtype luodi does not have are skipped. Inputs whose values an op needs at prepare time (weights,
shapes, axes, scales...) become constants; the rest become graph inputs fed at run time.

File format (little-endian):
  b"LDNODES1", u32 case count, then per case:
    str name, str op_type, u32 opset
    u32 attrs; per attr: str name, u8 kind (1 int, 2 float, 3 ints, 4 floats, 5 string), u32 n, payload
      (ints: i64 each; floats: f32 each; string: n bytes)
    u32 inputs; per input: u8 present; if present: u8 dtype (luodi DType), u8 is_constant, u8 rank,
      i64 dims[rank], u64 nbytes, bytes
    u32 outputs; per output: u8 dtype, u8 rank, i64 dims[rank], u64 nbytes, bytes
  str: u16 length + bytes.
"""
import glob
import os
import struct
import sys

try:
    import numpy as np
    import onnx
    from onnx import numpy_helper
except ImportError as e:  # CTest treats exit code 77 as "skipped"
    print("skipped: %s (install python3-onnx)" % e)
    sys.exit(77)

# luodi::DType codes by ONNX TensorProto element type.
DTYPES = {1: 1, 10: 2, 3: 3, 2: 4, 6: 5, 7: 6, 9: 7}
NP_DTYPES = {np.dtype("float32"): 1, np.dtype("float16"): 2, np.dtype("int8"): 3, np.dtype("uint8"): 4,
             np.dtype("int32"): 5, np.dtype("int64"): 6, np.dtype("bool"): 7}

# graph/ops.def, by ONNX op type.
LUODI_OPS = set()
for line in open(os.path.join(os.path.dirname(__file__), "..", "..", "..", "include", "luodi", "graph", "ops.def")):
    if line.startswith("LUODI_OP("):
        LUODI_OPS.add(line.split('"')[1])

# Ops whose opset-17 form appeared in opset 13 (attributes that became inputs, or changed axis
# semantics); older versions of them are converted by luodi's importer, not run directly.
NEEDS_13 = {"Softmax", "LogSoftmax", "Squeeze", "Unsqueeze", "Split", "ReduceSum", "Dropout", "Resize",
            "Pad", "Clip", "Slice", "TopK"}

# Inputs whose values an op reads at prepare time: made constants.
CONST_INPUTS = {
    "Conv": {1, 2}, "ConvTranspose": {1, 2}, "Clip": {1, 2}, "Resize": {1, 2, 3}, "Pad": {1, 2, 3},
    "Reshape": {1}, "Slice": {1, 2, 3, 4}, "Tile": {1}, "Expand": {1}, "Split": {1}, "Squeeze": {1},
    "Unsqueeze": {1}, "ReduceMean": {1}, "ReduceSum": {1}, "ReduceMax": {1}, "ReduceMin": {1},
    "ReduceL2": {1}, "ReduceProd": {1}, "Range": {0, 1, 2}, "ConstantOfShape": {0}, "Dropout": {1, 2},
    "BatchNormalization": {1, 2, 3, 4}, "InstanceNormalization": {1, 2}, "LayerNormalization": {1, 2},
    "Gemm": {1, 2}, "PRelu": {1},
}


def wstr(out, s):
    b = s.encode()
    out += struct.pack("<H", len(b)) + b


def tensor_bytes(arr):
    dt = NP_DTYPES.get(arr.dtype)
    if dt is None:
        return None
    if arr.ndim > 8:
        return None
    return dt, np.ascontiguousarray(arr).tobytes()


def encode_attr(node_op, a):
    """(kind, count, payload) or None when luodi cannot express it."""
    T = onnx.AttributeProto
    if a.type == T.INT:
        v = a.i
        if node_op == "Cast" and a.name == "to":
            if v not in DTYPES:
                return None
            v = DTYPES[v]
        return 1, 1, struct.pack("<q", v)
    if a.type == T.FLOAT:
        return 2, 1, struct.pack("<f", a.f)
    if a.type == T.INTS:
        return 3, len(a.ints), b"".join(struct.pack("<q", v) for v in a.ints)
    if a.type == T.FLOATS:
        return 4, len(a.floats), b"".join(struct.pack("<f", v) for v in a.floats)
    if a.type == T.STRING:
        return 5, len(a.s), bytes(a.s)
    return None


def main():
    out_path = sys.argv[1]
    base = sys.argv[2] if len(sys.argv) > 2 else "/usr/share/libonnx-testdata/data/node"
    if not os.path.isdir(base):
        base = os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data", "node")
    if not os.path.isdir(base):
        print("skipped: no ONNX node test data at %s" % base)
        sys.exit(77)
    cases = bytearray()
    count = 0
    skipped = {}
    for d in sorted(os.listdir(base)):
        path = os.path.join(base, d)
        model = onnx.load(os.path.join(path, "model.onnx"))
        g = model.graph
        if len(g.node) != 1:
            continue
        node = g.node[0]
        if node.domain not in ("", "ai.onnx") or node.op_type not in LUODI_OPS:
            continue
        opset = max((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), default=0)
        if opset > 17 or (node.op_type in NEEDS_13 and opset < 13) or opset < 7:
            skipped[d] = "opset %d" % opset
            continue
        sets = sorted(glob.glob(os.path.join(path, "test_data_set_*")))
        if not sets:
            continue
        ds = sets[0]
        if any(not v.type.HasField("tensor_type") for v in list(g.input) + list(g.output)):
            skipped[d] = "not a tensor"
            continue
        feeds = {}
        for i, vi in enumerate(g.input):
            p = os.path.join(ds, "input_%d.pb" % i)
            if os.path.exists(p):
                t = onnx.TensorProto()
                t.ParseFromString(open(p, "rb").read())
                feeds[vi.name] = numpy_helper.to_array(t)
        outs = []
        for i, vo in enumerate(g.output):
            t = onnx.TensorProto()
            t.ParseFromString(open(os.path.join(ds, "output_%d.pb" % i), "rb").read())
            outs.append(numpy_helper.to_array(t))
        rec = bytearray()
        wstr(rec, d)
        wstr(rec, node.op_type)
        rec += struct.pack("<I", opset)
        attrs = []
        ok = True
        for a in node.attribute:
            if node.op_type == "ConstantOfShape" and a.name == "value":
                v = numpy_helper.to_array(a.t).reshape(-1)
                if v.dtype == np.float32:
                    attrs.append(("value", 4, 1, struct.pack("<f", float(v[0]))))
                elif v.dtype in (np.int64, np.int32):
                    attrs.append(("value", 3, 1, struct.pack("<q", int(v[0]))))
                    if v.dtype == np.int32:
                        attrs.append(("dtype", 1, 1, struct.pack("<q", 5)))
                else:
                    ok = False
                continue
            e = encode_attr(node.op_type, a)
            if e is None:
                ok = False
                break
            attrs.append((a.name,) + e)
        if not ok:
            skipped[d] = "attribute"
            continue
        rec += struct.pack("<I", len(attrs))
        for name, kind, n, payload in attrs:
            wstr(rec, name)
            rec += struct.pack("<BI", kind, n) + payload
        rec += struct.pack("<I", len(node.input))
        consts = CONST_INPUTS.get(node.op_type, set())
        for k, name in enumerate(node.input):
            if name == "":
                rec += struct.pack("<B", 0)
                continue
            if name not in feeds:
                ok = False
                break
            arr = feeds[name]
            tb = tensor_bytes(arr)
            if tb is None:
                ok = False
                break
            dt, raw = tb
            is_const = 1 if (k in consts or dt not in (1, 2)) else 0
            rec += struct.pack("<BBBB", 1, dt, is_const, arr.ndim)
            rec += b"".join(struct.pack("<q", int(s)) for s in arr.shape)
            rec += struct.pack("<Q", len(raw)) + raw
        if not ok:
            skipped[d] = "dtype or missing input"
            continue
        rec += struct.pack("<I", len(outs))
        for arr in outs:
            tb = tensor_bytes(arr)
            if tb is None:
                ok = False
                break
            dt, raw = tb
            rec += struct.pack("<BB", dt, arr.ndim)
            rec += b"".join(struct.pack("<q", int(s)) for s in arr.shape)
            rec += struct.pack("<Q", len(raw)) + raw
        if not ok:
            skipped[d] = "output dtype"
            continue
        cases += rec
        count += 1
    with open(out_path, "wb") as f:
        f.write(b"LDNODES1" + struct.pack("<I", count) + bytes(cases))
    print("%d node tests written to %s (%d skipped: opset or dtype)" % (count, out_path, len(skipped)))


if __name__ == "__main__":
    main()
