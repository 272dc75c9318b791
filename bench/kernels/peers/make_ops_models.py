#!/usr/bin/python3
"""Single-op ONNX models for the ONNX Runtime comparison of luodi's op kernels.

    /usr/bin/python3 bench/kernels/peers/make_ops_models.py /tmp/ops_models
    node bench/kernels/peers/ort_ops.js /tmp/ops_models

Each case is one node on one float32 input (other operands are initializers), at the shapes of
the luodi benches (bench/kernels/bench_*.cpp) with the same names, so the two can be put side by
side. ort_ops.js times the node with ORT's own profiler (kernel time per run), which leaves out
the session.run overhead of the JavaScript binding.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = sys.argv[1] if len(sys.argv) > 1 else "/tmp/ops_models"
rng = np.random.default_rng(0)


def save(name, x_shape, node, inits=(), out_shape=None):
    d = os.path.join(OUT, name.replace("/", "__"))
    os.makedirs(d, exist_ok=True)
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, list(x_shape))
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    g = helper.make_graph([node], name.replace("/", "_"), [x], [y], initializer=list(inits))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 7
    onnx.save(m, os.path.join(d, "model.onnx"))
    a = rng.uniform(0.5, 2.0, x_shape).astype(np.float32)
    with open(os.path.join(d, "input.npy"), "wb") as f:
        np.save(f, a)


def init(name, arr):
    return numpy_helper.from_array(np.asarray(arr, np.float32), name)


s = (1, 64, 56, 56)
save("eltwise/add_same/1x64x56x56", s, helper.make_node("Add", ["x", "b"], ["y"]), [init("b", rng.uniform(0.5, 2, s))])
save("eltwise/add_same/1x256x56x56", (1, 256, 56, 56), helper.make_node("Add", ["x", "b"], ["y"]),
     [init("b", rng.uniform(0.5, 2, (1, 256, 56, 56)))])
save("eltwise/mul_channel/1x64x56x56", s, helper.make_node("Mul", ["x", "b"], ["y"]), [init("b", rng.uniform(0.5, 2, (1, 64, 1, 1)))])
save("eltwise/prelu_channel/1x64x56x56", s, helper.make_node("PRelu", ["x", "b"], ["y"]), [init("b", rng.uniform(0, 1, (64, 1, 1)))])
save("pool/max3x3s2p1/1x64x112x112", (1, 64, 112, 112),
     helper.make_node("MaxPool", ["x"], ["y"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]))
save("pool/max2x2s2/1x64x112x112", (1, 64, 112, 112), helper.make_node("MaxPool", ["x"], ["y"], kernel_shape=[2, 2], strides=[2, 2]))
save("pool/avg3x3s1p1/1x192x28x28", (1, 192, 28, 28),
     helper.make_node("AveragePool", ["x"], ["y"], kernel_shape=[3, 3], strides=[1, 1], pads=[1, 1, 1, 1]))
save("pool/max5x5s1p2/1x256x20x20", (1, 256, 20, 20),
     helper.make_node("MaxPool", ["x"], ["y"], kernel_shape=[5, 5], strides=[1, 1], pads=[2, 2, 2, 2]))
save("pool/global_avg/1x2048x7x7", (1, 2048, 7, 7), helper.make_node("GlobalAveragePool", ["x"], ["y"]))
save("pool/global_max/1x2048x7x7", (1, 2048, 7, 7), helper.make_node("GlobalMaxPool", ["x"], ["y"]))
save("softmax/classes/32x1000", (32, 1000), helper.make_node("Softmax", ["x"], ["y"], axis=1))
save("softmax/channels/1x21x128x128", (1, 21, 128, 128), helper.make_node("Softmax", ["x"], ["y"], axis=1))
save("softmax/last/1x6625x40", (1, 40, 6625), helper.make_node("Softmax", ["x"], ["y"], axis=2))
save("norm/batch_norm/1x64x56x56", s, helper.make_node("BatchNormalization", ["x", "g", "b", "m", "v"], ["y"]),
     [init("g", rng.uniform(0.5, 2, 64)), init("b", rng.uniform(0.5, 2, 64)), init("m", rng.uniform(0.5, 2, 64)),
      init("v", rng.uniform(0.5, 2, 64))])
save("norm/instance_norm/1x64x56x56", s, helper.make_node("InstanceNormalization", ["x", "g", "b"], ["y"]),
     [init("g", rng.uniform(0.5, 2, 64)), init("b", rng.uniform(0.5, 2, 64))])
save("norm/lrn5/1x64x56x56", s, helper.make_node("LRN", ["x"], ["y"], size=5))
save("reduce/mean_hw/1x64x56x56", s, helper.make_node("ReduceMean", ["x"], ["y"], axes=[2, 3]))
save("reduce/mean_c/1x64x56x56", s, helper.make_node("ReduceMean", ["x"], ["y"], axes=[1]))
save("reduce/max_c/1x64x56x56", s, helper.make_node("ReduceMax", ["x"], ["y"], axes=[1]))
for name, shape, mode, coord, nm, sc in (("resize/nearest_x2/1x256x40x40", (1, 256, 40, 40), "nearest", "asymmetric", "floor", 2),
                                         ("resize/nearest_x2/1x96x80x80", (1, 96, 80, 80), "nearest", "asymmetric", "floor", 2),
                                         ("resize/linear_x2/1x96x80x80", (1, 96, 80, 80), "linear", "half_pixel", "floor", 2),
                                         ("resize/cubic_x2/1x32x80x80", (1, 32, 80, 80), "cubic", "half_pixel", "floor", 2)):
    save(name, shape, helper.make_node("Resize", ["x", "", "scales"], ["y"], mode=mode, coordinate_transformation_mode=coord,
                                       nearest_mode=nm), [init("scales", [1, 1, sc, sc])])
save("transpose/nchw_to_nhwc/1x64x56x56", s, helper.make_node("Transpose", ["x"], ["y"], perm=[0, 2, 3, 1]))
print("models in", OUT)
