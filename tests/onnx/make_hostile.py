#!/usr/bin/python3
"""Writes corrupt and hostile .onnx files for luodi's importer tests, and the seed corpus of the
fuzz_onnx fuzzer.

    /usr/bin/python3 tests/onnx/make_hostile.py

Outputs tests/onnx/hostile/*.onnx and tests/onnx/hostile/expected.txt ("file code" per line,
code being a luodi StatusCode name as printed by Status::code_name()). test_hostile.cpp imports
every file and checks the code. Valid parts are made with python3-onnx's helpers; the broken
bytes are written by hand below, from the protobuf encoding spec.
"""
import os
import shutil

import onnx
from onnx import TensorProto, helper

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "hostile")
CORPUS = os.path.join(HERE, "..", "fuzz", "corpus_onnx")


def varint(v):
    out = bytearray()
    v &= (1 << 64) - 1
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def key(field, wt):
    return varint((field << 3) | wt)


def ld(field, payload):
    return key(field, 2) + varint(len(payload)) + payload


def small_model(opset=13):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 4, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    w = helper.make_tensor("w", TensorProto.FLOAT, [2, 2, 3, 3], [0.1 * i for i in range(36)])
    conv = helper.make_node("Conv", ["x", "w"], ["c"], name="conv", pads=[1, 1, 1, 1], kernel_shape=[3, 3])
    relu = helper.make_node("Relu", ["c"], ["y"], name="relu")
    g = helper.make_graph([conv, relu], "small", [x], [y], [w])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)], producer_name="make_hostile")


def graph_model(nodes, inputs, outputs, inits=(), opset=13):
    g = helper.make_graph(nodes, "g", inputs, outputs, list(inits))
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])


