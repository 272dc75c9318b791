#!/usr/bin/python3
"""Single-Conv ONNX models for comparing bench_conv2d with ONNX Runtime (the peer).

    /usr/bin/python3 bench/kernels/peers/ort_conv_models.py OUTDIR
    for m in OUTDIR/*.onnx; do node /work/shared/peers/ort_run.js $m ${m%.onnx}.npy --threads 1 --runs 50; done

Each model is Conv (bias, pads k/2) followed by the activation bench_conv2d fuses for that layer
(Relu, or Clip 0..6 for depthwise), opset 13, batch 1, random weights. The names match
bench_conv2d's layer names. ORT fuses Conv + Relu/Clip into one kernel; the residual add that
bench_conv2d includes for some layers is left out here (it costs luodi, not ORT).
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

LAYERS = [
    ("r18_3x3_56_64", 64, 56, 64, 3, 1, 1), ("r18_3x3_28_128", 128, 28, 128, 3, 1, 1),
    ("r18_3x3_14_256", 256, 14, 256, 3, 1, 1), ("r18_3x3_7_512", 512, 7, 512, 3, 1, 1),
    ("r18_3x3s2_56_64_128", 64, 56, 128, 3, 2, 1), ("r18_3x3s2_28_128_256", 128, 28, 256, 3, 2, 1),
    ("r18_3x3s2_14_256_512", 256, 14, 512, 3, 2, 1),
    ("mnv2_1x1_112_16_96", 16, 112, 96, 1, 1, 1), ("mnv2_1x1_56_24_144", 24, 56, 144, 1, 1, 1),
    ("mnv2_1x1_28_32_192", 32, 28, 192, 1, 1, 1), ("mnv2_1x1_14_384_64", 384, 14, 64, 1, 1, 1),
    ("mnv2_1x1_14_96_576", 96, 14, 576, 1, 1, 1), ("mnv2_1x1_7_960_320", 960, 7, 320, 1, 1, 1),
    ("mnv2_1x1_7_320_1280", 320, 7, 1280, 1, 1, 1),
    ("mnv2_dw_112_32_s1", 32, 112, 32, 3, 1, 32), ("mnv2_dw_112_96_s2", 96, 112, 96, 3, 2, 96),
    ("mnv2_dw_56_144_s1", 144, 56, 144, 3, 1, 144), ("mnv2_dw_28_192_s2", 192, 28, 192, 3, 2, 192),
    ("mnv2_dw_14_576_s1", 576, 14, 576, 3, 1, 576), ("mnv2_dw_14_576_s2", 576, 14, 576, 3, 2, 576),
    ("mnv2_dw_7_960_s1", 960, 7, 960, 3, 1, 960),
]


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(7)
    for name, cin, hw, cout, k, s, g in LAYERS:
        w = rng.uniform(-0.1, 0.1, (cout, cin // g, k, k)).astype(np.float32)
        b = rng.uniform(-0.1, 0.1, (cout,)).astype(np.float32)
        inits = [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b")]
        conv = helper.make_node("Conv", ["x", "w", "b"], ["c"], kernel_shape=[k, k], strides=[s, s],
                                pads=[k // 2] * 4, group=g)
        if g > 1:
            inits += [numpy_helper.from_array(np.array(0, np.float32), "lo"),
                      numpy_helper.from_array(np.array(6, np.float32), "hi")]
            act = helper.make_node("Clip", ["c", "lo", "hi"], ["y"])
        else:
            act = helper.make_node("Relu", ["c"], ["y"])
        ho = (hw + 2 * (k // 2) - k) // s + 1
        graph = helper.make_graph([conv, act], name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, cin, hw, hw])],
                                  [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, cout, ho, ho])], inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
        model.ir_version = 7
        onnx.save(model, os.path.join(out, name + ".onnx"))
        np.save(os.path.join(out, name + ".npy"), rng.uniform(-1, 1, (1, cin, hw, hw)).astype(np.float32))


if __name__ == "__main__":
    main()