def vi(name, shape, t=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, t, shape)


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    os.makedirs(CORPUS, exist_ok=True)
    cases = []

    def add(name, data, code, seed=True):
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
        cases.append((name, code))
        if seed:
            with open(os.path.join(CORPUS, name), "wb") as f:
                f.write(data)

    good = small_model().SerializeToString()
    add("valid_small.onnx", good, "ok")
    add("valid_opset7.onnx", small_model(7).SerializeToString(), "ok")
    add("empty.onnx", b"", "parse error")
    add("truncated.onnx", good[: len(good) // 2], "truncated")
    add("truncated_last_byte.onnx", good[:-1], "truncated")

    # A graph field (7) declaring 2^40 bytes.
    add("huge_length.onnx", key(1, 0) + varint(8) + key(7, 2) + varint(1 << 40) + b"\x0a\x00", "truncated")
    # ir_version as an 11-byte varint.
    add("overlong_varint.onnx", key(1, 0) + b"\x80" * 10 + b"\x00", "parse error")
    # ir_version whose 10th byte overflows 64 bits.
    add("varint_overflow.onnx", key(1, 0) + b"\xff" * 9 + b"\x7f", "parse error")
    # graph (field 7) sent as a varint.
    add("wrong_wire_type.onnx", key(7, 0) + varint(5), "parse error")
    # A start-group wire type.
    add("group_wire_type.onnx", key(7, 3) + b"\x00", "parse error")
    # 200 graphs nested through If attributes.
    inner = ld(2, b"leaf")
    for _ in range(200):
        attr = ld(1, b"then_branch") + key(20, 0) + varint(5) + ld(6, inner)
        node = ld(4, b"If") + ld(5, attr)
        inner = ld(1, node)
    add("deep_nesting.onnx", key(1, 0) + varint(8) + ld(7, inner) + ld(8, key(2, 0) + varint(13)), "parse error")

    # A negative declared dimension.
    m = graph_model([helper.make_node("Relu", ["x"], ["y"])], [vi("x", [1, -3])], [vi("y", None)])
    add("negative_dim.onnx", m.SerializeToString(), "out of range")
    # A node that reads its own output.
    m = graph_model([helper.make_node("Add", ["x", "y"], ["y"], name="self")], [vi("x", [2])], [vi("y", None)])
    add("self_reference.onnx", m.SerializeToString(), "graph cycle")
    # A two-node cycle.
    m = graph_model([helper.make_node("Add", ["x", "b"], ["a"], name="n1"),
                     helper.make_node("Relu", ["a"], ["b"], name="n2"),
                     helper.make_node("Relu", ["a"], ["y"], name="n3")], [vi("x", [2])], [vi("y", None)])
    add("cycle.onnx", m.SerializeToString(), "graph cycle")
    # An input name that nothing produces.
    m = graph_model([helper.make_node("Add", ["x", "nowhere"], ["y"], name="add")], [vi("x", [2])], [vi("y", None)])
    add("dangling_input.onnx", m.SerializeToString(), "not found")
    # An output that nothing produces.
    m = graph_model([helper.make_node("Relu", ["x"], ["y"])], [vi("x", [2])], [vi("y", None), vi("ghost", None)])
    add("dangling_output.onnx", m.SerializeToString(), "not found")
    # Two nodes producing one value.
    m = graph_model([helper.make_node("Relu", ["x"], ["y"]), helper.make_node("Neg", ["x"], ["y"])],
                    [vi("x", [2])], [vi("y", None)])
    add("duplicate_output.onnx", m.SerializeToString(), "invalid argument")
    # External data that escapes the model's directory.
    w = helper.make_tensor("w", TensorProto.FLOAT, [4], [0, 0, 0, 0])
    w.ClearField("float_data")
    w.data_location = TensorProto.EXTERNAL
    for k, v in (("location", "../../../../etc/passwd"), ("offset", "0"), ("length", "16")):
        e = w.external_data.add()
        e.key, e.value = k, v
    m = graph_model([helper.make_node("Add", ["x", "w"], ["y"])], [vi("x", [4])], [vi("y", None)], [w])
    add("external_escape.onnx", m.SerializeToString(), "invalid argument")
    # External data pointing past the end of its file (the file is written next to the model).
    w2 = helper.make_tensor("w", TensorProto.FLOAT, [4], [0, 0, 0, 0])
    w2.ClearField("float_data")
    w2.data_location = TensorProto.EXTERNAL
    for k, v in (("location", "external_short.bin"), ("offset", "8"), ("length", "16")):
        e = w2.external_data.add()
        e.key, e.value = k, v
    m = graph_model([helper.make_node("Add", ["x", "w"], ["y"])], [vi("x", [4])], [vi("y", None)], [w2])
    with open(os.path.join(OUT, "external_short.bin"), "wb") as f:
        f.write(b"\0" * 12)
    add("external_past_end.onnx", m.SerializeToString(), "bad offset", seed=False)
    # An initializer declaring 10^10 elements with 4 bytes of data: refused before allocating.
    big = TensorProto()
    big.name = "w"
    big.data_type = TensorProto.FLOAT
    big.dims.extend([100000, 100000])
    big.raw_data = b"\0\0\0\0"
    m = graph_model([helper.make_node("Add", ["x", "w"], ["y"])], [vi("x", [4])], [vi("y", None)], [big])
    add("huge_initializer.onnx", m.SerializeToString(), "dtype mismatch")
    # The same through float_data with a count mismatch.
    big.ClearField("raw_data")
    big.float_data.extend([1.0])
    m = graph_model([helper.make_node("Add", ["x", "w"], ["y"])], [vi("x", [4])], [vi("y", None)], [big])
    add("huge_initializer_typed.onnx", m.SerializeToString(), "dtype mismatch")
    # An element count that overflows.
    big.ClearField("float_data")
    del big.dims[:]
    big.dims.extend([1 << 40, 1 << 40, 1 << 40])
    m = graph_model([helper.make_node("Add", ["x", "w"], ["y"])], [vi("x", [4])], [vi("y", None)], [big])
    add("overflow_initializer.onnx", m.SerializeToString(), "overflow")
    # Rank 20.
    m = graph_model([helper.make_node("Relu", ["x"], ["y"])], [vi("x", [1] * 20)], [vi("y", None)])
    add("rank_20.onnx", m.SerializeToString(), "unsupported")
    # An op luodi does not have, and a custom domain.
    m = graph_model([helper.make_node("NonMaxSuppression", ["x"], ["y"], name="/m/NMS")], [vi("x", [2])],
                    [vi("y", None)])
    add("unsupported_op.onnx", m.SerializeToString(), "unsupported")
    # An opset newer than luodi reads.
    m = graph_model([helper.make_node("Relu", ["x"], ["y"])], [vi("x", [2])], [vi("y", None)], opset=99)
    add("opset_99.onnx", m.SerializeToString(), "unsupported")
    # No graph at all.
    add("no_graph.onnx", key(1, 0) + varint(8), "parse error")

    with open(os.path.join(OUT, "expected.txt"), "w") as f:
        f.write("# file expected-status (written by make_hostile.py)\n")
        for name, code in cases:
            f.write(f"{name}\t{code}\n")
    print(f"wrote {len(cases)} files to {OUT}")


if __name__ == "__main__":
    main()
